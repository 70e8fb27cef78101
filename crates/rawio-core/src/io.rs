//! File access shared by every reader: the one memory-map helper (the only `unsafe` code in
//! rawio), bounds-checked typed reads, and interleaved-buffer chunk reads.

use crate::dtype::{Dtype, RawChunk, Sample};
use crate::error::{Error, Result};
use crate::selection::ChannelIndexes;
use ndarray::{ArrayView2, CowArray, Ix2};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A read-only memory-mapped file.
///
/// Mapping is how rawio reads multi-GB files at memory speed: chunks of interleaved signals
/// come back as views into the mapping, without a copy. The usual caveat of memory maps holds:
/// if another process truncates the file while it is mapped, reading the lost pages raises
/// SIGBUS. rawio never writes to mapped files.
#[derive(Debug)]
pub struct MappedFile {
    path: PathBuf,
    map: Option<memmap2::Mmap>,
}

impl MappedFile {
    /// Maps `path` read-only. An empty file is valid and maps to an empty slice.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        let map = if len == 0 {
            None
        } else {
            // SAFETY: the mapping is read-only and rawio never writes to the file. Another
            // process truncating the file while it is mapped is the documented limitation of
            // memory maps (SIGBUS); nothing in rawio creates that situation.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(&path, e))?;
            Some(map)
        };
        Ok(MappedFile { path, map })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's length in bytes.
    pub fn len(&self) -> u64 {
        self.bytes().len() as u64
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// All bytes of the file.
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// `len` bytes at `offset`, or a [`Error::Corrupt`] naming the file and the offset when
    /// the file is too short.
    pub fn range(&self, format: &'static str, offset: u64, len: u64) -> Result<&[u8]> {
        let short = || {
            Error::corrupt(
                format,
                &self.path,
                offset,
                format!("needs {len} bytes but the file has {} bytes", self.len()),
            )
        };
        let start = usize::try_from(offset).map_err(|_| short())?;
        let len = usize::try_from(len).map_err(|_| short())?;
        let end = start.checked_add(len).ok_or_else(short)?;
        self.bytes().get(start..end).ok_or_else(short)
    }

    /// Copies `buf.len()` bytes at `offset` into `buf` with a positioned read (`pread`), not
    /// through the mapping: no page of the mapping is touched, so nothing needs releasing. For
    /// readers that decode a copy anyway (big-endian records, scattered blocks), into a buffer
    /// they reuse; read large spans (the file is opened for each call, so that a reader of
    /// thousands of files holds no descriptor). A [`Error::Corrupt`] naming the file and the
    /// offset when it is too short.
    pub fn read_at(&self, format: &'static str, offset: u64, buf: &mut [u8]) -> Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|e| e > self.len()) {
            return Err(Error::corrupt(
                format,
                &self.path,
                offset,
                format!(
                    "needs {} bytes but the file has {} bytes",
                    buf.len(),
                    self.len()
                ),
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            File::open(&self.path)
                .and_then(|f| f.read_exact_at(buf, offset))
                .map_err(|e| Error::io(&self.path, e))
        }
        #[cfg(not(unix))]
        {
            buf.copy_from_slice(self.range(format, offset, buf.len() as u64)?);
            Ok(())
        }
    }

    /// `count` values of `T` at `offset`, borrowed from the mapping when the host is
    /// little-endian and the offset is aligned for `T`; `None` otherwise (use
    /// [`MappedFile::read_vec`]) or when out of bounds.
    pub fn typed<T: Sample>(&self, offset: u64, count: u64) -> Option<&[T]> {
        if cfg!(target_endian = "big") {
            return None;
        }
        let nbytes = count.checked_mul(std::mem::size_of::<T>() as u64)?;
        let bytes = self.range("", offset, nbytes).ok()?;
        bytemuck::try_cast_slice(bytes).ok()
    }

    /// `count` little-endian values of `T` at `offset`, decoded into a new vector. The size is
    /// checked against the file before allocating.
    pub fn read_vec<T: Sample>(
        &self,
        format: &'static str,
        offset: u64,
        count: u64,
    ) -> Result<Vec<T>> {
        let size = std::mem::size_of::<T>() as u64;
        let nbytes = count.checked_mul(size).ok_or_else(|| {
            Error::corrupt(
                format,
                &self.path,
                offset,
                format!("{count} values overflow"),
            )
        })?;
        let bytes = self.range(format, offset, nbytes)?;
        if let Some(t) = self.typed::<T>(offset, count) {
            return Ok(t.to_vec());
        }
        Ok(bytes
            .chunks_exact(size as usize)
            .map(T::from_le_slice)
            .collect())
    }

    /// A `rows × cols` row-major array of `T` at `offset`: a view into the mapping when
    /// possible, else a decoded copy.
    pub fn array2<T: Sample>(
        &self,
        format: &'static str,
        offset: u64,
        rows: u64,
        cols: u64,
    ) -> Result<CowArray<'_, T, Ix2>> {
        let bad = || {
            Error::corrupt(
                format,
                &self.path,
                offset,
                format!("{rows}x{cols} array too large"),
            )
        };
        let count = rows.checked_mul(cols).ok_or_else(bad)?;
        let (r, c) = (
            usize::try_from(rows).map_err(|_| bad())?,
            usize::try_from(cols).map_err(|_| bad())?,
        );
        if let Some(slice) = self.typed::<T>(offset, count) {
            let view = ArrayView2::from_shape((r, c), slice).map_err(|_| bad())?;
            return Ok(CowArray::from(view));
        }
        let data = self.read_vec::<T>(format, offset, count)?;
        let arr = ndarray::Array2::from_shape_vec((r, c), data).map_err(|_| bad())?;
        Ok(CowArray::from(arr))
    }

    /// Asks the kernel to map the pages of `[offset, offset+len)` now, in one call, instead of
    /// one page fault at a time when they are first read (Linux `MADV_POPULATE_READ`; a no-op
    /// where unsupported). Used before reading a large chunk through a view.
    pub fn populate(&self, offset: u64, len: u64) {
        #[cfg(target_os = "linux")]
        if let Some(map) = &self.map {
            let start = offset.min(map.len() as u64);
            let end = offset.saturating_add(len).min(map.len() as u64);
            if end > start {
                let _ = map.advise_range(
                    memmap2::Advice::PopulateRead,
                    start as usize,
                    (end - start) as usize,
                );
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (offset, len);
    }

    /// Tells the kernel the pages of `[offset, offset+len)` may be dropped from this process's
    /// resident set (they are re-read from the file if touched again). Used after streaming
    /// through a chunk so that reading a multi-GB file keeps a flat RSS. A no-op on failure.
    pub fn release(&self, offset: u64, len: u64) {
        #[cfg(unix)]
        if let Some(map) = &self.map {
            let page = 4096u64;
            let start = offset.div_ceil(page) * page;
            let end = offset.saturating_add(len).min(map.len() as u64) / page * page;
            if end > start {
                // SAFETY: the mapping is private to this struct, read-only and file-backed:
                // MADV_DONTNEED only drops clean pages, which are faulted in again from the
                // file on the next access, so any slice borrowed from the mapping still reads
                // the same bytes.
                #[allow(unsafe_code)]
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start as usize,
                        (end - start) as usize,
                    )
                };
            }
        }
        #[cfg(not(unix))]
        let _ = (offset, len);
    }
}

/// Describes an interleaved (sample-major) binary buffer: `n_channels` values of `dtype` per
/// frame, frames back to back from `data_offset`. Used by every format with a plain binary
/// signal file (Neuroscope `.dat`, Phy's raw data, Open Ephys binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterleavedLayout {
    /// Byte offset of the first frame.
    pub data_offset: u64,
    /// Values per frame.
    pub n_channels: u64,
    /// Number of complete frames.
    pub n_frames: u64,
}

impl InterleavedLayout {
    /// The layout of a file holding complete frames of `n_channels` values of `T` from
    /// `data_offset`; trailing bytes that do not form a complete frame are ignored (see
    /// [`InterleavedLayout::trailing_bytes`]).
    pub fn for_file<T: Sample>(file_len: u64, data_offset: u64, n_channels: u64) -> Self {
        let frame = n_channels.saturating_mul(std::mem::size_of::<T>() as u64);
        let n_frames = file_len
            .saturating_sub(data_offset)
            .checked_div(frame)
            .unwrap_or(0);
        InterleavedLayout {
            data_offset,
            n_channels,
            n_frames,
        }
    }

    /// Bytes after the last complete frame.
    pub fn trailing_bytes<T: Sample>(&self, file_len: u64) -> u64 {
        let frame = self
            .n_channels
            .saturating_mul(std::mem::size_of::<T>() as u64);
        file_len
            .saturating_sub(self.data_offset)
            .saturating_sub(self.n_frames.saturating_mul(frame))
    }

    /// Reads frames `samples` and channels `channels` from `file`: a zero-copy view when the
    /// mapping allows it (and always for a channel range), a copy for a channel list.
    pub fn read<'f, T: Sample>(
        &self,
        file: &'f MappedFile,
        format: &'static str,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'f>> {
        if samples.start > samples.end || samples.end > self.n_frames {
            return Err(Error::out_of_range(
                "sample",
                samples.end,
                self.n_frames + 1,
            ));
        }
        let frame_bytes = self.n_channels * std::mem::size_of::<T>() as u64;
        let offset = self.data_offset + samples.start * frame_bytes;
        let rows = samples.end - samples.start;
        let count = rows * self.n_channels;
        let shape = (
            usize::try_from(rows).map_err(|_| Error::invalid("chunk too large"))?,
            usize::try_from(self.n_channels).map_err(|_| Error::invalid("too many channels"))?,
        );
        let shape_err = |e: ndarray::ShapeError| Error::invalid(e.to_string());
        let out = if let Some(slice) = file.typed::<T>(offset, count) {
            if rows * frame_bytes >= POPULATE_MIN_BYTES {
                file.populate(offset, rows * frame_bytes);
            }
            channels.select_columns(ArrayView2::from_shape(shape, slice).map_err(shape_err)?)
        } else {
            let data = file.read_vec::<T>(format, offset, count)?;
            let arr = ndarray::Array2::from_shape_vec(shape, data).map_err(shape_err)?;
            CowArray::from(channels.select_columns(arr.view()).into_owned())
        };
        Ok(T::wrap(out))
    }
}

impl InterleavedLayout {
    /// The byte range `(offset, len)` of frames `samples` of `dtype` values in the file
    /// (saturating).
    pub fn byte_range(&self, dtype: Dtype, samples: Range<u64>) -> (u64, u64) {
        let frame = self.n_channels.saturating_mul(dtype.size() as u64);
        let start = self
            .data_offset
            .saturating_add(samples.start.saturating_mul(frame));
        let len = samples
            .end
            .saturating_sub(samples.start)
            .saturating_mul(frame);
        (start, len)
    }

    /// The [`crate::BufferDescription`] of every channel of this layout in `path` (`dtype` is
    /// the stored little-endian type).
    pub fn describe(&self, path: &Path, dtype: Dtype) -> crate::BufferDescription {
        crate::BufferDescription {
            file_path: path.to_path_buf(),
            dtype,
            file_offset: self.data_offset,
            shape: [self.n_frames, self.n_channels],
            columns: 0..self.n_channels,
        }
    }

    /// Drops the pages of frames `samples` from the process's resident set (see
    /// [`MappedFile::release`]): a reader's [`crate::RawIO::release_signal`].
    pub fn release(&self, file: &MappedFile, dtype: Dtype, samples: Range<u64>) {
        let (offset, len) = self.byte_range(dtype, samples);
        file.release(offset, len);
    }
}

/// Chunks of at least this many bytes are populated in one call before a view is returned.
const POPULATE_MIN_BYTES: u64 = 256 << 10;

/// A little-endian cursor over a byte slice that remembers the absolute file offset, for
/// header parsing. Every read is bounds-checked and reports the offset where it failed.
#[derive(Debug, Clone)]
pub struct LeReader<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
}

/// The data ended at `offset` while `needed` more bytes were expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unexpected end of data at byte {offset} (needed {needed} more bytes)")]
pub struct ShortRead {
    /// Absolute offset where the read started.
    pub offset: u64,
    /// Bytes requested.
    pub needed: usize,
}

macro_rules! le_read {
    ($($name:ident => $t:ty),*) => {$(
        #[doc = concat!("Reads one little-endian `", stringify!($t), "`.")]
        pub fn $name(&mut self) -> Result<$t, ShortRead> {
            let b = self.take(std::mem::size_of::<$t>())?;
            let mut a = [0u8; std::mem::size_of::<$t>()];
            a.copy_from_slice(b);
            Ok(<$t>::from_le_bytes(a))
        }
    )*};
}

impl<'a> LeReader<'a> {
    /// A cursor over `data`, whose first byte is at absolute file offset `base`.
    pub fn new(data: &'a [u8], base: u64) -> Self {
        LeReader { data, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ShortRead> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(ShortRead {
                offset: self.offset(),
                needed: n,
            })?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), ShortRead> {
        self.take(n).map(|_| ())
    }

    /// A fixed-size, NUL-padded string field: bytes up to the first NUL, decoded lossily.
    pub fn fixed_str(&mut self, n: usize) -> Result<String, ShortRead> {
        let b = self.take(n)?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(String::from_utf8_lossy(&b[..end]).into_owned())
    }

    le_read!(u8 => u8, i8 => i8, u16 => u16, i16 => i16, u32 => u32, i32 => i32,
             u64 => u64, i64 => i64, f32 => f32, f64 => f64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn le_reader_reports_offsets() {
        let mut r = LeReader::new(&[1, 0, 2, 0, 0, 0, b'a', b'b', 0, b'z'], 100);
        assert_eq!(r.u16().unwrap(), 1);
        assert_eq!(r.u32().unwrap(), 2);
        assert_eq!(r.fixed_str(4).unwrap(), "ab");
        assert_eq!(r.offset(), 110);
        assert_eq!(
            r.u16(),
            Err(ShortRead {
                offset: 110,
                needed: 2
            })
        );
    }

    #[test]
    fn interleaved_views_and_copies() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let vals: Vec<i16> = (0..30).collect();
        for v in &vals {
            f.write_all(&v.to_le_bytes()).unwrap();
        }
        f.write_all(&[7]).unwrap(); // partial frame
        let m = MappedFile::open(f.path()).unwrap();
        let layout = InterleavedLayout::for_file::<i16>(m.len(), 0, 3);
        assert_eq!(layout.n_frames, 10);
        assert_eq!(layout.trailing_bytes::<i16>(m.len()), 1);
        let c = layout
            .read::<i16>(&m, "test", 2..4, &ChannelIndexes::Range(1..3))
            .unwrap();
        assert!(c.is_view());
        assert_eq!(
            c.as_typed::<i16>().unwrap(),
            ndarray::array![[7i16, 8], [10, 11]]
        );
        let c = layout
            .read::<i16>(&m, "test", 0..1, &ChannelIndexes::List(vec![2, 0]))
            .unwrap();
        assert_eq!(c.as_typed::<i16>().unwrap(), ndarray::array![[2i16, 0]]);
        assert!(
            layout
                .read::<i16>(&m, "test", 0..11, &ChannelIndexes::Range(0..3))
                .is_err()
        );
        assert!(m.range("test", u64::MAX, 2).is_err());
        m.release(0, m.len());
        assert_eq!(m.read_vec::<i16>("t", 2, 2).unwrap(), vec![1, 2]);
    }
}
