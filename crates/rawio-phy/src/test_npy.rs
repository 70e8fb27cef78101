//! `.npy` files for the unit tests.

use std::path::Path;

/// Writes an `.npy` file of dtype `descr` and `shape` holding the bytes `data`.
pub(crate) fn write(path: &Path, descr: &str, shape: &[u64], data: &[u8]) {
    let mut b = rawio_core::npy_header_bytes(descr, shape);
    b.extend_from_slice(data);
    std::fs::write(path, b).unwrap();
}

/// Writes a 1-D int64 `.npy` file.
pub(crate) fn i64s(path: &Path, values: &[i64]) {
    let data: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    write(path, "<i8", &[values.len() as u64], &data);
}

/// Little-endian bytes of f32 values.
pub(crate) fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|x| x.to_le_bytes()).collect()
}
