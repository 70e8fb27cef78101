//! The mapping of generic NIX files (nixio users, the NIX library; neo cannot read them),
//! following `nix-generic-mapping.md`: each NIX block is a rawio block with one segment;
//! 1-D/2-D data arrays with a time dimension are signal streams (range dimensions: explicit
//! clocks); multi-tags, tags and self-timed arrays are event or epoch channels; everything
//! else is listed under the block annotation `not_mapped` with the reason.
//!
//! One deviation from the written mapping, for real files: streams and event channels are the
//! union over the blocks (by name, in order of first appearance), not the first block's only,
//! because files such as the NIX tutorial's hold different arrays in each block; a block
//! without a stream has no samples of it (size 0) and no events of a channel it lacks.

use crate::mapping::{
    BlockData, EventSegment, Mapping, Samples, SegmentData, StreamSegment, Ticks, not_mapped,
    push_not_mapped, ticks_from,
};
use crate::model::{self, Block, DataArray, Dimension, Entity, Model, MultiTag, Tag};
use crate::sections::section_json;
use crate::units::{Scale, time_unit};
use rawio_core::{
    Annotations, Dtype, EventChannel, EventKind, RateSource, Result, SampleClock, SignalChannel,
    SignalStream,
};
use rawio_hdf5::{ChannelsFirst, H5File, SignalData};
use serde_json::Value as Json;
use std::collections::HashSet;

/// How a candidate signal's samples are timed.
#[derive(Debug, Clone)]
enum Timing {
    /// Sampled: rate (Hz) and first sample time (s).
    Regular { rate: f64, t_start: f64 },
    /// Range dimension: the ticks dataset path and seconds per tick unit.
    Explicit { ticks: String, scale: Scale },
}

/// A data array that maps to a signal stream.
#[derive(Debug, Clone)]
struct SignalCandidate<'a> {
    da: &'a DataArray,
    /// Index of the time dimension (0: samples × channels; 1: channels × samples).
    time_axis: usize,
    channels: u64,
    labels: Vec<String>,
    dtype: Dtype,
    timing: Timing,
    gain: f64,
    offset: f64,
}

/// An object that maps to an event channel.
#[derive(Debug, Clone)]
enum EventSource<'a> {
    Multi(&'a MultiTag),
    Single(&'a Tag),
    Array(&'a DataArray),
}

impl EventSource<'_> {
    fn entity(&self) -> &Entity {
        match self {
            EventSource::Multi(t) => &t.entity,
            EventSource::Single(t) => &t.entity,
            EventSource::Array(d) => &d.entity,
        }
    }

    fn kind(&self) -> EventKind {
        match self {
            EventSource::Multi(t) if t.extents.is_some() => EventKind::Epoch,
            EventSource::Single(_) => EventKind::Epoch,
            _ => EventKind::Event,
        }
    }

    /// `(category, name)`: what identifies the channel across blocks.
    fn key(&self) -> (u8, String) {
        let c = match self {
            EventSource::Multi(_) => 0,
            EventSource::Single(_) => 1,
            EventSource::Array(_) => 2,
        };
        (c, self.entity().name.clone())
    }
}

/// A block's arrays and tags, classified.
struct Classified<'a> {
    signals: Vec<SignalCandidate<'a>>,
    events: Vec<EventSource<'a>>,
    not_mapped: Vec<Json>,
}

fn skip(da: &DataArray, reason: impl Into<String>) -> Json {
    not_mapped(&da.entity.path, &da.entity.name, &da.entity.kind, reason)
}

/// The time dimension: the first sampled or range descriptor among the first `ndim` whose
/// unit is a time unit.
fn time_dimension(da: &DataArray) -> Option<(usize, &Dimension)> {
    da.dims
        .iter()
        .take(da.shape.len())
        .enumerate()
        .find(|(_, d)| {
            matches!(d, Dimension::Sampled { .. } | Dimension::Range { .. })
                && d.time_scale().is_some()
        })
}

/// Whether the array's first dimension is a range dimension linked to the array itself.
fn self_timed(da: &DataArray) -> bool {
    matches!(
        da.dims.first(),
        Some(Dimension::Range { ticks: model::Ticks::Linked { array }, .. }) if *array == da.entity.address
    )
}

/// Gain and offset from `polynom_coefficients` and `expansion_origin`: `c1` and `c0 − c1 ×
/// origin`; `None` for polynomials of degree 2 or more (not linear).
fn linear(da: &DataArray) -> Option<(f64, f64)> {
    let c = &da.coefficients;
    if c.iter().skip(2).any(|&x| x != 0.0) {
        return None;
    }
    let c0 = c.first().copied().unwrap_or(0.0);
    let c1 = match c.len() {
        0 => 1.0,
        1 => 0.0,
        _ => c.get(1).copied().unwrap_or(1.0),
    };
    Some((c1, c0 - c1 * da.expansion_origin))
}

/// The ticks dataset of a range dimension (stored, or the 1-D array it links to).
fn ticks_path<'a>(block: &'a Block, dim: &'a Dimension) -> Option<(&'a str, String)> {
    let Dimension::Range { ticks, unit, .. } = dim else {
        return None;
    };
    match ticks {
        model::Ticks::Stored { path, .. } => Some((path.as_str(), unit.clone())),
        model::Ticks::Linked { array } => {
            let a = block.array(*array)?;
            (a.shape.len() == 1).then(|| (a.data.as_str(), a.unit.clone()))
        }
    }
}

/// Classifies one data array that is not a tag's positions or extents.
fn classify_array<'a>(
    block: &'a Block,
    da: &'a DataArray,
) -> std::result::Result<SignalCandidate<'a>, Json> {
    let Some((axis, dim)) = time_dimension(da) else {
        return Err(skip(
            da,
            "no time dimension (a sampled or range dimension with a time unit)",
        ));
    };
    let ndim = da.shape.len();
    if ndim > 2 {
        return Err(skip(da, format!("{ndim}-D data")));
    }
    let Some(dtype) = da.dtype else {
        return Err(skip(da, "not numeric data"));
    };
    let (channels, labels) = if ndim == 2 {
        let labels = match da.dims.get(1 - axis) {
            Some(Dimension::Set { labels }) => labels.clone(),
            None => Vec::new(),
            Some(_) => {
                return Err(skip(
                    da,
                    "2-D data whose other dimension is not a set of channels",
                ));
            }
        };
        (da.shape.get(1 - axis).copied().unwrap_or(0), labels)
    } else {
        (1, Vec::new())
    };
    let Some((gain, offset)) = linear(da) else {
        return Err(skip(
            da,
            "polynom_coefficients of degree 2 or more (not a linear gain)",
        ));
    };
    let scale = dim.time_scale().unwrap_or(Scale::SECONDS);
    let timing = match dim {
        Dimension::Sampled {
            interval, offset, ..
        } => {
            let rate = scale.rate(*interval);
            if !(rate.is_finite() && rate > 0.0) {
                return Err(skip(
                    da,
                    format!("sampling interval {interval} is not positive"),
                ));
            }
            Timing::Regular {
                rate,
                t_start: scale.seconds(*offset),
            }
        }
        _ => match ticks_path(block, dim) {
            Some((p, _)) => Timing::Explicit {
                ticks: p.to_owned(),
                scale,
            },
            None => {
                return Err(skip(
                    da,
                    "range dimension linked to an array that is not 1-D",
                ));
            }
        },
    };
    Ok(SignalCandidate {
        da,
        time_axis: axis,
        channels,
        labels,
        dtype,
        timing,
        gain,
        offset,
    })
}

fn classify(block: &Block) -> Classified<'_> {
    let mut c = Classified {
        signals: Vec::new(),
        events: Vec::new(),
        not_mapped: Vec::new(),
    };
    let tag_arrays: HashSet<u64> = block
        .multi_tags
        .iter()
        .flat_map(|t| t.positions.into_iter().chain(t.extents))
        .collect();
    c.events
        .extend(block.multi_tags.iter().map(EventSource::Multi));
    c.events.extend(block.tags.iter().map(EventSource::Single));
    for da in &block.data_arrays {
        if tag_arrays.contains(&da.entity.address) {
            continue;
        }
        if self_timed(da) {
            if da.shape.len() == 1 && da.dtype.is_some() {
                c.events.push(EventSource::Array(da));
            } else {
                c.not_mapped
                    .push(skip(da, "self-timed array that is not 1-D numeric"));
            }
            continue;
        }
        match classify_array(block, da) {
            Ok(s) => c.signals.push(s),
            Err(e) => c.not_mapped.push(e),
        }
    }
    for (p, what) in &block.other {
        c.not_mapped.push(not_mapped(p, "", "", what.clone()));
    }
    c
}

/// The mapping step by step: classify each block, define the streams and event channels
/// (union by name), then each block's data.
pub fn map(h: &H5File, model: &Model) -> Result<Mapping> {
    let classified: Vec<Classified> = model.blocks.iter().map(classify).collect();
    let mut m = Mapping::default();
    let mut stream_defs: Vec<SignalCandidate> = Vec::new();
    for c in &classified {
        for s in &c.signals {
            if !stream_defs
                .iter()
                .any(|d| d.da.entity.name == s.da.entity.name)
            {
                define_stream(h, &mut m, s)?;
                stream_defs.push(s.clone());
            }
        }
    }
    let mut event_defs: Vec<((u8, String), EventKind)> = Vec::new();
    for c in &classified {
        for e in &c.events {
            if !event_defs.iter().any(|(k, _)| *k == e.key()) {
                m.events.push(EventChannel {
                    name: e.entity().name.clone(),
                    id: e.entity().name.clone(),
                    kind: e.kind(),
                    annotations: entity_annotations(h, e.entity())?,
                });
                event_defs.push((e.key(), e.kind()));
            }
        }
    }
    for (block, c) in model.blocks.iter().zip(&classified) {
        let bd = block_data(h, model, block, c, &stream_defs, &event_defs)?;
        m.blocks.push(bd);
    }
    Ok(m)
}

/// Annotations of an entity: NIX type, path, definition and its metadata section.
fn entity_annotations(h: &H5File, e: &Entity) -> Result<Annotations> {
    let mut a = Annotations::new();
    a.insert("nix_type".into(), e.kind.clone().into());
    a.insert("nix_path".into(), e.path.clone().into());
    if !e.id.is_empty() {
        a.insert("nix_id".into(), e.id.clone().into());
    }
    if let Some(d) = &e.definition {
        a.insert("definition".into(), d.clone().into());
    }
    if let Some(p) = &e.metadata {
        a.insert("metadata".into(), Json::Object(section_json(h, p)?));
    }
    Ok(a)
}

fn define_stream(h: &H5File, m: &mut Mapping, s: &SignalCandidate) -> Result<()> {
    let id = s.da.entity.name.clone();
    let (rate, clock) = match &s.timing {
        Timing::Regular { rate, .. } => (*rate, SampleClock::Regular),
        Timing::Explicit { ticks, scale } => (
            ticks_from(h.dataset(ticks)?, *scale)?.rate,
            SampleClock::Explicit {
                rate_source: RateSource::MedianInterval,
            },
        ),
    };
    let mut annotations = entity_annotations(h, &s.da.entity)?;
    annotations.insert("label".into(), s.da.label.clone().into());
    if !s.da.coefficients.is_empty() {
        annotations.insert(
            "polynom_coefficients".into(),
            s.da.coefficients.clone().into(),
        );
        annotations.insert(
            "expansion_origin".into(),
            rawio_core::json_f64(s.da.expansion_origin),
        );
    }
    if !s.da.sources.is_empty() {
        annotations.insert("sources".into(), s.da.sources.clone().into());
    }
    if s.time_axis == 1 {
        annotations.insert("channels_first".into(), true.into());
    }
    m.streams.push(SignalStream {
        name: id.clone(),
        id: id.clone(),
        buffer_id: String::new(),
        clock,
        annotations,
    });
    let n = usize::try_from(s.channels).unwrap_or(0);
    let labelled = s.labels.len() == n && s.labels.iter().collect::<HashSet<_>>().len() == n;
    for c in 0..n {
        let (name, cid) = if s.da.shape.len() == 1 {
            (s.da.entity.name.clone(), "0".to_owned())
        } else if labelled {
            let l = s.labels.get(c).cloned().unwrap_or_default();
            (l.clone(), l)
        } else {
            (c.to_string(), c.to_string())
        };
        m.channels.push(SignalChannel {
            name,
            id: cid,
            sampling_rate: rate,
            dtype: s.dtype,
            units: s.da.unit.clone(),
            gain: s.gain,
            offset: s.offset,
            stream_id: id.clone(),
            buffer_id: String::new(),
            annotations: Annotations::new(),
        });
    }
    Ok(())
}

/// Whether `s` can stand for the stream defined by `def` (same channels, dtype, clock and,
/// for regular clocks, rate).
fn same_stream(def: &SignalCandidate, s: &SignalCandidate) -> bool {
    let clock = match (&def.timing, &s.timing) {
        (Timing::Regular { rate: a, .. }, Timing::Regular { rate: b, .. }) => a == b,
        (Timing::Explicit { .. }, Timing::Explicit { .. }) => true,
        _ => false,
    };
    clock
        && def.channels == s.channels
        && def.dtype == s.dtype
        && def.gain == s.gain
        && def.offset == s.offset
        && def.da.shape.len() == s.da.shape.len()
}

fn stream_segment(h: &H5File, s: &SignalCandidate) -> Result<StreamSegment> {
    let ds = h.dataset(&s.da.data)?;
    let samples = if s.time_axis == 1 {
        Samples::Columns(ChannelsFirst::new(ds)?)
    } else {
        Samples::Rows(SignalData::new(ds)?)
    };
    let mut size = samples.len();
    let (t_start, ticks) = match &s.timing {
        Timing::Regular { t_start, .. } => (*t_start, None),
        Timing::Explicit { ticks, scale } => {
            let t: Ticks = ticks_from(h.dataset(ticks)?, *scale)?;
            size = size.min(t.data.len());
            (t.first_last.0, Some(t))
        }
    };
    Ok(StreamSegment {
        samples,
        size,
        t_start,
        ticks,
    })
}

fn block_data(
    h: &H5File,
    model: &Model,
    block: &Block,
    c: &Classified,
    stream_defs: &[SignalCandidate],
    event_defs: &[((u8, String), EventKind)],
) -> Result<BlockData> {
    let mut annotations = block_annotations(h, model, block)?;
    for e in &c.not_mapped {
        push_not_mapped(&mut annotations, e.clone());
    }
    let mut seg = SegmentData::default();
    for def in stream_defs {
        let here = c
            .signals
            .iter()
            .find(|s| s.da.entity.name == def.da.entity.name);
        seg.streams.push(match here {
            Some(s) if same_stream(def, s) => Some(stream_segment(h, s)?),
            Some(s) => {
                let e = skip(
                    s.da,
                    format!(
                        "its channels, dtype, gain or clock differ from the stream defined by {}",
                        def.da.entity.path
                    ),
                );
                push_not_mapped(&mut annotations, e);
                None
            }
            None => None,
        });
    }
    for (key, kind) in event_defs {
        let here = c.events.iter().find(|e| e.key() == *key);
        let data = match here {
            Some(e) if e.kind() == *kind => match event_segment(h, block, e)? {
                Ok(d) => d,
                Err(reason) => {
                    let en = e.entity();
                    push_not_mapped(
                        &mut annotations,
                        not_mapped(&en.path, &en.name, &en.kind, reason),
                    );
                    EventSegment::default()
                }
            },
            _ => EventSegment::default(),
        };
        seg.events.push(data);
    }
    Ok(BlockData {
        segments: vec![seg],
        annotations,
    })
}

fn block_annotations(h: &H5File, model: &Model, block: &Block) -> Result<Annotations> {
    let mut a = entity_annotations(h, &block.entity)?;
    a.insert("name".into(), block.entity.name.clone().into());
    a.insert("nix_version".into(), model.version.clone().into());
    let mut groups = Annotations::new();
    for g in &block.groups {
        let names = |addrs: &[u64], f: &dyn Fn(u64) -> Option<String>| -> Json {
            addrs
                .iter()
                .filter_map(|&x| f(x))
                .collect::<Vec<_>>()
                .into()
        };
        let da = |x: u64| block.array(x).map(|d| d.entity.name.clone());
        let mt = |x: u64| block.multi_tag(x).map(|d| d.entity.name.clone());
        let tg = |x: u64| {
            block
                .tags
                .iter()
                .find(|t| t.entity.address == x)
                .map(|t| t.entity.name.clone())
        };
        groups.insert(
            g.entity.name.clone(),
            serde_json::json!({
                "type": g.entity.kind,
                "data_arrays": names(&g.data_arrays, &da),
                "tags": names(&g.tags, &tg),
                "multi_tags": names(&g.multi_tags, &mt),
            }),
        );
    }
    if !groups.is_empty() {
        a.insert("groups".into(), Json::Object(groups));
    }
    Ok(a)
}

/// The column of 2-D positions/extents holding times: the time dimension of the first
/// referenced array (0 when unknown), with that array's time unit.
fn reference_time<'a>(block: &'a Block, refs: &[u64]) -> (usize, Option<&'a str>) {
    let Some(da) = refs.first().and_then(|&a| block.array(a)) else {
        return (0, None);
    };
    match time_dimension(da) {
        Some((i, Dimension::Sampled { unit, .. } | Dimension::Range { unit, .. })) => {
            (i, Some(unit.as_str()))
        }
        _ => (0, None),
    }
}

/// The time unit of the first non-empty candidate (seconds when all are empty); `Err`
/// when that unit is not a time unit.
fn time_scale(candidates: &[Option<&str>]) -> std::result::Result<Scale, String> {
    match candidates.iter().flatten().find(|u| !u.is_empty()) {
        None => Ok(Scale::SECONDS),
        Some(u) => time_unit(u).ok_or_else(|| format!("its time unit {u:?} is not a time unit")),
    }
}

/// Column `col` of a positions/extents array (1-D: the values).
fn column(h: &H5File, da: &DataArray, col: usize) -> Result<Vec<f64>> {
    let a = h.dataset(&da.data)?.read_f64_array()?;
    Ok(match a.shape.as_slice() {
        [_, k] if *k > 0 => {
            let c = col.min(k - 1);
            a.values.iter().skip(c).step_by(*k).copied().collect()
        }
        _ => a.values,
    })
}

/// The events of one source in one block (`Ok(Err(reason))` when its unit is not a time).
fn event_segment(
    h: &H5File,
    block: &Block,
    e: &EventSource,
) -> Result<std::result::Result<EventSegment, String>> {
    let name = e.entity().name.clone();
    Ok(Ok(match e {
        EventSource::Multi(t) => {
            let Some(pos) = t.positions.and_then(|a| block.array(a)) else {
                return Ok(Err("a multi-tag without positions".into()));
            };
            let (col, ref_unit) = reference_time(block, &t.references);
            let unit = t.units.get(col).map(String::as_str);
            let scale = match time_scale(&[unit, Some(&pos.unit), ref_unit]) {
                Ok(s) => s,
                Err(r) => return Ok(Err(r)),
            };
            let times: Vec<f64> = column(h, pos, col)?
                .iter()
                .map(|&v| scale.seconds(v))
                .collect();
            let durations = match t.extents.and_then(|a| block.array(a)) {
                Some(ext) => {
                    let ds = match time_scale(&[unit, Some(&ext.unit), Some(&pos.unit), ref_unit]) {
                        Ok(s) => s,
                        Err(r) => return Ok(Err(r)),
                    };
                    let mut d: Vec<f64> = column(h, ext, col)?
                        .iter()
                        .map(|&v| ds.seconds(v))
                        .collect();
                    d.resize(times.len(), 0.0);
                    Some(d)
                }
                None => None,
            };
            let labels = match pos.dims.first() {
                Some(Dimension::Set { labels }) if labels.len() == times.len() => labels.clone(),
                _ => vec![name; times.len()],
            };
            EventSegment {
                times,
                durations,
                labels,
            }
        }
        EventSource::Single(t) => {
            let (col, ref_unit) = reference_time(block, &t.references);
            let col = if col < t.position.len() { col } else { 0 };
            let unit = t.units.get(col).map(String::as_str);
            let scale = match time_scale(&[unit, ref_unit]) {
                Ok(s) => s,
                Err(r) => return Ok(Err(r)),
            };
            let Some(p) = t.position.get(col) else {
                return Ok(Err("a tag without position".into()));
            };
            let d = t.extent.get(col).copied().unwrap_or(0.0);
            EventSegment {
                times: vec![scale.seconds(*p)],
                durations: Some(vec![scale.seconds(d)]),
                labels: vec![name],
            }
        }
        EventSource::Array(da) => {
            let scale = match time_scale(&[Some(&da.unit)]) {
                Ok(s) => s,
                Err(r) => return Ok(Err(r)),
            };
            let times: Vec<f64> = column(h, da, 0)?
                .iter()
                .map(|&v| scale.seconds(v))
                .collect();
            EventSegment {
                labels: vec![name; times.len()],
                times,
                durations: None,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(coefficients: Vec<f64>, origin: f64) -> DataArray {
        DataArray {
            entity: Entity::default(),
            unit: String::new(),
            label: String::new(),
            data: String::new(),
            shape: vec![4],
            dtype: Some(Dtype::Int16),
            dims: Vec::new(),
            coefficients,
            expansion_origin: origin,
            sources: Vec::new(),
        }
    }

    #[test]
    fn polynomials_give_gain_and_offset() {
        assert_eq!(linear(&array(vec![], 0.0)), Some((1.0, 0.0)));
        assert_eq!(linear(&array(vec![2.0, 0.5], 4.0)), Some((0.5, 0.0)));
        assert_eq!(linear(&array(vec![3.0], 0.0)), Some((0.0, 3.0)));
        assert_eq!(linear(&array(vec![0.0, 1.0, 0.0], 0.0)), Some((1.0, 0.0)));
        assert_eq!(linear(&array(vec![0.0, 1.0, 0.1], 0.0)), None);
    }

    #[test]
    fn units_fall_back_in_order() {
        assert_eq!(
            time_scale(&[None, Some(""), Some("ms")])
                .unwrap()
                .seconds(5.0),
            0.005
        );
        assert_eq!(
            time_scale(&[Some("s"), Some("ms")]).unwrap().seconds(5.0),
            5.0
        );
        assert_eq!(time_scale(&[None, Some("")]).unwrap(), Scale::SECONDS);
        assert!(time_scale(&[Some("mV")]).is_err());
    }
}
