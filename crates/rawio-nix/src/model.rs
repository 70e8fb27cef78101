//! The NIX data model read from the HDF5 tree into typed values: blocks, data arrays with
//! their dimension descriptors, tags, multi-tags, groups and sources. Metadata sections are
//! read by [`crate::sections`]. Nothing here knows about neo or RawIO: the mappings
//! (`neo.rs`, `generic.rs`) work on these values.
//!
//! NIX's HDF5 layout (nixio 1.5, NIX format 1.x): `/data/<block>/{data_arrays, tags,
//! multi_tags, groups, sources}/<entity>`; every entity group carries `name`, `type`,
//! `entity_id` (and `definition`) attributes and a `metadata` hard link to its section under
//! `/metadata`. Links between entities (a multi-tag's `positions`, `references/<id>`, a
//! group's `data_arrays/<id>`, a dimension's `link/<id>`) are hard links: an entity is known
//! by its object header address. Iteration order is link creation order (nixio's).

use rawio_core::{Dtype, Result};
use rawio_hdf5::{Dataset, Group, H5File, Member, MemberKind, Value};
use std::collections::HashMap;

/// What every NIX entity has.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entity {
    /// `name` attribute (the member name when absent).
    pub name: String,
    /// `type` attribute.
    pub kind: String,
    /// `entity_id` attribute (a UUID; empty when absent).
    pub id: String,
    /// `definition` attribute.
    pub definition: Option<String>,
    /// HDF5 path of the entity's group.
    pub path: String,
    /// Object header address of the entity's group (its identity).
    pub address: u64,
    /// HDF5 path of the entity's metadata section (through its `metadata` link).
    pub metadata: Option<String>,
}

/// Where the ticks of a range dimension are.
#[derive(Debug, Clone, PartialEq)]
pub enum Ticks {
    /// A `ticks` dataset in the dimension group.
    Stored {
        /// Dataset path.
        path: String,
        /// Number of ticks.
        len: u64,
    },
    /// A link to a data array (`append_range_dimension_using_self` links the array itself).
    Linked {
        /// Address of the linked data array.
        array: u64,
    },
}

/// One dimension descriptor of a data array.
#[derive(Debug, Clone, PartialEq)]
pub enum Dimension {
    /// Regularly sampled.
    Sampled {
        /// Sampling interval in `unit`.
        interval: f64,
        /// Position of the first sample in `unit` (0 when absent).
        offset: f64,
        /// Unit (empty when absent).
        unit: String,
        /// Label.
        label: String,
    },
    /// Explicit ticks.
    Range {
        /// Where the ticks are.
        ticks: Ticks,
        /// Unit (of a linked array: its unit).
        unit: String,
        /// Label.
        label: String,
    },
    /// Labelled categories (channels, responses...).
    Set {
        /// The labels (may be empty).
        labels: Vec<String>,
    },
    /// A descriptor type this reader does not know (`dimension_type`).
    Other(String),
}

impl Dimension {
    /// The time unit of a sampled or range dimension whose unit is a time unit.
    pub fn time_scale(&self) -> Option<crate::units::Scale> {
        match self {
            Dimension::Sampled { unit, .. } | Dimension::Range { unit, .. } => {
                crate::units::time_unit(unit)
            }
            _ => None,
        }
    }
}

/// A NIX DataArray.
#[derive(Debug, Clone, PartialEq)]
pub struct DataArray {
    /// Name, type, id, path, metadata.
    pub entity: Entity,
    /// `unit` attribute (empty when absent).
    pub unit: String,
    /// `label` attribute.
    pub label: String,
    /// Path of the `data` dataset.
    pub data: String,
    /// Its shape.
    pub shape: Vec<u64>,
    /// Its numeric dtype (`None` for text and other types).
    pub dtype: Option<Dtype>,
    /// The dimension descriptors, in order (may be more or fewer than the data's rank).
    pub dims: Vec<Dimension>,
    /// `polynom_coefficients` (c0, c1, ...; empty when absent).
    pub coefficients: Vec<f64>,
    /// `expansion_origin` (0 when absent).
    pub expansion_origin: f64,
    /// Names of the array's sources.
    pub sources: Vec<String>,
}

/// A NIX Tag: one point or region.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// Name, type, id, path, metadata.
    pub entity: Entity,
    /// `position` (one value per referenced dimension).
    pub position: Vec<f64>,
    /// `extent` (empty when absent).
    pub extent: Vec<f64>,
    /// `units` (one per position value; empty when absent).
    pub units: Vec<String>,
    /// Addresses of the referenced data arrays.
    pub references: Vec<u64>,
}

/// A NIX MultiTag: points or regions stored in data arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiTag {
    /// Name, type, id, path, metadata.
    pub entity: Entity,
    /// Address of the positions data array.
    pub positions: Option<u64>,
    /// Address of the extents data array.
    pub extents: Option<u64>,
    /// `units` (empty when absent).
    pub units: Vec<String>,
    /// Addresses of the referenced data arrays.
    pub references: Vec<u64>,
    /// Features: (address of the data array, link type).
    pub features: Vec<(u64, String)>,
    /// Names and types of the sources.
    pub sources: Vec<(String, String)>,
}

/// A NIX Group: links to some of the block's arrays and tags.
#[derive(Debug, Clone, PartialEq)]
pub struct NixGroup {
    /// Name, type, id, path, metadata.
    pub entity: Entity,
    /// Addresses of the linked data arrays, in creation order.
    pub data_arrays: Vec<u64>,
    /// Addresses of the linked tags.
    pub tags: Vec<u64>,
    /// Addresses of the linked multi-tags.
    pub multi_tags: Vec<u64>,
}

/// A NIX Block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Name, type, id, path, metadata.
    pub entity: Entity,
    /// Data arrays in creation order.
    pub data_arrays: Vec<DataArray>,
    /// Tags in creation order.
    pub tags: Vec<Tag>,
    /// Multi-tags in creation order.
    pub multi_tags: Vec<MultiTag>,
    /// Groups in creation order.
    pub groups: Vec<NixGroup>,
    /// Members of the block this reader does not read (data frames...): (path, what).
    pub other: Vec<(String, String)>,
    /// Address → index in `data_arrays`.
    index: HashMap<u64, usize>,
}

impl Block {
    /// The data array at `address`.
    pub fn array(&self, address: u64) -> Option<&DataArray> {
        self.data_arrays.get(*self.index.get(&address)?)
    }

    /// The multi-tag at `address`.
    pub fn multi_tag(&self, address: u64) -> Option<&MultiTag> {
        self.multi_tags.iter().find(|d| d.entity.address == address)
    }
}

/// A NIX file's data tree.
#[derive(Debug, Clone)]
pub struct Model {
    /// The root `version` attribute (e.g. `[1, 2, 1]`).
    pub version: Vec<i64>,
    /// Blocks in creation order.
    pub blocks: Vec<Block>,
    /// Paths of the root sections (`/metadata/<name>`), in creation order.
    pub sections: Vec<String>,
}

/// Text attribute `name` of `g`, empty when absent.
fn text(g: &Group, name: &str) -> Result<String> {
    Ok(g.attributes()?.text(name).unwrap_or_default())
}

/// The members of one group, listed once from the file (not from the walk of the file, which
/// visits an object reached by several hard links under one path only).
pub(crate) struct Members<'a> {
    g: &'a Group,
    list: Vec<Member>,
}

impl<'a> Members<'a> {
    /// Lists the members of `g`.
    pub(crate) fn of(g: &'a Group) -> Result<Members<'a>> {
        Ok(Members {
            g,
            list: g.members()?,
        })
    }

    fn has(&self, name: &str, kind: MemberKind) -> bool {
        self.list.iter().any(|m| m.name == name && m.kind == kind)
    }

    /// The child group `name`, `None` when there is none.
    pub(crate) fn group(&self, name: &str) -> Result<Option<Group>> {
        if !self.has(name, MemberKind::Group) {
            return Ok(None);
        }
        self.g.group(name).map(Some)
    }

    /// The child dataset `name`, `None` when there is none.
    pub(crate) fn dataset(&self, name: &str) -> Result<Option<Dataset>> {
        if !self.has(name, MemberKind::Dataset) {
            return Ok(None);
        }
        self.g.dataset(name).map(Some)
    }

    /// The member groups of child group `name`, in creation order (none when absent).
    pub(crate) fn children(&self, name: &str) -> Result<Vec<Group>> {
        match self.group(name)? {
            Some(c) => children(&c),
            None => Ok(Vec::new()),
        }
    }

    /// The addresses of the member groups of child group `name` (a links container).
    fn linked(&self, name: &str) -> Result<Vec<u64>> {
        Ok(self.children(name)?.iter().map(Group::address).collect())
    }

    /// The address of child group `name`, `None` when absent.
    fn link(&self, name: &str) -> Result<Option<u64>> {
        Ok(self.group(name)?.map(|g| g.address()))
    }

    /// A numeric dataset member as f64s (empty when absent).
    fn numbers(&self, name: &str) -> Result<Vec<f64>> {
        match self.dataset(name)? {
            Some(d) => d.read_f64(),
            None => Ok(Vec::new()),
        }
    }

    /// A text dataset member (empty when absent).
    fn strings(&self, name: &str) -> Result<Vec<String>> {
        match self.dataset(name)? {
            Some(d) => d.read_strings(),
            None => Ok(Vec::new()),
        }
    }

    /// Every member name.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|m| m.name.as_str())
    }
}

/// The member groups of `g` in creation order.
pub(crate) fn children(g: &Group) -> Result<Vec<Group>> {
    let mut out = Vec::new();
    for m in g.members()? {
        if m.kind == MemberKind::Group {
            out.push(g.group(&m.name)?);
        }
    }
    Ok(out)
}

impl Entity {
    /// Reads the common attributes of the entity group `g` (`m`: its members).
    fn read(g: &Group, m: &Members) -> Result<Entity> {
        let attrs = g.attributes()?;
        let metadata = m.group("metadata")?.map(|s| s.path().to_owned());
        Ok(Entity {
            name: attrs.text("name").unwrap_or_else(|| g.name().to_owned()),
            kind: attrs.text("type").unwrap_or_default(),
            id: attrs.text("entity_id").unwrap_or_default(),
            definition: attrs.text("definition"),
            path: g.path().to_owned(),
            address: g.address(),
            metadata,
        })
    }
}

/// Reads one dimension descriptor group.
fn dimension(g: &Group) -> Result<Dimension> {
    let m = Members::of(g)?;
    let attrs = g.attributes()?;
    let kind = attrs.text("dimension_type").unwrap_or_default();
    let unit = attrs.text("unit").unwrap_or_default();
    let label = attrs.text("label").unwrap_or_default();
    Ok(match kind.as_str() {
        "sample" => Dimension::Sampled {
            interval: attrs.f64("sampling_interval").unwrap_or(f64::NAN),
            offset: attrs.f64("offset").unwrap_or(0.0),
            unit,
            label,
        },
        "set" => Dimension::Set {
            labels: m.strings("labels")?,
        },
        "range" => {
            let ticks = if let Some(t) = m.dataset("ticks")? {
                Ticks::Stored {
                    path: t.path().to_owned(),
                    len: t.len(),
                }
            } else {
                match m.linked("link")?.first() {
                    Some(&array) => Ticks::Linked { array },
                    None => return Ok(Dimension::Other("range without ticks".into())),
                }
            };
            Dimension::Range { ticks, unit, label }
        }
        other => Dimension::Other(other.to_owned()),
    })
}

/// The index of a dimension group name (`"1"`, `"2"`, ...).
fn dim_index(g: &Group) -> u64 {
    g.name().parse().unwrap_or(u64::MAX)
}

/// Reads a data array group (`None` when it has no `data`).
fn data_array(g: &Group) -> Result<Option<DataArray>> {
    let m = Members::of(g)?;
    let Some(ds) = m.dataset("data")? else {
        return Ok(None);
    };
    let mut dim_groups = m.children("dimensions")?;
    dim_groups.sort_by_key(dim_index);
    let dims = dim_groups
        .iter()
        .map(dimension)
        .collect::<Result<Vec<_>>>()?;
    let attrs = g.attributes()?;
    let sources = m
        .children("sources")?
        .iter()
        .map(|s| text(s, "name"))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(DataArray {
        entity: Entity::read(g, &m)?,
        unit: attrs.text("unit").unwrap_or_default(),
        label: attrs.text("label").unwrap_or_default(),
        shape: ds.shape().to_vec(),
        dtype: ds.element_type().numeric_dtype(),
        data: ds.path().to_owned(),
        dims,
        coefficients: m.numbers("polynom_coefficients")?,
        expansion_origin: attrs.f64("expansion_origin").unwrap_or(0.0),
        sources,
    }))
}

fn tag(g: &Group) -> Result<Tag> {
    let m = Members::of(g)?;
    Ok(Tag {
        entity: Entity::read(g, &m)?,
        position: m.numbers("position")?,
        extent: m.numbers("extent")?,
        units: m.strings("units")?,
        references: m.linked("references")?,
    })
}

fn multi_tag(g: &Group) -> Result<MultiTag> {
    let m = Members::of(g)?;
    let mut features = Vec::new();
    for f in m.children("features")? {
        if let Some(a) = Members::of(&f)?.link("data")? {
            features.push((a, text(&f, "link_type")?));
        }
    }
    let sources = m
        .children("sources")?
        .iter()
        .map(|s| Ok((text(s, "name")?, text(s, "type")?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(MultiTag {
        entity: Entity::read(g, &m)?,
        positions: m.link("positions")?,
        extents: m.link("extents")?,
        units: m.strings("units")?,
        references: m.linked("references")?,
        features,
        sources,
    })
}

fn group(g: &Group) -> Result<NixGroup> {
    let m = Members::of(g)?;
    Ok(NixGroup {
        entity: Entity::read(g, &m)?,
        data_arrays: m.linked("data_arrays")?,
        tags: m.linked("tags")?,
        multi_tags: m.linked("multi_tags")?,
    })
}

/// The members of a block this reader reads.
const KNOWN: [&str; 6] = [
    "data_arrays",
    "tags",
    "multi_tags",
    "groups",
    "sources",
    "metadata",
];

fn block(g: &Group) -> Result<Block> {
    let m = Members::of(g)?;
    let mut data_arrays = Vec::new();
    let mut other = Vec::new();
    for d in m.children("data_arrays")? {
        match data_array(&d)? {
            Some(a) => data_arrays.push(a),
            None => other.push((d.path().to_owned(), "data array without data".to_owned())),
        }
    }
    let tags = m
        .children("tags")?
        .iter()
        .map(tag)
        .collect::<Result<Vec<_>>>()?;
    let multi_tags = m
        .children("multi_tags")?
        .iter()
        .map(multi_tag)
        .collect::<Result<Vec<_>>>()?;
    let groups = m
        .children("groups")?
        .iter()
        .map(group)
        .collect::<Result<Vec<_>>>()?;
    for n in m.names() {
        if !KNOWN.contains(&n) {
            other.push((
                format!("{}/{n}", g.path()),
                format!("block member {n} is not read"),
            ));
        }
    }
    let mut index = HashMap::with_capacity(data_arrays.len());
    for (i, d) in data_arrays.iter().enumerate() {
        index.entry(d.entity.address).or_insert(i);
    }
    Ok(Block {
        entity: Entity::read(g, &m)?,
        index,
        data_arrays,
        tags,
        multi_tags,
        groups,
        other,
    })
}

impl Model {
    /// Reads the data tree of an opened NIX file (metadata only: no array data, except the
    /// small `position`/`extent`/`units`/`polynom_coefficients`/`labels` datasets).
    pub fn read(h: &H5File) -> Result<Model> {
        let root = h.root()?;
        let version = match root.attribute("version")? {
            Some(a) => a.read_values()?.iter().filter_map(Value::as_i64).collect(),
            None => Vec::new(),
        };
        let m = Members::of(&root)?;
        let blocks = m
            .children("data")?
            .iter()
            .map(block)
            .collect::<Result<Vec<_>>>()?;
        let sections = m
            .children("metadata")?
            .iter()
            .map(|s| s.path().to_owned())
            .collect();
        Ok(Model {
            version,
            blocks,
            sections,
        })
    }

    /// Whether neo's NixIO wrote the file: a block of type `neo.block`.
    pub fn is_neo(&self) -> bool {
        self.blocks.iter().any(|b| b.entity.kind == "neo.block")
    }
}
