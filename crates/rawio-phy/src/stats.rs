//! The *index* step's per-unit statistics: one sequential pass (in chunks) over the cluster,
//! template and amplitude arrays giving each unit's templates (with spike counts) and mean
//! amplitude.

use crate::spikes::{Lookup, Order, SpikeArrays, UnitSpikes, require_int, to_i64, unique_ids};
use rawio_core::ndarray::{ArrayView1, Axis, Slice};
use rawio_core::{NpyFile, RawTimestamps, Result, Sample, dispatch_raw};
use std::ops::Range;

/// What the statistics pass computes per unit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnitStats {
    /// Template ids (ascending) with their spike counts, when `spike_templates.npy` exists.
    pub(crate) templates: Option<Vec<Vec<(i64, u64)>>>,
    /// Mean of `amplitudes.npy`, when it exists.
    pub(crate) amplitude_mean: Vec<Option<f64>>,
}

impl UnitStats {
    /// The dominant template of `unit` (most spikes; smallest id on ties).
    pub(crate) fn dominant_template(&self, unit: usize) -> Option<i64> {
        self.templates
            .as_ref()?
            .get(unit)?
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|&(t, _)| t)
    }
}

const CHUNK: usize = 1 << 16;

/// `map(value)` of `a[r]` into `out` (`u32::MAX` where the map gives nothing).
fn mapped_chunk<T: Sample>(
    a: ArrayView1<'_, T>,
    r: Range<usize>,
    map: impl Fn(i64) -> Option<usize>,
    out: &mut Vec<u32>,
) {
    out.clear();
    let code = |v: &T| to_i64(*v).and_then(&map).map_or(u32::MAX, |u| u as u32);
    if let Some(s) = a.as_slice().and_then(|s| s.get(r.clone())) {
        out.extend(s.iter().map(code));
    } else {
        out.extend(a.slice_axis(Axis(0), Slice::from(r)).iter().map(code));
    }
}

/// Per-unit sums over the chunked pass.
struct Accumulators {
    /// `units × templates` spike counts (empty: counted per unit afterwards).
    table: Vec<u64>,
    n_templates: usize,
    sums: Vec<f64>,
    counts: Vec<u64>,
}

/// Templates and amplitude means of every unit of `units` (`lookup`: cluster id → unit);
/// `amplitudes` is
/// `amplitudes.npy` when the folder has it.
pub(crate) fn unit_stats(
    arrays: &SpikeArrays<'_>,
    lookup: &Lookup,
    units: &UnitSpikes,
    amplitudes: Option<&RawTimestamps<'_>>,
) -> Result<UnitStats> {
    let (clusters, _) = &arrays.clusters;
    let n = clusters.len();
    let n_units = units.len();
    let tl = match &arrays.templates {
        Some((t, f)) => {
            require_int(t, f)?;
            let ids = dispatch_raw!(t, a => unique_ids(a.view(), f))?;
            Some(Lookup::new(ids, n as u64))
        }
        None => None,
    };
    let nt = tl.as_ref().map_or(0, |l| l.ids.len());
    let table_ok = (n_units as u128) * (nt as u128) <= (n as u128) / 4 + (1 << 20);
    let mut acc = Accumulators {
        table: vec![
            0u64;
            if tl.is_some() && table_ok {
                n_units * nt
            } else {
                0
            }
        ],
        n_templates: nt,
        sums: vec![0f64; if amplitudes.is_some() { n_units } else { 0 }],
        counts: vec![0u64; if amplitudes.is_some() { n_units } else { 0 }],
    };
    let (mut ubuf, mut tbuf, mut abuf) = (Vec::new(), Vec::new(), Vec::<f64>::new());
    let mut start = 0;
    while start < n {
        let r = start..n.min(start + CHUNK);
        start = r.end;
        dispatch_raw!(clusters, a => mapped_chunk(a.view(), r.clone(), |c| lookup.get(c), &mut ubuf));
        if let (Some((t, _)), Some(l), false) = (&arrays.templates, &tl, acc.table.is_empty()) {
            dispatch_raw!(t, a => mapped_chunk(a.view(), r.clone(), |v| l.get(v), &mut tbuf));
            acc.count_templates(&ubuf, &tbuf);
        }
        if let Some(am) = amplitudes {
            abuf.clear();
            dispatch_raw!(am, a => abuf.extend(a.slice_axis(Axis(0), Slice::from(r.clone())).iter().map(|v| v.to_f64())));
            acc.add_amplitudes(&ubuf, &abuf);
        }
    }
    let templates = match (&arrays.templates, &tl) {
        (Some((t, f)), Some(l)) => Some(if acc.table.is_empty() {
            dispatch_raw!(t, a => count_templates(a.view(), f, &units.order, &units.offsets))?
        } else {
            acc.unit_templates(n_units, &l.ids)
        }),
        _ => None,
    };
    let amplitude_mean = if amplitudes.is_some() {
        acc.sums
            .iter()
            .zip(&acc.counts)
            .map(|(&s, &c)| (c > 0).then(|| s / c as f64))
            .collect()
    } else {
        vec![None; n_units]
    };
    Ok(UnitStats {
        templates,
        amplitude_mean,
    })
}

impl Accumulators {
    /// Counts the (unit, template) pair of each spike of a chunk.
    fn count_templates(&mut self, units: &[u32], templates: &[u32]) {
        for (&u, &k) in units.iter().zip(templates) {
            if u != u32::MAX
                && k != u32::MAX
                && let Some(c) = self
                    .table
                    .get_mut(u as usize * self.n_templates + k as usize)
            {
                *c += 1;
            }
        }
    }

    /// Adds the amplitude of each spike of a chunk to its unit.
    fn add_amplitudes(&mut self, units: &[u32], amplitudes: &[f64]) {
        for (&u, &v) in units.iter().zip(amplitudes) {
            if let (Some(s), Some(c)) = (
                self.sums.get_mut(u as usize),
                self.counts.get_mut(u as usize),
            ) {
                *s += v;
                *c += 1;
            }
        }
    }

    /// The non-zero counts of the table, per unit, as (template id, count).
    fn unit_templates(&self, n_units: usize, ids: &[i64]) -> Vec<Vec<(i64, u64)>> {
        let nt = self.n_templates;
        (0..n_units)
            .map(|u| {
                (0..nt)
                    .filter_map(|k| {
                        let c = self.table[u * nt + k];
                        (c > 0).then(|| (ids[k], c))
                    })
                    .collect()
            })
            .collect()
    }
}

/// For each unit, its template ids (ascending) with their spike counts (a per-unit gather,
/// when the `units × templates` table would be too large).
fn count_templates<T: Sample>(
    t: ArrayView1<'_, T>,
    f: &NpyFile,
    order: &Order,
    offsets: &[usize],
) -> Result<Vec<Vec<(i64, u64)>>> {
    let ids = unique_ids(t, f)?;
    let lookup = Lookup::new(ids, t.len() as u64);
    let mut counts = vec![0u64; lookup.ids.len()];
    let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
    for w in offsets.windows(2) {
        let mut touched = Vec::new();
        order.for_each(w[0]..w[1], |i| {
            if let Some(k) = t
                .get(i)
                .and_then(|&v| to_i64(v))
                .and_then(|v| lookup.get(v))
            {
                if counts[k] == 0 {
                    touched.push(k);
                }
                counts[k] += 1;
            }
        });
        touched.sort_unstable();
        out.push(
            touched
                .iter()
                .map(|&k| (lookup.ids[k], std::mem::take(&mut counts[k])))
                .collect(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spikes::SpikeFiles;
    use crate::test_npy::i64s;
    use rawio_core::ndarray::Array1;

    #[test]
    fn templates_and_amplitudes_per_unit() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        i64s(&d.join("spike_times.npy"), &[1, 2, 3, 4, 5]);
        i64s(&d.join("spike_clusters.npy"), &[4, 4, 9, 4, 9]);
        i64s(&d.join("spike_templates.npy"), &[0, 2, 2, 2, 1]);
        let files = SpikeFiles::open(d).unwrap();
        let arrays = files.arrays().unwrap();
        let (lookup, units) = UnitSpikes::group(&arrays, arrays.cluster_ids().unwrap()).unwrap();
        let amps = rawio_core::RawTimestamps::new(Array1::from(vec![1.0f32, 2.0, 3.0, 4.0, 6.0]));
        let s = unit_stats(&arrays, &lookup, &units, Some(&amps)).unwrap();
        let want = vec![vec![(0, 1), (2, 2)], vec![(1, 1), (2, 1)]];
        assert_eq!(s.templates, Some(want.clone()));
        assert_eq!(s.amplitude_mean, vec![Some(7.0 / 3.0), Some(4.5)]);
        assert_eq!(s.dominant_template(0), Some(2));
        assert_eq!(s.dominant_template(1), Some(1), "ties: the smallest id");
        assert_eq!(s.dominant_template(2), None);
        // the per-unit gather gives the same counts as the table
        let (t, f) = arrays.templates.as_ref().unwrap();
        let gathered =
            dispatch_raw!(t, a => count_templates(a.view(), f, &units.order, &units.offsets))
                .unwrap();
        assert_eq!(gathered, want);
        let s = unit_stats(&arrays, &lookup, &units, None).unwrap();
        assert_eq!(s.amplitude_mean, vec![None, None]);
    }
}
