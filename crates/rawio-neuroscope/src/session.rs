//! Step 1 of opening, *discover*: which files make up a session. [`SessionPaths::resolve`]
//! finds the xml (and an explicit signal file) from what the user gave;
//! [`SessionFiles::find`] lists the signal, spike-group and event files next to it.

use crate::header::{self, SiblingKind, SpikeFileKind};
use crate::{FORMAT_ID, Options, SignalFiles};
use rawio_core::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A signal file's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignalKind {
    Wideband,
    Lfp,
}

impl SignalKind {
    pub(crate) fn of(path: &Path) -> Self {
        match ext_lower(path).as_deref() {
            Some("lfp" | "eeg") => SignalKind::Lfp,
            _ => SignalKind::Wideband,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            SignalKind::Wideband => "wideband",
            SignalKind::Lfp => "lfp",
        }
    }
}

/// Paths of one session, resolved from what the user gave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionPaths {
    pub(crate) xml: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) stem: String,
    pub(crate) explicit_signal: Option<PathBuf>,
}

/// Files of one spike group.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct GroupFiles {
    pub(crate) res: Option<PathBuf>,
    pub(crate) clu: Option<PathBuf>,
    pub(crate) spk: Option<PathBuf>,
    pub(crate) fet: Option<PathBuf>,
}

/// One event file: `base.{suffix}`, channel `name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EventFile {
    /// The file name after `base.` (the channel id).
    pub(crate) suffix: String,
    /// The channel name.
    pub(crate) name: String,
    pub(crate) path: PathBuf,
}

/// Every data file of a session.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SessionFiles {
    /// The signal files that become streams, with their role, in stream order.
    pub(crate) signals: Vec<(PathBuf, SignalKind)>,
    /// Spike-group files by group number (1-based).
    pub(crate) groups: BTreeMap<u64, GroupFiles>,
    /// Event files, sorted by suffix.
    pub(crate) events: Vec<EventFile>,
}

fn ext_lower(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
}

/// `path` with `.ext` appended to its file name (keeps dots in the stem).
pub(crate) fn with_appended(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

impl SessionPaths {
    /// The session of `path` (`base.xml`, `base.dat`/`.lfp`/`.eeg` or the stem `base`): the
    /// xml must exist, and so must an explicit signal file.
    pub(crate) fn resolve(path: &Path, options: &Options) -> Result<SessionPaths> {
        let ext = ext_lower(path);
        let (stem_path, explicit) = match ext.as_deref() {
            Some("xml") => (path.with_extension(""), None),
            Some("dat" | "lfp" | "eeg") => (path.with_extension(""), Some(path.to_path_buf())),
            _ => (path.to_path_buf(), None),
        };
        let xml = if ext.as_deref() == Some("xml") {
            path.to_path_buf()
        } else {
            with_appended(&stem_path, "xml")
        };
        if !xml.is_file() {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "Neuroscope session xml".into(),
                looked_for: vec![xml],
            });
        }
        let explicit = options.binary_file.clone().or(explicit);
        if let Some(p) = &explicit
            && !p.is_file()
        {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "signal file given explicitly".into(),
                looked_for: vec![p.clone()],
            });
        }
        let stem = file_name(&stem_path)
            .ok_or_else(|| Error::invalid(format!("{}: no usable file name", path.display())))?;
        let dir = match stem_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(SessionPaths {
            xml,
            dir,
            stem,
            explicit_signal: explicit,
        })
    }

    /// `{dir}/{stem}.{ext}`.
    fn sibling(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.stem))
    }

    /// Whether a `base.X.evt` file named `name` (`X`) is the event file of another session
    /// `base.X` (or `base.X1` for `X = X1.X2`...).
    fn belongs_to_other_session(&self, name: &str) -> bool {
        let parts: Vec<&str> = name.split('.').collect();
        (1..=parts.len()).any(|k| {
            let other = format!("{}.{}.xml", self.stem, parts[..k].join("."));
            self.dir.join(other).is_file()
        })
    }
}

impl SessionFiles {
    /// The data files of the session at `paths`; [`Error::NotFound`] (listing what was looked
    /// for) when there is no signal, spike or event file at all.
    pub(crate) fn find(paths: &SessionPaths, options: &Options) -> Result<SessionFiles> {
        let mut files = scan_siblings(paths)?;
        files.signals = choose_signals(paths, options);
        if files.signals.is_empty() && files.groups.is_empty() && files.events.is_empty() {
            let mut looked_for: Vec<PathBuf> = [
                "dat", "lfp", "eeg", "res.N", "clu.N", "evt", "*.evt", "evt.*",
            ]
            .iter()
            .map(|e| paths.sibling(e))
            .collect();
            looked_for.insert(0, paths.xml.clone());
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "no signal, spike or event file for this session".into(),
                looked_for,
            });
        }
        Ok(files)
    }
}

/// The spike-group and event files in the session's folder.
fn scan_siblings(paths: &SessionPaths) -> Result<SessionFiles> {
    let mut out = SessionFiles::default();
    let prefix = format!("{}.", paths.stem);
    let entries = std::fs::read_dir(&paths.dir).map_err(|e| Error::io(&paths.dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&paths.dir, e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        match header::classify_sibling(rest) {
            Some(SiblingKind::Spike(kind, n)) => {
                let g = out.groups.entry(n).or_default();
                let slot = match kind {
                    SpikeFileKind::Res => &mut g.res,
                    SpikeFileKind::Clu => &mut g.clu,
                    SpikeFileKind::Spk => &mut g.spk,
                    SpikeFileKind::Fet => &mut g.fet,
                };
                *slot = Some(path);
            }
            Some(SiblingKind::Event { name }) => {
                // `base.X.evt` may be the general event file of another session `base.X`
                if rest.ends_with(".evt") && paths.belongs_to_other_session(&name) {
                    continue;
                }
                out.events.push(EventFile {
                    suffix: rest.to_owned(),
                    name,
                    path,
                });
            }
            None => {}
        }
    }
    out.events.sort();
    Ok(out)
}

/// The signal files that become streams, with their role, in stream order.
fn choose_signals(paths: &SessionPaths, options: &Options) -> Vec<(PathBuf, SignalKind)> {
    let sib = |ext: &str| {
        let p = paths.sibling(ext);
        p.is_file().then_some(p)
    };
    let explicit = paths.explicit_signal.clone().map(|p| {
        let k = SignalKind::of(&p);
        (p, k)
    });
    match options.signals {
        SignalFiles::Auto => match explicit {
            Some(e) => vec![e],
            None => ["dat", "lfp", "eeg"]
                .iter()
                .find_map(|e| sib(e))
                .map(|p| {
                    let k = SignalKind::of(&p);
                    vec![(p, k)]
                })
                .unwrap_or_default(),
        },
        SignalFiles::Both => {
            let mut wide = sib("dat").map(|p| (p, SignalKind::Wideband));
            let mut lfp = sib("lfp")
                .or_else(|| sib("eeg"))
                .map(|p| (p, SignalKind::Lfp));
            if let Some(e) = explicit {
                match e.1 {
                    SignalKind::Wideband => wide = Some(e),
                    SignalKind::Lfp => lfp = Some(e),
                }
            }
            wide.into_iter().chain(lfp).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, names: &[&str]) {
        for n in names {
            std::fs::write(dir.join(n), b"").unwrap();
        }
    }

    #[test]
    fn appends_extension_to_dotted_stems() {
        assert_eq!(
            with_appended(Path::new("a/rat.day1"), "xml"),
            PathBuf::from("a/rat.day1.xml")
        );
        assert_eq!(SignalKind::of(Path::new("x.EEG")), SignalKind::Lfp);
        assert_eq!(SignalKind::of(Path::new("x.fil")), SignalKind::Wideband);
    }

    #[test]
    fn resolves_from_xml_stem_or_signal_file() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["s.xml", "s.lfp"]);
        let d = dir.path();
        let from_xml = SessionPaths::resolve(&d.join("s.xml"), &Options::default()).unwrap();
        assert_eq!((from_xml.stem.as_str(), from_xml.dir.as_path()), ("s", d));
        assert_eq!(from_xml.explicit_signal, None);
        let from_stem = SessionPaths::resolve(&d.join("s"), &Options::default()).unwrap();
        assert_eq!(from_stem, from_xml);
        let from_lfp = SessionPaths::resolve(&d.join("s.lfp"), &Options::default()).unwrap();
        assert_eq!(from_lfp.explicit_signal, Some(d.join("s.lfp")));
        let e = SessionPaths::resolve(&d.join("t.xml"), &Options::default()).unwrap_err();
        assert!(e.to_string().contains("t.xml"), "{e}");
    }

    #[test]
    fn finds_groups_events_and_signals() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        touch(
            d,
            &[
                "s.xml",
                "s.dat",
                "s.eeg",
                "s.res.2",
                "s.clu.2",
                "s.spk.2",
                "s.fet.1",
                "s.rip.evt",
                "s.evt.py",
                "s.sub.evt",
                "s.sub.xml",
                "other.res.1",
            ],
        );
        let paths = SessionPaths::resolve(&d.join("s.xml"), &Options::default()).unwrap();
        let files = SessionFiles::find(&paths, &Options::default()).unwrap();
        assert_eq!(files.signals, vec![(d.join("s.dat"), SignalKind::Wideband)]);
        assert_eq!(files.groups.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(files.groups[&2].spk, Some(d.join("s.spk.2")));
        assert_eq!(files.groups[&1].res, None);
        // `s.sub.evt` belongs to session `s.sub`
        let names: Vec<(&str, &str)> = files
            .events
            .iter()
            .map(|e| (e.suffix.as_str(), e.name.as_str()))
            .collect();
        assert_eq!(names, vec![("evt.py", "py"), ("rip.evt", "rip")]);
        let both = Options {
            signals: SignalFiles::Both,
            ..Options::default()
        };
        let files = SessionFiles::find(&paths, &both).unwrap();
        assert_eq!(
            files.signals,
            vec![
                (d.join("s.dat"), SignalKind::Wideband),
                (d.join("s.eeg"), SignalKind::Lfp)
            ]
        );
    }

    #[test]
    fn a_session_without_data_files_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["s.xml"]);
        let paths = SessionPaths::resolve(&dir.path().join("s.xml"), &Options::default()).unwrap();
        let e = SessionFiles::find(&paths, &Options::default()).unwrap_err();
        let Error::NotFound { looked_for, .. } = e else {
            panic!("{e}")
        };
        assert_eq!(looked_for.len(), 9);
        assert_eq!(looked_for[1], dir.path().join("s.dat"));
    }
}
