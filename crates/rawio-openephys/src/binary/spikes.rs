//! Spike sources: `spikes/<folder>/` of the Spike Detector (GUI 0.6+: `sample_numbers.npy`,
//! `timestamps.npy`, `clusters.npy`, `electrode_indices.npy`, `waveforms.npy`) and of the
//! Spike Sorter / Spike Viewer of GUI 0.4/0.5 (`spike_times.npy`, `spike_clusters.npy`,
//! `spike_electrode_indices.npy`, `spike_waveforms.npy`). One unit per (electrode, cluster).

use rawio_core::ndarray::{Array3, CowArray, Ix3, IxDyn};
use rawio_core::{Error, NpyFile, RawWaveforms, Result, Sample, dispatch_raw};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::FORMAT_ID;
use crate::npy_text::{f64_values, first_npy, int_values};
use crate::oebin::{SpikeInfo, safe_folder};

/// A spike folder of one node.
#[derive(Debug, Clone)]
pub(crate) struct SpikeSource {
    pub node: String,
    pub folder: String,
    pub info: SpikeInfo,
}

impl SpikeSource {
    pub fn of(node: &str, info: &SpikeInfo) -> std::result::Result<SpikeSource, String> {
        let folder = safe_folder(&info.folder)
            .ok_or_else(|| format!("unusable spike folder {:?}", info.folder))?;
        Ok(SpikeSource {
            node: node.to_owned(),
            folder,
            info: info.clone(),
        })
    }

    /// The electrode's name for an electrode index of the files.
    pub fn electrode_name(&self, electrode: i64) -> String {
        if let Some(n) = &self.info.name {
            return n.clone();
        }
        usize::try_from(electrode)
            .ok()
            .and_then(|e| e.checked_sub(1))
            .and_then(|e| self.info.electrode_names.get(e))
            .cloned()
            .unwrap_or_else(|| format!("electrode {electrode}"))
    }
}

/// The spikes of one folder in one recording, grouped by unit.
#[derive(Debug)]
pub(crate) struct SpikeFolder {
    /// `(electrode, cluster)` → (sample numbers sorted, file rows in the same order,
    /// synchronized seconds in the same order when present).
    pub units: BTreeMap<(i64, i64), UnitSpikes>,
}

/// The spikes of one unit in one recording.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitSpikes {
    pub samples: Vec<i64>,
    pub rows: Vec<u64>,
    pub sync: Option<Vec<f64>>,
    pub waveforms: Option<Arc<NpyFile>>,
}

impl UnitSpikes {
    /// The spikes whose sample time is in `[lo, hi)` seconds at `rate`.
    pub fn window(&self, lo: f64, hi: f64, rate: f64) -> UnitSpikes {
        let a = self.samples.partition_point(|&s| (s as f64) / rate < lo);
        let b = self
            .samples
            .partition_point(|&s| (s as f64) / rate < hi)
            .max(a);
        UnitSpikes {
            samples: self.samples[a..b].to_vec(),
            rows: self.rows.get(a..b).unwrap_or(&[]).to_vec(),
            sync: self
                .sync
                .as_ref()
                .map(|v| v.get(a..b).unwrap_or(&[]).to_vec()),
            waveforms: self.waveforms.clone(),
        }
    }
}

fn ints_or(dir: &Path, names: &[&str], n: usize, default: i64) -> Result<Vec<i64>> {
    match first_npy(dir, names)? {
        Some(f) => {
            let v = int_values(&f)?;
            if v.len() != n {
                return Err(Error::corrupt(
                    FORMAT_ID,
                    f.path(),
                    0,
                    format!("{} values for {n} spikes", v.len()),
                ));
            }
            Ok(v)
        }
        None => Ok(vec![default; n]),
    }
}

/// Reads one spike folder of one recording.
pub(crate) fn load(dir: &Path, warnings: &mut Vec<String>) -> Result<Option<SpikeFolder>> {
    let Some(times) = first_npy(dir, &["sample_numbers.npy", "spike_times.npy"])? else {
        warnings.push(format!(
            "{}: no spike sample numbers; skipped",
            dir.display()
        ));
        return Ok(None);
    };
    let samples = int_values(&times)?;
    let n = samples.len();
    let clusters = ints_or(dir, &["clusters.npy", "spike_clusters.npy"], n, 0)?;
    let electrodes = ints_or(
        dir,
        &["electrode_indices.npy", "spike_electrode_indices.npy"],
        n,
        0,
    )?;
    let sync = if dir.join("sample_numbers.npy").is_file() {
        match first_npy(dir, &["timestamps.npy"])? {
            Some(f) if f.header().element_count() == n as u64 => Some(f64_values(&f)?),
            _ => None,
        }
    } else {
        None
    };
    let waveforms = match first_npy(dir, &["waveforms.npy", "spike_waveforms.npy"])? {
        Some(f) => {
            let s = &f.header().shape;
            let ok = (s.len() == 3 || s.len() == 2) && s.first() == Some(&(n as u64));
            if ok {
                Some(Arc::new(f))
            } else {
                warnings.push(format!(
                    "{}: waveforms of shape {s:?} for {n} spikes; no waveforms",
                    f.path().display()
                ));
                None
            }
        }
        None => None,
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (samples[i], i));
    let mut units: BTreeMap<(i64, i64), UnitSpikes> = BTreeMap::new();
    for i in order {
        let u = units.entry((electrodes[i], clusters[i])).or_default();
        u.samples.push(samples[i]);
        u.rows.push(i as u64);
        if let Some(s) = &sync {
            u.sync.get_or_insert_with(Vec::new).push(s[i]);
        }
    }
    for u in units.values_mut() {
        u.waveforms = waveforms.clone();
    }
    Ok(Some(SpikeFolder { units }))
}

/// Rows `rows` of a `(n, channels, samples)` (or `(n, samples)`) waveform file as a
/// `spikes × channels × samples` array.
pub(crate) fn gather_waveforms(f: &NpyFile, rows: &[u64]) -> Result<RawWaveforms<'static>> {
    fn typed<T: Sample>(
        a: &CowArray<'_, T, IxDyn>,
        rows: &[usize],
    ) -> Option<RawWaveforms<'static>> {
        let sel = a.select(rawio_core::ndarray::Axis(0), rows);
        let shape = sel.shape().to_vec();
        let dims = match shape.as_slice() {
            [n, c, s] => (*n, *c, *s),
            [n, s] => (*n, 1, *s),
            _ => return None,
        };
        let flat: Vec<T> = sel.iter().copied().collect();
        let arr = Array3::from_shape_vec(dims, flat).ok()?;
        Some(T::wrap(CowArray::<T, Ix3>::from(arr)))
    }
    let rows: Vec<usize> = rows
        .iter()
        .map(|&r| usize::try_from(r).unwrap_or(usize::MAX))
        .collect();
    let n = usize::try_from(f.header().shape.first().copied().unwrap_or(0)).unwrap_or(0);
    if rows.iter().any(|&r| r >= n) {
        return Err(Error::corrupt(
            FORMAT_ID,
            f.path(),
            0,
            "spike row beyond the file",
        ));
    }
    let raw = f.raw()?;
    dispatch_raw!(&raw, a => typed(a, &rows))
        .ok_or_else(|| Error::corrupt(FORMAT_ID, f.path(), 0, "waveforms are not 2-D or 3-D"))
}

/// The spikes `range` of a unit.
pub(crate) fn unit_waveforms(
    u: &UnitSpikes,
    range: Range<usize>,
) -> Result<Option<RawWaveforms<'static>>> {
    let Some(f) = &u.waveforms else {
        return Ok(None);
    };
    let rows = u.rows.get(range).unwrap_or(&[]);
    gather_waveforms(f, rows).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn electrode_names_of_both_generations() {
        let mut info = SpikeInfo {
            folder: "a/b/".into(),
            name: None,
            sample_rate: 30000.0,
            pre_peak_samples: Some(8),
            electrode_names: vec!["TT0".into(), "TT1".into()],
            source_bit_volts: vec![],
            extra: Default::default(),
        };
        let s = SpikeSource::of("", &info).unwrap();
        assert_eq!(s.electrode_name(2), "TT1");
        assert_eq!(s.electrode_name(0), "electrode 0");
        assert_eq!(s.electrode_name(9), "electrode 9");
        info.name = Some("Stereotrode 1".into());
        assert_eq!(
            SpikeSource::of("", &info).unwrap().electrode_name(0),
            "Stereotrode 1"
        );
    }

    #[test]
    fn loads_and_windows_units() {
        let t = tempfile::tempdir().unwrap();
        let put = |name: &str, descr: &str, shape: &[u64], data: Vec<u8>| {
            let mut b = rawio_core::npy_header_bytes(descr, shape);
            b.extend(data);
            std::fs::write(t.path().join(name), b).unwrap();
        };
        let sn: Vec<u8> = [30i64, 10, 20, 40]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        put("sample_numbers.npy", "<i8", &[4], sn);
        let cl: Vec<u8> = [1u16, 0, 1, 1]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        put("clusters.npy", "<u2", &[4], cl);
        let wf: Vec<u8> = (0..4 * 2 * 3i16).flat_map(|v| v.to_le_bytes()).collect();
        put("waveforms.npy", "<i2", &[4, 2, 3], wf);
        let mut w = Vec::new();
        let f = load(t.path(), &mut w).unwrap().unwrap();
        assert!(w.is_empty());
        let u1 = &f.units[&(0, 1)];
        assert_eq!(u1.samples, vec![20, 30, 40]);
        assert_eq!(u1.rows, vec![2, 0, 3]);
        let wf = unit_waveforms(u1, 0..2).unwrap().unwrap();
        assert_eq!(wf.shape(), [2, 2, 3]);
        assert_eq!(wf.as_typed::<i16>().unwrap()[[0, 0, 0]], 12);
        assert_eq!(wf.as_typed::<i16>().unwrap()[[1, 1, 2]], 5);
        let win = u1.window(2.5, 4.0, 10.0);
        assert_eq!((win.samples.clone(), win.rows.clone()), (vec![30], vec![0]));
        assert_eq!(f.units[&(0, 0)].samples, vec![10]);
    }
}
