//! An in-memory reader for documentation examples and for testing tools built on [`RawIO`]
//! (the conformance kit uses it as its known-good reference).

use crate::Dtype;
use crate::clock::SampleClock;
use crate::dtype::{RawChunk, RawTimestamps, RawWaveforms};
use crate::error::Result;
use crate::header::*;
use crate::rawio::{Events, RawIO};
use crate::selection::ChannelIndexes;
use crate::time::TimeBase;
use ndarray::{Array1, Array2, Array3, CowArray};
use std::ops::Range;
use std::path::PathBuf;

/// A small, correct, fully in-memory reader: one block, one segment, one int16 stream of 3
/// channels at 1 kHz (3000 samples), two units with waveforms, one event and one epoch channel.
#[derive(Debug, Clone)]
pub struct TinyReader {
    header: Header,
    /// Signal data, samples × channels.
    pub signal: Array2<i16>,
    /// Spike ticks (at 1 kHz) per unit, sorted.
    pub spikes: Vec<Vec<u64>>,
    /// Waveforms per unit, spikes × 1 × 4.
    pub waveforms: Vec<Array3<i16>>,
}

impl Default for TinyReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TinyReader {
    /// The reader with its fixed content.
    pub fn new() -> Self {
        let n = 3000usize;
        let signal = Array2::from_shape_fn((n, 3), |(i, c)| {
            (((i * 7 + c * 13) % 200) as i16) - 100 + (c as i16) * 1000
        });
        let spikes = vec![
            (0..40).map(|i| 10 + i * 70).collect::<Vec<u64>>(),
            vec![5, 6, 1500, 2999],
        ];
        let waveforms = spikes
            .iter()
            .map(|s| Array3::from_shape_fn((s.len(), 1, 4), |(i, _, k)| (i * 4 + k) as i16))
            .collect();
        let chan = |i: usize| SignalChannel {
            name: format!("ch{i}"),
            id: format!("{}", i + 1),
            sampling_rate: 1000.0,
            dtype: Dtype::Int16,
            units: "uV".into(),
            gain: 0.195,
            offset: if i == 2 { -5.0 } else { 0.0 },
            stream_id: "0".into(),
            buffer_id: String::new(),
            annotations: Annotations::new(),
        };
        let unit = |i: usize| SpikeChannel {
            name: format!("unit{i}"),
            id: format!("{i}"),
            wf_units: "uV".into(),
            wf_gain: 0.5,
            wf_offset: 0.0,
            wf_left_sweep: 1,
            wf_sampling_rate: 1000.0,
            annotations: Annotations::new(),
        };
        let header = Header {
            blocks: vec![Block {
                segments: vec![Segment {
                    t_start: 0.0,
                    t_stop: 3.0,
                    annotations: Annotations::new(),
                }],
                annotations: Annotations::new(),
            }],
            signal_buffers: vec![],
            signal_streams: vec![SignalStream {
                name: "signals".into(),
                id: "0".into(),
                buffer_id: String::new(),
                clock: SampleClock::Regular,
                annotations: Annotations::new(),
            }],
            signal_channels: (0..3).map(chan).collect(),
            spike_channels: (0..2).map(unit).collect(),
            event_channels: vec![
                EventChannel {
                    name: "triggers".into(),
                    id: "ev0".into(),
                    kind: EventKind::Event,
                    annotations: Annotations::new(),
                },
                EventChannel {
                    name: "trials".into(),
                    id: "ep0".into(),
                    kind: EventKind::Epoch,
                    annotations: Annotations::new(),
                },
            ],
        };
        TinyReader {
            header,
            signal,
            spikes,
            waveforms,
        }
    }

    /// Mutable access to the header (to build variants in tests).
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.header
    }
}

impl RawIO for TinyReader {
    fn format_id(&self) -> &'static str {
        "tiny"
    }
    fn source_name(&self) -> String {
        "<memory>".into()
    }
    fn header(&self) -> &Header {
        &self.header
    }
    fn read_signal_size(&self, _: usize, _: usize, _: usize) -> Result<u64> {
        Ok(self.signal.nrows() as u64)
    }
    fn read_signal_t_start(&self, _: usize, _: usize, _: usize) -> Result<f64> {
        Ok(0.0)
    }
    fn read_signal_chunk(
        &self,
        _: usize,
        _: usize,
        _: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let rows = self.signal.slice(ndarray::s![
            samples.start as usize..samples.end as usize,
            ..
        ]);
        Ok(RawChunk::new(channels.select_columns(rows)))
    }
    fn read_spike_count(&self, _: usize, _: usize, unit: usize) -> Result<u64> {
        Ok(self.spikes[unit].len() as u64)
    }
    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(1000.0)
    }
    fn read_spike_timestamps(&self, _: usize, _: usize, unit: usize) -> Result<RawTimestamps<'_>> {
        Ok(RawTimestamps::new(CowArray::from(
            ndarray::ArrayView1::from(&self.spikes[unit][..]),
        )))
    }
    fn read_spike_waveforms(
        &self,
        _: usize,
        _: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let w = self.waveforms[unit].slice(ndarray::s![spikes, .., ..]);
        Ok(Some(RawWaveforms::new(w)))
    }
    fn read_event_count(&self, _: usize, _: usize, ev: usize) -> Result<u64> {
        Ok(if ev == 0 { 3 } else { 2 })
    }
    fn event_time_base(&self, ev: usize) -> TimeBase {
        if ev == 0 {
            TimeBase::MILLISECONDS
        } else {
            TimeBase::SECONDS
        }
    }
    fn read_events(&self, _: usize, _: usize, ev: usize) -> Result<Events<'_>> {
        Ok(if ev == 0 {
            Events {
                timestamps: RawTimestamps::new(Array1::from(vec![100.0f64, 1100.0, 2500.5])),
                durations: None,
                labels: vec!["a".into(), "b".into(), "a".into()],
            }
        } else {
            Events {
                timestamps: RawTimestamps::new(Array1::from(vec![0.5f64, 2.0])),
                durations: Some(RawTimestamps::new(Array1::from(vec![1.0f64, 0.75]))),
                labels: vec!["go".into(), "stop".into()],
            }
        })
    }
}

/// A small, correct, in-memory reader with **2 blocks × 2 segments**: every segment has its own
/// length and `t_start` (block `b`, segment `s` covers `[100·b + 10·s, 100·b + 10·s + 5 + s]`
/// seconds), a regular int16 stream (2 channels, 1 kHz), an explicit-clock float32 stream (1
/// channel, irregular times, nominal 100 Hz), a unit and an event channel whose times lie in
/// the segment. Its data differ per segment, so a reader that ignores the block or segment
/// argument is caught by the conformance kit's segment-bounds check.
#[derive(Debug, Clone)]
pub struct MultiBlockReader {
    header: Header,
}

impl Default for MultiBlockReader {
    fn default() -> Self {
        Self::new()
    }
}

impl MultiBlockReader {
    /// Regular-stream samples of segment `(b, s)`.
    pub fn regular_len(b: usize, s: usize) -> u64 {
        3000 + 700 * b as u64 + 1100 * s as u64
    }

    /// Explicit-stream samples of segment `(b, s)`.
    pub fn explicit_len(b: usize, s: usize) -> u64 {
        50 + 7 * b as u64 + 11 * s as u64
    }

    /// Start of segment `(b, s)` in seconds.
    pub fn t_start(b: usize, s: usize) -> f64 {
        100.0 * b as f64 + 10.0 * s as f64
    }

    /// The stored time of explicit sample `i` of segment `(b, s)`: irregular, increasing.
    pub fn explicit_time(b: usize, s: usize, i: u64) -> f64 {
        let jitter = ((i * 7919) % 13) as f64 * 1e-4;
        Self::t_start(b, s) + 0.25 + i as f64 * 0.01 + jitter
    }

    /// Spike ticks (1 kHz, absolute) of the unit in segment `(b, s)`.
    pub fn spikes(b: usize, s: usize) -> Vec<u64> {
        let t0 = (Self::t_start(b, s) * 1000.0) as u64;
        (0..(5 + 3 * b + s) as u64)
            .map(|k| t0 + 200 + k * 333)
            .collect()
    }

    /// The reader.
    pub fn new() -> Self {
        let seg = |b: usize, s: usize| Segment {
            t_start: Self::t_start(b, s),
            t_stop: Self::t_start(b, s) + 5.0 + s as f64,
            annotations: Annotations::new(),
        };
        let chan = |i: usize, stream: &str, rate: f64, dtype: Dtype| SignalChannel {
            name: format!("{stream}{i}"),
            id: format!("{i}"),
            sampling_rate: rate,
            dtype,
            units: "uV".into(),
            gain: 0.5,
            offset: 0.0,
            stream_id: stream.into(),
            buffer_id: String::new(),
            annotations: Annotations::new(),
        };
        let stream = |id: &str, clock: SampleClock| SignalStream {
            name: id.into(),
            id: id.into(),
            buffer_id: String::new(),
            clock,
            annotations: Annotations::new(),
        };
        let header = Header {
            blocks: (0..2)
                .map(|b| Block {
                    segments: (0..2).map(|s| seg(b, s)).collect(),
                    annotations: Annotations::new(),
                })
                .collect(),
            signal_buffers: vec![],
            signal_streams: vec![
                stream("regular", SampleClock::Regular),
                stream(
                    "irregular",
                    SampleClock::Explicit {
                        rate_source: crate::clock::RateSource::Stated,
                    },
                ),
            ],
            signal_channels: vec![
                chan(0, "regular", 1000.0, Dtype::Int16),
                chan(1, "regular", 1000.0, Dtype::Int16),
                chan(0, "irregular", 100.0, Dtype::Float32),
            ],
            spike_channels: vec![SpikeChannel {
                name: "unit".into(),
                id: "u0".into(),
                wf_units: String::new(),
                wf_gain: 1.0,
                wf_offset: 0.0,
                wf_left_sweep: -1,
                wf_sampling_rate: 0.0,
                annotations: Annotations::new(),
            }],
            event_channels: vec![EventChannel {
                name: "marks".into(),
                id: "e0".into(),
                kind: EventKind::Event,
                annotations: Annotations::new(),
            }],
        };
        MultiBlockReader { header }
    }
}

impl RawIO for MultiBlockReader {
    fn format_id(&self) -> &'static str {
        "multiblock"
    }
    fn source_name(&self) -> String {
        "<memory: 2 blocks x 2 segments>".into()
    }
    fn header(&self) -> &Header {
        &self.header
    }
    fn read_signal_size(&self, b: usize, s: usize, stream: usize) -> Result<u64> {
        Ok(if stream == 0 {
            Self::regular_len(b, s)
        } else {
            Self::explicit_len(b, s)
        })
    }
    fn read_signal_t_start(&self, b: usize, s: usize, stream: usize) -> Result<f64> {
        Ok(if stream == 0 {
            Self::t_start(b, s) + 0.5
        } else {
            Self::explicit_time(b, s, 0)
        })
    }
    fn read_signal_chunk(
        &self,
        b: usize,
        s: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let rows = (samples.end - samples.start) as usize;
        let base = (1000 * b + 100 * s) as i64;
        if stream == 0 {
            let a = Array2::from_shape_fn((rows, 2), |(i, c)| {
                ((base + (samples.start as i64 + i as i64) * (c as i64 + 1)) % 30_000) as i16
            });
            return Ok(RawChunk::new(
                channels.select_columns(a.view()).into_owned(),
            ));
        }
        let a = Array2::from_shape_fn((rows, 1), |(i, _)| {
            base as f32 + (samples.start + i as u64) as f32 * 0.5
        });
        Ok(RawChunk::new(
            channels.select_columns(a.view()).into_owned(),
        ))
    }
    fn read_signal_times(
        &self,
        b: usize,
        s: usize,
        _stream: usize,
        samples: Range<u64>,
    ) -> Result<crate::rawio::SampleTimes<'_>> {
        Ok(CowArray::from(Array1::from_iter(
            samples.map(|i| Self::explicit_time(b, s, i)),
        )))
    }
    fn read_spike_count(&self, b: usize, s: usize, _unit: usize) -> Result<u64> {
        Ok(Self::spikes(b, s).len() as u64)
    }
    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(1000.0)
    }
    fn read_spike_timestamps(&self, b: usize, s: usize, _unit: usize) -> Result<RawTimestamps<'_>> {
        Ok(RawTimestamps::new(Array1::from(Self::spikes(b, s))))
    }
    fn read_event_count(&self, _b: usize, s: usize, _ev: usize) -> Result<u64> {
        Ok(2 + s as u64)
    }
    fn event_time_base(&self, _ev: usize) -> TimeBase {
        TimeBase::SECONDS
    }
    fn read_events(&self, b: usize, s: usize, _ev: usize) -> Result<Events<'_>> {
        let t: Vec<f64> = (0..2 + s)
            .map(|k| Self::t_start(b, s) + 1.0 + k as f64)
            .collect();
        Ok(Events {
            labels: (0..t.len()).map(|k| format!("b{b}s{s}e{k}")).collect(),
            timestamps: RawTimestamps::new(Array1::from(t)),
            durations: None,
        })
    }
}

/// A count or size that a fixture file declares (a header field, a dataspace dimension, an
/// array shape). Random byte flips rarely hit one, so robustness mode also sets each to the
/// extreme values of the conformance kit's `DECLARED_VALUES`: a reader must check every declared count against the
/// bytes present before it allocates, loops or reads by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredSize {
    /// The file, relative to the fixture root (the directory given, or the given file's
    /// directory).
    pub file: PathBuf,
    /// Byte offset of the field in that file.
    pub offset: u64,
    /// How the field is stored.
    pub encoding: SizeEncoding,
    /// What the field is, for reports (`"PLX header: number of DSP channels"`).
    pub what: String,
}

/// How a [`DeclaredSize`] is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeEncoding {
    /// A little-endian integer of `width` bytes (1, 2, 4 or 8).
    Le {
        /// Bytes.
        width: u8,
    },
    /// A big-endian integer of `width` bytes.
    Be {
        /// Bytes.
        width: u8,
    },
    /// ASCII decimal digits spanning `len` bytes (in XML, JSON, a text header, an npy shape).
    /// The replacement text may be longer or shorter; the rest of the file shifts.
    Decimal {
        /// Bytes of the original digits.
        len: u64,
    },
}

impl DeclaredSize {
    /// A little-endian field.
    pub fn le(file: impl Into<PathBuf>, offset: u64, width: u8, what: impl Into<String>) -> Self {
        DeclaredSize {
            file: file.into(),
            offset,
            encoding: SizeEncoding::Le { width },
            what: what.into(),
        }
    }

    /// A big-endian field.
    pub fn be(file: impl Into<PathBuf>, offset: u64, width: u8, what: impl Into<String>) -> Self {
        DeclaredSize {
            file: file.into(),
            offset,
            encoding: SizeEncoding::Be { width },
            what: what.into(),
        }
    }

    /// Decimal digits at `offset` spanning `len` bytes.
    pub fn decimal(
        file: impl Into<PathBuf>,
        offset: u64,
        len: u64,
        what: impl Into<String>,
    ) -> Self {
        DeclaredSize {
            file: file.into(),
            offset,
            encoding: SizeEncoding::Decimal { len },
            what: what.into(),
        }
    }

    /// Every run of decimal digits that follows an occurrence of `marker` in `bytes` (spaces
    /// skipped): `<nChannels>`, `n_channels_dat =`, a header key... One [`DeclaredSize`] each.
    pub fn decimals_after(
        file: impl Into<PathBuf>,
        bytes: &[u8],
        marker: &str,
        what: &str,
    ) -> Vec<DeclaredSize> {
        let file = file.into();
        let m = marker.as_bytes();
        let mut out = Vec::new();
        if m.is_empty() {
            return out;
        }
        let mut i = 0;
        while let Some(p) = bytes
            .get(i..)
            .and_then(|rest| rest.windows(m.len()).position(|w| w == m))
        {
            let mut start = i + p + m.len();
            while bytes.get(start).is_some_and(|&b| b == b' ') {
                start += 1;
            }
            let len = bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if len > 0 {
                out.push(DeclaredSize::decimal(
                    file.clone(),
                    start as u64,
                    len as u64,
                    what,
                ));
            }
            i = start.max(i + p + 1);
        }
        out
    }

    /// The shape dimensions of an `.npy` file's header (`'shape': (3, 4)`), one per dimension.
    pub fn npy_shape(file: impl Into<PathBuf>, bytes: &[u8]) -> Vec<DeclaredSize> {
        let file = file.into();
        let head = &bytes[..bytes.len().min(4096)];
        let Some(p) = head.windows(10).position(|w| w == b"'shape': (") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut i = p + 10;
        let mut dim = 0;
        while let Some(&b) = head.get(i) {
            if b == b')' {
                break;
            }
            if b.is_ascii_digit() {
                let len = head[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                out.push(DeclaredSize::decimal(
                    file.clone(),
                    i as u64,
                    len as u64,
                    format!("npy shape dimension {dim}"),
                ));
                dim += 1;
                i += len;
            } else {
                i += 1;
            }
        }
        out
    }

    /// `bytes` with this field set to `value`, or `None` when the field lies outside them.
    pub fn apply(&self, bytes: &[u8], value: i128) -> Option<Vec<u8>> {
        let start = usize::try_from(self.offset).ok()?;
        match self.encoding {
            SizeEncoding::Le { width } | SizeEncoding::Be { width } => {
                let w = usize::from(width.clamp(1, 8));
                let end = start.checked_add(w)?;
                if end > bytes.len() {
                    return None;
                }
                let max = if w == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * w)) - 1
                };
                let v: u64 = if value < 0 {
                    max
                } else {
                    u64::try_from(value).unwrap_or(u64::MAX).min(max)
                };
                let le = v.to_le_bytes();
                let mut out = bytes.to_vec();
                let field = &mut out[start..end];
                field.copy_from_slice(&le[..w]);
                if matches!(self.encoding, SizeEncoding::Be { .. }) {
                    field.reverse();
                }
                Some(out)
            }
            SizeEncoding::Decimal { len } => {
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                if end > bytes.len() {
                    return None;
                }
                let mut out = Vec::with_capacity(bytes.len() + 24);
                out.extend_from_slice(&bytes[..start]);
                out.extend_from_slice(value.to_string().as_bytes());
                out.extend_from_slice(&bytes[end..]);
                Some(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChannelSelection, Clock, RawIOExt, TimeWindow};

    #[test]
    fn multi_block_clocks_and_lookup() {
        let r = MultiBlockReader::new();
        r.header().validate().unwrap();
        assert_eq!(r.block_count(), 2);
        assert_eq!(r.signal_size(1, 1, 0).unwrap(), 4800);
        // regular clock: t_start + i / rate
        let t = r.signal_times(1, 0, 0, 10..12).unwrap();
        assert_eq!(t.to_vec(), vec![100.5 + 0.01, 100.5 + 11.0 / 1000.0]);
        assert_eq!(r.sample_index(1, 0, 0, t[1], Clock::Default).unwrap(), 11);
        assert_eq!(r.sample_index(1, 0, 0, 0.0, Clock::Default).unwrap(), 0);
        assert_eq!(r.sample_index(1, 0, 0, 1e9, Clock::Default).unwrap(), 3700);
        // explicit clock: the stored times
        let n = r.signal_size(0, 1, 1).unwrap();
        let all = r.signal_times(0, 1, 1, 0..n).unwrap();
        assert_eq!(all.len() as u64, n);
        assert_eq!(all[3], MultiBlockReader::explicit_time(0, 1, 3));
        assert_eq!(r.signal_t_start(0, 1, 1).unwrap(), all[0]);
        for i in [0, 1, 17, n - 1] {
            let ti = all[i as usize];
            assert_eq!(r.sample_index(0, 1, 1, ti, Clock::Explicit).unwrap(), i);
            assert_eq!(
                r.sample_index(0, 1, 1, ti + 1e-9, Clock::Default).unwrap(),
                i + 1
            );
        }
        // the nominal grid on request, and no explicit times on a regular stream
        let nominal = r.signal_times_on(0, 1, 1, 0..2, Clock::Regular).unwrap();
        assert_eq!(nominal[1], all[0] + 0.01);
        assert!(r.signal_times_on(0, 0, 0, 0..2, Clock::Explicit).is_err());
        assert!(r.signal_times(0, 0, 1, 0..n + 1).is_err());
        // chunks
        let sizes: Vec<u64> = r
            .signal_chunks(1, 1, 0, 1000, ChannelSelection::All)
            .unwrap()
            .map(|c| c.unwrap().0.end)
            .collect();
        assert_eq!(sizes, vec![1000, 2000, 3000, 4000, 4800]);
    }

    #[test]
    fn provided_methods_validate_and_slice() {
        let r = TinyReader::new();
        r.header().validate().unwrap();
        let c = r
            .analogsignal_chunk(0, 0, 0, Some(10), Some(20), &ChannelSelection::Range(1..3))
            .unwrap();
        assert!(c.is_view());
        assert_eq!(c.shape(), [10, 2]);
        assert!(
            r.analogsignal_chunk(0, 0, 0, None, Some(3001), &ChannelSelection::All)
                .is_err()
        );
        assert!(
            r.analogsignal_chunk(0, 0, 0, Some(5), Some(4), &ChannelSelection::All)
                .is_err()
        );
        assert!(
            r.analogsignal_chunk(0, 1, 0, None, None, &ChannelSelection::All)
                .is_err()
        );
        assert!(
            r.analogsignal_chunk(0, 0, 1, None, None, &ChannelSelection::All)
                .is_err()
        );
        assert_eq!(
            r.analogsignal_chunk(0, 0, 0, Some(0), Some(0), &ChannelSelection::All)
                .unwrap()
                .len(),
            0
        );
        let ts = r
            .spike_timestamps(0, 0, 1, TimeWindow::between(0.005, 1.5))
            .unwrap();
        assert_eq!(ts.as_typed::<u64>().unwrap().to_vec(), vec![5, 6, 1500]);
        let wf = r
            .spike_raw_waveforms(0, 0, 1, TimeWindow::between(0.005, 1.5))
            .unwrap()
            .unwrap();
        assert_eq!(wf.shape(), [3, 1, 4]);
        assert!(r.spike_timestamps(0, 0, 2, TimeWindow::ALL).is_err());
        let ev = r
            .event_timestamps(0, 0, 0, TimeWindow::between(1.0, 3.0))
            .unwrap();
        assert_eq!(ev.labels, vec!["b", "a"]);
        assert_eq!(
            r.rescale_event_timestamps(&ev.timestamps, 0).to_vec(),
            vec![1.1, 2.5005]
        );
        let ep = r.event_timestamps(0, 0, 1, TimeWindow::ALL).unwrap();
        assert_eq!(
            r.rescale_epoch_durations(ep.durations.as_ref().unwrap(), 1)
                .to_vec(),
            vec![1.0, 0.75]
        );
        let raw = r
            .analogsignal_chunk(0, 0, 0, Some(0), Some(2), &ChannelSelection::All)
            .unwrap();
        let f = r
            .rescale_signal_f64(&raw, 0, &ChannelSelection::All)
            .unwrap();
        assert_eq!(f[[0, 2]], 1926.0 * 0.195 - 5.0);
    }
}
