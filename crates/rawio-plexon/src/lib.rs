//! rawio-plexon (under construction)
