//! The last step of opening: the neo-compatible header (streams, channels, units, event
//! channels, segments) with annotations describing everything the files state.

use crate::files::{NevFile, NsxData, NsxFile};
use crate::nev_header::{ExtHeader, NevBasicHeader, NevSpec, WaveformInfo};
use crate::nev_index::{EventSource, NevScan};
use crate::nsx_header::{NsxSpec, gain_offset};
use crate::nsx_index::{BlockNotes, PtpIndex};
use crate::segments::SegPlan;
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Block, Dtype, EventChannel, EventKind, RateSource, SampleClock, Segment,
    SignalBuffer, SignalChannel, SignalStream, SpikeChannel,
};
use std::collections::HashMap;

/// The Cerebus digitization factor bug: 21516 nV stands for 152592.547 nV (NPMK's fix, as neo).
const BUGGY_DIGITIZATION: u16 = 21516;
const FIXED_DIGITIZATION: f64 = 152_592.547;

/// `"YYYY-MM-DDTHH:MM:SS.mmm"` from a Blackrock time origin (year, month, weekday, day, hour,
/// minute, second, millisecond).
pub(crate) fn iso_datetime(t: &[u16; 8]) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t[0], t[1], t[3], t[4], t[5], t[6], t[7]
    )
}

/// The `NEUEVWAV` headers of a NEV file.
pub(crate) fn waveform_infos(ext: &[ExtHeader]) -> Vec<WaveformInfo> {
    ext.iter()
        .filter_map(|e| match e {
            ExtHeader::Waveform(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

/// Digitization factor (nV per bit) per electrode, first header wins.
pub(crate) fn digitization(ext: &[ExtHeader]) -> HashMap<u16, u16> {
    let mut m = HashMap::new();
    for w in waveform_infos(ext) {
        m.entry(w.electrode_id).or_insert(w.digitization_factor);
    }
    m
}

/// The signal buffer, stream and channels of one NSx file.
pub(crate) fn stream_of(
    f: &NsxFile,
    dig: Option<&HashMap<u16, u16>>,
) -> (SignalBuffer, SignalStream, Vec<SignalChannel>) {
    let id = f.number.to_string();
    let name = format!("nsx{}", f.number);
    let rate = f.basic.sampling_rate();
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let channels = f
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let dup = seen.entry(c.electrode_id).or_insert(0);
            let cid = if *dup == 0 {
                c.electrode_id.to_string()
            } else {
                format!("{}#{}", c.electrode_id, *dup)
            };
            *dup += 1;
            let mut ann = Annotations::new();
            ann.insert("electrode_id".into(), json!(c.electrode_id));
            ann.insert("channel_index_in_file".into(), json!(i));
            let (name, units, gain, offset) = if f.basic.spec == NsxSpec::V21 {
                v21_channel(c.electrode_id, dig, &mut ann)
            } else {
                v22_channel(c, &mut ann)
            };
            SignalChannel {
                name,
                id: cid,
                sampling_rate: rate,
                dtype: Dtype::Int16,
                units,
                gain,
                offset,
                stream_id: id.clone(),
                buffer_id: id.clone(),
                annotations: ann,
            }
        })
        .collect();
    let clock = if f.is_ptp() {
        SampleClock::Explicit {
            rate_source: RateSource::Stated,
        }
    } else {
        SampleClock::Regular
    };
    let stream = SignalStream {
        name: name.clone(),
        id: id.clone(),
        buffer_id: id.clone(),
        clock,
        annotations: stream_annotations(f),
    };
    (SignalBuffer { name, id }, stream, channels)
}

fn v21_channel(
    electrode: u32,
    dig: Option<&HashMap<u16, u16>>,
    ann: &mut Annotations,
) -> (String, String, f64, f64) {
    let name = if electrode < 129 {
        format!("chan{electrode}")
    } else {
        format!("ainp{}", electrode - 128)
    };
    let factor = u16::try_from(electrode)
        .ok()
        .and_then(|e| dig.and_then(|d| d.get(&e)));
    match factor {
        Some(&df) => {
            ann.insert("nev_digitization_factor_nv".into(), json!(df));
            let df = if df == BUGGY_DIGITIZATION {
                ann.insert(
                    "digitization_note".into(),
                    json!("21516 nV replaced by 152592.547 nV (Cerebus bug, as NPMK and neo)"),
                );
                FIXED_DIGITIZATION
            } else {
                f64::from(df)
            };
            let (g, o) = gain_offset(-1000.0, 1000.0, -df, df).unwrap_or((1.0, 0.0));
            (name, "uV".into(), g, o)
        }
        None => {
            ann.insert(
                "gain_note".into(),
                json!("spec 2.1 stores no ranges and no NEV digitization factor was found for this electrode: raw values (gain 1)"),
            );
            (name, String::new(), 1.0, 0.0)
        }
    }
}

fn v22_channel(
    c: &crate::nsx_header::NsxChannel,
    ann: &mut Annotations,
) -> (String, String, f64, f64) {
    for (k, v) in [
        ("physical_connector", json!(c.physical_connector)),
        ("connector_pin", json!(c.connector_pin)),
        ("min_digital_val", json!(c.min_digital)),
        ("max_digital_val", json!(c.max_digital)),
        ("min_analog_val", json!(c.min_analog)),
        ("max_analog_val", json!(c.max_analog)),
    ] {
        ann.insert(k.into(), v);
    }
    for (k, v) in c.filters.annotations() {
        ann.insert(k.into(), json!(v));
    }
    if c.label_has_tail {
        ann.insert(
            "label_note".into(),
            json!(
                "the label field has bytes after its NUL terminator (neo keeps them in the name)"
            ),
        );
    }
    let (gain, offset) = gain_offset(
        f64::from(c.min_digital),
        f64::from(c.max_digital),
        f64::from(c.min_analog),
        f64::from(c.max_analog),
    )
    .unwrap_or_else(|| {
        ann.insert(
            "gain_note".into(),
            json!("the digital range is empty (min == max): raw values (gain 1)"),
        );
        (1.0, 0.0)
    });
    (c.label.clone(), c.units.clone(), gain, offset)
}

fn block_notes(n: &BlockNotes, ann: &mut Annotations) {
    if let Some((declared, present)) = n.truncated {
        ann.insert(
            "truncated_block".into(),
            json!({"declared_samples": declared, "samples_present": present}),
        );
    }
    if let Some(n) = n.recovered_count {
        ann.insert("recovered_block_samples".into(), json!(n));
    }
    if n.trailing_bytes > 0 {
        ann.insert("trailing_bytes".into(), json!(n.trailing_bytes));
    }
    if n.v21_block_header {
        ann.insert(
            "v21_block_header".into(),
            json!("a 2.2-style 9-byte data block header follows the 2.1 headers; it is skipped"),
        );
    }
}

fn ptp_notes(p: &PtpIndex, ann: &mut Annotations) {
    ann.insert("ptp".into(), json!(true));
    ann.insert("gap_count".into(), json!(p.gap_count));
    let gaps: Vec<Value> = p
        .gaps
        .iter()
        .map(|g| {
            json!({"sample": g.before, "delta_ns": i64::try_from(g.delta_ns).unwrap_or(i64::MAX),
                   "splits_segment": g.splits})
        })
        .collect();
    ann.insert("gaps".into(), Value::Array(gaps));
    if p.trailing_bytes > 0 {
        ann.insert("trailing_bytes".into(), json!(p.trailing_bytes));
    }
}

fn stream_annotations(f: &NsxFile) -> Annotations {
    let b = &f.basic;
    let mut ann = Annotations::new();
    ann.insert("nsx".into(), json!(f.number));
    ann.insert("file_origin".into(), json!(f.path.display().to_string()));
    ann.insert("file_spec".into(), json!(b.spec.name()));
    ann.insert("file_type".into(), json!(b.file_type));
    ann.insert("sampling_label".into(), json!(b.label));
    ann.insert("comment".into(), json!(b.comment));
    ann.insert("period".into(), json!(b.period));
    ann.insert("timestamp_resolution".into(), json!(b.timestamp_resolution));
    if let Some(t) = &b.time_origin {
        ann.insert("rec_datetime".into(), json!(iso_datetime(t)));
    }
    match &f.data {
        NsxData::Blocks(idx) => {
            ann.insert("data_blocks".into(), json!(idx.blocks.len()));
            block_notes(&idx.notes, &mut ann);
        }
        NsxData::Ptp(p) => ptp_notes(p, &mut ann),
    }
    ann.insert("runs".into(), json!(f.runs.len()));
    ann
}

/// How a unit's waveforms sit in its packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaveformLayout {
    /// int8, int16 or int32.
    pub dtype: Dtype,
    /// Samples per waveform.
    pub n_samples: u64,
    /// Byte offset of the waveform inside the packet (the last `n_samples * size` bytes).
    pub offset: u64,
}

/// The waveform layout of an electrode's spikes (neo's rules: int16 when flag bit 0 is set,
/// else by `bytes_per_waveform`; the size is `spike_width` in 2.3/3.0, the whole field in
/// 2.1/2.2), or a note when there is none.
pub(crate) fn waveform_layout(
    basic: &NevBasicHeader,
    w: Option<&WaveformInfo>,
) -> Result<WaveformLayout, String> {
    let field = basic
        .packet_size
        .saturating_sub(basic.spec.packet_header_bytes() + 2);
    let dtype = match (basic.waveforms_16bit(), w.map(|w| w.bytes_per_sample)) {
        (true, _) => Dtype::Int16,
        (false, Some(0 | 1)) => Dtype::Int8,
        (false, Some(2)) => Dtype::Int16,
        (false, Some(4)) => Dtype::Int32,
        (false, Some(b)) => return Err(format!("bytes_per_waveform {b} is not 1, 2 or 4")),
        (false, None) => {
            return Err("no NEUEVWAV header: the waveform sample size is unknown".into());
        }
    };
    let size = dtype.size() as u64;
    let whole = field / size;
    let n = match (basic.spec, w.and_then(|w| w.spike_width)) {
        (NevSpec::V23 | NevSpec::V30, Some(width)) => u64::from(width).min(whole),
        _ => whole,
    };
    Ok(WaveformLayout {
        dtype,
        n_samples: n,
        offset: basic.packet_size - n * size,
    })
}

/// One spike channel per unit, neo's names and ids.
pub(crate) fn spike_channels(
    nev: &NevFile,
    units: &[(u16, u8)],
) -> (Vec<SpikeChannel>, Vec<Option<WaveformLayout>>) {
    let wav = waveform_infos(&nev.ext);
    let labels: HashMap<u16, String> = nev
        .ext
        .iter()
        .filter_map(|e| match e {
            ExtHeader::Label {
                electrode_id,
                label,
            } => Some((*electrode_id, label.clone())),
            _ => None,
        })
        .collect();
    let mut first_wav: HashMap<u16, &WaveformInfo> = HashMap::new();
    for w in &wav {
        first_wav.entry(w.electrode_id).or_insert(w);
    }
    let mut chans = Vec::new();
    let mut layouts = Vec::new();
    for &(e, u) in units {
        let w = first_wav.get(&e).copied();
        let mut ann = Annotations::new();
        ann.insert("channel_id".into(), json!(e));
        ann.insert("unit_id".into(), json!(u));
        let class = match u {
            0 => "unclassified",
            1..=16 => "sorted",
            255 => "noise",
            _ => "reserved",
        };
        ann.insert("unit_classification".into(), json!(class));
        ann.insert("unit_tag".into(), json!(class));
        ann.insert(
            "description".into(),
            json!(format!("SpikeTrain channel_id: {e}, unit_id: {u}")),
        );
        if let Some(l) = labels.get(&e) {
            ann.insert("electrode_label".into(), json!(l));
        }
        let layout = waveform_layout(&nev.basic, w);
        match &layout {
            Ok(l) => ann.insert("waveform_dtype".into(), json!(l.dtype.name())),
            Err(note) => ann.insert("waveform_note".into(), json!(note)),
        };
        let (gain, units_s) = match w {
            Some(w) => {
                ann.insert("hi_threshold".into(), json!(w.hi_threshold));
                ann.insert("lo_threshold".into(), json!(w.lo_threshold));
                ann.insert("energy_threshold".into(), json!(w.energy_threshold));
                ann.insert("physical_connector".into(), json!(w.physical_connector));
                ann.insert("connector_pin".into(), json!(w.connector_pin));
                (f64::from(w.digitization_factor) / 1000.0, "uV")
            }
            None => (1.0, ""),
        };
        chans.push(SpikeChannel {
            name: format!("ch{e}#{u}"),
            id: format!("Unit {}", 1000 * u32::from(e) + u32::from(u)),
            wf_units: units_s.into(),
            wf_gain: gain,
            wf_offset: 0.0,
            wf_left_sweep: 10,
            wf_sampling_rate: 30000.0,
            annotations: ann,
        });
        layouts.push(layout.ok());
    }
    (chans, layouts)
}

/// One event channel per source, neo's names, empty ids.
pub(crate) fn event_channels(nev: &NevFile, sources: &[EventSource]) -> Vec<EventChannel> {
    let digital_labels: Vec<Value> = nev
        .ext
        .iter()
        .filter_map(|e| match e {
            ExtHeader::DigitalLabel { label, mode } => Some(json!({"label": label, "mode": mode})),
            _ => None,
        })
        .collect();
    sources
        .iter()
        .map(|s| {
            let mut ann = Annotations::new();
            ann.insert("description".into(), json!(s.description()));
            ann.insert("file_origin".into(), json!(nev.path.display().to_string()));
            if matches!(s, EventSource::Digital | EventSource::Serial) && !digital_labels.is_empty()
            {
                ann.insert(
                    "digital_labels".into(),
                    Value::Array(digital_labels.clone()),
                );
            }
            EventChannel {
                name: s.name(),
                id: String::new(),
                kind: EventKind::Event,
                annotations: ann,
            }
        })
        .collect()
}

/// NEV-level annotations of the block.
pub(crate) fn nev_annotations(nev: &NevFile, ann: &mut Annotations) {
    let b = &nev.basic;
    ann.insert("rec_datetime".into(), json!(iso_datetime(&b.time_origin)));
    ann.insert("nev_file_spec".into(), json!(b.spec.name()));
    ann.insert("nev_application".into(), json!(b.application));
    ann.insert("nev_comment".into(), json!(b.comment));
    ann.insert(
        "nev_timestamp_resolution".into(),
        json!(b.timestamp_resolution),
    );
    ann.insert("nev_sample_resolution".into(), json!(b.sample_resolution));
    for e in &nev.ext {
        if let ExtHeader::Text { kind, text } = e {
            let key = format!("nev_{}", kind.to_ascii_lowercase());
            match ann.get_mut(&key) {
                Some(Value::String(s)) => s.push_str(text),
                _ => {
                    ann.insert(key, json!(text));
                }
            }
        }
    }
    if let Some(scan) = &nev.scan {
        nev_scan_annotations(scan, ann);
    } else {
        ann.insert("nev_packets_read".into(), json!(false));
    }
}

fn nev_scan_annotations(s: &NevScan, ann: &mut Annotations) {
    ann.insert("nev_packets".into(), json!(s.n_packets));
    if s.trailing_bytes > 0 {
        ann.insert("nev_trailing_bytes".into(), json!(s.trailing_bytes));
    }
    let o = &s.other;
    for (k, v) in [
        ("nev_video_sync_packets", o.video_sync),
        ("nev_tracking_packets", o.tracking),
        ("nev_button_trigger_packets", o.button_trigger),
        ("nev_config_packets", o.config),
        ("nev_unknown_packets", o.unknown),
        (
            "nev_unclassified_digital_packets",
            o.unclassified_non_neural,
        ),
    ] {
        if v > 0 {
            ann.insert(k.into(), json!(v));
        }
    }
}

/// The block with its segments.
pub(crate) fn block(segs: &[SegPlan], mut ann: Annotations) -> Block {
    ann.insert("rec_pauses".into(), json!(segs.len() > 1));
    let rec = ann.get("rec_datetime").cloned();
    let segments = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut a = Annotations::new();
            a.insert("name".into(), json!(format!("Segment {i}")));
            if i == 0
                && let Some(r) = &rec
            {
                a.insert("rec_datetime".into(), r.clone());
            }
            Segment {
                t_start: s.t_start,
                t_stop: s.t_stop,
                annotations: a,
            }
        })
        .collect();
    Block {
        segments,
        annotations: ann,
    }
}
