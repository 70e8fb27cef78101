//! The spike groups (`.res.N`, `.clu.N`, `.spk.N`): *index* step [`index_groups`] parses the
//! times and cluster ids of each group and splits them into units; *header* step
//! [`spike_channels`] names the units; [`SpkData::waveforms`] reads waveforms.

use crate::FORMAT_ID;
use crate::header::{self, Clusters, ParseError, SessionXml};
use crate::session::GroupFiles;
use rawio_core::ndarray::Array3;
use rawio_core::serde_json::json;
use rawio_core::{Annotations, Error, MappedFile, Result, SpikeChannel};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The `.spk.N` file of a group, checked against the xml and the spike count.
#[derive(Debug)]
pub(crate) struct SpkData {
    pub(crate) file: MappedFile,
    pub(crate) n_samples: usize,
    pub(crate) n_channels: usize,
}

/// One unit: the spikes of one cluster of one group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClusterUnit {
    /// Cluster id (0 artefact, 1 noise, else a unit).
    pub(crate) cluster: u64,
    /// Spike times in samples at `samplingRate`, sorted.
    pub(crate) timestamps: Vec<u64>,
    /// Index of each spike in the group's files (for `.spk`); empty when there is no `.spk`.
    pub(crate) spike_index: Vec<u64>,
}

/// One spike group with a `.res.N` file.
#[derive(Debug)]
pub(crate) struct GroupIndex {
    /// Group number (1-based).
    pub(crate) n: u64,
    pub(crate) res: PathBuf,
    pub(crate) fet: Option<PathBuf>,
    /// The cluster count of the `.clu.N` first line (`None` without `.clu.N`).
    pub(crate) n_clusters_declared: Option<u64>,
    /// The usable `.spk.N`, if any.
    pub(crate) spk: Option<SpkData>,
    /// Units by ascending cluster id.
    pub(crate) units: Vec<ClusterUnit>,
}

fn corrupt(path: &Path, e: ParseError) -> Error {
    Error::corrupt(FORMAT_ID, path, e.offset, e.detail)
}

/// Parses every group that has a `.res.N` file (a `.clu.N` alone is skipped with a warning).
pub(crate) fn index_groups(
    xml: &SessionXml,
    groups: &BTreeMap<u64, GroupFiles>,
    warnings: &mut Vec<String>,
) -> Result<Vec<GroupIndex>> {
    let mut out = Vec::new();
    for (&n, files) in groups {
        let Some(res) = &files.res else {
            if let Some(c) = &files.clu {
                warnings.push(format!(
                    "{}: no matching .res.{n} file; spike group {n} is ignored",
                    c.display()
                ));
            }
            continue;
        };
        out.push(index_group(xml, n, files, res, warnings)?);
    }
    Ok(out)
}

fn index_group(
    xml: &SessionXml,
    n: u64,
    files: &GroupFiles,
    res: &Path,
    warnings: &mut Vec<String>,
) -> Result<GroupIndex> {
    let res_map = MappedFile::open(res)?;
    let times = header::parse_integers(res_map.bytes()).map_err(|e| corrupt(res, e))?;
    drop(res_map);
    let clusters = match &files.clu {
        Some(p) => read_clusters(p, res, times.len())?,
        None => {
            warnings.push(format!(
                "{}: no .clu.{n} file; every spike of group {n} is put in cluster 1 (as \
                 Klusters does)",
                res.display()
            ));
            Clusters {
                n_clusters: 1,
                ids: vec![1; times.len()],
                end_offset: 0,
            }
        }
    };
    let spk = open_spk(xml, n, files, times.len() as u64, warnings)?;
    let units = split_by_cluster(&times, &clusters.ids, spk.is_some())
        .into_iter()
        .map(|(cluster, timestamps, spike_index)| ClusterUnit {
            cluster,
            timestamps,
            spike_index,
        })
        .collect();
    Ok(GroupIndex {
        n,
        res: res.to_path_buf(),
        fet: files.fet.clone(),
        n_clusters_declared: files.clu.as_ref().map(|_| clusters.n_clusters),
        spk,
        units,
    })
}

/// `clu` parsed, with as many ids as `res` has spikes.
fn read_clusters(clu: &Path, res: &Path, n_spikes: usize) -> Result<Clusters> {
    let m = MappedFile::open(clu)?;
    let c = header::parse_clu(m.bytes()).map_err(|e| corrupt(clu, e))?;
    if c.ids.len() != n_spikes {
        return Err(Error::corrupt(
            FORMAT_ID,
            clu,
            c.end_offset,
            format!(
                "{} has {n_spikes} spikes but {} has {} cluster ids (after the cluster count \
                 line)",
                res.display(),
                clu.display(),
                c.ids.len()
            ),
        ));
    }
    Ok(c)
}

/// The group's `.spk.N` when the xml describes its waveforms and its size matches
/// `n_spikes`; else `None` with a warning saying why.
fn open_spk(
    xml: &SessionXml,
    n: u64,
    files: &GroupFiles,
    n_spikes: u64,
    warnings: &mut Vec<String>,
) -> Result<Option<SpkData>> {
    let Some(path) = &files.spk else {
        return Ok(None);
    };
    let n_channels = xml.spike_group(n).map_or(0, |g| g.channels.len() as u64);
    let n_samples = xml.n_samples(n).unwrap_or(0);
    let mut skip = |why: String| {
        warnings.push(format!(
            "{}: {why}; no waveforms for group {n}",
            path.display()
        ));
        Ok(None)
    };
    if xml.n_bits != 16 {
        return skip(format!("nBits = {} (only 16 is supported)", xml.n_bits));
    }
    if n_channels == 0 {
        return skip(format!(
            "no channels for spikeDetection group {n} in the xml"
        ));
    }
    if n_samples == 0 {
        return skip("no nSamples in the xml".into());
    }
    let file = MappedFile::open(path)?;
    let expected = n_spikes
        .checked_mul(n_samples)
        .and_then(|v| v.checked_mul(n_channels))
        .and_then(|v| v.checked_mul(2));
    if expected != Some(file.len()) {
        return skip(format!(
            "size {} bytes but {n_spikes} spikes x {n_samples} samples x {n_channels} channels \
             x 2 bytes = {} bytes",
            file.len(),
            expected.map_or_else(|| "overflow".to_string(), |e| e.to_string())
        ));
    }
    let (Ok(n_samples), Ok(n_channels)) = (usize::try_from(n_samples), usize::try_from(n_channels))
    else {
        return skip("waveform size too large".into());
    };
    Ok(Some(SpkData {
        file,
        n_samples,
        n_channels,
    }))
}

/// Splits spike times by cluster id (ascending), each unit's times sorted ascending (stable,
/// so equal times keep file order), with the spike's index in the group's files when
/// `with_index`.
pub(crate) fn split_by_cluster(
    times: &[u64],
    ids: &[u64],
    with_index: bool,
) -> Vec<(u64, Vec<u64>, Vec<u64>)> {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for &id in ids {
        *counts.entry(id).or_insert(0) += 1;
    }
    let keys: Vec<u64> = counts.keys().copied().collect();
    let mut out: Vec<(u64, Vec<u64>, Vec<u64>)> = counts
        .iter()
        .map(|(&k, &c)| {
            (
                k,
                Vec::with_capacity(c),
                Vec::with_capacity(if with_index { c } else { 0 }),
            )
        })
        .collect();
    let mut last: Option<(u64, usize)> = None;
    for (i, (&t, &id)) in times.iter().zip(ids).enumerate() {
        let slot = match last {
            Some((k, s)) if k == id => s,
            _ => {
                let s = keys.binary_search(&id).unwrap_or(0);
                last = Some((id, s));
                s
            }
        };
        if let Some(u) = out.get_mut(slot) {
            u.1.push(t);
            if with_index {
                u.2.push(i as u64);
            }
        }
    }
    for u in &mut out {
        if !u.1.is_sorted() {
            if with_index {
                let mut pairs: Vec<(u64, u64)> =
                    u.1.iter().copied().zip(u.2.iter().copied()).collect();
                pairs.sort_by_key(|p| p.0);
                u.1 = pairs.iter().map(|p| p.0).collect();
                u.2 = pairs.iter().map(|p| p.1).collect();
            } else {
                u.1.sort_unstable();
            }
        }
    }
    out
}

/// The spike channels of every group's units, in group then cluster order: named
/// `shank{N}_cluster{c}` with id `{N}#{c}`.
pub(crate) fn spike_channels(xml: &SessionXml, groups: &[GroupIndex]) -> Vec<SpikeChannel> {
    let gain = xml.gain_mv();
    let mut out = Vec::new();
    for g in groups {
        let n = g.n;
        let has_spk = g.spk.is_some();
        let left_sweep = xml.peak_sample_index(n).unwrap_or(-1);
        let group_channels: Vec<u64> = xml
            .spike_group(n)
            .map(|sg| sg.channels.clone())
            .unwrap_or_default();
        for u in &g.units {
            let cluster = u.cluster;
            let mut ann = Annotations::new();
            if let Some(c) = g.n_clusters_declared {
                ann.insert("n_clusters_declared".into(), json!(c));
            }
            ann.insert("group".into(), json!(n));
            ann.insert("cluster".into(), json!(cluster));
            ann.insert("cluster_kind".into(), json!(cluster_kind(cluster)));
            ann.insert("channels".into(), json!(group_channels));
            ann.insert("res_file".into(), json!(g.res.display().to_string()));
            if let Some(f) = &g.fet {
                ann.insert("fet_file".into(), json!(f.display().to_string()));
            }
            out.push(SpikeChannel {
                name: format!("shank{n}_cluster{cluster}"),
                id: format!("{n}#{cluster}"),
                wf_units: "mV".into(),
                wf_gain: gain,
                wf_offset: 0.0,
                wf_left_sweep: if has_spk { left_sweep } else { -1 },
                wf_sampling_rate: if has_spk { xml.sampling_rate } else { 0.0 },
                annotations: ann,
            });
        }
    }
    out
}

/// Klusters' meaning of a cluster id.
fn cluster_kind(cluster: u64) -> &'static str {
    match cluster {
        0 => "artefact",
        1 => "noise",
        _ => "unit",
    }
}

impl SpkData {
    /// Waveforms of the spikes at `indexes` of the group's files, as
    /// `spikes x channels x samples` (the file is sample-major).
    pub(crate) fn waveforms(&self, indexes: &[u64]) -> Result<Array3<i16>> {
        let (ns, nc) = (self.n_samples, self.n_channels);
        let per_spike = ns * nc;
        let bytes = self.file.bytes();
        let mut out = Array3::<i16>::zeros((indexes.len(), nc, ns));
        for (k, &g) in indexes.iter().enumerate() {
            let start = usize::try_from(g)
                .ok()
                .and_then(|g| g.checked_mul(per_spike * 2))
                .ok_or_else(|| {
                    Error::corrupt(FORMAT_ID, self.file.path(), 0, "spike index overflow")
                })?;
            let end = start.saturating_add(per_spike * 2);
            let rec = bytes.get(start..end).ok_or_else(|| {
                Error::corrupt(
                    FORMAT_ID,
                    self.file.path(),
                    start as u64,
                    format!("waveform of spike {g} is past the end of the file"),
                )
            })?;
            for (j, pair) in rec.chunks_exact(2).enumerate() {
                let (s, c) = (j / nc, j % nc);
                out[[k, c, s]] = i16::from_le_bytes([pair[0], pair[1]]);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{SpikeGroup, parse_session_xml};

    #[test]
    fn splits_clusters_sorted() {
        let times = [5u64, 3, 9, 1, 7];
        let ids = [2u64, 0, 2, 2, 0];
        let out = split_by_cluster(&times, &ids, true);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], (0, vec![3, 7], vec![1, 4]));
        assert_eq!(out[1], (2, vec![1, 5, 9], vec![3, 0, 2]));
        let out = split_by_cluster(&times, &ids, false);
        assert_eq!(out[1], (2, vec![1, 5, 9], vec![]));
    }

    fn xml() -> SessionXml {
        let mut x = parse_session_xml(
            b"<parameters><acquisitionSystem><nBits>16</nBits><nChannels>2</nChannels>\
              <samplingRate>20000</samplingRate><voltageRange>20</voltageRange>\
              <amplification>1000</amplification></acquisitionSystem></parameters>",
        )
        .unwrap();
        x.spike_groups = vec![SpikeGroup {
            channels: vec![1, 0],
            n_samples: Some(2),
            peak_sample_index: Some(1),
            n_features: None,
        }];
        x
    }

    #[test]
    fn indexes_groups_into_units_with_waveforms() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("s.res.1"), "30\n10\n20\n").unwrap();
        std::fs::write(d.join("s.clu.1"), "2\n5\n0\n5\n").unwrap();
        // 3 spikes x 2 samples x 2 channels, value = 100 * spike + 10 * sample + channel
        let spk: Vec<u8> = (0..3i16)
            .flat_map(|k| (0..2i16).flat_map(move |s| (0..2i16).map(move |c| 100 * k + 10 * s + c)))
            .flat_map(i16::to_le_bytes)
            .collect();
        std::fs::write(d.join("s.spk.1"), spk).unwrap();
        std::fs::write(d.join("s.clu.2"), "1\n").unwrap();
        let groups = BTreeMap::from([
            (
                1,
                GroupFiles {
                    res: Some(d.join("s.res.1")),
                    clu: Some(d.join("s.clu.1")),
                    spk: Some(d.join("s.spk.1")),
                    fet: None,
                },
            ),
            (
                2,
                GroupFiles {
                    clu: Some(d.join("s.clu.2")),
                    ..GroupFiles::default()
                },
            ),
        ]);
        let mut warnings = Vec::new();
        let x = xml();
        let g = index_groups(&x, &groups, &mut warnings).unwrap();
        assert_eq!(g.len(), 1, "group 2 has no .res");
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("no matching .res.2"),
            "{}",
            warnings[0]
        );
        assert_eq!(g[0].n_clusters_declared, Some(2));
        let units: Vec<(u64, Vec<u64>, Vec<u64>)> = g[0]
            .units
            .iter()
            .map(|u| (u.cluster, u.timestamps.clone(), u.spike_index.clone()))
            .collect();
        assert_eq!(
            units,
            vec![(0, vec![10], vec![1]), (5, vec![20, 30], vec![2, 0])]
        );
        let wf = g[0].spk.as_ref().unwrap().waveforms(&[2, 0]).unwrap();
        assert_eq!(wf.shape(), &[2, 2, 2]);
        assert_eq!(wf[[0, 1, 1]], 211);
        assert_eq!(wf[[1, 0, 1]], 10);

        let ch = spike_channels(&x, &g);
        let ids: Vec<&str> = ch.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["1#0", "1#5"]);
        assert_eq!(ch[0].annotations["cluster_kind"], json!("artefact"));
        assert_eq!(ch[1].annotations["channels"], json!([1, 0]));
        assert_eq!((ch[1].wf_left_sweep, ch[1].wf_sampling_rate), (1, 20000.0));
    }

    #[test]
    fn res_and_clu_must_agree_and_a_bad_spk_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("s.res.1"), "1\n2\n").unwrap();
        std::fs::write(d.join("s.clu.1"), "1\n3\n").unwrap();
        std::fs::write(d.join("s.spk.1"), [0u8; 7]).unwrap();
        let mut files = GroupFiles {
            res: Some(d.join("s.res.1")),
            clu: Some(d.join("s.clu.1")),
            spk: Some(d.join("s.spk.1")),
            fet: None,
        };
        let groups = BTreeMap::from([(1, files.clone())]);
        let e = index_groups(&xml(), &groups, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("has 2 spikes but"), "{e}");
        files.clu = None;
        let mut warnings = Vec::new();
        let g = index_groups(&xml(), &BTreeMap::from([(1, files)]), &mut warnings).unwrap();
        assert_eq!(g[0].units[0].cluster, 1);
        assert_eq!(g[0].n_clusters_declared, None);
        assert!(g[0].spk.is_none());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[1].contains("size 7 bytes"), "{}", warnings[1]);
    }
}
