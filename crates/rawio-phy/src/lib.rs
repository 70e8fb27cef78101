//! rawio-phy (under construction)
