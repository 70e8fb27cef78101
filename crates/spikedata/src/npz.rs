//! pynapple `.npz` files: a minimal STORED zip reader/writer, `.npy` members, and the
//! `Ts` / `TsGroup` / `IntervalSet` objects (pynapple 0.11's `save` / `nap.load_file`).
//!
//! Members read: `t`, `index`, `keys`, `start`, `end`, `type` (and `d`, which is reported but
//! not kept). Pickled members (`_metadata`, TsdFrame `columns`) are **skipped**: reading them
//! would need a Python pickle VM. Files written here omit `_metadata` (pynapple loads them and
//! recomputes `rate`). Compressed archives (`np.savez_compressed`) are rejected with
//! [`SpikeDataError::Unsupported`].

use crate::core::{Attrs, Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use crate::interval::IntervalSet;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Creates `path` for writing, removing an existing file first instead of truncating it
/// (ext4 flushes a truncated-then-rewritten file to disk when it is closed, which makes an
/// overwrite several times slower than writing a new file).
pub(crate) fn create_fresh(path: &Path) -> Result<std::fs::File> {
    let io = |source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    };
    // only a regular file is replaced (a symbolic link is written through, as `open`)
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    std::fs::File::create(path).map_err(io)
}

/// CRC-32 (IEEE) of a zip member, with `crc32fast` (SIMD / slice-by-16).
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

// ---------------------------------------------------------------------------------------------
// Zip reading
// ---------------------------------------------------------------------------------------------

struct Bytes<'a> {
    data: &'a [u8],
    path: &'a Path,
}

impl<'a> Bytes<'a> {
    fn corrupt(&self, offset: u64, detail: impl Into<String>) -> SpikeDataError {
        SpikeDataError::Corrupt {
            path: self.path.to_path_buf(),
            offset,
            detail: detail.into(),
        }
    }

    fn slice(&self, offset: u64, len: u64) -> Result<&'a [u8]> {
        let start =
            usize::try_from(offset).map_err(|_| self.corrupt(offset, "offset too large"))?;
        let len_u = usize::try_from(len).map_err(|_| self.corrupt(offset, "length too large"))?;
        start
            .checked_add(len_u)
            .and_then(|end| self.data.get(start..end))
            .ok_or_else(|| {
                self.corrupt(
                    offset,
                    format!("{len} bytes needed past the end of the file"),
                )
            })
    }

    fn u16(&self, offset: u64) -> Result<u16> {
        let b = self.slice(offset, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&self, offset: u64) -> Result<u32> {
        let b = self.slice(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, offset: u64) -> Result<u64> {
        let b = self.slice(offset, 8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
}

/// The members of a zip archive: `(name, bytes)`.
fn read_zip<'a>(z: &Bytes<'a>) -> Result<Vec<(String, &'a [u8])>> {
    let len = z.data.len() as u64;
    // End of central directory: 22 bytes + comment (<= 65535)
    let min = len.saturating_sub(22 + 65535);
    let mut eocd = None;
    if len >= 22 {
        let mut p = len - 22;
        loop {
            if z.u32(p)? == 0x0605_4b50 {
                eocd = Some(p);
                break;
            }
            if p == min || p == 0 {
                break;
            }
            p -= 1;
        }
    }
    let eocd = eocd.ok_or_else(|| {
        z.corrupt(
            len,
            "no zip end-of-central-directory record (not an npz file?)",
        )
    })?;
    let mut entries = u64::from(z.u16(eocd + 10)?);
    let mut cd_size = u64::from(z.u32(eocd + 12)?);
    let mut cd_off = u64::from(z.u32(eocd + 16)?);
    if (entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_off == 0xFFFF_FFFF) && eocd >= 20 {
        let loc = eocd - 20;
        if z.u32(loc)? == 0x0706_4b50 {
            let rec = z.u64(loc + 8)?;
            if z.u32(rec)? != 0x0606_4b50 {
                return Err(z.corrupt(rec, "bad zip64 end-of-central-directory record"));
            }
            entries = z.u64(rec + 32)?;
            cd_size = z.u64(rec + 40)?;
            cd_off = z.u64(rec + 48)?;
        }
    }
    z.slice(cd_off, cd_size)?;
    if entries > cd_size / 46 + 1 {
        return Err(z.corrupt(
            eocd,
            format!("{entries} entries cannot fit in the central directory"),
        ));
    }
    let mut out = Vec::new();
    let mut p = cd_off;
    for _ in 0..entries {
        if z.u32(p)? != 0x0201_4b50 {
            return Err(z.corrupt(p, "bad central directory entry signature"));
        }
        let flags = z.u16(p + 8)?;
        let method = z.u16(p + 10)?;
        let crc = z.u32(p + 16)?;
        let mut csize = u64::from(z.u32(p + 20)?);
        let mut usize_ = u64::from(z.u32(p + 24)?);
        let nlen = u64::from(z.u16(p + 28)?);
        let elen = u64::from(z.u16(p + 30)?);
        let clen = u64::from(z.u16(p + 32)?);
        let mut local = u64::from(z.u32(p + 42)?);
        let name = String::from_utf8_lossy(z.slice(p + 46, nlen)?).into_owned();
        // zip64 extra field: the 0xFFFFFFFF fields, in order usize, csize, offset
        let extra = z.slice(p + 46 + nlen, elen)?;
        let mut k = 0usize;
        while k + 4 <= extra.len() {
            let id = u16::from_le_bytes([extra[k], extra[k + 1]]);
            let sz = usize::from(u16::from_le_bytes([extra[k + 2], extra[k + 3]]));
            let body = extra.get(k + 4..k + 4 + sz).unwrap_or(&[]);
            if id == 1 {
                let mut q = 0usize;
                let mut next = |v: &mut u64| {
                    if *v == 0xFFFF_FFFF
                        && let Some(b) = body.get(q..q + 8)
                    {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        *v = u64::from_le_bytes(a);
                        q += 8;
                    }
                };
                next(&mut usize_);
                next(&mut csize);
                next(&mut local);
            }
            k += 4 + sz;
        }
        if method != 0 {
            return Err(SpikeDataError::Unsupported(format!(
                "{}: member {name:?} is compressed (zip method {method}); only uncompressed \
                 npz files (np.savez, not np.savez_compressed) are supported",
                z.path.display()
            )));
        }
        if flags & 1 != 0 {
            return Err(SpikeDataError::Unsupported(format!(
                "{}: member {name:?} is encrypted",
                z.path.display()
            )));
        }
        if csize != usize_ {
            return Err(z.corrupt(p, format!("stored member {name:?} has different sizes")));
        }
        if z.u32(local)? != 0x0403_4b50 {
            return Err(z.corrupt(local, "bad local file header signature"));
        }
        let lnlen = u64::from(z.u16(local + 26)?);
        let lelen = u64::from(z.u16(local + 28)?);
        let data_off = local + 30 + lnlen + lelen;
        let data = z.slice(data_off, csize)?;
        if crc32(data) != crc {
            return Err(z.corrupt(data_off, format!("CRC mismatch in member {name:?}")));
        }
        out.push((name, data));
        p += 46 + nlen + elen + clen;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// npy
// ---------------------------------------------------------------------------------------------

/// A decoded `.npy` member.
#[derive(Debug, Clone, PartialEq)]
enum NpyData {
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
    /// Pickled objects or a dtype this crate does not decode (descr kept).
    Other(String),
}

fn parse_npy(
    bytes: &[u8],
    name: &str,
    path: &Path,
    member_off: u64,
) -> Result<(NpyData, Vec<u64>)> {
    let bad = |d: String| SpikeDataError::Corrupt {
        path: path.to_path_buf(),
        offset: member_off,
        detail: format!("member {name:?}: {d}"),
    };
    let raw =
        rawio_core::NpyRawHeader::parse(bytes).map_err(|(off, d)| SpikeDataError::Corrupt {
            path: path.to_path_buf(),
            offset: member_off + off,
            detail: format!("member {name:?}: {d}"),
        })?;
    let (descr, shape, fortran) = (raw.descr, raw.shape, raw.fortran_order);
    if fortran && shape.len() > 1 {
        return Err(SpikeDataError::Unsupported(format!(
            "{}: member {name:?} is a Fortran-order array",
            path.display()
        )));
    }
    let count = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad("shape overflows".into()))?;
    let body = usize::try_from(raw.data_offset)
        .ok()
        .and_then(|o| bytes.get(o..))
        .unwrap_or(&[]);
    let (endian, kind, size) = {
        let d = descr.as_str();
        let (e, rest) = match d.chars().next() {
            Some(c @ ('<' | '>' | '|' | '=')) => (c, &d[1..]),
            _ => ('=', d),
        };
        let kind = rest.chars().next().unwrap_or('?');
        let size: u64 = rest.get(1..).and_then(|s| s.parse().ok()).unwrap_or(0);
        (e, kind, size)
    };
    if endian == '>' && size > 1 {
        return Err(SpikeDataError::Unsupported(format!(
            "{}: member {name:?} is big-endian ({descr})",
            path.display()
        )));
    }
    let itemsize = match kind {
        'U' => size.checked_mul(4),
        _ => Some(size),
    }
    .ok_or_else(|| bad("item size overflows".into()))?;
    let need = count
        .checked_mul(itemsize)
        .ok_or_else(|| bad("size overflows".into()))?;
    if kind != 'O' && (body.len() as u64) < need {
        return Err(bad(format!(
            "{need} data bytes declared, {} present",
            body.len()
        )));
    }
    let n = usize::try_from(count).map_err(|_| bad("too many items".into()))?;
    let isz = usize::try_from(itemsize).map_err(|_| bad("item too large".into()))?;
    let items = |i: usize| &body[i * isz..(i + 1) * isz];
    let le8 = |b: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        a
    };
    let data = match (kind, size) {
        ('f', 8) => NpyData::F64((0..n).map(|i| f64::from_le_bytes(le8(items(i)))).collect()),
        ('f', 4) => NpyData::F64(
            (0..n)
                .map(|i| {
                    let b = items(i);
                    f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                })
                .collect(),
        ),
        ('i' | 'u', 1 | 2 | 4 | 8) => {
            let signed = kind == 'i';
            let mut v = Vec::with_capacity(n);
            for i in 0..n {
                let b = items(i);
                let mut a = [0u8; 8];
                a[..b.len()].copy_from_slice(b);
                let raw = u64::from_le_bytes(a);
                let val = if signed {
                    let shift = 64 - 8 * b.len() as u32;
                    ((raw << shift) as i64) >> shift
                } else {
                    i64::try_from(raw).map_err(|_| bad("unsigned value exceeds i64".into()))?
                };
                v.push(val);
            }
            NpyData::I64(v)
        }
        ('U', _) => NpyData::Str(
            (0..n)
                .map(|i| {
                    items(i)
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .take_while(|&c| c != 0)
                        .filter_map(char::from_u32)
                        .collect()
                })
                .collect(),
        ),
        ('S', _) => NpyData::Str(
            (0..n)
                .map(|i| {
                    let b = items(i);
                    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                    String::from_utf8_lossy(&b[..end]).into_owned()
                })
                .collect(),
        ),
        _ => NpyData::Other(descr.clone()),
    };
    Ok((data, shape))
}

fn npy_bytes(descr: &str, shape: &[usize], body: &[u8]) -> Vec<u8> {
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let mut out = rawio_core::npy_header_bytes(descr, &shape);
    out.extend_from_slice(body);
    out
}

fn npy_f64(v: &[f64]) -> Vec<u8> {
    let body: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    npy_bytes("<f8", &[v.len()], &body)
}

fn npy_i64(v: &[i64]) -> Vec<u8> {
    let body: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    npy_bytes("<i8", &[v.len()], &body)
}

fn npy_str(s: &str) -> Vec<u8> {
    let chars: Vec<char> = s.chars().collect();
    let body: Vec<u8> = chars
        .iter()
        .flat_map(|&c| u32::from(c).to_le_bytes())
        .collect();
    npy_bytes(&format!("<U{}", chars.len()), &[1], &body)
}

/// Sizes and offsets from which [`write_zip_with`] switches to zip64 records (the
/// classic fields hold at most `0xFFFF_FFFE`; `0xFFFF_FFFF` means "see the zip64 extra").
const ZIP64_LIMIT: u64 = 0xFFFF_FFFF;

/// Writes a STORED zip (what `np.savez` writes), in zip64 form where a member, an offset
/// or the central directory passes 4 GiB.
fn write_zip(path: &Path, members: &[(&str, Vec<u8>)]) -> Result<()> {
    write_zip_with(path, members, ZIP64_LIMIT)
}

/// [`write_zip`] with the zip64 threshold as an argument (tests lower it to exercise the
/// zip64 records on small files): a size or offset `>= zip64_at` is written in zip64 form.
fn write_zip_with(path: &Path, members: &[(&str, Vec<u8>)], zip64_at: u64) -> Result<()> {
    let mut z = ZipOut::create(path, zip64_at)?;
    for (name, data) in members {
        z.member(name, data)?;
    }
    z.finish()
}

/// A stored (uncompressed) zip file written member by member; a member can be reserved
/// (its header written with a placeholder CRC) and filled later at its own offset, so two
/// large members can be streamed at once.
pub(crate) struct ZipOut {
    file: std::fs::File,
    path: PathBuf,
    pos: u64,
    central: Vec<u8>,
    n: u64,
    zip64_at: u64,
}

/// A member reserved by [`ZipOut::reserve`], filled by [`ZipOut::fill`].
pub(crate) struct Reserved {
    name: String,
    header_off: u64,
    data_off: u64,
    size: u64,
    written: u64,
    crc: crc32fast::Hasher,
}

impl ZipOut {
    pub(crate) fn create(path: &Path, zip64_at: u64) -> Result<ZipOut> {
        Ok(ZipOut {
            file: create_fresh(path)?,
            path: path.to_path_buf(),
            pos: 0,
            central: Vec::new(),
            n: 0,
            zip64_at: zip64_at.min(ZIP64_LIMIT),
        })
    }

    fn io(&self, source: std::io::Error) -> SpikeDataError {
        SpikeDataError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write_at(&mut self, off: u64, bytes: &[u8]) -> Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        self.file
            .seek(SeekFrom::Start(off))
            .and_then(|_| self.file.write_all(bytes))
            .map_err(|e| self.io(e))
    }

    /// The local header of member `name.npy` of `size` bytes at the current position.
    fn local_header(&self, name: &str, size: u64, crc: u32) -> Result<Vec<u8>> {
        let fname = format!("{name}.npy");
        let nlen = u16::try_from(fname.len())
            .map_err(|_| SpikeDataError::invalid(format!("npz member name too long: {name}")))?;
        let big_size = size >= self.zip64_at;
        let big_off = self.pos >= self.zip64_at;
        let version: u16 = if big_size || big_off { 45 } else { 20 };
        let clip = |v: u64, big: bool| if big { u32::MAX } else { v as u32 };
        // the zip64 extra holds both sizes when the member is large
        let mut local = Vec::with_capacity(30 + fname.len() + 20);
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&version.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // flags
        local.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        local.extend_from_slice(&0u16.to_le_bytes()); // time
        local.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&clip(size, big_size).to_le_bytes());
        local.extend_from_slice(&clip(size, big_size).to_le_bytes());
        local.extend_from_slice(&nlen.to_le_bytes());
        local.extend_from_slice(&(if big_size { 20u16 } else { 0 }).to_le_bytes());
        local.extend_from_slice(fname.as_bytes());
        if big_size {
            local.extend_from_slice(&1u16.to_le_bytes());
            local.extend_from_slice(&16u16.to_le_bytes());
            local.extend_from_slice(&size.to_le_bytes());
            local.extend_from_slice(&size.to_le_bytes());
        }
        Ok(local)
    }

    /// The central directory entry of a member whose local header is at `offset`.
    fn central_entry(&mut self, name: &str, size: u64, crc: u32, offset: u64) {
        let fname = format!("{name}.npy");
        let big_size = size >= self.zip64_at;
        let big_off = offset >= self.zip64_at;
        let version: u16 = if big_size || big_off { 45 } else { 20 };
        let clip = |v: u64, big: bool| if big { u32::MAX } else { v as u32 };
        // zip64 extra with the fields that overflow, in the order uncompressed size,
        // compressed size, local header offset
        let mut extra = Vec::new();
        if big_size {
            extra.extend_from_slice(&size.to_le_bytes());
            extra.extend_from_slice(&size.to_le_bytes());
        }
        if big_off {
            extra.extend_from_slice(&offset.to_le_bytes());
        }
        let elen = if extra.is_empty() { 0 } else { 4 + extra.len() };
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&version.to_le_bytes()); // made by
        c.extend_from_slice(&version.to_le_bytes()); // needed
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0x21u16.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&clip(size, big_size).to_le_bytes());
        c.extend_from_slice(&clip(size, big_size).to_le_bytes());
        c.extend_from_slice(&(fname.len() as u16).to_le_bytes());
        c.extend_from_slice(&(elen as u16).to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
        c.extend_from_slice(&(0o644u32 << 16).to_le_bytes()); // external attrs
        c.extend_from_slice(&clip(offset, big_off).to_le_bytes());
        c.extend_from_slice(fname.as_bytes());
        if !extra.is_empty() {
            c.extend_from_slice(&1u16.to_le_bytes());
            c.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            c.extend_from_slice(&extra);
        }
        self.n += 1;
    }

    /// Writes member `name.npy` holding `data`.
    pub(crate) fn member(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let crc = crc32(data);
        let local = self.local_header(name, data.len() as u64, crc)?;
        let off = self.pos;
        self.write_at(off, &local)?;
        self.write_at(off + local.len() as u64, data)?;
        self.central_entry(name, data.len() as u64, crc, off);
        self.pos = off + local.len() as u64 + data.len() as u64;
        Ok(())
    }

    /// Reserves member `name.npy` of exactly `size` bytes, to be written with
    /// [`ZipOut::fill`] (in order) and closed with [`ZipOut::close`].
    pub(crate) fn reserve(&mut self, name: &str, size: u64) -> Result<Reserved> {
        let local = self.local_header(name, size, 0)?;
        let header_off = self.pos;
        self.write_at(header_off, &local)?;
        let data_off = header_off + local.len() as u64;
        self.pos = data_off + size;
        Ok(Reserved {
            name: name.to_owned(),
            header_off,
            data_off,
            size,
            written: 0,
            crc: crc32fast::Hasher::new(),
        })
    }

    /// Appends `bytes` to a reserved member.
    pub(crate) fn fill(&mut self, r: &mut Reserved, bytes: &[u8]) -> Result<()> {
        if r.written + bytes.len() as u64 > r.size {
            return Err(SpikeDataError::invalid(format!(
                "{}: npz member {} overflows its {} bytes",
                self.path.display(),
                r.name,
                r.size
            )));
        }
        r.crc.update(bytes);
        self.write_at(r.data_off + r.written, bytes)?;
        r.written += bytes.len() as u64;
        Ok(())
    }

    /// Completes a reserved member: patches its CRC and lists it.
    pub(crate) fn close(&mut self, r: Reserved) -> Result<()> {
        if r.written != r.size {
            return Err(SpikeDataError::invalid(format!(
                "{}: npz member {} has {} of its {} bytes",
                self.path.display(),
                r.name,
                r.written,
                r.size
            )));
        }
        let crc = r.crc.finalize();
        self.write_at(r.header_off + 14, &crc.to_le_bytes())?;
        self.central_entry(&r.name, r.size, crc, r.header_off);
        Ok(())
    }

    /// Writes the central directory and the end records.
    pub(crate) fn finish(mut self) -> Result<()> {
        let cd_off = self.pos;
        let cd_size = self.central.len() as u64;
        let n = self.n;
        let zip64_at = self.zip64_at;
        let mut tail = std::mem::take(&mut self.central);
        let big_cd = cd_off >= zip64_at || cd_size >= zip64_at || n >= 0xFFFF;
        if big_cd {
            let rec_off = cd_off + cd_size;
            // zip64 end of central directory record
            tail.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            tail.extend_from_slice(&44u64.to_le_bytes()); // size of the rest of the record
            tail.extend_from_slice(&45u16.to_le_bytes());
            tail.extend_from_slice(&45u16.to_le_bytes());
            tail.extend_from_slice(&0u32.to_le_bytes());
            tail.extend_from_slice(&0u32.to_le_bytes());
            tail.extend_from_slice(&n.to_le_bytes());
            tail.extend_from_slice(&n.to_le_bytes());
            tail.extend_from_slice(&cd_size.to_le_bytes());
            tail.extend_from_slice(&cd_off.to_le_bytes());
            // locator
            tail.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            tail.extend_from_slice(&0u32.to_le_bytes());
            tail.extend_from_slice(&rec_off.to_le_bytes());
            tail.extend_from_slice(&1u32.to_le_bytes());
        }
        let n16 = if big_cd { 0xFFFF } else { n as u16 };
        tail.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        tail.extend_from_slice(&0u16.to_le_bytes());
        tail.extend_from_slice(&0u16.to_le_bytes());
        tail.extend_from_slice(&n16.to_le_bytes());
        tail.extend_from_slice(&n16.to_le_bytes());
        tail.extend_from_slice(&(if big_cd { u32::MAX } else { cd_size as u32 }).to_le_bytes());
        tail.extend_from_slice(&(if big_cd { u32::MAX } else { cd_off as u32 }).to_le_bytes());
        tail.extend_from_slice(&0u16.to_le_bytes());
        self.write_at(cd_off, &tail)
    }
}

// ---------------------------------------------------------------------------------------------
// pynapple objects
// ---------------------------------------------------------------------------------------------

/// pynapple's `Ts`: timestamps (seconds) with a time support.
#[derive(Debug, Clone, PartialEq)]
pub struct Ts {
    /// Sorted timestamps.
    pub t: Vec<f64>,
    /// Time support.
    pub time_support: IntervalSet,
}

/// pynapple's `TsGroup`: one `Ts` per integer key, sharing a time support.
#[derive(Debug, Clone, PartialEq)]
pub struct TsGroup {
    /// Unit keys, ascending.
    pub keys: Vec<i64>,
    /// Timestamps (seconds, sorted) of each key.
    pub ts: Vec<Vec<f64>>,
    /// Time support.
    pub time_support: IntervalSet,
}

/// An object read from a pynapple `.npz` file.
#[derive(Debug, Clone, PartialEq)]
pub enum NapObject {
    /// A `Ts`.
    Ts(Ts),
    /// A `TsGroup`.
    TsGroup(TsGroup),
    /// An `IntervalSet` (metadata, pickled, skipped).
    IntervalSet(IntervalSet),
}

/// What [`read_npz`] skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NpzNotes {
    /// Members that were present but not read (`_metadata`, `d`, ...).
    pub skipped: Vec<String>,
}

fn take_f64(members: &[(String, NpyData)], key: &str) -> Option<Vec<f64>> {
    members
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, d)| match d {
            NpyData::F64(v) => Some(v.clone()),
            NpyData::I64(v) => Some(v.iter().map(|&x| x as f64).collect()),
            _ => None,
        })
}

fn take_i64(members: &[(String, NpyData)], key: &str) -> Option<Vec<i64>> {
    members
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, d)| match d {
            NpyData::I64(v) => Some(v.clone()),
            NpyData::F64(v) => Some(v.iter().map(|&x| x as i64).collect()),
            _ => None,
        })
}

/// Reads a pynapple `.npz` file (`Ts`, `TsGroup` or `IntervalSet`; the type comes from the
/// `type` member or, as pynapple, from the member names). Pickled members are skipped and
/// listed in the returned notes.
///
/// As pynapple's `load_file`, the `start` / `end` members are normalised into an
/// [`IntervalSet`] (a zero-length interval is dropped) and the timestamps of a `Ts` /
/// `TsGroup` are **restricted to that time support** (both ends closed): spikes outside it,
/// and every spike when the support is empty, are not returned.
pub fn read_npz(path: impl AsRef<Path>) -> Result<(NapObject, NpzNotes)> {
    read_npz_raw(path.as_ref()).map(|(o, n, _)| (o, n))
}

/// The raw `start` / `end` members of a file, before normalisation.
type RawSupport = (Vec<f64>, Vec<f64>);

/// [`read_npz`], also returning the raw `start` / `end` members.
fn read_npz_raw(path: &Path) -> Result<(NapObject, NpzNotes, RawSupport)> {
    let bytes = std::fs::read(path).map_err(|source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let z = Bytes { data: &bytes, path };
    let raw = read_zip(&z)?;
    let mut members = Vec::new();
    let mut notes = NpzNotes::default();
    for (name, data) in raw {
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let off = data.as_ptr() as usize - bytes.as_ptr() as usize;
        let (d, _shape) = parse_npy(data, &name, path, off as u64)?;
        if let NpyData::Other(descr) = &d {
            notes.skipped.push(format!("{key} ({descr})"));
        }
        members.push((key, d));
    }
    let has = |k: &str| members.iter().any(|(m, _)| m == k);
    let ty = members
        .iter()
        .find(|(k, _)| k == "type")
        .and_then(|(_, d)| match d {
            NpyData::Str(v) => v.first().cloned(),
            _ => None,
        })
        .filter(|t| {
            [
                "TsGroup",
                "TsdFrame",
                "TsdTensor",
                "Tsd",
                "Ts",
                "IntervalSet",
            ]
            .contains(&t.as_str())
        })
        .unwrap_or_else(|| {
            if has("t") && has("d") && has("start") && has("end") {
                "Tsd".into()
            } else if has("t") && has("start") && has("end") && has("index") {
                "TsGroup".into()
            } else if has("t") && has("start") && has("end") {
                "Ts".into()
            } else if has("start") && has("end") {
                "IntervalSet".into()
            } else {
                "npz".into()
            }
        });
    let missing = |k: &str| SpikeDataError::Corrupt {
        path: path.to_path_buf(),
        offset: 0,
        detail: format!("{ty} npz without a numeric {k:?} member"),
    };
    let raw_start = take_f64(&members, "start").ok_or_else(|| missing("start"))?;
    let raw_end = take_f64(&members, "end").ok_or_else(|| missing("end"))?;
    let support = || IntervalSet::new(&raw_start, &raw_end);
    let obj = match ty.as_str() {
        "IntervalSet" => NapObject::IntervalSet(support()?),
        "Ts" => {
            let mut t = take_f64(&members, "t").ok_or_else(|| missing("t"))?;
            t.sort_by(f64::total_cmp);
            let time_support = support()?;
            NapObject::Ts(Ts {
                t: time_support.restrict(&t),
                time_support,
            })
        }
        "TsGroup" => {
            let t = take_f64(&members, "t").ok_or_else(|| missing("t"))?;
            let index = take_i64(&members, "index").ok_or_else(|| missing("index"))?;
            if index.len() != t.len() {
                return Err(SpikeDataError::Corrupt {
                    path: path.to_path_buf(),
                    offset: 0,
                    detail: format!("TsGroup npz: {} times but {} indexes", t.len(), index.len()),
                });
            }
            if has("d") {
                notes
                    .skipped
                    .push("d (Tsd values of the group members)".into());
            }
            let mut keys = match take_i64(&members, "keys") {
                Some(k) => k,
                None => {
                    let mut k = index.clone();
                    k.sort_unstable();
                    k.dedup();
                    k
                }
            };
            keys.sort_unstable();
            keys.dedup();
            let mut ts = vec![Vec::new(); keys.len()];
            for (&i, &tv) in index.iter().zip(&t) {
                if let Ok(k) = keys.binary_search(&i) {
                    ts[k].push(tv);
                }
            }
            let time_support = support()?;
            for v in &mut ts {
                v.sort_by(f64::total_cmp);
                *v = time_support.restrict(v);
            }
            NapObject::TsGroup(TsGroup {
                keys,
                ts,
                time_support,
            })
        }
        other => {
            return Err(SpikeDataError::Unsupported(format!(
                "{}: pynapple npz of type {other} (only Ts, TsGroup and IntervalSet are read)",
                path.display()
            )));
        }
    };
    Ok((obj, notes, (raw_start, raw_end)))
}

fn io_path(path: &Path) -> PathBuf {
    path.to_path_buf()
}

/// Writes a `TsGroup` as pynapple's `TsGroup.save` does (`t` merged and sorted, `index`,
/// `keys`, `start`, `end`, `type`; no `_metadata`). The sorted trains are merged with a k-way
/// merge (ties in key order); files above 4 GiB are written as zip64 (numpy reads them).
pub fn write_tsgroup(path: impl AsRef<Path>, group: &TsGroup) -> Result<()> {
    write_tsgroup_support(
        path.as_ref(),
        group,
        group.time_support.start(),
        group.time_support.end(),
        ZIP64_LIMIT,
    )
}

/// [`write_tsgroup`] with the `start` / `end` members given (the raw window of a
/// `SpikeData`, which may be a zero-length interval) and the zip64 threshold.
fn write_tsgroup_support(
    path: &Path,
    group: &TsGroup,
    start: &[f64],
    end: &[f64],
    zip64_at: u64,
) -> Result<()> {
    if group.keys.len() != group.ts.len() {
        return Err(SpikeDataError::invalid(format!(
            "{}: {} keys for {} members",
            io_path(path).display(),
            group.keys.len(),
            group.ts.len()
        )));
    }
    let sorted_copy: Vec<Vec<f64>>;
    let ts: &[Vec<f64>] = if group.ts.iter().all(|t| t.is_sorted_by(|a, b| a <= b)) {
        &group.ts
    } else {
        sorted_copy = group
            .ts
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.sort_by(f64::total_cmp);
                t
            })
            .collect();
        &sorted_copy
    };
    write_group_members(path, &group.keys, ts, 1.0, start, end, zip64_at)
}

/// The members of a `TsGroup` file: `trains[k]` (sorted) of key `keys[k]`, each time
/// divided by `div` (1000 for ms → s; 1 leaves them as they are).
///
/// `t` and `index` are streamed: their headers are written first, then the k-way merge of
/// the trains fills both through 256 KiB buffers (CRC-32 updated as they go), and the CRCs are
/// patched in at the end. Memory stays at the buffers and the merge's block, whatever the
/// number of spikes.
fn write_group_members<T: AsRef<[f64]>>(
    path: &Path,
    keys: &[i64],
    trains: &[T],
    div: f64,
    start: &[f64],
    end: &[f64],
    zip64_at: u64,
) -> Result<()> {
    const BUF: usize = 1 << 18;
    let total: usize = trains.iter().map(|t| t.as_ref().len()).sum();
    let t_head = rawio_core::npy_header_bytes("<f8", &[total as u64]);
    let i_head = rawio_core::npy_header_bytes("<i8", &[total as u64]);
    let body = (total as u64).saturating_mul(8);
    let mut z = ZipOut::create(path, zip64_at)?;
    z.member("type", &npy_str("TsGroup"))?;
    let mut rt = z.reserve("t", t_head.len() as u64 + body)?;
    let mut ri = z.reserve("index", i_head.len() as u64 + body)?;
    z.fill(&mut rt, &t_head)?;
    z.fill(&mut ri, &i_head)?;
    let mut tb: Vec<u8> = Vec::with_capacity(BUF);
    let mut ib: Vec<u8> = Vec::with_capacity(BUF);
    let mut failed: Option<SpikeDataError> = None;
    crate::core::merge_sorted(
        trains,
        |v| v / div,
        |u, v| {
            tb.extend_from_slice(&v.to_le_bytes());
            ib.extend_from_slice(&keys.get(u).copied().unwrap_or(0).to_le_bytes());
            if tb.len() >= BUF && failed.is_none() {
                if let Err(e) = z.fill(&mut rt, &tb).and_then(|_| z.fill(&mut ri, &ib)) {
                    failed = Some(e);
                }
                tb.clear();
                ib.clear();
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    z.fill(&mut rt, &tb)?;
    z.fill(&mut ri, &ib)?;
    z.close(rt)?;
    z.close(ri)?;
    z.member("keys", &npy_i64(keys))?;
    z.member("start", &npy_f64(start))?;
    z.member("end", &npy_f64(end))?;
    z.finish()
}

/// Writes a `Ts` as pynapple's `Ts.save` (`t`, `start`, `end`, `type`).
pub fn write_ts(path: impl AsRef<Path>, ts: &Ts) -> Result<()> {
    write_zip(
        path.as_ref(),
        &[
            ("t", npy_f64(&ts.t)),
            ("start", npy_f64(ts.time_support.start())),
            ("end", npy_f64(ts.time_support.end())),
            ("type", npy_str("Ts")),
        ],
    )
}

/// Writes an `IntervalSet` (`start`, `end`, `type`; metadata is not written).
pub fn write_interval_set(path: impl AsRef<Path>, set: &IntervalSet) -> Result<()> {
    write_zip(
        path.as_ref(),
        &[
            ("start", npy_f64(set.start())),
            ("end", npy_f64(set.end())),
            ("type", npy_str("IntervalSet")),
        ],
    )
}

impl SpikeData {
    /// The units as a pynapple `TsGroup` (ms → s). Keys are the integer `unit_id` attributes
    /// when every unit has a distinct one, else the unit indexes; the time support is the
    /// window.
    pub fn to_tsgroup(&self) -> Result<TsGroup> {
        let (keys, order) = self.tsgroup_keys();
        Ok(TsGroup {
            keys,
            ts: order
                .iter()
                .map(|&i| self.trains[i].iter().map(|&t| t / 1000.0).collect())
                .collect(),
            time_support: IntervalSet::new(
                &[self.start_time / 1000.0],
                &[self.end_time() / 1000.0],
            )?,
        })
    }

    /// The `TsGroup` keys (ascending) and the unit of each.
    fn tsgroup_keys(&self) -> (Vec<i64>, Vec<usize>) {
        let ids: Option<Vec<i64>> = self.unit_attrs.as_ref().and_then(|a| {
            a.iter()
                .map(|m| match m.get("unit_id") {
                    Some(Value::Number(n)) => n.as_i64(),
                    Some(Value::String(s)) => s.parse().ok(),
                    _ => None,
                })
                .collect()
        });
        let keys: Vec<i64> = match ids {
            Some(ids)
                if {
                    let mut s = ids.clone();
                    s.sort_unstable();
                    s.dedup();
                    s.len() == ids.len()
                } =>
            {
                ids
            }
            _ => (0..self.trains.len() as i64).collect(),
        };
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        (order.iter().map(|&i| keys[i]).collect(), order)
    }

    /// A `SpikeData` from a pynapple `TsGroup` (s → ms): one unit per key (attribute
    /// `unit_id`), window = the time support's span (or the spikes' span when it is empty).
    pub fn from_tsgroup(group: &TsGroup) -> Result<SpikeData> {
        let trains: Vec<Vec<f64>> = group
            .ts
            .iter()
            .map(|t| t.iter().map(|&v| v * 1000.0).collect())
            .collect();
        let sup = &group.time_support;
        let (start, end) = match (sup.start().first(), sup.end().last()) {
            (Some(&s), Some(&e)) => (s * 1000.0, e * 1000.0),
            _ => {
                let lo = trains
                    .iter()
                    .filter_map(|t| t.first().copied())
                    .reduce(f64::min);
                let hi = trains
                    .iter()
                    .filter_map(|t| t.last().copied())
                    .reduce(f64::max);
                (lo.unwrap_or(0.0), hi.unwrap_or(0.0))
            }
        };
        let lo = trains
            .iter()
            .filter_map(|t| t.first().copied())
            .fold(start, f64::min);
        let hi = trains
            .iter()
            .filter_map(|t| t.last().copied())
            .fold(end, f64::max);
        let mut length = hi - lo;
        while lo + length < hi {
            length = f64::from_bits(length.to_bits() + 1);
        }
        let attrs = group
            .keys
            .iter()
            .map(|&k| {
                let mut a = Attrs::new();
                a.insert("unit_id".into(), Value::from(k));
                a
            })
            .collect();
        let mut metadata = Attrs::new();
        metadata.insert("format".into(), Value::from("pynapple TsGroup"));
        SpikeData::new(
            trains,
            Options {
                n: None,
                length: Some(length),
                start_time: lo,
                unit_attrs: Some(attrs),
                metadata,
                raw: None,
            },
        )
    }

    /// Writes the units as a pynapple `TsGroup` `.npz` (see [`SpikeData::to_tsgroup`]).
    ///
    /// The `start` / `end` members are the window `[start_time, end]` (s) as it is, also
    /// when it has zero length (pynapple's `IntervalSet` would drop such an interval; then
    /// `nap.load_file`, like [`SpikeData::read_npz`], restricts every spike away, as pynapple
    /// does with any `TsGroup` whose time support is empty). Files above 4 GiB are zip64.
    pub fn write_npz(&self, path: impl AsRef<Path>) -> Result<()> {
        self.write_npz_with(path.as_ref(), ZIP64_LIMIT)
    }

    fn write_npz_with(&self, path: &Path, zip64_at: u64) -> Result<()> {
        // the trains in key order, divided by 1000 as they are merged (no copy in seconds)
        let (keys, order) = self.tsgroup_keys();
        let trains: Vec<&[f64]> = order.iter().map(|&i| self.trains[i].as_slice()).collect();
        write_group_members(
            path,
            &keys,
            &trains,
            1000.0,
            &[self.start_time / 1000.0],
            &[self.end_time() / 1000.0],
            zip64_at,
        )
    }

    /// Reads a pynapple `TsGroup` (or `Ts`) `.npz` (see [`SpikeData::from_tsgroup`]), with
    /// pynapple's `load_file` semantics: spikes outside the time support are dropped. When
    /// the normalised support is empty (a zero-length window) the result has no spikes and
    /// its window is the file's raw `[start, end]` interval.
    pub fn read_npz(path: impl AsRef<Path>) -> Result<SpikeData> {
        let path = path.as_ref();
        let (obj, _, (raw_start, raw_end)) = read_npz_raw(path)?;
        let group = match obj {
            NapObject::TsGroup(g) => g,
            NapObject::Ts(ts) => TsGroup {
                keys: vec![0],
                ts: vec![ts.t],
                time_support: ts.time_support,
            },
            NapObject::IntervalSet(_) => {
                return Err(SpikeDataError::invalid(format!(
                    "{}: an IntervalSet has no spikes",
                    path.display()
                )));
            }
        };
        let mut sd = SpikeData::from_tsgroup(&group)?;
        if group.time_support.is_empty()
            && let (Some(&s), Some(&e)) = (raw_start.first(), raw_end.last())
            && s.is_finite()
            && e >= s
            && (e - s) * 1000.0 < f64::INFINITY
        {
            sd.start_time = s * 1000.0;
            sd.length = e * 1000.0 - sd.start_time;
            if !(sd.length >= 0.0) {
                sd.length = 0.0;
            }
        }
        Ok(sd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn npy_header_is_64_aligned() {
        let b = npy_f64(&[1.0, 2.0]);
        assert_eq!((b.len() - 16) % 64, 0);
        let (d, shape) = parse_npy(&b, "x", Path::new("x"), 0).unwrap();
        assert_eq!(d, NpyData::F64(vec![1.0, 2.0]));
        assert_eq!(shape, vec![2]);
        let (d, _) = parse_npy(&npy_str("TsGroup"), "x", Path::new("x"), 0).unwrap();
        assert_eq!(d, NpyData::Str(vec!["TsGroup".into()]));
    }
}

#[cfg(test)]
mod zip64_tests {
    use super::*;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spikedata/rust_written")
    }

    /// The zip64 records (member sizes, local offsets, central directory) written with the
    /// threshold lowered to 0, so every field takes the zip64 path on a small file; read
    /// back here and by numpy / pynapple (`zip64_tsgroup.npz`, checked by the golden script).
    #[test]
    fn zip64_records_round_trip() {
        let sd = SpikeData::new(
            vec![vec![1.0, 250.0, 900.5], vec![], vec![0.0, 250.0, 1000.0]],
            Options::length(1000.0),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("z.npz");
        sd.write_npz_with(&p, 0).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        // zip64 end-of-central-directory record and locator, and 0xFFFF entry count
        assert!(bytes.windows(4).any(|w| w == 0x0606_4b50u32.to_le_bytes()));
        assert!(bytes.windows(4).any(|w| w == 0x0706_4b50u32.to_le_bytes()));
        let eocd = &bytes[bytes.len() - 22..];
        assert_eq!(&eocd[8..10], &[0xFF, 0xFF]);
        assert_eq!(&eocd[12..20], &[0xFF; 8]);
        let back = SpikeData::read_npz(&p).unwrap();
        assert_eq!(back.trains(), sd.trains());
        assert_eq!((back.start_time(), back.length()), (0.0, 1000.0));
        // the classic form below the threshold is unchanged
        let q = dir.path().join("c.npz");
        sd.write_npz(&q).unwrap();
        let classic = std::fs::read(&q).unwrap();
        assert!(
            !classic
                .windows(4)
                .any(|w| w == 0x0606_4b50u32.to_le_bytes())
        );
        assert_eq!(SpikeData::read_npz(&q).unwrap(), back);

        let fixture = fixtures().join("zip64_tsgroup.npz");
        if std::env::var_os("SPIKEDATA_WRITE_FIXTURES").is_some() {
            std::fs::write(&fixture, &bytes).unwrap();
        }
        assert_eq!(
            std::fs::read(&fixture).unwrap(),
            bytes,
            "zip64_tsgroup.npz changed: rerun the golden script"
        );
    }

    #[test]
    fn merge_keeps_key_order_on_ties() {
        let g = TsGroup {
            keys: vec![4, 9],
            ts: vec![vec![0.5, 1.0], vec![0.5, 0.75, 1.0]],
            time_support: IntervalSet::new(&[0.0], &[2.0]).unwrap(),
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.npz");
        write_tsgroup(&p, &g).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let z = Bytes {
            data: &bytes,
            path: &p,
        };
        let members = read_zip(&z).unwrap();
        let get = |n: &str| {
            let (_, d) = members.iter().find(|(k, _)| k == n).unwrap();
            parse_npy(d, n, &p, 0).unwrap().0
        };
        assert_eq!(get("t.npy"), NpyData::F64(vec![0.5, 0.5, 0.75, 1.0, 1.0]));
        assert_eq!(get("index.npy"), NpyData::I64(vec![4, 9, 9, 4, 9]));
    }
}
