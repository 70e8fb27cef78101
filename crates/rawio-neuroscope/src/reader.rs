//! [`NeuroscopeReader`]: the [`RawIO`] implementation over a Neurosuite session, and the
//! open pipeline that builds it:
//!
//! 1. *discover* ([`SessionPaths::resolve`], [`SessionFiles::find`]): the xml, the signal,
//!    spike-group and event files;
//! 2. *parse* ([`read_session_xml`] → [`header::parse_session_xml`]): the session xml;
//! 3. *index* ([`open_signals`], [`index_groups`], [`read_events`]): map the signal files,
//!    parse spike times, cluster ids and events, split spikes into units;
//! 4. *header* ([`signal_headers`], [`spike_channels`], [`event_channels`]): streams,
//!    channels, units and event channels from those typed values;
//! 5. *segments* ([`segment`], [`block_annotations`]): the one block and segment.

use crate::FORMAT_ID;
use crate::events::{EventData, event_channels, read_events};
use crate::header::{self, SessionXml};
use crate::session::{SessionFiles, SessionPaths};
use crate::signals::{SignalFile, open_signals, signal_headers};
use crate::spikes::{ClusterUnit, GroupIndex, index_groups, spike_channels};
use rawio_core::ndarray::{ArrayView1, CowArray};
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Block, ChannelIndexes, Error, Events, Header, RawChunk, RawIO, RawTimestamps,
    RawWaveforms, Result, Segment, TimeBase,
};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The Neurosuite default LFP rate, used when the xml has no `lfpSamplingRate`.
pub const DEFAULT_LFP_SAMPLING_RATE: f64 = 1250.0;

/// Which signal files of a session become signal streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignalFiles {
    /// One stream, as neo: the explicit binary file if any, else the first of `base.dat`,
    /// `base.lfp`, `base.eeg` that exists (none: the session has no signal stream).
    #[default]
    Auto,
    /// The wideband `base.dat` as stream `"0"` ("Signals") and the downsampled `base.lfp` (or
    /// `base.eeg`) as stream `"1"` ("LFP"), each when it exists.
    Both,
}

/// Options of [`NeuroscopeReader::open_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The signal file to read instead of searching `base.dat`/`.lfp`/`.eeg` (neo's
    /// `binary_file`). It must exist. A `.lfp`/`.eeg` name is read at `lfpSamplingRate`,
    /// anything else at `samplingRate`.
    pub binary_file: Option<PathBuf>,
    /// Which signal files become streams.
    pub signals: SignalFiles,
}

/// A reader of a Neuroscope / Klusters (Neurosuite) session: `base.xml` plus its signal
/// (`.dat`, `.lfp`, `.eeg`), spike (`.res.N`, `.clu.N`, `.spk.N`) and event (`.evt`) files.
///
/// See the crate documentation for the mapping onto rawio's model.
#[derive(Debug)]
pub struct NeuroscopeReader {
    source: String,
    xml: SessionXml,
    header: Header,
    streams: Vec<SignalFile>,
    groups: Vec<GroupIndex>,
    /// (group, unit in the group) of each spike channel.
    units: Vec<(usize, usize)>,
    events: Vec<EventData>,
}

/// Step 2, *parse*: reads and parses the session xml.
fn read_session_xml(path: &Path) -> Result<SessionXml> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    header::parse_session_xml(&bytes)
        .map_err(|e| Error::corrupt(FORMAT_ID, path, e.offset, e.detail))
}

impl NeuroscopeReader {
    /// Opens a session from `base.xml`, the stem `base`, or a signal file `base.dat`,
    /// `base.lfp`, `base.eeg` (which is then the signal file), with default [`Options`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, &Options::default())
    }

    /// Opens a session with explicit [`Options`].
    pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Self> {
        let path = path.as_ref();
        // discover and parse
        let paths = SessionPaths::resolve(path, options)?;
        let xml = read_session_xml(&paths.xml)?;
        let files = SessionFiles::find(&paths, options)?;
        // index
        let mut warnings = Vec::new();
        let single = options.signals == SignalFiles::Auto;
        let streams = open_signals(&xml, &paths, &files.signals, single, &mut warnings)?;
        let groups = index_groups(&xml, &files.groups, &mut warnings)?;
        let events = read_events(&files.events)?;
        // header and segments
        let (signal_buffers, signal_streams, signal_channels) = signal_headers(&xml, &streams);
        let header = Header {
            blocks: vec![Block {
                segments: vec![segment(&xml, &streams, &groups, &events, warnings)],
                annotations: block_annotations(&xml, &paths),
            }],
            signal_buffers,
            signal_streams,
            signal_channels,
            spike_channels: spike_channels(&xml, &groups),
            event_channels: event_channels(&events),
        };
        header.validate()?;
        let units = groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| (0..group.units.len()).map(move |u| (g, u)))
            .collect();
        Ok(NeuroscopeReader {
            source: path.display().to_string(),
            xml,
            header,
            streams,
            groups,
            units,
            events,
        })
    }

    /// The parsed session xml.
    pub fn session(&self) -> &SessionXml {
        &self.xml
    }

    /// Bytes after the last complete frame of the signal file of `stream` (a partial frame
    /// that is ignored), or `None` for an unknown stream.
    pub fn trailing_bytes(&self, stream: usize) -> Option<u64> {
        let s = self.streams.get(stream)?;
        Some(s.layout.trailing_bytes::<i16>(s.file.len()))
    }
}

/// Step 5, *segments*: the one segment, `t_start` 0 and `t_stop` the largest of the signal
/// durations, the last spike and the last event (one sample period when all are 0); the
/// session's warnings go in its annotations.
fn segment(
    xml: &SessionXml,
    streams: &[SignalFile],
    groups: &[GroupIndex],
    events: &[EventData],
    warnings: Vec<String>,
) -> Segment {
    let mut t_stop = 0.0f64;
    for s in streams {
        t_stop = t_stop.max(s.layout.n_frames as f64 / s.rate);
    }
    for u in groups.iter().flat_map(|g| &g.units) {
        if let Some(&last) = u.timestamps.last() {
            t_stop = t_stop.max(last as f64 / xml.sampling_rate);
        }
    }
    for e in events {
        for &t in &e.events.times_ms {
            t_stop = t_stop.max(t / 1000.0);
        }
    }
    let mut annotations = Annotations::new();
    if t_stop.is_nan() || t_stop <= 0.0 {
        t_stop = 1.0 / xml.sampling_rate;
        annotations.insert(
            "t_stop_fallback".into(),
            json!("no sample, spike or event after 0: t_stop is one sample period"),
        );
    }
    if !warnings.is_empty() {
        annotations.insert("warnings".into(), json!(warnings));
    }
    Segment {
        t_start: 0.0,
        t_stop,
        annotations,
    }
}

/// The block annotations: the xml file and its acquisition fields.
fn block_annotations(xml: &SessionXml, paths: &SessionPaths) -> Annotations {
    let mut a = Annotations::new();
    a.insert("xml_file".into(), json!(paths.xml.display().to_string()));
    a.insert("creator".into(), json!(xml.creator));
    a.insert("n_bits".into(), json!(xml.n_bits));
    a.insert("sampling_rate".into(), json!(xml.sampling_rate));
    a.insert(
        "lfp_sampling_rate".into(),
        xml.lfp_sampling_rate.map_or(Value::Null, |r| json!(r)),
    );
    a
}

impl RawIO for NeuroscopeReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.source.clone()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _block: usize, _seg: usize, stream: usize) -> Result<u64> {
        self.streams
            .get(stream)
            .map(|s| s.layout.n_frames)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))
    }

    fn read_signal_t_start(&self, _block: usize, _seg: usize, _stream: usize) -> Result<f64> {
        Ok(0.0)
    }

    fn read_signal_chunk(
        &self,
        _block: usize,
        _seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let s = self
            .streams
            .get(stream)
            .ok_or_else(|| Error::out_of_range("stream", stream, self.streams.len()))?;
        s.layout.read::<i16>(&s.file, FORMAT_ID, samples, channels)
    }

    fn read_buffer_description(
        &self,
        _block: usize,
        _seg: usize,
        stream: usize,
    ) -> Option<rawio_core::BufferDescription> {
        let s = self.streams.get(stream)?;
        Some(s.layout.describe(s.file.path(), rawio_core::Dtype::Int16))
    }

    fn release_signal(&self, _block: usize, _seg: usize, stream: usize, samples: Range<u64>) {
        if let Some(s) = self.streams.get(stream) {
            s.layout.release(&s.file, rawio_core::Dtype::Int16, samples);
        }
    }

    fn read_spike_count(&self, _block: usize, _seg: usize, unit: usize) -> Result<u64> {
        Ok(self.unit(unit)?.1.timestamps.len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(self.xml.sampling_rate)
    }

    fn read_spike_timestamps(
        &self,
        _block: usize,
        _seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let (_, u) = self.unit(unit)?;
        Ok(RawTimestamps::new(CowArray::from(ArrayView1::from(
            &u.timestamps[..],
        ))))
    }

    fn read_spike_waveforms(
        &self,
        _block: usize,
        _seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let (group, u) = self.unit(unit)?;
        let Some(spk) = &group.spk else {
            return Ok(None);
        };
        let Some(indexes) = u.spike_index.get(spikes.clone()) else {
            return Err(Error::out_of_range(
                "spike",
                spikes.end,
                u.spike_index.len(),
            ));
        };
        let out = spk.waveforms(indexes)?;
        Ok(Some(RawWaveforms::new(out)))
    }

    fn read_event_count(&self, _block: usize, _seg: usize, ev: usize) -> Result<u64> {
        Ok(self.event(ev)?.events.times_ms.len() as u64)
    }

    fn event_time_base(&self, _ev: usize) -> TimeBase {
        TimeBase::MILLISECONDS
    }

    fn read_events(&self, _block: usize, _seg: usize, ev: usize) -> Result<Events<'_>> {
        let e = &self.event(ev)?.events;
        Ok(Events {
            timestamps: RawTimestamps::new(CowArray::from(ArrayView1::from(&e.times_ms[..]))),
            durations: None,
            labels: e.labels.clone(),
        })
    }
}

impl NeuroscopeReader {
    /// The group and the unit of spike channel `unit`.
    fn unit(&self, unit: usize) -> Result<(&GroupIndex, &ClusterUnit)> {
        self.units
            .get(unit)
            .and_then(|&(g, u)| {
                let group = self.groups.get(g)?;
                Some((group, group.units.get(u)?))
            })
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))
    }

    fn event(&self, ev: usize) -> Result<&EventData> {
        self.events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, self.events.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::ClusterUnit;

    #[test]
    fn segment_t_stop_from_signals_spikes_and_events() {
        let mut xml = SessionXml {
            sampling_rate: 1000.0,
            ..SessionXml::default()
        };
        let groups = vec![GroupIndex {
            n: 1,
            res: PathBuf::from("s.res.1"),
            fet: None,
            n_clusters_declared: None,
            spk: None,
            units: vec![ClusterUnit {
                cluster: 2,
                timestamps: vec![10, 2500],
                spike_index: Vec::new(),
            }],
        }];
        let s = segment(&xml, &[], &groups, &[], vec!["w".into()]);
        assert_eq!((s.t_start, s.t_stop), (0.0, 2.5));
        assert_eq!(s.annotations["warnings"], json!(["w"]));
        let s = segment(&xml, &[], &[], &[], Vec::new());
        assert_eq!(s.t_stop, 0.001);
        assert!(s.annotations.contains_key("t_stop_fallback"));
        assert!(!s.annotations.contains_key("warnings"));
        xml.lfp_sampling_rate = Some(1250.0);
        let paths = SessionPaths {
            xml: PathBuf::from("d/s.xml"),
            dir: PathBuf::from("d"),
            stem: "s".into(),
            explicit_signal: None,
        };
        let a = block_annotations(&xml, &paths);
        assert_eq!(a["lfp_sampling_rate"], json!(1250.0));
        assert_eq!(a["xml_file"], json!("d/s.xml"));
    }
}
