//! Segments are recording pauses: the runs of continuous data of every NSx file are paired
//! into recording segments, then every NEV packet is assigned to a segment by its time.

use crate::files::{Instant, NsxFile};
use crate::nev_header::WaveformInfo;
use crate::nev_index::{Grouped, RawList, group};
use std::collections::HashMap;

/// One recording segment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SegPlan {
    /// Per stream (NSx file), the index of its run in this segment, if it has one.
    pub parts: Vec<Option<usize>>,
    /// Earliest start and latest end of the runs (exact), `None` without runs.
    pub extent: Option<(Instant, Instant)>,
    /// Segment start in seconds (runs and NEV packets).
    pub t_start: f64,
    /// Segment stop in seconds.
    pub t_stop: f64,
}

impl SegPlan {
    /// A segment without runs (bounds from NEV packets, or a placeholder).
    pub fn empty() -> Self {
        SegPlan {
            parts: Vec::new(),
            extent: None,
            t_start: f64::INFINITY,
            t_stop: f64::NEG_INFINITY,
        }
    }

    fn new(files: &[&NsxFile], parts: Vec<Option<usize>>) -> Self {
        let mut extent: Option<(Instant, Instant)> = None;
        let (mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY);
        for (f, r) in files.iter().zip(&parts) {
            let Some(run) = r.and_then(|i| f.runs.get(i)) else {
                continue;
            };
            let (s, e) = (f.run_start(run), f.run_end(run));
            extent = Some(match extent {
                None => (s, e),
                Some((a, b)) => (a.min(s), b.max(e)),
            });
            t0 = t0.min(f.run_t_start(run));
            t1 = t1.max(f.run_t_stop(run));
        }
        SegPlan {
            parts,
            extent,
            t_start: t0,
            t_stop: t1,
        }
    }
}

/// Pairs the runs of the files into segments. When every file has the same number of runs
/// (the usual case: pauses stop every sampling group), run `i` of every file is segment `i`.
/// Otherwise runs are clustered by time: sorted by start, a run joins the current segment when
/// it starts before the segment ends and its file has no run there yet.
pub(crate) fn plan_segments(files: &[&NsxFile]) -> Vec<SegPlan> {
    let counts: Vec<usize> = files.iter().map(|f| f.runs.len()).collect();
    let n = counts.iter().copied().max().unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    if counts.iter().all(|&c| c == n) {
        return (0..n)
            .map(|i| SegPlan::new(files, vec![Some(i); files.len()]))
            .collect();
    }
    let mut all: Vec<(Instant, usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| {
            f.runs
                .iter()
                .enumerate()
                .map(move |(ri, r)| (f.run_start(r), fi, ri))
        })
        .collect();
    all.sort();
    let mut segs = Vec::new();
    let mut parts: Vec<Option<usize>> = vec![None; files.len()];
    let mut end: Option<Instant> = None;
    for (start, fi, ri) in all {
        let joins = end.is_some_and(|e| start < e) && parts[fi].is_none();
        if !joins && parts.iter().any(Option::is_some) {
            segs.push(SegPlan::new(
                files,
                std::mem::replace(&mut parts, vec![None; files.len()]),
            ));
        }
        parts[fi] = Some(ri);
        let e = files[fi].run_end(&files[fi].runs[ri]);
        end = Some(if joins {
            end.map_or(e, |x| x.max(e))
        } else {
            e
        });
    }
    segs.push(SegPlan::new(files, parts));
    segs
}

/// Assigns times to segments: the segment containing the time, else the nearest one (a packet
/// during a pause goes to the segment whose edge is closer; before the first segment, to the
/// first; after the last, to the last).
pub(crate) struct SegmentClock {
    /// (start, end, segment index), sorted by start.
    spans: Vec<(Instant, Instant, usize)>,
}

impl SegmentClock {
    pub fn new(segs: &[SegPlan]) -> Self {
        let mut spans: Vec<_> = segs
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.extent.map(|(a, b)| (a, b, i)))
            .collect();
        spans.sort_by(|x, y| x.0.cmp(&y.0).then(x.2.cmp(&y.2)));
        SegmentClock { spans }
    }

    pub fn segment_of(&self, t: Instant) -> usize {
        let k = self.spans.partition_point(|s| s.0 <= t);
        let Some(&(_, end, i)) = k.checked_sub(1).and_then(|k| self.spans.get(k)) else {
            return self.spans.first().map_or(0, |s| s.2);
        };
        match self.spans.get(k) {
            // in a pause: the closer edge; ties go to the earlier segment
            Some(&(next, _, j)) if t >= end => {
                if distance(end, t) <= distance(t, next) {
                    i
                } else {
                    j
                }
            }
            _ => i,
        }
    }
}

/// `b - a` in seconds (non-negative when `b >= a`).
fn distance(a: Instant, b: Instant) -> f64 {
    b.seconds() - a.seconds()
}

/// The NEV index attached to the segments.
#[derive(Debug)]
pub(crate) struct NevIndex {
    /// `(electrode, unit class)` of each unit, in header order.
    pub units: Vec<(u16, u8)>,
    /// Spikes of each unit per segment, sorted by time.
    pub spikes: Grouped,
    /// Packets of each event channel per segment, in file order.
    pub events: Grouped,
}

/// neo's unit order: electrodes in `NEUEVWAV` header order (first header of an electrode),
/// unit classes ascending; then electrodes with spikes but no `NEUEVWAV` header, ascending.
pub(crate) fn unit_order(units: &[((u16, u8), RawList)], wav: &[WaveformInfo]) -> Vec<usize> {
    let mut by_electrode: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, ((e, _), _)) in units.iter().enumerate() {
        by_electrode.entry(*e).or_default().push(i);
    }
    let mut order = Vec::with_capacity(units.len());
    for w in wav {
        if let Some(mut mine) = by_electrode.remove(&w.electrode_id) {
            mine.sort_by_key(|&i| units[i].0.1);
            order.extend(mine);
        }
    }
    let mut rest: Vec<usize> = by_electrode.into_values().flatten().collect();
    rest.sort_by_key(|&i| units[i].0);
    order.extend(rest);
    order
}

/// Groups the scanned packets by segment and widens each segment to its packets.
pub(crate) fn attach_nev(
    units: Vec<((u16, u8), RawList)>,
    events: Vec<RawList>,
    wav: &[WaveformInfo],
    segs: &mut Vec<SegPlan>,
    resolution: u32,
) -> NevIndex {
    if segs.is_empty() {
        segs.push(SegPlan::empty());
    }
    let clock = SegmentClock::new(segs);
    let seg_of = |ts: u64| {
        clock.segment_of(Instant {
            ticks: ts,
            res: resolution,
        })
    };
    let order = unit_order(&units, wav);
    let keys: Vec<(u16, u8)> = order.iter().map(|&i| units[i].0).collect();
    let mut slots: Vec<Option<RawList>> = units.into_iter().map(|(_, l)| Some(l)).collect();
    let lists: Vec<RawList> = order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect();
    let n = segs.len();
    let spikes = group(lists, n, &seg_of, true);
    let events = group(events, n, &seg_of, false);
    let bounds = spikes
        .bounds(n)
        .into_iter()
        .zip(events.bounds(n))
        .map(|(a, b)| match (a, b) {
            (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
            (a, b) => a.or(b),
        });
    for (seg, b) in segs.iter_mut().zip(bounds) {
        if let Some((lo, hi)) = b {
            seg.t_start = seg.t_start.min(lo as f64 / f64::from(resolution));
            seg.t_stop = seg.t_stop.max(hi as f64 / f64::from(resolution));
        }
    }
    NevIndex {
        units: keys,
        spikes,
        events,
    }
}

/// Makes every segment valid: finite bounds, `t_stop > t_start` (one `tick` at least).
pub(crate) fn finish_bounds(segs: &mut [SegPlan], tick: f64) {
    for s in segs {
        if !s.t_start.is_finite() {
            s.t_start = 0.0;
        }
        if !s.t_stop.is_finite() || s.t_stop <= s.t_start {
            s.t_stop = s.t_start + tick;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn wav(e: u16) -> WaveformInfo {
        WaveformInfo {
            electrode_id: e,
            physical_connector: 0,
            connector_pin: 0,
            digitization_factor: 250,
            energy_threshold: 0,
            hi_threshold: 0,
            lo_threshold: 0,
            n_sorted_units: 0,
            bytes_per_sample: 2,
            spike_width: Some(10),
        }
    }

    #[test]
    fn units_follow_header_order_once_then_headerless_electrodes() {
        let units: Vec<((u16, u8), RawList)> = [(5, 1), (9, 0), (3, 255), (5, 0), (3, 0), (1, 2)]
            .into_iter()
            .map(|k| (k, RawList::default()))
            .collect();
        // electrode 3 has two NEUEVWAV headers (neo would make its units twice); 1 and 9 none
        let order = unit_order(&units, &[wav(5), wav(3), wav(3)]);
        let keys: Vec<(u16, u8)> = order.iter().map(|&i| units[i].0).collect();
        assert_eq!(keys, [(5, 0), (5, 1), (3, 0), (3, 255), (1, 2), (9, 0)]);
    }

    #[test]
    fn clock_assigns_pause_times_to_the_nearer_segment() {
        let seg = |a: u64, b: u64| SegPlan {
            extent: Some((
                Instant {
                    ticks: a,
                    res: 30000,
                },
                Instant {
                    ticks: b,
                    res: 30000,
                },
            )),
            ..SegPlan::empty()
        };
        let c = SegmentClock::new(&[seg(100, 200), seg(1000, 1100)]);
        let at = |t| {
            c.segment_of(Instant {
                ticks: t,
                res: 30000,
            })
        };
        assert_eq!(
            [at(0), at(150), at(200), at(599), at(600), at(601), at(5000)],
            [0, 0, 0, 0, 0, 1, 1]
        );
        // another clock (ns) compares exactly
        assert_eq!(
            c.segment_of(Instant {
                ticks: 1_000 * 1_000_000_000 / 30000,
                res: 1_000_000_000
            }),
            1
        );
    }
}
