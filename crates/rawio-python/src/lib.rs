//! `rawio._rawio`: the compiled half of the `rawio` Python package.
//!
//! The Python package (`python/rawio`) exposes neo.rawio's `BaseRawIO` surface; this module is
//! the thin, validated bridge to the Rust readers it stands on: one [`Reader`] class wrapping
//! a `Box<dyn RawIO>` from the umbrella crate, with index-level methods that release the GIL
//! while reading and hand owned arrays to numpy without a second copy.
//!
//! ```no_run
//! # // The module is used from Python:
//! # // >>> from rawio import _rawio
//! # // >>> r = _rawio.Reader.open("session.xml", None)
//! # // >>> r.chunk(0, 0, 0, 0, 1000, None).shape
//! # // (1000, 32)
//! ```
//!
//! Errors are the Python exceptions of `rawio._errors` (chosen from the Rust error's variant),
//! carrying the Rust message; nothing here panics.

// The methods mirror neo's Python signatures (block, segment, stream, range, selection...).
#![allow(clippy::too_many_arguments)]

use ndarray::{Array2, ArrayView2, Axis, Dimension, Ix2, Slice};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rawio::prelude::*;
use rawio::{RawArray, Sample, dispatch_raw};
use std::path::PathBuf;

/// A rawio error as the matching `rawio._errors` exception (message = the Rust message).
fn py_err(py: Python<'_>, e: rawio::Error) -> PyErr {
    let class = match &e {
        rawio::Error::Io { .. } => "ReadError",
        rawio::Error::Corrupt { .. } => "CorruptFileError",
        rawio::Error::Unsupported { .. } => "UnsupportedError",
        rawio::Error::NotFound { .. } => "MissingFileError",
        rawio::Error::UnknownFormat { .. } => "UnknownFormatError",
        rawio::Error::OutOfRange { .. } => "OutOfRangeError",
        rawio::Error::UnknownId { .. } => "UnknownIdError",
        _ => "ArgumentError",
    };
    let msg = e.to_string();
    let made = py
        .import("rawio._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((msg.clone(),)));
    match made {
        Ok(value) => PyErr::from_value(value),
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

/// An owned raw array handed to numpy (the buffer moves, no copy).
fn to_numpy<D: Dimension>(py: Python<'_>, raw: RawArray<'static, D>) -> Py<PyAny> {
    dispatch_raw!(raw, a => a.into_owned().into_pyarray(py).into_any().unbind())
}

fn window(t_start: Option<f64>, t_stop: Option<f64>) -> TimeWindow {
    TimeWindow::new(t_start, t_stop)
}

/// One recording opened by a Rust reader. Every method validates its indexes (errors, never
/// panics) and releases the GIL while it reads.
#[pyclass(frozen, module = "rawio._rawio")]
struct Reader {
    inner: Box<dyn RawIO>,
}

impl Reader {
    fn io<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&dyn RawIO) -> rawio::Result<T> + Send,
    ) -> PyResult<T> {
        let r: &dyn RawIO = self.inner.as_ref();
        py.detach(|| f(r)).map_err(|e| py_err(py, e))
    }
}

#[pymethods]
impl Reader {
    /// Opens `path` with the format `format_id`, or the format that recognises it.
    #[staticmethod]
    #[pyo3(signature = (path, format_id=None))]
    fn open(py: Python<'_>, path: PathBuf, format_id: Option<String>) -> PyResult<Reader> {
        let inner = py
            .detach(|| match &format_id {
                Some(id) => rawio::open_as(&path, id),
                None => rawio::open(&path),
            })
            .map_err(|e| py_err(py, e))?;
        Ok(Reader { inner })
    }

    /// The format id (`"plexon"`, ...).
    fn format_id(&self) -> &'static str {
        self.inner.format_id()
    }

    /// The path(s) the reader was opened on.
    fn source_name(&self) -> String {
        self.inner.source_name()
    }

    /// The whole header as JSON (rawio-core's `Header`, annotations included).
    fn header_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.header())
            .map_err(|e| PyRuntimeError::new_err(format!("header to JSON: {e}")))
    }

    /// `rawio dump --json` of this reader (the `rawio-dump/1` contract).
    #[pyo3(signature = (full=false))]
    fn dump_json(&self, py: Python<'_>, full: bool) -> PyResult<String> {
        let v = self.io(py, |r| rawio_conformance::dump_json(r, full))?;
        Ok(v.to_string())
    }

    /// Samples of `stream` in the segment.
    fn signal_size(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        stream: usize,
    ) -> PyResult<u64> {
        self.io(py, |r| r.signal_size(block, seg, stream))
    }

    /// Time of the stream's first sample in the segment, seconds.
    fn signal_t_start(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        stream: usize,
    ) -> PyResult<f64> {
        self.io(py, |r| r.signal_t_start(block, seg, stream))
    }

    /// Where the stream segment's samples lie in a file:
    /// `(path, dtype, file_offset, (samples, values_per_frame), (first_column, end_column))`,
    /// or `None` when they are not plain little-endian frames of one file.
    #[allow(clippy::type_complexity)]
    fn buffer_description(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        stream: usize,
    ) -> PyResult<Option<(PathBuf, &'static str, u64, (u64, u64), (u64, u64))>> {
        let d = self.io(py, |r| r.signal_buffer_description(block, seg, stream))?;
        Ok(d.map(|d| {
            (
                d.file_path,
                d.dtype.name(),
                d.file_offset,
                (d.shape[0], d.shape[1]),
                (d.columns.start, d.columns.end),
            )
        }))
    }

    /// Samples `[i_start, i_stop)` of the `channels` (local indexes, all when `None`) of
    /// `stream`, as an owned `samples × channels` array in the file's dtype. The reader is told
    /// to release the pages it read (the samples were copied out).
    #[pyo3(signature = (block, seg, stream, i_start, i_stop, channels=None))]
    fn chunk(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        stream: usize,
        i_start: Option<u64>,
        i_stop: Option<u64>,
        channels: Option<Vec<usize>>,
    ) -> PyResult<Py<PyAny>> {
        let sel = match channels {
            Some(v) => ChannelSelection::Indexes(v),
            None => ChannelSelection::All,
        };
        let raw = self.io(py, |r| {
            let c = r.analogsignal_chunk(block, seg, stream, i_start, i_stop, &sel)?;
            let was_view = c.is_view();
            let owned = if was_view && c.len().saturating_mul(c.shape()[1]) >= PARALLEL_VALUES {
                copy_rows(&c)
            } else {
                c.into_owned()
            };
            if was_view {
                let size = r.signal_size(block, seg, stream)?;
                let range = i_start.unwrap_or(0)..i_stop.unwrap_or(size);
                r.release_signal(block, seg, stream, range);
            }
            Ok(owned)
        })?;
        Ok(to_numpy(py, raw))
    }

    /// Times in seconds of samples `[i_start, i_stop)` on `clock` (`"default"`, `"regular"`
    /// or `"explicit"`).
    fn signal_times<'py>(
        &self,
        py: Python<'py>,
        block: usize,
        seg: usize,
        stream: usize,
        i_start: u64,
        i_stop: u64,
        clock: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let clock = parse_clock(py, clock)?;
        let t = self.io(py, |r| {
            Ok(
                r.signal_times_on(block, seg, stream, i_start..i_stop, clock)?
                    .into_owned(),
            )
        })?;
        Ok(t.into_pyarray(py))
    }

    /// First sample of `stream` whose time on `clock` is `>= t` (numpy's searchsorted left).
    fn sample_index(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        stream: usize,
        t: f64,
        clock: &str,
    ) -> PyResult<u64> {
        let clock = parse_clock(py, clock)?;
        self.io(py, |r| r.sample_index(block, seg, stream, t, clock))
    }

    /// `"regular"`, `"explicit"` or `"regular+explicit"` (see rawio-core's `clock` module).
    fn signal_clock(&self, py: Python<'_>, stream: usize) -> PyResult<&'static str> {
        let h = self.inner.header();
        h.stream(stream)
            .map(|s| s.clock.name())
            .map_err(|e| py_err(py, e))
    }

    /// Spikes of `unit` in the segment.
    fn spike_count(&self, py: Python<'_>, block: usize, seg: usize, unit: usize) -> PyResult<u64> {
        self.io(py, |r| r.spike_count(block, seg, unit))
    }

    /// Raw spike timestamps of `unit` inside `[t_start, t_stop]` (seconds, inclusive;
    /// `None` = unbounded), sorted, in the file's dtype.
    #[pyo3(signature = (block, seg, unit, t_start=None, t_stop=None))]
    fn spike_timestamps(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        unit: usize,
        t_start: Option<f64>,
        t_stop: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let ts = self.io(py, |r| {
            Ok(
                r.spike_timestamps(block, seg, unit, window(t_start, t_stop))?
                    .into_owned(),
            )
        })?;
        Ok(to_numpy(py, ts))
    }

    /// Raw units per second of the spike timestamps (`seconds = raw / per_second`).
    fn spike_time_base(&self) -> f64 {
        self.inner.spike_time_base().per_second
    }

    /// Raw waveforms (`spikes × channels × samples`) of the spikes of `unit` inside the
    /// window, or `None` when the file has none.
    #[pyo3(signature = (block, seg, unit, t_start=None, t_stop=None))]
    fn spike_waveforms(
        &self,
        py: Python<'_>,
        block: usize,
        seg: usize,
        unit: usize,
        t_start: Option<f64>,
        t_stop: Option<f64>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let wf = self.io(py, |r| {
            Ok(
                r.spike_raw_waveforms(block, seg, unit, window(t_start, t_stop))?
                    .map(RawArray::into_owned),
            )
        })?;
        Ok(wf.map(|w| to_numpy(py, w)))
    }

    /// Events of channel `ev` in the segment.
    fn event_count(&self, py: Python<'_>, block: usize, seg: usize, ev: usize) -> PyResult<u64> {
        self.io(py, |r| r.event_count(block, seg, ev))
    }

    /// `(raw timestamps, raw durations or None, labels)` of the events of channel `ev` inside
    /// `[t_start, t_stop]` (seconds, inclusive; `None` = unbounded).
    #[pyo3(signature = (block, seg, ev, t_start=None, t_stop=None))]
    fn events<'py>(
        &self,
        py: Python<'py>,
        block: usize,
        seg: usize,
        ev: usize,
        t_start: Option<f64>,
        t_stop: Option<f64>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let e = self.io(py, |r| {
            Ok(r.event_timestamps(block, seg, ev, window(t_start, t_stop))?
                .into_owned())
        })?;
        let ts = to_numpy(py, e.timestamps.into_owned());
        let durs = e.durations.map(|d| to_numpy(py, d.into_owned()));
        let labels = PyList::new(py, e.labels)?;
        PyTuple::new(
            py,
            [
                ts,
                durs.into_pyobject(py)?.unbind(),
                labels.into_any().unbind(),
            ],
        )
    }

    /// Raw units per second of the timestamps and durations of event channel `ev`.
    fn event_time_base(&self, py: Python<'_>, ev: usize) -> PyResult<f64> {
        self.inner
            .header()
            .event_channel(ev)
            .map_err(|e| py_err(py, e))?;
        Ok(self.inner.event_time_base(ev).per_second)
    }
}

fn parse_clock(py: Python<'_>, clock: &str) -> PyResult<Clock> {
    match clock {
        "default" => Ok(Clock::Default),
        "regular" => Ok(Clock::Regular),
        "explicit" => Ok(Clock::Explicit),
        other => Err(py_err(
            py,
            rawio::Error::invalid(format!(
                "clock must be \"default\", \"regular\" or \"explicit\", not {other:?}"
            )),
        )),
    }
}

/// `raw * gain + offset` per column with rawio-core's (neo's) exact numerics, as float32
/// (`f32 = true`) or float64, or `None` when `raw` is not a 2-D array of one of the ten
/// native-order sample types (the caller then uses numpy).
#[pyfunction]
fn rescale_signal<'py>(
    py: Python<'py>,
    raw: &Bound<'py, PyUntypedArray>,
    gains: Vec<f64>,
    offsets: Vec<f64>,
    f32: bool,
) -> PyResult<Option<Py<PyAny>>> {
    if raw.ndim() != 2 || raw.shape()[1] != gains.len() || gains.len() != offsets.len() {
        return Ok(None);
    }
    macro_rules! try_dtype {
        ($($t:ty),*) => {$(
            if let Ok(a) = raw.extract::<PyReadonlyArray2<'py, $t>>() {
                let view = a.as_array();
                let out = py.detach(|| rescale_rows(view, &gains, &offsets, f32));
                return Ok(out.map(|o| o.into_py(py)));
            }
        )*};
    }
    try_dtype!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);
    Ok(None)
}

/// Chunks of at least this many values are rescaled on several threads (the GIL is released).
const PARALLEL_VALUES: usize = 1 << 22;
/// At most this many rescaling threads.
const MAX_THREADS: usize = 4;

/// An owned copy of a borrowed chunk, made by [`map_rows`] (on several threads when large).
fn copy_rows(c: &RawArray<'_, Ix2>) -> RawArray<'static, Ix2> {
    fn copy<T: Sample + Default>(a: ArrayView2<'_, T>) -> Option<RawArray<'static, Ix2>> {
        let unused = vec![0.0; a.ncols()];
        map_rows(a, &unused, &unused, |v: T, _, _| v).map(RawArray::new)
    }
    dispatch_raw!(c, a => copy(a.view())).unwrap_or_else(|| c.clone().into_owned())
}

/// The rescaled array, float32 or float64.
enum Rescaled {
    F32(Array2<f32>),
    F64(Array2<f64>),
}

impl Rescaled {
    fn into_py(self, py: Python<'_>) -> Py<PyAny> {
        match self {
            Rescaled::F32(a) => a.into_pyarray(py).into_any().unbind(),
            Rescaled::F64(a) => a.into_pyarray(py).into_any().unbind(),
        }
    }
}

/// `f(value, gain[c], offset[c])` for every value of `a`, row by row (vectorisable), on up to
/// [`MAX_THREADS`] threads for chunks of [`PARALLEL_VALUES`] values or more; `None` only if the
/// shape could not be rebuilt (never: rows × columns values are produced).
fn map_rows<T: Sample, O: Copy + Default + Send>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    f: impl Fn(T, f64, f64) -> O + Sync,
) -> Option<Array2<O>> {
    let (n, ncols) = (a.len(), a.ncols());
    let threads = if n >= PARALLEL_VALUES {
        std::thread::available_parallelism().map_or(1, |t| t.get().min(MAX_THREADS))
    } else {
        1
    };
    let out = if threads == 1 || ncols == 0 {
        let mut out = Vec::with_capacity(n);
        fill(a, &mut out, g, o, &f);
        out
    } else {
        // large: a zeroed allocation (a fresh zero mapping, no pass over the memory) split by
        // rows between `threads` threads
        let mut out = vec![O::default(); n];
        let rows_per = a.nrows().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (i, dst) in out.chunks_mut(rows_per * ncols).enumerate() {
                let start = i * rows_per;
                let part = a.slice_axis(Axis(0), Slice::from(start..start + dst.len() / ncols));
                let f = &f;
                s.spawn(move || fill_into(part, dst, g, o, f));
            }
        });
        out
    };
    // rows × columns values: the shape always matches
    Array2::from_shape_vec(a.raw_dim(), out).ok()
}
/// [`map_rows`] of `part` into `dst` (`part.len()` values), on one thread.
fn fill_into<T: Sample, O: Copy>(
    part: ArrayView2<'_, T>,
    dst: &mut [O],
    g: &[f64],
    o: &[f64],
    f: &impl Fn(T, f64, f64) -> O,
) {
    let ncols = part.ncols().max(1);
    let row = |src: &[T], d: &mut [O]| {
        for (((d, &v), &gc), &oc) in d.iter_mut().zip(src).zip(g).zip(o) {
            *d = f(v, gc, oc);
        }
    };
    let rows = dst.chunks_exact_mut(ncols);
    match part.as_slice() {
        Some(flat) => flat
            .chunks_exact(ncols)
            .zip(rows)
            .for_each(|(s, d)| row(s, d)),
        None => {
            let mut buf = Vec::with_capacity(ncols);
            for (src, d) in part.rows().into_iter().zip(rows) {
                buf.clear();
                buf.extend(src.iter().copied());
                row(&buf, d);
            }
        }
    }
}

/// [`map_rows`] on one thread, appending to `out`.
fn fill<T: Sample, O: Copy>(
    part: ArrayView2<'_, T>,
    out: &mut Vec<O>,
    g: &[f64],
    o: &[f64],
    f: &impl Fn(T, f64, f64) -> O,
) {
    let ncols = part.ncols();
    let row = |src: &[T], out: &mut Vec<O>| {
        out.extend(
            src.iter()
                .zip(g)
                .zip(o)
                .map(|((&v, &gc), &oc)| f(v, gc, oc)),
        );
    };
    match part.as_slice() {
        Some(flat) if ncols > 0 => flat.chunks_exact(ncols).for_each(|src| row(src, out)),
        _ => {
            let mut buf = Vec::with_capacity(ncols);
            for src in part.rows() {
                buf.clear();
                buf.extend(src.iter().copied());
                row(&buf, out);
            }
        }
    }
}

/// `raw * gain[c] + offset[c]` with neo's numerics (rawio-core's `rescale::signal_f32` /
/// `signal_f64`: the multiplication only when a gain differs from 1, the addition only when an
/// offset differs from 0, float32 rounded after each step), walking the chunk row by row so the
/// per-channel loop vectorises (rawio-core's kernels walk columns of the row-major chunk, which
/// is as slow as numpy; see the crate's CHANGELOG).
fn rescale_rows<T: Sample>(
    a: ArrayView2<'_, T>,
    g: &[f64],
    o: &[f64],
    f32: bool,
) -> Option<Rescaled> {
    let go = (g.iter().any(|&x| x != 1.0), o.iter().any(|&x| x != 0.0));
    if f32 {
        let step = |v: f32, gc: f64, oc: f64, (ug, uo): (bool, bool)| {
            let v = if ug { (f64::from(v) * gc) as f32 } else { v };
            if uo { (f64::from(v) + oc) as f32 } else { v }
        };
        Some(Rescaled::F32(match go {
            (true, true) => map_rows(a, g, o, |v: T, gc, oc| {
                step(v.to_f32(), gc, oc, (true, true))
            }),
            (true, false) => map_rows(a, g, o, |v: T, gc, oc| {
                step(v.to_f32(), gc, oc, (true, false))
            }),
            (false, true) => map_rows(a, g, o, |v: T, gc, oc| {
                step(v.to_f32(), gc, oc, (false, true))
            }),
            (false, false) => map_rows(a, g, o, |v: T, _, _| v.to_f32()),
        }?))
    } else {
        Some(Rescaled::F64(match go {
            (true, true) => map_rows(a, g, o, |v: T, gc, oc| v.to_f64() * gc + oc),
            (true, false) => map_rows(a, g, o, |v: T, gc, _| v.to_f64() * gc),
            (false, true) => map_rows(a, g, o, |v: T, _, oc| v.to_f64() + oc),
            (false, false) => map_rows(a, g, o, |v: T, _, _| v.to_f64()),
        }?))
    }
}

/// Every enabled format: `(id, name, extensions, opens)`.
#[pyfunction]
fn formats(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let rows: Vec<Bound<'_, PyTuple>> = rawio::formats()
        .into_iter()
        .map(|f| {
            PyTuple::new(
                py,
                [
                    f.id.into_pyobject(py)?.into_any(),
                    f.name.into_pyobject(py)?.into_any(),
                    f.extensions.to_vec().into_pyobject(py)?.into_any(),
                    f.opens.into_pyobject(py)?.into_any(),
                ],
            )
        })
        .collect::<PyResult<_>>()?;
    PyList::new(py, rows)
}

/// The id of the enabled format that recognises `path` best.
#[pyfunction]
fn probe(py: Python<'_>, path: PathBuf) -> PyResult<&'static str> {
    py.detach(|| rawio::probe(&path))
        .map(|f| f.id)
        .map_err(|e| py_err(py, e))
}

/// Every format's sniff confidence for `path` (`{id: 0..=100}`).
#[pyfunction]
fn sniff(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for f in rawio::formats() {
        d.set_item(f.id, (f.sniff)(&path))?;
    }
    Ok(d)
}

/// The compiled module.
#[pymodule]
fn _rawio(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Reader>()?;
    m.add_function(wrap_pyfunction!(rescale_signal, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_function(wrap_pyfunction!(probe, m)?)?;
    m.add_function(wrap_pyfunction!(sniff, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
