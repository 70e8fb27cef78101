//! rawio-neuroscope (under construction)
