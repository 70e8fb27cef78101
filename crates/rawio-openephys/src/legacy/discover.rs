//! Step 1 of opening a legacy session: the node folders (the folder given, or its `Record
//! Node` sub-folders) and their `.continuous`, `.spikes` and `.events` files, grouped by start
//! number (`_N`).

use rawio_core::registry::has_extension;
use rawio_core::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::FORMAT_ID;
use crate::legacy_format::{ContinuousName, parse_continuous_name, split_start_suffix};

/// The legacy files of one folder.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeFiles {
    /// The sub-folder's name when the session has several node folders, else `""`.
    pub node: String,
    pub dir: PathBuf,
    /// Start number → continuous files.
    pub continuous: BTreeMap<u64, Vec<(ContinuousName, PathBuf)>>,
    /// (base stem, start number) → `.spikes` file.
    pub spikes: BTreeMap<(String, u64), PathBuf>,
    /// (base stem, start number) → `.events` file (`messages*.events` excluded).
    pub events: BTreeMap<(String, u64), PathBuf>,
    /// `.continuous` files whose names are not understood.
    pub ignored: Vec<PathBuf>,
}

impl NodeFiles {
    fn is_empty(&self) -> bool {
        self.continuous.is_empty() && self.spikes.is_empty() && self.events.is_empty()
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn scan(dir: &Path, node: String) -> NodeFiles {
    let mut nf = NodeFiles {
        node,
        dir: dir.to_path_buf(),
        ..NodeFiles::default()
    };
    let Ok(rd) = std::fs::read_dir(dir) else {
        return nf;
    };
    let mut files: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for p in files {
        let s = stem(&p);
        if has_extension(&p, &["continuous"]) {
            match parse_continuous_name(&s) {
                Some(n) => nf.continuous.entry(n.start).or_default().push((n, p)),
                None => nf.ignored.push(p),
            }
        } else if has_extension(&p, &["spikes"]) {
            let (base, start) = split_start_suffix(&s);
            nf.spikes.insert((base.to_owned(), start), p);
        } else if has_extension(&p, &["events"]) && !s.starts_with("messages") {
            let (base, start) = split_start_suffix(&s);
            nf.events.insert((base.to_owned(), start), p);
        }
    }
    nf
}

/// The node folders of the session at `path`: the folder itself (or a file's folder) when it
/// holds legacy files, else each sub-folder that does (the `Record Node N` folders of GUI
/// 0.5+), named after it.
pub(crate) fn find_nodes(path: &Path) -> Result<Vec<NodeFiles>> {
    let dir = if path.is_file() {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    } else if path.is_dir() {
        path.to_path_buf()
    } else {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: "Open Ephys legacy session folder".into(),
            looked_for: vec![path.to_path_buf()],
        });
    };
    let own = scan(&dir, String::new());
    if !own.is_empty() {
        return Ok(vec![own]);
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    let nodes: Vec<NodeFiles> = subdirs
        .iter()
        .map(|d| {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            scan(d, name)
        })
        .filter(|n| !n.is_empty())
        .collect();
    if nodes.is_empty() {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: format!(
                "no .continuous, .spikes or .events file in {} or its sub-folders",
                dir.display()
            ),
            looked_for: vec![dir.join("*.continuous")],
        });
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_files_by_start_and_finds_node_folders() {
        let t = tempfile::tempdir().unwrap();
        let node = t.path().join("Record Node 101");
        std::fs::create_dir_all(&node).unwrap();
        for f in [
            "100_CH1.continuous",
            "100_CH2.continuous",
            "100_CH1_2.continuous",
            "100_AUX1.continuous",
            "weird.continuous",
            "STp106.0n0.spikes",
            "STp106.0n0_2.spikes",
            "all_channels.events",
            "messages.events",
            "settings.xml",
        ] {
            std::fs::write(node.join(f), b"").unwrap();
        }
        let nodes = find_nodes(t.path()).unwrap();
        assert_eq!(nodes.len(), 1);
        let n = &nodes[0];
        assert_eq!(n.node, "Record Node 101");
        assert_eq!(n.continuous[&1].len(), 3);
        assert_eq!(n.continuous[&2].len(), 1);
        assert_eq!(n.ignored.len(), 1);
        assert!(n.spikes.contains_key(&("STp106.0n0".to_string(), 2)));
        assert_eq!(n.events.len(), 1);
        let direct = find_nodes(&node.join("100_CH1.continuous")).unwrap();
        assert_eq!(direct[0].node, "");
        assert!(find_nodes(&t.path().join("nope")).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(find_nodes(empty.path()).is_err());
    }
}
