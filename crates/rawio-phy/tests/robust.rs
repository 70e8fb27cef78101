//! Truncated and byte-flipped copies of every fixture folder, and copies where every size the
//! folder declares (npy shapes, `params.py` counts) is set to an extreme value, never panic, hang
//! or over-allocate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

rawio_conformance::install_allocation_budget!();

use rawio_conformance::project_testdata;
use rawio_core::testing::DeclaredSize;
use std::path::Path;

fn open(p: &Path) -> rawio_core::Result<Box<dyn rawio_core::RawIO>> {
    (rawio_phy::FORMAT.open)(p)
}

/// Every `.npy` shape dimension of the folder, and `params.py`'s channel count and offset.
fn declared(dir: &Path) -> Vec<DeclaredSize> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap_or_default();
        let n = name.to_string_lossy();
        if n.ends_with(".npy") {
            out.extend(DeclaredSize::npy_shape(&name, &bytes));
        } else if n == "params.py" {
            out.extend(DeclaredSize::decimals_after(
                &name,
                &bytes,
                "n_channels_dat =",
                "n_channels_dat",
            ));
            out.extend(DeclaredSize::decimals_after(
                &name, &bytes, "offset =", "offset",
            ));
        }
    }
    out
}

#[test]
fn corrupted_fixtures() {
    for name in ["int64_plain", "uint64_col", "spaces", "mixed_shapes"] {
        rawio_conformance::assert_robust!(
            &project_testdata(&format!("phy/{name}")),
            open,
            declared
        );
    }
}
