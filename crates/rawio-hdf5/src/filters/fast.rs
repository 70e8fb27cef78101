//! Deflate and shuffle, decoded faster than hdf5-reader's built-ins: inflate straight into one
//! growing buffer (zlib-rs through flate2, no intermediate copy), and an unshuffle without a
//! bounds check per byte. Results are identical; errors name the filter.

use flate2::{Decompress, FlushDecompress, Status};

/// Inflates a zlib stream (HDF5 filter 1) into at most `max` bytes.
pub(crate) fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut d = Decompress::new(true);
    // deflated chunks of neural data are typically 2-4x smaller than their output
    let mut out: Vec<u8> = Vec::new();
    let first = data
        .len()
        .saturating_mul(4)
        .saturating_add(4096)
        .min(max.max(1));
    out.try_reserve_exact(first)
        .map_err(|_| format!("cannot allocate {first} bytes"))?;
    loop {
        let before_in = d.total_in();
        let before_out = d.total_out();
        let at = usize::try_from(d.total_in()).map_err(|e| e.to_string())?;
        let input = data.get(at..).unwrap_or_default();
        let status = d
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .map_err(|e| format!("deflate: {e}"))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if out.len() == out.capacity() {
            if out.len() >= max {
                return Err(format!("deflate: more than {max} bytes"));
            }
            let more = out.len().min(max - out.len()).max(1);
            out.try_reserve_exact(more)
                .map_err(|_| format!("cannot allocate {} bytes", out.len() + more))?;
        } else if d.total_in() == before_in && d.total_out() == before_out {
            return Err("deflate: truncated stream".into());
        }
    }
}

/// Reverses HDF5's shuffle (filter 2): byte `b` of element `i` is at `b * n + i`.
pub(crate) fn unshuffle(data: &[u8], element_size: usize) -> Vec<u8> {
    let k = element_size;
    let n = if k > 1 { data.len() / k } else { 0 };
    if n == 0 {
        return data.to_vec();
    }
    let mut out = vec![0u8; data.len()];
    let (body, tail) = out.split_at_mut(n * k);
    match k {
        // fixed-size inner loops vectorise
        2 => {
            let (a, b) = data.split_at(n);
            for ((o, x), y) in body.chunks_exact_mut(2).zip(a).zip(b) {
                o[0] = *x;
                o[1] = *y;
            }
        }
        4 => {
            let (a, r) = data.split_at(n);
            let (b, r) = r.split_at(n);
            let (c, d) = r.split_at(n);
            for ((((o, w), x), y), z) in body.chunks_exact_mut(4).zip(a).zip(b).zip(c).zip(d) {
                o[0] = *w;
                o[1] = *x;
                o[2] = *y;
                o[3] = *z;
            }
        }
        _ => {
            for (b, plane) in data.chunks_exact(n).take(k).enumerate() {
                for (o, x) in body.chunks_exact_mut(k).zip(plane) {
                    o[b] = *x;
                }
            }
        }
    }
    // trailing bytes that do not form a whole element are stored as they are
    tail.copy_from_slice(&data[n * k..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shuffle(data: &[u8], k: usize) -> Vec<u8> {
        let n = data.len() / k;
        let mut out = vec![0u8; data.len()];
        for b in 0..k {
            for i in 0..n {
                out[b * n + i] = data[i * k + b];
            }
        }
        out[n * k..].copy_from_slice(&data[n * k..]);
        out
    }

    #[test]
    fn unshuffle_inverts_shuffle() {
        for k in [1usize, 2, 3, 4, 8] {
            for len in [0usize, 1, 7, 64, 1001] {
                let v: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
                assert_eq!(unshuffle(&shuffle(&v, k.max(1)), k), v, "k {k} len {len}");
            }
        }
    }

    #[test]
    fn inflate_roundtrip_limits_and_truncation() {
        use flate2::{Compression, write::ZlibEncoder};
        use std::io::Write;
        let v: Vec<u8> = (0..200_000u32).map(|i| (i / 7 % 256) as u8).collect();
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(&v).unwrap();
        let z = e.finish().unwrap();
        assert!(z.len() * 4 < v.len()); // the output buffer has to grow
        assert_eq!(inflate(&z, 1 << 20).unwrap(), v);
        assert!(inflate(&z, 1000).is_err());
        assert!(inflate(&z[..z.len() / 2], 1 << 20).is_err());
        assert!(inflate(b"not zlib", 1 << 20).is_err());
    }
}
