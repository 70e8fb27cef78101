//! rawio (under construction)
