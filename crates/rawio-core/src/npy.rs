//! NumPy `.npy` files, memory-mapped, with dtype dispatch (used by Phy and Open Ephys).
//!
//! Supports format versions 1.0–3.0, little-endian or byte-order-free numeric dtypes
//! (`i1`…`u8`, `f4`, `f8`, `b1` read as `u1`), C or Fortran order. Data comes back as views into
//! the mapping when aligned.

use crate::dtype::{Dtype, RawArray, Sample};
use crate::error::{Error, Result};
use crate::io::MappedFile;
use ndarray::{ArrayView, CowArray, IxDyn, ShapeBuilder};
use std::path::Path;

/// The parsed header of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Element type.
    pub dtype: Dtype,
    /// Shape.
    pub shape: Vec<u64>,
    /// Whether the data is column-major.
    pub fortran_order: bool,
    /// Byte offset of the data.
    pub data_offset: u64,
}

impl NpyHeader {
    /// Number of elements (saturating).
    pub fn element_count(&self) -> u64 {
        self.shape.iter().fold(1u64, |a, &d| a.saturating_mul(d))
    }

    /// Parses the header from the start of a file. Errors carry `(offset, detail)`.
    pub fn parse(bytes: &[u8]) -> std::result::Result<NpyHeader, (u64, String)> {
        let raw = NpyRawHeader::parse(bytes)?;
        let descr = raw.descr.as_str();
        let dtype = if descr == "|b1" || descr == "b1" {
            Dtype::Uint8
        } else {
            Dtype::from_numpy(descr).ok_or((
                raw.header_offset,
                format!("unsupported dtype {descr:?} (only little-endian numbers)"),
            ))?
        };
        Ok(NpyHeader {
            dtype,
            shape: raw.shape,
            fortran_order: raw.fortran_order,
            data_offset: raw.data_offset,
        })
    }
}

/// A `.npy` header with its dtype left as numpy's `descr` string (`"<f8"`, `"<U12"`, `"|O"`,
/// ...), for callers that handle dtypes [`Dtype`] does not cover (text arrays in `.npz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyRawHeader {
    /// numpy's dtype string, unquoted.
    pub descr: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Whether the data is column-major.
    pub fortran_order: bool,
    /// Byte offset of the header text (where header errors are reported).
    pub header_offset: u64,
    /// Byte offset of the data.
    pub data_offset: u64,
}

impl NpyRawHeader {
    /// Parses magic, version, header length and the header dict (`descr`, `fortran_order`,
    /// `shape`) of format versions 1.0–3.0. Errors carry `(offset, detail)`.
    pub fn parse(bytes: &[u8]) -> std::result::Result<NpyRawHeader, (u64, String)> {
        if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
            return Err((0, "not a .npy file (bad magic)".into()));
        }
        let (len, start) = match bytes[6] {
            1 => (u64::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10u64),
            2 | 3 => {
                let b = bytes
                    .get(8..12)
                    .ok_or((8, "truncated header length".to_string()))?;
                (
                    u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    12u64,
                )
            }
            v => return Err((6, format!("unsupported .npy version {v}"))),
        };
        let end = start + len;
        let text = usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(s, e)| bytes.get(s..e))
            .ok_or((
                start,
                format!("header of {len} bytes runs past the end of the data"),
            ))?;
        let text = String::from_utf8_lossy(text);
        let descr =
            dict_value(&text, "descr").ok_or((start, "header has no 'descr'".to_string()))?;
        let descr = descr
            .trim()
            .trim_matches(|c| c == '\'' || c == '"')
            .to_owned();
        let fortran_order = dict_value(&text, "fortran_order")
            .map(|v| v.trim().starts_with("True"))
            .unwrap_or(false);
        let shape_txt =
            dict_value(&text, "shape").ok_or((start, "header has no 'shape'".to_string()))?;
        let inner = shape_txt
            .trim()
            .strip_prefix('(')
            .and_then(|s| s.split(')').next())
            .ok_or((start, format!("bad shape {shape_txt:?}")))?;
        let shape = inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_end_matches('L').parse::<u64>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| (start, format!("bad shape {shape_txt:?}")))?;
        Ok(NpyRawHeader {
            descr,
            shape,
            fortran_order,
            header_offset: start,
            data_offset: end,
        })
    }
}

/// The header of a version-1.0 `.npy` file holding a C-order array of `descr` (a numpy dtype
/// string such as `"<i8"`) with `shape`, padded so the data starts on a 64-byte boundary. The
/// data (little-endian) follows it. Used by fixture generators, benches and npz writers.
pub fn header_bytes(descr: &str, shape: &[u64]) -> Vec<u8> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    let len = u16::try_from(h.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out
}

/// The text after `'key':` in a Python dict literal, up to the next top-level comma.
fn dict_value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let pos = text
        .find(&format!("'{key}'"))
        .or_else(|| text.find(&format!("\"{key}\"")))?;
    let rest = &text[pos + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?;
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(&rest[..i]),
            _ => {}
        }
    }
    Some(rest)
}

/// A memory-mapped `.npy` file.
#[derive(Debug)]
pub struct NpyFile {
    file: MappedFile,
    header: NpyHeader,
    format: &'static str,
}

impl NpyFile {
    /// Opens and validates `path` (errors name `format`, the file and the offset). The data
    /// must fit in the file.
    pub fn open(path: impl AsRef<Path>, format: &'static str) -> Result<Self> {
        let file = MappedFile::open(path)?;
        let header = NpyHeader::parse(file.bytes())
            .map_err(|(off, d)| Error::corrupt(format, file.path(), off, d))?;
        let need = header
            .element_count()
            .checked_mul(header.dtype.size() as u64)
            .and_then(|n| n.checked_add(header.data_offset));
        match need {
            Some(n) if n <= file.len() => {}
            _ => {
                return Err(Error::corrupt(
                    format,
                    file.path(),
                    header.data_offset,
                    format!(
                        "shape {:?} of {} needs more bytes than the file's {}",
                        header.shape,
                        header.dtype,
                        file.len()
                    ),
                ));
            }
        }
        Ok(NpyFile {
            file,
            header,
            format,
        })
    }

    /// The header.
    pub fn header(&self) -> &NpyHeader {
        &self.header
    }

    /// The path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The memory-mapped file.
    pub fn mapped(&self) -> &MappedFile {
        &self.file
    }

    /// Drops the file's pages from this process's resident set (see [`MappedFile::release`]);
    /// call after a pass over a large array that will not be needed again soon.
    pub fn release(&self) {
        self.file.release(0, self.file.len());
    }

    /// The whole array in its dtype, shaped as stored (view when aligned).
    pub fn raw(&self) -> Result<RawArray<'_, IxDyn>> {
        fn typed<'f, T: Sample>(f: &'f NpyFile) -> Result<RawArray<'f, IxDyn>> {
            let h = &f.header;
            let count = h.element_count();
            let bad = |d: String| Error::corrupt(f.format, f.file.path(), h.data_offset, d);
            let dims: Vec<usize> = h
                .shape
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| bad("dimension too large".into())))
                .collect::<Result<_>>()?;
            let shape = IxDyn(&dims).set_f(h.fortran_order);
            let arr: CowArray<'f, T, IxDyn> = match f.file.typed::<T>(h.data_offset, count) {
                Some(s) => {
                    CowArray::from(ArrayView::from_shape(shape, s).map_err(|e| bad(e.to_string()))?)
                }
                None => {
                    let v = f.file.read_vec::<T>(f.format, h.data_offset, count)?;
                    CowArray::from(
                        ndarray::Array::from_shape_vec(shape, v).map_err(|e| bad(e.to_string()))?,
                    )
                }
            };
            Ok(T::wrap(arr))
        }
        match self.header.dtype {
            Dtype::Int8 => typed::<i8>(self),
            Dtype::Uint8 => typed::<u8>(self),
            Dtype::Int16 => typed::<i16>(self),
            Dtype::Uint16 => typed::<u16>(self),
            Dtype::Int32 => typed::<i32>(self),
            Dtype::Uint32 => typed::<u32>(self),
            Dtype::Int64 => typed::<i64>(self),
            Dtype::Uint64 => typed::<u64>(self),
            Dtype::Float32 => typed::<f32>(self),
            Dtype::Float64 => typed::<f64>(self),
        }
    }

    /// The array as 1-D: shapes `(n,)`, `(n, 1)` and `(1, n)` are accepted; anything else is an
    /// error.
    pub fn raw_1d(&self) -> Result<RawArray<'_, ndarray::Ix1>> {
        let s = &self.header.shape;
        let ok = s.len() == 1 || (s.len() == 2 && (s[0] == 1 || s[1] == 1));
        if !ok {
            return Err(Error::corrupt(
                self.format,
                self.file.path(),
                0,
                format!("expected a 1-D array, found shape {s:?}"),
            ));
        }
        let n = usize::try_from(self.header.element_count()).unwrap_or(usize::MAX);
        let raw = self.raw()?;
        let out = crate::dispatch_raw!(raw, a => {
            match a.into_shape_with_order(n) {
                Ok(v) => Sample::wrap(v),
                Err(_) => return Err(Error::invalid("cannot flatten npy array")),
            }
        });
        Ok(out)
    }

    /// Every element widened to f64, in logical (C) order.
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        let raw = self.raw()?;
        Ok(crate::dispatch_raw!(&raw, a => a.iter().map(|v| v.to_f64()).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &[u64], data: &[u8]) -> Vec<u8> {
        let mut out = header_bytes(descr, shape);
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn parses_headers() {
        let b = npy("<u8", &[3, 1], &[]);
        let h = NpyHeader::parse(&b).unwrap();
        assert_eq!(h.dtype, Dtype::Uint64);
        assert_eq!(h.shape, vec![3, 1]);
        assert_eq!(h.data_offset % 64, 0);
        assert_eq!(
            NpyHeader::parse(&npy("<f4", &[], &[])).unwrap().shape,
            Vec::<u64>::new()
        );
        assert!(NpyHeader::parse(&npy(">i4", &[3], &[])).is_err());
        assert!(NpyHeader::parse(b"\x93NUMPY\x01\x00\xff\xff{").is_err());
        assert!(NpyHeader::parse(b"garbage").is_err());
    }

    #[test]
    fn reads_column_vectors_as_1d() {
        let data: Vec<u8> = [5i64, 7, 9].iter().flat_map(|v| v.to_le_bytes()).collect();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.npy");
        std::fs::write(&p, npy("<i8", &[3, 1], &data)).unwrap();
        let f = NpyFile::open(&p, "test").unwrap();
        let a = f.raw_1d().unwrap();
        assert_eq!(a.as_typed::<i64>().unwrap().to_vec(), vec![5, 7, 9]);
        std::fs::write(&p, npy("<i8", &[4], &data)).unwrap();
        assert!(NpyFile::open(&p, "test").is_err());
    }
}
