//! Truncated, byte-flipped and declared-size-mutated copies of every NIX fixture never panic,
//! hang or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_core::testing::DeclaredSize;
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    rawio_conformance::project_testdata(&format!("nix/{name}"))
}

/// Every dataspace dimension of the fixture (datasets and attributes).
fn declared(p: &Path) -> Vec<DeclaredSize> {
    let name = p.file_name().map(Path::new).unwrap_or(p);
    rawio_hdf5::declared::declared_sizes(p, name)
}

#[test]
fn robust_generic_tiny() {
    rawio_conformance::assert_robust!(
        &fixture("generic_tiny.nix"),
        rawio_nix::FORMAT.open,
        declared
    );
}

#[test]
fn robust_neo_seed() {
    rawio_conformance::assert_robust!(&fixture("neo_seed.nix"), rawio_nix::FORMAT.open, declared);
}

#[test]
fn robust_neo_tiny() {
    rawio_conformance::assert_robust!(&fixture("neo_tiny.nix"), rawio_nix::FORMAT.open, declared);
}

#[test]
fn robust_tutorial() {
    rawio_conformance::assert_robust!(&fixture("tutorial.nix"), rawio_nix::FORMAT.open, declared);
}

#[test]
fn robust_features() {
    rawio_conformance::assert_robust!(&fixture("features.nix"), rawio_nix::FORMAT.open, declared);
}

#[test]
fn robust_neo_blocks() {
    rawio_conformance::assert_robust!(&fixture("neo_blocks.nix"), rawio_nix::FORMAT.open, declared);
}

#[test]
fn robust_cycles() {
    rawio_conformance::assert_robust!(&fixture("cycles.nix"), rawio_nix::FORMAT.open, declared);
}
