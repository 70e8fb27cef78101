//! The *segments* step: one segment (neo's model), or one per gap-free run of the slow
//! channels; for each, its time window and where every channel, unit and event channel
//! starts and stops in the index.

use crate::FORMAT_ID;
use crate::channels::{StreamInfo, UnitRef, seconds};
use crate::header::GlobalHeader;
use crate::index::{Index, SlowIndex};
use rawio_core::serde_json::json;
use rawio_core::{Annotations, Error, Result, Segment};
use std::ops::Range;
use std::path::Path;

/// One segment: where each channel/unit/event channel starts and stops.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SegInfo {
    /// Sample range of each slow slot.
    pub(crate) slow: Vec<Range<u64>>,
    /// Signal t_start of each stream.
    pub(crate) stream_t_start: Vec<f64>,
    /// Spike index range of each unit.
    pub(crate) spikes: Vec<Range<usize>>,
    /// Event index range of each event channel.
    pub(crate) events: Vec<Range<usize>>,
}

/// A gap-free run of a slow channel: start tick, end tick, sample range.
type Run = (u64, u64, Range<u64>);

/// What the segments are cut from.
pub(crate) struct SegmentPlan<'a> {
    pub(crate) global: &'a GlobalHeader,
    pub(crate) index: &'a Index,
    pub(crate) streams: &'a [StreamInfo],
    /// Id of each stream (for errors).
    pub(crate) stream_ids: Vec<&'a str>,
    pub(crate) units: &'a [UnitRef],
    /// Event slot of each event channel.
    pub(crate) event_slots: &'a [Option<usize>],
}

/// The gap-free runs of a slow channel.
fn channel_runs(si: &SlowIndex, adf: i64) -> Vec<Run> {
    let Some(first) = si.first_timestamp else {
        return Vec::new();
    };
    let mut runs = Vec::with_capacity(si.gaps.len() + 1);
    let (mut start_tick, mut start_sample) = (first, 0u64);
    for g in &si.gaps {
        runs.push((
            start_tick,
            g.expected.max(start_tick),
            start_sample..g.sample,
        ));
        start_tick = g.timestamp;
        start_sample = g.sample;
    }
    let end = si.end_timestamp(adf).unwrap_or(start_tick).max(start_tick);
    runs.push((start_tick, end, start_sample..si.total));
    runs
}

/// Merges `(start, end)` tick intervals that overlap or touch (within one tick).
fn merge_intervals(mut runs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    runs.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in runs {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

impl SegmentPlan<'_> {
    fn adf(&self) -> i64 {
        i64::from(self.global.ad_frequency)
    }

    /// Segments and their per-channel ranges: one, or one per gap-free run of the slow
    /// channels with `split`.
    pub(crate) fn build(&self, split: bool, path: &Path) -> Result<(Vec<Segment>, Vec<SegInfo>)> {
        let used: Vec<usize> = self
            .streams
            .iter()
            .flat_map(|s| s.slots.iter().copied())
            .collect();
        let n_slots = self.index.slows.len();
        let mut runs_of: Vec<Vec<Run>> = vec![Vec::new(); n_slots];
        let mut intervals = Vec::new();
        if split {
            for &slot in &used {
                runs_of[slot] = channel_runs(&self.index.slows[slot], self.adf());
            }
            intervals = merge_intervals(runs_of.iter().flatten().map(|r| (r.0, r.1)).collect());
        }
        if intervals.len() <= 1 {
            intervals = vec![(0, u64::MAX)];
        }
        let mut segs = Vec::with_capacity(intervals.len());
        let mut infos = Vec::with_capacity(intervals.len());
        let mut cursor = vec![0usize; n_slots];
        for (k, &(start, end)) in intervals.iter().enumerate() {
            let next = intervals.get(k + 1).map(|n| n.0);
            let (slow, first_ts) = if intervals.len() == 1 {
                self.whole_channels(&used)
            } else {
                slow_ranges(&used, &runs_of, &mut cursor, start..end, n_slots)
            };
            let (seg, info) = self.segment(
                k,
                intervals.len(),
                (start, end),
                next,
                slow,
                &first_ts,
                path,
            )?;
            segs.push(seg);
            infos.push(info);
        }
        Ok((segs, infos))
    }

    /// Every sample of every used slot, and each slot's first timestamp (one segment).
    fn whole_channels(&self, used: &[usize]) -> (Vec<Range<u64>>, Vec<Option<u64>>) {
        let n = self.index.slows.len();
        let (mut slow, mut first_ts) = (vec![0..0; n], vec![None; n]);
        for &slot in used {
            let si = &self.index.slows[slot];
            slow[slot] = 0..si.total;
            first_ts[slot] = si.first_timestamp;
        }
        (slow, first_ts)
    }

    /// Segment `k` of `n_seg`, covering ticks `start..end` of its interval (`next` is the
    /// next interval's start), with the slow sample ranges `slow`.
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &self,
        k: usize,
        n_seg: usize,
        (start, end): (u64, u64),
        next: Option<u64>,
        slow: Vec<Range<u64>>,
        first_ts: &[Option<u64>],
        path: &Path,
    ) -> Result<(Segment, SegInfo)> {
        let adf = self.adf();
        let lo = if k == 0 { 0 } else { start };
        let hi = next.unwrap_or(u64::MAX);
        let t_start = seconds(lo, adf);
        let mut t_stop = if n_seg > 1 { seconds(end, adf) } else { 0.0 };
        if let (1, Some(m)) = (n_seg, self.index.max_timestamp) {
            t_stop = t_stop.max(seconds(m, adf));
        }
        let (stream_t_start, signals_end) =
            self.stream_t_starts(k, &slow, first_ts, t_start, path)?;
        t_stop = t_stop.max(signals_end);
        let (spikes, events, last) = self.windows(lo, hi);
        t_stop = t_stop.max(last);
        let mut ann = Annotations::new();
        if t_stop.partial_cmp(&t_start) != Some(std::cmp::Ordering::Greater) {
            t_stop = self.empty_t_stop(t_start);
            ann.insert(
                "t_stop_note".into(),
                json!(
                    "no data in this segment: t_stop comes from the header's LastTimestamp \
                     (or is a placeholder)"
                ),
            );
        }
        if n_seg > 1 {
            ann.insert("start_tick".into(), json!(start));
            ann.insert("end_tick".into(), json!(end));
        }
        ann.insert("plexon_version".into(), json!(self.global.version));
        ann.insert("rec_datetime".into(), json!(self.global.rec_datetime()));
        let seg = Segment {
            t_start,
            t_stop,
            annotations: ann,
        };
        let info = SegInfo {
            slow,
            stream_t_start,
            spikes,
            events,
        };
        Ok((seg, info))
    }

    /// The signal t_start of each stream in segment `k` (its first block's time, else the
    /// segment's `t_start`) and the latest signal end (0 without signals). The channels of a
    /// stream must have as many samples.
    fn stream_t_starts(
        &self,
        k: usize,
        slow: &[Range<u64>],
        first_ts: &[Option<u64>],
        t_start: f64,
        path: &Path,
    ) -> Result<(Vec<f64>, f64)> {
        let adf = self.adf();
        let mut out = Vec::with_capacity(self.streams.len());
        let mut end = 0.0f64;
        for (s, st) in self.streams.iter().enumerate() {
            let Some(&first) = st.slots.first() else {
                out.push(t_start);
                continue;
            };
            let size = slow[first].end - slow[first].start;
            for &slot in &st.slots {
                let n = slow[slot].end - slow[slot].start;
                if n != size {
                    return Err(Error::corrupt(
                        FORMAT_ID,
                        path,
                        0,
                        format!(
                            "stream {:?}, segment {k}: channel slots {first} and {slot} have \
                             {size} and {n} samples",
                            self.stream_ids.get(s).copied().unwrap_or("")
                        ),
                    ));
                }
            }
            let ts = match first_ts[first] {
                Some(t) if size > 0 => seconds(t, adf),
                _ => t_start,
            };
            out.push(ts);
            let rate = self.index.slows[first].rate as f64;
            if rate > 0.0 {
                end = end.max(ts + size as f64 / rate);
            }
        }
        Ok((out, end))
    }

    /// The spikes of each unit and the events of each event channel in ticks `lo..hi`, and
    /// the time of the latest of them (0 when there is none).
    fn windows(&self, lo: u64, hi: u64) -> (Vec<Range<usize>>, Vec<Range<usize>>, f64) {
        let adf = self.adf();
        let window = |ts: &[u64]| ts.partition_point(|&t| t < lo)..ts.partition_point(|&t| t < hi);
        let mut last = 0.0f64;
        let mut latest = |ts: &[u64], r: &Range<usize>| {
            if let Some(&t) = r.end.checked_sub(1).and_then(|i| ts.get(i)) {
                last = last.max(seconds(t, adf));
            }
        };
        let spikes: Vec<Range<usize>> = self
            .units
            .iter()
            .map(|u| {
                let ts = &self.index.spikes[u.slot].units[u.pos].timestamps;
                let r = window(ts);
                latest(ts, &r);
                r
            })
            .collect();
        let events: Vec<Range<usize>> = self
            .event_slots
            .iter()
            .map(|s| {
                s.map_or(0..0, |s| {
                    let ts = &self.index.events[s].timestamps;
                    let r = window(ts);
                    latest(ts, &r);
                    r
                })
            })
            .collect();
        (spikes, events, last)
    }

    /// `t_stop` of a segment with nothing recorded: the header's `LastTimestamp`, else one
    /// tick after `t_start`.
    fn empty_t_stop(&self, t_start: f64) -> f64 {
        let adf = self.adf();
        let from_header = if adf > 0 {
            self.global.last_timestamp / adf as f64
        } else {
            f64::NAN
        };
        if from_header.is_finite() && from_header > t_start {
            from_header
        } else if adf > 0 {
            t_start + 1.0 / adf as f64
        } else {
            t_start + 1.0
        }
    }
}

/// The sample range of each used slot inside the tick window `window` (its runs starting in
/// the window), and each slot's first timestamp there. Runs and windows are both in time
/// order: `cursor` walks each slot's runs once over all the windows.
fn slow_ranges(
    used: &[usize],
    runs_of: &[Vec<Run>],
    cursor: &mut [usize],
    window: Range<u64>,
    n_slots: usize,
) -> (Vec<Range<u64>>, Vec<Option<u64>>) {
    let (mut slow, mut first_ts) = (vec![0..0; n_slots], vec![None; n_slots]);
    for &slot in used {
        let mut r: Option<Range<u64>> = None;
        let runs = &runs_of[slot];
        while let Some(run) = runs.get(cursor[slot]).filter(|run| run.0 <= window.end) {
            if run.0 >= window.start {
                if r.is_none() {
                    first_ts[slot] = Some(run.0);
                }
                r = Some(r.map_or(run.2.clone(), |x| x.start..run.2.end));
            }
            cursor[slot] += 1;
        }
        slow[slot] = r.unwrap_or(0..0);
    }
    (slow, first_ts)
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;
    use crate::header::test_headers::global;
    use crate::index::Gap;

    fn slow(first: u64, gaps: Vec<Gap>, total: u64) -> SlowIndex {
        let mut si = SlowIndex::default();
        si.first_timestamp = Some(first);
        si.gaps = gaps;
        si.total = total;
        si.rate = 1000;
        si.starts = vec![0];
        si.offsets = vec![0];
        si
    }

    #[test]
    fn runs_and_merged_intervals() {
        let gap = Gap {
            sample: 10,
            block: 1,
            timestamp: 1000,
            expected: 400,
        };
        let si = slow(0, vec![gap], 30);
        // without a recorded last block the end is the last run's start
        assert_eq!(
            channel_runs(&si, 40000),
            vec![(0, 400, 0..10), (1000, 1000, 10..30)]
        );
        assert_eq!(channel_runs(&SlowIndex::default(), 40000), vec![]);
        assert_eq!(
            merge_intervals(vec![(50, 60), (0, 10), (11, 20), (5, 8)]),
            vec![(0, 20), (50, 60)]
        );
    }

    #[test]
    fn slow_ranges_walk_runs_once() {
        let runs = vec![vec![(0, 400, 0..10), (1000, 1400, 10..30)]];
        let mut cursor = vec![0];
        let (r, first) = slow_ranges(&[0], &runs, &mut cursor, 0..400, 1);
        assert_eq!((r, first), (vec![0..10], vec![Some(0)]));
        let (r, first) = slow_ranges(&[0], &runs, &mut cursor, 1000..1400, 1);
        assert_eq!((r, first), (vec![10..30], vec![Some(1000)]));
        assert_eq!(cursor, vec![2]);
    }

    #[test]
    fn one_segment_spans_signals_spikes_and_events() {
        let index = Index {
            // 0.1 s, 0.5 s at 1 kHz
            slows: vec![slow(4000, Vec::new(), 500)],
            spikes: vec![crate::index::SpikeChannelIndex {
                units: vec![crate::index::UnitIndex {
                    timestamps: vec![100, 30000],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            events: vec![crate::index::EventIndex {
                timestamps: vec![8000],
                labels: vec![1],
            }],
            max_timestamp: Some(30000),
            ..Default::default()
        };
        let g = global(40000, 0.0);
        let streams = [StreamInfo { slots: vec![0] }];
        let units = [UnitRef {
            slot: 0,
            pos: 0,
            channel: 1,
        }];
        let plan = SegmentPlan {
            global: &g,
            index: &index,
            streams: &streams,
            stream_ids: vec!["FP"],
            units: &units,
            event_slots: &[Some(0), None],
        };
        let (segs, infos) = plan.build(false, Path::new("x.plx")).unwrap();
        assert_eq!(segs.len(), 1);
        assert_eq!((segs[0].t_start, segs[0].t_stop), (0.0, 0.75));
        assert_eq!(
            segs[0].annotations["rec_datetime"],
            json!("2024-01-02T03:04:05")
        );
        assert_eq!(infos[0].slow, vec![0..500]);
        assert_eq!(infos[0].stream_t_start, vec![0.1]);
        assert_eq!(infos[0].spikes, vec![0..2]);
        assert_eq!(infos[0].events, vec![0..1, 0..0]);
        // nothing recorded: LastTimestamp, else one tick
        let empty = Index::default();
        let plan = SegmentPlan {
            global: &g,
            index: &empty,
            streams: &[],
            stream_ids: Vec::new(),
            units: &[],
            event_slots: &[],
        };
        assert_eq!(plan.empty_t_stop(0.0), 1.0 / 40000.0);
        let g2 = global(40000, 80000.0);
        let plan = SegmentPlan {
            global: &g2,
            ..plan
        };
        let (segs, _) = plan.build(true, Path::new("x.plx")).unwrap();
        assert_eq!(segs[0].t_stop, 2.0);
        assert!(segs[0].annotations.contains_key("t_stop_note"));
    }
}
