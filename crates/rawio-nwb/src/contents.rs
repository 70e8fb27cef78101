//! What a file holds, for `rawio info`: every object by its short key (pynapple's
//! `NWBFile` table) with its kind, and the session metadata.

use crate::model::{Model, TimeAxis};
use crate::table;
use rawio_core::{Annotations, SampleClock, SignalStream};
use rawio_hdf5::{ElementType, H5File};
use serde_json::{Value, json};

/// The block annotation `contents`: one object per NWB object (tables and series), in path
/// order, each with `key` (pynapple's unique short name), `kind` (`units table`,
/// `interval table`, `events table`, `electrodes table`, `table`, `series (regular clock)`,
/// `series (explicit clock)`, `series (events: repeated timestamps)`,
/// `series (not a stream)`, `series (not read)`, `annotation series (events)`, `annotation series (another
/// clock)`, `spike event series`), `path`, for tables `rows` and `columns` (names), for
/// series `shape`, `dtype`, `rate` or `timestamps` (their count) and, when the series is
/// not read as a stream or events or a table is not read, `note` (why).
pub(crate) fn listing(
    h: &H5File,
    model: &Model,
    streams: &[SignalStream],
    event_ids: &[&str],
    other: &[Value],
    not_read: &[crate::degrade::NotRead],
) -> Value {
    let mut found: Vec<(String, Value)> = Vec::new();
    for t in &model.tables {
        let kind = if t.is_units() {
            "units table"
        } else if t.is_intervals() {
            "interval table"
        } else if t.is_events() {
            "events table"
        } else if t.is_electrodes() {
            "electrodes table"
        } else {
            "table"
        };
        let colnames = crate::model::attrs(h, &t.path).strings("colnames");
        let columns = table::column_names(colnames, &t.columns);
        let rows = h
            .dataset(&format!("{}/id", t.path))
            .ok()
            .and_then(|d| table::stored_len(&d).ok());
        let mut v = json!({"kind": kind, "rows": rows, "columns": columns});
        if let (Some(o), Some(n)) = (
            v.as_object_mut(),
            not_read.iter().find(|n| n.path == t.path),
        ) {
            o.insert("note".into(), format!("not read: {}", n.reason).into());
        }
        found.push((t.path.clone(), v));
    }
    for s in &model.series {
        let stream = streams.iter().find(|x| x.id == s.path);
        let event = event_ids.contains(&s.path.as_str());
        let unread = not_read.iter().find(|n| n.path == s.path);
        let note = other
            .iter()
            .find(|o| o["path"] == s.path.as_str())
            .and_then(|o| o["reason"].as_str())
            .or(unread.map(|n| n.reason.as_str()));
        let kind = if s.is_annotation() {
            if event || note.is_none() {
                "annotation series (events)"
            } else {
                "annotation series (another clock)"
            }
        } else if s.is_spike_events() {
            "spike event series"
        } else if event {
            "series (events: repeated timestamps)"
        } else if unread.is_some() {
            "series (not read)"
        } else {
            match stream.map(|x| x.clock) {
                Some(SampleClock::Regular) => "series (regular clock)",
                Some(_) => "series (explicit clock)",
                None => "series (not a stream)",
            }
        };
        let dtype = match &s.elem {
            ElementType::Numeric(d) => d.name().to_owned(),
            ElementType::Text => "text".to_owned(),
            other => format!("{other:?}"),
        };
        let mut v = json!({"kind": kind, "shape": s.shape, "dtype": dtype});
        if let (Some(o), Some(t)) = (v.as_object_mut(), &s.time) {
            match t {
                TimeAxis::Regular { rate, .. } => {
                    o.insert("rate".into(), rawio_core::json_f64(*rate));
                }
                TimeAxis::Timestamps { count, .. } => {
                    o.insert("timestamps".into(), (*count).into());
                }
            }
        }
        if let (Some(o), Some(n)) = (v.as_object_mut(), note) {
            o.insert("note".into(), n.into());
        }
        found.push((s.path.clone(), v));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let paths: Vec<String> = found.iter().map(|(p, _)| p.clone()).collect();
    let keys = crate::file::unique_keys(&paths);
    found
        .into_iter()
        .zip(keys)
        .map(|((path, mut v), key)| {
            if let Some(o) = v.as_object_mut() {
                o.insert("key".into(), key.into());
                o.insert("path".into(), path.into());
            }
            v
        })
        .collect::<Vec<_>>()
        .into()
}

/// The block annotation `session`: `identifier`, `session_description`,
/// `session_start_time`, `nwb_version`, the lab, institution and experimenter when stored,
/// and `subject` (every `/general/subject` field).
pub(crate) fn session_summary(session: &Annotations) -> Annotations {
    let mut s = Annotations::new();
    for k in [
        "identifier",
        "session_description",
        "session_start_time",
        "nwb_version",
        "experimenter",
        "lab",
        "institution",
    ] {
        if let Some(v) = session.get(k) {
            s.insert(k.into(), v.clone());
        }
    }
    let subject: Annotations = session
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("subject_")?.to_owned(), v.clone())))
        .collect();
    if !subject.is_empty() {
        s.insert("subject".into(), subject.into());
    }
    let mut out = Annotations::new();
    out.insert("session".into(), s.into());
    out
}
