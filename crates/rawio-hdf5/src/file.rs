//! [`H5File`]: an opened HDF5 file, its object index and the errors that name its objects.

use crate::links::{self, Link};
use crate::object::{Dataset, Group, Member, MemberKind};
use crate::{Attributes, filters};
use hdf5_reader::{ExternalLinkResolver, Hdf5File};
use rawio_core::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Largest decoded chunk accepted by default.
const MAX_CHUNK_BYTES: usize = 128 << 20;
/// Decoded chunks kept per file: enough for the chunks a sequential reader straddles
/// between two reads (a band of chunks across every column), not a whole recording.
const CHUNK_CACHE_BYTES: usize = 16 << 20;
/// Deepest chain of externally linked files followed.
const MAX_EXTERNAL_DEPTH: usize = 8;
/// Deepest group nesting walked.
const MAX_WALK_DEPTH: usize = 64;

/// How a file is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// Largest decoded chunk a read may allocate (bytes). Default 128 MiB.
    pub max_chunk_bytes: usize,
    /// Largest decoded selection as a multiple of the file size (compression bounds what a
    /// file can hold); never below 256 MiB. Default 64.
    pub max_read_ratio: u64,
    /// Follow external links (resolved relative to the linking file's directory). Default
    /// true.
    pub external_links: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            max_chunk_bytes: MAX_CHUNK_BYTES,
            max_read_ratio: 64,
            external_links: true,
        }
    }
}

/// One object found by the walk of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Absolute path (`/acquisition/x`).
    pub path: String,
    /// Group or dataset.
    pub kind: MemberKind,
    /// Reached through a soft link: an alias of an object listed at its own path (its
    /// members are not walked again).
    pub soft: bool,
}

/// An object the walk could not reach: a member whose header cannot be read, a group whose
/// members cannot be listed, an external link whose target file is missing. Listed by
/// [`H5File::unreadable`] when the file was opened with [`H5File::open_partial`].
#[derive(Debug)]
pub struct Unreadable {
    /// The object's path (the link's path for an external link).
    pub path: String,
    /// Why it cannot be read (naming the object).
    pub error: Error,
}

/// The objects of a file, from one walk at open.
#[derive(Default)]
struct Index {
    /// Every object reachable from the root (depth-first, names sorted), each once.
    objects: Vec<Object>,
    kinds: HashMap<String, MemberKind>,
    /// Group path → its members, sorted by name.
    members: HashMap<String, Vec<Member>>,
    /// Object header address (in this file) → path, for references.
    addr_to_path: HashMap<u64, String>,
    /// What the walk could not reach.
    unreadable: Vec<Unreadable>,
}

pub(crate) struct Inner {
    pub(crate) file: Hdf5File,
    path: PathBuf,
    format: &'static str,
    pub(crate) offset_size: u8,
    index: Index,
    /// External link targets found missing.
    missing: Arc<Mutex<Vec<PathBuf>>>,
    /// The largest size of this file and of every externally linked file opened.
    max_len: Arc<AtomicU64>,
    /// Every externally linked file opened (any depth).
    pub(crate) linked: Arc<Mutex<Vec<Hdf5File>>>,
}

/// An opened HDF5 file: its objects (walked once at open) and every read, with errors that
/// name the format, the file and the HDF5 object. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct H5File {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for H5File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H5File")
            .field("path", &self.inner.path)
            .field("format", &self.inner.format)
            .field("objects", &self.inner.index.objects.len())
            .finish()
    }
}

/// `/a/b` form of a user path (`a/b`, `/a/b/`, `/`...).
pub(crate) fn norm(path: &str) -> String {
    let p = path.trim_matches('/');
    if p.is_empty() {
        "/".into()
    } else {
        format!("/{p}")
    }
}

/// `parent/name` of two absolute-form paths.
pub(crate) fn join(parent: &str, name: &str) -> String {
    norm(&format!("{}/{}", parent.trim_end_matches('/'), name))
}

/// Resolves HDF5 external links relative to the directory of the linking file. A missing
/// target is recorded (the file's errors then name it). Opened targets are cached.
struct LinkResolver {
    dir: PathBuf,
    format: &'static str,
    options: OpenOptions,
    missing: Arc<Mutex<Vec<PathBuf>>>,
    max_len: Arc<AtomicU64>,
    opened: Mutex<HashMap<String, Hdf5File>>,
    linked: Arc<Mutex<Vec<Hdf5File>>>,
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
            // left out of the listings (like a dangling soft link); the walk reports the
            // link itself as unreadable, naming the missing file
            if let Ok(mut m) = self.missing.lock() {
                m.push(target.clone());
            }
            return Ok(None);
        }
        if self.depth >= MAX_EXTERNAL_DEPTH {
            return Err(hdf5_reader::error::Error::InvalidData(format!(
                "external links nested more than {MAX_EXTERNAL_DEPTH} files deep at {}",
                target.display()
            )));
        }
        let opts = reader_options(
            &target,
            self.format,
            &self.options,
            self.depth + 1,
            &self.missing,
            &self.max_len,
            &self.linked,
        );
        let f = Hdf5File::open_with_options(&target, opts)?;
        if let Ok(mut map) = self.opened.lock() {
            map.insert(filename.to_owned(), f.clone());
        }
        if let Ok(mut l) = self.linked.lock() {
            l.push(f.clone());
        }
        Ok(Some(f))
    }
}

/// hdf5-reader's options for `path`: our filters, the read limits and the link resolver.
fn reader_options(
    path: &Path,
    format: &'static str,
    options: &OpenOptions,
    depth: usize,
    missing: &Arc<Mutex<Vec<PathBuf>>>,
    max_len: &Arc<AtomicU64>,
    linked: &Arc<Mutex<Vec<Hdf5File>>>,
) -> hdf5_reader::OpenOptions {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    max_len.fetch_max(len, Ordering::Relaxed);
    // A read may decode to more than the file holds (compression), but not absurdly more.
    let max_read = usize::try_from(len.saturating_mul(options.max_read_ratio))
        .unwrap_or(usize::MAX)
        .max(256 << 20);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let o = hdf5_reader::OpenOptions::default()
        .with_chunk_cache_bytes(CHUNK_CACHE_BYTES)
        .with_filter_registry(filters::registry(options.max_chunk_bytes))
        .with_max_read_bytes(max_read)
        .with_max_chunk_bytes(options.max_chunk_bytes);
    if !options.external_links {
        return o;
    }
    o.with_external_link_resolver(Arc::new(LinkResolver {
        dir,
        format,
        options: options.clone(),
        opened: Mutex::new(HashMap::new()),
        missing: missing.clone(),
        max_len: max_len.clone(),
        linked: linked.clone(),
        depth,
    }))
}

impl H5File {
    /// Opens `path` for the format `format` (the id every error names) and walks its
    /// objects (metadata only: no dataset is read).
    ///
    /// Errors: [`Error::NotFound`] when the file does not exist or an external link target
    /// is missing (naming it), [`Error::Corrupt`] when it is not a readable HDF5 file or
    /// its object tree cannot be walked (naming the object).
    pub fn open(
        path: impl AsRef<Path>,
        format: &'static str,
        options: &OpenOptions,
    ) -> Result<H5File> {
        let mut f = Self::open_partial(path, format, options)?;
        if let Some(inner) = Arc::get_mut(&mut f.inner)
            && !inner.index.unreadable.is_empty()
        {
            return Err(inner.index.unreadable.swap_remove(0).error);
        }
        Ok(f)
    }

    /// Like [`H5File::open`], but an object the walk cannot reach (a member whose header
    /// cannot be read, a group whose members cannot be listed, an external link whose
    /// target file is missing) is left out and listed by [`H5File::unreadable`] with its
    /// error, instead of failing the whole open: a format reader can then read everything
    /// else and say what it left out. Only a root group that cannot be listed is an error.
    pub fn open_partial(
        path: impl AsRef<Path>,
        format: &'static str,
        options: &OpenOptions,
    ) -> Result<H5File> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::NotFound {
                format,
                what: "HDF5 file".into(),
                looked_for: vec![path.to_path_buf()],
            });
        }
        let missing = Arc::new(Mutex::new(Vec::new()));
        let max_len = Arc::new(AtomicU64::new(0));
        let linked = Arc::new(Mutex::new(Vec::new()));
        let opts = reader_options(path, format, options, 0, &missing, &max_len, &linked);
        let file = Hdf5File::open_with_options(path, opts).map_err(|e| {
            Error::corrupt(format, path, 0, format!("not a readable HDF5 file: {e}"))
        })?;
        let mut inner = Inner {
            offset_size: file.superblock().offset_size,
            file,
            path: path.to_path_buf(),
            format,
            index: Index::default(),
            missing,
            max_len,
            linked,
        };
        inner.index = Walker::new(&inner).run()?;
        Ok(H5File {
            inner: Arc::new(inner),
        })
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The format id errors name.
    pub fn format(&self) -> &'static str {
        self.inner.format
    }

    /// The objects the walk could not reach (always empty for a file opened with
    /// [`H5File::open`], which fails instead), in walk order.
    pub fn unreadable(&self) -> &[Unreadable] {
        &self.inner.index.unreadable
    }

    /// Every object reachable from the root, depth-first with names sorted (h5py's order),
    /// each object once: an object reached again through a soft link is listed at the
    /// link's path with [`Object::soft`] set and its members are not walked again.
    pub fn objects(&self) -> &[Object] {
        &self.inner.index.objects
    }

    /// What the object at `path` is (`/` is the root group), `None` when there is none.
    pub fn kind(&self, path: &str) -> Option<MemberKind> {
        let p = norm(path);
        if p == "/" {
            return Some(MemberKind::Group);
        }
        self.inner.index.kinds.get(&p).copied()
    }

    /// Whether a group exists at `path` (`/` is the root).
    pub fn is_group(&self, path: &str) -> bool {
        self.kind(path) == Some(MemberKind::Group)
    }

    /// Whether a dataset exists at `path`.
    pub fn is_dataset(&self, path: &str) -> bool {
        self.kind(path) == Some(MemberKind::Dataset)
    }

    /// The members of group `path` found by the walk, sorted by name (byte order); see
    /// [`Group::members`] for the link kinds and the creation order. Fails when `path` is
    /// not a group.
    pub fn members(&self, path: &str) -> Result<Vec<Member>> {
        let p = norm(path);
        if !self.is_group(&p) {
            return Err(self.not_found(format!("group {p}")));
        }
        Ok(self
            .inner
            .index
            .members
            .get(&p)
            .cloned()
            .unwrap_or_default())
    }

    /// The path of the object whose header is at `address` in this file (its first path in
    /// walk order), `None` when the walk did not reach it.
    pub fn path_of_address(&self, address: u64) -> Option<&str> {
        self.inner
            .index
            .addr_to_path
            .get(&address)
            .map(String::as_str)
    }

    /// The root group.
    pub fn root(&self) -> Result<Group> {
        let g = self.inner.file.root_group().map_err(|e| self.err("/", e))?;
        Ok(Group::new(self.clone(), "/".into(), g))
    }

    /// The group at `path` (soft and external links followed).
    pub fn group(&self, path: &str) -> Result<Group> {
        let p = norm(path);
        if p == "/" {
            return self.root();
        }
        let g = self
            .inner
            .file
            .group(p.trim_start_matches('/'))
            .map_err(|e| self.err(&p, e))?;
        Ok(Group::new(self.clone(), p, g))
    }

    /// The dataset at `path` (soft and external links followed).
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        let p = norm(path);
        let ds = self
            .inner
            .file
            .dataset(p.trim_start_matches('/'))
            .map_err(|e| self.err(&p, e))?;
        Ok(Dataset::new(self.clone(), p, ds))
    }

    /// The attributes of the object (group or dataset) at `path`.
    pub fn attributes(&self, path: &str) -> Result<Attributes> {
        match self.kind(path) {
            Some(MemberKind::Dataset) => Ok(self.dataset(path)?.attributes()),
            Some(MemberKind::Group) => self.group(path)?.attributes(),
            None => Err(self.not_found(format!("object {}", norm(path)))),
        }
    }

    /// The largest file size among this file and the externally linked files opened.
    pub(crate) fn max_file_len(&self) -> u64 {
        self.inner.max_len.load(Ordering::Relaxed)
    }

    // -------------------------------------------------------------------------------------
    // errors
    // -------------------------------------------------------------------------------------

    /// An [`Error::Corrupt`] about the object at `object` (an HDF5 path): the detail starts
    /// with the object path; the offset is the object's header address when the walk
    /// reached it (0 otherwise).
    pub fn corrupt(&self, object: &str, detail: impl std::fmt::Display) -> Error {
        let offset = self
            .inner
            .index
            .addr_to_path
            .iter()
            .find_map(|(a, p)| (p == object).then_some(*a))
            .unwrap_or(0);
        self.corrupt_at(object, offset, detail)
    }

    /// An [`Error::Corrupt`] about `object` at byte `offset`.
    pub(crate) fn corrupt_at(
        &self,
        object: &str,
        offset: u64,
        detail: impl std::fmt::Display,
    ) -> Error {
        Error::corrupt(
            self.inner.format,
            &self.inner.path,
            offset,
            format!("{object}: {detail}"),
        )
    }

    /// An [`Error::NotFound`] for `what` (an object, described) in this file.
    pub fn not_found(&self, what: impl std::fmt::Display) -> Error {
        Error::NotFound {
            format: self.inner.format,
            what: format!("{what} in {}", self.inner.path.display()),
            looked_for: vec![self.inner.path.clone()],
        }
    }

    /// An [`Error::Unsupported`] naming `feature` of the object `object` in this file.
    pub fn unsupported(&self, object: &str, feature: impl std::fmt::Display) -> Error {
        Error::unsupported(
            self.inner.format,
            format!("{feature} ({object} in {})", self.inner.path.display()),
        )
    }

    /// Maps an hdf5-reader error about `object` (a dataset or group path) to a rawio error:
    /// a missing external link target is [`Error::NotFound`] naming it, an unknown filter is
    /// [`Error::Unsupported`] naming it and the dataset, anything else [`Error::Corrupt`].
    pub(crate) fn err(&self, object: &str, e: hdf5_reader::error::Error) -> Error {
        self.inner.err(object, e)
    }
}

impl Inner {
    /// The external link targets found missing so far.
    fn missing_targets(&self) -> Vec<PathBuf> {
        self.missing.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn err(&self, object: &str, e: hdf5_reader::error::Error) -> Error {
        use hdf5_reader::error::Error as E;
        let missing = self.missing.lock().map(|m| m.clone()).unwrap_or_default();
        fn not_found(e: &E) -> bool {
            match e {
                E::GroupNotFound(_) | E::DatasetNotFound(_) => true,
                E::Context { source, .. } => not_found(source),
                _ => false,
            }
        }
        if not_found(&e) && !missing.is_empty() {
            return Error::NotFound {
                format: self.format,
                what: format!(
                    "the target of the external link {object} in {}",
                    self.path.display()
                ),
                looked_for: missing,
            };
        }
        match e {
            E::UnsupportedFilter(s) => {
                let id: String = s.chars().filter(char::is_ascii_digit).collect();
                Error::unsupported(
                    self.format,
                    format!(
                        "HDF5 filter {id} (dataset {object} in {})",
                        self.path.display()
                    ),
                )
            }
            // the offset is the object's header address when the walk reached it
            other => {
                let offset = self
                    .index
                    .addr_to_path
                    .iter()
                    .find_map(|(a, p)| (p == object).then_some(*a))
                    .unwrap_or(0);
                Error::corrupt(
                    self.format,
                    &self.path,
                    offset,
                    format!("{object}: {other}"),
                )
            }
        }
    }
}

/// The walk of a file at open: every object once, the members of each group, and the
/// address → path map of the objects stored in this file.
struct Walker<'a> {
    inner: &'a Inner,
    seen: HashSet<(usize, u64)>,
    index: Index,
}

impl<'a> Walker<'a> {
    fn new(inner: &'a Inner) -> Self {
        Walker {
            inner,
            seen: HashSet::new(),
            index: Index::default(),
        }
    }

    fn run(mut self) -> Result<Index> {
        let root = self
            .inner
            .file
            .root_group()
            .map_err(|e| self.inner.err("/", e))?;
        self.group(&root, "", 0)?;
        for o in &self.index.objects {
            self.index.kinds.insert(o.path.clone(), o.kind);
        }
        Ok(self.index)
    }

    fn group(&mut self, g: &hdf5_reader::group::Group, path: &str, depth: usize) -> Result<()> {
        let file_key = std::ptr::from_ref(g.storage()).cast::<()>() as usize;
        if depth > MAX_WALK_DEPTH || !self.seen.insert((file_key, g.address())) {
            return Ok(());
        }
        let local = file_key == std::ptr::from_ref(self.inner.file.storage()).cast::<()>() as usize;
        let here = if path.is_empty() { "/" } else { path };
        if local {
            self.index
                .addr_to_path
                .entry(g.address())
                .or_insert_with(|| here.to_owned());
        }
        let table = self.link_table(g, local);
        let mut items = match g.members() {
            Ok((groups, datasets)) => groups
                .into_iter()
                .map(|c| (c.name().to_owned(), Some(c), None))
                .chain(
                    datasets
                        .into_iter()
                        .map(|d| (d.name().to_owned(), None, Some(d.address()))),
                )
                .collect(),
            // the root must list; another group is walked member by member, each member
            // that cannot be opened being reported alone
            Err(e) if depth == 0 => return Err(self.inner.err(here, e)),
            Err(e) if table.is_empty() => {
                self.unreadable(here, self.inner.err(here, e));
                Vec::new()
            }
            Err(_) => self.members_one_by_one(g, path, &table),
        };
        items.sort_by(|a, b| a.0.cmp(&b.0));
        // external links whose target file is missing are left out of the listing
        let mut dangling: Vec<(&String, &String)> = table
            .iter()
            .filter_map(|(name, l)| match &l.link {
                Link::External { file, .. } if !items.iter().any(|i| &i.0 == name) => {
                    Some((name, file))
                }
                _ => None,
            })
            .collect();
        dangling.sort();
        for (name, file) in dangling {
            let p = format!("{path}/{name}");
            let missing = self.inner.missing_targets();
            let e = Error::NotFound {
                format: self.inner.format,
                what: format!(
                    "the target of the external link {p} ({file}) in {}",
                    self.inner.path.display()
                ),
                looked_for: if missing.is_empty() {
                    vec![PathBuf::from(file)]
                } else {
                    missing
                },
            };
            self.unreadable(&p, e);
        }
        let mut members = Vec::with_capacity(items.len());
        for (name, cg, ds_addr) in items {
            let link = table.get(&name).map_or(Link::Hard, |l| l.link.clone());
            let soft = matches!(link, Link::Soft { .. });
            let p = format!("{path}/{name}");
            let kind = if cg.is_some() {
                MemberKind::Group
            } else {
                MemberKind::Dataset
            };
            members.push(Member { name, kind, link });
            self.index.objects.push(Object {
                path: p.clone(),
                kind,
                soft,
            });
            if let Some(cg) = cg {
                if !soft {
                    self.group(&cg, &p, depth + 1)?;
                }
            } else if let Some(a) = ds_addr
                && local
                && !soft
            {
                self.index.addr_to_path.entry(a).or_insert(p);
            }
        }
        self.index.members.insert(here.to_owned(), members);
        Ok(())
    }

    fn unreadable(&mut self, path: &str, error: Error) {
        self.index.unreadable.push(Unreadable {
            path: path.to_owned(),
            error,
        });
    }

    /// The members of a group whose listing failed, opened one at a time from its link
    /// table: those that cannot be opened are reported unreadable.
    #[allow(clippy::type_complexity)]
    fn members_one_by_one(
        &mut self,
        g: &hdf5_reader::group::Group,
        path: &str,
        table: &HashMap<String, links::LinkEntry>,
    ) -> Vec<(String, Option<hdf5_reader::group::Group>, Option<u64>)> {
        let mut names: Vec<&String> = table.keys().collect();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            if matches!(
                table.get(name).map(|l| &l.link),
                Some(Link::External { .. })
            ) && !self.inner.missing_targets().is_empty()
            {
                // reported as a dangling external link by the caller
                if g.group(name).is_err() && g.dataset(name).is_err() {
                    continue;
                }
            }
            match (g.group(name), g.dataset(name)) {
                (Ok(c), _) => out.push((name.clone(), Some(c), None)),
                (_, Ok(d)) => out.push((name.clone(), None, Some(d.address()))),
                (Err(ge), Err(de)) => {
                    let p = format!("{path}/{name}");
                    let e = match ge {
                        hdf5_reader::error::Error::GroupNotFound(_) => de,
                        other => other,
                    };
                    let err = self.inner.err(&p, e);
                    self.unreadable(&p, err);
                }
            }
        }
        out
    }

    /// The link table of `g` (from this file's header cache, or parsed from the storage of
    /// an externally linked file).
    fn link_table(
        &self,
        g: &hdf5_reader::group::Group,
        local: bool,
    ) -> HashMap<String, links::LinkEntry> {
        group_link_table(&self.inner.file, g, local)
    }
}

/// The link table of group `g`, `local` when it is stored in `file` itself.
pub(crate) fn group_link_table(
    file: &Hdf5File,
    g: &hdf5_reader::group::Group,
    local: bool,
) -> HashMap<String, links::LinkEntry> {
    let storage = g.storage();
    let (os, ls) = (g.offset_size(), g.length_size());
    let header = if local {
        file.get_or_parse_header(g.address()).ok()
    } else {
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
    match header {
        Some(h) => links::link_table(storage, &h, os, ls),
        None => HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{join, norm};

    #[test]
    fn paths_are_normalised() {
        assert_eq!(norm(""), "/");
        assert_eq!(norm("/"), "/");
        assert_eq!(norm("a/b"), "/a/b");
        assert_eq!(norm("/a/b/"), "/a/b");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", "x/y"), "/a/x/y");
    }
}
