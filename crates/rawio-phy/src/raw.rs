//! The raw data (`dat_path`): [`open_raw`] maps the files, [`signal_header`] describes the
//! stream and its channels, [`RawData::read`] reads frames and [`RawData::waveforms`] cuts
//! spike waveforms out of them.

use crate::FORMAT_ID;
use crate::header::Params;
use crate::templates::Geometry;
use rawio_core::ndarray::{Array3, Axis};
use rawio_core::serde_json::Value;
use rawio_core::{
    Annotations, ChannelIndexes, Dtype, Error, InterleavedLayout, MappedFile, RawArray, RawChunk,
    RawWaveforms, Result, Sample, SampleClock, SignalChannel, SignalStream,
};
use std::ops::Range;
use std::path::Path;

/// `$body` with `$T` the Rust type of the [`Dtype`] `$dtype` (core's `dispatch_raw!` works on
/// arrays; this picks the type before there is one).
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        with_dtype!(@match $dtype, $T, $body, Int8 i8, Uint8 u8, Int16 i16, Uint16 u16,
            Int32 i32, Uint32 u32, Int64 i64, Uint64 u64, Float32 f32, Float64 f64)
    };
    (@match $dtype:expr, $T:ident, $body:expr, $($variant:ident $t:ty),*) => {
        match $dtype {
            $(Dtype::$variant => {
                type $T = $t;
                $body
            })*
        }
    };
}

/// The raw data files (`dat_path`), concatenated in time.
#[derive(Debug)]
pub(crate) struct RawData {
    pub(crate) files: Vec<(MappedFile, InterleavedLayout)>,
    /// First frame of each file in the concatenation, plus the total at the end.
    starts: Vec<u64>,
    pub(crate) dtype: Dtype,
    pub(crate) n_channels: u64,
}

impl RawData {
    pub(crate) fn total_frames(&self) -> u64 {
        self.starts.last().copied().unwrap_or(0)
    }

    /// Frames `samples` (inside `0..total`) of `channels`, a view when inside one file.
    pub(crate) fn read(
        &self,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let mut parts = Vec::new();
        for (k, (file, layout)) in self.files.iter().enumerate() {
            let (s0, s1) = (self.starts[k], self.starts[k + 1]);
            let lo = samples.start.max(s0);
            let hi = samples.end.min(s1);
            if lo < hi
                || (samples.is_empty() && parts.is_empty() && lo == hi && k + 1 == self.files.len())
            {
                let part = read_layout(self.dtype, layout, file, (lo - s0)..(hi - s0), channels)?;
                parts.push(part);
            }
        }
        match parts.len() {
            0 => read_layout(
                self.dtype,
                &self.files[0].1,
                &self.files[0].0,
                0..0,
                channels,
            ),
            1 => Ok(parts.remove(0)),
            _ => RawArray::concatenate(0, &parts)
                .map(RawArray::into_owned)
                .ok_or_else(|| Error::invalid("cannot join raw data files")),
        }
    }

    /// Drops the pages of frames `samples` (see [`rawio_core::RawIO::release_signal`]).
    pub(crate) fn release(&self, samples: Range<u64>) {
        for (k, (file, layout)) in self.files.iter().enumerate() {
            let (Some(&s0), Some(&s1)) = (self.starts.get(k), self.starts.get(k + 1)) else {
                continue;
            };
            let (lo, hi) = (samples.start.max(s0), samples.end.min(s1));
            if lo < hi {
                layout.release(file, self.dtype, (lo - s0)..(hi - s0));
            }
        }
    }

    /// Waveforms of spikes at `samples` on `channels`: a `[t - nsw/2, t + nsw - nsw/2)`
    /// window (phy's `_extract_waveform`), zero outside the raw data.
    pub(crate) fn waveforms<'a>(
        &self,
        samples: &[i64],
        channels: &[usize],
        nsw: usize,
    ) -> Result<RawWaveforms<'a>> {
        with_dtype!(self.dtype, T => cut_waveforms::<T>(self, samples, channels, nsw))
    }
}

fn read_layout<'f>(
    dtype: Dtype,
    layout: &InterleavedLayout,
    file: &'f MappedFile,
    samples: Range<u64>,
    channels: &ChannelIndexes,
) -> Result<RawChunk<'f>> {
    with_dtype!(dtype, T => layout.read::<T>(file, FORMAT_ID, samples, channels))
}

fn cut_waveforms<'a, T: Sample>(
    raw: &RawData,
    samples: &[i64],
    channels: &[usize],
    nsw: usize,
) -> Result<RawWaveforms<'a>> {
    let nc = channels.len();
    let mut out = Array3::<T>::default((samples.len(), nc, nsw));
    let total = i64::try_from(raw.total_frames()).unwrap_or(i64::MAX);
    let before = (nsw / 2) as i64;
    let sel = ChannelIndexes::from_list(channels.to_vec());
    for (k, &s) in samples.iter().enumerate() {
        let t0 = s.saturating_sub(before);
        let t1 = t0.saturating_add(nsw as i64);
        let lo = t0.clamp(0, total);
        let hi = t1.clamp(0, total);
        if lo >= hi {
            continue;
        }
        let chunk = raw.read((lo as u64)..(hi as u64), &sel)?;
        let Some(view) = chunk.as_typed::<T>() else {
            continue;
        };
        let shift = (lo - t0) as usize;
        let mut dst = out.index_axis_mut(Axis(0), k);
        for (r, row) in view.outer_iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                if let Some(d) = dst.get_mut([c, r + shift]) {
                    *d = v;
                }
            }
        }
    }
    Ok(RawWaveforms::new(out))
}

/// Resolves `dat_path` (each entry: as given if absolute, else relative to the folder (also
/// with Windows `\` separators read as `/`), else its file name inside the folder) and maps
/// the files. Returns a warning instead of an error when the raw data cannot be used.
pub(crate) fn open_raw(dir: &Path, params: &Params) -> (Option<RawData>, Option<String>) {
    if params.dat_path.is_empty() {
        return (None, None);
    }
    let Some(n_channels) = params.n_channels_dat.filter(|&c| c > 0) else {
        return (None, Some("params.py has no valid n_channels_dat".into()));
    };
    let dtype_name = params.dtype.clone().unwrap_or_else(|| "int16".into());
    let Some(dtype) = Dtype::from_numpy(&dtype_name) else {
        return (
            None,
            Some(format!("unsupported raw data dtype {dtype_name:?}")),
        );
    };
    let mut files = Vec::new();
    let mut starts = vec![0u64];
    for entry in &params.dat_path {
        let p = Path::new(entry);
        let base = entry.rsplit(['/', '\\']).next().unwrap_or(entry);
        let slashed = entry.replace('\\', "/");
        let candidates = [
            p.to_path_buf(),
            dir.join(p),
            dir.join(&slashed),
            dir.join(base),
        ];
        let Some(found) = candidates.iter().find(|c| c.is_file()) else {
            return (None, Some(format!("raw data file {entry:?} not found")));
        };
        let file = match MappedFile::open(found) {
            Ok(f) => f,
            Err(e) => return (None, Some(e.to_string())),
        };
        // the declared channel count must be backed by the file: at least one whole frame
        let frame = n_channels.saturating_mul(dtype.size() as u64);
        if frame > file.len().saturating_sub(params.offset) {
            return (
                None,
                Some(format!(
                    "raw data file {entry:?} ({} bytes from offset {}) holds no complete frame of n_channels_dat = {n_channels} {dtype} values",
                    file.len(),
                    params.offset
                )),
            );
        }
        let layout = with_dtype!(dtype, T => InterleavedLayout::for_file::<T>(file.len(), params.offset, n_channels));
        let end = starts
            .last()
            .copied()
            .unwrap_or(0)
            .saturating_add(layout.n_frames);
        starts.push(end);
        files.push((file, layout));
    }
    (
        Some(RawData {
            files,
            starts,
            dtype,
            n_channels,
        }),
        None,
    )
}

/// A position as a JSON array.
pub(crate) fn position_json(p: &[f64]) -> Value {
    Value::from(
        p.iter()
            .map(|&x| rawio_core::json_f64(x))
            .collect::<Vec<_>>(),
    )
}

/// The signal stream `"0"` ("raw") of the raw data and its channels `ch{i}` (gain 1, units
/// unknown), annotated with their local channel index and position when the folder maps
/// them.
pub(crate) fn signal_header(
    raw: &RawData,
    params: &Params,
    geometry: &Geometry,
) -> (SignalStream, Vec<SignalChannel>) {
    let mut sa = Annotations::new();
    sa.insert(
        "files".into(),
        Value::from(
            raw.files
                .iter()
                .map(|(f, _)| f.path().display().to_string())
                .collect::<Vec<_>>(),
        ),
    );
    if let Some(h) = params.hp_filtered {
        sa.insert("hp_filtered".into(), Value::from(h));
    }
    let stream = SignalStream {
        name: "raw".into(),
        id: "0".into(),
        buffer_id: String::new(),
        clock: SampleClock::Regular,
        annotations: sa,
    };
    let channels = (0..raw.n_channels)
        .map(|c| {
            let mut ca = Annotations::new();
            if let Some(l) = geometry.local_of(c) {
                ca.insert("channel_index".into(), Value::from(l as u64));
                if let Some(p) = geometry.position(l) {
                    ca.insert("position".into(), position_json(p));
                }
            }
            SignalChannel {
                name: format!("ch{c}"),
                id: format!("{c}"),
                sampling_rate: params.sample_rate,
                dtype: raw.dtype,
                units: String::new(),
                gain: 1.0,
                offset: 0.0,
                stream_id: "0".into(),
                buffer_id: String::new(),
                annotations: ca,
            }
        })
        .collect();
    (stream, channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(text: &str) -> Params {
        Params::parse(text).unwrap()
    }

    #[test]
    fn concatenated_files_and_zero_padded_waveforms() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // 2 channels of int16; a.dat frames 0..3, b.dat frames 3..5; value = 10 * frame + channel
        let frames = |r: Range<i16>| -> Vec<u8> {
            r.flat_map(|f| [10 * f, 10 * f + 1])
                .flat_map(i16::to_le_bytes)
                .collect()
        };
        std::fs::write(d.join("a.dat"), frames(0..3)).unwrap();
        std::fs::write(d.join("b.dat"), frames(3..5)).unwrap();
        let p = params(
            "sample_rate = 1000\ndat_path = ['a.dat', 'sub\\\\b.dat']\nn_channels_dat = 2\n",
        );
        let (raw, warning) = open_raw(d, &p);
        let raw = raw.unwrap();
        assert_eq!((raw.total_frames(), warning), (5, None));
        let c = raw.read(2..4, &ChannelIndexes::Range(0..2)).unwrap();
        assert_eq!(
            c.as_typed::<i16>().unwrap().as_slice().unwrap(),
            &[20, 21, 30, 31]
        );
        // window [t - 2, t + 2): spike at 1 starts before the data, spike at 4 ends after it
        let wf = raw.waveforms(&[1, 4], &[1], 4).unwrap();
        let wf = wf.as_typed::<i16>().unwrap();
        assert_eq!(wf.shape(), &[2, 1, 4]);
        assert_eq!(
            wf.index_axis(Axis(0), 0)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![0, 1, 11, 21]
        );
        assert_eq!(
            wf.index_axis(Axis(0), 1)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![21, 31, 41, 0]
        );

        let g = Geometry {
            channel_map: Some(vec![1, 0]),
            channel_positions: Some(vec![vec![0.0, 5.0], vec![0.0, 10.0]]),
            templates: None,
            pc_feature_ind: None,
            pc_features: None,
        };
        let (stream, channels) = signal_header(&raw, &p, &g);
        assert_eq!(stream.annotations["files"].as_array().unwrap().len(), 2);
        assert_eq!(channels[0].annotations["channel_index"], Value::from(1));
        assert_eq!(
            channels[0].annotations["position"],
            Value::from(vec![0.0, 10.0])
        );
        assert_eq!(channels[1].sampling_rate, 1000.0);
    }

    #[test]
    fn unusable_raw_data_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let (raw, w) = open_raw(dir.path(), &params("sample_rate = 1\n"));
        assert!(raw.is_none() && w.is_none());
        let (raw, w) = open_raw(dir.path(), &params("sample_rate = 1\ndat_path = 'x.dat'\n"));
        assert!(raw.is_none());
        assert_eq!(w.as_deref(), Some("params.py has no valid n_channels_dat"));
        let p = params(
            "sample_rate = 1\ndat_path = 'x.dat'\nn_channels_dat = 2\ndtype = 'complex64'\n",
        );
        assert!(open_raw(dir.path(), &p).1.unwrap().contains("complex64"));
        let p = params("sample_rate = 1\ndat_path = 'x.dat'\nn_channels_dat = 2\n");
        assert!(open_raw(dir.path(), &p).1.unwrap().contains("not found"));
    }

    /// A declared channel count the raw file cannot hold one frame of (issue 12: 2^40 channels
    /// used to allocate 47 GB of channel descriptions) leaves the raw stream out with a warning.
    #[test]
    fn channel_count_beyond_the_file_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.dat"), [0u8; 64]).unwrap();
        let p = params("sample_rate = 1\ndat_path = 'x.dat'\nn_channels_dat = 1099511627776\n");
        let (raw, w) = open_raw(dir.path(), &p);
        assert!(raw.is_none());
        assert!(
            w.unwrap()
                .contains("holds no complete frame of n_channels_dat = 1099511627776")
        );
        let p = params("sample_rate = 1\ndat_path = 'x.dat'\nn_channels_dat = 32\n");
        assert_eq!(open_raw(dir.path(), &p).0.unwrap().total_frames(), 1);
    }
}
