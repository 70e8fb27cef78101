//! The Rust readers' own options, from a Python dict: `rawio` opens a recording with
//! `Reader.open(path, format_id, {"nsx": 5, "load_nev": False})`. The Python classes translate
//! neo's constructor keywords (`nsx_to_load`, `binary_file`, `experiment_names`, ...) into these
//! names; `rawio_options=` passes them as they are.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rawio::RawIO;
use std::path::{Path, PathBuf};

/// The option names each format accepts (its crate's `Options` fields).
pub fn accepted(format_id: &str) -> &'static [&'static str] {
    match format_id {
        "plexon" => &["lenient_truncation", "split_segments_at_gaps"],
        "neuroscope" => &["binary_file"],
        "phy" => &["load_pc_features"],
        "openephys-binary" => &["experiments", "split_at_gaps"],
        "openephys-legacy" => &["fill_gap_value"],
        "blackrock" => &["nsx", "load_nev", "ptp_gap_tolerance_ms"],
        "nwb" => &["strict"],
        _ => &[],
    }
}

/// The options of one open call, each taken once; what is left over is an error.
struct Given<'a, 'py> {
    dict: &'a Bound<'py, PyDict>,
    format_id: &'a str,
}

impl<'py> Given<'_, 'py> {
    /// The value of `key` (absent or `None`: `None`), converted to `T`.
    fn take<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        debug_assert!(
            accepted(self.format_id).contains(&key),
            "{key} is not listed"
        );
        match self.dict.get_item(key)? {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => v.extract::<T>().map(Some).map_err(|e| {
                let e: PyErr = e.into();
                PyValueError::new_err(format!(
                    "{} option {key}={}: {e}",
                    self.format_id,
                    v.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                ))
            }),
        }
    }

    /// `*field = value of key` when the key is given.
    fn set<T: FromPyObjectOwned<'py>>(&self, key: &str, field: &mut T) -> PyResult<()> {
        if let Some(v) = self.take(key)? {
            *field = v;
        }
        Ok(())
    }

    fn check_known(&self) -> PyResult<()> {
        let ok = accepted(self.format_id);
        for key in self.dict.keys() {
            let key: String = key.extract()?;
            if !ok.contains(&key.as_str()) {
                return Err(PyValueError::new_err(format!(
                    "the {} reader has no option {key:?} (its options: {})",
                    self.format_id,
                    if ok.is_empty() {
                        "none".to_string()
                    } else {
                        ok.join(", ")
                    }
                )));
            }
        }
        Ok(())
    }
}

/// A reader-opening closure, run with the GIL released.
pub type Opener = Box<dyn FnOnce(&Path) -> rawio::Result<Box<dyn RawIO>> + Send>;

/// The opener of `format` with the options of `dict` (checked and converted here, with the
/// GIL held).
pub fn opener(format: &'static rawio::Format, dict: &Bound<'_, PyDict>) -> PyResult<Opener> {
    let format_id = format.id;
    let g = Given { dict, format_id };
    g.check_known()?;
    fn boxed<R: RawIO + 'static>(r: rawio::Result<R>) -> rawio::Result<Box<dyn RawIO>> {
        r.map(|r| Box::new(r) as Box<dyn RawIO>)
    }
    Ok(match format_id {
        "plexon" => {
            use rawio::plexon::{Options, PlexonReader};
            let mut o = Options::default();
            g.set("lenient_truncation", &mut o.lenient_truncation)?;
            g.set("split_segments_at_gaps", &mut o.split_segments_at_gaps)?;
            Box::new(move |p| boxed(PlexonReader::open_with(p, &o)))
        }
        "neuroscope" => {
            use rawio::neuroscope::{NeuroscopeReader, Options};
            let o = Options {
                binary_file: g.take::<PathBuf>("binary_file")?,
                ..Options::default()
            };
            Box::new(move |p| boxed(NeuroscopeReader::open_with(p, &o)))
        }
        "phy" => {
            use rawio::phy::{Options, PhyReader};
            let mut o = Options::default();
            g.set("load_pc_features", &mut o.load_pc_features)?;
            Box::new(move |p| boxed(PhyReader::open_with(p, &o)))
        }
        "openephys-binary" => {
            use rawio::openephys::{BinaryOptions, BinaryReader};
            let mut o = BinaryOptions {
                experiments: g.take::<Vec<String>>("experiments")?,
                ..BinaryOptions::default()
            };
            g.set("split_at_gaps", &mut o.split_at_gaps)?;
            Box::new(move |p| boxed(BinaryReader::open_with(p, &o)))
        }
        "openephys-legacy" => {
            use rawio::openephys::{LegacyOptions, LegacyReader};
            let mut o = LegacyOptions::default();
            g.set("fill_gap_value", &mut o.fill_gap_value)?;
            Box::new(move |p| boxed(LegacyReader::open_with(p, &o)))
        }
        "blackrock" => {
            use rawio::blackrock::{BlackrockReader, Options};
            let mut o = Options {
                nsx: g.take::<u8>("nsx")?,
                ..Options::default()
            };
            g.set("load_nev", &mut o.load_nev)?;
            g.set("ptp_gap_tolerance_ms", &mut o.ptp_gap_tolerance_ms)?;
            Box::new(move |p| boxed(BlackrockReader::open_with(p, &o)))
        }
        "nwb" => {
            use rawio::nwb::{NwbReader, Options};
            let mut o = Options::default();
            g.set("strict", &mut o.strict)?;
            Box::new(move |p| boxed(NwbReader::open_with(p, &o)))
        }
        // a format without options (`check_known` refused any key)
        _ => Box::new(move |p| (format.open)(p)),
    })
}
