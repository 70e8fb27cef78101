//! rawio-nwb (under construction)
