//! The Zstandard HDF5 filter (id 32015, hdf5plugin's `Zstd`): each chunk is one or more
//! zstd frames (normally one, written by `ZSTD_compress` with its content size), decoded with
//! `ruzstd`. The decoded size is bounded by the caller.

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// Decodes every frame of `input` (skippable frames are skipped), failing when the output
/// would exceed `max_out` bytes or when a frame declares a content size it does not produce.
pub(crate) fn decompress(mut input: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    let mut out: Vec<u8> = Vec::new();
    let mut dec = FrameDecoder::new();
    while !input.is_empty() {
        match dec.reset(&mut input) {
            Ok(()) => {}
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                let n = usize::try_from(length).map_err(|_| "skippable frame too long")?;
                input = input.get(n..).ok_or("truncated skippable frame")?;
                continue;
            }
            Err(e) => return Err(e.to_string()),
        }
        let frame_start = out.len();
        let declared = dec.content_size();
        if declared > 0 && declared > (max_out - out.len()) as u64 {
            return Err(format!(
                "frame content size {declared} exceeds the {max_out}-byte limit"
            ));
        }
        loop {
            let before = input.len();
            let finished = dec
                .decode_blocks(&mut input, BlockDecodingStrategy::UptoBytes(1 << 20))
                .map_err(|e| e.to_string())?;
            if dec.can_collect() > max_out - out.len() {
                return Err(format!("decoded data exceeds the {max_out}-byte limit"));
            }
            if let Some(v) = dec.collect() {
                out.extend_from_slice(&v);
            }
            if finished && dec.is_finished() {
                break;
            }
            if input.len() == before {
                return Err("zstd frame ends early".into());
            }
        }
        if let Some(v) = dec.collect() {
            if v.len() > max_out - out.len() {
                return Err(format!("decoded data exceeds the {max_out}-byte limit"));
            }
            out.extend_from_slice(&v);
        }
        let produced = (out.len() - frame_start) as u64;
        if declared > 0 && produced != declared {
            return Err(format!(
                "zstd frame declares {declared} bytes and holds {produced}"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decompress;

    /// `printf 'hello hello hello hello\n' > h; zstd -c h`: a single-segment frame with its
    /// content size (24), one compressed block and a checksum.
    const HELLO: &[u8] = &[
        0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x18, 0x6d, 0x00, 0x00, 0x38, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
        0x20, 0x0a, 0x01, 0x00, 0x99, 0x4b, 0x11, 0xa8, 0x7c, 0x2e, 0xa8,
    ];
    /// The same from a pipe: no content size in the frame header.
    const HELLO_STREAMED: &[u8] = &[
        0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x6d, 0x00, 0x00, 0x38, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
        0x20, 0x0a, 0x01, 0x00, 0x99, 0x4b, 0x11, 0xa8, 0x7c, 0x2e, 0xa8,
    ];

    #[test]
    fn frames_limits_and_garbage() {
        let want = b"hello hello hello hello\n".to_vec();
        assert_eq!(decompress(HELLO, 1 << 20).unwrap(), want);
        // two frames in a row, with a skippable frame between them
        let mut two = HELLO.to_vec();
        two.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        two.extend_from_slice(HELLO_STREAMED);
        let mut w2 = want.clone();
        w2.extend_from_slice(&want);
        assert_eq!(decompress(&two, 1 << 20).unwrap(), w2);
        // the limit holds, and broken input is an error, never a panic
        assert!(decompress(HELLO, 10).is_err());
        assert!(decompress(HELLO_STREAMED, 10).is_err());
        for n in 0..HELLO.len() {
            let _ = decompress(&HELLO[..n], 1 << 20);
        }
        assert!(decompress(&HELLO[..HELLO.len() - 6], 1 << 20).is_err());
        assert!(decompress(b"not zstd at all", 1 << 20).is_err());
        assert_eq!(decompress(&[], 10).unwrap(), Vec::<u8>::new());
    }
}
