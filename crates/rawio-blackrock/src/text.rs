//! Parse errors and the decoding of fixed-size text fields.

use rawio_core::ShortRead;
use std::fmt;

/// A violation of the file format found by a pure parser, at an absolute byte offset. The
/// reader turns it into [`rawio_core::Error::Corrupt`] naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Absolute byte offset in the file.
    pub offset: u64,
    /// What is wrong.
    pub detail: String,
}

impl ParseError {
    /// A parse error at `offset`.
    pub fn new(offset: u64, detail: impl Into<String>) -> Self {
        ParseError {
            offset,
            detail: detail.into(),
        }
    }
}

impl From<ShortRead> for ParseError {
    fn from(e: ShortRead) -> Self {
        ParseError::new(
            e.offset,
            format!("the data ends early (needed {} more bytes)", e.needed),
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.detail)
    }
}

impl std::error::Error for ParseError {}

/// The error for a file whose first 10 bytes (type id, major, minor) are not a known spec.
pub fn unknown_spec(prefix: &[u8], kind: &str, known: &str) -> ParseError {
    let id = prefix.get(..8).map(decode_latin1).unwrap_or_default();
    ParseError::new(
        0,
        format!(
            "not {kind} file of a known spec: type id {id:?}, version {:?}.{:?} (known: {known})",
            prefix.get(8),
            prefix.get(9)
        ),
    )
}

/// Latin-1: every byte is the code point of the same value (never fails).
pub fn decode_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// UTF-8 when the bytes are valid UTF-8, else Latin-1 (so `"µV"` reads right either way).
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => decode_latin1(bytes),
    }
}

/// A NUL-padded text field: the text before the first NUL ([`decode_text`]) and whether
/// non-NUL bytes follow that NUL (bytes neo keeps in its labels).
pub fn cut_at_nul(bytes: &[u8]) -> (String, bool) {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let tail = bytes.get(end..).is_some_and(|t| t.iter().any(|&b| b != 0));
    (decode_text(&bytes[..end]), tail)
}

/// UTF-16 text: little-endian unless it starts with a byte-order mark, cut at the first NUL
/// code unit; an odd trailing byte is ignored and unpaired surrogates become U+FFFD.
pub fn decode_utf16(bytes: &[u8]) -> String {
    let mut units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let big_endian = units.first() == Some(&0xFFFE);
    if big_endian {
        units.iter_mut().for_each(|u| *u = u.swap_bytes());
    }
    let start = usize::from(units.first() == Some(&0xFEFF));
    let units = &units[start..];
    let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    char::decode_utf16(units[..end].iter().copied())
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields() {
        assert_eq!(cut_at_nul(b"chan1\0\0\0"), ("chan1".into(), false));
        assert_eq!(cut_at_nul(b"EyeX\0junk\0"), ("EyeX".into(), true));
        assert_eq!(cut_at_nul(b"full"), ("full".into(), false));
        assert_eq!(decode_text(b"\xb5V"), "\u{b5}V");
        assert_eq!(decode_text("µV".as_bytes()), "µV");
        assert_eq!(
            decode_latin1(b"Comment2\x03\xda\x0b"),
            "Comment2\u{3}Ú\u{b}"
        );
    }

    #[test]
    fn utf16_comments() {
        let le: Vec<u8> = "Hé €".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let mut padded = le.clone();
        padded.extend_from_slice(&[0, 0, 0x41, 0]);
        assert_eq!(decode_utf16(&padded), "Hé €");
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert_eq!(decode_utf16(&bom), "Hé €");
        let be: Vec<u8> = [0xFEFFu16]
            .into_iter()
            .chain("AB".encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode_utf16(&be), "AB");
        assert_eq!(decode_utf16(&[0x41, 0, 0x42]), "A");
        assert_eq!(decode_utf16(&[0x00, 0xD8, 0x41, 0]), "\u{fffd}A");
    }
}
