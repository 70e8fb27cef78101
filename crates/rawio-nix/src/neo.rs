//! The mapping of files written by neo's `NixIO`, following neo 0.14.6's `NIXRawIO` for names
//! and ids, and correct where neo is not (see `docs/neo-differences.md`).
//!
//! neo writes a Block as a NIX block of type `neo.block`, each Segment as a group of type
//! `neo.segment`, each AnalogSignal as one DataArray per channel named
//! `neo.analogsignal.<id>.<channel>` (type `neo.analogsignal`), IrregularlySampledSignals
//! likewise (range dimension), SpikeTrains, Events and Epochs as multi-tags (`neo.spiketrain`,
//! `neo.event`, `neo.epoch`) whose positions (and extents) are data arrays, waveforms as a
//! feature data array (`neo.waveforms`), and names and annotations as metadata properties
//! (`neo_name`, ...). Streams, units and event channels are defined by the first segment of
//! the first block; the k-th signal (spike train, event or epoch) of any other segment is the
//! k-th of the first.

use crate::mapping::{
    BlockData, EventSegment, Mapping, SegmentData, StreamSegment, UnitSegment, not_mapped,
    push_not_mapped, sort_times, ticks_from,
};
use crate::model::{Block, DataArray, Dimension, Model, MultiTag, NixGroup};
use crate::sections::{Property, properties};
use crate::units::{Scale, time_unit};
use rawio_core::{
    Annotations, EventChannel, EventKind, RateSource, Result, SampleClock, SignalChannel,
    SignalStream, SpikeChannel,
};
use rawio_hdf5::{H5File, SignalData};
use serde_json::Value as Json;
use std::collections::HashMap;

/// neo's attributes stored as properties, left out of annotations (neo's `neo_attributes`).
fn is_neo_attribute(kind: &str, name: &str) -> bool {
    let list: &[&str] = match kind {
        "segment" => &["index"],
        "signal" => &["units", "copy", "sampling_rate", "t_start"],
        "spiketrain" => &[
            "units",
            "copy",
            "sampling_rate",
            "t_start",
            "t_stop",
            "waveforms",
            "left_sweep",
        ],
        "event" => &["times", "labels", "units", "durations", "copy"],
        _ => &[],
    };
    name == "neo_name" || list.contains(&name)
}

/// Section properties, read once per section path.
struct Sections<'a> {
    h: &'a H5File,
    cache: HashMap<String, Vec<Property>>,
}

impl<'a> Sections<'a> {
    fn props(&mut self, section: Option<&str>) -> Result<&[Property]> {
        let Some(p) = section else {
            return Ok(&[]);
        };
        if !self.cache.contains_key(p) {
            let v = properties(self.h, p)?;
            self.cache.insert(p.to_owned(), v);
        }
        Ok(self.cache.get(p).map_or(&[], Vec::as_slice))
    }

    /// The `neo_name` property (empty when absent).
    fn neo_name(&mut self, section: Option<&str>) -> Result<String> {
        Ok(self
            .props(section)?
            .iter()
            .find(|p| p.name == "neo_name")
            .map(|p| match &p.values {
                Json::String(s) => s.clone(),
                Json::Array(v) if v.is_empty() => String::new(),
                other => other.to_string(),
            })
            .unwrap_or_default())
    }

    /// A numeric property in seconds (its unit, else `default_unit`), `None` when absent.
    fn seconds(
        &mut self,
        section: Option<&str>,
        name: &str,
        default_unit: &str,
    ) -> Result<Option<f64>> {
        let Some(p) = self.props(section)?.iter().find(|p| p.name == name) else {
            return Ok(None);
        };
        let unit = if p.unit.is_empty() {
            default_unit
        } else {
            &p.unit
        };
        let v = match &p.values {
            Json::Array(v) => v.first().and_then(Json::as_f64),
            other => other.as_f64(),
        };
        Ok(v.zip(time_unit(unit)).map(|(v, s)| s.seconds(v)))
    }

    /// Annotations of an object of neo kind `kind`: `name` (neo_name), `nix_name`,
    /// `description`, and the properties that are not neo attributes (array annotations
    /// under `__array_annotations__`).
    fn annotations(&mut self, e: &crate::model::Entity, kind: &str) -> Result<Annotations> {
        let mut a = Annotations::new();
        a.insert("name".into(), self.neo_name(e.metadata.as_deref())?.into());
        a.insert("nix_name".into(), e.name.clone().into());
        if let Some(d) = &e.definition {
            a.insert("description".into(), d.clone().into());
        }
        let mut arrays = Annotations::new();
        for p in self.props(e.metadata.as_deref())? {
            if is_neo_attribute(kind, &p.name) {
                continue;
            }
            if p.kind == "ARRAYANNOTATION" {
                arrays.insert(p.name.clone(), p.values.clone());
            } else {
                a.insert(p.name.clone(), p.values.clone());
            }
        }
        if !arrays.is_empty() {
            a.insert("__array_annotations__".into(), Json::Object(arrays));
        }
        Ok(a)
    }
}

/// The objects of one neo segment (a `neo.segment` group), in the group's order.
struct NeoSegment<'a> {
    block: &'a Block,
    group: &'a NixGroup,
    /// Regular signals: (neo signal id, [(index among the group's data arrays, array)]).
    signals: Vec<(String, Vec<(usize, &'a DataArray)>)>,
    /// Irregularly sampled signals, grouped likewise.
    irregular: Vec<(String, Vec<(usize, &'a DataArray)>)>,
    spiketrains: Vec<&'a MultiTag>,
    /// Events and epochs, in order.
    events: Vec<&'a MultiTag>,
}

/// The neo signal id of a data array name (`neo.analogsignal.<id>.<channel>` → `<id>`).
fn signal_id(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    parts
        .len()
        .checked_sub(2)
        .and_then(|i| parts.get(i))
        .map_or_else(|| name.to_owned(), |s| (*s).to_owned())
}

fn push_grouped<'a>(
    list: &mut Vec<(String, Vec<(usize, &'a DataArray)>)>,
    idx: usize,
    da: &'a DataArray,
) {
    let id = signal_id(&da.entity.name);
    match list.iter_mut().find(|(k, _)| *k == id) {
        Some((_, v)) => v.push((idx, da)),
        None => list.push((id, vec![(idx, da)])),
    }
}

impl<'a> NeoSegment<'a> {
    fn of(block: &'a Block, group: &'a NixGroup) -> NeoSegment<'a> {
        let mut s = NeoSegment {
            block,
            group,
            signals: Vec::new(),
            irregular: Vec::new(),
            spiketrains: Vec::new(),
            events: Vec::new(),
        };
        for (idx, addr) in group.data_arrays.iter().enumerate() {
            let Some(da) = block.array(*addr) else {
                continue;
            };
            match da.entity.kind.as_str() {
                "neo.analogsignal" => push_grouped(&mut s.signals, idx, da),
                "neo.irregularlysampledsignal" => push_grouped(&mut s.irregular, idx, da),
                _ => {}
            }
        }
        for addr in &group.multi_tags {
            let Some(mt) = block.multi_tag(*addr) else {
                continue;
            };
            match mt.entity.kind.as_str() {
                "neo.spiketrain" => s.spiketrains.push(mt),
                "neo.event" | "neo.epoch" => s.events.push(mt),
                _ => {}
            }
        }
        s
    }
}

/// The segments (`neo.segment` groups) of a block.
fn segments(block: &Block) -> Vec<NeoSegment<'_>> {
    block
        .groups
        .iter()
        .filter(|g| g.entity.kind == "neo.segment")
        .map(|g| NeoSegment::of(block, g))
        .collect()
}

/// The time dimension of a neo array: the one labelled `time` (neo's `_get_time_dimension`),
/// else the first sampled or range one.
fn time_dim(da: &DataArray) -> Option<&Dimension> {
    da.dims
        .iter()
        .find(|d| match d {
            Dimension::Sampled { label, .. } | Dimension::Range { label, .. } => label == "time",
            _ => false,
        })
        .or_else(|| {
            da.dims
                .iter()
                .find(|d| matches!(d, Dimension::Sampled { .. } | Dimension::Range { .. }))
        })
}

/// Sampling rate (Hz) of a sampled time dimension, with its unit (neo drops the unit).
fn sampled_rate(da: &DataArray) -> Option<f64> {
    match time_dim(da)? {
        Dimension::Sampled { interval, unit, .. } => {
            let r = time_unit(unit).unwrap_or(Scale::SECONDS).rate(*interval);
            (r.is_finite() && r > 0.0).then_some(r)
        }
        _ => None,
    }
}

/// A data array's values in seconds (its unit; seconds when it has none).
fn read_seconds(h: &H5File, da: &DataArray) -> Result<Vec<f64>> {
    let scale = time_unit(&da.unit).unwrap_or(Scale::SECONDS);
    Ok(h.dataset(&da.data)?
        .read_f64()?
        .into_iter()
        .map(|v| scale.seconds(v))
        .collect())
}

/// The mapping step by step: the channel lists from the first segment, then every segment.
pub fn map(h: &H5File, model: &Model) -> Result<Mapping> {
    let mut sec = Sections {
        h,
        cache: HashMap::new(),
    };
    let blocks: Vec<&Block> = model
        .blocks
        .iter()
        .filter(|b| b.entity.kind == "neo.block")
        .collect();
    let segs: Vec<Vec<NeoSegment>> = blocks.iter().map(|b| segments(b)).collect();
    let mut m = Mapping::default();
    if let Some(first) = segs.first().and_then(|s| s.first()) {
        define_streams(h, &mut sec, first, &mut m)?;
        define_units(&mut sec, first, &mut m)?;
        define_events(&mut sec, first, &mut m)?;
    }
    for (b, block) in blocks.iter().enumerate() {
        let mut bd = BlockData {
            annotations: block_annotations(&mut sec, model, block)?,
            ..BlockData::default()
        };
        for s in segs.get(b).map_or(&[][..], Vec::as_slice) {
            let sd = segment_data(h, &mut sec, &m, s, &mut bd.annotations)?;
            bd.segments.push(sd);
        }
        m.blocks.push(bd);
    }
    Ok(m)
}

fn block_annotations(sec: &mut Sections, model: &Model, block: &Block) -> Result<Annotations> {
    let mut a = sec.annotations(&block.entity, "block")?;
    a.insert("nix_version".into(), model.version.clone().into());
    let groups = block
        .groups
        .iter()
        .filter(|g| g.entity.kind != "neo.segment")
        .map(|g| {
            (
                &g.entity,
                "a neo Group links objects of the segments; it is not a segment",
            )
        });
    let images = block
        .data_arrays
        .iter()
        .filter(|d| d.entity.kind == "neo.imagesequence")
        .map(|d| (&d.entity, "image sequences are not signals"));
    let tags = block
        .multi_tags
        .iter()
        .filter(|t| {
            !matches!(
                t.entity.kind.as_str(),
                "neo.spiketrain" | "neo.event" | "neo.epoch"
            )
        })
        .map(|t| (&t.entity, "not a spike train, event or epoch"));
    for (e, why) in groups.chain(images).chain(tags) {
        push_not_mapped(&mut a, not_mapped(&e.path, &e.name, &e.kind, why));
    }
    for (p, what) in &block.other {
        push_not_mapped(&mut a, not_mapped(p, "", "", what.clone()));
    }
    Ok(a)
}

/// Streams and channels from the first segment: regular signals first (ids `0`, `1`, ... in
/// order of first appearance, names empty, as neo), then irregularly sampled signals
/// (explicit clocks, named after the signal; neo leaves them out).
fn define_streams(h: &H5File, sec: &mut Sections, s: &NeoSegment, m: &mut Mapping) -> Result<()> {
    let all = s
        .signals
        .iter()
        .map(|g| (g, false))
        .chain(s.irregular.iter().map(|g| (g, true)));
    for (k, ((_, das), irregular)) in all.enumerate() {
        let irregular: bool = irregular;
        let Some((_, first)) = das.first() else {
            continue;
        };
        let id = k.to_string();
        let name = sec.neo_name(first.entity.metadata.as_deref())?;
        let (rate, clock) = if irregular {
            let rate = irregular_ticks(h, first)?.map_or(f64::NAN, |t| t.rate);
            (
                rate,
                SampleClock::Explicit {
                    rate_source: RateSource::MedianInterval,
                },
            )
        } else {
            (
                sampled_rate(first).unwrap_or(f64::NAN),
                SampleClock::Regular,
            )
        };
        let mut annotations = sec.annotations(&first.entity, "signal")?;
        annotations.insert("neo_type".into(), first.entity.kind.clone().into());
        m.streams.push(SignalStream {
            name: if irregular {
                name.clone()
            } else {
                String::new()
            },
            id: id.clone(),
            buffer_id: String::new(),
            clock,
            annotations,
        });
        for (idx, da) in das {
            m.channels.push(SignalChannel {
                name: name.clone(),
                id: idx.to_string(),
                sampling_rate: rate,
                dtype: da.dtype.unwrap_or(rawio_core::Dtype::Float64),
                units: da.unit.clone(),
                gain: 1.0,
                offset: 0.0,
                stream_id: id.clone(),
                buffer_id: String::new(),
                annotations: Annotations::new(),
            });
        }
    }
    Ok(())
}

/// The ticks of an irregularly sampled signal's range dimension.
fn irregular_ticks(h: &H5File, da: &DataArray) -> Result<Option<crate::mapping::Ticks>> {
    match time_dim(da) {
        Some(Dimension::Range {
            ticks: crate::model::Ticks::Stored { path, .. },
            unit,
            ..
        }) => {
            let scale = time_unit(unit).unwrap_or(Scale::SECONDS);
            Ok(Some(ticks_from(h.dataset(path)?, scale)?))
        }
        _ => Ok(None),
    }
}

/// The waveforms data array of a spike train (its first feature, of type `neo.waveforms`).
fn waveforms<'a>(block: &'a Block, mt: &MultiTag) -> Option<&'a DataArray> {
    let (addr, _) = mt.features.first()?;
    block
        .array(*addr)
        .filter(|d| d.entity.kind == "neo.waveforms")
}

/// Units from the first segment's spike trains: name = neo_name, id = the multi-tag's
/// entity id (as neo).
fn define_units(sec: &mut Sections, s: &NeoSegment, m: &mut Mapping) -> Result<()> {
    let block = s.block;
    for mt in &s.spiketrains {
        let mut unit = SpikeChannel {
            name: sec.neo_name(mt.entity.metadata.as_deref())?,
            id: mt.entity.id.clone(),
            wf_units: String::new(),
            wf_gain: 1.0,
            wf_offset: 0.0,
            wf_left_sweep: -1,
            wf_sampling_rate: 0.0,
            annotations: sec.annotations(&mt.entity, "spiketrain")?,
        };
        if let Some(wf) = waveforms(block, mt) {
            unit.wf_units = wf.unit.clone();
            let (rate, unit_name) = match time_dim(wf) {
                Some(Dimension::Sampled { interval, unit, .. }) => (
                    time_unit(unit).unwrap_or(Scale::SECONDS).rate(*interval),
                    unit.clone(),
                ),
                _ => (0.0, "s".to_owned()),
            };
            unit.wf_sampling_rate = if rate.is_finite() { rate } else { 0.0 };
            if let Some(ls) =
                sec.seconds(wf.entity.metadata.as_deref(), "left_sweep", &unit_name)?
            {
                let samples = (ls * unit.wf_sampling_rate).round();
                if samples.is_finite() && samples.abs() < 1e15 {
                    unit.wf_left_sweep = samples as i64;
                }
            }
        }
        m.units.push(unit);
    }
    Ok(())
}

/// Event channels from the first segment's events and epochs: name = neo_name, ids counted
/// separately for events and epochs (as neo: `0`, `1`, ... each).
fn define_events(sec: &mut Sections, s: &NeoSegment, m: &mut Mapping) -> Result<()> {
    let (mut n_ev, mut n_ep) = (0usize, 0usize);
    for mt in &s.events {
        let (kind, id) = if mt.entity.kind == "neo.epoch" {
            n_ep += 1;
            (EventKind::Epoch, n_ep - 1)
        } else {
            n_ev += 1;
            (EventKind::Event, n_ev - 1)
        };
        m.events.push(EventChannel {
            name: sec.neo_name(mt.entity.metadata.as_deref())?,
            id: id.to_string(),
            kind,
            annotations: sec.annotations(&mt.entity, "event")?,
        });
    }
    Ok(())
}

/// Everything of one segment, matched to the channel lists by position.
fn segment_data(
    h: &H5File,
    sec: &mut Sections,
    m: &Mapping,
    s: &NeoSegment,
    block_ann: &mut Annotations,
) -> Result<SegmentData> {
    let mut sd = SegmentData {
        annotations: sec.annotations(&s.group.entity, "segment")?,
        ..SegmentData::default()
    };
    let n_regular = m
        .streams
        .iter()
        .filter(|st| st.clock == SampleClock::Regular)
        .count();
    for (k, st) in m.streams.iter().enumerate() {
        let group = match k.checked_sub(n_regular) {
            None => s.signals.get(k),
            Some(j) => s.irregular.get(j),
        };
        let data = match group {
            Some((_, das)) => stream_segment(h, sec, m, k, st, das, block_ann)?,
            None => None,
        };
        sd.streams.push(data);
    }
    for k in 0..m.units.len() {
        let u = match s.spiketrains.get(k) {
            Some(mt) => unit_segment(h, sec, s.block, mt, &mut sd.bounds)?,
            None => UnitSegment::default(),
        };
        sd.units.push(u);
    }
    for (k, ch) in m.events.iter().enumerate() {
        let e = match s.events.get(k) {
            Some(mt) if (mt.entity.kind == "neo.epoch") == (ch.kind == EventKind::Epoch) => {
                event_segment(h, s.block, mt)?
            }
            _ => EventSegment::default(),
        };
        sd.events.push(e);
    }
    Ok(sd)
}

/// One stream in one segment: its channels' arrays, when they match the stream (channel
/// count, dtype, rate); otherwise listed as not mapped.
#[allow(clippy::too_many_arguments)]
fn stream_segment(
    h: &H5File,
    sec: &mut Sections,
    m: &Mapping,
    k: usize,
    st: &SignalStream,
    das: &[(usize, &DataArray)],
    block_ann: &mut Annotations,
) -> Result<Option<StreamSegment>> {
    let chans: Vec<&SignalChannel> = m.channels.iter().filter(|c| c.stream_id == st.id).collect();
    let Some((_, first)) = das.first() else {
        return Ok(None);
    };
    let regular = st.clock == SampleClock::Regular;
    let rate_ok = !regular
        || sampled_rate(first).map(f64::to_bits)
            == chans.first().map(|c| c.sampling_rate.to_bits());
    let dtype_ok = das
        .iter()
        .zip(&chans)
        .all(|((_, d), c)| d.dtype == Some(c.dtype) && d.shape.len() == 1);
    if das.len() != chans.len() || !rate_ok || !dtype_ok {
        let e = not_mapped(
            &first.entity.path,
            &first.entity.name,
            &first.entity.kind,
            format!(
                "its channel count, dtype or rate differs from stream {k} of the first segment"
            ),
        );
        push_not_mapped(block_ann, e);
        return Ok(None);
    }
    let mut datasets = Vec::with_capacity(das.len());
    for (_, d) in das {
        datasets.push(SignalData::new(h.dataset(&d.data)?)?);
    }
    let samples = crate::mapping::Samples::PerChannel(datasets);
    let size = samples.len();
    let (t_start, ticks) = if regular {
        let t = match sec.seconds(first.entity.metadata.as_deref(), "t_start", "s")? {
            Some(t) => t,
            None => match time_dim(first) {
                Some(Dimension::Sampled { offset, unit, .. }) => {
                    time_unit(unit).unwrap_or(Scale::SECONDS).seconds(*offset)
                }
                _ => 0.0,
            },
        };
        (t, None)
    } else {
        let ticks = irregular_ticks(h, first)?;
        (ticks.as_ref().map_or(0.0, |t| t.first_last.0), ticks)
    };
    let size = match &ticks {
        Some(t) => size.min(t.data.len()),
        None => size,
    };
    Ok(Some(StreamSegment {
        samples,
        size,
        t_start,
        ticks,
    }))
}

fn unit_segment(
    h: &H5File,
    sec: &mut Sections,
    block: &Block,
    mt: &MultiTag,
    bounds: &mut Vec<f64>,
) -> Result<UnitSegment> {
    let Some(pos) = mt.positions.and_then(|a| block.array(a)) else {
        return Ok(UnitSegment::default());
    };
    let unit = if pos.unit.is_empty() { "s" } else { &pos.unit };
    for key in ["t_start", "t_stop"] {
        if let Some(t) = sec.seconds(mt.entity.metadata.as_deref(), key, unit)? {
            bounds.push(t);
        }
    }
    let (times, order) = sort_times(read_seconds(h, pos)?);
    let waveforms = match waveforms(block, mt) {
        Some(wf) if wf.shape.len() == 3 && wf.shape.first() == Some(&(times.len() as u64)) => {
            Some(h.dataset(&wf.data)?)
        }
        _ => None,
    };
    Ok(UnitSegment {
        times,
        order,
        waveforms,
    })
}

fn event_segment(h: &H5File, block: &Block, mt: &MultiTag) -> Result<EventSegment> {
    let Some(pos) = mt.positions.and_then(|a| block.array(a)) else {
        return Ok(EventSegment::default());
    };
    let times = read_seconds(h, pos)?;
    let durations = match mt.extents.and_then(|a| block.array(a)) {
        Some(ext) if mt.entity.kind == "neo.epoch" => {
            let mut d = read_seconds(h, ext)?;
            d.resize(times.len(), 0.0);
            Some(d)
        }
        _ if mt.entity.kind == "neo.epoch" => Some(vec![0.0; times.len()]),
        _ => None,
    };
    let mut labels = match pos.dims.first() {
        Some(Dimension::Set { labels }) => labels.clone(),
        _ => Vec::new(),
    };
    labels.resize(times.len(), String::new());
    Ok(EventSegment {
        times,
        durations,
        labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_ids_and_neo_attributes() {
        assert_eq!(signal_id("neo.analogsignal.0ea3bd.2"), "0ea3bd");
        assert_eq!(signal_id("plain"), "plain");
        assert!(is_neo_attribute("spiketrain", "t_stop"));
        assert!(is_neo_attribute("block", "neo_name"));
        assert!(!is_neo_attribute("segment", "t_start"));
    }
}
