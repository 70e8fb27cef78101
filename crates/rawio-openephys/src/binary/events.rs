//! Event streams: `events/<folder>/` of every node. TTL folders with states become epochs
//! (rising/falling edges paired per line), everything else events with labels (MessageCenter
//! text, BINARY metadata, channel numbers).
//!
//! Event times are the stored **sample numbers** at the event stream's rate (the sample clock
//! every signal `t_start` uses). The synchronized seconds (`timestamps.npy` of GUI 0.6+) are
//! kept beside them, in the same order, for [`crate::BinaryReader::event_synchronized_times`].

use rawio_core::{EventKind, NpyFile, Result};
use serde_json::{Map, Value, json};
use std::path::Path;

use crate::npy_text::{f64_values, first_npy, int_values, read_labels, u64_values};
use crate::oebin::{EventInfo, safe_folder};

/// An event channel: one `events/<folder>/` of one node.
#[derive(Debug, Clone)]
pub(crate) struct EventSource {
    /// The node's name (may be empty).
    pub node: String,
    /// The folder under `events/`.
    pub folder: String,
    /// neo's key of the stream (`"<node>#<top folder>"`), the first sort key.
    pub neo_key: String,
    /// The oebin entry of the first recording holding it.
    pub info: EventInfo,
}

impl EventSource {
    pub fn of(node: &str, info: &EventInfo) -> std::result::Result<EventSource, String> {
        let folder = safe_folder(&info.folder_name)
            .ok_or_else(|| format!("unusable folder_name {:?}", info.folder_name))?;
        let top = folder.split('/').next().unwrap_or(&folder);
        let neo_key = if node.is_empty() {
            top.to_owned()
        } else {
            format!("{node}#{top}")
        };
        Ok(EventSource {
            node: node.to_owned(),
            neo_key,
            folder,
            info: info.clone(),
        })
    }
}

/// The events of one channel in one recording.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EventData {
    /// Sample numbers (of the rising edge for epochs), chronological for epochs.
    pub samples: Vec<i64>,
    /// Epoch durations in samples.
    pub durations: Option<Vec<i64>>,
    pub labels: Vec<String>,
    /// Synchronized seconds, one per event, when the folder has them.
    pub sync: Option<Vec<f64>>,
    /// `full_words.npy` values, one per event.
    pub full_words: Option<Vec<u64>>,
}

impl EventData {
    /// The events whose sample time is in `[lo, hi)` seconds at `rate`.
    pub fn window(&self, lo: f64, hi: f64, rate: f64) -> EventData {
        let keep: Vec<usize> = self
            .samples
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                let t = **s as f64 / rate;
                t >= lo && t < hi
            })
            .map(|(i, _)| i)
            .collect();
        let pick_i = |v: &Vec<i64>| keep.iter().filter_map(|&i| v.get(i).copied()).collect();
        EventData {
            samples: pick_i(&self.samples),
            durations: self.durations.as_ref().map(pick_i),
            labels: keep
                .iter()
                .filter_map(|&i| self.labels.get(i).cloned())
                .collect(),
            sync: self
                .sync
                .as_ref()
                .map(|v| keep.iter().filter_map(|&i| v.get(i).copied()).collect()),
            full_words: self
                .full_words
                .as_ref()
                .map(|v| keep.iter().filter_map(|&i| v.get(i).copied()).collect()),
        }
    }
}

/// Whether a folder holds TTL states (and so is an epoch channel).
pub(crate) fn kind_of(dir: &Path) -> EventKind {
    if dir.join("states.npy").is_file() || dir.join("channel_states.npy").is_file() {
        EventKind::Epoch
    } else {
        EventKind::Event
    }
}

fn npy(dir: &Path, name: &str) -> Result<Option<NpyFile>> {
    first_npy(dir, &[name])
}

/// Epochs from TTL edges: for every line, each rising edge (`+line`) is paired with the next
/// falling edge (`-line`); a falling edge without an open rising edge (a leading falling
/// edge) and a rising edge that is never closed (a trailing rising edge) are dropped and
/// counted. Returns `(rising index, falling index)` pairs in chronological order and the
/// number of dropped edges.
pub(crate) fn pair_edges(states: &[i64]) -> (Vec<(usize, usize)>, u64) {
    let mut open: std::collections::BTreeMap<i64, usize> = Default::default();
    let mut pairs = Vec::new();
    let mut dropped = 0u64;
    for (i, &s) in states.iter().enumerate() {
        if s > 0 {
            if open.insert(s, i).is_some() {
                dropped += 1;
            }
        } else if s < 0 {
            match open.remove(&s.saturating_neg()) {
                Some(r) => pairs.push((r, i)),
                None => dropped += 1,
            }
        } else {
            dropped += 1;
        }
    }
    dropped += open.len() as u64;
    pairs.sort_unstable();
    (pairs, dropped)
}

/// Reads one event folder of one recording. Problems are returned as warnings, never errors
/// for missing optional files.
pub(crate) fn load(
    dir: &Path,
    kind: EventKind,
    warnings: &mut Vec<String>,
    stats: &mut Map<String, Value>,
) -> Result<EventData> {
    let (samples_file, sync_file) = match npy(dir, "sample_numbers.npy")? {
        Some(f) => (Some(f), npy(dir, "timestamps.npy")?),
        None => (npy(dir, "timestamps.npy")?, None),
    };
    let samples = match &samples_file {
        Some(f) if !f.header().dtype.is_float() => int_values(f)?,
        Some(f) => {
            warnings.push(format!(
                "{}: float timestamps without sample numbers; events skipped",
                f.path().display()
            ));
            return Ok(EventData::default());
        }
        None => {
            warnings.push(format!(
                "{}: no sample numbers; events skipped",
                dir.display()
            ));
            return Ok(EventData::default());
        }
    };
    let n = samples.len();
    let sync = match &sync_file {
        Some(f) if f.header().element_count() == n as u64 => Some(f64_values(f)?),
        _ => None,
    };
    let full_words = match npy(dir, "full_words.npy")? {
        Some(f) if f.header().element_count() == n as u64 => Some(u64_values(&f)?),
        _ => None,
    };
    let mut labels = None;
    for name in ["text.npy", "metadata.npy", "channels.npy", "states.npy"] {
        let p = dir.join(name);
        if !p.is_file() {
            continue;
        }
        if let Some(l) = read_labels(&p)? {
            labels = Some(l);
            break;
        }
    }
    let mut labels = labels.unwrap_or_else(|| vec![String::new(); n]);
    if labels.len() != n {
        warnings.push(format!(
            "{}: {} labels for {n} events; labels left empty",
            dir.display(),
            labels.len()
        ));
        labels = vec![String::new(); n];
    }
    let mut data = EventData {
        samples,
        durations: None,
        labels,
        sync,
        full_words,
    };
    if kind == EventKind::Epoch {
        data = epochs(dir, data, warnings, stats)?;
    }
    Ok(data)
}

fn epochs(
    dir: &Path,
    data: EventData,
    warnings: &mut Vec<String>,
    stats: &mut Map<String, Value>,
) -> Result<EventData> {
    let states_file = match npy(dir, "states.npy")? {
        Some(f) => Some(f),
        None => npy(dir, "channel_states.npy")?,
    };
    let states = match &states_file {
        Some(f) => int_values(f)?,
        None => Vec::new(),
    };
    if states.len() != data.samples.len() {
        warnings.push(format!(
            "{}: {} states for {} events; no epochs",
            dir.display(),
            states.len(),
            data.samples.len()
        ));
        return Ok(EventData {
            durations: Some(Vec::new()),
            ..EventData::default()
        });
    }
    let (pairs, dropped) = pair_edges(&states);
    if dropped > 0 {
        stats.insert("unpaired_edges".into(), json!(dropped));
    }
    let pick = |v: &Vec<f64>| {
        pairs
            .iter()
            .filter_map(|&(r, _)| v.get(r).copied())
            .collect()
    };
    Ok(EventData {
        samples: pairs.iter().map(|&(r, _)| data.samples[r]).collect(),
        durations: Some(
            pairs
                .iter()
                .map(|&(r, f)| data.samples[f].saturating_sub(data.samples[r]))
                .collect(),
        ),
        labels: pairs
            .iter()
            .map(|&(r, _)| {
                let l = &data.labels[r];
                if l.is_empty() {
                    states[r].to_string()
                } else {
                    l.clone()
                }
            })
            .collect(),
        sync: data.sync.as_ref().map(pick),
        full_words: data.full_words.as_ref().map(|v| {
            pairs
                .iter()
                .filter_map(|&(r, _)| v.get(r).copied())
                .collect()
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_pair_per_line() {
        // line 1: leading falling edge, two epochs, trailing rising edge; line 2: one epoch
        let states = [-1, 1, 2, -1, -2, 1, -1, 1];
        let (pairs, dropped) = pair_edges(&states);
        assert_eq!(pairs, vec![(1, 3), (2, 4), (5, 6)]);
        assert_eq!(dropped, 2);
        let (pairs, dropped) = pair_edges(&[1, 1, -1, 0]);
        assert_eq!((pairs, dropped), (vec![(1, 2)], 2));
        assert_eq!(pair_edges(&[i64::MIN]).1, 1);
    }

    #[test]
    fn windows_filter_everything_together() {
        let d = EventData {
            samples: vec![10, 20, 30],
            durations: Some(vec![1, 2, 3]),
            labels: vec!["a".into(), "b".into(), "c".into()],
            sync: Some(vec![0.1, 0.2, 0.3]),
            full_words: None,
        };
        let w = d.window(1.5, 3.0, 10.0);
        assert_eq!(w.samples, vec![20]);
        assert_eq!(w.durations, Some(vec![2]));
        assert_eq!(w.labels, vec!["b"]);
        assert_eq!(w.sync, Some(vec![0.2]));
    }
}
