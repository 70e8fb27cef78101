//! [`PhyReader`]: the [`RawIO`] implementation for KiloSort / Phy output folders, and the
//! open pipeline that builds it:
//!
//! 1. *discover* and *parse* ([`folder_of`], [`read_params`], [`SpikeFiles::open`],
//!    [`read_tables`]): the folder, `params.py`, the spike arrays and the cluster tables;
//! 2. *index* ([`select_units`], [`UnitSpikes::group`], [`unit_stats`]): the kept clusters,
//!    each unit's spikes in time order, each unit's templates and mean amplitude;
//! 3. *probe and raw data* ([`Geometry::load`], [`open_raw`]);
//! 4. *header* ([`UnitContext::units`], [`signal_header`]): spike channels and the raw-data
//!    stream;
//! 5. *segments* ([`segment`], [`block_annotations`]).

use crate::folder::{ClusterTables, corrupt, folder_of, read_params, read_tables, select_units};
use crate::header::Params;
use crate::raw::{RawData, open_raw, signal_header};
use crate::spikes::{SpikeFiles, UnitSpikes, gather_flat, int_values, to_i64};
use crate::stats::{UnitStats, unit_stats};
use crate::templates::Geometry;
use crate::units::{UnitContext, UnitInfo};
use crate::{FORMAT_ID, Options};
use rawio_core::ndarray::{Array1, Array3, Axis, CowArray, Ix1};
use rawio_core::serde_json::Value;
use rawio_core::{
    Annotations, Block, ChannelIndexes, Error, Events, Header, NpyFile, RawChunk, RawIO,
    RawTimestamps, RawWaveforms, Result, Sample, Segment, TimeBase, dispatch_raw,
};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Upper bound of the waveform width (a corrupt `templates.npy` or `sample_rate` cannot ask
/// for more).
const MAX_WAVEFORM_SAMPLES: usize = 1 << 16;

/// A reader of one KiloSort / Phy output folder.
///
/// One block, one segment; one unit per cluster (sorted by cluster id, as neo), timestamps
/// in samples of `sample_rate`. When `dat_path` resolves, the raw data is a signal stream and
/// units have waveforms cut from it (see the crate documentation).
#[derive(Debug)]
pub struct PhyReader {
    dir: PathBuf,
    header: Header,
    params: Params,
    options: Options,
    spike_times: NpyFile,
    spike_templates: Option<NpyFile>,
    amplitudes: Option<NpyFile>,
    pc_features: Option<NpyFile>,
    /// Each unit's spikes, in time order.
    spikes: UnitSpikes,
    units: Vec<UnitInfo>,
    raw: Option<RawData>,
    n_samples_waveforms: usize,
}

/// Samples per waveform: the templates' width, else 3 ms (at least 1, at most
/// [`MAX_WAVEFORM_SAMPLES`]).
fn waveform_width(geometry: &Geometry, sample_rate: f64) -> usize {
    geometry
        .templates
        .as_ref()
        .map(|t| t.n_samples)
        .filter(|&w| w > 0)
        .unwrap_or_else(|| ((sample_rate * 0.003).round() as usize).max(1))
        .min(MAX_WAVEFORM_SAMPLES)
}

/// The first and last spike times (samples), `None` without spikes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct SpikeSpan {
    first: Option<f64>,
    last: Option<f64>,
}

impl SpikeSpan {
    fn of(times: &RawTimestamps<'_>) -> SpikeSpan {
        let (first, last) = dispatch_raw!(times, a => {
            let lo = a.iter().fold(None::<f64>, |m, &v| Some(m.map_or(v.to_f64(), |m| m.min(v.to_f64()))));
            let hi = a.iter().fold(None::<f64>, |m, &v| Some(m.map_or(v.to_f64(), |m| m.max(v.to_f64()))));
            (lo, hi)
        });
        SpikeSpan { first, last }
    }
}

/// Step 5, *segments*: the one segment, `t_start = 0` (or the first spike if negative),
/// `t_stop = max(last spike, raw data duration)`, at least one sample after `t_start`.
fn segment(span: SpikeSpan, fs: f64, raw: Option<&RawData>) -> Segment {
    let (t_min, t_max) = (span.first, span.last);
    let t_start = t_min.map_or(0.0, |t| (t / fs).min(0.0));
    let mut t_stop = t_max.map_or(0.0, |t| t / fs);
    if let Some(r) = raw {
        t_stop = t_stop.max(r.total_frames() as f64 / fs);
    }
    if t_stop.partial_cmp(&t_start) != Some(std::cmp::Ordering::Greater) {
        t_stop = t_start + 1.0 / fs;
    }
    let mut annotations = Annotations::new();
    annotations.insert("name".into(), Value::from("Seg #0 Block #0"));
    Segment {
        t_start,
        t_stop,
        annotations,
    }
}

/// The block annotations: every assignment of `params.py`, and why the raw data is not used.
fn block_annotations(params: &Params, raw_warning: Option<String>) -> Annotations {
    let mut a = Annotations::new();
    a.insert("name".into(), Value::from("Block #0"));
    a.insert(
        "params".into(),
        Value::Object(
            params
                .all
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        ),
    );
    if let Some(w) = raw_warning {
        a.insert("raw_data_warning".into(), Value::from(w));
    }
    a
}

/// What the *index* step gives.
struct Indexed {
    /// The units' cluster ids, sorted.
    kept: Vec<i64>,
    spikes: UnitSpikes,
    stats: UnitStats,
    span: SpikeSpan,
}

/// Step 2, *index*: the kept clusters (sorted), each unit's spikes, the per-unit statistics
/// pass and the first and last spike; the pages read by these passes are released afterwards.
fn index_units(files: &SpikeFiles, tables: &ClusterTables, options: &Options) -> Result<Indexed> {
    let arrays = files.arrays()?;
    let kept = select_units(arrays.cluster_ids()?, tables, &options.units);
    let (lookup, spikes) = UnitSpikes::group(&arrays, kept.clone())?;
    let amplitudes = match &files.amplitudes {
        Some(f) => Some(f.raw_1d()?),
        None => None,
    };
    let stats = unit_stats(&arrays, &lookup, &spikes, amplitudes.as_ref())?;
    let span = SpikeSpan::of(&arrays.times);
    drop(amplitudes);
    drop(arrays);
    files.release();
    Ok(Indexed {
        kept,
        spikes,
        stats,
        span,
    })
}

impl PhyReader {
    /// Opens a Phy folder with the default [`Options`] (every cluster, no PC features, the
    /// 12 best channels for waveforms).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(dir, &Options::default())
    }

    /// Opens a Phy folder. `dir` may also be a file inside the folder (such as `params.py`).
    pub fn open_with(dir: impl AsRef<Path>, options: &Options) -> Result<Self> {
        // discover and parse
        let dir = folder_of(dir.as_ref());
        let params = read_params(&dir)?;
        let files = SpikeFiles::open(&dir)?;
        let tables = read_tables(&dir)?;
        // index
        let indexed = index_units(&files, &tables, options)?;
        // probe, templates and raw data
        let geometry = Geometry::load(&dir, options.load_pc_features, files.n)?;
        let fs = params.sample_rate;
        let n_samples_waveforms = waveform_width(&geometry, fs);
        let (raw, raw_warning) = open_raw(&dir, &params);
        // header
        let context = UnitContext {
            tables: &tables,
            stats: &indexed.stats,
            geometry: &geometry,
            waveform_channels: options.waveform_channels,
            n_dat: raw.as_ref().map(|r| r.n_channels as usize),
            sample_rate: fs,
            n_samples_waveforms,
        };
        let (spike_channels, unit_infos) = context.units(&indexed.kept);
        let (signal_streams, signal_channels) = match &raw {
            Some(r) => {
                let (stream, channels) = signal_header(r, &params, &geometry);
                (vec![stream], channels)
            }
            None => (Vec::new(), Vec::new()),
        };
        // segments
        let segment = segment(indexed.span, fs, raw.as_ref());
        let header = Header {
            blocks: vec![Block {
                segments: vec![segment],
                annotations: block_annotations(&params, raw_warning),
            }],
            signal_buffers: Vec::new(),
            signal_streams,
            signal_channels,
            spike_channels,
            event_channels: Vec::new(),
        };
        header.validate()?;
        Ok(PhyReader {
            dir,
            header,
            params,
            options: options.clone(),
            spike_times: files.spike_times,
            spike_templates: files.spike_templates,
            amplitudes: files.amplitudes,
            pc_features: geometry.pc_features,
            spikes: indexed.spikes,
            units: unit_infos,
            raw,
            n_samples_waveforms,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed `params.py`.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The options the reader was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Cluster id of each unit, in unit order.
    pub fn cluster_ids(&self) -> Vec<i64> {
        self.units.iter().map(|u| u.cluster_id).collect()
    }

    /// Whether the raw data file was found (then stream 0 is the raw data and units have
    /// waveforms).
    pub fn has_raw_data(&self) -> bool {
        self.raw.is_some()
    }

    /// Samples per waveform: the templates' width (`templates.npy`), else 3 ms.
    pub fn n_samples_waveforms(&self) -> usize {
        self.n_samples_waveforms
    }

    /// The `.dat` channels of `unit`'s waveforms, best first (empty without raw data).
    pub fn waveform_channels(&self, unit: usize) -> Result<&[usize]> {
        self.unit(unit).map(|u| u.wf_channels.as_slice())
    }

    fn unit(&self, unit: usize) -> Result<&UnitInfo> {
        self.units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, self.units.len()))
    }

    /// Indexes (into the folder's spike arrays) of `unit`'s spikes, in time order.
    pub fn spike_indexes(&self, unit: usize) -> Result<Vec<usize>> {
        self.unit(unit)?;
        Ok(self.spikes.order.indexes(self.spikes.range(unit)))
    }

    /// `amplitudes.npy` for `unit`'s spikes, in time order (`None` without the file).
    pub fn spike_amplitudes(&self, unit: usize) -> Result<Option<Vec<f64>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.amplitudes else {
            return Ok(None);
        };
        let raw = f.raw()?;
        Ok(Some(
            dispatch_raw!(&raw, a => gather_flat(a.view(), &idx).iter().map(|v| v.to_f64()).collect()),
        ))
    }

    /// `spike_templates.npy` for `unit`'s spikes, in time order (`None` without the file).
    pub fn spike_template_ids(&self, unit: usize) -> Result<Option<Vec<i64>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.spike_templates else {
            return Ok(None);
        };
        let all = int_values(f)?;
        Ok(Some(
            idx.iter().filter_map(|&i| all.get(i).copied()).collect(),
        ))
    }

    /// `pc_features.npy` rows of `unit`'s spikes (spikes × PCs × channels, as f32), when
    /// opened with `load_pc_features`.
    pub fn pc_features(&self, unit: usize) -> Result<Option<Array3<f32>>> {
        let idx = self.spike_indexes(unit)?;
        let Some(f) = &self.pc_features else {
            return Ok(None);
        };
        let raw = f.raw()?;
        let arr = dispatch_raw!(&raw, a => a.select(Axis(0), &idx).mapv(|v| v.to_f32()));
        let s = arr.shape().to_vec();
        let (a, b, c) = (
            s.first().copied().unwrap_or(0),
            s.get(1).copied().unwrap_or(0),
            s.get(2).copied().unwrap_or(0),
        );
        arr.into_shape_with_order((a, b, c))
            .map(Some)
            .map_err(|e| corrupt(f.path(), 0, e.to_string()))
    }
}

impl RawIO for PhyReader {
    fn format_id(&self) -> &'static str {
        FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.dir.display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, _: usize, _: usize, _: usize) -> Result<u64> {
        Ok(self.raw.as_ref().map_or(0, RawData::total_frames))
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
        let raw = self
            .raw
            .as_ref()
            .ok_or_else(|| Error::invalid("this Phy folder has no raw data"))?;
        raw.read(samples, channels)
    }

    fn read_buffer_description(
        &self,
        _: usize,
        _: usize,
        _: usize,
    ) -> Option<rawio_core::BufferDescription> {
        match self.raw.as_ref()?.files.as_slice() {
            [(file, layout)] => Some(layout.describe(file.path(), self.raw.as_ref()?.dtype)),
            _ => None,
        }
    }

    fn release_signal(&self, _: usize, _: usize, _: usize, samples: Range<u64>) {
        if let Some(raw) = &self.raw {
            raw.release(samples);
        }
    }

    fn read_spike_count(&self, _: usize, _: usize, unit: usize) -> Result<u64> {
        Ok(self.spikes.range(unit).len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::rate(self.params.sample_rate)
    }

    fn read_spike_timestamps(&self, _: usize, _: usize, unit: usize) -> Result<RawTimestamps<'_>> {
        let times = self.spike_times.raw_1d()?;
        let r = self.spikes.range(unit);
        let out = dispatch_raw!(&times, a => {
            let v = self.spikes.order.gather(r, a.view());
            RawTimestamps::new(CowArray::<_, Ix1>::from(Array1::from(v)))
        });
        Ok(out)
    }

    fn read_spike_waveforms(
        &self,
        _: usize,
        _: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let Some(raw) = &self.raw else {
            return Ok(None);
        };
        let all = self.read_spike_timestamps(0, 0, unit)?;
        let part = all.slice_axis(0, spikes);
        // spike times are integers (checked at open)
        let samples: Vec<i64> =
            dispatch_raw!(&part, a => a.iter().map(|&v| to_i64(v).unwrap_or(i64::MAX)).collect());
        let wf = raw.waveforms(
            &samples,
            &self.units[unit].wf_channels,
            self.n_samples_waveforms,
        )?;
        Ok(Some(wf))
    }

    fn read_event_count(&self, _: usize, _: usize, _: usize) -> Result<u64> {
        Ok(0)
    }

    fn event_time_base(&self, _: usize) -> TimeBase {
        TimeBase::rate(self.params.sample_rate)
    }

    fn read_events(&self, _: usize, _: usize, ev: usize) -> Result<Events<'_>> {
        Err(Error::out_of_range("event channel", ev, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_is_send_and_sync() {
        fn f<T: Send + Sync>() {}
        f::<PhyReader>();
        assert_eq!(crate::PyValue::None.to_json(), Value::Null);
    }

    #[test]
    fn segment_bounds_and_block_annotations() {
        let times = RawTimestamps::new(Array1::from(vec![-30i64, 10, 300]));
        let span = SpikeSpan::of(&times);
        assert_eq!(
            span,
            SpikeSpan {
                first: Some(-30.0),
                last: Some(300.0)
            }
        );
        let s = segment(span, 100.0, None);
        assert_eq!((s.t_start, s.t_stop), (-0.3, 3.0));
        let empty = RawTimestamps::new(Array1::from(Vec::<u64>::new()));
        let s = segment(SpikeSpan::of(&empty), 100.0, None);
        assert_eq!((s.t_start, s.t_stop), (0.0, 0.01));
        let p = Params::parse("sample_rate = 100\nx = [1, 'a']\n").unwrap();
        let a = block_annotations(&p, Some("no raw".into()));
        assert_eq!(a["params"]["x"], rawio_core::serde_json::json!([1, "a"]));
        assert_eq!(a["raw_data_warning"], Value::from("no raw"));
    }
}
