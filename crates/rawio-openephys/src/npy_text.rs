//! `.npy` arrays that rawio-core's numeric [`NpyFile`] does not cover, as written by the Open
//! Ephys GUI for event labels: byte strings (`|S513` MessageCenter text), unicode strings
//! (`<U12`) and structured rows (`[('Color', '|S16', (1,)), ('Port', '<i4', (1,)), ...]`,
//! the BINARY event metadata of GUI 0.4). Numeric arrays are read through [`NpyFile`].

use rawio_core::{Error, MappedFile, NpyFile, NpyRawHeader, Result, Sample, dispatch_raw};
use std::path::Path;

use crate::FORMAT_BINARY_ID as FORMAT_ID;

/// The first of `names` that exists in `dir`, opened; `None` when none exists.
pub(crate) fn first_npy(dir: &Path, names: &[&str]) -> Result<Option<NpyFile>> {
    for n in names {
        let p = dir.join(n);
        if p.is_file() {
            return NpyFile::open(&p, FORMAT_ID).map(Some);
        }
    }
    Ok(None)
}

/// The common value of `rates` when they are all equal (and there is at least one).
pub(crate) fn uniform(mut rates: impl Iterator<Item = f64>) -> Option<f64> {
    let first = rates.next()?;
    rates.all(|r| r == first).then_some(first)
}

/// Every value of a 1-D (or `(n, 1)`) integer `.npy` as i64 (floats are an error).
pub(crate) fn int_values(f: &NpyFile) -> Result<Vec<i64>> {
    let a = f.raw_1d()?;
    if a.dtype().is_float() {
        return Err(Error::corrupt(
            FORMAT_ID,
            f.path(),
            0,
            format!("expected integers, found {}", a.dtype()),
        ));
    }
    let mut out = Vec::with_capacity(a.len());
    let mut overflow = false;
    dispatch_raw!(&a, v => for x in v.iter() {
        match i64::try_from(x.to_i128()) {
            Ok(i) => out.push(i),
            Err(_) => { overflow = true; out.push(i64::MAX) }
        }
    });
    if overflow {
        return Err(Error::corrupt(
            FORMAT_ID,
            f.path(),
            0,
            "integer values beyond i64",
        ));
    }
    Ok(out)
}

/// Every value of a 1-D unsigned (or non-negative integer) `.npy` as u64 (`full_words.npy`).
pub(crate) fn u64_values(f: &NpyFile) -> Result<Vec<u64>> {
    let a = f.raw_1d()?;
    let bad = || Error::corrupt(FORMAT_ID, f.path(), 0, "expected non-negative integers");
    if a.dtype().is_float() {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(a.len());
    dispatch_raw!(&a, v => for x in v.iter() {
        out.push(u64::try_from(x.to_i128()).map_err(|_| bad())?);
    });
    Ok(out)
}

/// Every value of a 1-D float or integer `.npy` as f64.
pub(crate) fn f64_values(f: &NpyFile) -> Result<Vec<f64>> {
    let a = f.raw_1d()?;
    Ok(dispatch_raw!(&a, v => v.iter().map(|x| x.to_f64()).collect()))
}

/// One field of a structured dtype.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: String,
    kind: Kind,
    /// Elements per row (product of the sub-array shape).
    count: usize,
}

/// An element type of a label array.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Bytes(usize),
    Unicode(usize),
    Int { size: usize, signed: bool },
    Float(usize),
    Bool,
}

impl Kind {
    fn parse(descr: &str) -> Option<Kind> {
        let d = descr.trim().trim_matches(|c| c == '\'' || c == '"');
        let (order, rest) = match d.chars().next()? {
            c @ ('<' | '>' | '|' | '=') => (c, &d[1..]),
            _ => ('=', d),
        };
        // the type character (any character: a non-ASCII one is refused below, not split)
        let t_len = rest.chars().next()?.len_utf8();
        let (t, n) = rest.split_at(t_len);
        let n: usize = if n.is_empty() { 1 } else { n.parse().ok()? };
        if order == '>' && n > 1 && t != "S" {
            return None;
        }
        Some(match t {
            "S" | "a" => Kind::Bytes(n),
            "U" => Kind::Unicode(n),
            "i" if matches!(n, 1 | 2 | 4 | 8) => Kind::Int {
                size: n,
                signed: true,
            },
            "u" if matches!(n, 1 | 2 | 4 | 8) => Kind::Int {
                size: n,
                signed: false,
            },
            "f" if matches!(n, 4 | 8) => Kind::Float(n),
            "b" => Kind::Bool,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Kind::Bytes(n) => n,
            Kind::Unicode(n) => n.saturating_mul(4),
            Kind::Int { size, .. } | Kind::Float(size) => size,
            Kind::Bool => 1,
        }
    }

    /// The element as numpy prints it inside an array (`b'red'`, `27020`, `'x'`).
    fn repr(self, b: &[u8]) -> String {
        match self {
            Kind::Bytes(_) => bytes_repr(trim_nul(b)),
            Kind::Unicode(_) => format!("'{}'", utf32(b)),
            _ => self.plain(b),
        }
    }

    /// The element as a label (`red`, `27020`).
    fn plain(self, b: &[u8]) -> String {
        let mut a = [0u8; 8];
        let n = b.len().min(8);
        a[..n].copy_from_slice(&b[..n]);
        match self {
            Kind::Bytes(_) => String::from_utf8_lossy(trim_nul(b)).into_owned(),
            Kind::Unicode(_) => utf32(b),
            Kind::Int { size, signed } => {
                let u = u64::from_le_bytes(a);
                let bits = 8 * size as u32;
                if signed && bits < 64 {
                    let shift = 64 - bits;
                    (((u << shift) as i64) >> shift).to_string()
                } else if signed {
                    (u as i64).to_string()
                } else {
                    u.to_string()
                }
            }
            Kind::Float(4) => f32::from_le_bytes([a[0], a[1], a[2], a[3]]).to_string(),
            Kind::Float(_) => f64::from_le_bytes(a).to_string(),
            Kind::Bool => if a[0] != 0 { "True" } else { "False" }.to_owned(),
        }
    }
}

fn trim_nul(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &b[..end]
}

fn utf32(b: &[u8]) -> String {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .take_while(|&u| u != 0)
        .map(|u| char::from_u32(u).unwrap_or('\u{fffd}'))
        .collect()
}

/// Python's `repr` of a bytes value.
fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::from("b");
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            c if c == quote as u8 => {
                s.push('\\');
                s.push(c as char);
            }
            0x20..=0x7e => s.push(c as char),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// Splits a Python list of tuples (`[('a', '<i4', (1,)), ('b', '|S16')]`) into its tuples'
/// comma-separated items.
fn parse_fields(descr: &str) -> Option<Vec<Field>> {
    let inner = descr.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut fields = Vec::new();
    let mut depth = 0i32;
    let mut start = None;
    for (i, c) in inner.char_indices() {
        match c {
            '(' => {
                if depth == 0 {
                    start = Some(i + 1);
                }
                depth += 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    fields.push(parse_field(&inner[start?..i])?);
                }
            }
            _ => {}
        }
    }
    (!fields.is_empty()).then_some(fields)
}

fn parse_field(t: &str) -> Option<Field> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(t[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(t[start..].trim());
    let name = items.first()?.trim_matches(|c| c == '\'' || c == '"');
    let kind = Kind::parse(items.get(1)?)?;
    let count = match items.get(2).filter(|s| !s.is_empty()) {
        None => 1,
        Some(shape) => shape
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .try_fold(1usize, |a, d| a.checked_mul(d.parse().ok()?))?,
    };
    Some(Field {
        name: name.to_owned(),
        kind,
        count,
    })
}

/// The labels of a label array: byte/unicode strings as text, numbers in decimal, structured
/// rows as neo prints them (`Color=[b'red'];Port=[27020]`). `None` when the dtype is none of
/// those.
pub(crate) fn read_labels(path: &Path) -> Result<Option<Vec<String>>> {
    let file = MappedFile::open(path)?;
    labels_of(file.bytes(), path)
}

/// [`read_labels`] on the bytes of a file (`path` names it in errors).
pub(crate) fn labels_of(bytes: &[u8], path: &Path) -> Result<Option<Vec<String>>> {
    let bad = |off: u64, d: String| Error::corrupt(FORMAT_ID, path, off, d);
    let h = NpyRawHeader::parse(bytes).map_err(|(o, d)| bad(o, d))?;
    let n_rows = match h.shape.as_slice() {
        [n] | [n, 1] => *n,
        s => return Err(bad(h.header_offset, format!("labels of shape {s:?}"))),
    };
    let descr = h.descr.trim();
    let (fields, structured) = if descr.starts_with('[') {
        match parse_fields(descr) {
            Some(f) => (f, true),
            None => return Ok(None),
        }
    } else {
        match Kind::parse(descr) {
            Some(kind) => (
                vec![Field {
                    name: String::new(),
                    kind,
                    count: 1,
                }],
                false,
            ),
            None => return Ok(None),
        }
    };
    let row_bytes = fields
        .iter()
        .try_fold(0u64, |a, f| {
            (f.kind.size() as u64)
                .checked_mul(f.count as u64)
                .and_then(|s| a.checked_add(s))
        })
        .ok_or_else(|| bad(h.header_offset, "row size overflows".into()))?;
    let data = n_rows
        .checked_mul(row_bytes)
        .and_then(|n| {
            let start = usize::try_from(h.data_offset).ok()?;
            let end = start.checked_add(usize::try_from(n).ok()?)?;
            bytes.get(start..end)
        })
        .ok_or_else(|| {
            bad(
                h.data_offset,
                format!(
                    "{n_rows} rows of {row_bytes} bytes need more than the file's {} bytes",
                    bytes.len()
                ),
            )
        })?;
    if row_bytes == 0 {
        return Ok(Some(Vec::new()));
    }
    let labels = data
        .chunks_exact(row_bytes as usize)
        .map(|row| {
            if !structured {
                return fields[0].kind.plain(row);
            }
            let mut pos = 0usize;
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let size = f.kind.size();
                    let items: Vec<String> = (0..f.count)
                        .map(|k| {
                            let s = pos + k * size;
                            f.kind.repr(row.get(s..s + size).unwrap_or(&[]))
                        })
                        .collect();
                    pos += size * f.count;
                    format!("{}=[{}]", f.name, items.join(" "))
                })
                .collect();
            parts.join(";")
        })
        .collect();
    Ok(Some(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(
        dir: &Path,
        name: &str,
        descr: &str,
        shape: &[u64],
        data: &[u8],
    ) -> std::path::PathBuf {
        let mut b = rawio_core::npy_header_bytes(descr, shape);
        b.extend_from_slice(data);
        let p = dir.join(name);
        std::fs::write(&p, b).unwrap();
        p
    }

    #[test]
    fn byte_strings_numbers_and_structured_rows() {
        let t = tempfile::tempdir().unwrap();
        let mut text = b"hello".to_vec();
        text.resize(8, 0);
        text.extend_from_slice(b"a\0\0\0\0\0\0\0");
        let p = write(t.path(), "t.npy", "|S8", &[2], &text);
        assert_eq!(read_labels(&p).unwrap().unwrap(), vec!["hello", "a"]);
        let p = write(t.path(), "c.npy", "<u2", &[3], &[1, 0, 2, 0, 255, 255]);
        assert_eq!(read_labels(&p).unwrap().unwrap(), vec!["1", "2", "65535"]);
        let p = write(t.path(), "s.npy", "<i2", &[2], &[1, 0, 0xfe, 0xff]);
        assert_eq!(read_labels(&p).unwrap().unwrap(), vec!["1", "-2"]);
        let mut row = b"red".to_vec();
        row.resize(4, 0);
        row.extend_from_slice(&27020i32.to_le_bytes());
        let p = write(
            t.path(),
            "m.npy",
            "[('Color', '|S4', (1,)), ('Port', '<i4', (1,))]",
            &[1],
            &row,
        );
        // the header writer quotes descr; write the structured header by hand instead
        let mut hdr = b"\x93NUMPY\x01\x00".to_vec();
        let mut d = "{'descr': [('Color', '|S4', (1,)), ('Port', '<i4', (1,))], 'fortran_order': False, 'shape': (1,), }".to_string();
        while !(10 + d.len() + 1).is_multiple_of(64) {
            d.push(' ');
        }
        d.push('\n');
        hdr.extend_from_slice(&(d.len() as u16).to_le_bytes());
        hdr.extend_from_slice(d.as_bytes());
        hdr.extend_from_slice(&row);
        std::fs::write(&p, hdr).unwrap();
        assert_eq!(
            read_labels(&p).unwrap().unwrap(),
            vec!["Color=[b'red'];Port=[27020]"]
        );
        let p = write(t.path(), "big.npy", "|S8", &[1 << 40], &text);
        assert!(read_labels(&p).is_err());
        let p = write(t.path(), "o.npy", "|O", &[1], &text);
        assert_eq!(read_labels(&p).unwrap(), None);
    }

    #[test]
    fn descr_without_an_ascii_type_character_is_not_a_label_array() {
        // fuzz finding (openephys_binary): a descr such as '|\u{fffd}' panicked (split inside
        // a multi-byte character)
        assert_eq!(Kind::parse("|\u{fffd}\u{fffd}"), None);
        assert_eq!(Kind::parse("<é4"), None);
        assert_eq!(Kind::parse("|"), None);
        assert_eq!(Kind::parse(""), None);
        let t = tempfile::tempdir().unwrap();
        let p = write(t.path(), "u.npy", "|\u{e9}", &[0], &[]);
        assert_eq!(read_labels(&p).unwrap(), None);
    }

    #[test]
    fn reprs() {
        assert_eq!(bytes_repr(b"a'b"), "b\"a'b\"");
        assert_eq!(bytes_repr(b"/red\x01"), "b'/red\\x01'");
        assert_eq!(Kind::parse("<U3"), Some(Kind::Unicode(3)));
        assert_eq!(Kind::parse(">i4"), None);
        assert_eq!(Kind::parse("|S16"), Some(Kind::Bytes(16)));
        assert_eq!(
            Kind::Int {
                size: 1,
                signed: true
            }
            .plain(&[0xff]),
            "-1"
        );
        let f = parse_fields("[('a', '<f8'), ('b', '|S2', (2, 3))]").unwrap();
        assert_eq!((f[0].count, f[1].count), (1, 6));
        assert_eq!(parse_fields("[]"), None);
    }
}
