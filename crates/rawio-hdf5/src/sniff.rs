//! [`sniff`]: is this an HDF5 file, and what do its root attributes say? Cheap enough for a
//! format registry: the signature, the superblock and the root group's object header (plus
//! the heap blocks of its attributes) are read, a few KB.

use crate::ElementType;
use crate::value::{Value, decode, element_type};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The HDF5 file signature.
pub const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Largest root object header the sniff parses.
const MAX_HEADER_BYTES: usize = 64 << 10;
/// Largest attribute array kept.
const MAX_ELEMENTS: u64 = 16;

/// The root group's attributes as seen by [`sniff`]: text, numeric, bool and enum values,
/// scalars and arrays of up to 16 elements (others are left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RootAttributes {
    /// (name, values), in stored order; a scalar has one value.
    pub values: Vec<(String, Vec<Value>)>,
}

impl RootAttributes {
    /// The values of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&[Value]> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Whether attribute `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The text of attribute `name` (its first element).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name)?.first()?.as_str()
    }
}

/// Whether the file starts with the HDF5 signature at 0, 512, 1024, 2048, ... (a user
/// block), up to 1 MiB.
pub fn has_signature(path: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut off = 0u64;
    while off + 8 <= len && off <= 1 << 20 {
        let mut b = [0u8; 8];
        if f.seek(SeekFrom::Start(off)).is_err() || f.read_exact(&mut b).is_err() {
            return false;
        }
        if &b == SIGNATURE {
            return true;
        }
        off = if off == 0 { 512 } else { off * 2 };
    }
    false
}

/// `None` when `path` is not a file with the HDF5 signature; otherwise the root group's
/// attributes (empty when they cannot be read). Never fails, never panics; reads a few KB.
/// Format crates decide from them: NWB files carry `nwb_version` and `neurodata_type`
/// (`NWBFile`), NIX files `format` = `"nix"` and `version`.
pub fn sniff(path: &Path) -> Option<RootAttributes> {
    if !path.is_file() || !has_signature(path) {
        return None;
    }
    Some(root_attributes(path).unwrap_or_default())
}

/// `None` when `path` is not a file with the HDF5 signature; otherwise the names of the root
/// group's members, sorted (empty when they cannot be read). Cheap (the root group's links
/// only, external links not followed) and never fails: formats whose files carry no
/// identifying attribute recognise them by their top-level groups (NWB's `acquisition`,
/// `units`, ...).
pub fn sniff_members(path: &Path) -> Option<Vec<String>> {
    if !path.is_file() || !has_signature(path) {
        return None;
    }
    let names = cheap_open(path)
        .and_then(|f| f.root_group().ok()?.member_names().ok())
        .map(|(mut g, d)| {
            g.extend(d);
            g.sort();
            g
        });
    Some(names.unwrap_or_default())
}

/// The file opened for a sniff: no chunk cache, small limits.
fn cheap_open(path: &Path) -> Option<hdf5_reader::Hdf5File> {
    let opts = hdf5_reader::OpenOptions::default()
        .with_chunk_cache_bytes(0)
        .with_max_object_header_bytes(MAX_HEADER_BYTES)
        .with_max_read_bytes(1 << 20)
        .with_max_chunk_bytes(1 << 20);
    hdf5_reader::Hdf5File::open_with_options(path, opts).ok()
}

fn root_attributes(path: &Path) -> Option<RootAttributes> {
    let file = cheap_open(path)?;
    let attrs = file.root_group().ok()?.attributes().ok()?;
    let mut out = RootAttributes::default();
    for a in attrs {
        let n = a.shape.iter().try_fold(1u64, |x, &d| x.checked_mul(d));
        if n.is_none_or(|n| n > MAX_ELEMENTS) {
            continue;
        }
        let values = match element_type(&a.datatype) {
            ElementType::Text if a.shape.is_empty() => {
                a.read_string().ok().map(|s| vec![Value::Text(s)])
            }
            ElementType::Text => a
                .read_strings()
                .ok()
                .map(|v| v.into_iter().map(Value::Text).collect()),
            ElementType::Numeric(_) | ElementType::Bool | ElementType::Enum(_) => {
                let size = hdf5_reader::dtype_element_size(&a.datatype).unwrap_or(0);
                (size > 0).then(|| {
                    a.raw_data
                        .chunks_exact(size)
                        .map(|b| decode(&a.datatype, b, &|_| Value::Ref(None)))
                        .collect()
                })
            }
            _ => None,
        };
        if let Some(v) = values {
            out.values.push((a.name, v));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.h5");
        std::fs::write(&p, b"not hdf5 at all, no").unwrap();
        assert_eq!(sniff(&p), None);
        // the signature after a 512-byte user block, and nothing readable after it
        let mut v = vec![0u8; 512];
        v.extend_from_slice(SIGNATURE);
        v.extend_from_slice(&[0; 32]);
        std::fs::write(&p, &v).unwrap();
        assert!(has_signature(&p));
        assert_eq!(sniff(&p), Some(RootAttributes::default()));
        assert_eq!(sniff(dir.path()), None);
        assert_eq!(sniff_members(&p), Some(Vec::new()));
        assert_eq!(sniff_members(dir.path()), None);
        assert_eq!(sniff(&dir.path().join("missing.h5")), None);
    }
}
