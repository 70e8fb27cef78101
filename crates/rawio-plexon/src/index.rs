//! The one pass over the data blocks: a compact per-channel index (struct of arrays, no
//! per-block heap object).
//!
//! Memory per block: spikes 16 bytes (timestamp + data offset), slow blocks 16 bytes (data
//! offset + first sample index), events 10 bytes (timestamp + strobed value).

use crate::header::{
    BLOCK_EVENT, BLOCK_HEADER_SIZE, BLOCK_SLOW, BLOCK_SPIKE, BlockHeader, FileHeaders,
};

/// Blocks of one sorted unit (one `(channel, unit)` pair of spike blocks).
#[derive(Debug, Clone, Default)]
pub struct UnitIndex {
    /// Unit number (0 = unsorted).
    pub unit: u16,
    /// Timestamps in ticks, sorted ascending (after `Index::finish`).
    pub timestamps: Vec<u64>,
    /// Offsets of the waveform data (after the block header), in timestamp order.
    pub offsets: Vec<u64>,
    /// Blocks that had waveform words.
    pub n_with_waveforms: u64,
}

/// Spike blocks of one DSP channel number.
#[derive(Debug, Clone, Default)]
pub struct SpikeChannelIndex {
    /// Units, in the order first seen (sorted by unit number in `Index::finish`).
    pub units: Vec<UnitIndex>,
    /// `(NumberOfWaveforms, NumberOfWordsInWaveform)` of the channel's first block.
    pub wf_shape: Option<(u16, u16)>,
    /// Offset of the first block whose waveform shape differs from the first block's.
    pub wf_shape_mismatch: Option<u64>,
}

/// Event blocks of one event channel number.
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    /// Timestamps in ticks, sorted ascending (after `Index::finish`).
    pub timestamps: Vec<u64>,
    /// Strobed values (the block's `Unit` field), in timestamp order.
    pub labels: Vec<u16>,
}

/// A discontinuity between two consecutive blocks of a slow channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// Index (in the channel's concatenated samples) of the first sample after the gap.
    pub sample: u64,
    /// Block index (in the channel) of the block after the gap.
    pub block: usize,
    /// Timestamp (ticks) of the block after the gap.
    pub timestamp: u64,
    /// Timestamp (ticks) the block would have had without a gap (rounded down).
    pub expected: u64,
}

/// Slow blocks of one slow channel number.
#[derive(Debug, Clone, Default)]
pub struct SlowIndex {
    /// Offsets of each block's samples (after the block header).
    pub offsets: Vec<u64>,
    /// Index of each block's first sample in the channel.
    pub starts: Vec<u64>,
    /// Total number of samples.
    pub total: u64,
    /// Timestamp of the first block.
    pub first_timestamp: Option<u64>,
    /// Timestamp of the last block and its sample count (for gap detection).
    last: Option<(u64, u64)>,
    /// Discontinuities, in order.
    pub gaps: Vec<Gap>,
    /// Sampling rate of the channel (from its header), used for gap detection.
    pub rate: i64,
}

impl SlowIndex {
    /// Samples in block `i`.
    pub fn block_len(&self, i: usize) -> u64 {
        let start = self.starts.get(i).copied().unwrap_or(self.total);
        let end = self.starts.get(i + 1).copied().unwrap_or(self.total);
        end.saturating_sub(start)
    }

    /// Timestamp of the end of the channel's last block (first tick after its last sample,
    /// rounded down), or `None` without blocks.
    pub fn end_timestamp(&self, ad_frequency: i64) -> Option<u64> {
        let (ts, n) = self.last?;
        Some(ts.saturating_add(ticks_for(n, ad_frequency, self.rate)))
    }
}

impl SpikeChannelIndex {
    /// Adds the spike block at `pos` (waveform data at `data`).
    fn add(&mut self, h: &BlockHeader, pos: u64, data: u64) {
        let shape = (h.n_waveforms, h.n_words);
        match self.wf_shape {
            None => self.wf_shape = Some(shape),
            Some(s) if s != shape && self.wf_shape_mismatch.is_none() => {
                self.wf_shape_mismatch = Some(pos)
            }
            Some(_) => {}
        }
        let u = match self.units.iter().position(|u| u.unit == h.unit) {
            Some(u) => u,
            None => {
                self.units.push(UnitIndex {
                    unit: h.unit,
                    ..Default::default()
                });
                self.units.len() - 1
            }
        };
        let unit = &mut self.units[u];
        unit.timestamps.push(h.timestamp);
        unit.offsets.push(data);
        if !h.is_empty() {
            unit.n_with_waveforms += 1;
        }
    }
}

impl SlowIndex {
    /// Adds a slow block (samples at `data`); a block more than one tick away from the end of
    /// the previous one is a gap. Empty blocks are skipped.
    fn add(&mut self, h: &BlockHeader, data: u64, ad_frequency: i64) {
        let n = h.n_samples();
        if n == 0 {
            return;
        }
        if let Some((prev_ts, prev_n)) = self.last {
            let expected_ticks = i128::from(prev_n) * i128::from(ad_frequency);
            let actual_ticks =
                (i128::from(h.timestamp) - i128::from(prev_ts)) * i128::from(self.rate);
            // more than one tick away from contiguous
            if self.rate > 0 && (actual_ticks - expected_ticks).abs() > i128::from(self.rate) {
                self.gaps.push(Gap {
                    sample: self.total,
                    block: self.offsets.len(),
                    timestamp: h.timestamp,
                    expected: prev_ts.saturating_add(ticks_for(prev_n, ad_frequency, self.rate)),
                });
            }
        } else {
            self.first_timestamp = Some(h.timestamp);
        }
        self.offsets.push(data);
        self.starts.push(self.total);
        self.total += n;
        self.last = Some((h.timestamp, n));
    }
}

/// The header of the block at `pos`, when the whole block is in `bytes`.
fn block_at(bytes: &[u8], pos: u64) -> Result<BlockHeader, Truncated> {
    let available = (bytes.len() as u64).saturating_sub(pos);
    let Some(hb) = usize::try_from(pos)
        .ok()
        .and_then(|p| bytes.get(p..p.checked_add(16)?))
        .and_then(|s| <&[u8; 16]>::try_from(s).ok())
    else {
        return Err(Truncated {
            offset: pos,
            needed: BLOCK_HEADER_SIZE,
            available,
        });
    };
    let h = BlockHeader::decode(hb);
    if h.len() > available {
        return Err(Truncated {
            offset: pos,
            needed: h.len(),
            available,
        });
    }
    Ok(h)
}

/// `n` samples at `rate` Hz in ticks of `ad_frequency` Hz, rounded down (0 on bad rates).
pub fn ticks_for(n: u64, ad_frequency: i64, rate: i64) -> u64 {
    if rate <= 0 || ad_frequency <= 0 {
        return 0;
    }
    let t = u128::from(n) * ad_frequency as u128 / rate as u128;
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// A block that does not fit in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated {
    /// Offset of the block header.
    pub offset: u64,
    /// Bytes the block needs (header included; 16 when even the header is cut).
    pub needed: u64,
    /// Bytes left in the file from `offset`.
    pub available: u64,
}

/// Why the scan stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    /// A block ends after the end of the file.
    Truncated(Truncated),
    /// A block of an unknown type.
    UnknownType {
        /// Offset of the block header.
        offset: u64,
        /// The type found.
        kind: u16,
    },
    /// A block for a channel that has no channel header.
    UnknownChannel {
        /// Offset of the block header.
        offset: u64,
        /// The type of the block.
        kind: u16,
        /// The channel number found.
        channel: u16,
    },
}

/// Channel number → slot lookup: a dense table over the 65536 possible u16 channel numbers.
#[derive(Debug, Clone)]
pub struct ChannelMap {
    slots: Vec<u32>,
}

impl ChannelMap {
    const NONE: u32 = u32::MAX;

    /// A map from the given channel numbers (header order; later duplicates are ignored, and
    /// numbers outside 0..=65535 can never match a block). Returns the map and, for each
    /// header, the slot it maps to.
    pub fn new(channels: &[i32]) -> (Self, Vec<Option<usize>>, usize) {
        let mut slots = vec![Self::NONE; 1 << 16];
        let mut n = 0usize;
        let mut per_header = Vec::with_capacity(channels.len());
        for &c in channels {
            match u16::try_from(c) {
                Ok(c) => {
                    let s = &mut slots[usize::from(c)];
                    if *s == Self::NONE {
                        *s = u32::try_from(n).unwrap_or(Self::NONE);
                        n += 1;
                    }
                    per_header.push(usize::try_from(*s).ok());
                }
                Err(_) => per_header.push(None),
            }
        }
        (ChannelMap { slots }, per_header, n)
    }

    #[inline]
    fn get(&self, channel: u16) -> Option<usize> {
        let s = self.slots[usize::from(channel)];
        (s != Self::NONE).then_some(s as usize)
    }
}

/// The index of every data block of a file.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Spike blocks per DSP slot.
    pub spikes: Vec<SpikeChannelIndex>,
    /// Event blocks per event slot.
    pub events: Vec<EventIndex>,
    /// Slow blocks per slow slot.
    pub slows: Vec<SlowIndex>,
    /// Number of data blocks indexed.
    pub n_blocks: u64,
    /// Largest timestamp of any block.
    pub max_timestamp: Option<u64>,
    /// Timestamp of the last block of the file (what neo uses as the end of the recording).
    pub last_block_timestamp: Option<u64>,
    /// A truncated final block that was dropped (lenient mode).
    pub dropped: Option<Truncated>,
    /// Offset where the scan stopped (end of the last complete block).
    pub end: u64,
}

/// The scan's inputs besides the bytes.
pub struct ScanSetup<'a> {
    /// DSP channel map.
    pub dsp: &'a ChannelMap,
    /// Number of DSP slots.
    pub n_dsp: usize,
    /// Event channel map.
    pub events: &'a ChannelMap,
    /// Number of event slots.
    pub n_events: usize,
    /// Slow channel map.
    pub slows: &'a ChannelMap,
    /// Sampling rate per slow slot.
    pub slow_rates: Vec<i64>,
    /// The global clock (ticks per second).
    pub ad_frequency: i64,
    /// Drop (and report) a truncated final block instead of failing.
    pub lenient: bool,
}

/// The index slot of each channel header: headers with the same channel number share a slot;
/// `None` for a number no data block can carry (outside 0..=65535).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSlots {
    /// Slot of each spike channel header.
    pub dsp: Vec<Option<usize>>,
    /// Slot of each event channel header.
    pub events: Vec<Option<usize>>,
    /// Slot of each slow channel header.
    pub slows: Vec<Option<usize>>,
}

impl Index {
    /// Scans the data blocks of a file whose headers are `headers` (`bytes` is the whole
    /// file): the channel maps come from the headers, the slow rates from the first header of
    /// each slow channel number. See [`Index::scan`] for `lenient` and `release`.
    pub fn scan_file(
        bytes: &[u8],
        headers: &FileHeaders,
        lenient: bool,
        release: &dyn Fn(u64, u64),
    ) -> Result<(Index, HeaderSlots), ScanError> {
        let (dsp, dsp_slots, n_dsp) =
            ChannelMap::new(&headers.dsps.iter().map(|h| h.channel).collect::<Vec<_>>());
        let (events, event_slots, n_events) =
            ChannelMap::new(&headers.events.iter().map(|h| h.channel).collect::<Vec<_>>());
        let (slows, slow_slots, n_slows) =
            ChannelMap::new(&headers.slows.iter().map(|h| h.channel).collect::<Vec<_>>());
        let mut slow_rates = vec![0i64; n_slows];
        for (h, slot) in headers.slows.iter().zip(&slow_slots).rev() {
            if let Some(s) = slot.and_then(|s| slow_rates.get_mut(s)) {
                *s = i64::from(h.ad_freq); // the first header of a channel number wins
            }
        }
        let setup = ScanSetup {
            dsp: &dsp,
            n_dsp,
            events: &events,
            n_events,
            slows: &slows,
            slow_rates,
            ad_frequency: i64::from(headers.global.ad_frequency),
            lenient,
        };
        let index = Index::scan(bytes, headers.data_start, &setup, release)?;
        let slots = HeaderSlots {
            dsp: dsp_slots,
            events: event_slots,
            slows: slow_slots,
        };
        Ok((index, slots))
    }
}

impl Index {
    /// Scans the data blocks of `bytes` (the whole file) from `start`. `release(offset, len)`
    /// is called behind the cursor every 16 MiB so that a memory-mapped scan keeps a flat
    /// resident set.
    pub fn scan(
        bytes: &[u8],
        start: u64,
        setup: &ScanSetup<'_>,
        release: &dyn Fn(u64, u64),
    ) -> Result<Index, ScanError> {
        const RELEASE_EVERY: u64 = 16 << 20;
        let mut idx = Index::empty(setup);
        let len = bytes.len() as u64;
        let mut pos = start;
        let mut released = 0u64;
        let mut max_ts = 0u64;
        let mut last_ts = None;
        while pos < len {
            let h = match block_at(bytes, pos) {
                Ok(h) => h,
                Err(t) => {
                    idx.truncated(t, setup.lenient)?;
                    break;
                }
            };
            idx.add(&h, pos, setup)?;
            max_ts = max_ts.max(h.timestamp);
            last_ts = Some(h.timestamp);
            idx.n_blocks += 1;
            pos += h.len();
            if pos - released >= RELEASE_EVERY {
                release(released, pos - released);
                released = pos;
            }
        }
        if released < pos {
            release(released, pos - released);
        }
        idx.end = pos;
        idx.last_block_timestamp = last_ts;
        idx.max_timestamp = last_ts.map(|_| max_ts);
        idx.finish();
        Ok(idx)
    }

    /// An index with a slot per channel of `setup` and no block.
    fn empty(setup: &ScanSetup<'_>) -> Index {
        Index {
            spikes: vec![SpikeChannelIndex::default(); setup.n_dsp],
            events: vec![EventIndex::default(); setup.n_events],
            slows: setup
                .slow_rates
                .iter()
                .map(|&rate| SlowIndex {
                    rate,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// Adds the block at `pos` with header `h` to its channel.
    fn add(&mut self, h: &BlockHeader, pos: u64, setup: &ScanSetup<'_>) -> Result<(), ScanError> {
        let unknown = || ScanError::UnknownChannel {
            offset: pos,
            kind: h.kind,
            channel: h.channel,
        };
        let data = pos + BLOCK_HEADER_SIZE;
        match h.kind {
            BLOCK_SPIKE => {
                let slot = setup.dsp.get(h.channel).ok_or_else(unknown)?;
                self.spikes[slot].add(h, pos, data);
            }
            BLOCK_EVENT => {
                let slot = setup.events.get(h.channel).ok_or_else(unknown)?;
                let ev = &mut self.events[slot];
                ev.timestamps.push(h.timestamp);
                ev.labels.push(h.unit);
            }
            BLOCK_SLOW => {
                let slot = setup.slows.get(h.channel).ok_or_else(unknown)?;
                self.slows[slot].add(h, data, setup.ad_frequency);
            }
            kind => return Err(ScanError::UnknownType { offset: pos, kind }),
        }
        Ok(())
    }

    fn truncated(&mut self, t: Truncated, lenient: bool) -> Result<(), ScanError> {
        if lenient {
            self.dropped = Some(t);
            Ok(())
        } else {
            Err(ScanError::Truncated(t))
        }
    }

    /// Sorts units by number and spikes/events by timestamp (stable; a no-op for files written
    /// in time order), and gives back spare capacity.
    fn finish(&mut self) {
        for ch in &mut self.spikes {
            ch.units.sort_by_key(|u| u.unit);
            for u in &mut ch.units {
                if !u.timestamps.is_sorted() {
                    let (t, o) = sort_pairs(&u.timestamps, &u.offsets);
                    u.timestamps = t;
                    u.offsets = o;
                }
                u.timestamps.shrink_to_fit();
                u.offsets.shrink_to_fit();
            }
        }
        for ev in &mut self.events {
            if !ev.timestamps.is_sorted() {
                let (t, l) = sort_pairs(&ev.timestamps, &ev.labels);
                ev.timestamps = t;
                ev.labels = l;
            }
            ev.timestamps.shrink_to_fit();
            ev.labels.shrink_to_fit();
        }
        for s in &mut self.slows {
            s.offsets.shrink_to_fit();
            s.starts.shrink_to_fit();
            s.gaps.shrink_to_fit();
        }
    }

    /// Bytes of heap used by the per-block arrays.
    pub fn heap_bytes(&self) -> u64 {
        let mut n = 0usize;
        for ch in &self.spikes {
            for u in &ch.units {
                n += u.timestamps.capacity() * 8 + u.offsets.capacity() * 8;
            }
        }
        for ev in &self.events {
            n += ev.timestamps.capacity() * 8 + ev.labels.capacity() * 2;
        }
        for s in &self.slows {
            n += s.offsets.capacity() * 8
                + s.starts.capacity() * 8
                + s.gaps.capacity() * std::mem::size_of::<Gap>();
        }
        n as u64
    }
}

fn sort_pairs<T: Copy>(ts: &[u64], other: &[T]) -> (Vec<u64>, Vec<T>) {
    let mut order: Vec<usize> = (0..ts.len().min(other.len())).collect();
    order.sort_by_key(|&i| ts[i]);
    (
        order.iter().map(|&i| ts[i]).collect(),
        order.iter().map(|&i| other[i]).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: u16, ts: u64, ch: u16, unit: u16, nwf: u16, words: &[i16]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&((ts >> 32) as u16).to_le_bytes());
        b.extend_from_slice(&(ts as u32).to_le_bytes());
        b.extend_from_slice(&ch.to_le_bytes());
        b.extend_from_slice(&unit.to_le_bytes());
        b.extend_from_slice(&nwf.to_le_bytes());
        let nw = (words.len() as u16).checked_div(nwf).unwrap_or(0);
        b.extend_from_slice(&nw.to_le_bytes());
        for w in words {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b
    }

    fn setup<'a>(
        dsp: &'a ChannelMap,
        ev: &'a ChannelMap,
        sl: &'a ChannelMap,
        lenient: bool,
    ) -> ScanSetup<'a> {
        ScanSetup {
            dsp,
            n_dsp: 1,
            events: ev,
            n_events: 1,
            slows: sl,
            slow_rates: vec![1000],
            ad_frequency: 40000,
            lenient,
        }
    }

    #[test]
    fn scan_builds_sorted_index_and_gaps() {
        let (dsp, _, _) = ChannelMap::new(&[1]);
        let (ev, _, _) = ChannelMap::new(&[257]);
        let (sl, _, _) = ChannelMap::new(&[0]);
        let mut f = vec![0u8; 4];
        f.extend(block(5, 100, 0, 0, 1, &[1, 2, 3]));
        f.extend(block(1, 300, 1, 2, 1, &[5, 6]));
        f.extend(block(1, 200, 1, 0, 1, &[7, 8]));
        f.extend(block(1, 150, 1, 2, 1, &[9, 9]));
        f.extend(block(4, 250, 257, 65535, 0, &[]));
        f.extend(block(5, 220, 0, 0, 1, &[4, 5])); // contiguous: 100 + 3*40
        f.extend(block(5, (1 << 32) + 7, 0, 0, 1, &[6])); // gap
        let idx = Index::scan(&f, 4, &setup(&dsp, &ev, &sl, false), &|_, _| {}).unwrap();
        assert_eq!(idx.n_blocks, 7);
        let ch = &idx.spikes[0];
        assert_eq!(
            ch.units.iter().map(|u| u.unit).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert_eq!(ch.units[1].timestamps, vec![150, 300]);
        assert_eq!(ch.units[1].offsets[1], 4 + 22 + 16);
        assert_eq!(ch.wf_shape, Some((1, 2)));
        assert_eq!(idx.events[0].labels, vec![65535]);
        let s = &idx.slows[0];
        assert_eq!(s.starts, vec![0, 3, 5]);
        assert_eq!(s.total, 6);
        assert_eq!(s.block_len(1), 2);
        assert_eq!(s.block_len(2), 1);
        assert_eq!(s.first_timestamp, Some(100));
        assert_eq!(s.gaps.len(), 1);
        assert_eq!(s.gaps[0].sample, 5);
        assert_eq!(s.gaps[0].expected, 300);
        assert_eq!(s.gaps[0].timestamp, (1 << 32) + 7);
        assert_eq!(idx.max_timestamp, Some((1 << 32) + 7));
        assert_eq!(
            idx.heap_bytes(),
            3 * 16 + 10 + 3 * 16 + std::mem::size_of::<Gap>() as u64
        );
    }

    #[test]
    fn truncation_and_unknown_blocks() {
        let (dsp, _, _) = ChannelMap::new(&[1]);
        let (ev, _, _) = ChannelMap::new(&[257]);
        let (sl, _, _) = ChannelMap::new(&[0]);
        let mut f = block(5, 100, 0, 0, 1, &[1, 2, 3]);
        let whole = f.len() as u64;
        f.extend(&block(5, 220, 0, 0, 1, &[4, 5])[..19]);
        let err = Index::scan(&f, 0, &setup(&dsp, &ev, &sl, false), &|_, _| {}).unwrap_err();
        assert_eq!(
            err,
            ScanError::Truncated(Truncated {
                offset: whole,
                needed: 20,
                available: 19
            })
        );
        let idx = Index::scan(&f, 0, &setup(&dsp, &ev, &sl, true), &|_, _| {}).unwrap();
        assert_eq!(idx.slows[0].total, 3);
        assert_eq!(idx.dropped.map(|t| t.offset), Some(whole));
        f.truncate(whole as usize + 5);
        let idx = Index::scan(&f, 0, &setup(&dsp, &ev, &sl, true), &|_, _| {}).unwrap();
        assert_eq!(idx.dropped.map(|t| t.needed), Some(16));

        let f = block(9, 0, 0, 0, 0, &[]);
        assert_eq!(
            Index::scan(&f, 0, &setup(&dsp, &ev, &sl, false), &|_, _| {}).unwrap_err(),
            ScanError::UnknownType { offset: 0, kind: 9 }
        );
        let f = block(1, 0, 2, 0, 0, &[]);
        assert!(matches!(
            Index::scan(&f, 0, &setup(&dsp, &ev, &sl, false), &|_, _| {}).unwrap_err(),
            ScanError::UnknownChannel {
                channel: 2,
                kind: 1,
                ..
            }
        ));
    }
}
