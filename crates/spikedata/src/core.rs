//! The [`SpikeData`] type, its checked constructor and SpikeLab's alternative constructors.

use crate::error::{Result, SpikeDataError};
use ndarray::Array2;
use serde_json::Value;

/// Per-unit attributes or recording metadata: a JSON object (SpikeLab's `dict`).
pub type Attrs = serde_json::Map<String, Value>;

/// A raw signal carried along with the spikes (SpikeLab's `raw_data` / `raw_time`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawSignal {
    data: Array2<f64>,
    time: Vec<f64>,
}

impl RawSignal {
    /// `data` is `channels × samples`, `time` the time of each sample in ms. Fails when the
    /// lengths differ.
    pub fn new(data: Array2<f64>, time: Vec<f64>) -> Result<Self> {
        if data.ncols() != time.len() {
            return Err(SpikeDataError::invalid(
                "Length of `raw_data` and `raw_time` must match.",
            ));
        }
        Ok(RawSignal { data, time })
    }

    /// `data` sampled at `rate_khz` kHz from t = 0 (SpikeLab's scalar `raw_time`:
    /// `arange(T) / rate`).
    pub fn with_rate_khz(data: Array2<f64>, rate_khz: f64) -> Self {
        let time = (0..data.ncols()).map(|i| i as f64 / rate_khz).collect();
        RawSignal { data, time }
    }

    /// The samples, `channels × samples`.
    pub fn data(&self) -> &Array2<f64> {
        &self.data
    }

    /// Sample times in ms.
    pub fn time(&self) -> &[f64] {
        &self.time
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// The samples whose time is in `[start, end)`, shifted by `-shift` (SpikeLab's `subtime`).
    pub(crate) fn window(&self, start: f64, end: f64, shift: f64) -> RawSignal {
        let keep: Vec<usize> = (0..self.time.len())
            .filter(|&i| self.time[i] >= start && self.time[i] < end)
            .collect();
        let data = self.data.select(ndarray::Axis(1), &keep);
        let time = keep.iter().map(|&i| self.time[i] - shift).collect();
        RawSignal { data, time }
    }
}

/// Optional arguments of [`SpikeData::new`] (SpikeLab's keyword arguments).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Pad with empty trains up to this many units.
    pub n: Option<usize>,
    /// Window length in ms; default: latest spike − `start_time` (or 0 without spikes).
    pub length: Option<f64>,
    /// Window start in ms (default 0).
    pub start_time: f64,
    /// One attribute map per unit, or `None` (SpikeLab distinguishes the two).
    pub unit_attrs: Option<Vec<Attrs>>,
    /// Recording metadata.
    pub metadata: Attrs,
    /// Raw signal.
    pub raw: Option<RawSignal>,
}

impl Options {
    /// Options with the given length.
    pub fn length(length: f64) -> Self {
        Options {
            length: Some(length),
            ..Options::default()
        }
    }

    /// Options with the given start time and length.
    pub fn window(start_time: f64, length: f64) -> Self {
        Options {
            length: Some(length),
            start_time,
            ..Options::default()
        }
    }
}

/// Spike trains of `N` units in **milliseconds** inside the window
/// `[start_time, start_time + length]`, with per-unit attributes, metadata and an optional raw
/// signal: SpikeLab's `SpikeData`.
///
/// Invariants (checked by every constructor, kept by every method): each train is sorted and
/// finite, every spike is inside the window, `length` is finite and `>= 0`, `unit_attrs` (when
/// present) has one entry per unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeData {
    pub(crate) trains: Vec<Vec<f64>>,
    pub(crate) start_time: f64,
    pub(crate) length: f64,
    pub(crate) unit_attrs: Option<Vec<Attrs>>,
    pub(crate) metadata: Attrs,
    pub(crate) raw: Option<RawSignal>,
    /// Waveforms attached per unit (see [`SpikeData::set_waveforms`]).
    pub(crate) waveforms: Option<Vec<crate::waveforms::UnitWaveforms>>,
}

impl SpikeData {
    /// Builds a `SpikeData` from one train per unit (ms), as SpikeLab's `SpikeData(train, ...)`:
    /// sorts each train, rejects NaN/inf, defaults `length` to the latest spike − `start_time`,
    /// rejects a NaN/inf/negative length and spikes outside the window, pads to `options.n`
    /// units, and checks the attribute count.
    pub fn new(trains: Vec<Vec<f64>>, options: Options) -> Result<Self> {
        let Options {
            n,
            length,
            start_time,
            unit_attrs,
            metadata,
            raw,
        } = options;
        let mut trains = trains;
        for (i, t) in trains.iter_mut().enumerate() {
            if let Some(bad) = t.iter().find(|v| !v.is_finite()) {
                let what = if bad.is_nan() { "NaN" } else { "inf" };
                return Err(SpikeDataError::NonFinite { unit: i, what });
            }
            if !t.is_sorted() {
                t.sort_unstable_by(f64::total_cmp);
            }
        }
        if !start_time.is_finite() {
            return Err(SpikeDataError::invalid(format!(
                "start_time must be finite, got {start_time}"
            )));
        }
        let length = match length {
            Some(l) => l,
            None => {
                let max_spike = trains
                    .iter()
                    .filter_map(|t| t.last().copied())
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
                    .unwrap_or(start_time);
                max_spike - start_time
            }
        };
        if length.is_nan() {
            return Err(SpikeDataError::invalid("length must not be NaN"));
        }
        if length.is_infinite() {
            return Err(SpikeDataError::invalid(format!(
                "length must be finite, got {length}"
            )));
        }
        if length < 0.0 {
            return Err(SpikeDataError::invalid(format!(
                "length must be non-negative, got {length}"
            )));
        }
        let end = start_time + length;
        for (i, t) in trains.iter().enumerate() {
            if let (Some(&first), Some(&last)) = (t.first(), t.last()) {
                if first < start_time {
                    return Err(SpikeDataError::OutOfWindow {
                        unit: i,
                        time: first,
                        start: start_time,
                        end,
                    });
                }
                if last > end {
                    return Err(SpikeDataError::OutOfWindow {
                        unit: i,
                        time: last,
                        start: start_time,
                        end,
                    });
                }
            }
        }
        if let Some(n) = n
            && trains.len() < n
        {
            trains.resize_with(n, Vec::new);
        }
        if let Some(a) = &unit_attrs
            && a.len() != trains.len()
        {
            return Err(SpikeDataError::invalid(format!(
                "neuron_attributes has {} instead of {} items.",
                a.len(),
                trains.len()
            )));
        }
        Ok(SpikeData {
            trains,
            start_time,
            length,
            unit_attrs,
            metadata,
            raw,
            waveforms: None,
        })
    }

    /// SpikeLab's `from_trains`: the same as [`SpikeData::new`].
    pub fn from_trains(trains: Vec<Vec<f64>>, options: Options) -> Result<Self> {
        Self::new(trains, options)
    }

    /// SpikeLab's `from_idces_times(idces, times, N)`: `idces[k]` is the unit of spike
    /// `times[k]`. `N` defaults to `max(idces) + 1`; indexes that are negative or `>= N` are
    /// rejected. With no spike and no `N`, `N = 0` and the length defaults to 0.
    pub fn from_idces_times(idces: &[i64], times: &[f64], options: Options) -> Result<Self> {
        let mut options = options;
        if idces.len() != times.len() {
            return Err(SpikeDataError::invalid(format!(
                "idces and times must have equal length and shape; got len(idces)={}, \
                 len(times)={}",
                idces.len(),
                times.len()
            )));
        }
        let n = if idces.is_empty() {
            if options.length.is_none() {
                options.length = Some(0.0);
            }
            options.n.unwrap_or(0)
        } else {
            let max = idces.iter().copied().max().unwrap_or(0);
            if let Some(&neg) = idces.iter().find(|&&i| i < 0) {
                return Err(SpikeDataError::UnitOutOfRange {
                    index: neg,
                    n: options.n.unwrap_or(0),
                });
            }
            let n = match options.n {
                Some(n) => n,
                None => usize::try_from(max)
                    .ok()
                    .and_then(|m| m.checked_add(1))
                    .ok_or_else(|| SpikeDataError::invalid("unit index too large"))?,
            };
            if usize::try_from(max).map_or(true, |m| m >= n) {
                return Err(SpikeDataError::UnitOutOfRange { index: max, n });
            }
            n
        };
        let mut trains = vec![Vec::new(); n];
        for (&i, &t) in idces.iter().zip(times) {
            // in range: checked above
            if let Some(tr) = usize::try_from(i).ok().and_then(|i| trains.get_mut(i)) {
                tr.push(t);
            }
        }
        options.n = Some(n);
        Self::new(trains, options)
    }

    /// SpikeLab's `from_events([(i, t), ...], N)`.
    pub fn from_events(events: &[(i64, f64)], options: Options) -> Result<Self> {
        let (idces, times): (Vec<i64>, Vec<f64>) = events.iter().copied().unzip();
        Self::from_idces_times(&idces, &times, options)
    }

    /// SpikeLab's `from_raster(raster, bin_size_ms)`: `raster` is `units × bins` of counts; the
    /// `k` spikes of bin `t` are spread at `start_time + t·bin + linspace(0, bin, k+2)[1:-1]`.
    /// The length defaults to `T · bin`.
    ///
    /// **Difference from SpikeLab:** a negative count is an error here
    /// ([`SpikeDataError::InvalidArgument`]); SpikeLab's `linspace(0, bin, k+2)[1:-1]` is
    /// then empty and it silently returns an empty unit for that bin.
    pub fn from_raster(raster: &Array2<i64>, bin_size_ms: f64, options: Options) -> Result<Self> {
        if !(bin_size_ms > 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "bin_size_ms must be > 0, got {bin_size_ms}"
            )));
        }
        let mut options = options;
        let (n, t_bins) = raster.dim();
        let t_offset = options.start_time;
        let mut trains = vec![Vec::new(); n];
        for ((i, t), &k) in raster.indexed_iter() {
            if k == 0 {
                continue;
            }
            if k < 0 {
                return Err(SpikeDataError::invalid(format!(
                    "raster has a negative count {k} at ({i}, {t})"
                )));
            }
            let base = t_offset + t as f64 * bin_size_ms;
            // numpy linspace(0, bin, k+2): y_j = j * (bin / (k+1)); drop both ends
            let step = bin_size_ms / (k as f64 + 1.0);
            if let Some(tr) = trains.get_mut(i) {
                tr.extend((1..=k).map(|j| base + (j as f64 * step + 0.0)));
            }
        }
        if options.length.is_none() {
            options.length = Some(t_bins as f64 * bin_size_ms);
        }
        Self::new(trains, options)
    }

    // ------------------------------------------------------------------------------------
    // Accessors
    // ------------------------------------------------------------------------------------

    /// Number of units (SpikeLab's `N`).
    pub fn n_units(&self) -> usize {
        self.trains.len()
    }

    /// Every train (ms, sorted).
    pub fn trains(&self) -> &[Vec<f64>] {
        &self.trains
    }

    /// The train of unit `i`, if it exists.
    pub fn train(&self, i: usize) -> Option<&[f64]> {
        self.trains.get(i).map(Vec::as_slice)
    }

    /// Window start in ms.
    pub fn start_time(&self) -> f64 {
        self.start_time
    }

    /// Window length in ms.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// Window end (`start_time + length`) in ms.
    pub fn end_time(&self) -> f64 {
        self.start_time + self.length
    }

    /// Total number of spikes.
    pub fn spike_count(&self) -> usize {
        self.trains.iter().map(Vec::len).sum()
    }

    /// Per-unit attributes (`None` when the data has none).
    pub fn unit_attrs(&self) -> Option<&[Attrs]> {
        self.unit_attrs.as_deref()
    }

    /// Recording metadata.
    pub fn metadata(&self) -> &Attrs {
        &self.metadata
    }

    /// Mutable recording metadata.
    pub fn metadata_mut(&mut self) -> &mut Attrs {
        &mut self.metadata
    }

    /// The raw signal, if any.
    pub fn raw(&self) -> Option<&RawSignal> {
        self.raw.as_ref()
    }

    /// Decomposes into `(trains, start_time, length, unit_attrs, metadata, raw)`.
    #[allow(clippy::type_complexity)]
    pub fn into_parts(
        self,
    ) -> (
        Vec<Vec<f64>>,
        f64,
        f64,
        Option<Vec<Attrs>>,
        Attrs,
        Option<RawSignal>,
    ) {
        (
            self.trains,
            self.start_time,
            self.length,
            self.unit_attrs,
            self.metadata,
            self.raw,
        )
    }

    /// SpikeLab's `set_neuron_attribute(key, value)` for every unit (creates the attribute
    /// list when absent).
    pub fn set_unit_attr(&mut self, key: &str, value: Value) {
        let n = self.trains.len();
        let attrs = self.unit_attrs.get_or_insert_with(|| vec![Attrs::new(); n]);
        for a in attrs {
            a.insert(key.to_owned(), value.clone());
        }
    }

    /// SpikeLab's `set_neuron_attribute(key, values, neuron_indices)`: one value per listed
    /// unit (every unit when `units` is `None`).
    pub fn set_unit_attr_values(
        &mut self,
        key: &str,
        values: Vec<Value>,
        units: Option<&[usize]>,
    ) -> Result<()> {
        let n = self.trains.len();
        let all: Vec<usize> = (0..n).collect();
        let units = units.unwrap_or(&all);
        if values.len() != units.len() {
            return Err(SpikeDataError::invalid(format!(
                "values length {} != indices length {}",
                values.len(),
                units.len()
            )));
        }
        if let Some(&bad) = units.iter().find(|&&u| u >= n) {
            return Err(SpikeDataError::UnitOutOfRange {
                index: i64::try_from(bad).unwrap_or(i64::MAX),
                n,
            });
        }
        let attrs = self.unit_attrs.get_or_insert_with(|| vec![Attrs::new(); n]);
        for (&u, v) in units.iter().zip(values) {
            if let Some(a) = attrs.get_mut(u) {
                a.insert(key.to_owned(), v);
            }
        }
        Ok(())
    }

    /// SpikeLab's `get_neuron_attribute(key, default)`: one value per unit.
    pub fn unit_attr(&self, key: &str) -> Vec<Option<&Value>> {
        match &self.unit_attrs {
            None => vec![None; self.trains.len()],
            Some(a) => a.iter().map(|m| m.get(key)).collect(),
        }
    }

    // ------------------------------------------------------------------------------------
    // Conversions
    // ------------------------------------------------------------------------------------

    /// SpikeLab's `idces_times()`: flat unit indexes and times, grouped **by unit** (not
    /// time-sorted).
    pub fn idces_times(&self) -> (Vec<usize>, Vec<f64>) {
        let total = self.spike_count();
        let mut idces = Vec::with_capacity(total);
        let mut times = Vec::with_capacity(total);
        for (i, t) in self.trains.iter().enumerate() {
            idces.extend(std::iter::repeat_n(i, t.len()));
            times.extend_from_slice(t);
        }
        (idces, times)
    }

    /// SpikeLab's `events`: `(unit, time)` pairs merged in time order; ties go to the lower
    /// unit index (as `heapq.merge`).
    pub fn events(&self) -> Vec<(usize, f64)> {
        let mut out = Vec::with_capacity(self.spike_count());
        merge_sorted(&self.trains, |v| v, |u, t| out.push((u, t)));
        out
    }

    /// All spike times merged in time order (SpikeLab's `times`).
    pub fn times(&self) -> Vec<f64> {
        self.events().into_iter().map(|(_, t)| t).collect()
    }
}

/// k-way merge of sorted trains in time order: `emit(train, f(time))` for every spike, in
/// the order of `f(time)` (`f` non-decreasing, e.g. ms → s), ties to the lower train index
/// (what `heapq.merge` and a stable sort of the concatenation give).
///
/// Linear time for finite times: the time span is cut into about one bucket per four
/// spikes by a monotone function of time, and the buckets are processed in blocks of at least
/// 2^14 buckets: each train contributes the run of spikes that falls in the block (found by
/// galloping from where the train's previous run ended), the block's spikes are distributed
/// into their buckets and each (small) bucket is sorted stably. Large inputs merge one block
/// per thread at a time; the memory is one block (~1.5 MiB) per thread, whatever the number
/// of spikes. Trains must be sorted;
/// non-finite times fall back to a stable sort.
pub(crate) fn merge_sorted<T: AsRef<[f64]>>(
    trains: &[T],
    f: impl Fn(f64) -> f64 + Sync,
    emit: impl FnMut(usize, f64),
) {
    let total: usize = trains.iter().map(|t| t.as_ref().len()).sum();
    let threads = crate::parallel::threads_for(total, 1 << 20);
    merge_sorted_on(trains, f, emit, threads);
}

/// [`merge_sorted`] on `threads` threads (the result does not depend on it).
fn merge_sorted_on<T: AsRef<[f64]>>(
    trains: &[T],
    f: impl Fn(f64) -> f64 + Sync,
    mut emit: impl FnMut(usize, f64),
    threads: usize,
) {
    let trains: Vec<&[f64]> = trains.iter().map(AsRef::as_ref).collect();
    let total: usize = trains.iter().map(|t| t.len()).sum();
    if total == 0 {
        return;
    }
    let (lo, hi) = trains
        .iter()
        .filter_map(|t| Some((f(*t.first()?), f(*t.last()?))))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, y)| {
            (a.min(x), b.max(y))
        });
    let finite = trains.iter().all(|t| t.iter().all(|v| f(*v).is_finite()));
    if !finite || !(hi - lo).is_finite() {
        let mut all: Vec<(f64, usize)> = trains
            .iter()
            .enumerate()
            .flat_map(|(u, t)| t.iter().map(move |&v| (v, u)))
            .map(|(v, u)| (f(v), u))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        all.into_iter().for_each(|(v, u)| emit(u, v));
        return;
    }
    let nbuckets = (total / 4).max(1);
    let scale = if hi > lo {
        (nbuckets - 1) as f64 / (hi - lo)
    } else {
        0.0
    };
    let bucket = |x: f64| (((x - lo) * scale) as usize).min(nbuckets - 1);
    let block = (1usize << 14).max(trains.len());
    let nblocks = nbuckets.div_ceil(block);
    // blocks are independent (buckets grow with time along each train): on large inputs one
    // block per thread slot is merged at a time, into the slot's reused scratch, then the wave
    // is emitted in order
    let threads = threads.max(1);
    let slots: Vec<std::sync::Mutex<BlockScratch>> = (0..threads.min(nblocks))
        .map(|_| std::sync::Mutex::new(BlockScratch::default()))
        .collect();
    let lock = |i: usize| slots[i].lock().unwrap_or_else(|e| e.into_inner());
    let mut w0 = 0;
    while w0 < nblocks {
        let w1 = (w0 + slots.len()).min(nblocks);
        let one = |i: usize| {
            let b0 = (w0 + i) * block;
            merge_block(
                &trains,
                &f,
                &bucket,
                b0..(b0 + block).min(nbuckets),
                &mut lock(i),
            );
        };
        if crate::parallel::map_indexed(w1 - w0, threads, one).is_err() {
            // a failed worker may have left its cursors mid-block: start them over
            (0..w1 - w0).for_each(|i| lock(i).cursor.clear());
            (0..w1 - w0).for_each(one);
        }
        for i in 0..w1 - w0 {
            for &(v, u) in &lock(i).sorted {
                emit(u, v);
            }
        }
        w0 = w1;
    }
}

/// The reused buffers of [`merge_block`] (a block's spikes, their buckets, the bucket starts,
/// the merged result).
#[derive(Default)]
struct BlockScratch {
    /// Per train, where the slot's last block ended (blocks come in increasing order).
    cursor: Vec<usize>,
    items: Vec<(f64, usize)>,
    keys: Vec<usize>,
    starts: Vec<usize>,
    sorted: Vec<(f64, usize)>,
}

/// The spikes of buckets `blocks` of every train into `sc.sorted`, in time order (ties to the
/// lower train): each train's run in the block (found from the slot's cursor: `bucket(f(time))`
/// does not decrease along a sorted train, and a slot's blocks come in increasing order) is
/// distributed into its buckets, and each (small) bucket sorted stably.
fn merge_block(
    trains: &[&[f64]],
    f: &impl Fn(f64) -> f64,
    bucket: &impl Fn(f64) -> usize,
    blocks: std::ops::Range<usize>,
    sc: &mut BlockScratch,
) {
    let (b0, b1) = (blocks.start, blocks.end);
    sc.items.clear();
    sc.keys.clear();
    sc.cursor.resize(trains.len(), 0);
    for (u, (t, cursor)) in trains.iter().zip(sc.cursor.iter_mut()).enumerate() {
        // from where this slot's previous block ended: gallop over the blocks of the other
        // slots (a binary search over the whole train would miss the cache at every step)
        let mut k = *cursor;
        let mut step = 1;
        while k + step <= t.len() && bucket(f(t[k + step - 1])) < b0 {
            k += step;
            step *= 2;
        }
        let hi = (k + step).min(t.len());
        k += t[k..hi].partition_point(|&v| bucket(f(v)) < b0);
        while let Some(&v) = t.get(k) {
            let x = f(v);
            let b = bucket(x);
            if b >= b1 {
                break;
            }
            sc.items.push((x, u));
            sc.keys.push(b - b0);
            k += 1;
        }
        *cursor = k;
    }
    let nb = b1 - b0;
    sc.starts.clear();
    sc.starts.resize(nb + 1, 0);
    let starts = &mut sc.starts;
    for &k in &sc.keys {
        starts[k + 1] += 1;
    }
    for b in 0..nb {
        starts[b + 1] += starts[b];
    }
    sc.sorted.clear();
    sc.sorted.resize(sc.items.len(), (0.0, 0));
    for (&it, &k) in sc.items.iter().zip(&sc.keys) {
        sc.sorted[starts[k]] = it;
        starts[k] += 1;
    }
    // starts[b] is now the end of bucket b
    let mut begin = 0;
    for &end in starts[..nb].iter() {
        let s = &mut sc.sorted[begin..end];
        // stable: equal times keep train order
        if s.len() <= 16 {
            for i in 1..s.len() {
                let mut j = i;
                while j > 0 && s[j - 1].0.total_cmp(&s[j].0).is_gt() {
                    s.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            s.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        begin = end;
    }
}

#[cfg(test)]
mod tests {
    use super::merge_sorted_on;

    /// The merge is a stable sort of the concatenation by `f(time)` (ties to the lower train),
    /// whatever the number of threads: many blocks, waves that do not divide them evenly,
    /// exact ties across trains, an empty train, trains of very different rates.
    #[test]
    fn merged_trains_are_a_stable_sort_on_any_number_of_threads() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut trains: Vec<Vec<f64>> = (0..400)
            .map(|u| {
                let n = if u == 7 {
                    0
                } else {
                    1 + (next() % 7000) as usize
                };
                // half-millisecond grid over 1 h: ties across trains are common
                let mut t: Vec<f64> = (0..n).map(|_| (next() % 7_200_000) as f64 * 0.5).collect();
                t.sort_by(f64::total_cmp);
                t
            })
            .collect();
        trains[3].extend([3.6e6, 3.6e6, 3.6e6]); // ties inside one train, at the end
        let mut want: Vec<(usize, f64)> = trains
            .iter()
            .enumerate()
            .flat_map(|(u, t)| t.iter().map(move |&v| (u, v / 1e3)))
            .collect();
        want.sort_by(|a, b| a.1.total_cmp(&b.1)); // stable: train order kept on ties
        assert!(want.len() > 1 << 20);
        for threads in [1, 2, 3, 8] {
            let mut got = Vec::with_capacity(want.len());
            merge_sorted_on(&trains, |v| v / 1e3, |u, v| got.push((u, v)), threads);
            assert!(got == want, "{threads} threads");
        }
    }
}
