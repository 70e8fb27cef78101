//! SpikeLab's HDF5 exporters (`to_hdf5` in its four styles, and `to_nwb`'s minimal units
//! layout), written with the pure-Rust `hdf5-writer` (superblock v2).

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use crate::export::{ExportUnit, Times, electrode_numbers, times_from_ms};
use hdf5_writer::{AttributeBuilder, DatasetBuilder, Hdf5Builder, Hdf5Writer, WriteOptions};
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

fn h5err(path: &Path) -> impl Fn(hdf5_writer::Error) -> SpikeDataError + '_ {
    move |e| SpikeDataError::invalid(format!("{}: HDF5 writer: {e}", path.display()))
}

/// A 1-D `float64` / `int64` dataset, its bytes laid out here in one pass (the writer's
/// typed path converts value by value).
fn times_dataset(name: &str, t: &Times) -> std::result::Result<DatasetBuilder, hdf5_writer::Error> {
    let (n, bytes) = match t {
        Times::F64(v) => (
            v.len(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(),
        ),
        Times::I64(v) => (
            v.len(),
            v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>(),
        ),
    };
    let shape = vec![n as u64];
    Ok(match t {
        Times::F64(_) => DatasetBuilder::typed::<f64>(name, shape),
        Times::I64(_) => DatasetBuilder::typed::<i64>(name, shape),
    }
    .raw_data(bytes))
}

/// The spike times of every unit, in unit order.
fn flat_times(sd: &SpikeData) -> Vec<f64> {
    sd.trains.iter().flatten().copied().collect()
}

fn finish(path: &Path, b: Hdf5Builder) -> Result<()> {
    let plan = b.into_plan().map_err(h5err(path))?;
    let file = std::fs::File::create(path).map_err(|source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut w = Hdf5Writer::new(std::io::BufWriter::new(file), WriteOptions::default())
        .finish(plan)
        .map_err(h5err(path))?;
    std::io::Write::flush(&mut w).map_err(|source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl SpikeData {
    fn window_attrs(&self, path: &Path) -> Result<Hdf5Builder> {
        let e = h5err(path);
        Ok(Hdf5Builder::new()
            .attribute(AttributeBuilder::scalar("start_time", self.start_time).map_err(&e)?)
            .attribute(AttributeBuilder::scalar("length_ms", self.length).map_err(&e)?))
    }

    /// SpikeLab's `to_hdf5(filepath, style=...)`: root attributes `start_time` and
    /// `length_ms` (ms), the spikes in one of the four [`Hdf5Style`]s, and optionally the raw
    /// signal (`float64` `channels × samples`, times in the chosen unit). Overwrites the
    /// file. As SpikeLab, attributes and metadata are not written; the crate's
    /// [`SpikeData::from_hdf5`] and spikelab's `load_spikedata_from_hdf5` read the files
    /// back (the golden script checks the latter).
    pub fn to_hdf5(&self, path: impl AsRef<Path>, opts: &Hdf5Export) -> Result<()> {
        let path = path.as_ref();
        let e = h5err(path);
        let mut b = self.window_attrs(path)?;
        if let (Some((data_name, time_name, unit)), Some(raw)) = (&opts.raw, &self.raw)
            && !raw.data().is_empty()
        {
            let d = raw.data();
            let flat: Vec<f64> = d.iter().copied().collect();
            b = b.dataset(
                DatasetBuilder::typed_data(
                    data_name.as_str(),
                    vec![d.nrows() as u64, d.ncols() as u64],
                    &flat,
                )
                .map_err(&e)?,
            );
            let t = times_from_ms(raw.time(), *unit, opts.fs_hz)?;
            b = b.dataset(times_dataset(time_name, &t).map_err(&e)?);
        }
        match &opts.style {
            Hdf5Style::Raster {
                dataset,
                bin_size_ms,
            } => {
                if !(*bin_size_ms > 0.0) {
                    return Err(SpikeDataError::invalid(
                        "raster_bin_size_ms must be provided and > 0 for raster style",
                    ));
                }
                let r = self.sparse_raster(*bin_size_ms, 0.0)?;
                crate::raster::check_dense(r.n_units, r.n_bins.saturating_mul(2))?;
                let mut dense = vec![0i64; r.n_units * r.n_bins];
                for (u, bin, c) in r.triplets() {
                    dense[u * r.n_bins + bin] = i64::from(c);
                }
                let ds = DatasetBuilder::typed_data(
                    dataset.as_str(),
                    vec![r.n_units as u64, r.n_bins as u64],
                    &dense,
                )
                .map_err(&e)?
                .attribute(AttributeBuilder::scalar("bin_size_ms", *bin_size_ms).map_err(&e)?)
                .attribute(
                    AttributeBuilder::scalar("time_origin_ms", self.start_time).map_err(&e)?,
                );
                b = b.dataset(ds);
            }
            Hdf5Style::Ragged { times, index, unit } => {
                let flat = flat_times(self);
                let t = times_from_ms(&flat, *unit, opts.fs_hz)?;
                let idx = cumulative_ends(self);
                b = b.dataset(times_dataset(times, &t).map_err(&e)?).dataset(
                    DatasetBuilder::typed_data(index.as_str(), vec![idx.len() as u64], &idx)
                        .map_err(&e)?,
                );
            }
            Hdf5Style::Group { group, unit } => {
                for (i, tr) in self.trains.iter().enumerate() {
                    let t = times_from_ms(tr, *unit, opts.fs_hz)?;
                    b = b.dataset(times_dataset(&format!("{group}/{i}"), &t).map_err(&e)?);
                }
            }
            Hdf5Style::Paired { idces, times, unit } => {
                let (iv, tv) = self.idces_times();
                let iv: Vec<i64> = iv.into_iter().map(|i| i as i64).collect();
                let t = times_from_ms(&tv, *unit, opts.fs_hz)?;
                b = b
                    .dataset(
                        DatasetBuilder::typed_data(idces.as_str(), vec![iv.len() as u64], &iv)
                            .map_err(&e)?,
                    )
                    .dataset(times_dataset(times, &t).map_err(&e)?);
            }
        }
        finish(path, b)
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
        let e = h5err(path);
        let mut b = self.window_attrs(path)?;
        let t: Vec<f64> = self.trains.iter().flatten().map(|v| v / 1e3).collect();
        let idx = cumulative_ends(self);
        let n = self.n_units();
        let ids: Vec<i64> = (0..n as i64).collect();
        b = b
            .dataset(
                DatasetBuilder::typed_data("units/spike_times", vec![t.len() as u64], &t)
                    .map_err(&e)?,
            )
            .dataset(
                DatasetBuilder::typed_data("units/spike_times_index", vec![n as u64], &idx)
                    .map_err(&e)?,
            )
            .dataset(DatasetBuilder::typed_data("units/id", vec![n as u64], &ids).map_err(&e)?);
        let electrodes = self.electrodes().as_deref().and_then(electrode_numbers);
        if let Some(el) = &electrodes {
            let eidx: Vec<i64> = (1..=n as i64).collect();
            b = b
                .dataset(crate::export_hdf5::times_dataset("units/electrodes", el).map_err(&e)?)
                .dataset(
                    DatasetBuilder::typed_data("units/electrodes_index", vec![n as u64], &eidx)
                        .map_err(&e)?,
                );
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
            b = b.dataset(
                DatasetBuilder::typed_data(format!("{g}/id"), vec![ids.len() as u64], &ids)
                    .map_err(&e)?,
            );
            for (k, axis) in ["x", "y", "z"].into_iter().enumerate().take(loc.ncols()) {
                let col: Vec<f64> = rows.iter().map(|&r| loc[[r, k]]).collect();
                b = b.dataset(
                    DatasetBuilder::typed_data(format!("{g}/{axis}"), vec![col.len() as u64], &col)
                        .map_err(&e)?,
                );
            }
        }
        finish(path, b)
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
