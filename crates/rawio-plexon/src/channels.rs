//! The *header* step: signal streams and channels, units and event channels, built from the
//! parsed headers ([`FileHeaders`]) and the block index ([`Index`]). Annotations are derived
//! from those typed values.

use crate::FORMAT_ID;
use crate::header::{
    DspHeader, FileHeaders, GlobalHeader, SlowHeader, stream_id_of, stream_name_of,
};
use crate::index::{Index, SlowIndex};
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Dtype, Error, EventChannel, EventKind, Result, SampleClock, SignalChannel,
    SignalStream, SpikeChannel,
};
use std::path::Path;

/// At most this many entries in list-valued annotations (gaps, count mismatches).
pub(crate) const MAX_LISTED: usize = 100;

/// One signal stream: the slow-channel slots of its channels, in channel order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StreamInfo {
    pub(crate) slots: Vec<usize>,
}

/// A signal channel: its slow channel header and index slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlowRef {
    pub(crate) header: usize,
    pub(crate) slot: usize,
}

/// A unit: its DSP slot, its position among the slot's units and the DSP header's channel
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnitRef {
    pub(crate) slot: usize,
    pub(crate) pos: usize,
    pub(crate) channel: i32,
}

/// The signal part of the header.
#[derive(Debug, Clone)]
pub(crate) struct Signals {
    pub(crate) streams: Vec<StreamInfo>,
    pub(crate) signal_streams: Vec<SignalStream>,
    pub(crate) signal_channels: Vec<SignalChannel>,
    /// The header and slot of each signal channel.
    pub(crate) channels: Vec<SlowRef>,
    /// Slow headers with data whose channel number repeats an earlier header's (left out).
    pub(crate) duplicates: Vec<usize>,
}

/// A slow channel with data, before grouping into streams.
struct SlowChan {
    at: SlowRef,
    stream_id: String,
    channel: SignalChannel,
}

fn corrupt(path: &Path, offset: u64, detail: impl Into<String>) -> Error {
    Error::corrupt(FORMAT_ID, path, offset, detail)
}

/// A non-finite gain (zero gain fields) becomes 1.0, with a note.
fn finite_gain(g: f64, ann: &mut Annotations) -> f64 {
    if g.is_finite() {
        g
    } else {
        ann.insert(
            "gain_note".into(),
            json!("gain fields are zero: the gain is undefined, 1.0 is used"),
        );
        1.0
    }
}

/// `ticks` of the `ad_frequency` clock in seconds (0 for a bad clock).
pub(crate) fn seconds(ticks: u64, ad_frequency: i64) -> f64 {
    if ad_frequency > 0 {
        ticks as f64 / ad_frequency as f64
    } else {
        0.0
    }
}

/// Signal channels and streams: every slow channel with samples (the first header of a
/// channel number), grouped into streams by name prefix (sorted by stream id); the channels of
/// a stream must agree on rate and length.
pub(crate) fn signals(
    headers: &FileHeaders,
    index: &Index,
    slots: &[Option<usize>],
    path: &Path,
) -> Result<Signals> {
    let (chans, duplicates) = slow_channels(headers, index, slots, path)?;
    let mut stream_ids: Vec<String> = chans.iter().map(|c| c.stream_id.clone()).collect();
    stream_ids.sort();
    stream_ids.dedup();
    let mut streams = Vec::new();
    let mut signal_streams = Vec::new();
    for sid in &stream_ids {
        let members: Vec<&SlowChan> = chans.iter().filter(|c| &c.stream_id == sid).collect();
        let Some(stream) = stream(sid, &members, headers, index, path)? else {
            continue;
        };
        signal_streams.push(stream);
        streams.push(StreamInfo {
            slots: members.iter().map(|m| m.at.slot).collect(),
        });
    }
    // neo's order: slow-header order, streams interleaved (a stream's channels are those with
    // its id, in this order)
    Ok(Signals {
        streams,
        signal_streams,
        channels: chans.iter().map(|c| c.at).collect(),
        signal_channels: chans.into_iter().map(|c| c.channel).collect(),
        duplicates,
    })
}

/// The slow channels that have samples, in header order, and the headers left out because
/// their channel number repeats an earlier one.
fn slow_channels(
    headers: &FileHeaders,
    index: &Index,
    slots: &[Option<usize>],
    path: &Path,
) -> Result<(Vec<SlowChan>, Vec<usize>)> {
    let mut chans = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen = vec![false; index.slows.len()];
    for (i, (h, slot)) in headers.slows.iter().zip(slots).enumerate() {
        let Some(slot) = *slot else { continue };
        let Some(si) = index.slows.get(slot) else {
            continue;
        };
        if si.total == 0 {
            continue;
        }
        if std::mem::replace(&mut seen[slot], true) {
            duplicates.push(i);
            continue;
        }
        if h.ad_freq <= 0 {
            return Err(corrupt(
                path,
                headers.slow_header_offset(i) + 36,
                format!(
                    "slow channel {:?} has data but ADFreq {}",
                    h.name, h.ad_freq
                ),
            ));
        }
        let mut ann = slow_annotations(h, si, &headers.global);
        let gain = finite_gain(headers.global.slow_gain(h.gain, h.preamp_gain), &mut ann);
        let stream_id = stream_id_of(&h.name);
        chans.push(SlowChan {
            at: SlowRef { header: i, slot },
            stream_id: stream_id.clone(),
            channel: SignalChannel {
                name: h.name.clone(),
                id: h.channel.to_string(),
                sampling_rate: f64::from(h.ad_freq),
                dtype: Dtype::Int16,
                units: String::new(),
                gain,
                offset: 0.0,
                stream_id,
                buffer_id: String::new(),
                annotations: ann,
            },
        });
    }
    Ok((chans, duplicates))
}

/// The stream `sid` of `members` (its channels), checked: same rate and sample count.
fn stream(
    sid: &str,
    members: &[&SlowChan],
    headers: &FileHeaders,
    index: &Index,
    path: &Path,
) -> Result<Option<SignalStream>> {
    let Some(first) = members.first() else {
        return Ok(None);
    };
    let first_total = index.slows[first.at.slot].total;
    for m in members {
        let total = index.slows[m.at.slot].total;
        if m.channel.sampling_rate != first.channel.sampling_rate || total != first_total {
            return Err(corrupt(
                path,
                headers.slow_header_offset(m.at.header),
                format!(
                    "channels of stream {sid:?} disagree: {:?} (id {}) has {} samples at {} Hz \
                     but {:?} (id {}) has {} samples at {} Hz",
                    first.channel.name,
                    first.channel.id,
                    first_total,
                    first.channel.sampling_rate,
                    m.channel.name,
                    m.channel.id,
                    total,
                    m.channel.sampling_rate
                ),
            ));
        }
    }
    let gaps = &index.slows[first.at.slot].gaps;
    let mut ann = Annotations::new();
    ann.insert("gap_count".into(), json!(gaps.len()));
    let first_ts: Vec<Option<u64>> = members
        .iter()
        .map(|m| index.slows[m.at.slot].first_timestamp)
        .collect();
    if first_ts.windows(2).any(|w| w[0] != w[1]) {
        ann.insert(
            "first_timestamp_mismatch".into(),
            json!(
                "the channels' first blocks have different timestamps; t_start is the first \
                 channel's"
            ),
        );
    }
    Ok(Some(SignalStream {
        name: stream_name_of(sid),
        id: sid.to_owned(),
        buffer_id: String::new(),
        clock: SampleClock::Regular,
        annotations: ann,
    }))
}

/// The annotations of a slow channel: its header fields (by version), sample and block
/// counts, and its gaps.
fn slow_annotations(h: &SlowHeader, si: &SlowIndex, g: &GlobalHeader) -> Annotations {
    let mut a = Annotations::new();
    a.insert("channel".into(), json!(h.channel));
    a.insert("samples".into(), json!(si.total));
    a.insert("blocks".into(), json!(si.offsets.len()));
    a.insert("slow_gain".into(), json!(h.gain));
    a.insert("preamp_gain".into(), json!(h.preamp_gain));
    a.insert("enabled".into(), json!(h.enabled));
    if g.version >= 103 {
        let neo = g.slow_gain_neo(h.gain, h.preamp_gain);
        if neo.is_finite() {
            a.insert("gain_neo".into(), json!(neo));
        }
    }
    if g.version >= 104 {
        a.insert("spike_channel".into(), json!(h.spike_channel));
    }
    if g.version >= 105 {
        a.insert("comment".into(), json!(h.comment));
    }
    if g.version >= 106 {
        a.insert("src_id".into(), json!(h.src_id));
        a.insert("chan_id".into(), json!(h.chan_id));
    }
    if let Some(t) = si.first_timestamp {
        a.insert("first_timestamp".into(), json!(t));
    }
    let adf = i64::from(g.ad_frequency);
    a.insert("gap_count".into(), json!(si.gaps.len()));
    let gaps: Vec<Value> = si
        .gaps
        .iter()
        .take(MAX_LISTED)
        .map(|gap| {
            let ticks = i128::from(gap.timestamp) - i128::from(gap.expected);
            json!({
                "sample": gap.sample,
                "t_s": seconds(gap.timestamp, adf),
                "expected_t_s": seconds(gap.expected, adf),
                "ticks": i64::try_from(ticks).unwrap_or(i64::MAX),
                "duration_s": if adf > 0 { ticks as f64 / adf as f64 } else { 0.0 },
            })
        })
        .collect();
    a.insert("gaps".into(), Value::Array(gaps));
    a
}

/// One unit per `(channel, unit)` pair found in the spike blocks, in DSP header order (the
/// first header of a channel number) then unit number; ids `ch{chan}#{unit}`.
pub(crate) fn spike_channels(
    headers: &FileHeaders,
    index: &Index,
    slots: &[Option<usize>],
) -> (Vec<SpikeChannel>, Vec<UnitRef>) {
    let global = &headers.global;
    let mut spike_channels = Vec::new();
    let mut units = Vec::new();
    let mut seen = vec![false; index.spikes.len()];
    for (h, slot) in headers.dsps.iter().zip(slots) {
        let Some(slot) = *slot else { continue };
        if std::mem::replace(&mut seen[slot], true) {
            continue;
        }
        let Some(ch) = index.spikes.get(slot) else {
            continue;
        };
        for (pos, u) in ch.units.iter().enumerate() {
            let mut ann = unit_annotations(h, u.unit, global);
            if let Some(off) = ch.wf_shape_mismatch {
                ann.insert("waveform_shape_mismatch_offset".into(), json!(off));
            }
            let wf_gain = finite_gain(global.wf_gain(h.gain), &mut ann);
            spike_channels.push(SpikeChannel {
                name: h.name.clone(),
                id: format!("ch{}#{}", h.channel, u.unit),
                wf_units: String::new(),
                wf_gain,
                wf_offset: 0.0,
                wf_left_sweep: -1,
                wf_sampling_rate: f64::from(global.waveform_freq.max(0)),
                annotations: ann,
            });
            units.push(UnitRef {
                slot,
                pos,
                channel: h.channel,
            });
        }
    }
    (spike_channels, units)
}

/// The annotations of unit `unit` of the channel of DSP header `h`.
fn unit_annotations(h: &DspHeader, unit: u16, global: &GlobalHeader) -> Annotations {
    let mut ann = Annotations::new();
    ann.insert("channel".into(), json!(h.channel));
    ann.insert("unit".into(), json!(unit));
    ann.insert("dsp_gain".into(), json!(h.gain));
    ann.insert("threshold".into(), json!(h.threshold));
    ann.insert("sig_name".into(), json!(h.sig_name));
    if global.version >= 105 {
        ann.insert("comment".into(), json!(h.comment));
    }
    if global.version >= 106 {
        ann.insert("src_id".into(), json!(h.src_id));
        ann.insert("chan_id".into(), json!(h.chan_id));
    }
    ann
}

/// One event channel per event header (id = its channel number).
pub(crate) fn event_channels(headers: &FileHeaders) -> Vec<EventChannel> {
    headers
        .events
        .iter()
        .map(|h| {
            let mut ann = Annotations::new();
            ann.insert("channel".into(), json!(h.channel));
            ann.insert("comment".into(), json!(h.comment));
            if headers.global.version >= 106 {
                ann.insert("src_id".into(), json!(h.src_id));
                ann.insert("chan_id".into(), json!(h.chan_id));
            }
            EventChannel {
                name: h.name.clone(),
                id: h.channel.to_string(),
                kind: EventKind::Event,
                annotations: ann,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_headers::{dsp, event, global, slow};
    use crate::index::{SpikeChannelIndex, UnitIndex};

    fn slow_index(total: u64, first: u64) -> SlowIndex {
        let mut si = SlowIndex::default();
        si.total = total;
        si.first_timestamp = Some(first);
        si.offsets = vec![0];
        si.starts = vec![0];
        si
    }

    fn headers() -> FileHeaders {
        FileHeaders {
            global: global(40000, 0.0),
            dsps: vec![dsp("sig1", 1), dsp("sig1b", 1), dsp("sig2", 2)],
            events: vec![event("Strobed", 257)],
            slows: vec![
                slow("WB01", 0, 40000),
                slow("FP01", 1, 1000),
                slow("FP02", 2, 1000),
                slow("FP01dup", 1, 1000),
                slow("FP03", 3, 1000),
            ],
            slow_start: 10_000,
            data_start: 20_000,
        }
    }

    #[test]
    fn slow_channels_grouped_into_streams() {
        let h = headers();
        // slots: WB01 0, FP01 1, FP02 2, FP03 3 (no data)
        let mut index = Index {
            slows: vec![
                slow_index(400, 8),
                slow_index(10, 8),
                slow_index(10, 9),
                SlowIndex::default(),
            ],
            ..Default::default()
        };
        let slots = [Some(0), Some(1), Some(2), Some(1), Some(3)];
        let s = signals(&h, &index, &slots, Path::new("x.plx")).unwrap();
        let ids: Vec<&str> = s.signal_streams.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["FP", "WB"]);
        assert_eq!(s.signal_streams[0].name, "FPl-Low Pass Filtered");
        assert!(
            s.signal_streams[0]
                .annotations
                .contains_key("first_timestamp_mismatch")
        );
        assert_eq!(
            s.streams,
            [
                StreamInfo { slots: vec![1, 2] },
                StreamInfo { slots: vec![0] }
            ]
        );
        let names: Vec<&str> = s.signal_channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["WB01", "FP01", "FP02"]);
        assert_eq!(s.channels[2], SlowRef { header: 2, slot: 2 });
        assert_eq!(s.duplicates, [3]);
        assert_eq!(s.signal_channels[1].annotations["samples"], json!(10));
        assert_eq!(
            s.signal_channels[1].gain,
            5000.0 / (0.5 * 4096.0 * 1.0 * 1000.0)
        );
        // channels of a stream must agree
        index.slows[2].total = 11;
        let e = signals(&h, &index, &slots, Path::new("x.plx")).unwrap_err();
        assert!(
            e.to_string().contains("channels of stream \"FP\" disagree"),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains(&format!("at byte {}", 10_000 + 2 * 296)),
            "{e}"
        );
    }

    #[test]
    fn units_and_event_channels() {
        let h = headers();
        let mut index = Index {
            ..Default::default()
        };
        let unit = |u: u16| UnitIndex {
            unit: u,
            ..Default::default()
        };
        index.spikes = vec![
            SpikeChannelIndex {
                units: vec![unit(0), unit(2)],
                ..Default::default()
            },
            SpikeChannelIndex::default(),
        ];
        let (spikes, units) = spike_channels(&h, &index, &[Some(0), Some(0), Some(1)]);
        let ids: Vec<&str> = spikes.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["ch1#0", "ch1#2"]);
        assert_eq!(
            units[1],
            UnitRef {
                slot: 0,
                pos: 1,
                channel: 1
            }
        );
        assert_eq!(spikes[1].annotations["unit"], json!(2));
        assert_eq!(spikes[0].wf_sampling_rate, 30000.0);
        let ev = event_channels(&h);
        assert_eq!((ev[0].id.as_str(), ev[0].name.as_str()), ("257", "Strobed"));
        assert_eq!(ev[0].annotations["src_id"], json!(0));
    }
}
