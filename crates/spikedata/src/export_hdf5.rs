//! SpikeLab's HDF5 exporters (`to_hdf5` in its four styles, and `to_nwb`'s minimal units
//! layout), streamed to the file by the crate's small HDF5 writer (superblock v2).

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::export::{
    ExportUnit, Times, check_fs, electrode_numbers, write_chunked, write_f64s, write_times,
};
use crate::h5stream::{H5Stream, H5Type};
use std::path::Path;

/// One of SpikeLab's four HDF5 layouts, with its dataset names and time unit (the
/// arguments of `export_spikedata_to_hdf5`; the loaders read the same layouts).
#[derive(Debug, Clone, PartialEq)]
pub enum Hdf5Style {
    /// A dense `units × bins` `int64` raster with attributes `bin_size_ms` and
    /// `time_origin_ms`.
    Raster {
        /// Dataset name (SpikeLab: `raster`).
        dataset: String,
        /// Bin size in ms (`> 0`).
        bin_size_ms: f64,
    },
    /// Flat spike times in unit order plus a cumulative-end index (length N).
    Ragged {
        /// Times dataset (SpikeLab: `spike_times`).
        times: String,
        /// Index dataset (SpikeLab: `spike_times_index`).
        index: String,
        /// Time unit (SpikeLab: seconds).
        unit: ExportUnit,
    },
    /// One dataset per unit, named `0`, `1`, ... inside a group.
    Group {
        /// Group name (SpikeLab: `units`).
        group: String,
        /// Time unit (SpikeLab: seconds).
        unit: ExportUnit,
    },
    /// Parallel unit-index and time arrays, in unit order.
    Paired {
        /// Unit-index dataset (SpikeLab: `idces`).
        idces: String,
        /// Times dataset (SpikeLab: `times`).
        times: String,
        /// Time unit (SpikeLab: ms).
        unit: ExportUnit,
    },
}

impl Hdf5Style {
    /// SpikeLab's default style: ragged, `spike_times` / `spike_times_index` in seconds.
    pub fn ragged() -> Self {
        Hdf5Style::Ragged {
            times: "spike_times".into(),
            index: "spike_times_index".into(),
            unit: ExportUnit::Seconds,
        }
    }
}

/// Arguments of [`SpikeData::to_hdf5`].
#[derive(Debug, Clone, PartialEq)]
pub struct Hdf5Export {
    /// The layout.
    pub style: Hdf5Style,
    /// Sample rate in Hz, needed by [`ExportUnit::Samples`].
    pub fs_hz: Option<f64>,
    /// `(data dataset, time dataset, time unit)` for the raw signal, written when the data
    /// has a non-empty one (SpikeLab's `raw_dataset`, `raw_time_dataset`, `raw_time_unit`).
    pub raw: Option<(String, String, ExportUnit)>,
}

impl Hdf5Export {
    /// `style` without a sample rate or raw signal.
    pub fn new(style: Hdf5Style) -> Self {
        Hdf5Export {
            style,
            fs_hz: None,
            raw: None,
        }
    }
}

/// The element type of times exported in `unit`.
fn time_type(unit: ExportUnit) -> H5Type {
    match unit {
        ExportUnit::Samples => H5Type::I64,
        _ => H5Type::F64,
    }
}

/// `fs / 1e3` for sample units (checked), 1 otherwise.
fn samples_per_ms(unit: ExportUnit, fs_hz: Option<f64>) -> Result<f64> {
    Ok(match unit {
        ExportUnit::Samples => check_fs(fs_hz)? / 1e3,
        _ => 1.0,
    })
}

impl SpikeData {
    /// A new file with SpikeLab's root attributes `start_time` and `length_ms`.
    fn h5_with_window(&self, path: &Path) -> Result<H5Stream> {
        let mut h = H5Stream::create(path)?;
        h.attr(0, "start_time", self.start_time);
        h.attr(0, "length_ms", self.length);
        Ok(h)
    }

    /// Streams the times of every spike, unit after unit, to dataset `name`.
    fn h5_all_times(&self, h: &mut H5Stream, name: &str, unit: ExportUnit, k: f64) -> Result<()> {
        let n = self.spike_count() as u64;
        h.dataset(name, time_type(unit), &[n], |w| {
            write_times(w, self.trains.iter().map(Vec::as_slice), unit, k)
        })?;
        Ok(())
    }

    /// SpikeLab's `to_hdf5(filepath, style=...)`: root attributes `start_time` and
    /// `length_ms` (ms), the spikes in one of the four [`Hdf5Style`]s, and optionally the raw
    /// signal (`float64` `channels × samples`, times in the chosen unit). Overwrites the
    /// file. As SpikeLab, attributes and metadata are not written; the crate's
    /// [`SpikeData::from_hdf5`] and spikelab's `load_spikedata_from_hdf5` read the files
    /// back (the golden script checks the latter). The group style writes its (empty) group
    /// also without units, as SpikeLab.
    ///
    /// The data is streamed to the file (HDF5 superblock v2, contiguous datasets): memory
    /// stays at one raster row or a 64 KiB buffer, whatever the number of spikes.
    pub fn to_hdf5(&self, path: impl AsRef<Path>, opts: &Hdf5Export) -> Result<()> {
        let path = path.as_ref();
        // check the arguments before creating the file
        let k = match &opts.style {
            Hdf5Style::Raster { bin_size_ms, .. } => {
                if !(*bin_size_ms > 0.0) {
                    return Err(SpikeDataError::invalid(
                        "raster_bin_size_ms must be provided and > 0 for raster style",
                    ));
                }
                1.0
            }
            Hdf5Style::Ragged { unit, .. }
            | Hdf5Style::Group { unit, .. }
            | Hdf5Style::Paired { unit, .. } => samples_per_ms(*unit, opts.fs_hz)?,
        };
        let raw_k = match (&opts.raw, &self.raw) {
            (Some((_, _, unit)), Some(raw)) if !raw.data().is_empty() => {
                Some(samples_per_ms(*unit, opts.fs_hz)?)
            }
            _ => None,
        };
        let raster = match &opts.style {
            Hdf5Style::Raster { bin_size_ms, .. } => {
                let r = self.sparse_raster(*bin_size_ms, 0.0)?;
                crate::raster::check_dense(r.n_units, r.n_bins.saturating_mul(2))?;
                Some(r)
            }
            _ => None,
        };
        let mut h = self.h5_with_window(path)?;
        if let (Some((data_name, time_name, unit)), Some(raw), Some(rk)) =
            (&opts.raw, &self.raw, raw_k)
        {
            let d = raw.data();
            h.dataset(
                data_name,
                H5Type::F64,
                &[d.nrows() as u64, d.ncols() as u64],
                |w| write_f64s(w, d.iter().copied()),
            )?;
            h.dataset(
                time_name,
                time_type(*unit),
                &[raw.time().len() as u64],
                |w| write_times(w, [raw.time()], *unit, rk),
            )?;
        }
        match &opts.style {
            Hdf5Style::Raster {
                dataset,
                bin_size_ms,
            } => {
                let Some(r) = raster else {
                    return Err(SpikeDataError::invalid("raster not computed"));
                };
                let node = h.dataset(
                    dataset,
                    H5Type::I64,
                    &[r.n_units as u64, r.n_bins as u64],
                    |w| {
                        let mut row = vec![0i64; r.n_bins];
                        for u in 0..r.n_units {
                            let span = r.indptr[u]..r.indptr[u + 1];
                            for (&b, &c) in r.bins[span.clone()].iter().zip(&r.counts[span.clone()])
                            {
                                row[b as usize] = i64::from(c);
                            }
                            write_chunked(w, row.iter().map(|v| v.to_le_bytes()))?;
                            for &b in &r.bins[span] {
                                row[b as usize] = 0;
                            }
                        }
                        Ok(())
                    },
                )?;
                h.attr(node, "bin_size_ms", *bin_size_ms);
                h.attr(node, "time_origin_ms", self.start_time);
            }
            Hdf5Style::Ragged { times, index, unit } => {
                self.h5_all_times(&mut h, times, *unit, k)?;
                h.dataset_i64(index, &[self.n_units() as u64], &cumulative_ends(self))?;
            }
            Hdf5Style::Group { group, unit } => {
                h.group(group)?;
                for (i, tr) in self.trains.iter().enumerate() {
                    h.dataset(
                        &format!("{group}/{i}"),
                        time_type(*unit),
                        &[tr.len() as u64],
                        |w| write_times(w, [tr.as_slice()], *unit, k),
                    )?;
                }
            }
            Hdf5Style::Paired { idces, times, unit } => {
                let n = self.spike_count() as u64;
                h.dataset(idces, H5Type::I64, &[n], |w| {
                    write_chunked(
                        w,
                        self.trains.iter().enumerate().flat_map(|(u, t)| {
                            std::iter::repeat_n((u as i64).to_le_bytes(), t.len())
                        }),
                    )
                })?;
                self.h5_all_times(&mut h, times, *unit, k)?;
            }
        }
        h.finish()
    }

    /// SpikeLab's `to_nwb(filepath)`: **not an NWB file** but SpikeLab's minimal
    /// "NWB-compatible" HDF5 (what its exporter writes, and what its loader and
    /// [`SpikeData::from_nwb`]'s bare-units fallback read): root attributes `start_time`,
    /// `length_ms`; `units/spike_times` (s), `units/spike_times_index` (cumulative ends),
    /// `units/id` (`0..N`); `units/electrodes` + `electrodes_index` (`1..=N`) when every unit
    /// has a numeric electrode; `general/extracellular_ephys/electrodes/{id, x, y, z}` from
    /// [`SpikeData::unit_locations`] (one row per distinct electrode, in id order). No
    /// `neurodata_type`, namespace or specifications: pynwb does not open it.
    pub fn to_nwb(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut h = self.h5_with_window(path)?;
        let n = self.n_units();
        self.h5_all_times(&mut h, "units/spike_times", ExportUnit::Seconds, 1.0)?;
        h.dataset_i64(
            "units/spike_times_index",
            &[n as u64],
            &cumulative_ends(self),
        )?;
        let ids: Vec<i64> = (0..n as i64).collect();
        h.dataset_i64("units/id", &[n as u64], &ids)?;
        let electrodes = self.electrodes().as_deref().and_then(electrode_numbers);
        if let Some(el) = &electrodes {
            match el {
                Times::I64(v) => h.dataset_i64("units/electrodes", &[v.len() as u64], v)?,
                Times::F64(v) => h.dataset_f64("units/electrodes", &[v.len() as u64], v)?,
            };
            let eidx: Vec<i64> = (1..=n as i64).collect();
            h.dataset_i64("units/electrodes_index", &[n as u64], &eidx)?;
        }
        if let Some(loc) = self.unit_locations() {
            let (ids, rows): (Vec<i64>, Vec<usize>) = match &electrodes {
                Some(Times::I64(el)) => {
                    // np.unique(return_index=True): sorted ids, first unit of each
                    let mut firsts: std::collections::BTreeMap<i64, usize> = Default::default();
                    for (u, &id) in el.iter().enumerate() {
                        firsts.entry(id).or_insert(u);
                    }
                    firsts.into_iter().unzip()
                }
                Some(Times::F64(el)) => {
                    let mut firsts: Vec<(f64, usize)> = Vec::new();
                    for (u, &id) in el.iter().enumerate() {
                        if !firsts.iter().any(|(v, _)| *v == id) {
                            firsts.push((id, u));
                        }
                    }
                    firsts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    firsts.into_iter().map(|(v, u)| (v as i64, u)).unzip()
                }
                None => ((0..n as i64).collect(), (0..n).collect()),
            };
            let g = "general/extracellular_ephys/electrodes";
            h.dataset_i64(&format!("{g}/id"), &[ids.len() as u64], &ids)?;
            for (k, axis) in ["x", "y", "z"].into_iter().enumerate().take(loc.ncols()) {
                let col: Vec<f64> = rows.iter().map(|&r| loc[[r, k]]).collect();
                h.dataset_f64(&format!("{g}/{axis}"), &[col.len() as u64], &col)?;
            }
        }
        h.finish()
    }
}

/// `np.cumsum(counts)`: the cumulative end of each unit's spikes.
fn cumulative_ends(sd: &SpikeData) -> Vec<i64> {
    let mut acc = 0i64;
    sd.trains
        .iter()
        .map(|t| {
            acc += t.len() as i64;
            acc
        })
        .collect()
}
