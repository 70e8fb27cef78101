//! rawio-conformance (under construction)
