//! [`Group`] and [`Dataset`]: handles on HDF5 objects that know their file and path.

use crate::file::{H5File, group_link_table, join};
use crate::links::Link;
use crate::value::{ElementType, element_type};
use crate::{Attribute, Attributes};
use rawio_core::Result;

/// Whether a group member is a group or a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
}

/// One member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's name (the last path component).
    pub name: String,
    /// Group or dataset.
    pub kind: MemberKind,
    /// How it is linked: hard, soft (an alias, with its target path) or external.
    pub link: Link,
}

/// A group of an [`H5File`]. Cheap to clone.
#[derive(Clone)]
pub struct Group {
    file: H5File,
    path: String,
    inner: hdf5_reader::group::Group,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").field("path", &self.path).finish()
    }
}

/// The last component of an absolute path (`/` for the root).
fn last(path: &str) -> &str {
    match path.rsplit('/').next() {
        Some("") | None => path,
        Some(n) => n,
    }
}

impl Group {
    pub(crate) fn new(file: H5File, path: String, inner: hdf5_reader::group::Group) -> Group {
        Group { file, path, inner }
    }

    /// The group's path (`/` for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The group's name (the last path component; `/` for the root).
    pub fn name(&self) -> &str {
        last(&self.path)
    }

    /// The address of the group's object header: equal addresses (in one file) are the same
    /// group, whatever the path it was reached by.
    pub fn address(&self) -> u64 {
        self.inner.address()
    }

    /// The file the group belongs to.
    pub fn file(&self) -> &H5File {
        &self.file
    }

    /// Every attribute of the group.
    pub fn attributes(&self) -> Result<Attributes> {
        let attrs = self
            .inner
            .attributes()
            .map_err(|e| self.file.err(&self.path, e))?;
        Ok(Attributes::new(&self.file, &self.path, attrs))
    }

    /// The attribute `name`, `None` when the group has none of that name.
    pub fn attribute(&self, name: &str) -> Result<Option<Attribute>> {
        Ok(self.attributes()?.take(name))
    }

    /// The members of the group, read from the file (not from the walk): in link creation
    /// order when the group tracks it (NIX's order), else sorted by name (h5py's order).
    /// Soft links whose target does not exist are left out.
    pub fn members(&self) -> Result<Vec<Member>> {
        let (groups, datasets) = self
            .inner
            .member_names()
            .map_err(|e| self.file.err(&self.path, e))?;
        let local = std::ptr::eq(
            std::ptr::from_ref(self.inner.storage()).cast::<()>(),
            std::ptr::from_ref(self.file.inner.file.storage()).cast::<()>(),
        );
        let table = group_link_table(&self.file.inner.file, &self.inner, local);
        let mut out: Vec<(Option<u64>, Member)> = groups
            .into_iter()
            .map(|n| (n, MemberKind::Group))
            .chain(datasets.into_iter().map(|n| (n, MemberKind::Dataset)))
            .map(|(name, kind)| {
                let entry = table.get(&name);
                let member = Member {
                    link: entry.map_or(Link::Hard, |e| e.link.clone()),
                    name,
                    kind,
                };
                (entry.and_then(|e| e.creation_order), member)
            })
            .collect();
        if out.iter().all(|(o, _)| o.is_some()) {
            out.sort_by_key(|(o, _)| *o);
        } else {
            out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        }
        Ok(out.into_iter().map(|(_, m)| m).collect())
    }

    /// The child group `name` (a name or a relative path; links followed).
    pub fn group(&self, name: &str) -> Result<Group> {
        self.file.group(&join(&self.path, name))
    }

    /// The child dataset `name` (links followed).
    pub fn dataset(&self, name: &str) -> Result<Dataset> {
        self.file.dataset(&join(&self.path, name))
    }
}

/// A dataset of an [`H5File`]: its shape and element type, and typed reads (see the read
/// methods). Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Dataset {
    pub(crate) file: H5File,
    pub(crate) path: String,
    pub(crate) inner: hdf5_reader::Dataset,
    elem: ElementType,
    /// [`Dataset::stored_extent`], computed once (shared by clones).
    pub(crate) extent: std::sync::Arc<std::sync::OnceLock<std::result::Result<Vec<u64>, String>>>,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("path", &self.path)
            .field("shape", &self.shape())
            .field("element_type", &self.elem)
            .finish()
    }
}

impl Dataset {
    pub(crate) fn new(file: H5File, path: String, inner: hdf5_reader::Dataset) -> Dataset {
        let elem = element_type(inner.dtype());
        Dataset {
            file,
            path,
            inner,
            elem,
            extent: Default::default(),
        }
    }

    /// The dataset's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The dataset's name (the last path component).
    pub fn name(&self) -> &str {
        last(&self.path)
    }

    /// The address of the dataset's object header (see [`Group::address`]).
    pub fn address(&self) -> u64 {
        self.inner.address()
    }

    /// The file the dataset belongs to.
    pub fn file(&self) -> &H5File {
        &self.file
    }

    /// The shape (`[]` for a scalar).
    pub fn shape(&self) -> &[u64] {
        self.inner.shape()
    }

    /// The number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The length of the first dimension (1 for a scalar).
    pub fn len(&self) -> u64 {
        self.shape().first().copied().unwrap_or(1)
    }

    /// Whether the first dimension is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of elements (the product of the shape; `None` when it overflows).
    pub fn element_count(&self) -> Option<u64> {
        self.shape().iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }

    /// The element type.
    pub fn element_type(&self) -> &ElementType {
        &self.elem
    }

    /// The chunk shape of a chunked dataset, `None` for contiguous or compact storage.
    pub fn chunk_shape(&self) -> Option<Vec<u64>> {
        self.inner
            .chunks()
            .map(|c| c.into_iter().map(u64::from).collect())
    }

    /// Every attribute of the dataset.
    pub fn attributes(&self) -> Attributes {
        Attributes::new(&self.file, &self.path, self.inner.attributes())
    }

    /// The attribute `name`, `None` when the dataset has none of that name.
    pub fn attribute(&self, name: &str) -> Option<Attribute> {
        self.attributes().take(name)
    }
}
