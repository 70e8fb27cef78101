//! Reading samples and waveforms out of the data blocks, keeping the resident set flat:
//! [`ReleaseBehind`] drops the pages behind a long forward read, [`Span`] measures what a
//! read touched (the reader releases the whole mapping once enough was touched).

use crate::FORMAT_ID;
use crate::index::SlowIndex;
use rawio_core::{Error, MappedFile, Result};

/// Resident bytes touched by reads before the mapping is released again.
pub(crate) const RELEASE_AFTER: u64 = 16 << 20;

/// Releases the mapped pages behind a read that walks forward through the file, every
/// [`RELEASE_AFTER`] bytes, so one long read (all the waveforms of a unit, a long signal chunk)
/// keeps at most that much of the file resident.
pub(crate) struct ReleaseBehind<'f> {
    file: &'f MappedFile,
    from: Option<u64>,
}

impl<'f> ReleaseBehind<'f> {
    pub(crate) fn new(file: &'f MappedFile) -> Self {
        ReleaseBehind { file, from: None }
    }

    /// The read is now at byte `off`.
    pub(crate) fn at(&mut self, off: u64) {
        match self.from {
            Some(f) if off >= f.saturating_add(RELEASE_AFTER) => {
                self.file.release(f, off - f);
                self.from = Some(off);
            }
            Some(f) if off >= f => {}
            _ => self.from = Some(off),
        }
    }
}

/// The byte span touched by a read (empty until something is added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl Default for Span {
    fn default() -> Self {
        Span {
            start: u64::MAX,
            end: 0,
        }
    }
}

impl Span {
    pub(crate) fn add(&mut self, start: u64, end: u64) {
        if start < end {
            self.start = self.start.min(start);
            self.end = self.end.max(end);
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}

/// Copies `n` samples of the slow channel `si` from sample `from` into column `col` of `out`
/// (row-major with `stride` columns). Returns the byte span touched.
pub(crate) fn copy_samples(
    file: &MappedFile,
    si: &SlowIndex,
    from: u64,
    n: usize,
    (out, stride, col): (&mut [i16], usize, usize),
) -> Result<Span> {
    let mut span = Span::default();
    if n == 0 {
        return Ok(span);
    }
    let mut block = si.starts.partition_point(|&s| s <= from).saturating_sub(1);
    let mut pos = from;
    let mut row = 0usize;
    let mut behind = ReleaseBehind::new(file);
    while row < n {
        let (Some(&start), Some(&off)) = (si.starts.get(block), si.offsets.get(block)) else {
            return Err(Error::invalid(format!(
                "sample {pos} is past the end of the channel"
            )));
        };
        let blen = si.block_len(block);
        let k = pos - start;
        let take = (blen - k).min((n - row) as u64);
        let bytes = file.range(FORMAT_ID, off + 2 * k, 2 * take)?;
        span.add(off + 2 * k, off + 2 * (k + take));
        behind.at(off);
        for (i, w) in bytes.chunks_exact(2).enumerate() {
            if let Some(o) = out.get_mut((row + i) * stride + col) {
                *o = i16::from_le_bytes([w[0], w[1]]);
            }
        }
        row += take as usize;
        pos += take;
        block += 1;
    }
    Ok(span)
}

/// Bytes one positioned read of [`copy_waveforms`] may cover (several spikes close together).
const WAVEFORM_WINDOW: u64 = 4096;

/// The `per_spike` int16 words at each of `offsets`, in order, and the byte span touched.
///
/// A unit's spikes are spread over the whole file: faulting in (and later releasing) the
/// mapped pages around each costs more than reading it, so on Unix the waveforms come from
/// positioned reads (one per run of spikes within [`WAVEFORM_WINDOW`] bytes) that touch no
/// mapped page (the span is then empty).
pub(crate) fn copy_waveforms(
    file: &MappedFile,
    offsets: &[u64],
    per_spike: usize,
) -> Result<(Vec<i16>, Span)> {
    let total = offsets
        .len()
        .checked_mul(per_spike)
        .ok_or_else(|| Error::invalid("too many waveforms"))?;
    let mut out = Vec::with_capacity(total.min(file.bytes().len() / 2));
    let len = 2 * per_spike as u64;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::File::open(file.path()).map_err(|e| Error::io(file.path(), e))?;
        let mut buf = Vec::new();
        let mut i = 0;
        while let Some(&start) = offsets.get(i) {
            // the spikes after this one (in file order) that fit the window
            let mut j = i + 1;
            let mut end = start.saturating_add(len);
            while let Some(&o) = offsets.get(j) {
                if o < start || o.saturating_add(len) > start.saturating_add(WAVEFORM_WINDOW) {
                    break;
                }
                end = end.max(o.saturating_add(len));
                j += 1;
            }
            if end > file.len() {
                // the error a mapped read gives, for the first waveform past the end
                for &o in &offsets[i..j] {
                    file.range(FORMAT_ID, o, len)?;
                }
            }
            let n =
                usize::try_from(end - start).map_err(|_| Error::invalid("waveform too long"))?;
            buf.resize(n, 0);
            f.read_exact_at(&mut buf, start)
                .map_err(|e| Error::io(file.path(), e))?;
            for &off in &offsets[i..j] {
                let o = (off - start) as usize;
                let w = &buf[o..o + len as usize];
                out.extend(w.chunks_exact(2).map(|w| i16::from_le_bytes([w[0], w[1]])));
            }
            i = j;
        }
        Ok((out, Span::default()))
    }
    #[cfg(not(unix))]
    {
        let mut span = Span::default();
        let mut behind = ReleaseBehind::new(file);
        for &off in offsets {
            let b = file.range(FORMAT_ID, off, len)?;
            span.add(off, off + len);
            behind.at(off);
            out.extend(b.chunks_exact(2).map(|w| i16::from_le_bytes([w[0], w[1]])));
        }
        Ok((out, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_grow_and_stay_empty_on_empty_ranges() {
        let mut s = Span::default();
        assert_eq!(s.len(), 0);
        s.add(10, 10);
        assert_eq!(s.len(), 0);
        s.add(10, 20);
        s.add(40, 50);
        assert_eq!((s.start, s.end, s.len()), (10, 50, 40));
    }

    #[test]
    fn copies_across_blocks_into_a_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        // two blocks of samples: [1, 2, 3] at byte 0, [4, 5] at byte 10
        let mut bytes = Vec::new();
        for v in [1i16, 2, 3, 0, 0, 4, 5] {
            bytes.extend(v.to_le_bytes());
        }
        std::fs::write(&p, &bytes).unwrap();
        let file = MappedFile::open(&p).unwrap();
        let mut si = SlowIndex::default();
        si.offsets = vec![0, 10];
        si.starts = vec![0, 3];
        si.total = 5;
        let mut out = vec![0i16; 8];
        let span = copy_samples(&file, &si, 1, 4, (&mut out, 2, 1)).unwrap();
        assert_eq!(out, vec![0, 2, 0, 3, 0, 4, 0, 5]);
        assert_eq!((span.start, span.end), (2, 14));
        assert!(copy_samples(&file, &si, 4, 2, (&mut out, 2, 0)).is_err());
        let (w, _) = copy_waveforms(&file, &[10, 0], 2).unwrap();
        assert_eq!(w, vec![4, 5, 1, 2]);
        // runs of spikes in one read, out-of-order offsets, and a waveform past the end
        let (w, _) = copy_waveforms(&file, &[0, 2, 10, 4, 10], 1).unwrap();
        assert_eq!(w, vec![1, 2, 4, 3, 4]);
        // a window whose last spike is not its furthest
        let (w, _) = copy_waveforms(&file, &[0, 10, 4], 2).unwrap();
        assert_eq!(w, vec![1, 2, 4, 5, 3, 0]);
        assert!(copy_waveforms(&file, &[12], 2).is_err());
    }
}
