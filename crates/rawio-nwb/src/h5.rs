//! The HDF5 adapter: the only module that uses `hdf5-reader`.
//!
//! Everything else in the crate goes through [`H5File`], [`Node`] and the typed read helpers
//! here, so the HDF5 backend can be swapped (or doubled by a libhdf5 one) in one place. Errors
//! are mapped to [`rawio_core::Error`] naming the file and the dataset.

use crate::lzf;
use hdf5_reader::messages::HdfMessage;
use hdf5_reader::{
    Attribute, Datatype, ExternalLinkResolver, FilterRegistry, Hdf5File, OpenOptions, SliceInfo,
    SliceInfoElem, StringSize, VarLenKind,
};
use ndarray::{ArrayD, IxDyn};
use rawio_core::{Dtype, Error, RawArray, Result};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Format id used in errors.
pub(crate) const FORMAT_ID: &str = "nwb";

/// HDF5 filter id of h5py's LZF.
const FILTER_LZF: u16 = 32000;
/// HDF5 filter id of Zstandard (hdf5plugin's `Zstd`).
const FILTER_ZSTD: u16 = 32015;
/// Largest decoded chunk accepted (also hdf5-reader's `max_chunk_bytes`).
const MAX_CHUNK_BYTES: usize = 128 << 20;

/// An HDF5 dataset handle (cheap to clone, `Send + Sync`).
pub(crate) type Dataset = hdf5_reader::Dataset;
/// An HDF5 group handle.
pub(crate) type Group = hdf5_reader::group::Group;

/// An opened HDF5 file plus its object map.
#[derive(Clone)]
pub(crate) struct H5File {
    file: Hdf5File,
    path: PathBuf,
    offset_size: u8,
    /// Every object reachable from the root (depth-first, names sorted), each once.
    pub nodes: Vec<Node>,
    /// Path → node kind.
    kinds: HashMap<String, NodeKind>,
    /// Group path → its children (name, kind), sorted by name.
    kids: HashMap<String, Vec<(String, NodeKind)>>,
    /// Object header address (in this file) → path, for object references.
    addr_to_path: HashMap<u64, String>,
    /// External link targets found missing.
    missing: Arc<Mutex<Vec<PathBuf>>>,
}

/// What an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
}

/// One object found by the walk.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// Absolute path (`/acquisition/x`).
    pub path: String,
    /// Group or dataset.
    pub kind: NodeKind,
    /// Reached through a soft link (an alias of an object listed at its own path).
    pub soft: bool,
}

/// The element type of a dataset, as the NWB layer needs it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Elem {
    /// One of the ten numeric dtypes.
    Num(Dtype),
    /// An HDF5 enum whose members are FALSE/TRUE (h5py's bool).
    Bool,
    /// Any other enum over an integer (read as its integer values).
    Enum(Dtype),
    /// Fixed or variable-length text.
    Str,
    /// Object references.
    ObjRef,
    /// A compound.
    Compound,
    /// Anything else (region references, opaque, arrays, float16...).
    Other(String),
}

/// Maps the file extension-agnostic numeric HDF5 types to [`Dtype`].
fn numeric_dtype(dt: &Datatype) -> Option<Dtype> {
    match dt {
        Datatype::FixedPoint { size, signed, .. } => Some(match (size, signed) {
            (1, true) => Dtype::Int8,
            (1, false) => Dtype::Uint8,
            (2, true) => Dtype::Int16,
            (2, false) => Dtype::Uint16,
            (4, true) => Dtype::Int32,
            (4, false) => Dtype::Uint32,
            (8, true) => Dtype::Int64,
            (8, false) => Dtype::Uint64,
            _ => return None,
        }),
        Datatype::FloatingPoint { size: 4, .. } => Some(Dtype::Float32),
        Datatype::FloatingPoint { size: 8, .. } => Some(Dtype::Float64),
        _ => None,
    }
}

/// Classifies an HDF5 datatype.
pub(crate) fn elem_of(dt: &Datatype) -> Elem {
    if let Some(d) = numeric_dtype(dt) {
        return Elem::Num(d);
    }
    match dt {
        Datatype::String { .. } => Elem::Str,
        Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => Elem::Str,
        Datatype::Reference {
            ref_type: hdf5_reader::ReferenceType::Object,
            ..
        } => Elem::ObjRef,
        Datatype::Compound { .. } => Elem::Compound,
        Datatype::Enum { base, members } => {
            let names: HashSet<&str> = members.iter().map(|m| m.name.as_str()).collect();
            match numeric_dtype(base) {
                Some(d) if names == HashSet::from(["FALSE", "TRUE"]) => {
                    let _ = d;
                    Elem::Bool
                }
                Some(d) if !d.is_float() => Elem::Enum(d),
                _ => Elem::Other(format!("{dt:?}")),
            }
        }
        other => Elem::Other(format!("{other:?}")),
    }
}

/// Resolves HDF5 external links relative to the directory of the linking file. A missing
/// target is an error naming it. Opened targets are cached.
struct LinkResolver {
    dir: PathBuf,
    /// Targets that were looked for and not found (shared with the [`H5File`]).
    missing: Arc<Mutex<Vec<PathBuf>>>,
    opened: Mutex<HashMap<String, Hdf5File>>,
    depth: usize,
}

impl ExternalLinkResolver for LinkResolver {
    fn resolve_external_link(
        &self,
        filename: &str,
    ) -> hdf5_reader::error::Result<Option<Hdf5File>> {
        if let Ok(map) = self.opened.lock()
            && let Some(f) = map.get(filename)
        {
            return Ok(Some(f.clone()));
        }
        let target = if Path::new(filename).is_absolute() {
            PathBuf::from(filename)
        } else {
            self.dir.join(filename)
        };
        if !target.is_file() {
            if let Ok(mut m) = self.missing.lock() {
                m.push(target.clone());
            }
            return Err(hdf5_reader::error::Error::InvalidData(format!(
                "external link target {} does not exist",
                target.display()
            )));
        }
        if self.depth >= 8 {
            return Err(hdf5_reader::error::Error::InvalidData(format!(
                "external links nested more than 8 files deep at {}",
                target.display()
            )));
        }
        let f = Hdf5File::open_with_options(
            &target,
            options(&target, self.depth + 1, self.missing.clone()),
        )?;
        if let Ok(mut map) = self.opened.lock() {
            map.insert(filename.to_owned(), f.clone());
        }
        Ok(Some(f))
    }
}

/// Filters we add to hdf5-reader's built-in deflate/shuffle/fletcher32.
fn registry() -> FilterRegistry {
    let mut r = FilterRegistry::new();
    r.register(
        FILTER_LZF,
        Box::new(|desc, data, _elem| {
            // h5py's cd_values: (version, lzf version, chunk bytes)
            let expected = desc.client_data.get(2).map(|&v| v as usize);
            lzf::decompress(data, expected)
                .map_err(|e| hdf5_reader::error::Error::DecompressionError(format!("LZF: {e}")))
        }),
    );
    r.register(
        FILTER_ZSTD,
        Box::new(|_desc, data, _elem| {
            crate::zstd::decompress(data, MAX_CHUNK_BYTES)
                .map_err(|e| hdf5_reader::error::Error::DecompressionError(format!("Zstd: {e}")))
        }),
    );
    r
}

fn options(path: &Path, depth: usize, missing: Arc<Mutex<Vec<PathBuf>>>) -> OpenOptions {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // A read may decode to more than the file holds (compression), but not absurdly more.
    let max_read = usize::try_from(len.saturating_mul(64))
        .unwrap_or(usize::MAX)
        .max(256 << 20);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    OpenOptions::default()
        .with_filter_registry(registry())
        .with_max_read_bytes(max_read)
        .with_max_chunk_bytes(MAX_CHUNK_BYTES)
        .with_external_link_resolver(Arc::new(LinkResolver {
            dir,
            opened: Mutex::new(HashMap::new()),
            missing,
            depth,
        }))
}

impl H5File {
    /// Opens the file and walks every object (metadata only).
    pub fn open(path: &Path) -> Result<H5File> {
        if !path.is_file() {
            return Err(Error::NotFound {
                format: FORMAT_ID,
                what: "NWB/HDF5 file".into(),
                looked_for: vec![path.to_path_buf()],
            });
        }
        let missing = Arc::new(Mutex::new(Vec::new()));
        let file =
            Hdf5File::open_with_options(path, options(path, 0, missing.clone())).map_err(|e| {
                Error::corrupt(FORMAT_ID, path, 0, format!("not a readable HDF5 file: {e}"))
            })?;
        let offset_size = file.superblock().offset_size;
        let mut h = H5File {
            file,
            path: path.to_path_buf(),
            offset_size,
            nodes: Vec::new(),
            kinds: HashMap::new(),
            kids: HashMap::new(),
            addr_to_path: HashMap::new(),
            missing,
        };
        h.walk()?;
        Ok(h)
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Maps an hdf5-reader error about `what` (a dataset or group path) to a rawio error.
    pub fn err(&self, what: &str, e: hdf5_reader::error::Error) -> Error {
        use hdf5_reader::error::Error as E;
        let missing = self.missing.lock().map(|m| m.clone()).unwrap_or_default();
        if !missing.is_empty() {
            return Error::NotFound {
                format: FORMAT_ID,
                what: format!(
                    "the target of the external link {what} in {}",
                    self.path.display()
                ),
                looked_for: missing,
            };
        }
        match e {
            E::UnsupportedFilter(s) => {
                let id: String = s.chars().filter(char::is_ascii_digit).collect();
                Error::unsupported(
                    FORMAT_ID,
                    format!(
                        "HDF5 filter {id} (dataset {what} in {})",
                        self.path.display()
                    ),
                )
            }
            other => Error::corrupt(FORMAT_ID, &self.path, 0, format!("{what}: {other}")),
        }
    }

    /// A corrupt-file error about `what`.
    pub fn bad(&self, what: &str, detail: impl std::fmt::Display) -> Error {
        Error::corrupt(FORMAT_ID, &self.path, 0, format!("{what}: {detail}"))
    }

    fn walk(&mut self) -> Result<()> {
        let root = self.file.root_group().map_err(|e| self.err("/", e))?;
        let mut seen = HashSet::new();
        let mut nodes = Vec::new();
        self.walk_group(&root, "", &mut seen, &mut nodes, 0)?;
        for n in &nodes {
            self.kinds.insert(n.path.clone(), n.kind);
            let (parent, name) = n.path.rsplit_once('/').unwrap_or(("", &n.path));
            let parent = if parent.is_empty() { "/" } else { parent };
            self.kids
                .entry(parent.to_owned())
                .or_default()
                .push((name.to_owned(), n.kind));
        }
        self.nodes = nodes;
        Ok(())
    }

    fn walk_group(
        &mut self,
        g: &Group,
        path: &str,
        seen: &mut HashSet<(usize, u64)>,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Result<()> {
        let file_key = std::ptr::from_ref(g.storage()).cast::<()>() as usize;
        if depth > 64 || !seen.insert((file_key, g.address())) {
            return Ok(());
        }
        let local = file_key == std::ptr::from_ref(self.file.storage()).cast::<()>() as usize;
        if local {
            self.addr_to_path.entry(g.address()).or_insert_with(|| {
                if path.is_empty() {
                    "/".into()
                } else {
                    path.into()
                }
            });
        }
        // Names of the soft links (aliases, listed at their target's own path), whatever the
        // link storage of the group (symbol table, compact link messages, dense links).
        let soft = self.soft_link_names(g, local);
        let what = if path.is_empty() { "/" } else { path };
        let (groups, datasets) = g.members().map_err(|e| self.err(what, e))?;
        let mut items: Vec<(String, Option<Group>, Option<Dataset>)> = groups
            .into_iter()
            .map(|c| (c.name().to_owned(), Some(c), None))
            .chain(
                datasets
                    .into_iter()
                    .map(|d| (d.name().to_owned(), None, Some(d))),
            )
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, cg, cd) in items {
            let is_soft = soft.contains(&name);
            let p = format!("{path}/{name}");
            if let Some(cg) = cg {
                out.push(Node {
                    path: p.clone(),
                    kind: NodeKind::Group,
                    soft: is_soft,
                });
                if !is_soft {
                    self.walk_group(&cg, &p, seen, out, depth + 1)?;
                }
            } else if let Some(cd) = cd {
                if local && !is_soft && !self.addr_to_path.contains_key(&cd.address()) {
                    self.addr_to_path.insert(cd.address(), p.clone());
                }
                out.push(Node {
                    path: p,
                    kind: NodeKind::Dataset,
                    soft: is_soft,
                });
            }
        }
        Ok(())
    }

    /// The names of the soft links among the children of `g`, from every kind of group
    /// storage: the symbol table of an old-style group (entries with cache type 2), compact
    /// link messages and dense link storage (fractal heap indexed by a v2 B-tree). Best effort:
    /// link storage that cannot be read contributes no name (the aliases are then walked like
    /// hard links; `members()` reports the error itself).
    fn soft_link_names(&self, g: &Group, local: bool) -> HashSet<String> {
        use hdf5_reader::io::Cursor;
        use hdf5_reader::messages::link::LinkTarget;
        let mut soft = HashSet::new();
        let storage = g.storage();
        let (os, ls) = (g.offset_size(), g.length_size());
        let header = if local {
            self.file.get_or_parse_header(g.address()).ok()
        } else {
            // a group of an externally linked file: parse its header from that file
            let limit = usize::try_from(storage.len()).unwrap_or(usize::MAX);
            hdf5_reader::object_header::ObjectHeader::parse_at_storage_with_limit(
                storage,
                g.address(),
                os,
                ls,
                limit,
            )
            .ok()
            .map(Arc::new)
        };
        let Some(header) = header else {
            return soft;
        };
        for m in &header.messages {
            match m {
                HdfMessage::Link(l) if matches!(l.target, LinkTarget::Soft { .. }) => {
                    soft.insert(l.name.clone());
                }
                HdfMessage::SymbolTable(st) => {
                    old_style_soft_links(storage, st, os, ls, &mut soft);
                }
                HdfMessage::LinkInfo(li)
                    if !Cursor::is_undefined_offset(li.fractal_heap_address, os) =>
                {
                    dense_soft_links(storage, li, os, ls, &mut soft);
                }
                _ => {}
            }
        }
        soft
    }

    /// The group at `path`.
    pub fn group(&self, path: &str) -> Result<Group> {
        let p = path.trim_start_matches('/');
        if p.is_empty() {
            return self.file.root_group().map_err(|e| self.err("/", e));
        }
        self.file.group(p).map_err(|e| self.err(path, e))
    }

    /// The dataset at `path`.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        self.file
            .dataset(path.trim_start_matches('/'))
            .map_err(|e| self.err(path, e))
    }

    /// Whether a dataset exists at `path` (per the walk).
    pub fn is_dataset(&self, path: &str) -> bool {
        self.kinds.get(path) == Some(&NodeKind::Dataset)
    }

    /// Whether a group exists at `path` (per the walk).
    pub fn is_group(&self, path: &str) -> bool {
        path == "/" || self.kinds.get(path) == Some(&NodeKind::Group)
    }

    /// The direct children of group `path`: (name, kind), sorted by name.
    pub fn children(&self, path: &str) -> Vec<(String, NodeKind)> {
        self.kids.get(path).cloned().unwrap_or_default()
    }

    /// The path of the object at `address`, or None.
    pub fn path_of(&self, address: u64) -> Option<&str> {
        self.addr_to_path.get(&address).map(String::as_str)
    }

    // ---------------------------------------------------------------------------------------
    // attributes
    // ---------------------------------------------------------------------------------------

    /// Every attribute of the object at `path`.
    pub fn attrs(&self, path: &str) -> Vec<Attribute> {
        if self.is_dataset(path) {
            self.dataset(path)
                .map(|d| d.attributes())
                .unwrap_or_default()
        } else {
            self.group(path)
                .and_then(|g| g.attributes().map_err(|e| self.err(path, e)))
                .unwrap_or_default()
        }
    }

    /// A text attribute (scalar, or the elements joined by ", " for arrays).
    pub fn attr_str(attrs: &[Attribute], name: &str) -> Option<String> {
        let a = attrs.iter().find(|a| a.name == name)?;
        if a.shape.is_empty() {
            a.read_string().ok()
        } else {
            a.read_strings().ok().map(|v| v.join(", "))
        }
    }

    /// A string-array attribute.
    pub fn attr_strings(attrs: &[Attribute], name: &str) -> Option<Vec<String>> {
        let a = attrs.iter().find(|a| a.name == name)?;
        if a.shape.is_empty() {
            a.read_string().ok().map(|s| vec![s])
        } else {
            a.read_strings().ok()
        }
    }

    /// A numeric scalar attribute (any width) as f64.
    pub fn attr_f64(attrs: &[Attribute], name: &str) -> Option<f64> {
        attrs.iter().find(|a| a.name == name)?.read_as_f64().ok()
    }

    /// An object-reference attribute resolved to a path.
    pub fn attr_ref(&self, attrs: &[Attribute], name: &str) -> Option<String> {
        let a = attrs.iter().find(|a| a.name == name)?;
        if elem_of(&a.datatype) != Elem::ObjRef {
            return None;
        }
        let addr =
            hdf5_reader::reference::resolve_object_reference(&a.raw_data, self.offset_size).ok()?;
        self.path_of(addr).map(str::to_owned)
    }

    /// Every attribute of the object as JSON (numbers, strings, references as paths).
    pub fn attrs_json(&self, attrs: &[Attribute]) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        for a in attrs {
            let v = match elem_of(&a.datatype) {
                Elem::Str => {
                    if a.shape.is_empty() {
                        a.read_string().ok().map(serde_json::Value::from)
                    } else {
                        a.read_strings().ok().map(serde_json::Value::from)
                    }
                }
                Elem::Num(d) if a.shape.is_empty() => a.read_as_f64().ok().map(|v| {
                    if !d.is_float() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                        serde_json::Value::from(v as i64)
                    } else {
                        rawio_core::json_f64(v)
                    }
                }),
                Elem::ObjRef if a.shape.is_empty() => {
                    self.attr_ref(attrs, &a.name).map(serde_json::Value::from)
                }
                _ => None,
            };
            if let Some(v) = v {
                m.insert(a.name.clone(), v);
            }
        }
        m
    }

    // ---------------------------------------------------------------------------------------
    // datasets
    // ---------------------------------------------------------------------------------------

    /// Shape of a dataset (`[]` for scalars).
    pub fn shape(ds: &Dataset) -> Vec<u64> {
        ds.shape().to_vec()
    }

    /// Element kind of a dataset.
    pub fn elem(ds: &Dataset) -> Elem {
        elem_of(ds.dtype())
    }

    /// The whole dataset as f64 (numeric and bool datasets), flattened in C order.
    pub fn read_f64(&self, ds: &Dataset, what: &str) -> Result<Vec<f64>> {
        let a = self.read_all(ds, what)?;
        Ok(a.to_f64().into_iter().collect())
    }

    /// The whole dataset as i64 (integer or bool datasets); u64 values above i64::MAX fail.
    pub fn read_i64(&self, ds: &Dataset, what: &str) -> Result<Vec<i64>> {
        let a = self.read_all(ds, what)?;
        if a.dtype().is_float() {
            return Err(self.bad(what, format!("expected integers, found {}", a.dtype())));
        }
        if let Some(u) = a.as_typed::<u64>() {
            return u
                .iter()
                .map(|&v| {
                    i64::try_from(v).map_err(|_| self.bad(what, format!("value {v} exceeds i64")))
                })
                .collect();
        }
        Ok(a.to_f64().iter().map(|&v| v as i64).collect())
    }

    /// The whole dataset as u64 indexes (integer datasets; negative values fail).
    pub fn read_u64(&self, ds: &Dataset, what: &str) -> Result<Vec<u64>> {
        let a = self.read_all(ds, what)?;
        if a.dtype().is_float() {
            return Err(self.bad(what, format!("expected integers, found {}", a.dtype())));
        }
        if let Some(u) = a.as_typed::<u64>() {
            return Ok(u.iter().copied().collect());
        }
        a.to_f64()
            .iter()
            .map(|&v| {
                if v < 0.0 {
                    Err(self.bad(what, format!("negative index {v}")))
                } else {
                    Ok(v as u64)
                }
            })
            .collect()
    }

    /// Every element of a text dataset.
    pub fn read_strings(&self, ds: &Dataset, what: &str) -> Result<Vec<String>> {
        if H5File::elem(ds) != Elem::Str {
            return Err(self.bad(what, "not a text dataset"));
        }
        ds.read_strings().map_err(|e| self.err(what, e))
    }

    /// Object references as paths (`None` for null or unknown targets).
    pub fn read_refs(&self, ds: &Dataset, what: &str) -> Result<Vec<Option<String>>> {
        let raw = ds.read_raw_bytes().map_err(|e| self.err(what, e))?;
        let addrs = hdf5_reader::reference::read_object_references(&raw, self.offset_size)
            .map_err(|e| self.err(what, e))?;
        Ok(addrs
            .into_iter()
            .map(|a| self.path_of(a).map(str::to_owned))
            .collect())
    }

    /// Compound rows as JSON objects (numeric, bool-enum, text and reference members).
    pub fn read_compound(&self, ds: &Dataset, what: &str) -> Result<Vec<serde_json::Value>> {
        let Datatype::Compound { size, fields } = ds.dtype().clone() else {
            return Err(self.bad(what, "not a compound dataset"));
        };
        let size = size as usize;
        let raw = ds.read_raw_bytes().map_err(|e| self.err(what, e))?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut rows = Vec::with_capacity(raw.len() / size);
        for rec in raw.chunks_exact(size) {
            let mut obj = serde_json::Map::new();
            for f in &fields {
                let off = f.byte_offset as usize;
                let v = decode_scalar(&f.datatype, rec.get(off..).unwrap_or(&[]), self);
                obj.insert(f.name.clone(), v);
            }
            rows.push(serde_json::Value::Object(obj));
        }
        Ok(rows)
    }

    /// The whole numeric (or bool/enum, as integers) dataset with its stored dtype.
    pub fn read_all(&self, ds: &Dataset, what: &str) -> Result<RawArray<'static, IxDyn>> {
        let n = ds.ndim();
        self.read_slice(ds, what, &SliceInfo::all(n))
    }

    /// Rows `[r0, r1)` of a numeric dataset (all other dimensions whole), with the stored
    /// dtype. `cols` restricts the second dimension of 2-D data to a range.
    pub fn read_rows(
        &self,
        ds: &Dataset,
        what: &str,
        r0: u64,
        r1: u64,
        cols: Option<(u64, u64)>,
    ) -> Result<RawArray<'static, IxDyn>> {
        let shape = ds.shape();
        let n = shape.first().copied().unwrap_or(1);
        if r1 > n || r0 > r1 {
            return Err(Error::out_of_range("sample", r1, n.saturating_add(1)));
        }
        let mut sel = vec![SliceInfoElem::Slice {
            start: r0,
            end: r1,
            step: 1,
        }];
        for (d, &len) in shape.iter().enumerate().skip(1) {
            let (s, e) = match (d, cols) {
                (1, Some((a, b))) if b <= len && a <= b => (a, b),
                _ => (0, len),
            };
            sel.push(SliceInfoElem::Slice {
                start: s,
                end: e,
                step: 1,
            });
        }
        if shape.is_empty() {
            sel.clear();
        }
        // hdf5-reader cannot express empty selections: build them ourselves
        if r0 == r1
            || sel
                .iter()
                .any(|s| matches!(s, SliceInfoElem::Slice { start, end, .. } if start == end))
        {
            let dims: Vec<usize> = sel
                .iter()
                .map(|s| match s {
                    SliceInfoElem::Slice { start, end, .. } => {
                        usize::try_from(end - start).unwrap_or(0)
                    }
                    SliceInfoElem::Index(_) => 1,
                })
                .collect();
            let dt = match H5File::elem(ds) {
                Elem::Num(d) | Elem::Enum(d) => d,
                Elem::Bool => Dtype::Int8,
                other => return Err(self.bad(what, format!("not numeric: {other:?}"))),
            };
            return Ok(empty_array(dt, &dims));
        }
        self.read_slice(ds, what, &SliceInfo { selections: sel })
    }

    fn read_slice(
        &self,
        ds: &Dataset,
        what: &str,
        sel: &SliceInfo,
    ) -> Result<RawArray<'static, IxDyn>> {
        macro_rules! rd {
            ($t:ty) => {
                RawArray::new(ds.read_slice::<$t>(sel).map_err(|e| self.err(what, e))?)
            };
        }
        Ok(match H5File::elem(ds) {
            Elem::Num(d) => match d {
                Dtype::Int8 => rd!(i8),
                Dtype::Uint8 => rd!(u8),
                Dtype::Int16 => rd!(i16),
                Dtype::Uint16 => rd!(u16),
                Dtype::Int32 => rd!(i32),
                Dtype::Uint32 => rd!(u32),
                Dtype::Int64 => rd!(i64),
                Dtype::Uint64 => rd!(u64),
                Dtype::Float32 => rd!(f32),
                Dtype::Float64 => rd!(f64),
            },
            Elem::Bool | Elem::Enum(_) => {
                // enums have no typed read: decode the raw integers (whole dataset)
                let Datatype::Enum { base, .. } = ds.dtype() else {
                    return Err(self.bad(what, "enum expected"));
                };
                let raw = ds.read_raw_bytes().map_err(|e| self.err(what, e))?;
                let shape: Vec<usize> = ds
                    .shape()
                    .iter()
                    .map(|&d| usize::try_from(d).unwrap_or(0))
                    .collect();
                let size = match **base {
                    Datatype::FixedPoint { size, .. } => usize::from(size),
                    _ => 1,
                };
                let vals: Vec<i64> = raw
                    .chunks_exact(size.max(1))
                    .map(|c| match decode_scalar(base, c, self) {
                        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0),
                        _ => 0,
                    })
                    .collect();
                let arr =
                    ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| self.bad(what, e))?;
                let all = RawArray::new(arr);
                apply_selection(all, sel)
            }
            other => return Err(self.bad(what, format!("not a numeric dataset ({other:?})"))),
        })
    }
}

/// Soft links of an old-style group: the symbol-table entries whose cache type is 2 (the
/// scratch pad holds the link value), named through the group's local heap.
fn old_style_soft_links(
    storage: &dyn hdf5_reader::Storage,
    st: &hdf5_reader::messages::symbol_table_msg::SymbolTableMessage,
    os: u8,
    ls: u8,
    out: &mut HashSet<String>,
) {
    use hdf5_reader::io::Cursor;
    let Ok(heap) =
        hdf5_reader::local_heap::LocalHeap::parse_at_storage(storage, st.heap_address, os, ls)
    else {
        return;
    };
    let Ok(leaves) = hdf5_reader::btree_v1::collect_btree_v1_leaves_storage(
        storage,
        st.btree_address,
        os,
        ls,
        None,
        &[],
        None,
    ) else {
        return;
    };
    let entry_len = 2 * usize::from(os) + 4 + 4 + 16;
    for (_, addr) in leaves {
        // SNOD: signature (4), version (1), reserved (1), number of symbols (u16), entries
        let Ok(prefix) = storage.read_range(addr, 8) else {
            continue;
        };
        let Some(n) = prefix
            .as_ref()
            .get(6..8)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
        else {
            continue;
        };
        let Ok(bytes) = storage.read_range(addr, 8 + usize::from(n) * entry_len) else {
            continue;
        };
        let Ok(node) = hdf5_reader::symbol_table::SymbolTableNode::parse(
            &mut Cursor::new(bytes.as_ref()),
            os,
            ls,
        ) else {
            continue;
        };
        for e in node.entries.iter().filter(|e| e.cache_type == 2) {
            if let Ok(name) = heap.get_string_storage(e.link_name_offset, storage) {
                out.insert(name);
            }
        }
    }
}

/// Soft links of a group with dense link storage: every link message of its fractal heap,
/// found through the name-index v2 B-tree.
fn dense_soft_links(
    storage: &dyn hdf5_reader::Storage,
    li: &hdf5_reader::messages::link_info::LinkInfoMessage,
    os: u8,
    ls: u8,
    out: &mut HashSet<String>,
) {
    use hdf5_reader::btree_v2::{self, BTreeV2Record};
    use hdf5_reader::io::Cursor;
    use hdf5_reader::messages::link::{self, LinkTarget};
    let Ok(heap) = hdf5_reader::fractal_heap::FractalHeap::parse_at_storage(
        storage,
        li.fractal_heap_address,
        os,
        ls,
    ) else {
        return;
    };
    let Ok(bt) =
        btree_v2::BTreeV2Header::parse_at_storage(storage, li.btree_name_index_address, os, ls)
    else {
        return;
    };
    let Ok(records) =
        btree_v2::collect_btree_v2_records_storage(storage, &bt, os, ls, None, &[], None)
    else {
        return;
    };
    for r in &records {
        let (BTreeV2Record::LinkNameHash { heap_id, .. }
        | BTreeV2Record::CreationOrder { heap_id, .. }) = r
        else {
            continue;
        };
        let Ok(bytes) = heap.get_object_storage(heap_id, storage, os, ls) else {
            continue;
        };
        if let Ok(l) = link::parse(&mut Cursor::new(&bytes), os, ls, bytes.len())
            && matches!(l.target, LinkTarget::Soft { .. })
        {
            out.insert(l.name);
        }
    }
}

/// Applies a selection to an in-memory array (used for enum datasets only).
fn apply_selection(a: RawArray<'static, IxDyn>, sel: &SliceInfo) -> RawArray<'static, IxDyn> {
    let mut cur = a;
    for (axis, s) in sel.selections.iter().enumerate() {
        if let SliceInfoElem::Slice { start, end, .. } = s {
            let len = cur.shape().get(axis).copied().unwrap_or(0);
            let st = usize::try_from(*start).unwrap_or(len).min(len);
            let en = usize::try_from(*end).unwrap_or(len).min(len).max(st);
            cur = cur.slice_axis(axis, st..en).into_owned();
        }
    }
    cur
}

fn empty_array(dt: Dtype, dims: &[usize]) -> RawArray<'static, IxDyn> {
    macro_rules! z {
        ($t:ty) => {
            RawArray::new(ArrayD::<$t>::zeros(IxDyn(dims)))
        };
    }
    match dt {
        Dtype::Int8 => z!(i8),
        Dtype::Uint8 => z!(u8),
        Dtype::Int16 => z!(i16),
        Dtype::Uint16 => z!(u16),
        Dtype::Int32 => z!(i32),
        Dtype::Uint32 => z!(u32),
        Dtype::Int64 => z!(i64),
        Dtype::Uint64 => z!(u64),
        Dtype::Float32 => z!(f32),
        Dtype::Float64 => z!(f64),
    }
}

/// Decodes one little/big-endian scalar of `dt` from the start of `b` as JSON.
fn decode_scalar(dt: &Datatype, b: &[u8], h: &H5File) -> serde_json::Value {
    use hdf5_reader::ByteOrder;
    fn take<const N: usize>(b: &[u8], be: bool) -> Option<[u8; N]> {
        let mut a: [u8; N] = b.get(..N)?.try_into().ok()?;
        if be {
            a.reverse();
        }
        Some(a)
    }
    match dt {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        } => {
            let be = *byte_order == ByteOrder::BigEndian;
            let v: Option<serde_json::Value> = match (size, signed) {
                (1, true) => take::<1>(b, be).map(|a| i8::from_le_bytes(a).into()),
                (1, false) => take::<1>(b, be).map(|a| u8::from_le_bytes(a).into()),
                (2, true) => take::<2>(b, be).map(|a| i16::from_le_bytes(a).into()),
                (2, false) => take::<2>(b, be).map(|a| u16::from_le_bytes(a).into()),
                (4, true) => take::<4>(b, be).map(|a| i32::from_le_bytes(a).into()),
                (4, false) => take::<4>(b, be).map(|a| u32::from_le_bytes(a).into()),
                (8, true) => take::<8>(b, be).map(|a| i64::from_le_bytes(a).into()),
                (8, false) => take::<8>(b, be).map(|a| u64::from_le_bytes(a).into()),
                _ => None,
            };
            v.unwrap_or(serde_json::Value::Null)
        }
        Datatype::FloatingPoint { size, byte_order } => {
            let be = *byte_order == ByteOrder::BigEndian;
            match size {
                4 => {
                    take::<4>(b, be).map(|a| rawio_core::json_f64(f64::from(f32::from_le_bytes(a))))
                }
                8 => take::<8>(b, be).map(|a| rawio_core::json_f64(f64::from_le_bytes(a))),
                _ => None,
            }
            .unwrap_or(serde_json::Value::Null)
        }
        Datatype::Enum { base, members } => {
            let n = match **base {
                Datatype::FixedPoint { size, .. } => usize::from(size),
                _ => 0,
            };
            let raw = b.get(..n).unwrap_or(&[]);
            if let Some(m) = members.iter().find(|m| m.value == raw) {
                match m.name.as_str() {
                    "TRUE" => return serde_json::Value::Bool(true),
                    "FALSE" => return serde_json::Value::Bool(false),
                    _ => {}
                }
            }
            decode_scalar(base, b, h)
        }
        Datatype::Reference {
            ref_type: hdf5_reader::ReferenceType::Object,
            size,
        } => {
            let n = usize::from(*size);
            b.get(..n)
                .and_then(|r| {
                    hdf5_reader::reference::resolve_object_reference(r, h.offset_size).ok()
                })
                .and_then(|a| h.path_of(a))
                .map(serde_json::Value::from)
                .unwrap_or(serde_json::Value::Null)
        }
        Datatype::String {
            size: StringSize::Fixed(n),
            ..
        } => {
            let n = *n as usize;
            let s = b.get(..n.min(b.len())).unwrap_or(&[]);
            let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
            serde_json::Value::from(String::from_utf8_lossy(&s[..end]).trim_end().to_owned())
        }
        _ => serde_json::Value::Null,
    }
}

/// A numeric (or bool) array attribute as nested JSON lists.
pub(crate) fn numeric_array_json(a: &Attribute) -> Option<serde_json::Value> {
    fn vals<T: hdf5_reader::H5Type + Copy>(
        a: &Attribute,
        f: impl Fn(T) -> serde_json::Value,
    ) -> Option<Vec<serde_json::Value>> {
        a.read_1d::<T>()
            .ok()
            .map(|v| v.into_iter().map(f).collect())
    }
    let flat: Vec<serde_json::Value> = match elem_of(&a.datatype) {
        Elem::Num(d) => match d {
            Dtype::Int8 => vals::<i8>(a, serde_json::Value::from)?,
            Dtype::Uint8 => vals::<u8>(a, serde_json::Value::from)?,
            Dtype::Int16 => vals::<i16>(a, serde_json::Value::from)?,
            Dtype::Uint16 => vals::<u16>(a, serde_json::Value::from)?,
            Dtype::Int32 => vals::<i32>(a, serde_json::Value::from)?,
            Dtype::Uint32 => vals::<u32>(a, serde_json::Value::from)?,
            Dtype::Int64 => vals::<i64>(a, serde_json::Value::from)?,
            Dtype::Uint64 => vals::<u64>(a, serde_json::Value::from)?,
            Dtype::Float32 => vals::<f32>(a, |x| rawio_core::json_f64(f64::from(x)))?,
            Dtype::Float64 => vals::<f64>(a, rawio_core::json_f64)?,
        },
        _ => return None,
    };
    let shape: Vec<usize> = a
        .shape
        .iter()
        .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
        .collect();
    if shape.is_empty() {
        return flat.into_iter().next();
    }
    fn nest(flat: &[serde_json::Value], shape: &[usize]) -> serde_json::Value {
        match shape.split_first() {
            None => flat.first().cloned().unwrap_or(serde_json::Value::Null),
            Some((&n, [])) => serde_json::Value::Array(flat.iter().take(n).cloned().collect()),
            Some((&n, rest)) => {
                let stride: usize = rest.iter().product();
                serde_json::Value::Array(
                    (0..n)
                        .map(|k| nest(flat.get(k * stride..).unwrap_or(&[]), rest))
                        .collect(),
                )
            }
        }
    }
    if shape.iter().product::<usize>() != flat.len() {
        return None;
    }
    Some(nest(&flat, &shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdf5_reader::{ByteOrder, EnumMember};

    #[test]
    fn element_kinds() {
        let i8t = Datatype::FixedPoint {
            size: 1,
            signed: true,
            byte_order: ByteOrder::LittleEndian,
        };
        assert_eq!(elem_of(&i8t), Elem::Num(Dtype::Int8));
        let b = Datatype::Enum {
            base: Box::new(i8t.clone()),
            members: vec![
                EnumMember {
                    name: "FALSE".into(),
                    value: vec![0],
                },
                EnumMember {
                    name: "TRUE".into(),
                    value: vec![1],
                },
            ],
        };
        assert_eq!(elem_of(&b), Elem::Bool);
        let e = Datatype::Enum {
            base: Box::new(i8t.clone()),
            members: vec![EnumMember {
                name: "A".into(),
                value: vec![3],
            }],
        };
        assert_eq!(elem_of(&e), Elem::Enum(Dtype::Int8));
        let f16 = Datatype::FloatingPoint {
            size: 2,
            byte_order: ByteOrder::LittleEndian,
        };
        assert!(matches!(elem_of(&f16), Elem::Other(_)));
    }
}
