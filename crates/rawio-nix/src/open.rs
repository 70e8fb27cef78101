//! Opening a NIX file, step by step: each step is a function testable alone.
//!
//! 1. [`open_file`]: open the HDF5 file and check that its root says NIX (`format` = `"nix"`).
//! 2. [`crate::model::Model::read`]: read the data tree (blocks, arrays, dimensions, tags).
//! 3. [`detect`]: neo-written or generic.
//! 4. the neo mapping (`neo::map`) or the generic one (`generic::map`): streams, units, event channels and
//!    where each block's data is.
//! 5. `Mapping::into_header`: segment bounds, the validated header.

use crate::model::Model;
use rawio_core::{Error, Result};
use rawio_hdf5::{H5File, OpenOptions};
use std::path::Path;

/// Which mapping a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Written by neo's `NixIO` (blocks of type `neo.block`): neo's `NIXRawIO` naming.
    Neo,
    /// Any other NIX file: the generic mapping.
    Generic,
}

/// Opens the HDF5 file and checks its root `format` attribute (`"nix"`).
pub fn open_file(path: &Path) -> Result<H5File> {
    let h = H5File::open(path, crate::FORMAT_ID, &OpenOptions::default())?;
    let format = h.root()?.attributes()?.text("format");
    if format.as_deref() != Some("nix") {
        return Err(Error::corrupt(
            crate::FORMAT_ID,
            path,
            0,
            format!("the root attribute format is {format:?}, not \"nix\": not a NIX file"),
        ));
    }
    Ok(h)
}

/// neo-written or generic.
pub fn detect(model: &Model) -> Kind {
    if model.is_neo() {
        Kind::Neo
    } else {
        Kind::Generic
    }
}
