//! HDF5 filters decoded here, on top of hdf5-reader's built-in fletcher32: LZF (h5py's filter
//! 32000) and Zstandard (hdf5plugin's filter 32015), and faster deflate and shuffle.

pub(crate) mod fast;
pub(crate) mod lzf;
pub(crate) mod zstd;

use hdf5_reader::FilterRegistry;

/// HDF5 filter id of h5py's LZF.
pub const FILTER_LZF: u16 = 32000;
/// HDF5 filter id of Zstandard (hdf5plugin's `Zstd`).
pub const FILTER_ZSTD: u16 = 32015;

/// The filter registry every file is opened with: LZF and Zstd added, each decoded chunk
/// bounded by `max_chunk_bytes`.
pub(crate) fn registry(max_chunk_bytes: usize) -> FilterRegistry {
    let mut r = FilterRegistry::new();
    // deflate and shuffle replaced by faster equivalents (filters/fast.rs)
    r.register(
        1,
        Box::new(move |_desc, data, _elem| {
            fast::inflate(data, max_chunk_bytes)
                .map_err(hdf5_reader::error::Error::DecompressionError)
        }),
    );
    r.register(
        2,
        Box::new(|_desc, data, elem| Ok(fast::unshuffle(data, elem))),
    );
    r.register(
        FILTER_LZF,
        Box::new(move |desc, data, _elem| {
            // h5py's cd_values: (version, lzf version, chunk bytes)
            let expected = desc
                .client_data
                .get(2)
                .and_then(|&v| usize::try_from(v).ok())
                .filter(|&v| v <= max_chunk_bytes);
            lzf::decompress(data, expected, max_chunk_bytes)
                .map_err(|e| hdf5_reader::error::Error::DecompressionError(format!("LZF: {e}")))
        }),
    );
    r.register(
        FILTER_ZSTD,
        Box::new(move |_desc, data, _elem| {
            zstd::decompress(data, max_chunk_bytes)
                .map_err(|e| hdf5_reader::error::Error::DecompressionError(format!("Zstd: {e}")))
        }),
    );
    r
}
