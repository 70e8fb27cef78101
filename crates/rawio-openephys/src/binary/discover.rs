//! Step 1 of opening a binary session: find every `structure.oebin` under the path the user
//! gave (a session root, a Record Node, an experiment or a recording folder, or a file inside
//! one) and name its node, experiment and recording.

use rawio_core::{Error, Result};
use std::path::{Path, PathBuf};

use super::FORMAT_ID;

/// Deepest folder level searched below the given path (root → node → experiment → recording
/// is 3).
const MAX_DEPTH: usize = 6;

/// One recording folder (`.../experimentN/recordingM/` holding `structure.oebin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordingDir {
    /// The Record Node folder's name (`"Record Node 101"`), or `""` before GUI 0.5.
    pub node: String,
    /// The experiment folder's name (`"experiment1"`).
    pub experiment: String,
    /// The number in the experiment folder's name.
    pub experiment_id: Option<u64>,
    /// The recording folder's name.
    pub recording: String,
    /// The number in the recording folder's name.
    pub recording_id: Option<u64>,
    /// The recording folder.
    pub dir: PathBuf,
}

/// The number after `prefix` in `name` (`experiment12` → 12).
fn numbered(name: &str, prefix: &str) -> Option<u64> {
    name.strip_prefix(prefix)?.parse().ok()
}

fn name_of(p: Option<&Path>) -> String {
    p.and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// neo's node name: the stem of the recording's grand-parent when it starts with `Record`.
fn node_name(node_dir: Option<&Path>) -> String {
    let stem = node_dir
        .and_then(|p| p.file_stem())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem.starts_with("Record") {
        stem
    } else {
        String::new()
    }
}

impl RecordingDir {
    fn from_dir(dir: PathBuf) -> RecordingDir {
        let exp_dir = dir.parent();
        let node_dir = exp_dir.and_then(Path::parent);
        let experiment = name_of(exp_dir);
        let recording = name_of(Some(&dir));
        RecordingDir {
            node: node_name(node_dir),
            experiment_id: numbered(&experiment, "experiment"),
            experiment,
            recording_id: numbered(&recording, "recording"),
            recording,
            dir,
        }
    }
}

/// The folder to search from: the path itself when it is a folder, else the closest ancestor
/// (at most four levels up, e.g. from `continuous/<stream>/continuous.dat`) that holds a
/// `structure.oebin`, else the file's folder.
fn search_root(path: &Path) -> Result<PathBuf> {
    if path.is_dir() {
        return Ok(path.to_path_buf());
    }
    if !path.exists() {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: "Open Ephys binary session folder".into(),
            looked_for: vec![path.to_path_buf()],
        });
    }
    let mut dir = path.parent();
    for _ in 0..4 {
        let Some(d) = dir else { break };
        if d.join("structure.oebin").is_file() {
            return Ok(d.to_path_buf());
        }
        dir = d.parent();
    }
    Ok(path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf())
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if dir.join("structure.oebin").is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, out);
    }
}

/// Every recording folder under `path`, in path order. `experiments` keeps only the named
/// experiment folders (neo's `experiment_names`).
pub(crate) fn find_recordings(
    path: &Path,
    experiments: Option<&[String]>,
) -> Result<Vec<RecordingDir>> {
    let root = search_root(path)?;
    let mut dirs = Vec::new();
    walk(&root, 0, &mut dirs);
    let found: Vec<RecordingDir> = dirs.into_iter().map(RecordingDir::from_dir).collect();
    if found.is_empty() {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: format!(
                "no structure.oebin in {} or its sub-folders (up to {MAX_DEPTH} levels)",
                root.display()
            ),
            looked_for: vec![root.join("structure.oebin")],
        });
    }
    let Some(want) = experiments else {
        return Ok(found);
    };
    let kept: Vec<RecordingDir> = found
        .iter()
        .filter(|r| want.contains(&r.experiment))
        .cloned()
        .collect();
    if kept.is_empty() {
        let mut names: Vec<&str> = found.iter().map(|r| r.experiment.as_str()).collect();
        names.dedup();
        return Err(Error::invalid(format!(
            "none of the experiments {want:?} exists; available: {names:?}"
        )));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_nodes_experiments_recordings() {
        let r = RecordingDir::from_dir(PathBuf::from("/d/Record Node 101/experiment3/recording2"));
        assert_eq!(r.node, "Record Node 101");
        assert_eq!((r.experiment_id, r.recording_id), (Some(3), Some(2)));
        let r = RecordingDir::from_dir(PathBuf::from("/d/2020-01-01_x/experiment1/recording1"));
        assert_eq!(r.node, "");
        let r = RecordingDir::from_dir(PathBuf::from("/d/RecordNode103/exp/rec"));
        assert_eq!(r.node, "RecordNode103");
        assert_eq!((r.experiment_id, r.recording_id), (None, None));
        assert_eq!(numbered("experiment", "experiment"), None);
    }

    #[test]
    fn finds_from_any_level_and_from_files() {
        let t = tempfile::tempdir().unwrap();
        let rec = t.path().join("Record Node 1/experiment2/recording1");
        std::fs::create_dir_all(rec.join("continuous/s")).unwrap();
        std::fs::write(rec.join("structure.oebin"), "{}").unwrap();
        std::fs::write(rec.join("continuous/s/continuous.dat"), "").unwrap();
        for p in [
            t.path().to_path_buf(),
            t.path().join("Record Node 1"),
            t.path().join("Record Node 1/experiment2"),
            rec.clone(),
            rec.join("structure.oebin"),
            rec.join("continuous/s/continuous.dat"),
        ] {
            let f = find_recordings(&p, None).unwrap();
            assert_eq!(f.len(), 1, "{}", p.display());
            assert_eq!(f[0].dir, rec);
        }
        assert!(find_recordings(&t.path().join("nope"), None).is_err());
        let only = vec!["experiment2".to_string()];
        assert_eq!(find_recordings(t.path(), Some(&only)).unwrap().len(), 1);
        let other = vec!["experiment9".to_string()];
        assert!(find_recordings(t.path(), Some(&other)).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(find_recordings(empty.path(), None).is_err());
    }
}
