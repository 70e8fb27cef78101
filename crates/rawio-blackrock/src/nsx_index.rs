//! Indexing the data of an NSx file once at open: the data blocks (offset, timestamp, sample
//! count; 32 bytes per block, never per sample) and their grouping into continuous runs, or for
//! PTP files the packet array and its gaps. Pure functions over the file's bytes.

use crate::nsx_header::{
    BASE_RATE, BlockHeader, NsxBasicHeader, NsxSpec, PTP_RESOLUTION, parse_block_header,
};
use crate::text::ParseError;
use std::ops::Range;

/// Bytes of a PTP packet before its samples: reserved u8, u64 nanosecond timestamp, u32 count.
pub const PTP_PACKET_HEADER: u64 = 13;
/// At most this many gaps are listed in the annotations (all are counted).
pub const MAX_LISTED_GAPS: usize = 100;
/// Pages of a scan are released every this many bytes.
const RELEASE_EVERY: u64 = 32 << 20;

/// One data block: `n_samples` frames of `channel_count` int16 values at `data_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Byte offset of the first frame.
    pub data_offset: u64,
    /// Timestamp of the first frame (`timestamp_resolution` ticks; 0 for spec 2.1).
    pub timestamp: u64,
    /// Number of frames.
    pub n_samples: u64,
}

/// What the block walk found besides the blocks (reported in the stream annotations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockNotes {
    /// The last block declares more samples than the file holds: (declared, present). The
    /// present complete frames are read.
    pub truncated: Option<(u64, u64)>,
    /// A block declared 0 samples but data follows to the end of the file (Central 6.01 did
    /// not write the count back): the samples present are read.
    pub recovered_count: Option<u64>,
    /// Bytes after the last complete frame (or a partial block header) that are ignored.
    pub trailing_bytes: u64,
    /// Spec 2.1 file whose data starts with a 9-byte 2.2-style block header whose count matches
    /// the file size exactly (written by some converters): the header is skipped.
    pub v21_block_header: bool,
}

/// The data blocks of a standard (non-PTP) NSx file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockIndex {
    /// The blocks.
    pub blocks: Vec<Block>,
    /// `cum[k]` is the number of samples before block `k` (`cum.len() == blocks.len() + 1`).
    pub cum: Vec<u64>,
    /// Anomalies.
    pub notes: BlockNotes,
}

impl BlockIndex {
    fn from_blocks(blocks: Vec<Block>, notes: BlockNotes) -> Self {
        let mut cum = Vec::with_capacity(blocks.len() + 1);
        let mut total = 0u64;
        cum.push(0);
        for b in &blocks {
            total = total.saturating_add(b.n_samples);
            cum.push(total);
        }
        BlockIndex { blocks, cum, notes }
    }

    /// Total number of samples.
    pub fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// The block holding global sample `g` (the last block starting at or before it).
    pub fn block_of(&self, g: u64) -> usize {
        self.cum
            .partition_point(|&c| c <= g)
            .saturating_sub(1)
            .min(self.blocks.len().saturating_sub(1))
    }
}

fn frame_bytes(basic: &NsxBasicHeader) -> u64 {
    2 * u64::from(basic.channel_count)
}

/// Indexes a spec 2.1 file: one run of frames from the end of the headers. Trailing bytes
/// that do not make a whole frame are reported. Every complete frame is kept (neo drops the
/// last one).
pub fn index_v21(bytes: &[u8], basic: &NsxBasicHeader) -> BlockIndex {
    let len = bytes.len() as u64;
    let frame = frame_bytes(basic);
    let start = basic.bytes_in_headers.min(len);
    let avail = len - start;
    let mut notes = BlockNotes::default();
    if frame == 0 {
        notes.trailing_bytes = avail;
        return BlockIndex::from_blocks(Vec::new(), notes);
    }
    // A 2.2-style block header (flag 1, u32 timestamp, u32 count) whose count accounts for
    // every remaining byte exactly.
    if avail >= 9 && (avail - 9).is_multiple_of(frame) {
        let hdr = usize::try_from(start)
            .ok()
            .and_then(|s| bytes.get(s..s.checked_add(9)?));
        if let Some(h) = hdr
            && let Ok(b) = parse_block_header(h, NsxSpec::V23, start)
            && b.flag == 1
            && u64::from(b.n_samples) == (avail - 9) / frame
        {
            notes.v21_block_header = true;
            let block = Block {
                data_offset: start + 9,
                timestamp: b.timestamp,
                n_samples: (avail - 9) / frame,
            };
            return BlockIndex::from_blocks(vec![block], notes);
        }
    }
    notes.trailing_bytes = avail % frame;
    let block = Block {
        data_offset: start,
        timestamp: 0,
        n_samples: avail / frame,
    };
    BlockIndex::from_blocks(vec![block], notes)
}

fn header_at(bytes: &[u8], spec: NsxSpec, at: u64) -> Option<BlockHeader> {
    let hs = spec.block_header_size();
    let s = usize::try_from(at).ok()?;
    let e = usize::try_from(at.checked_add(hs)?).ok()?;
    parse_block_header(bytes.get(s..e)?, spec, at).ok()
}

/// Whether a valid block header (flag 1, count within the file) starts at `at`.
fn valid_header_at(bytes: &[u8], spec: NsxSpec, at: u64, frame: u64) -> bool {
    let len = bytes.len() as u64;
    header_at(bytes, spec, at).is_some_and(|h| {
        h.flag == 1
            && u64::from(h.n_samples)
                .checked_mul(frame)
                .and_then(|n| n.checked_add(at + spec.block_header_size()))
                .is_some_and(|end| end <= len)
    })
}

/// Walks the data blocks of a spec 2.2/2.3/3.0 file (non-PTP). A block header whose flag is
/// not 1 is an error (as in neo); a truncated last block keeps its complete frames; a block
/// that declares 0 samples but is followed by data (not by another valid header) extends to
/// the end of the file. Each step advances by at least one block header, so the walk is
/// bounded by the file size.
pub fn index_blocks(bytes: &[u8], basic: &NsxBasicHeader) -> Result<BlockIndex, ParseError> {
    let len = bytes.len() as u64;
    let spec = basic.spec;
    let hs = spec.block_header_size();
    let frame = frame_bytes(basic);
    let mut notes = BlockNotes::default();
    let mut blocks = Vec::new();
    let mut at = basic.bytes_in_headers;
    while at < len {
        let Some(h) = header_at(bytes, spec, at) else {
            notes.trailing_bytes = len - at;
            break;
        };
        if h.flag != 1 {
            return Err(ParseError::new(
                at,
                format!(
                    "data block header flag is {} (expected 1) after {} blocks",
                    h.flag,
                    blocks.len()
                ),
            ));
        }
        let data = at + hs;
        let avail = (len - data).checked_div(frame).unwrap_or(0);
        let mut n = u64::from(h.n_samples);
        if n == 0 && avail > 0 && !valid_header_at(bytes, spec, data, frame) {
            notes.recovered_count = Some(avail);
            n = avail;
        }
        if n > avail {
            notes.truncated = Some((n, avail));
            n = avail;
        }
        blocks.push(Block {
            data_offset: data,
            timestamp: h.timestamp,
            n_samples: n,
        });
        at = data + n * frame;
        if notes.truncated.is_some() || notes.recovered_count.is_some() {
            notes.trailing_bytes = len - at;
            break;
        }
    }
    Ok(BlockIndex::from_blocks(blocks, notes))
}

/// Whether block `b` starts exactly where block `a` ends in time: `b.timestamp` equals
/// `a.timestamp + a.n_samples * period` (period in 1/30000 s converted to timestamp ticks),
/// to less than one timestamp tick (exact at 30 kHz resolution).
pub fn continues(a: &Block, b: &Block, period: u32, resolution: u32) -> bool {
    // in units of 1 / (30000 * resolution) s
    let start_a = u128::from(a.timestamp) * u128::from(BASE_RATE);
    let start_b = u128::from(b.timestamp) * u128::from(BASE_RATE);
    let dur = u128::from(a.n_samples) * u128::from(period) * u128::from(resolution);
    let expected = start_a + dur;
    expected.abs_diff(start_b) < u128::from(BASE_RATE)
}

/// A maximal sequence of continuing blocks (or of PTP packets without a gap above the
/// tolerance): a recording segment of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Global sample range (sample `g` is the `g`-th frame of the file's data).
    pub samples: Range<u64>,
    /// Timestamp of the first sample.
    pub first_timestamp: u64,
    /// Timestamp of the last sample, plus one period (end of the run), in timestamp ticks
    /// (may be fractional at nanosecond resolution; rounded up).
    pub end_timestamp: u64,
}

/// Groups blocks into runs of continuing blocks; runs without samples are dropped.
pub fn block_runs(index: &BlockIndex, period: u32, resolution: u32) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut first = 0usize;
    for k in 0..index.blocks.len() {
        let last = k + 1 == index.blocks.len();
        let cut = last || !continues(&index.blocks[k], &index.blocks[k + 1], period, resolution);
        if cut {
            let start = index.cum[first];
            let stop = index.cum[k + 1];
            if stop > start {
                let ts = index.blocks[first].timestamp;
                runs.push(Run {
                    samples: start..stop,
                    first_timestamp: ts,
                    end_timestamp: ts.saturating_add(ticks_of(stop - start, period, resolution)),
                });
            }
            first = k + 1;
        }
    }
    runs
}

/// `n` sample periods in timestamp ticks, rounded up.
pub fn ticks_of(n: u64, period: u32, resolution: u32) -> u64 {
    let num = u128::from(n) * u128::from(period) * u128::from(resolution);
    u64::try_from(num.div_ceil(u128::from(BASE_RATE))).unwrap_or(u64::MAX)
}

/// One gap between consecutive PTP packets larger than two sample periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpGap {
    /// Packet (global sample) index before the gap.
    pub before: u64,
    /// Timestamp difference in ns (negative: the clock stepped back).
    pub delta_ns: i128,
    /// Whether the gap splits segments (larger than the tolerance, or backwards).
    pub splits: bool,
}

/// The packets of a PTP file (spec 3.0, nanosecond timestamps, one sample per packet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtpIndex {
    /// Offset of the first packet.
    pub data_offset: u64,
    /// Bytes per packet: 13 + 2 × channels.
    pub stride: u64,
    /// Number of complete packets.
    pub n_packets: u64,
    /// Bytes after the last complete packet.
    pub trailing_bytes: u64,
    /// The runs between gaps larger than the tolerance.
    pub runs: Vec<Run>,
    /// Number of gaps larger than two sample periods (drops, pauses, clock steps).
    pub gap_count: u64,
    /// The first [`MAX_LISTED_GAPS`] of them.
    pub gaps: Vec<PtpGap>,
}

impl PtpIndex {
    /// Offset of packet `g`.
    pub fn packet_offset(&self, g: u64) -> u64 {
        self.data_offset + g * self.stride
    }
}

/// Whether the data of a spec 3.0 file is the PTP packet array: nanosecond resolution and a
/// first packet holding exactly one sample (neo's and NPMK's test).
pub fn is_ptp(bytes: &[u8], basic: &NsxBasicHeader) -> bool {
    basic.spec == NsxSpec::V30
        && basic.timestamp_resolution == PTP_RESOLUTION
        && header_at(bytes, NsxSpec::V30, basic.bytes_in_headers).is_some_and(|h| h.n_samples == 1)
}

/// Scans every PTP packet once: each must hold one sample; consecutive timestamps further
/// apart than `tolerance_ns`, or going backwards, start a new run; gaps above two sample
/// periods are counted and listed. `release(offset, len)` is called behind the scan so that
/// the resident memory stays flat on multi-GB files.
pub fn index_ptp(
    bytes: &[u8],
    basic: &NsxBasicHeader,
    tolerance_ns: u64,
    release: &dyn Fn(u64, u64),
) -> Result<PtpIndex, ParseError> {
    let len = bytes.len() as u64;
    let start = basic.bytes_in_headers.min(len);
    let stride = PTP_PACKET_HEADER + 2 * u64::from(basic.channel_count);
    let n_packets = (len - start) / stride;
    let mut idx = PtpIndex {
        data_offset: start,
        stride,
        n_packets,
        trailing_bytes: (len - start) % stride,
        runs: Vec::new(),
        gap_count: 0,
        gaps: Vec::new(),
    };
    // two sample periods in ns, as neo's detection threshold
    let period_ns = f64::from(basic.period) * 1e9 / f64::from(BASE_RATE);
    let report_ns = 2.0 * period_ns;
    let mut run_start = 0u64;
    let mut first_ts = 0u64;
    let mut prev = 0u64;
    let mut released = start;
    for g in 0..n_packets {
        let at = start + g * stride;
        let h = header_at(bytes, NsxSpec::V30, at)
            .ok_or_else(|| ParseError::new(at, "PTP packet header ends early"))?;
        if h.n_samples != 1 {
            return Err(ParseError::new(
                at + 9,
                format!(
                    "PTP packet {g} holds {} samples (every packet of a PTP file holds 1)",
                    h.n_samples
                ),
            ));
        }
        let ts = h.timestamp;
        if g == 0 {
            first_ts = ts;
        } else {
            let d = i128::from(ts) - i128::from(prev);
            let splits = d < 0 || d > i128::from(tolerance_ns);
            if d < 0 || d as f64 > report_ns {
                idx.gap_count += 1;
                if idx.gaps.len() < MAX_LISTED_GAPS {
                    idx.gaps.push(PtpGap {
                        before: g - 1,
                        delta_ns: d,
                        splits,
                    });
                }
            }
            if splits {
                idx.runs
                    .push(ptp_run(run_start..g, first_ts, prev, period_ns));
                run_start = g;
                first_ts = ts;
            }
        }
        prev = ts;
        if at - released >= RELEASE_EVERY {
            release(released, at - released);
            released = at;
        }
    }
    if n_packets > 0 {
        idx.runs
            .push(ptp_run(run_start..n_packets, first_ts, prev, period_ns));
    }
    release(released, len - released);
    Ok(idx)
}

fn ptp_run(samples: Range<u64>, first: u64, last: u64, period_ns: f64) -> Run {
    Run {
        samples,
        first_timestamp: first,
        end_timestamp: last.saturating_add(period_ns.ceil() as u64),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn basic(spec: NsxSpec, channels: u32, period: u32, res: u32, hdr: u64) -> NsxBasicHeader {
        NsxBasicHeader {
            spec,
            file_type: String::new(),
            bytes_in_headers: hdr,
            label: String::new(),
            comment: String::new(),
            period,
            timestamp_resolution: res,
            time_origin: None,
            channel_count: channels,
        }
    }

    fn block(ts: u32, n: u32, channels: usize) -> Vec<u8> {
        let mut b = vec![1u8];
        b.extend_from_slice(&ts.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend(std::iter::repeat_n(7u8, n as usize * channels * 2));
        b
    }

    #[test]
    fn walks_blocks_and_groups_runs() {
        let h = basic(NsxSpec::V23, 2, 30, 30000, 4);
        let mut f = vec![0u8; 4];
        f.extend(block(0, 10, 2)); // 0..10
        f.extend(block(300, 5, 2)); // continues: 0 + 10*30
        f.extend(block(9000, 3, 2)); // pause
        f.extend(block(9090, 0, 2)); // empty, continues
        let idx = index_blocks(&f, &h).unwrap();
        assert_eq!(idx.blocks.len(), 4);
        assert_eq!(idx.cum, vec![0, 10, 15, 18, 18]);
        assert_eq!(idx.blocks[1].data_offset, 4 + 9 + 40 + 9);
        assert_eq!(idx.notes, BlockNotes::default());
        assert_eq!(idx.block_of(0), 0);
        assert_eq!(idx.block_of(9), 0);
        assert_eq!(idx.block_of(10), 1);
        assert_eq!(idx.block_of(17), 2);
        let runs = block_runs(&idx, 30, 30000);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].samples, 0..15);
        assert_eq!((runs[0].first_timestamp, runs[0].end_timestamp), (0, 450));
        assert_eq!(runs[1].samples, 15..18);
        assert_eq!(runs[1].first_timestamp, 9000);
    }

    #[test]
    fn bad_flag_truncation_and_recovery() {
        let h = basic(NsxSpec::V23, 1, 1, 30000, 0);
        let mut f = block(0, 4, 1);
        f.push(2); // bad flag
        f.extend_from_slice(&[0; 8]);
        assert_eq!(index_blocks(&f, &h).unwrap_err().offset, 17);
        // truncated last block: declares 100, has 3 frames and a half
        let mut f = block(0, 3, 1);
        f[5..9].copy_from_slice(&100u32.to_le_bytes());
        f.push(9);
        let idx = index_blocks(&f, &h).unwrap();
        assert_eq!(idx.total(), 3);
        assert_eq!(idx.notes.truncated, Some((100, 3)));
        assert_eq!(idx.notes.trailing_bytes, 1);
        // count never written back (0) but data follows
        let mut f = block(0, 5, 1);
        f[5..9].copy_from_slice(&0u32.to_le_bytes());
        let idx = index_blocks(&f, &h).unwrap();
        assert_eq!(idx.total(), 5);
        assert_eq!(idx.notes.recovered_count, Some(5));
        // a genuinely empty block followed by a valid one
        let mut f = block(0, 0, 1);
        f.extend(block(0, 2, 1));
        let idx = index_blocks(&f, &h).unwrap();
        assert_eq!((idx.blocks.len(), idx.total()), (2, 2));
        assert_eq!(idx.notes.recovered_count, None);
        // a partial header at the end
        let mut f = block(0, 2, 1);
        f.extend_from_slice(&[1, 0, 0]);
        let idx = index_blocks(&f, &h).unwrap();
        assert_eq!(idx.notes.trailing_bytes, 3);
        // huge declared count on a tiny file: no allocation, clamped
        let mut f = block(0, 1, 1);
        f[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(index_blocks(&f, &h).unwrap().total(), 1);
    }

    #[test]
    fn v21_keeps_every_sample_and_detects_block_header() {
        let h = basic(NsxSpec::V21, 2, 1, 30000, 40);
        let mut f = vec![0u8; 40];
        f.extend(std::iter::repeat_n(1u8, 6 * 4 + 3));
        let idx = index_v21(&f, &h);
        assert_eq!(idx.total(), 6);
        assert_eq!(idx.notes.trailing_bytes, 3);
        let mut g = vec![0u8; 40];
        g.extend(block(0, 5, 2));
        let idx = index_v21(&g, &h);
        assert!(idx.notes.v21_block_header);
        assert_eq!(idx.blocks[0].data_offset, 49);
        assert_eq!(idx.total(), 5);
        // a count that does not match: plain frames (the 9 bytes are 2 frames and 1 byte)
        g[45..49].copy_from_slice(&6u32.to_le_bytes());
        let idx = index_v21(&g, &h);
        assert!(!idx.notes.v21_block_header);
        assert_eq!((idx.total(), idx.notes.trailing_bytes), (7, 1));
        let empty = basic(NsxSpec::V21, 0, 1, 30000, 32);
        assert_eq!(index_v21(&[0; 40], &empty).total(), 0);
    }

    #[test]
    fn continuity_is_exact_to_a_tick() {
        let a = Block {
            data_offset: 0,
            timestamp: 100,
            n_samples: 10,
        };
        let at = |ts| Block {
            data_offset: 0,
            timestamp: ts,
            n_samples: 1,
        };
        assert!(continues(&a, &at(130), 3, 30000));
        assert!(!continues(&a, &at(131), 3, 30000));
        assert!(!continues(&a, &at(129), 3, 30000));
        // nanosecond clock: 10 samples at 30 kHz = 333333.33 ns
        let a = Block {
            data_offset: 0,
            timestamp: 0,
            n_samples: 10,
        };
        assert!(continues(&a, &at(333_333), 1, 1_000_000_000));
        assert!(!continues(&a, &at(333_335), 1, 1_000_000_000));
        assert_eq!(ticks_of(10, 1, 1_000_000_000), 333_334);
    }

    fn ptp_file(channels: u32, ts: &[u64]) -> (NsxBasicHeader, Vec<u8>) {
        let h = basic(NsxSpec::V30, channels, 1, PTP_RESOLUTION, 8);
        let mut f = vec![0u8; 8];
        for (i, &t) in ts.iter().enumerate() {
            f.push(1);
            f.extend_from_slice(&t.to_le_bytes());
            f.extend_from_slice(&1u32.to_le_bytes());
            for c in 0..channels {
                f.extend_from_slice(&(i as i16 * 10 + c as i16).to_le_bytes());
            }
        }
        (h, f)
    }

    #[test]
    fn ptp_runs_split_at_tolerance_only() {
        let base = 1_700_000_000_000_000_000u64;
        let mut ts: Vec<u64> = (0..10).map(|i| base + i * 33_333).collect();
        ts[5] += 40; // jitter
        ts.extend((0..5).map(|i| base + 1_000_000 + i * 33_333)); // 0.67 ms gap: a drop
        ts.extend((0..5).map(|i| base + 50_000_000 + i * 33_333)); // 48 ms pause
        ts.push(base); // clock steps back
        let (h, mut f) = ptp_file(2, &ts);
        f.extend_from_slice(&[1, 2, 3]);
        assert!(is_ptp(&f, &h));
        let idx = index_ptp(&f, &h, 10_000_000, &|_, _| {}).unwrap();
        assert_eq!(idx.n_packets, 21);
        assert_eq!(idx.stride, 17);
        assert_eq!(idx.trailing_bytes, 3);
        let runs: Vec<_> = idx.runs.iter().map(|r| r.samples.clone()).collect();
        assert_eq!(runs, vec![0..15, 15..20, 20..21]);
        assert_eq!(idx.runs[0].first_timestamp, base);
        assert_eq!(idx.runs[1].first_timestamp, base + 50_000_000);
        assert_eq!(idx.gap_count, 3);
        assert!(!idx.gaps[0].splits && idx.gaps[1].splits && idx.gaps[2].splits);
        assert!(idx.gaps[2].delta_ns < 0);
        // a packet with 2 samples is an error naming it
        let mut bad = f.clone();
        let at = 8 + 3 * 17 + 9;
        bad[at..at + 4].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(
            index_ptp(&bad, &h, 10_000_000, &|_, _| {})
                .unwrap_err()
                .offset,
            at as u64
        );
        // not PTP when the first packet holds several samples
        let mut multi = f.clone();
        multi[17..21].copy_from_slice(&5u32.to_le_bytes());
        assert!(!is_ptp(&multi, &h));
    }
}
