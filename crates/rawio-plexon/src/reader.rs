//! [`PlexonReader`]: the [`RawIO`] implementation.

use crate::header::{
    DSP_HEADER_SIZE, DspHeader, EVENT_HEADER_SIZE, EventHeader, GLOBAL_HEADER_SIZE, GlobalHeader,
    MAGIC, SLOW_HEADER_SIZE, SlowHeader, VERSIONS, stream_id_of, stream_name_of,
};
use crate::index::{ChannelMap, Index, ScanError, ScanSetup, SlowIndex};
use rawio_core::ndarray::{Array2, Array3, ArrayView1, CowArray};
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Dtype, Error, EventChannel, EventKind, Events, Header,
    MappedFile, RawChunk, RawIO, RawTimestamps, RawWaveforms, Result, Segment, SignalChannel,
    SignalStream, SpikeChannel, TimeBase,
};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const FMT: &str = "plexon";
/// Resident bytes touched by reads before the mapping is released again.
const RELEASE_AFTER: u64 = 16 << 20;
/// At most this many entries in list-valued annotations (gaps, count mismatches).
const MAX_LISTED: usize = 100;

/// Options of [`PlexonReader::open_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Drop a truncated final data block (and report it in the block annotations as
    /// `truncated_block`) instead of failing with an error naming its offset.
    pub lenient_truncation: bool,
    /// Make one segment per gap-free run of the slow channels instead of concatenating the
    /// blocks across gaps as neo does.
    pub split_segments_at_gaps: bool,
}

/// One signal stream: the slow-channel slots of its channels, in channel order.
#[derive(Debug, Clone)]
struct StreamInfo {
    slots: Vec<usize>,
}

/// One segment: its tick window and where each channel/unit/event channel starts and stops.
#[derive(Debug, Clone)]
struct SegInfo {
    /// Sample range of each slow slot.
    slow: Vec<Range<u64>>,
    /// Signal t_start of each stream.
    stream_t_start: Vec<f64>,
    /// Spike index range of each unit.
    spikes: Vec<Range<usize>>,
    /// Event index range of each event channel.
    events: Vec<Range<usize>>,
}

/// A reader of one Plexon `.plx` file (header versions 100–107).
///
/// Opening parses the headers and scans every data block once into a compact index (16 bytes
/// per spike or slow block, 10 per event); reads then touch only the blocks they need, through
/// a memory map whose pages are released as reads go, so memory stays flat on huge files.
#[derive(Debug)]
pub struct PlexonReader {
    file: MappedFile,
    header: Header,
    global: GlobalHeader,
    index: Index,
    time_base: TimeBase,
    streams: Vec<StreamInfo>,
    /// (DSP slot, unit position in the slot) of each spike channel.
    units: Vec<(usize, usize)>,
    /// Event slot of each event channel.
    event_slots: Vec<Option<usize>>,
    segments: Vec<SegInfo>,
    touched: AtomicU64,
}

fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
    Error::corrupt(FMT, path, offset, detail)
}

fn short(path: &Path, e: rawio_core::ShortRead) -> Error {
    corrupt(
        path,
        e.offset,
        format!("header ends early (needed {} more bytes)", e.needed),
    )
}

/// A non-finite gain (zero gain fields) becomes 1.0, with a note.
fn finite_gain(g: f64, ann: &mut Annotations) -> f64 {
    if g.is_finite() {
        g
    } else {
        ann.insert(
            "gain_note".into(),
            json!("gain fields are zero: the gain is undefined, 1.0 is used"),
        );
        1.0
    }
}

fn seconds(ticks: u64, ad_frequency: i64) -> f64 {
    if ad_frequency > 0 {
        ticks as f64 / ad_frequency as f64
    } else {
        0.0
    }
}

impl PlexonReader {
    /// Opens `path` with the default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &Options::default())
    }

    /// Opens `path`: parses the headers and indexes every data block.
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = MappedFile::open(&path)?;
        let bytes = file.bytes();
        let len = file.len();
        if len < GLOBAL_HEADER_SIZE {
            return Err(corrupt(
                &path,
                len,
                format!(
                    "the file has {len} bytes, less than the {GLOBAL_HEADER_SIZE}-byte global header"
                ),
            ));
        }
        let global = GlobalHeader::parse(bytes).map_err(|e| short(&path, e))?;
        if global.magic != MAGIC {
            return Err(corrupt(
                &path,
                0,
                format!(
                    "magic number {:#010x} is not 0x58454c50 (\"PLEX\")",
                    global.magic
                ),
            ));
        }
        if !VERSIONS.contains(&global.version) {
            return Err(Error::unsupported(
                FMT,
                format!(
                    "PLX header version {} in {} (supported: 100 to 107)",
                    global.version,
                    path.display()
                ),
            ));
        }
        let count = |n: i32, at: u64, what: &str| {
            u64::try_from(n).map_err(|_| corrupt(&path, at, format!("negative {what} count {n}")))
        };
        let n_dsp = count(global.num_dsp_channels, 140, "spike channel")?;
        let n_ev = count(global.num_event_channels, 144, "event channel")?;
        let n_slow = count(global.num_slow_channels, 148, "slow channel")?;
        let dsp_start = GLOBAL_HEADER_SIZE;
        let ev_start = dsp_start + n_dsp * DSP_HEADER_SIZE;
        let slow_start = ev_start + n_ev * EVENT_HEADER_SIZE;
        let data_start = slow_start + n_slow * SLOW_HEADER_SIZE;
        if data_start > len {
            return Err(corrupt(
                &path,
                len,
                format!(
                    "{n_dsp} spike, {n_ev} event and {n_slow} slow channel headers need {data_start} bytes but the file has {len}"
                ),
            ));
        }
        let parse_all = |start: u64, n: u64, size: u64| -> Result<Vec<(u64, &[u8])>> {
            (0..n)
                .map(|i| {
                    let off = start + i * size;
                    Ok((off, file.range(FMT, off, size)?))
                })
                .collect()
        };
        let dsps: Vec<DspHeader> = parse_all(dsp_start, n_dsp, DSP_HEADER_SIZE)?
            .into_iter()
            .map(|(o, b)| DspHeader::parse(b, o).map_err(|e| short(&path, e)))
            .collect::<Result<_>>()?;
        let evs: Vec<EventHeader> = parse_all(ev_start, n_ev, EVENT_HEADER_SIZE)?
            .into_iter()
            .map(|(o, b)| EventHeader::parse(b, o).map_err(|e| short(&path, e)))
            .collect::<Result<_>>()?;
        let slows: Vec<SlowHeader> = parse_all(slow_start, n_slow, SLOW_HEADER_SIZE)?
            .into_iter()
            .map(|(o, b)| SlowHeader::parse(b, o).map_err(|e| short(&path, e)))
            .collect::<Result<_>>()?;

        // ---- the scan
        let (dsp_map, dsp_slot_of, n_dsp_slots) =
            ChannelMap::new(&dsps.iter().map(|h| h.channel).collect::<Vec<_>>());
        let (ev_map, ev_slot_of, n_ev_slots) =
            ChannelMap::new(&evs.iter().map(|h| h.channel).collect::<Vec<_>>());
        let (slow_map, slow_slot_of, n_slow_slots) =
            ChannelMap::new(&slows.iter().map(|h| h.channel).collect::<Vec<_>>());
        let mut slow_rates = vec![0i64; n_slow_slots];
        for (h, slot) in slows.iter().zip(&slow_slot_of).rev() {
            if let Some(s) = slot.and_then(|s| slow_rates.get_mut(s)) {
                *s = i64::from(h.ad_freq); // the first header of a channel number wins
            }
        }
        let ad_frequency = i64::from(global.ad_frequency);
        let setup = ScanSetup {
            dsp: &dsp_map,
            n_dsp: n_dsp_slots,
            events: &ev_map,
            n_events: n_ev_slots,
            slows: &slow_map,
            slow_rates,
            ad_frequency,
            lenient: options.lenient_truncation,
        };
        let index = Index::scan(bytes, data_start, &setup, &|o, l| file.release(o, l)).map_err(
            |e| match e {
                ScanError::Truncated(t) => corrupt(
                    &path,
                    t.offset,
                    format!(
                        "truncated data block: it needs {} bytes but only {} remain (open with Options {{ lenient_truncation: true, .. }} to drop it)",
                        t.needed, t.available
                    ),
                ),
                ScanError::UnknownType { offset, kind } => {
                    corrupt(&path, offset, format!("data block of unknown type {kind}"))
                }
                ScanError::UnknownChannel {
                    offset,
                    kind,
                    channel,
                } => corrupt(
                    &path,
                    offset,
                    format!("data block of type {kind} for channel {channel}, which has no channel header"),
                ),
            },
        )?;
        drop(dsp_map);
        drop(ev_map);
        drop(slow_map);
        if ad_frequency <= 0 && index.n_blocks > 0 {
            return Err(corrupt(
                &path,
                136,
                format!(
                    "ADFrequency is {ad_frequency} but the file has {} timestamped data blocks",
                    index.n_blocks
                ),
            ));
        }
        let time_base = TimeBase::rate(if ad_frequency > 0 {
            ad_frequency as f64
        } else {
            1.0
        });

        // ---- signal channels and streams
        struct SlowChan {
            header: usize,
            slot: usize,
            stream_id: String,
            channel: SignalChannel,
        }
        let mut chans: Vec<SlowChan> = Vec::new();
        let mut duplicate_slow = Vec::new();
        let mut seen_slots = vec![false; n_slow_slots];
        for (i, (h, slot)) in slows.iter().zip(&slow_slot_of).enumerate() {
            let Some(slot) = *slot else { continue };
            let Some(si) = index.slows.get(slot) else {
                continue;
            };
            if si.total == 0 {
                continue;
            }
            if std::mem::replace(&mut seen_slots[slot], true) {
                duplicate_slow.push(json!({"name": h.name, "channel": h.channel}));
                continue;
            }
            let at = slow_start + i as u64 * SLOW_HEADER_SIZE;
            if h.ad_freq <= 0 {
                return Err(corrupt(
                    &path,
                    at + 36,
                    format!(
                        "slow channel {:?} has data but ADFreq {}",
                        h.name, h.ad_freq
                    ),
                ));
            }
            let mut ann = slow_annotations(h, si, &global);
            let gain = finite_gain(global.slow_gain(h.gain, h.preamp_gain), &mut ann);
            let stream_id = stream_id_of(&h.name);
            chans.push(SlowChan {
                header: i,
                slot,
                stream_id: stream_id.clone(),
                channel: SignalChannel {
                    name: h.name.clone(),
                    id: h.channel.to_string(),
                    sampling_rate: f64::from(h.ad_freq),
                    dtype: Dtype::Int16,
                    units: String::new(),
                    gain,
                    offset: 0.0,
                    stream_id,
                    buffer_id: String::new(),
                    annotations: ann,
                },
            });
        }
        let mut stream_ids: Vec<String> = chans.iter().map(|c| c.stream_id.clone()).collect();
        stream_ids.sort();
        stream_ids.dedup();
        let mut streams = Vec::new();
        let mut signal_streams = Vec::new();
        for sid in &stream_ids {
            let members: Vec<&SlowChan> = chans.iter().filter(|c| &c.stream_id == sid).collect();
            let Some(first) = members.first() else {
                continue;
            };
            let first_total = index.slows[first.slot].total;
            for m in &members {
                let total = index.slows[m.slot].total;
                if m.channel.sampling_rate != first.channel.sampling_rate || total != first_total {
                    return Err(corrupt(
                        &path,
                        slow_start + m.header as u64 * SLOW_HEADER_SIZE,
                        format!(
                            "channels of stream {sid:?} disagree: {:?} (id {}) has {} samples at {} Hz but {:?} (id {}) has {} samples at {} Hz",
                            first.channel.name,
                            first.channel.id,
                            first_total,
                            first.channel.sampling_rate,
                            m.channel.name,
                            m.channel.id,
                            total,
                            m.channel.sampling_rate
                        ),
                    ));
                }
            }
            let gaps = &index.slows[first.slot].gaps;
            let mut ann = Annotations::new();
            ann.insert("gap_count".into(), json!(gaps.len()));
            let first_ts: Vec<Option<u64>> = members
                .iter()
                .map(|m| index.slows[m.slot].first_timestamp)
                .collect();
            if first_ts.windows(2).any(|w| w[0] != w[1]) {
                ann.insert(
                    "first_timestamp_mismatch".into(),
                    json!("the channels' first blocks have different timestamps; t_start is the first channel's"),
                );
            }
            signal_streams.push(SignalStream {
                name: stream_name_of(sid),
                id: sid.clone(),
                buffer_id: String::new(),
                clock: rawio_core::SampleClock::Regular,
                annotations: ann,
            });
            streams.push(StreamInfo {
                slots: members.iter().map(|m| m.slot).collect(),
            });
        }

        // neo's order: slow-header order, streams interleaved (a stream's channels are those
        // with its id, in this order)
        let signal_channels: Vec<SignalChannel> = chans
            .iter()
            .filter(|c| stream_ids.contains(&c.stream_id))
            .map(|c| c.channel.clone())
            .collect();

        // ---- units
        let mut spike_channels = Vec::new();
        let mut units = Vec::new();
        let mut seen = vec![false; n_dsp_slots];
        for (h, slot) in dsps.iter().zip(&dsp_slot_of) {
            let Some(slot) = *slot else { continue };
            if std::mem::replace(&mut seen[slot], true) {
                continue;
            }
            let Some(ch) = index.spikes.get(slot) else {
                continue;
            };
            for (k, u) in ch.units.iter().enumerate() {
                let mut ann = Annotations::new();
                ann.insert("channel".into(), json!(h.channel));
                ann.insert("unit".into(), json!(u.unit));
                ann.insert("dsp_gain".into(), json!(h.gain));
                ann.insert("threshold".into(), json!(h.threshold));
                ann.insert("sig_name".into(), json!(h.sig_name));
                if global.version >= 105 {
                    ann.insert("comment".into(), json!(h.comment));
                }
                if global.version >= 106 {
                    ann.insert("src_id".into(), json!(h.src_id));
                    ann.insert("chan_id".into(), json!(h.chan_id));
                }
                if let Some(off) = ch.wf_shape_mismatch {
                    ann.insert("waveform_shape_mismatch_offset".into(), json!(off));
                }
                let wf_gain = finite_gain(global.wf_gain(h.gain), &mut ann);
                spike_channels.push(SpikeChannel {
                    name: h.name.clone(),
                    id: format!("ch{}#{}", h.channel, u.unit),
                    wf_units: String::new(),
                    wf_gain,
                    wf_offset: 0.0,
                    wf_left_sweep: -1,
                    wf_sampling_rate: f64::from(global.waveform_freq.max(0)),
                    annotations: ann,
                });
                units.push((slot, k));
            }
        }

        // ---- event channels
        let event_channels = evs
            .iter()
            .map(|h| {
                let mut ann = Annotations::new();
                ann.insert("channel".into(), json!(h.channel));
                ann.insert("comment".into(), json!(h.comment));
                if global.version >= 106 {
                    ann.insert("src_id".into(), json!(h.src_id));
                    ann.insert("chan_id".into(), json!(h.chan_id));
                }
                EventChannel {
                    name: h.name.clone(),
                    id: h.channel.to_string(),
                    kind: EventKind::Event,
                    annotations: ann,
                }
            })
            .collect();

        let mut reader = PlexonReader {
            file,
            header: Header {
                blocks: Vec::new(),
                signal_buffers: Vec::new(),
                signal_streams,
                signal_channels,
                spike_channels,
                event_channels,
            },
            global,
            index,
            time_base,
            streams,
            units,
            event_slots: ev_slot_of,
            segments: Vec::new(),
            touched: AtomicU64::new(0),
        };
        let segments = reader.build_segments(options.split_segments_at_gaps, &path)?;
        let mut block_ann = reader.block_annotations(&path);
        if !duplicate_slow.is_empty() {
            block_ann.insert(
                "duplicate_slow_channel_headers".into(),
                Value::Array(duplicate_slow),
            );
        }
        reader.header.blocks = vec![Block {
            segments,
            annotations: block_ann,
        }];
        reader.header.validate()?;
        Ok(reader)
    }

    /// The parsed global header.
    pub fn global_header(&self) -> &GlobalHeader {
        &self.global
    }

    /// Heap bytes used by the block index (the per-block arrays).
    pub fn index_heap_bytes(&self) -> u64 {
        self.index.heap_bytes()
    }

    /// Number of data blocks indexed.
    pub fn block_count_in_file(&self) -> u64 {
        self.index.n_blocks
    }

    fn ad_frequency(&self) -> i64 {
        i64::from(self.global.ad_frequency)
    }

    /// Segments (and their per-channel ranges): one, or one per gap-free run of the slow
    /// channels with `split`.
    fn build_segments(&mut self, split: bool, path: &Path) -> Result<Vec<Segment>> {
        let adf = self.ad_frequency();
        let used: Vec<usize> = self
            .streams
            .iter()
            .flat_map(|s| s.slots.iter().copied())
            .collect();
        // Runs (start tick, end tick, slot, sample range) of every used slow channel.
        let mut intervals: Vec<(u64, u64)> = Vec::new();
        let mut runs_of: Vec<Vec<(u64, u64, Range<u64>)>> =
            vec![Vec::new(); self.index.slows.len()];
        if split {
            for &slot in &used {
                runs_of[slot] = channel_runs(&self.index.slows[slot], adf);
            }
            let mut runs: Vec<(u64, u64)> = runs_of.iter().flatten().map(|r| (r.0, r.1)).collect();
            runs.sort_unstable();
            for (s, e) in runs {
                match intervals.last_mut() {
                    Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                    _ => intervals.push((s, e)),
                }
            }
        }
        if intervals.len() <= 1 {
            intervals = vec![(0, u64::MAX)];
        }
        let n_seg = intervals.len();
        let mut segs = Vec::with_capacity(n_seg);
        let mut infos = Vec::with_capacity(n_seg);
        let mut cursor = vec![0usize; self.index.slows.len()];
        for (k, &(start, end)) in intervals.iter().enumerate() {
            let lo = if k == 0 { 0 } else { start };
            let hi = intervals.get(k + 1).map_or(u64::MAX, |n| n.0);
            let mut slow = vec![0..0; self.index.slows.len()];
            let mut first_ts = vec![None; self.index.slows.len()];
            for &slot in &used {
                let si = &self.index.slows[slot];
                if n_seg == 1 {
                    slow[slot] = 0..si.total;
                    first_ts[slot] = si.first_timestamp;
                } else {
                    // runs and intervals are both in time order: walk each slot's runs once
                    let mut r: Option<Range<u64>> = None;
                    let runs = &runs_of[slot];
                    while let Some(run) = runs.get(cursor[slot]).filter(|run| run.0 <= end) {
                        if run.0 >= start {
                            if r.is_none() {
                                first_ts[slot] = Some(run.0);
                            }
                            r = Some(r.map_or(run.2.clone(), |x| x.start..run.2.end));
                        }
                        cursor[slot] += 1;
                    }
                    slow[slot] = r.unwrap_or(0..0);
                }
            }
            let t_start = seconds(lo, adf);
            let mut t_stop = if n_seg > 1 { seconds(end, adf) } else { 0.0 };
            if let (1, Some(m)) = (n_seg, self.index.max_timestamp) {
                t_stop = t_stop.max(seconds(m, adf));
            }
            let mut stream_t_start = Vec::new();
            for (s, st) in self.streams.iter().enumerate() {
                let Some(&first) = st.slots.first() else {
                    stream_t_start.push(t_start);
                    continue;
                };
                let size = slow[first].end - slow[first].start;
                for &slot in &st.slots {
                    let n = slow[slot].end - slow[slot].start;
                    if n != size {
                        return Err(corrupt(
                            path,
                            0,
                            format!(
                                "stream {:?}, segment {k}: channel slots {first} and {slot} have {size} and {n} samples",
                                self.header
                                    .signal_streams
                                    .get(s)
                                    .map(|x| x.id.as_str())
                                    .unwrap_or("")
                            ),
                        ));
                    }
                }
                let ts = match first_ts[first] {
                    Some(t) if size > 0 => seconds(t, adf),
                    _ => t_start,
                };
                stream_t_start.push(ts);
                let rate = self.index.slows[first].rate as f64;
                if rate > 0.0 {
                    t_stop = t_stop.max(ts + size as f64 / rate);
                }
            }
            let window =
                |ts: &[u64]| ts.partition_point(|&t| t < lo)..ts.partition_point(|&t| t < hi);
            let spikes: Vec<Range<usize>> = self
                .units
                .iter()
                .map(|&(slot, u)| window(&self.index.spikes[slot].units[u].timestamps))
                .collect();
            let events: Vec<Range<usize>> = self
                .event_slots
                .iter()
                .map(|s| s.map_or(0..0, |s| window(&self.index.events[s].timestamps)))
                .collect();
            for (r, &(slot, u)) in spikes.iter().zip(&self.units) {
                if let Some(&t) = r
                    .end
                    .checked_sub(1)
                    .and_then(|i| self.index.spikes[slot].units[u].timestamps.get(i))
                {
                    t_stop = t_stop.max(seconds(t, adf));
                }
            }
            for (r, s) in events.iter().zip(&self.event_slots) {
                if let (Some(s), Some(i)) = (s, r.end.checked_sub(1))
                    && let Some(&t) = self.index.events[*s].timestamps.get(i)
                {
                    t_stop = t_stop.max(seconds(t, adf));
                }
            }
            let mut ann = Annotations::new();
            if t_stop.partial_cmp(&t_start) != Some(std::cmp::Ordering::Greater) {
                // nothing recorded in this segment: the header's LastTimestamp, else one tick
                let from_header = if adf > 0 {
                    self.global.last_timestamp / adf as f64
                } else {
                    f64::NAN
                };
                t_stop = if from_header.is_finite() && from_header > t_start {
                    from_header
                } else if adf > 0 {
                    t_start + 1.0 / adf as f64
                } else {
                    t_start + 1.0
                };
                ann.insert(
                    "t_stop_note".into(),
                    json!("no data in this segment: t_stop comes from the header's LastTimestamp (or is a placeholder)"),
                );
            }
            if n_seg > 1 {
                ann.insert("start_tick".into(), json!(start));
                ann.insert("end_tick".into(), json!(end));
            }
            ann.insert("plexon_version".into(), json!(self.global.version));
            ann.insert("rec_datetime".into(), json!(self.global.rec_datetime()));
            segs.push(Segment {
                t_start,
                t_stop,
                annotations: ann,
            });
            infos.push(SegInfo {
                slow,
                stream_t_start,
                spikes,
                events,
            });
        }
        self.segments = infos;
        Ok(segs)
    }

    fn block_annotations(&self, path: &Path) -> Annotations {
        let g = &self.global;
        let mut a = Annotations::new();
        a.insert("plexon_version".into(), json!(g.version));
        a.insert("rec_datetime".into(), json!(g.rec_datetime()));
        a.insert("comment".into(), json!(g.comment));
        a.insert("ad_frequency".into(), json!(g.ad_frequency));
        a.insert("waveform_freq".into(), json!(g.waveform_freq));
        a.insert("num_points_wave".into(), json!(g.num_points_wave));
        a.insert("num_points_pre_thr".into(), json!(g.num_points_pre_thr));
        a.insert("last_timestamp_header".into(), json!(g.last_timestamp));
        if g.version >= 103 {
            a.insert("trodalness".into(), json!(g.trodalness));
            a.insert(
                "bits_per_spike_sample".into(),
                json!(g.bits_per_spike_sample),
            );
            a.insert("bits_per_slow_sample".into(), json!(g.bits_per_slow_sample));
            a.insert(
                "spike_max_magnitude_mv".into(),
                json!(g.spike_max_magnitude_mv),
            );
            a.insert(
                "slow_max_magnitude_mv".into(),
                json!(g.slow_max_magnitude_mv),
            );
        }
        if g.version >= 105 {
            a.insert("spike_pre_amp_gain".into(), json!(g.spike_pre_amp_gain));
        }
        if g.version >= 106 {
            a.insert("acquiring_software".into(), json!(g.acquiring_software));
            a.insert("processing_software".into(), json!(g.processing_software));
        }
        a.insert("data_blocks".into(), json!(self.index.n_blocks));
        if let Some(t) = self.index.last_block_timestamp {
            a.insert("last_block_timestamp".into(), json!(t));
        }
        if let Some(t) = self.index.dropped {
            a.insert(
                "truncated_block".into(),
                json!({"offset": t.offset, "needed": t.needed, "available": t.available,
                       "note": format!("the final data block of {} is truncated and was dropped", path.display())}),
            );
        }
        let (n, listed) = self.count_mismatches();
        a.insert("header_count_mismatch_count".into(), json!(n));
        a.insert("header_count_mismatches".into(), Value::Array(listed));
        a
    }

    /// Compares TSCounts/WFCounts/EVCounts of the global header with what the scan found.
    fn count_mismatches(&self) -> (usize, Vec<Value>) {
        let g = &self.global;
        let mut n = 0usize;
        let mut listed = Vec::new();
        let mut report = |kind: &str,
                          channel: usize,
                          unit: Option<usize>,
                          header: i32,
                          found: u64| {
            if i64::from(header) != i64::try_from(found).unwrap_or(i64::MAX) {
                n += 1;
                if listed.len() < MAX_LISTED {
                    let mut v = json!({"counts": kind, "channel": channel, "header": header, "found": found});
                    if let (Some(u), Some(o)) = (unit, v.as_object_mut()) {
                        o.insert("unit".into(), json!(u));
                    }
                    listed.push(v);
                }
            }
        };
        // spikes: (channel, unit) -> (blocks, blocks with waveforms), channels < 130, units < 5
        let mut ts = vec![0u64; 650];
        let mut wf = vec![0u64; 650];
        for (c, &(slot, u)) in self.header.spike_channels.iter().zip(&self.units) {
            let unit = &self.index.spikes[slot].units[u];
            let ch = c
                .annotations
                .get("channel")
                .and_then(Value::as_i64)
                .and_then(|c| usize::try_from(c).ok());
            if let Some(ch) = ch {
                let un = usize::from(unit.unit);
                if ch < 130 && un < 5 {
                    ts[ch * 5 + un] += unit.timestamps.len() as u64;
                    wf[ch * 5 + un] += unit.n_with_waveforms;
                }
            }
        }
        for (i, &found) in ts.iter().enumerate() {
            report(
                "TSCounts",
                i / 5,
                Some(i % 5),
                g.ts_counts.get(i).copied().unwrap_or(0),
                found,
            );
        }
        for (i, &found) in wf.iter().enumerate() {
            report(
                "WFCounts",
                i / 5,
                Some(i % 5),
                g.wf_counts.get(i).copied().unwrap_or(0),
                found,
            );
        }
        // events: EVCounts[ch] for ch < 300; slow channels: EVCounts[300 + ch] = samples
        let mut ev = vec![0u64; 512];
        let mut ev_seen = vec![false; 512];
        for (c, slot) in self.header.event_channels.iter().zip(&self.event_slots) {
            let ch = c
                .annotations
                .get("channel")
                .and_then(Value::as_i64)
                .and_then(|c| usize::try_from(c).ok());
            if let (Some(ch), Some(slot)) = (ch, slot)
                && ch < 300
                && !std::mem::replace(&mut ev_seen[ch], true)
            {
                ev[ch] += self.index.events[*slot].timestamps.len() as u64;
            }
        }
        for c in &self.header.signal_channels {
            if let Some(i) =
                c.id.parse::<usize>()
                    .ok()
                    .and_then(|ch| ch.checked_add(300))
                    .filter(|&i| i < 512)
            {
                ev[i] += c
                    .annotations
                    .get("samples")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
            }
        }
        for (i, &found) in ev.iter().enumerate() {
            report(
                "EVCounts",
                i,
                None,
                g.ev_counts.get(i).copied().unwrap_or(0),
                found,
            );
        }
        (n, listed)
    }

    /// Releases mapped pages once enough have been touched, to keep memory flat.
    fn account(&self, span: u64) {
        if span == 0 {
            return;
        }
        let t = self.touched.fetch_add(span, Ordering::Relaxed) + span;
        if t >= RELEASE_AFTER {
            self.touched.store(0, Ordering::Relaxed);
            self.file.release(0, self.file.len());
        }
    }

    /// Copies `n` samples of slow slot `slot` from sample `from` into column `col` of `out`
    /// (row-major with `stride` columns). Returns the byte span touched.
    fn copy_samples(
        &self,
        slot: usize,
        from: u64,
        n: usize,
        out: &mut [i16],
        stride: usize,
        col: usize,
    ) -> Result<Span> {
        let si = &self.index.slows[slot];
        let mut span = Span::default();
        if n == 0 {
            return Ok(span);
        }
        let mut block = si.starts.partition_point(|&s| s <= from).saturating_sub(1);
        let mut pos = from;
        let mut row = 0usize;
        let mut behind = ReleaseBehind::new(&self.file);
        while row < n {
            let (Some(&start), Some(&off)) = (si.starts.get(block), si.offsets.get(block)) else {
                return Err(Error::invalid(format!(
                    "sample {pos} is past the end of the channel"
                )));
            };
            let blen = si.block_len(block);
            let k = pos - start;
            let take = (blen - k).min((n - row) as u64);
            let bytes = self.file.range(FMT, off + 2 * k, 2 * take)?;
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
}

/// Releases the mapped pages behind a read that walks forward through the file, every
/// [`RELEASE_AFTER`] bytes, so one long read (all the waveforms of a unit, a long signal chunk)
/// keeps at most that much of the file resident.
struct ReleaseBehind<'f> {
    file: &'f rawio_core::MappedFile,
    from: Option<u64>,
}

impl<'f> ReleaseBehind<'f> {
    fn new(file: &'f rawio_core::MappedFile) -> Self {
        ReleaseBehind { file, from: None }
    }

    /// The read is now at byte `off`.
    fn at(&mut self, off: u64) {
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
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u64,
    end: u64,
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
    fn add(&mut self, start: u64, end: u64) {
        if start < end {
            self.start = self.start.min(start);
            self.end = self.end.max(end);
        }
    }

    fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}

/// The gap-free runs of a slow channel: (start tick, end tick, sample range).
fn channel_runs(si: &SlowIndex, adf: i64) -> Vec<(u64, u64, Range<u64>)> {
    let Some(first) = si.first_timestamp else {
        return Vec::new();
    };
    let mut runs = Vec::with_capacity(si.gaps.len() + 1);
    let (mut start_tick, mut start_sample) = (first, 0u64);
    for g in &si.gaps {
        runs.push((
            start_tick,
            g.expected.max(start_tick),
            start_sample..g.sample,
        ));
        start_tick = g.timestamp;
        start_sample = g.sample;
    }
    let end = si.end_timestamp(adf).unwrap_or(start_tick).max(start_tick);
    runs.push((start_tick, end, start_sample..si.total));
    runs
}

fn slow_annotations(h: &SlowHeader, si: &SlowIndex, g: &GlobalHeader) -> Annotations {
    let mut a = Annotations::new();
    a.insert("channel".into(), json!(h.channel));
    a.insert("samples".into(), json!(si.total));
    a.insert("blocks".into(), json!(si.offsets.len()));
    a.insert("slow_gain".into(), json!(h.gain));
    a.insert("preamp_gain".into(), json!(h.preamp_gain));
    a.insert("enabled".into(), json!(h.enabled));
    if g.version >= 103 {
        let neo = g.slow_gain_neo(h.gain, h.preamp_gain);
        if neo.is_finite() {
            a.insert("gain_neo".into(), json!(neo));
        }
    }
    if g.version >= 104 {
        a.insert("spike_channel".into(), json!(h.spike_channel));
    }
    if g.version >= 105 {
        a.insert("comment".into(), json!(h.comment));
    }
    if g.version >= 106 {
        a.insert("src_id".into(), json!(h.src_id));
        a.insert("chan_id".into(), json!(h.chan_id));
    }
    if let Some(t) = si.first_timestamp {
        a.insert("first_timestamp".into(), json!(t));
    }
    let adf = i64::from(g.ad_frequency);
    a.insert("gap_count".into(), json!(si.gaps.len()));
    let gaps: Vec<Value> = si
        .gaps
        .iter()
        .take(MAX_LISTED)
        .map(|gap| {
            let ticks = i128::from(gap.timestamp) - i128::from(gap.expected);
            json!({
                "sample": gap.sample,
                "t_s": seconds(gap.timestamp, adf),
                "expected_t_s": seconds(gap.expected, adf),
                "ticks": i64::try_from(ticks).unwrap_or(i64::MAX),
                "duration_s": if adf > 0 { ticks as f64 / adf as f64 } else { 0.0 },
            })
        })
        .collect();
    a.insert("gaps".into(), Value::Array(gaps));
    a
}

impl RawIO for PlexonReader {
    fn format_id(&self) -> &'static str {
        FMT
    }

    fn source_name(&self) -> String {
        self.file.path().display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, seg: usize, stream: usize) -> Result<u64> {
        let seg = self.seg(seg)?;
        let slot = self.stream_slot(stream, 0)?;
        Ok(seg.slow.get(slot).map_or(0, |r| r.end - r.start))
    }

    fn read_signal_t_start(&self, _block: usize, seg: usize, stream: usize) -> Result<f64> {
        self.seg(seg)?
            .stream_t_start
            .get(stream)
            .copied()
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let seg = self.seg(seg)?;
        let sel = channels.to_vec();
        let rows = usize::try_from(samples.end - samples.start)
            .map_err(|_| Error::invalid("chunk too large"))?;
        let cols = sel.len();
        let total = rows
            .checked_mul(cols)
            .filter(|&t| t <= isize::MAX as usize / 2)
            .ok_or_else(|| Error::invalid("chunk too large"))?;
        let mut out = vec![0i16; total];
        let mut span = Span::default();
        for (col, &local) in sel.iter().enumerate() {
            let slot = self.stream_slot(stream, local)?;
            let base = seg.slow.get(slot).map_or(0, |r| r.start);
            let s = self.copy_samples(slot, base + samples.start, rows, &mut out, cols, col)?;
            span.add(s.start, s.end);
        }
        self.account(span.len());
        let arr =
            Array2::from_shape_vec((rows, cols), out).map_err(|e| Error::invalid(e.to_string()))?;
        Ok(RawChunk::new(arr))
    }

    fn read_spike_count(&self, _block: usize, seg: usize, unit: usize) -> Result<u64> {
        Ok(self
            .seg(seg)?
            .spikes
            .get(unit)
            .map_or(0, |r| r.len() as u64))
    }

    fn spike_time_base(&self) -> TimeBase {
        self.time_base
    }

    fn read_spike_timestamps(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let (u, range) = self.unit(seg, unit)?;
        let ts = u.timestamps.get(range).unwrap_or(&[]);
        Ok(RawTimestamps::new(CowArray::from(ArrayView1::from(ts))))
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let (u, range) = self.unit(seg, unit)?;
        let &(slot, _) = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        let ch = &self.index.spikes[slot];
        if let Some(off) = ch.wf_shape_mismatch {
            return Err(corrupt(
                self.file.path(),
                off,
                "waveform shapes (NumberOfWaveforms x NumberOfWordsInWaveform) differ between the blocks of this channel",
            ));
        }
        let (nwf, nw) = ch.wf_shape.unwrap_or((0, 0));
        let (nwf, nw) = (usize::from(nwf), usize::from(nw));
        let per = nwf * nw;
        let start = range.start.saturating_add(spikes.start).min(range.end);
        let end = range.start.saturating_add(spikes.end).min(range.end);
        let offsets = u.offsets.get(start..end).unwrap_or(&[]);
        let n = offsets.len();
        let total = n
            .checked_mul(per)
            .ok_or_else(|| Error::invalid("too many waveforms"))?;
        let mut out = Vec::with_capacity(total.min(self.file.bytes().len() / 2));
        let mut span = Span::default();
        let mut behind = ReleaseBehind::new(&self.file);
        for &off in offsets {
            let b = self.file.range(FMT, off, 2 * per as u64)?;
            span.add(off, off + 2 * per as u64);
            behind.at(off);
            out.extend(b.chunks_exact(2).map(|w| i16::from_le_bytes([w[0], w[1]])));
        }
        self.account(span.len());
        let arr =
            Array3::from_shape_vec((n, nwf, nw), out).map_err(|e| Error::invalid(e.to_string()))?;
        Ok(Some(RawWaveforms::new(arr)))
    }

    fn read_event_count(&self, _block: usize, seg: usize, ev: usize) -> Result<u64> {
        Ok(self.seg(seg)?.events.get(ev).map_or(0, |r| r.len() as u64))
    }

    fn event_time_base(&self, _ev: usize) -> TimeBase {
        self.time_base
    }

    fn read_events(&self, _block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let range = self.seg(seg)?.events.get(ev).cloned().unwrap_or(0..0);
        let idx = self
            .event_slots
            .get(ev)
            .copied()
            .flatten()
            .and_then(|s| self.index.events.get(s));
        let (ts, labels): (&[u64], &[u16]) = match idx {
            Some(e) => (
                e.timestamps.get(range.clone()).unwrap_or(&[]),
                e.labels.get(range).unwrap_or(&[]),
            ),
            None => (&[], &[]),
        };
        Ok(Events {
            timestamps: RawTimestamps::new(CowArray::from(ArrayView1::from(ts))),
            durations: None,
            labels: labels.iter().map(|l| l.to_string()).collect(),
        })
    }
}

impl PlexonReader {
    fn seg(&self, seg: usize) -> Result<&SegInfo> {
        self.segments
            .get(seg)
            .ok_or_else(|| Error::out_of_range("segment", seg, self.segments.len()))
    }

    fn stream_slot(&self, stream: usize, local: usize) -> Result<usize> {
        self.streams
            .get(stream)
            .and_then(|s| s.slots.get(local).copied())
            .ok_or_else(|| Error::out_of_range("channel index", local, 0))
    }

    fn unit(&self, seg: usize, unit: usize) -> Result<(&crate::index::UnitIndex, Range<usize>)> {
        let range = self
            .seg(seg)?
            .spikes
            .get(unit)
            .cloned()
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        let &(slot, u) = self
            .units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        let u = self
            .index
            .spikes
            .get(slot)
            .and_then(|c| c.units.get(u))
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))?;
        Ok((u, range))
    }

    /// The path the reader was opened on.
    pub fn path(&self) -> PathBuf {
        self.file.path().to_path_buf()
    }
}
