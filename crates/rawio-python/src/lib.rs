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

use ndarray::{ArrayView2, Dimension, Ix2};
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rawio::prelude::*;
use rawio::{RawArray, Sample, dispatch_raw, rescale};
use std::path::PathBuf;

mod options;

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
    /// Opens `path` with the format `format_id`, or the format that recognises it, with the
    /// reader's own `options` (see `options::accepted`; none = the reader's defaults).
    #[staticmethod]
    #[pyo3(signature = (path, format_id=None, options=None))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        format_id: Option<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Reader> {
        let inner = match options.filter(|d| !d.is_empty()) {
            None => py.detach(|| match &format_id {
                Some(id) => rawio::open_as(&path, id),
                None => rawio::open(&path),
            }),
            Some(dict) => {
                let format = match &format_id {
                    Some(id) => rawio::enabled_format(id),
                    None => py.detach(|| rawio::probe(&path)),
                }
                .map_err(|e| py_err(py, e))?;
                let open = options::opener(format, dict)?;
                py.detach(|| open(&path))
            }
        }
        .map_err(|e| py_err(py, e))?;
        Ok(Reader { inner })
    }

    /// The option names `Reader.open` accepts for `format_id`.
    #[staticmethod]
    fn options(format_id: &str) -> Vec<&'static str> {
        options::accepted(format_id).to_vec()
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
            let owned =
                if was_view && c.len().saturating_mul(c.shape()[1]) >= rescale::PARALLEL_VALUES {
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
/// (`f32 = true`) or float64, or `None` when `raw` is not an aligned 2-D array of one of the
/// ten native-order sample types (the caller then copies it or uses numpy).
#[pyfunction]
fn rescale_signal<'py>(
    py: Python<'py>,
    raw: &Bound<'py, PyUntypedArray>,
    gains: Vec<f64>,
    offsets: Vec<f64>,
    f32: bool,
) -> PyResult<Option<Py<PyAny>>> {
    // an unaligned array (a map of a file at an odd offset) cannot be viewed from Rust: the
    // caller copies it first
    if raw.ndim() != 2
        || raw.shape()[1] != gains.len()
        || gains.len() != offsets.len()
        || !raw.is_aligned()
    {
        return Ok(None);
    }
    let shape = [raw.shape()[0], raw.shape()[1]];
    // numpy's astype keeps the input's memory order (order="K"), and so does this: a chunk
    // read channel by channel (column-major) is converted column by column, contiguously
    let strides = raw.strides();
    let order = if shape[0] > 1 && shape[1] > 1 && strides[0].abs() < strides[1].abs() {
        rescale::Order::ColumnMajor
    } else {
        rescale::Order::RowMajor
    };
    macro_rules! try_dtype {
        ($($t:ty),*) => {$(
            if let Ok(a) = raw.extract::<PyReadonlyArray2<'py, $t>>() {
                let view = a.as_array();
                return if f32 {
                    rescale_into(py, view, order, &gains, &offsets, rescale::view_f32_into)
                } else {
                    rescale_into(py, view, order, &gains, &offsets, rescale::view_f64_into)
                };
            }
        )*};
    }
    try_dtype!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);
    Ok(None)
}

/// The signature of rawio-core's `rescale::view_f32_into` / `view_f64_into`.
type FillInto<T, O> =
    fn(ArrayView2<'_, T>, &[f64], &[f64], &mut [O], rescale::Order) -> rawio::Result<()>;

/// `fill(view, gains, offsets, out, order)` into a new numpy array of `view`'s shape in
/// `order`, GIL released while it runs. The array comes from numpy's allocator: it reuses and
/// huge-page-advises large buffers, where a fresh Rust `Vec` costs a page fault per 4 KiB on
/// every call (most of the time of a 100 MB chunk).
fn rescale_into<'py, T: Sample, O: numpy::Element + Send>(
    py: Python<'py>,
    view: ArrayView2<'_, T>,
    order: rescale::Order,
    gains: &[f64],
    offsets: &[f64],
    fill: FillInto<T, O>,
) -> PyResult<Option<Py<PyAny>>> {
    let fortran = order == rescale::Order::ColumnMajor;
    let out = PyArray2::<O>::zeros(py, [view.nrows(), view.ncols()], fortran);
    {
        let mut w = out.readwrite();
        let dst = w
            .as_slice_mut()
            .map_err(|e| PyRuntimeError::new_err(format!("output array: {e}")))?;
        py.detach(|| fill(view, gains, offsets, dst, order))
            .map_err(|e| py_err(py, e))?;
    }
    Ok(Some(out.into_any().unbind()))
}

/// An owned copy of a borrowed chunk, made by rawio-core's row-major kernel (on several threads
/// when large).
fn copy_rows(c: &RawArray<'_, Ix2>) -> RawArray<'static, Ix2> {
    fn copy<T: Sample + Default>(a: ArrayView2<'_, T>) -> RawArray<'static, Ix2> {
        let unused = vec![0.0; a.ncols()];
        RawArray::new(rescale::map_rows(a, &unused, &unused, |v: T, _, _| v))
    }
    dispatch_raw!(c, a => copy(a.view()))
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
