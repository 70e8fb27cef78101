//! [`NixReader`]: a NIX file as a [`RawIO`]. Opening is the pipeline of the `open` module.

use crate::mapping::{SegmentData, StreamSegment, UnitSegment};
use crate::model::Model;
use crate::open::{self, Kind};
use ndarray::{Array1, Array3, ArrayView1, IxDyn};
use rawio_core::{
    ChannelIndexes, Error, Events, Header, RawArray, RawChunk, RawIO, RawTimestamps, RawWaveforms,
    Result, SampleTimes, TimeBase,
};
use rawio_hdf5::H5File;
use std::ops::Range;
use std::path::Path;

/// A NIX file read as a RawIO: neo-written files with neo's names and ids, other files with
/// the generic mapping (see the crate documentation).
///
/// Opening reads the NIX tree, the metadata sections, spike and event times; signal samples
/// and explicit sample times are read on demand by hyperslab (HDF5 reads are buffered: there
/// is no mapping to release).
pub struct NixReader {
    h: H5File,
    kind: Kind,
    header: Header,
    /// `[block][segment]`.
    data: Vec<Vec<SegmentData>>,
}

impl std::fmt::Debug for NixReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NixReader")
            .field("path", &self.h.path())
            .field("kind", &self.kind)
            .field("blocks", &self.data.len())
            .finish()
    }
}

impl NixReader {
    /// Opens a NIX file: open the HDF5 file, read the NIX tree, detect neo-written or
    /// generic, map, assemble the header (see "Opening, step by step").
    pub fn open(path: impl AsRef<Path>) -> Result<NixReader> {
        let h = open::open_file(path.as_ref())?;
        let model = Model::read(&h)?;
        let kind = open::detect(&model);
        let mapping = match kind {
            Kind::Neo => crate::neo::map(&h, &model)?,
            Kind::Generic => crate::generic::map(&h, &model)?,
        };
        let (header, data) = mapping.into_header()?;
        Ok(NixReader {
            h,
            kind,
            header,
            data,
        })
    }

    /// Whether the file was written by neo's `NixIO` (neo's naming) rather than generic.
    pub fn is_neo(&self) -> bool {
        self.kind == Kind::Neo
    }

    /// The underlying HDF5 file.
    pub fn hdf5(&self) -> &H5File {
        &self.h
    }

    fn seg(&self, block: usize, seg: usize) -> Result<&SegmentData> {
        self.data
            .get(block)
            .and_then(|b| b.get(seg))
            .ok_or_else(|| Error::out_of_range("segment", seg, 0))
    }

    fn stream(&self, block: usize, seg: usize, stream: usize) -> Result<Option<&StreamSegment>> {
        Ok(self
            .seg(block, seg)?
            .streams
            .get(stream)
            .and_then(Option::as_ref))
    }

    fn unit(&self, block: usize, seg: usize, unit: usize) -> Result<&UnitSegment> {
        let s = self.seg(block, seg)?;
        s.units
            .get(unit)
            .ok_or_else(|| Error::out_of_range("spike channel", unit, s.units.len()))
    }
}

impl RawIO for NixReader {
    fn format_id(&self) -> &'static str {
        crate::FORMAT_ID
    }

    fn source_name(&self) -> String {
        self.h.path().display().to_string()
    }

    fn header(&self) -> &Header {
        &self.header
    }

    fn read_signal_size(&self, block: usize, seg: usize, stream: usize) -> Result<u64> {
        Ok(self.stream(block, seg, stream)?.map_or(0, |s| s.size))
    }

    fn read_signal_t_start(&self, block: usize, seg: usize, stream: usize) -> Result<f64> {
        match self.stream(block, seg, stream)? {
            Some(s) => Ok(s.t_start),
            None => Ok(self.header.segment(block, seg)?.t_start),
        }
    }

    fn read_signal_chunk(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
        channels: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        match self.stream(block, seg, stream)? {
            Some(s) => s.samples.read(samples, channels),
            None if samples.is_empty() => {
                let chans = self.header.stream_channels(stream)?;
                let dtype = chans
                    .first()
                    .map_or(rawio_core::Dtype::Float64, |c| c.dtype);
                let n = match channels {
                    ChannelIndexes::Range(r) => r.len(),
                    ChannelIndexes::List(l) => l.len(),
                };
                Ok(crate::mapping::empty_chunk(dtype, n))
            }
            None => Err(Error::out_of_range("sample", samples.end, 1)),
        }
    }

    fn read_signal_times(
        &self,
        block: usize,
        seg: usize,
        stream: usize,
        samples: Range<u64>,
    ) -> Result<SampleTimes<'_>> {
        let s = self.stream(block, seg, stream)?;
        match s.and_then(|s| s.ticks.as_ref()) {
            Some(t) => Ok(SampleTimes::from(t.read(samples)?)),
            None if samples.is_empty() => Ok(SampleTimes::from(Array1::zeros(0))),
            None => Err(Error::out_of_range("sample", samples.end, 1)),
        }
    }

    fn read_spike_count(&self, block: usize, seg: usize, unit: usize) -> Result<u64> {
        Ok(self.unit(block, seg, unit)?.times.len() as u64)
    }

    fn spike_time_base(&self) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_spike_timestamps(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
    ) -> Result<RawTimestamps<'_>> {
        let u = self.unit(block, seg, unit)?;
        Ok(RawTimestamps::new(ArrayView1::from(&u.times[..])))
    }

    fn read_spike_waveforms(
        &self,
        block: usize,
        seg: usize,
        unit: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        let u = self.unit(block, seg, unit)?;
        let Some(wf) = &u.waveforms else {
            return Ok(None);
        };
        let stored: Vec<usize> = spikes
            .clone()
            .map(|k| {
                u.order
                    .as_ref()
                    .and_then(|o| o.get(k).copied())
                    .unwrap_or(k)
            })
            .collect();
        let (nch, nsamp) = match wf.shape() {
            [_, c, s] => (
                usize::try_from(*c).unwrap_or(0),
                usize::try_from(*s).unwrap_or(0),
            ),
            _ => return Ok(None),
        };
        let (Some(&lo), Some(&hi)) = (stored.iter().min(), stored.iter().max()) else {
            let z: Array3<f64> = Array3::zeros((0, nch, nsamp));
            let a = RawArray::new(z);
            let dt = wf.element_type().numeric_dtype();
            return Ok(Some(match dt {
                Some(rawio_core::Dtype::Float32) => RawArray::new(a.to_f32()),
                _ => a,
            }));
        };
        let block = wf.read_rows(lo as u64..hi as u64 + 1)?;
        let rows: Vec<usize> = stored.iter().map(|&i| i - lo).collect();
        let picked = block.select(0, &rows);
        let n = rows.len();
        Ok(Some(rawio_core::dispatch_raw!(picked, x => {
            let x = x.into_owned();
            RawArray::new(
                x.into_shape_with_order(IxDyn(&[n, nch, nsamp]))
                    .and_then(|y| y.into_dimensionality::<ndarray::Ix3>())
                    .map_err(|e| wf.corrupt(e))?,
            )
        })))
    }

    fn read_event_count(&self, block: usize, seg: usize, ev: usize) -> Result<u64> {
        Ok(self
            .seg(block, seg)?
            .events
            .get(ev)
            .map_or(0, |e| e.times.len() as u64))
    }

    fn event_time_base(&self, _: usize) -> TimeBase {
        TimeBase::SECONDS
    }

    fn read_events(&self, block: usize, seg: usize, ev: usize) -> Result<Events<'_>> {
        let s = self.seg(block, seg)?;
        let e = s
            .events
            .get(ev)
            .ok_or_else(|| Error::out_of_range("event channel", ev, s.events.len()))?;
        Ok(Events {
            timestamps: RawTimestamps::new(ArrayView1::from(&e.times[..])),
            durations: e
                .durations
                .as_ref()
                .map(|d| RawTimestamps::new(ArrayView1::from(&d[..]))),
            labels: e.labels.clone(),
        })
    }
}
