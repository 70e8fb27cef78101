//! The link table of a group, read from every kind of group storage: the symbol table of an
//! old-style group, compact link messages and dense link storage (a fractal heap indexed by
//! a v2 B-tree). hdf5-reader resolves links but does not say which kind each one is.

use hdf5_reader::Storage;
use hdf5_reader::io::Cursor;
use hdf5_reader::messages::HdfMessage;
use hdf5_reader::messages::link::{LinkMessage, LinkTarget};
use hdf5_reader::object_header::ObjectHeader;
use std::collections::HashMap;

/// How a group member is linked into its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A hard link (the member is stored in this file).
    Hard,
    /// A soft link: an alias of the object at `target` (a path in the same file).
    Soft {
        /// The link value (the target path), empty when it could not be read.
        target: String,
    },
    /// An external link to `path` inside `file`.
    External {
        /// The target file name, as stored (relative to the linking file).
        file: String,
        /// The object path inside the target file.
        path: String,
    },
}

/// One entry of a link table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkEntry {
    pub link: Link,
    /// The link's creation order, when the group tracks it.
    pub creation_order: Option<u64>,
}

/// Reads the link table of the group whose object header is `header`. Best effort: storage
/// that cannot be read contributes no entry (members then count as hard links; listing the
/// group reports the error itself).
pub(crate) fn link_table(
    storage: &dyn Storage,
    header: &ObjectHeader,
    os: u8,
    ls: u8,
) -> HashMap<String, LinkEntry> {
    let mut out = HashMap::new();
    for m in &header.messages {
        match m {
            HdfMessage::Link(l) => add(&mut out, l.clone()),
            HdfMessage::SymbolTable(st) => old_style_links(storage, st, os, ls, &mut out),
            HdfMessage::LinkInfo(li)
                if !Cursor::is_undefined_offset(li.fractal_heap_address, os) =>
            {
                dense_links(storage, li, os, ls, &mut out);
            }
            _ => {}
        }
    }
    out
}

fn add(out: &mut HashMap<String, LinkEntry>, l: LinkMessage) {
    let link = match l.target {
        LinkTarget::Hard { .. } => Link::Hard,
        LinkTarget::Soft { path } => Link::Soft { target: path },
        LinkTarget::External { filename, path } => Link::External {
            file: filename,
            path,
        },
    };
    out.insert(
        l.name,
        LinkEntry {
            link,
            creation_order: l.creation_order,
        },
    );
}

/// Links of an old-style group: every symbol-table entry; those whose cache type is 2 are
/// soft links (the scratch pad holds the heap offset of the link value).
fn old_style_links(
    storage: &dyn Storage,
    st: &hdf5_reader::messages::symbol_table_msg::SymbolTableMessage,
    os: u8,
    ls: u8,
    out: &mut HashMap<String, LinkEntry>,
) {
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
        for e in &node.entries {
            let Ok(name) = heap.get_string_storage(e.link_name_offset, storage) else {
                continue;
            };
            let link = if e.cache_type == 2 {
                let off =
                    u32::from_le_bytes([e.scratch[0], e.scratch[1], e.scratch[2], e.scratch[3]]);
                Link::Soft {
                    target: heap
                        .get_string_storage(u64::from(off), storage)
                        .unwrap_or_default(),
                }
            } else {
                Link::Hard
            };
            out.insert(
                name,
                LinkEntry {
                    link,
                    creation_order: None,
                },
            );
        }
    }
}

/// Links of a group with dense link storage: every link message of its fractal heap, found
/// through the name-index v2 B-tree.
fn dense_links(
    storage: &dyn Storage,
    li: &hdf5_reader::messages::link_info::LinkInfoMessage,
    os: u8,
    ls: u8,
    out: &mut HashMap<String, LinkEntry>,
) {
    use hdf5_reader::btree_v2::{self, BTreeV2Record};
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
        if let Ok(l) =
            hdf5_reader::messages::link::parse(&mut Cursor::new(&bytes), os, ls, bytes.len())
        {
            add(out, l);
        }
    }
}
