//! [`SpikeData::from_kilosort`]: a KiloSort / Phy folder as a `SpikeData` (SpikeLab's
//! `load_spikedata_from_kilosort`, with phy's channel mapping).

use super::{abspath, covering_length, default_length};
use crate::core::{Attrs, Options, SpikeData};
use crate::error::Result;
use rawio_core::{RawIO, RawIOExt, TimeWindow};
use rawio_phy::{PhyReader, UnitFilter};
use serde_json::Value;
use std::path::Path;

/// Options of [`SpikeData::from_kilosort`].
#[derive(Debug, Clone, PartialEq)]
pub struct KilosortOptions {
    /// Which clusters become units. Default: `good` and `mua` ([`UnitFilter::good_and_mua`],
    /// SpikeLab's curation), on the `group` label (`cluster_group.tsv` / `cluster_info.tsv`),
    /// else `KSLabel`; clusters without a label are left out, and when no cluster has a label
    /// every cluster is kept. [`UnitFilter::All`] keeps noise too (SpikeLab's
    /// `include_noise=True`).
    pub units: UnitFilter,
    /// Window length in ms. Default: the raw data duration when the `.dat` file is found
    /// (or the latest spike, if later), else the latest spike + one ulp (SpikeLab's rule).
    pub length_ms: Option<f64>,
}

impl Default for KilosortOptions {
    fn default() -> Self {
        KilosortOptions {
            units: UnitFilter::good_and_mua(),
            length_ms: None,
        }
    }
}

impl SpikeData {
    /// Loads a KiloSort / Phy output folder through [`rawio_phy::PhyReader`].
    ///
    /// * **Trains**: one per kept cluster, in ascending cluster id order; spike samples
    ///   `/ sample_rate × 1e3` (ms, bit-identical to SpikeLab), sorted. `start_time` = 0.
    /// * **Unit attributes**: SpikeLab's `unit_id` (the cluster id), `electrode` (the
    ///   raw-data channel: `channel_map[channel_index]`) and `location` (the
    ///   `channel_positions` row of that channel), then every annotation of the reader:
    ///   `cluster_id`, the TSV columns (`group`, `quality` for `KSLabel`, `ch`, ...),
    ///   `channel_index` (phy's channel: the TSV `ch` column, else the peak channel of the
    ///   dominant template, sparse `template_ind` resolved), `channel`, `channel_source`,
    ///   `position`, `templates`, `dominant_template`, `amplitude_mean`...
    ///   `electrode`/`location` are absent when neither the TSV nor the templates give the
    ///   channel (never SpikeLab's `channel_map[cluster_id]` guess).
    /// * **Metadata**: SpikeLab's `source_folder`, `source_format` (`"KiloSort"`),
    ///   `cluster_ids` (the kept clusters) and `fs_Hz` (params.py `sample_rate`), plus
    ///   `params` (every params.py assignment).
    pub fn from_kilosort(dir: impl AsRef<Path>, options: &KilosortOptions) -> Result<SpikeData> {
        let dir = dir.as_ref();
        let reader = PhyReader::open_with(
            dir,
            &rawio_phy::Options {
                units: options.units.clone(),
                ..rawio_phy::Options::default()
            },
        )?;
        let header = reader.header();
        let n = header.spike_channels.len();
        let mut trains = Vec::with_capacity(n);
        let mut attrs = Vec::with_capacity(n);
        let ids = reader.cluster_ids();
        for (u, ch) in header.spike_channels.iter().enumerate() {
            let raw = reader.spike_timestamps(0, 0, u, TimeWindow::ALL)?;
            let secs = reader.rescale_spike_timestamps(&raw);
            trains.push(secs.iter().map(|&s| s * 1000.0).collect::<Vec<f64>>());
            let mut a = Attrs::new();
            let id = ids.get(u).copied();
            a.insert("unit_id".into(), id.map_or(Value::Null, Value::from));
            let ann = &ch.annotations;
            if let Some(c) = ann.get("channel").filter(|v| !v.is_null()) {
                a.insert("electrode".into(), c.clone());
            }
            if let Some(p) = ann.get("position").filter(|v| !v.is_null()) {
                a.insert("location".into(), p.clone());
            }
            for (k, v) in ann {
                a.entry(k.clone()).or_insert_with(|| v.clone());
            }
            attrs.push(a);
        }
        let fs = reader.params().sample_rate;
        let length = match options.length_ms {
            Some(l) => l,
            None if reader.has_raw_data() => {
                let seg = header.segment(0, 0)?;
                let end = (seg.t_stop * 1e3).max(
                    trains
                        .iter()
                        .filter_map(|t| t.last().copied())
                        .fold(0.0, f64::max),
                );
                covering_length(0.0, end)
            }
            None => default_length(&trains, 0.0),
        };
        let mut meta = Attrs::new();
        meta.insert("source_folder".into(), Value::from(abspath(dir)));
        meta.insert("source_format".into(), Value::from("KiloSort"));
        meta.insert(
            "cluster_ids".into(),
            Value::Array(ids.iter().map(|&i| Value::from(i)).collect()),
        );
        meta.insert("fs_Hz".into(), rawio_core::json_f64(fs));
        let params: Attrs = reader
            .params()
            .all
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect();
        meta.insert("params".into(), Value::Object(params));
        SpikeData::new(
            trains,
            Options {
                n: None,
                length: Some(length),
                start_time: 0.0,
                unit_attrs: Some(attrs),
                metadata: meta,
                raw: None,
            },
        )
    }
}
