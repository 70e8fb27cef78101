//! The harness shared by every fuzz target.
//!
//! A target fuzzes one **member file** of a recording: the seed fixture (small files from
//! `testdata/`, written by the fixture generators) is copied once into a temporary directory,
//! the member is replaced by the fuzz input, and the recording is opened through the format's
//! public `open` and read **entirely** through the user side of the trait
//! ([`rawio_conformance::exercise`]: every stream chunk, rescale, spike, waveform and event).
//! Errors are fine; a panic, an abort (allocation failure) or a timeout is a finding.
#![forbid(unsafe_code)]

use rawio_core::{RawIO, Result};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Opens a recording (a format's `FORMAT.open`).
pub type OpenFn = fn(&Path) -> Result<Box<dyn RawIO>>;

/// The repository's `testdata/` directory.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// A seed fixture copied into a temporary directory.
pub struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fixture {
    /// Copies `files` (relative to `testdata/<base>`) into a fresh temporary directory, keeping
    /// their relative paths.
    pub fn new(base: &str, files: &[&str]) -> Fixture {
        // in memory when the machine has a tmpfs: one member is rewritten per execution
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("temporary directory");
        let root = dir.path().to_path_buf();
        for f in files {
            let to = root.join(f);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).expect("directory");
            }
            std::fs::copy(testdata().join(base).join(f), &to)
                .unwrap_or_else(|e| panic!("seed file {base}/{f}: {e}"));
        }
        Fixture { _dir: dir, root }
    }

    /// Copies every file of `testdata/<base>` (one level).
    pub fn dir(base: &str) -> Fixture {
        let mut names: Vec<String> = std::fs::read_dir(testdata().join(base))
            .expect("seed directory")
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        Fixture::new(base, &refs)
    }

    /// Copies every file under `testdata/<base>` (recursively); the second value is their
    /// paths relative to `base`, sorted (as `run.sh` lists the seeds of picking targets).
    pub fn tree(base: &str) -> (Fixture, Vec<String>) {
        fn walk(dir: &Path, rel: &Path, out: &mut Vec<String>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd.flatten() {
                let (p, r) = (e.path(), rel.join(e.file_name()));
                if p.is_dir() {
                    walk(&p, &r, out);
                } else {
                    out.push(r.to_string_lossy().into_owned());
                }
            }
        }
        let mut names = Vec::new();
        walk(&testdata().join(base), Path::new(""), &mut names);
        names.sort();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        (Fixture::new(base, &refs), names)
    }

    /// The path of `name` inside the fixture (`""`: the fixture directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// Replaces member `name` by `data`.
    pub fn write(&self, name: &str, data: &[u8]) {
        std::fs::write(self.path(name), data).expect("write member");
    }

    /// Replaces member `name` by `data`, then opens `entry` and reads everything.
    pub fn run(&self, name: &str, data: &[u8], entry: &str, open: OpenFn) {
        self.write(name, data);
        open_and_read(&self.path(entry), open);
    }

    /// Replaces member `members[which]` by `data` (the other members hold their seed bytes,
    /// restored after the run), then opens `entry` and reads everything.
    pub fn run_member(
        &self,
        members: &[&str],
        which: usize,
        data: &[u8],
        entry: &str,
        open: OpenFn,
    ) {
        let Some(name) = members.get(which) else {
            return;
        };
        let original = std::fs::read(self.path(name)).unwrap_or_default();
        self.run(name, data, entry, open);
        self.write(name, &original);
    }
}

/// Opens `path` and, if it opens, reads everything it exposes.
pub fn open_and_read(path: &Path, open: OpenFn) {
    if let Ok(reader) = open(path) {
        rawio_conformance::exercise(reader.as_ref());
    }
}

/// A target over every file of the fixture folder `base` (see [`Fixture::tree`]): the first
/// byte of `data` picks the member replaced by the rest, and the folder is opened with `open`.
pub fn run_tree(
    fixture: &'static OnceLock<(Fixture, Vec<String>)>,
    base: &str,
    data: &[u8],
    open: OpenFn,
) {
    let (f, members) = fixture.get_or_init(|| Fixture::tree(base));
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    let Some((which, input)) = pick(data, members.len()) else {
        return;
    };
    f.run_member(&members, which, input, "", open);
}

/// The first byte of `data` picks one of `n` choices; the rest is the input.
pub fn pick(data: &[u8], n: usize) -> Option<(usize, &[u8])> {
    let (&first, rest) = data.split_first()?;
    Some((usize::from(first) % n.max(1), rest))
}
