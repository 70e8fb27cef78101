//! A small streaming HDF5 writer for the exporters: groups, contiguous little-endian
//! `float64` / `int64` datasets whose bytes are streamed straight to the file, and scalar
//! `float64` attributes. The format is HDF5's modern one (superblock v2, version-2 object
//! headers with compact links, as libhdf5 1.10+ / h5py read it): the data goes first, the
//! object headers (children before parents) and the superblock last, so nothing is held in
//! memory but the headers.

use crate::error::{Result, SpikeDataError};
use crate::export::{CHUNK_BYTES, write_chunked, write_f64s};
use hdf5_core::jenkins_lookup3;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: [u8; 8] = [0x89, b'H', b'D', b'F', 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEF: u64 = u64::MAX;
const SUPERBLOCK_SIZE: u64 = 48;
const MSG_DATASPACE: u8 = 0x01;
const MSG_LINK_INFO: u8 = 0x02;
const MSG_DATATYPE: u8 = 0x03;
const MSG_FILL_VALUE: u8 = 0x05;
const MSG_LINK: u8 = 0x06;
const MSG_LAYOUT: u8 = 0x08;
const MSG_GROUP_INFO: u8 = 0x0a;
const MSG_ATTRIBUTE: u8 = 0x0c;

/// Element type of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum H5Type {
    F64,
    I64,
}

impl H5Type {
    /// The datatype message (IEEE little-endian double, or signed 64-bit integer).
    fn message(self) -> Vec<u8> {
        let mut b = Vec::with_capacity(20);
        match self {
            H5Type::F64 => {
                // class 1 v1; flags: little-endian, IEEE mantissa normalisation, sign at 63
                let word: u32 = 1 | (1 << 4) | ((0x20 | (63 << 8)) << 8);
                b.extend_from_slice(&word.to_le_bytes());
                b.extend_from_slice(&8u32.to_le_bytes());
                b.extend_from_slice(&0u16.to_le_bytes());
                b.extend_from_slice(&64u16.to_le_bytes());
                b.extend_from_slice(&[52, 11, 0, 52]);
                b.extend_from_slice(&1023u32.to_le_bytes());
            }
            H5Type::I64 => {
                // class 0 v1; flags: little-endian, signed
                let word: u32 = (1 << 4) | (0x08 << 8);
                b.extend_from_slice(&word.to_le_bytes());
                b.extend_from_slice(&8u32.to_le_bytes());
                b.extend_from_slice(&0u16.to_le_bytes());
                b.extend_from_slice(&64u16.to_le_bytes());
            }
        }
        b
    }
}

enum Kind {
    Group(Vec<(String, usize)>),
    Dataset {
        dtype: H5Type,
        shape: Vec<u64>,
        address: u64,
        size: u64,
    },
}

struct Node {
    kind: Kind,
    attrs: Vec<(String, f64)>,
}

/// A file being written; [`H5Stream::finish`] completes it.
pub(crate) struct H5Stream {
    file: std::io::BufWriter<std::fs::File>,
    path: PathBuf,
    pos: u64,
    nodes: Vec<Node>,
}

/// Counts the bytes written through it.
struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf)?;
        self.n += buf.len() as u64;
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn message(type_id: u8, payload: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| std::io::Error::other("HDF5 header message larger than 64 KiB"))?;
    out.push(type_id);
    out.extend_from_slice(&len.to_le_bytes());
    out.push(0);
    out.extend_from_slice(payload);
    Ok(())
}

/// A version-2 object header holding `messages` (type, payload), with its checksum.
fn object_header(messages: &[(u8, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    for (t, p) in messages {
        message(*t, p, &mut body)?;
    }
    let n = body.len() as u64;
    let (flag, width) = if n <= 0xff {
        (0u8, 1)
    } else if n <= 0xffff {
        (1, 2)
    } else if n <= 0xffff_ffff {
        (2, 4)
    } else {
        (3, 8)
    };
    let mut h = Vec::with_capacity(body.len() + 16);
    h.extend_from_slice(b"OHDR");
    h.push(2);
    h.push(flag);
    h.extend_from_slice(&n.to_le_bytes()[..width]);
    h.extend_from_slice(&body);
    let sum = jenkins_lookup3(&h);
    h.extend_from_slice(&sum.to_le_bytes());
    Ok(h)
}

fn dataspace(shape: &[u64]) -> Vec<u8> {
    let mut b = vec![2, shape.len() as u8, 0, u8::from(!shape.is_empty())];
    for d in shape {
        b.extend_from_slice(&d.to_le_bytes());
    }
    b
}

fn attribute(name: &str, value: f64) -> std::io::Result<Vec<u8>> {
    let dt = H5Type::F64.message();
    let ds = dataspace(&[]);
    let nlen = u16::try_from(name.len() + 1)
        .map_err(|_| std::io::Error::other("attribute name too long"))?;
    let mut b = vec![3, 0];
    b.extend_from_slice(&nlen.to_le_bytes());
    b.extend_from_slice(&(dt.len() as u16).to_le_bytes());
    b.extend_from_slice(&(ds.len() as u16).to_le_bytes());
    b.push(u8::from(!name.is_ascii()));
    b.extend_from_slice(name.as_bytes());
    b.push(0);
    b.extend_from_slice(&dt);
    b.extend_from_slice(&ds);
    b.extend_from_slice(&value.to_le_bytes());
    Ok(b)
}

fn hard_link(name: &str, address: u64) -> Vec<u8> {
    let n = name.len() as u64;
    let (flag, width) = if n <= 0xff {
        (0u8, 1)
    } else if n <= 0xffff {
        (1, 2)
    } else {
        (2, 4)
    };
    let utf8 = !name.is_ascii();
    let mut b = vec![1, flag | if utf8 { 0x10 } else { 0 }];
    if utf8 {
        b.push(1);
    }
    b.extend_from_slice(&n.to_le_bytes()[..width]);
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(&address.to_le_bytes());
    b
}

impl H5Stream {
    /// Creates (overwrites) `path`.
    pub(crate) fn create(path: &Path) -> Result<H5Stream> {
        let file = crate::npz::create_fresh(path)?;
        let mut s = H5Stream {
            // the data comes in 64 KiB pieces, which bypass a buffer of that size
            file: std::io::BufWriter::with_capacity(CHUNK_BYTES, file),
            path: path.to_path_buf(),
            pos: 0,
            nodes: vec![Node {
                kind: Kind::Group(Vec::new()),
                attrs: Vec::new(),
            }],
        };
        s.write(&[0; SUPERBLOCK_SIZE as usize])?;
        Ok(s)
    }

    fn io(&self) -> impl Fn(std::io::Error) -> SpikeDataError + '_ {
        |source| SpikeDataError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.file
            .write_all(b)
            .map_err(|source| SpikeDataError::Io {
                path: self.path.clone(),
                source,
            })?;
        self.pos += b.len() as u64;
        Ok(())
    }

    fn align8(&mut self) -> Result<()> {
        let pad = (8 - (self.pos % 8) as usize) % 8;
        self.write(&[0u8; 8][..pad])
    }

    fn bad(&self, what: String) -> SpikeDataError {
        SpikeDataError::invalid(format!("{}: {what}", self.path.display()))
    }

    /// The group at `path` (`""` = root), created with its parents when absent.
    pub(crate) fn group(&mut self, path: &str) -> Result<usize> {
        let mut cur = 0;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let found = match &self.nodes[cur].kind {
                Kind::Group(children) => children.iter().find(|(n, _)| n == part).map(|c| c.1),
                Kind::Dataset { .. } => {
                    return Err(self.bad(format!("{part:?} is below a dataset")));
                }
            };
            cur = match found {
                Some(i) => {
                    if !matches!(self.nodes[i].kind, Kind::Group(_)) {
                        return Err(self.bad(format!("{path:?}: {part:?} is a dataset")));
                    }
                    i
                }
                None => {
                    self.nodes.push(Node {
                        kind: Kind::Group(Vec::new()),
                        attrs: Vec::new(),
                    });
                    let i = self.nodes.len() - 1;
                    if let Kind::Group(c) = &mut self.nodes[cur].kind {
                        c.push((part.to_owned(), i));
                    }
                    i
                }
            };
        }
        Ok(cur)
    }

    /// Adds the dataset `path` of `dtype` and `shape`; `fill` writes its bytes (row-major,
    /// little-endian, exactly `8 · Π shape` of them) to the file.
    pub(crate) fn dataset(
        &mut self,
        path: &str,
        dtype: H5Type,
        shape: &[u64],
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<usize> {
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (self.group(p)?, n),
            None => (0, path),
        };
        if name.is_empty() {
            return Err(self.bad(format!("bad dataset name {path:?}")));
        }
        if let Kind::Group(c) = &self.nodes[parent].kind
            && c.iter().any(|(n, _)| n == name)
        {
            return Err(self.bad(format!("{path:?} exists")));
        }
        let size = shape
            .iter()
            .try_fold(8u64, |a, &d| a.checked_mul(d))
            .ok_or_else(|| self.bad(format!("{path:?}: dataset too large")))?;
        self.align8()?;
        let address = self.pos;
        let mut c = Counting {
            inner: &mut self.file,
            n: 0,
        };
        fill(&mut c).map_err(|source| SpikeDataError::Io {
            path: self.path.clone(),
            source,
        })?;
        let written = c.n;
        self.pos += written;
        if written != size {
            return Err(self.bad(format!(
                "{path:?}: {written} bytes written for {size} expected"
            )));
        }
        self.nodes.push(Node {
            kind: Kind::Dataset {
                dtype,
                shape: shape.to_vec(),
                address: if size == 0 { UNDEF } else { address },
                size,
            },
            attrs: Vec::new(),
        });
        let i = self.nodes.len() - 1;
        if let Kind::Group(c) = &mut self.nodes[parent].kind {
            c.push((name.to_owned(), i));
        }
        Ok(i)
    }

    /// A dataset from values in memory.
    pub(crate) fn dataset_f64(&mut self, path: &str, shape: &[u64], v: &[f64]) -> Result<usize> {
        self.dataset(path, H5Type::F64, shape, |w| {
            write_f64s(w, v.iter().copied())
        })
    }

    /// A dataset from values in memory.
    pub(crate) fn dataset_i64(&mut self, path: &str, shape: &[u64], v: &[i64]) -> Result<usize> {
        self.dataset(path, H5Type::I64, shape, |w| {
            write_chunked(w, v.iter().map(|x| x.to_le_bytes()))
        })
    }

    /// A scalar `float64` attribute on node `node` (0 = root).
    pub(crate) fn attr(&mut self, node: usize, name: &str, value: f64) {
        if let Some(n) = self.nodes.get_mut(node) {
            n.attrs.push((name.to_owned(), value));
        }
    }

    /// Writes node `i`'s header (after its children's) and returns its address.
    fn emit(&mut self, i: usize) -> Result<u64> {
        let mut messages: Vec<(u8, Vec<u8>)> = Vec::new();
        let children: Vec<(String, usize)> = match &self.nodes[i].kind {
            Kind::Group(c) => c.clone(),
            Kind::Dataset { .. } => Vec::new(),
        };
        match &self.nodes[i].kind {
            Kind::Group(_) => {
                let mut li = vec![0u8, 0];
                li.extend_from_slice(&UNDEF.to_le_bytes());
                li.extend_from_slice(&UNDEF.to_le_bytes());
                messages.push((MSG_LINK_INFO, li));
                messages.push((MSG_GROUP_INFO, vec![0, 0]));
            }
            Kind::Dataset {
                dtype,
                shape,
                address,
                size,
            } => {
                messages.push((MSG_DATASPACE, dataspace(shape)));
                messages.push((MSG_DATATYPE, dtype.message()));
                // version 3, late allocation, fill written "if set", no fill value
                messages.push((MSG_FILL_VALUE, vec![3, 2 | (2 << 2)]));
                let mut l = vec![3u8, 1];
                l.extend_from_slice(&address.to_le_bytes());
                l.extend_from_slice(&size.to_le_bytes());
                messages.push((MSG_LAYOUT, l));
            }
        }
        for (name, v) in &self.nodes[i].attrs {
            messages.push((MSG_ATTRIBUTE, attribute(name, *v).map_err(self.io())?));
        }
        for (name, child) in children {
            let addr = self.emit(child)?;
            messages.push((MSG_LINK, hard_link(&name, addr)));
        }
        let header = object_header(&messages).map_err(self.io())?;
        self.align8()?;
        let addr = self.pos;
        self.write(&header)?;
        Ok(addr)
    }

    /// Writes the object headers and the superblock.
    pub(crate) fn finish(mut self) -> Result<()> {
        let root = self.emit(0)?;
        self.align8()?;
        let eof = self.pos;
        let mut sb = Vec::with_capacity(SUPERBLOCK_SIZE as usize);
        sb.extend_from_slice(&MAGIC);
        sb.extend_from_slice(&[2, 8, 8, 0]);
        sb.extend_from_slice(&0u64.to_le_bytes());
        sb.extend_from_slice(&UNDEF.to_le_bytes());
        sb.extend_from_slice(&eof.to_le_bytes());
        sb.extend_from_slice(&root.to_le_bytes());
        let sum = jenkins_lookup3(&sb);
        sb.extend_from_slice(&sum.to_le_bytes());
        let path = self.path.clone();
        let io = |source| SpikeDataError::Io {
            path: path.clone(),
            source,
        };
        self.file.seek(SeekFrom::Start(0)).map_err(io)?;
        self.file.write_all(&sb).map_err(io)?;
        self.file.flush().map_err(io)
    }
}
