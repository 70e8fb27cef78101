//! LZF decompression (liblzf's format), for h5py's HDF5 filter 32000.

/// Decompresses an LZF stream. `expected` (h5py's `cd_values[2]`, the chunk size in bytes)
/// bounds the output; without it the output is bounded by 64 × the input. It never exceeds
/// `max_out`.
pub(crate) fn decompress(
    input: &[u8],
    expected: Option<usize>,
    max_out: usize,
) -> Result<Vec<u8>, String> {
    let cap = expected
        .unwrap_or_else(|| input.len().saturating_mul(64))
        .min(max_out);
    let mut out: Vec<u8> = Vec::with_capacity(cap.min(input.len().saturating_mul(64)));
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 32 {
            let len = ctrl + 1;
            let lit = input
                .get(ip..ip + len)
                .ok_or_else(|| format!("literal run past the end of the input at byte {ip}"))?;
            if out.len() + len > cap {
                return Err(format!("output exceeds {cap} bytes"));
            }
            out.extend_from_slice(lit);
            ip += len;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip).ok_or("truncated back-reference length")?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip).ok_or("truncated back-reference offset")?);
            ip += 1;
            let dist = ((ctrl & 0x1f) << 8) + low + 1;
            len += 2;
            let start = out.len().checked_sub(dist).ok_or_else(|| {
                format!("back-reference before the start of the output at byte {ip}")
            })?;
            if out.len() + len > cap {
                return Err(format!("output exceeds {cap} bytes"));
            }
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    if let Some(n) = expected
        && out.len() != n
    {
        return Err(format!("decoded {} bytes, expected {n}", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decompress;

    #[test]
    fn literal_and_backref() {
        // "abcabcabcabc": literal "abc" (ctrl 2), then back-reference len 9 (7+2 -> ctrl len 7,
        // extra 0), distance 3 (offset 2)
        let stream = [2u8, b'a', b'b', b'c', (7 << 5), 0, 2];
        assert_eq!(
            decompress(&stream, Some(12), 1 << 20).unwrap(),
            b"abcabcabcabc"
        );
        // short back-reference: len 3 = (1 << 5) + 2
        let stream = [1u8, b'x', b'y', (1 << 5), 1];
        assert_eq!(decompress(&stream, None, 1 << 20).unwrap(), b"xyxyx");
    }

    #[test]
    fn corrupt_streams_fail_cleanly() {
        assert!(decompress(&[5, b'a'], None, 1 << 20).is_err());
        assert!(decompress(&[(1 << 5), 9], None, 1 << 20).is_err());
        assert!(decompress(&[0, b'a', (7 << 5)], None, 1 << 20).is_err());
        assert!(decompress(&[2u8, b'a', b'b', b'c'], Some(4), 1 << 20).is_err());
        assert!(
            decompress(
                &[2u8, b'a', b'b', b'c', (7 << 5), 200, 2],
                Some(12),
                1 << 20
            )
            .is_err()
        );
    }
}
