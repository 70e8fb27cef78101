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

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE), as zip needs
// ---------------------------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }
    static TABLE: [u32; 256] = table();
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
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

/// Writes a STORED zip (what `np.savez` writes).
fn write_zip(path: &Path, members: &[(&str, Vec<u8>)]) -> Result<()> {
    let too_big = || SpikeDataError::Unsupported("npz members larger than 4 GiB".into());
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let fname = format!("{name}.npy");
        let crc = crc32(data);
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let nlen = fname.len() as u16;
        // local header
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&nlen.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(fname.as_bytes());
        out.extend_from_slice(data);
        // central entry
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes()); // needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&0x21u16.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&nlen.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // extra
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
        central.extend_from_slice(&(0o644u32 << 16).to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(fname.as_bytes());
    }
    let cd_off = u32::try_from(out.len()).map_err(|_| too_big())?;
    let cd_size = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    let n = members.len() as u16;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(path, out).map_err(|source| SpikeDataError::Io {
        path: path.to_path_buf(),
        source,
    })
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
pub fn read_npz(path: impl AsRef<Path>) -> Result<(NapObject, NpzNotes)> {
    let path = path.as_ref();
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
    let support = || -> Result<IntervalSet> {
        let s = take_f64(&members, "start").ok_or_else(|| missing("start"))?;
        let e = take_f64(&members, "end").ok_or_else(|| missing("end"))?;
        IntervalSet::new(&s, &e)
    };
    let obj = match ty.as_str() {
        "IntervalSet" => NapObject::IntervalSet(support()?),
        "Ts" => {
            let mut t = take_f64(&members, "t").ok_or_else(|| missing("t"))?;
            t.sort_by(f64::total_cmp);
            NapObject::Ts(Ts {
                t,
                time_support: support()?,
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
            for v in &mut ts {
                v.sort_by(f64::total_cmp);
            }
            NapObject::TsGroup(TsGroup {
                keys,
                ts,
                time_support: support()?,
            })
        }
        other => {
            return Err(SpikeDataError::Unsupported(format!(
                "{}: pynapple npz of type {other} (only Ts, TsGroup and IntervalSet are read)",
                path.display()
            )));
        }
    };
    Ok((obj, notes))
}

fn io_path(path: &Path) -> PathBuf {
    path.to_path_buf()
}

/// Writes a `TsGroup` as pynapple's `TsGroup.save` does (`t` merged and sorted, `index`,
/// `keys`, `start`, `end`, `type`; no `_metadata`).
pub fn write_tsgroup(path: impl AsRef<Path>, group: &TsGroup) -> Result<()> {
    let path = path.as_ref();
    if group.keys.len() != group.ts.len() {
        return Err(SpikeDataError::invalid(format!(
            "{}: {} keys for {} members",
            io_path(path).display(),
            group.keys.len(),
            group.ts.len()
        )));
    }
    let mut pairs: Vec<(f64, i64)> = group
        .keys
        .iter()
        .zip(&group.ts)
        .flat_map(|(&k, t)| t.iter().map(move |&v| (v, k)))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let t: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let index: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    write_zip(
        path,
        &[
            ("type", npy_str("TsGroup")),
            ("t", npy_f64(&t)),
            ("index", npy_i64(&index)),
            ("keys", npy_i64(&group.keys)),
            ("start", npy_f64(group.time_support.start())),
            ("end", npy_f64(group.time_support.end())),
        ],
    )
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
        Ok(TsGroup {
            keys: order.iter().map(|&i| keys[i]).collect(),
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
    pub fn write_npz(&self, path: impl AsRef<Path>) -> Result<()> {
        write_tsgroup(path, &self.to_tsgroup()?)
    }

    /// Reads a pynapple `TsGroup` `.npz` (see [`SpikeData::from_tsgroup`]).
    pub fn read_npz(path: impl AsRef<Path>) -> Result<SpikeData> {
        let path = path.as_ref();
        match read_npz(path)?.0 {
            NapObject::TsGroup(g) => SpikeData::from_tsgroup(&g),
            NapObject::Ts(ts) => SpikeData::from_tsgroup(&TsGroup {
                keys: vec![0],
                ts: vec![ts.t],
                time_support: ts.time_support,
            }),
            NapObject::IntervalSet(_) => Err(SpikeDataError::invalid(format!(
                "{}: an IntervalSet has no spikes",
                path.display()
            ))),
        }
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
