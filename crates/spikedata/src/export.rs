//! SpikeLab's KiloSort/Phy exporter (`to_kilosort`) and the time conversions the exporters
//! share (`times_from_ms`).

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The unit of exported times (SpikeLab's `TimeUnit` of the exporters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportUnit {
    /// Seconds, `float64` (`ms / 1e3`).
    Seconds,
    /// Milliseconds, `float64` (as stored).
    #[default]
    Milliseconds,
    /// Sample indexes, `int64`: `rint(ms · (fs / 1e3))` (needs a sample rate).
    Samples,
}

/// Exported times: floats, or integer sample indexes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Times {
    F64(Vec<f64>),
    I64(Vec<i64>),
}

/// Streams the times of `parts` (in order) converted as SpikeLab's `times_from_ms`, value
/// by value: milliseconds as they are, seconds `ms / 1e3`, samples `rint(ms · k)` as `int64`
/// (`k` = `fs / 1e3`, checked by the caller); a time out of range as a sample index is an
/// error after the stream. The values are converted into a 1 MiB buffer across part
/// boundaries (a loop the compiler vectorises), written when full: one write per MiB, not two
/// per part (10^7 spikes in 1,000 units were 2,000 writes, most not page-aligned).
pub(crate) fn write_times<'a>(
    w: &mut dyn std::io::Write,
    parts: impl IntoIterator<Item = &'a [f64]>,
    unit: ExportUnit,
    k: f64,
) -> std::io::Result<()> {
    const N: usize = TIMES_BUF_BYTES / 8;
    let mut buf = vec![0u8; TIMES_BUF_BYTES];
    let mut fill = 0usize; // values in buf
    let mut bad = None;
    for part in parts {
        let mut rest = part;
        while !rest.is_empty() {
            let take = rest.len().min(N - fill);
            let (piece, tail) = rest.split_at(take);
            rest = tail;
            let out = &mut buf[fill * 8..(fill + take) * 8];
            match unit {
                ExportUnit::Milliseconds => {
                    for (o, &t) in out.chunks_exact_mut(8).zip(piece) {
                        o.copy_from_slice(&t.to_le_bytes());
                    }
                }
                ExportUnit::Seconds => {
                    for (o, &t) in out.chunks_exact_mut(8).zip(piece) {
                        o.copy_from_slice(&(t / 1e3).to_le_bytes());
                    }
                }
                ExportUnit::Samples => {
                    for (o, &t) in out.chunks_exact_mut(8).zip(piece) {
                        let s = (t * k).round_ties_even();
                        let v = if s.is_finite() && s.abs() < 9.2e18 {
                            s as i64
                        } else {
                            bad.get_or_insert(t);
                            0
                        };
                        o.copy_from_slice(&v.to_le_bytes());
                    }
                }
            }
            fill += take;
            if fill == N {
                w.write_all(&buf)?;
                fill = 0;
            }
        }
    }
    w.write_all(&buf[..fill * 8])?;
    match bad {
        Some(t) => Err(std::io::Error::other(format!(
            "time {t} ms is out of range as a sample index"
        ))),
        None => Ok(()),
    }
}

/// Size of [`write_times`]' buffer.
const TIMES_BUF_BYTES: usize = 1 << 20;

/// Size of the pieces [`write_chunked`] writes.
pub(crate) const CHUNK_BYTES: usize = 1 << 16;

/// Writes 8-byte items through a 64 KiB buffer.
pub(crate) fn write_chunked(
    w: &mut dyn std::io::Write,
    items: impl Iterator<Item = [u8; 8]>,
) -> std::io::Result<()> {
    const N: usize = CHUNK_BYTES / 8;
    let mut buf = [0u8; N * 8];
    let mut k = 0;
    for it in items {
        buf[k * 8..k * 8 + 8].copy_from_slice(&it);
        k += 1;
        if k == N {
            w.write_all(&buf)?;
            k = 0;
        }
    }
    w.write_all(&buf[..k * 8])
}

/// Writes `f64`s, little-endian.
#[cfg_attr(not(feature = "hdf5-export"), allow(dead_code))]
pub(crate) fn write_f64s(
    w: &mut dyn std::io::Write,
    v: impl Iterator<Item = f64>,
) -> std::io::Result<()> {
    write_chunked(w, v.map(f64::to_le_bytes))
}

#[cfg_attr(not(feature = "hdf5-export"), allow(dead_code))]
pub(crate) fn check_fs(fs_hz: Option<f64>) -> Result<f64> {
    match fs_hz {
        Some(f) if f.is_finite() && f > 0.0 => Ok(f),
        other => Err(SpikeDataError::invalid(format!(
            "fs_Hz must be a positive finite number when unit='samples', got {other:?}."
        ))),
    }
}

/// The `.npy` bytes of a 1-D `int64` or `float64` array.
pub(crate) fn npy_1d(t: &Times) -> Vec<u8> {
    let (descr, n) = match t {
        Times::F64(v) => ("<f8", v.len()),
        Times::I64(v) => ("<i8", v.len()),
    };
    let mut out = rawio_core::npy_header_bytes(descr, &[n as u64]);
    match t {
        Times::F64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Times::I64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
    }
    out
}

/// Electrode values as numbers: all integers → `I64`, all numbers → `F64`, else `None`.
pub(crate) fn electrode_numbers(values: &[Value]) -> Option<Times> {
    if let Some(v) = values.iter().map(Value::as_i64).collect::<Option<Vec<_>>>() {
        return Some(Times::I64(v));
    }
    values
        .iter()
        .map(Value::as_f64)
        .collect::<Option<Vec<_>>>()
        .map(Times::F64)
}

/// Arguments of [`SpikeData::to_kilosort`] (SpikeLab's `export_spikedata_to_kilosort`).
#[derive(Debug, Clone, PartialEq)]
pub struct KilosortExport {
    /// Sample rate in Hz (required, positive).
    pub fs_hz: f64,
    /// Unit of `spike_times.npy` (default: samples, as KiloSort).
    pub time_unit: ExportUnit,
    /// Cluster id of each unit (default `0..N`).
    pub cluster_ids: Option<Vec<i64>>,
    /// File name of the spike times (default `spike_times.npy`).
    pub spike_times_file: String,
    /// File name of the spike clusters (default `spike_clusters.npy`).
    pub spike_clusters_file: String,
}

impl KilosortExport {
    /// SpikeLab's defaults at `fs_hz`.
    pub fn new(fs_hz: f64) -> Self {
        KilosortExport {
            fs_hz,
            time_unit: ExportUnit::Samples,
            cluster_ids: None,
            spike_times_file: "spike_times.npy".into(),
            spike_clusters_file: "spike_clusters.npy".into(),
        }
    }
}

/// Writes a 1-D `.npy` of `n` 8-byte elements whose bytes `fill` streams.
fn stream_npy(
    path: &Path,
    descr: &str,
    n: u64,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    let io = |source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = crate::npz::create_fresh(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
    w.write_all(&rawio_core::npy_header_bytes(descr, &[n]))
        .map_err(io)?;
    fill(&mut w).map_err(io)?;
    w.flush().map_err(io)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl SpikeData {
    /// SpikeLab's `to_kilosort(folder, fs_Hz, ...)`: `spike_times.npy` (`int64` samples
    /// `rint(ms · fs / 1e3)`, or `float64` ms / s) and `spike_clusters.npy` (`int64`), one
    /// row per spike in **unit order** (not time order), and `channel_map.npy` from
    /// [`SpikeData::electrodes`] when every unit has a numeric one (SpikeLab would also
    /// save strings). Unlike SpikeLab it also writes a `params.py` (`sample_rate`, no
    /// `.dat`) so that phy-style readers such as [`SpikeData::from_kilosort`] open the
    /// folder. The folder is created. Like SpikeLab, `start_time` is not stored
    /// (SpikeLab warns when it is not 0). Returns the two paths.
    pub fn to_kilosort(
        &self,
        folder: impl AsRef<Path>,
        opts: &KilosortExport,
    ) -> Result<(PathBuf, PathBuf)> {
        let folder = folder.as_ref();
        if !(opts.fs_hz.is_finite() && opts.fs_hz > 0.0) {
            return Err(SpikeDataError::invalid(
                "A positive fs_Hz is required for KiloSort export",
            ));
        }
        let ids: Vec<i64> = match &opts.cluster_ids {
            Some(c) if c.len() != self.n_units() => {
                return Err(SpikeDataError::invalid(
                    "cluster_ids length must match sd.N",
                ));
            }
            Some(c) => c.clone(),
            None => (0..self.n_units() as i64).collect(),
        };
        std::fs::create_dir_all(folder).map_err(|source| SpikeDataError::Io {
            path: folder.to_path_buf(),
            source,
        })?;
        let tp = folder.join(&opts.spike_times_file);
        let cp = folder.join(&opts.spike_clusters_file);
        // streamed, in unit order
        let n = self.spike_count() as u64;
        let descr = match opts.time_unit {
            ExportUnit::Samples => "<i8",
            _ => "<f8",
        };
        let k = opts.fs_hz / 1e3;
        let unit = opts.time_unit;
        stream_npy(&tp, descr, n, |w| {
            write_times(w, self.trains.iter().map(Vec::as_slice), unit, k)
        })?;
        stream_npy(&cp, "<i8", n, |w| {
            write_chunked(
                w,
                self.trains
                    .iter()
                    .zip(&ids)
                    .flat_map(|(t, id)| std::iter::repeat_n(id.to_le_bytes(), t.len())),
            )
        })?;
        let electrodes = self.electrodes().as_deref().and_then(electrode_numbers);
        if let Some(e) = &electrodes {
            write_file(&folder.join("channel_map.npy"), &npy_1d(e))?;
        }
        // phy needs params.py (SpikeLab writes none; its loader ignores it)
        let n_channels = match &electrodes {
            Some(Times::I64(v)) => v.iter().max().map_or(1, |&m| m.max(0) + 1),
            _ => 1,
        };
        let params = format!(
            "dat_path = ''\nn_channels_dat = {n_channels}\ndtype = 'int16'\noffset = 0\n\
             sample_rate = {:?}\nhp_filtered = False\n",
            opts.fs_hz
        );
        write_file(&folder.join("params.py"), params.as_bytes())?;
        Ok((tp, cp))
    }
}
