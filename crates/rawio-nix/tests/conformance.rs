//! The conformance kit on every NIX fixture and on the real file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::open;

#[test]
fn generic_fixtures() {
    for f in ["tutorial.nix", "features.nix", "generic_tiny.nix"] {
        rawio_conformance::assert_conformant(&open(f));
    }
}

#[test]
fn neo_fixtures() {
    for f in ["neo_blocks.nix", "neo_tiny.nix", "neo_seed.nix"] {
        rawio_conformance::assert_conformant(&open(f));
    }
}

#[test]
fn real_file() {
    if let Some(p) = rawio_conformance::shared_testdata("nix/gin-ephy-testing-data/nixio_fr.nix") {
        rawio_conformance::assert_conformant(&rawio_nix::NixReader::open(p).unwrap());
    }
}
