//! Reader for KiloSort / Phy output folders (`spike_times.npy`, `spike_clusters.npy`,
//! `params.py`, `cluster_*.tsv`, ...), the Rust counterpart of neo's `PhyRawIO`, plus the raw
//! data (`dat_path`) as a signal stream and spike waveforms cut from it.
//!
//! ```no_run
//! use rawio_core::{RawIO, RawIOExt, TimeWindow};
//! use rawio_phy::{Options, PhyReader, UnitFilter};
//!
//! # fn main() -> rawio_core::Result<()> {
//! // every cluster, as neo
//! let reader = PhyReader::open("kilosort_output/")?;
//! for (u, unit) in reader.header().spike_channels.iter().enumerate() {
//!     let ts = reader.spike_timestamps(0, 0, u, TimeWindow::ALL)?;
//!     let seconds = reader.rescale_spike_timestamps(&ts);
//!     println!("{} ({:?}): {} spikes", unit.name, unit.annotations.get("quality"), seconds.len());
//! }
//! // only curated clusters, as SpikeLab does
//! let options = Options { units: UnitFilter::good_and_mua(), ..Options::default() };
//! let curated = PhyReader::open_with("kilosort_output/", &options)?;
//! if curated.has_raw_data() && curated.spike_channels_count() > 0 {
//!     let wf = curated.spike_raw_waveforms(0, 0, 0, TimeWindow::ALL)?;
//!     println!("{:?}", wf.map(|w| w.shape().to_vec())); // spikes × channels × samples
//! }
//! # Ok(()) }
//! ```
//!
//! # What is read
//!
//! * `params.py` (required): parsed as the Python-literal subset it is (numbers, strings
//!   including raw strings with spaces and backslashes, lists, tuples, `True`/`False`/`None`,
//!   comments). `sample_rate` is required; `dat_path`, `n_channels_dat`, `dtype`, `offset`
//!   and `hp_filtered` describe the raw data. Every assignment is in the block annotation
//!   `params`.
//! * `spike_times.npy` (required; any integer dtype, shape `(n,)` or `(n, 1)`), memory-mapped.
//!   Timestamps come back in the stored dtype (samples); `TimeBase::rate(sample_rate)`.
//! * `spike_clusters.npy` (else `spike_templates.npy`): one unit per cluster id, sorted, named
//!   `unit {id}` with id `{id}` (neo's naming). Per-unit spike lists are built once at open by
//!   a counting sort (one `u32` index per spike); per-unit timestamps are sorted even when the
//!   file is not.
//! * Every `*.tsv` / `*.csv` (file-name order, a later file wins for a repeated column):
//!   columns become unit annotations with neo's typing (ints, floats, strings, empty → null;
//!   `KSLabel` → `quality`, other names lower-cased).
//! * `spike_templates.npy`, `templates.npy`, `template_ind.npy`, `channel_map.npy`,
//!   `channel_positions.npy`, `amplitudes.npy`: unit annotations `templates` (ids),
//!   `dominant_template`, `channel_index` (index into `channel_map`, phy's channel id),
//!   `channel` (the raw-data row: `channel_map[channel_index]`), `channel_source` (`"tsv"`:
//!   the `ch` column, read as phy's channel index; `"template"`: the peak-to-peak largest
//!   channel of the dominant template), `position` and `amplitude_mean`. Without either source
//!   `channel` is null (never neo/SpikeLab's `channel_map[cluster_id]` guess).
//! * `pc_features.npy` / `pc_feature_ind.npy` only with [`Options::load_pc_features`].
//!
//! # Raw data and waveforms
//!
//! When every `dat_path` entry resolves (absolute; else relative to the folder; else its file
//! name inside the folder; a list is concatenated in time) and `n_channels_dat` is known, the
//! raw data is signal stream 0 (`dtype` from params, default int16; `offset` bytes skipped in
//! each file; channels `ch{i}`, gain 1, units unknown). Units then have waveforms:
//! `spikes × channels × samples`, `n_samples = templates.npy` width (3 ms without templates),
//! window `[t - n/2, t + n - n/2)` as phy's `_extract_waveform`, **zero-padded** where the
//! window leaves the raw data. Channels: the dominant template's best channels
//! ([`WaveformChannels::Best`], default 12) or every channel ([`WaveformChannels::All`]).
//! `wf_left_sweep = n/2`, `wf_gain = 1`. Without raw data there are no streams and no
//! waveforms (neo's layout: `wf_gain = wf_left_sweep = wf_sampling_rate = 0`).
//!
//! # Segment
//!
//! One block, one segment; `t_start = 0` (or the first spike if negative), `t_stop = max(last
//! spike, raw data duration)`, at least one sample after `t_start`.
//!
//! # Structure
//!
//! Opening is a pipeline of named steps (see CONTRIBUTING, "The open pipeline"), one private
//! module per concern: `folder` (the folder, `params.py`, the cluster tables, the unit filter),
//! `spikes` (spike arrays, grouping spikes by unit), `stats` (each unit's templates and mean
//! amplitude), `templates` (templates, channel map and positions, PC features), `units` (the
//! spike channels), `raw` (the raw data, its stream and waveforms). [`header`] parses the text
//! files, without I/O.
#![forbid(unsafe_code)]

mod folder;
pub mod header;
mod raw;
mod reader;
mod spikes;
mod stats;
mod templates;
#[cfg(test)]
mod test_npy;
mod units;

pub use header::{Params, PyValue, Table};
pub use reader::PhyReader;

use rawio_core::{Confidence, Format, RawIO, Result};
use std::path::Path;

/// The format id, in [`FORMAT`] and in every error.
pub const FORMAT_ID: &str = "phy";

/// Which clusters become units.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UnitFilter {
    /// Every cluster id found in the spikes (neo's behaviour).
    #[default]
    All,
    /// Clusters whose label (`group` column of `cluster_group.tsv` / `cluster_info.tsv`, else
    /// `KSLabel`) is one of these. Clusters without a label are left out; if no cluster has a
    /// label at all, every cluster is kept.
    Labels(Vec<String>),
}

impl UnitFilter {
    /// `good` and `mua` (SpikeLab's default curation).
    pub fn good_and_mua() -> Self {
        UnitFilter::Labels(vec!["good".into(), "mua".into()])
    }
}

/// Which raw-data channels a unit's waveforms hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveformChannels {
    /// Up to `n` channels of the unit's dominant template, by decreasing peak-to-peak
    /// amplitude (all channels when the folder has no templates).
    Best(usize),
    /// Every channel of the raw data.
    All,
}

impl Default for WaveformChannels {
    fn default() -> Self {
        WaveformChannels::Best(12)
    }
}

/// Options of [`PhyReader::open_with`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Which clusters become units.
    pub units: UnitFilter,
    /// Whether to open `pc_features.npy` / `pc_feature_ind.npy`.
    pub load_pc_features: bool,
    /// Channels of the waveforms.
    pub waveform_channels: WaveformChannels,
}

/// Sniffs a directory: `spike_times.npy` and `params.py` → 100, `spike_times.npy` alone → 50.
pub fn sniff(path: &Path) -> Confidence {
    if !path.is_dir() {
        return 0;
    }
    match (
        path.join("spike_times.npy").is_file(),
        path.join("params.py").is_file(),
    ) {
        (true, true) => 100,
        (true, false) => 50,
        _ => 0,
    }
}

fn open_boxed(path: &Path) -> Result<Box<dyn RawIO>> {
    Ok(Box::new(PhyReader::open(path)?))
}

/// The format descriptor.
pub const FORMAT: Format = Format {
    id: FORMAT_ID,
    name: "KiloSort / Phy output folder",
    extensions: &["npy", "py", "tsv"],
    opens: "directory",
    sniff,
    open: open_boxed,
};
