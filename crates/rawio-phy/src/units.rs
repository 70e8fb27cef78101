//! The *header* step for units: one spike channel per kept cluster, its annotations derived
//! from the cluster tables, the per-unit statistics and the probe/template files, and the
//! raw-data channels of its waveforms.

use crate::WaveformChannels;
use crate::folder::ClusterTables;
use crate::raw::position_json;
use crate::stats::UnitStats;
use crate::templates::Geometry;
use rawio_core::serde_json::Value;
use rawio_core::{Annotations, SpikeChannel};

/// Per-unit information kept by the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnitInfo {
    pub(crate) cluster_id: i64,
    /// `.dat` channels of the waveforms, best first.
    pub(crate) wf_channels: Vec<usize>,
}

/// Where a unit is on the probe.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UnitChannel {
    /// Local channels (into `channel_map`) of the dominant template, best first.
    best_local: Vec<usize>,
    /// The unit's local channel: the TSV `ch` column, else the template's best channel.
    local: Option<usize>,
    /// `"tsv"` or `"template"`.
    source: &'static str,
}

/// What every unit's header entry is built from.
pub(crate) struct UnitContext<'a> {
    pub(crate) tables: &'a ClusterTables,
    pub(crate) stats: &'a UnitStats,
    pub(crate) geometry: &'a Geometry,
    pub(crate) waveform_channels: WaveformChannels,
    /// Channels of the raw data (`None` without raw data: no waveforms).
    pub(crate) n_dat: Option<usize>,
    /// Sampling rate (Hz).
    pub(crate) sample_rate: f64,
    /// Samples per waveform.
    pub(crate) n_samples_waveforms: usize,
}

impl UnitContext<'_> {
    /// The spike channels and unit infos of `kept` (sorted cluster ids), in that order.
    pub(crate) fn units(&self, kept: &[i64]) -> (Vec<SpikeChannel>, Vec<UnitInfo>) {
        kept.iter()
            .enumerate()
            .map(|(u, &cid)| self.unit(u, cid))
            .unzip()
    }

    /// Unit `u`, cluster `cid`: named `unit {cid}` with id `{cid}` (neo's naming).
    fn unit(&self, u: usize, cid: i64) -> (SpikeChannel, UnitInfo) {
        let dominant = self.stats.dominant_template(u);
        let mut ann = self.annotations(u, cid, dominant);
        let channel = self.channel(cid, dominant);
        match channel.local {
            Some(l) => {
                ann.insert("channel_index".into(), Value::from(l as u64));
                ann.insert("channel_source".into(), Value::from(channel.source));
                if let Some(c) = self.geometry.to_dat(l) {
                    ann.insert("channel".into(), Value::from(c as u64));
                }
                if let Some(p) = self.geometry.position(l) {
                    ann.insert("position".into(), position_json(p));
                }
            }
            None => {
                ann.insert("channel".into(), Value::Null);
            }
        }
        let wf_channels = self.waveform_channels(&channel);
        let with_wf = self.n_dat.is_some();
        if with_wf {
            ann.insert(
                "waveform_channels".into(),
                Value::from(wf_channels.iter().map(|&c| c as u64).collect::<Vec<_>>()),
            );
        }
        let nsw = self.n_samples_waveforms;
        let spike_channel = SpikeChannel {
            name: format!("unit {cid}"),
            id: format!("{cid}"),
            wf_units: String::new(),
            wf_gain: if with_wf { 1.0 } else { 0.0 },
            wf_offset: 0.0,
            wf_left_sweep: if with_wf { (nsw / 2) as i64 } else { 0 },
            wf_sampling_rate: if with_wf { self.sample_rate } else { 0.0 },
            annotations: ann,
        };
        let info = UnitInfo {
            cluster_id: cid,
            wf_channels,
        };
        (spike_channel, info)
    }

    /// `cluster_id`, the table columns, the templates (with `pc_feature_ind` rows), the
    /// dominant template and the mean amplitude.
    fn annotations(&self, u: usize, cid: i64, dominant: Option<i64>) -> Annotations {
        let mut ann = Annotations::new();
        ann.insert("cluster_id".into(), Value::from(cid));
        if let Some(t) = self.tables.get(&cid) {
            for (k, v) in t {
                ann.insert(k.clone(), v.clone());
            }
        }
        if let Some(tl) = self.stats.templates.as_ref().and_then(|t| t.get(u)) {
            ann.insert(
                "templates".into(),
                Value::from(tl.iter().map(|&(t, _)| t).collect::<Vec<_>>()),
            );
            if let Some((vals, cols)) = &self.geometry.pc_feature_ind {
                let rows: Vec<Value> = tl
                    .iter()
                    .map(|&(t, _)| {
                        // a template id from the file: checked, so a huge id is a missing row
                        let r = usize::try_from(t).ok().and_then(|t| {
                            let start = t.checked_mul(*cols)?;
                            vals.get(start..start.checked_add(*cols)?)
                        });
                        r.map_or(Value::Null, position_json)
                    })
                    .collect();
                ann.insert("pc_feature_ind".into(), Value::from(rows));
            }
        }
        if let Some(d) = dominant {
            ann.insert("dominant_template".into(), Value::from(d));
        }
        if let Some(m) = self.stats.amplitude_mean.get(u).copied().flatten() {
            ann.insert("amplitude_mean".into(), rawio_core::json_f64(m));
        }
        ann
    }

    /// The unit's channel: the TSV `ch` column (phy's local channel index), else the
    /// dominant template's peak channel.
    fn channel(&self, cid: i64, dominant: Option<i64>) -> UnitChannel {
        let best_local = match (dominant, &self.geometry.templates) {
            (Some(d), Some(t)) => t.best_channels(d),
            _ => Vec::new(),
        };
        let from_table = self
            .tables
            .get(&cid)
            .and_then(|t| t.get("ch"))
            .and_then(Value::as_i64)
            .and_then(|c| usize::try_from(c).ok());
        let (local, source) = match from_table {
            Some(c) => (Some(c), "tsv"),
            None => (best_local.first().copied(), "template"),
        };
        UnitChannel {
            best_local,
            local,
            source,
        }
    }

    /// The raw-data channels of the unit's waveforms: every channel, or up to `k` of the
    /// template's best (the unit's channel without templates; every channel when none is
    /// known).
    fn waveform_channels(&self, channel: &UnitChannel) -> Vec<usize> {
        let Some(nd) = self.n_dat else {
            return Vec::new();
        };
        match self.waveform_channels {
            WaveformChannels::All => (0..nd).collect(),
            WaveformChannels::Best(k) => {
                let to_dat = |l: usize| self.geometry.to_dat(l);
                let mut v: Vec<usize> = if channel.best_local.is_empty() {
                    channel.local.and_then(to_dat).into_iter().collect()
                } else {
                    channel
                        .best_local
                        .iter()
                        .filter_map(|&l| to_dat(l))
                        .collect()
                };
                v.retain(|&c| c < nd);
                v.truncate(k);
                if v.is_empty() { (0..nd).collect() } else { v }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawio_core::serde_json::{Map, json};

    fn geometry() -> Geometry {
        Geometry {
            channel_map: Some(vec![3, 2, 1, 0]),
            channel_positions: Some(vec![vec![0.0, 1.0]; 4]),
            templates: None,
            pc_feature_ind: Some((vec![0.0, 1.0, 2.0, 3.0], 2)),
            pc_features: None,
        }
    }

    /// Issue 12: a huge template id in `spike_templates.npy` overflowed `t * cols` (a panic with
    /// overflow checks, a wrong row without); it is now a missing row.
    #[test]
    fn huge_template_id_has_no_pc_feature_row() {
        let tables = ClusterTables::new();
        let stats = UnitStats {
            templates: Some(vec![vec![(i64::MAX / 2 + 7, 3), (1, 1)]]),
            amplitude_mean: vec![None],
        };
        let g = geometry();
        let ctx = UnitContext {
            tables: &tables,
            stats: &stats,
            geometry: &g,
            waveform_channels: WaveformChannels::Best(12),
            n_dat: Some(4),
            sample_rate: 30000.0,
            n_samples_waveforms: 61,
        };
        let (ch, _) = ctx.units(&[0]);
        assert_eq!(
            ch[0].annotations["pc_feature_ind"],
            json!([null, [2.0, 3.0]])
        );
    }

    #[test]
    fn unit_annotations_channels_and_waveform_channels() {
        let mut tables = ClusterTables::new();
        let mut row = Map::new();
        row.insert("ch".into(), json!(1));
        row.insert("quality".into(), json!("good"));
        tables.insert(5, row);
        let stats = UnitStats {
            templates: Some(vec![vec![(1, 3), (0, 1)], vec![]]),
            amplitude_mean: vec![Some(2.5), None],
        };
        let g = geometry();
        let ctx = UnitContext {
            tables: &tables,
            stats: &stats,
            geometry: &g,
            waveform_channels: WaveformChannels::Best(12),
            n_dat: Some(4),
            sample_rate: 30000.0,
            n_samples_waveforms: 61,
        };
        let (ch, info) = ctx.units(&[5, 8]);
        let a = &ch[0].annotations;
        assert_eq!(a["quality"], json!("good"));
        assert_eq!(a["dominant_template"], json!(1));
        assert_eq!(a["templates"], json!([1, 0]));
        assert_eq!(a["pc_feature_ind"], json!([[2.0, 3.0], [0.0, 1.0]]));
        assert_eq!(a["amplitude_mean"], json!(2.5));
        // `ch` = local 1 → raw-data row channel_map[1] = 2
        assert_eq!(
            (a["channel_index"].clone(), a["channel"].clone()),
            (json!(1), json!(2))
        );
        assert_eq!(a["channel_source"], json!("tsv"));
        assert_eq!(info[0].wf_channels, vec![2]);
        assert_eq!((ch[0].name.as_str(), ch[0].wf_left_sweep), ("unit 5", 30));
        // no table row, no template: channel null, waveforms on every channel
        assert_eq!(ch[1].annotations["channel"], Value::Null);
        assert_eq!(info[1].wf_channels, vec![0, 1, 2, 3]);
        let all = UnitContext {
            waveform_channels: WaveformChannels::All,
            n_dat: None,
            ..ctx
        };
        let (ch, info) = all.units(&[5]);
        assert!(info[0].wf_channels.is_empty(), "no raw data: no waveforms");
        assert_eq!((ch[0].wf_gain, ch[0].wf_sampling_rate), (0.0, 0.0));
        assert!(!ch[0].annotations.contains_key("waveform_channels"));
    }
}
