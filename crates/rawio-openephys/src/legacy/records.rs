//! The `.spikes` and `.events` files of one start: their records, read once at open.

use crate::legacy_format::{
    EVENT_RECORD_BYTES, EventRecord, HEADER_BYTES, LegacyHeader, SpikeLayout, SpikeRecord,
};

/// Largest channel count and sample count per spike accepted as a plausible record layout
/// when re-synchronising.
const MAX_SPIKE_CHANNELS: u16 = 64;
const MAX_SPIKE_SAMPLES: u16 = 1024;

fn plausible(l: SpikeLayout) -> bool {
    (1..=MAX_SPIKE_CHANNELS).contains(&l.n_channels)
        && (1..=MAX_SPIKE_SAMPLES).contains(&l.n_samples)
}

/// The records of one `.spikes` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SpikeRecords {
    /// The layout (from the first record; from the header when there is none).
    pub layout: Option<SpikeLayout>,
    /// `(byte offset, record)` in file order.
    pub records: Vec<(u64, SpikeRecord)>,
    /// Bytes skipped between records that did not parse (damaged records).
    pub skipped_bytes: u64,
    /// Bytes after the last whole record.
    pub trailing_bytes: u64,
}

/// The record layout at `off` when it and the record after it (if any) agree.
fn layout_at(bytes: &[u8], off: usize) -> Option<SpikeLayout> {
    let l = SpikeLayout::of_record(bytes.get(off..)?)?;
    if !plausible(l) {
        return None;
    }
    let size = usize::try_from(l.record_bytes()).ok()?;
    SpikeRecord::parse(bytes.get(off..)?, l)?;
    match bytes.get(off + size..).and_then(SpikeLayout::of_record) {
        Some(next) if bytes.len() >= off + 2 * size => (next == l).then_some(l),
        _ => Some(l),
    }
}

/// The first offset at or after `from` (and before `until`) where a record layout holds.
fn resync(bytes: &[u8], from: usize, until: usize, want: Option<SpikeLayout>) -> Option<usize> {
    (from..until.min(bytes.len())).find(|&o| match layout_at(bytes, o) {
        Some(l) => want.is_none_or(|w| w == l),
        None => false,
    })
}

impl SpikeRecords {
    /// Reads every record of a `.spikes` file. Records start at byte 1024; when the file's
    /// header is shorter (damaged copies), or a record is damaged, reading re-synchronises on
    /// the next offset where two consecutive records agree on the layout.
    pub fn read(bytes: &[u8], header: &LegacyHeader) -> SpikeRecords {
        let mut out = SpikeRecords::default();
        let start = HEADER_BYTES as usize;
        let text_end = usize::try_from(header.text_end).unwrap_or(start).min(start);
        let first = if layout_at(bytes, start).is_some() {
            Some(start)
        } else {
            resync(bytes, text_end, bytes.len(), None)
        };
        let Some(mut off) = first else {
            out.layout = header_layout(header);
            out.trailing_bytes = (bytes.len() as u64).saturating_sub(HEADER_BYTES);
            return out;
        };
        let Some(layout) = layout_at(bytes, off) else {
            return out;
        };
        out.layout = Some(layout);
        let Ok(size) = usize::try_from(layout.record_bytes()) else {
            return out;
        };
        out.skipped_bytes = off.saturating_sub(start) as u64;
        while off + size <= bytes.len() {
            match SpikeRecord::parse(&bytes[off..], layout) {
                Some(r) => {
                    out.records.push((off as u64, r));
                    off += size;
                }
                None => {
                    // a record missing bytes is only seen at the next one: search from just
                    // after the previous record's start, and drop that record if the next
                    // valid one starts inside it
                    let prev = out
                        .records
                        .last()
                        .map(|(o, _)| *o as usize)
                        .filter(|&o| o + size == off);
                    let from = prev.map_or(off + 1, |o| o + 1);
                    match resync(bytes, from, off + 2 * size + 1, Some(layout)) {
                        Some(next) if next < off => {
                            if let Some((o, _)) = out.records.pop() {
                                out.skipped_bytes += (next - o as usize) as u64;
                            }
                            off = next;
                        }
                        Some(next) => {
                            out.skipped_bytes += (next - off) as u64;
                            off = next;
                        }
                        None => break,
                    }
                }
            }
        }
        out.trailing_bytes = (bytes.len() - off.min(bytes.len())) as u64;
        out
    }
}

/// The layout an empty file's header declares (`num_channels`, `samplesPerSpike` or 40 as the
/// GUI's default).
fn header_layout(h: &LegacyHeader) -> Option<SpikeLayout> {
    let n = h.float("num_channels")?;
    let m = h.float("samplesPerSpike").unwrap_or(40.0);
    let ok = |v: f64| v >= 1.0 && v <= f64::from(u16::MAX) && v.fract() == 0.0;
    // both are whole numbers in 1..=65535 (checked above), so the casts are exact
    (ok(n) && ok(m)).then_some(SpikeLayout {
        n_channels: n as u16,
        n_samples: m as u16,
    })
}

/// The records of one `.events` file (from byte 1024, whole records only) and the bytes
/// after the last one.
pub(crate) fn read_events(bytes: &[u8]) -> (Vec<EventRecord>, u64) {
    let body = bytes.get(HEADER_BYTES as usize..).unwrap_or(&[]);
    let chunks = body.chunks_exact(EVENT_RECORD_BYTES as usize);
    let rest = chunks.remainder().len() as u64;
    (chunks.filter_map(EventRecord::parse).collect(), rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spike(ts: i64, sorted: u16) -> Vec<u8> {
        let mut b = vec![0u8; 216];
        b[0] = 4;
        b[1..9].copy_from_slice(&ts.to_le_bytes());
        b[19..21].copy_from_slice(&2u16.to_le_bytes());
        b[21..23].copy_from_slice(&40u16.to_le_bytes());
        b[23..25].copy_from_slice(&sorted.to_le_bytes());
        b[202..206].copy_from_slice(&20000f32.to_le_bytes());
        b
    }

    fn file(header: usize, spikes: &[Vec<u8>]) -> Vec<u8> {
        let mut b = b"header.num_channels = 2;\nheader.sampleRate = 30000;\n".to_vec();
        b.resize(header, b' ');
        for s in spikes {
            b.extend(s);
        }
        b
    }

    #[test]
    fn reads_and_resyncs() {
        let b = file(1024, &[spike(10, 0), spike(20, 1), spike(30, 0)]);
        let h = LegacyHeader::parse(&b);
        let r = SpikeRecords::read(&b, &h);
        assert_eq!(r.records.len(), 3);
        assert_eq!(r.records[1].1.sorted_id, 1);
        assert_eq!((r.skipped_bytes, r.trailing_bytes), (0, 0));
        // short header, and a damaged record in the middle
        let mut damaged = spike(20, 1);
        damaged.remove(100);
        let b = file(1021, &[spike(10, 0), damaged, spike(30, 0), spike(40, 0)]);
        let h = LegacyHeader::parse(&b);
        let r = SpikeRecords::read(&b, &h);
        let ts: Vec<i64> = r.records.iter().map(|(_, s)| s.timestamp).collect();
        assert_eq!(ts, vec![10, 30, 40]);
        assert_eq!(r.skipped_bytes, 215);
        // empty file: layout from the header
        let b = file(1024, &[]);
        let r = SpikeRecords::read(&b, &LegacyHeader::parse(&b));
        assert_eq!(
            r.layout,
            Some(SpikeLayout {
                n_channels: 2,
                n_samples: 40
            })
        );
        assert!(r.records.is_empty());
        let r = SpikeRecords::read(&[0xff; 3000], &LegacyHeader::default());
        assert!(r.records.is_empty());
    }

    #[test]
    fn event_files() {
        let mut b = vec![b' '; 1024];
        b.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 100, 1, 2, 0, 0]);
        b.extend_from_slice(&[1, 2, 3]);
        let (ev, rest) = read_events(&b);
        assert_eq!((ev.len(), ev[0].channel, rest), (1, 2, 3));
        assert_eq!(read_events(&b[..522]), (vec![], 0));
    }
}
