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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChannelSelection, RawIOExt, TimeWindow};

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
