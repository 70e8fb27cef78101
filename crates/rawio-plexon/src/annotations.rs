//! The block annotations, derived from typed values: the global header's fields, what the
//! scan found, and the check of the header's per-channel counts (`TSCounts`, `WFCounts`,
//! `EVCounts`) against the index ([`count_mismatches`]).

use crate::channels::{MAX_LISTED, UnitRef};
use crate::header::{FileHeaders, GlobalHeader};
use crate::index::Index;
use rawio_core::Annotations;
use rawio_core::serde_json::{Value, json};
use std::path::Path;

/// One count of the global header that differs from what the scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CountMismatch {
    /// `"TSCounts"`, `"WFCounts"` or `"EVCounts"`.
    pub(crate) counts: &'static str,
    /// Channel (the index into `EVCounts` for events and slow channels).
    pub(crate) channel: usize,
    /// Unit, for `TSCounts` and `WFCounts`.
    pub(crate) unit: Option<usize>,
    /// The header's count.
    pub(crate) header: i32,
    /// The count found in the data blocks.
    pub(crate) found: u64,
}

impl CountMismatch {
    fn to_json(&self) -> Value {
        let mut v = json!({"counts": self.counts, "channel": self.channel, "header": self.header, "found": self.found});
        if let (Some(u), Some(o)) = (self.unit, v.as_object_mut()) {
            o.insert("unit".into(), json!(u));
        }
        v
    }
}

/// The counts of the header that differ from the scan: how many, and the first
/// [`MAX_LISTED`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CountCheck {
    pub(crate) n: usize,
    pub(crate) listed: Vec<CountMismatch>,
}

impl CountCheck {
    fn compare(
        &mut self,
        counts: &'static str,
        i: usize,
        per_unit: bool,
        header: &[i32],
        found: u64,
    ) {
        let header = header.get(i).copied().unwrap_or(0);
        if i64::from(header) == i64::try_from(found).unwrap_or(i64::MAX) {
            return;
        }
        self.n += 1;
        if self.listed.len() < MAX_LISTED {
            let (channel, unit) = if per_unit {
                (i / 5, Some(i % 5))
            } else {
                (i, None)
            };
            self.listed.push(CountMismatch {
                counts,
                channel,
                unit,
                header,
                found,
            });
        }
    }
}

/// Compares `TSCounts`/`WFCounts` (spike blocks and blocks with waveforms per channel < 130
/// and unit < 5) and `EVCounts` (events per event channel < 300; samples per slow channel
/// at `300 + channel`) with what the scan found. `units` are the spike channels,
/// `event_slots` the slot of each event header, `signals` the (channel number, samples) of
/// each signal channel.
pub(crate) fn count_mismatches(
    headers: &FileHeaders,
    index: &Index,
    units: &[UnitRef],
    event_slots: &[Option<usize>],
    signals: &[(i32, u64)],
) -> CountCheck {
    let g = &headers.global;
    let mut ts = vec![0u64; 650];
    let mut wf = vec![0u64; 650];
    for u in units {
        let unit = &index.spikes[u.slot].units[u.pos];
        let (ch, un) = (usize::try_from(u.channel).ok(), usize::from(unit.unit));
        if let Some(ch) = ch
            && ch < 130
            && un < 5
        {
            ts[ch * 5 + un] += unit.timestamps.len() as u64;
            wf[ch * 5 + un] += unit.n_with_waveforms;
        }
    }
    let mut ev = vec![0u64; 512];
    let mut ev_seen = vec![false; 512];
    for (h, slot) in headers.events.iter().zip(event_slots) {
        if let (Ok(ch), Some(slot)) = (usize::try_from(h.channel), slot)
            && ch < 300
            && !std::mem::replace(&mut ev_seen[ch], true)
        {
            ev[ch] += index.events[*slot].timestamps.len() as u64;
        }
    }
    for &(channel, samples) in signals {
        if let Some(i) = usize::try_from(channel)
            .ok()
            .and_then(|ch| ch.checked_add(300))
            .filter(|&i| i < 512)
        {
            ev[i] += samples;
        }
    }
    let mut check = CountCheck::default();
    for (i, &found) in ts.iter().enumerate() {
        check.compare("TSCounts", i, true, &g.ts_counts, found);
    }
    for (i, &found) in wf.iter().enumerate() {
        check.compare("WFCounts", i, true, &g.wf_counts, found);
    }
    for (i, &found) in ev.iter().enumerate() {
        check.compare("EVCounts", i, false, &g.ev_counts, found);
    }
    check
}

/// The block annotations: the global header's fields (by version), the scan's block count,
/// last timestamp and dropped block, the count check, and the slow headers left out as
/// duplicates.
pub(crate) fn block_annotations(
    headers: &FileHeaders,
    index: &Index,
    counts: &CountCheck,
    duplicate_slows: &[usize],
    path: &Path,
) -> Annotations {
    let g = &headers.global;
    let mut a = global_annotations(g);
    a.insert("data_blocks".into(), json!(index.n_blocks));
    if let Some(t) = index.last_block_timestamp {
        a.insert("last_block_timestamp".into(), json!(t));
    }
    if let Some(t) = index.dropped {
        a.insert(
            "truncated_block".into(),
            json!({"offset": t.offset, "needed": t.needed, "available": t.available,
                   "note": format!("the final data block of {} is truncated and was dropped", path.display())}),
        );
    }
    a.insert("header_count_mismatch_count".into(), json!(counts.n));
    a.insert(
        "header_count_mismatches".into(),
        Value::Array(counts.listed.iter().map(CountMismatch::to_json).collect()),
    );
    if !duplicate_slows.is_empty() {
        let list = duplicate_slows
            .iter()
            .filter_map(|&i| headers.slows.get(i))
            .map(|h| json!({"name": h.name, "channel": h.channel}))
            .collect();
        a.insert("duplicate_slow_channel_headers".into(), Value::Array(list));
    }
    a
}

/// The fields of the global header, by version.
fn global_annotations(g: &GlobalHeader) -> Annotations {
    let mut a = Annotations::new();
    a.insert("plexon_version".into(), json!(g.version));
    a.insert("rec_datetime".into(), json!(g.rec_datetime()));
    a.insert("comment".into(), json!(g.comment));
    a.insert("ad_frequency".into(), json!(g.ad_frequency));
    a.insert("waveform_freq".into(), json!(g.waveform_freq));
    a.insert("num_points_wave".into(), json!(g.num_points_wave));
    a.insert("num_points_pre_thr".into(), json!(g.num_points_pre_thr));
    a.insert("last_timestamp_header".into(), json!(g.last_timestamp));
    if g.version >= 103 {
        a.insert("trodalness".into(), json!(g.trodalness));
        a.insert(
            "bits_per_spike_sample".into(),
            json!(g.bits_per_spike_sample),
        );
        a.insert("bits_per_slow_sample".into(), json!(g.bits_per_slow_sample));
        a.insert(
            "spike_max_magnitude_mv".into(),
            json!(g.spike_max_magnitude_mv),
        );
        a.insert(
            "slow_max_magnitude_mv".into(),
            json!(g.slow_max_magnitude_mv),
        );
    }
    if g.version >= 105 {
        a.insert("spike_pre_amp_gain".into(), json!(g.spike_pre_amp_gain));
    }
    if g.version >= 106 {
        a.insert("acquiring_software".into(), json!(g.acquiring_software));
        a.insert("processing_software".into(), json!(g.processing_software));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::test_headers::{event, global};
    use crate::index::{EventIndex, SpikeChannelIndex, UnitIndex};

    #[test]
    fn header_counts_compared_with_the_index() {
        let mut g = global(40000, 0.0);
        g.ts_counts[5 + 2] = 3; // channel 1, unit 2: right
        g.wf_counts[5 + 2] = 1; // wrong: 2 blocks with waveforms
        g.ev_counts[257] = 4; // wrong: 2 events
        g.ev_counts[300 + 7] = 100; // slow channel 7: right
        let headers = FileHeaders {
            global: g,
            dsps: Vec::new(),
            events: vec![event("Strobed", 257), event("again", 257)],
            slows: Vec::new(),
            slow_start: 0,
            data_start: 0,
        };
        let index = Index {
            spikes: vec![SpikeChannelIndex {
                units: vec![UnitIndex {
                    unit: 2,
                    timestamps: vec![1, 2, 3],
                    offsets: vec![0, 0, 0],
                    n_with_waveforms: 2,
                }],
                ..Default::default()
            }],
            events: vec![EventIndex {
                timestamps: vec![5, 6],
                labels: vec![0, 0],
            }],
            ..Default::default()
        };
        let units = [UnitRef {
            slot: 0,
            pos: 0,
            channel: 1,
        }];
        let c = count_mismatches(&headers, &index, &units, &[Some(0), Some(0)], &[(7, 100)]);
        assert_eq!(c.n, 2);
        assert_eq!(
            c.listed[0],
            CountMismatch {
                counts: "WFCounts",
                channel: 1,
                unit: Some(2),
                header: 1,
                found: 2
            }
        );
        assert_eq!(
            c.listed[1].to_json(),
            json!({"counts": "EVCounts", "channel": 257, "header": 4, "found": 2})
        );
        let a = block_annotations(&headers, &index, &c, &[], Path::new("x.plx"));
        assert_eq!(a["header_count_mismatch_count"], json!(2));
        assert_eq!(a["header_count_mismatches"][0]["unit"], json!(2));
        assert_eq!(a["rec_datetime"], json!("2024-01-02T03:04:05"));
        assert!(!a.contains_key("duplicate_slow_channel_headers"));
    }
}
