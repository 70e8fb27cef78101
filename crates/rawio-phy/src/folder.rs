//! Steps 1 and 2 of opening, *discover* and *parse*: the folder, `params.py`, and the
//! cluster tables (`*.tsv` / `*.csv`) that become unit annotations.

use crate::header::{Params, Table, table_annotations};
use crate::{FORMAT_ID, UnitFilter};
use rawio_core::serde_json::{Map, Value};
use rawio_core::{Error, NpyFile, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Per-cluster annotations from the tables: `cluster id → name → value`.
pub(crate) type ClusterTables = BTreeMap<i64, Map<String, Value>>;

/// The folder of `path` (a file inside the folder stands for the folder).
pub(crate) fn folder_of(path: &Path) -> PathBuf {
    if path.is_file() {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        path.to_path_buf()
    }
}

pub(crate) fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
    Error::corrupt(FORMAT_ID, path, offset, detail)
}

/// `dir/name` opened as `.npy` when it exists.
pub(crate) fn open_npy_opt(dir: &Path, name: &str) -> Result<Option<NpyFile>> {
    let p = dir.join(name);
    if p.is_file() {
        NpyFile::open(&p, FORMAT_ID).map(Some)
    } else {
        Ok(None)
    }
}

/// `dir/params.py`, parsed (it is required: it holds `sample_rate`).
pub(crate) fn read_params(dir: &Path) -> Result<Params> {
    let path = dir.join("params.py");
    if !path.is_file() {
        return Err(Error::NotFound {
            format: FORMAT_ID,
            what: "params.py (it holds sample_rate)".into(),
            looked_for: vec![path],
        });
    }
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    Params::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| corrupt(&path, e.offset, e.detail))
}

/// `cluster id → annotations` from every `*.tsv` / `*.csv` of the folder, in name order (a
/// later file wins for a repeated column).
pub(crate) fn read_tables(dir: &Path) -> Result<ClusterTables> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "tsv" || e == "csv"))
        .collect();
    files.sort();
    let mut out = ClusterTables::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| Error::io(&f, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let delim = if f.extension().is_some_and(|e| e == "csv") {
            ','
        } else {
            '\t'
        };
        for (id, ann) in table_annotations(&Table::parse(&text, delim)) {
            out.entry(id).or_default().extend(ann);
        }
    }
    Ok(out)
}

/// The label of a cluster: its `group` column (`cluster_group.tsv`, `cluster_info.tsv`),
/// else `quality` (`KSLabel`).
fn label_of(tables: &ClusterTables, id: i64) -> Option<&str> {
    let ann = tables.get(&id)?;
    ["group", "quality"]
        .iter()
        .find_map(|k| ann.get(*k).and_then(Value::as_str))
}

/// The cluster ids (sorted) that become units under `filter`.
pub(crate) fn select_units(ids: Vec<i64>, tables: &ClusterTables, filter: &UnitFilter) -> Vec<i64> {
    match filter {
        UnitFilter::All => ids,
        UnitFilter::Labels(labels) => {
            if ids.iter().all(|&id| label_of(tables, id).is_none()) {
                ids
            } else {
                ids.into_iter()
                    .filter(|&id| {
                        label_of(tables, id).is_some_and(|l| labels.iter().any(|x| x == l))
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_tables_from_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = read_params(d).unwrap_err();
        assert!(e.to_string().contains("params.py"), "{e}");
        std::fs::write(d.join("params.py"), "sample_rate = 30000.\n").unwrap();
        assert_eq!(read_params(d).unwrap().sample_rate, 30000.0);
        assert_eq!(folder_of(&d.join("params.py")), d);
        assert_eq!(folder_of(d), d);
        std::fs::write(
            d.join("a.tsv"),
            "cluster_id\tKSLabel\tch\n1\tgood\t3\n2\tmua\t4\n",
        )
        .unwrap();
        std::fs::write(d.join("b.csv"), "cluster_id,group,ch\n2,noise,5\n").unwrap();
        let t = read_tables(d).unwrap();
        assert_eq!(t[&1]["quality"], Value::from("good"));
        assert_eq!(t[&2]["ch"], Value::from(5), "the later file wins");
        assert_eq!(label_of(&t, 2), Some("noise"), "group before KSLabel");
        let good = UnitFilter::good_and_mua();
        assert_eq!(select_units(vec![1, 2, 3], &t, &good), vec![1]);
        assert_eq!(
            select_units(vec![1, 2, 3], &t, &UnitFilter::All),
            vec![1, 2, 3]
        );
        // no label at all: every cluster is kept
        assert_eq!(
            select_units(vec![7, 8], &ClusterTables::new(), &good),
            vec![7, 8]
        );
    }
}
