//! Selection in units and time: `subset`, `subset_by`, `subtime`, `append`,
//! `concatenate_units`.

use crate::core::{Attrs, Options, SpikeData};
use crate::error::{Result, SpikeDataError};
use ndarray::{Axis, concatenate};
use serde_json::Value;

/// Python `==` between two JSON values as SpikeLab compares attribute values (`1 == 1.0`).
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(p), Some(q)) => p == q,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Bool(x), Value::Number(_)) => py_eq(&Value::from(u8::from(*x)), b),
        (Value::Number(_), Value::Bool(y)) => py_eq(a, &Value::from(u8::from(*y))),
        _ => a == b,
    }
}

/// SpikeLab's unit selection by index: `units` without duplicates (first occurrence kept),
/// ascending unless `preserve_order`; an index `>= n` is an error (SpikeLab's message).
pub(crate) fn select_units(units: &[usize], n: usize, preserve_order: bool) -> Result<Vec<usize>> {
    if let Some(&bad) = units.iter().find(|&&u| u >= n) {
        return Err(SpikeDataError::invalid(format!(
            "Unit index {bad} out of range for {n} units."
        )));
    }
    let mut seen = vec![false; n];
    let mut kept: Vec<usize> = units
        .iter()
        .copied()
        .filter(|&u| !std::mem::replace(&mut seen[u], true))
        .collect();
    if !preserve_order {
        kept.sort_unstable();
    }
    Ok(kept)
}

impl SpikeData {
    /// SpikeLab's `subset(units, preserve_order)` by unit index: the listed units (duplicates
    /// removed), sorted ascending unless `preserve_order`. Indexes `>= N` are rejected. The raw
    /// signal is **not** propagated (as SpikeLab).
    pub fn subset(&self, units: &[usize], preserve_order: bool) -> Result<SpikeData> {
        let n = self.trains.len();
        if let Some(&bad) = units.iter().find(|&&u| u >= n) {
            return Err(SpikeDataError::UnitOutOfRange {
                index: i64::try_from(bad).unwrap_or(i64::MAX),
                n,
            });
        }
        let selected: Vec<usize> = if preserve_order {
            let mut seen = vec![false; n];
            units
                .iter()
                .copied()
                .filter(|&u| !std::mem::replace(&mut seen[u], true))
                .collect()
        } else {
            let mut want = vec![false; n];
            for &u in units {
                want[u] = true;
            }
            (0..n).filter(|&i| want[i]).collect()
        };
        Ok(self.take_units(&selected))
    }

    /// SpikeLab's `subset(values, by=key)`: every unit whose attribute `key` equals one of
    /// `values` (Python equality: `1 == 1.0`), in unit order. Units without the key are
    /// excluded; fails when the data has no attributes.
    pub fn subset_by(&self, key: &str, values: &[Value]) -> Result<SpikeData> {
        let attrs = self
            .unit_attrs
            .as_ref()
            .ok_or_else(|| SpikeDataError::invalid("can't use `by` without `neuron_attributes`"))?;
        let selected: Vec<usize> = attrs
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.get(key)
                    .is_some_and(|v| values.iter().any(|w| py_eq(v, w)))
            })
            .map(|(i, _)| i)
            .collect();
        Ok(self.take_units(&selected))
    }

    fn take_units(&self, selected: &[usize]) -> SpikeData {
        SpikeData {
            trains: selected.iter().map(|&i| self.trains[i].clone()).collect(),
            start_time: self.start_time,
            length: self.length,
            unit_attrs: self
                .unit_attrs
                .as_ref()
                .map(|a| selected.iter().map(|&i| a[i].clone()).collect()),
            metadata: self.metadata.clone(),
            raw: None,
            waveforms: self
                .waveforms
                .as_ref()
                .map(|w| selected.iter().map(|&i| w[i].clone()).collect()),
        }
    }

    /// SpikeLab's `subtime(start, end, shift_to)`: keeps spikes with `start <= t < end`
    /// (half-open) and shifts them by `-shift_to` (default `start`). `None` means open-ended.
    /// When `start_time >= 0`, negative bounds count back from the end of the recording. The
    /// result has `start_time = start - shift_to` and `length = end - start`; the raw signal
    /// is sliced the same way.
    pub fn subtime(
        &self,
        start: Option<f64>,
        end: Option<f64>,
        shift_to: Option<f64>,
    ) -> Result<SpikeData> {
        let end_time = self.start_time + self.length;
        if let Some(s) = shift_to
            && !s.is_finite()
        {
            return Err(SpikeDataError::invalid(format!(
                "shift_to ({s}) must be a finite number, not NaN or inf."
            )));
        }
        let start = match start {
            None => self.start_time,
            Some(s) if s < 0.0 && self.start_time >= 0.0 => {
                let s2 = s + end_time;
                if s2 < self.start_time {
                    return Err(SpikeDataError::invalid(format!(
                        "start ({s}) is too negative. Minimum allowed is -{} (recording length)",
                        self.length
                    )));
                }
                s2
            }
            Some(s) if s > end_time => {
                return Err(SpikeDataError::invalid(format!(
                    "start ({s}) exceeds recording end ({end_time})."
                )));
            }
            Some(s) => s,
        };
        let end = match end {
            None => end_time,
            Some(e) if e < 0.0 && self.start_time >= 0.0 => e + end_time,
            Some(e) if e > end_time => {
                return Err(SpikeDataError::invalid(format!(
                    "end ({e}) exceeds recording end ({end_time})."
                )));
            }
            Some(e) => e,
        };
        if start.is_nan() || end.is_nan() {
            return Err(SpikeDataError::invalid("start and end must not be NaN"));
        }
        if start < self.start_time {
            return Err(SpikeDataError::invalid(format!(
                "start ({start}) is below recording start ({}).",
                self.start_time
            )));
        }
        if start >= end {
            return Err(SpikeDataError::invalid(format!(
                "start ({start}) must be less than end ({end})."
            )));
        }
        let shift = shift_to.unwrap_or(start);
        let trains = self
            .trains
            .iter()
            .map(|t| {
                let lo = t.partition_point(|&v| v < start);
                let hi = t.partition_point(|&v| v < end);
                t[lo..hi.max(lo)].iter().map(|&v| v - shift).collect()
            })
            .collect();
        let raw = self.raw.as_ref().map(|r| r.window(start, end, shift));
        let mut out = SpikeData::new(
            trains,
            Options {
                n: Some(self.trains.len()),
                length: Some(end - start),
                start_time: start - shift,
                unit_attrs: self.unit_attrs.clone(),
                metadata: self.metadata.clone(),
                raw,
            },
        )?;
        out.waveforms = self
            .waveforms
            .as_ref()
            .map(|w| w.iter().map(|u| u.window(start, end, shift)).collect());
        Ok(out)
    }

    /// SpikeLab's `append(other, offset, drop_neuron_attributes)`: `other`'s spikes follow
    /// this window after a gap of `offset` ms (shift = `start_time + length + offset -
    /// other.start_time`). Same `N` required; negative offsets rejected; on metadata key
    /// collisions `self` wins; unit attributes are `self`'s, else `other`'s (SpikeLab warns),
    /// or none with `drop_unit_attrs`. Raw signals are concatenated.
    pub fn append(
        &self,
        other: &SpikeData,
        offset: f64,
        drop_unit_attrs: bool,
    ) -> Result<SpikeData> {
        if self.trains.len() != other.trains.len() {
            return Err(SpikeDataError::invalid(
                "Cannot concatenate SpikeData with different N",
            ));
        }
        if !(offset >= 0.0) {
            return Err(SpikeDataError::invalid(format!(
                "offset must be non-negative, got {offset}."
            )));
        }
        let concat_point = self.start_time + self.length + offset;
        let shift = concat_point - other.start_time;
        let trains = self
            .trains
            .iter()
            .zip(&other.trains)
            .map(|(a, b)| {
                let mut v = a.clone();
                v.extend(b.iter().map(|&t| t + shift));
                v
            })
            .collect();
        let raw = match (&self.raw, &other.raw) {
            (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                let data = concatenate(Axis(1), &[a.data().view(), b.data().view()])
                    .map_err(|e| SpikeDataError::invalid(format!("raw data: {e}")))?;
                let mut time = a.time().to_vec();
                time.extend(b.time().iter().map(|&t| t + shift));
                Some(crate::core::RawSignal::new(data, time)?)
            }
            (_, Some(b)) if !b.is_empty() => Some(crate::core::RawSignal::new(
                b.data().clone(),
                b.time().iter().map(|&t| t + shift).collect(),
            )?),
            (a, _) => a.clone(),
        };
        let length = self.length + other.length + offset;
        let unit_attrs = if drop_unit_attrs {
            None
        } else {
            self.unit_attrs.clone().or_else(|| other.unit_attrs.clone())
        };
        let mut metadata = other.metadata.clone();
        for (k, v) in &self.metadata {
            metadata.insert(k.clone(), v.clone());
        }
        SpikeData::new(
            trains,
            Options {
                n: Some(self.trains.len()),
                length: Some(length),
                start_time: self.start_time,
                unit_attrs,
                metadata,
                raw,
            },
        )
    }

    /// SpikeLab's `concatenate_spike_data(other)`: the units of both; `other` is first
    /// subtimed to this window when the windows differ. Attributes are kept only when both
    /// have them; metadata merged with `other` winning (as SpikeLab's `{**self, **sd}`); raw
    /// data from `self`.
    pub fn concatenate_units(&self, other: &SpikeData) -> Result<SpikeData> {
        let other_cut;
        let other = if other.length != self.length || other.start_time != self.start_time {
            other_cut = other.subtime(Some(self.start_time), Some(self.end_time()), None)?;
            &other_cut
        } else {
            other
        };
        let mut trains = self.trains.clone();
        trains.extend(other.trains.iter().cloned());
        let mut metadata: Attrs = self.metadata.clone();
        for (k, v) in &other.metadata {
            metadata.insert(k.clone(), v.clone());
        }
        let unit_attrs = match (&self.unit_attrs, &other.unit_attrs) {
            (Some(a), Some(b)) => Some(a.iter().chain(b).cloned().collect()),
            _ => None,
        };
        SpikeData::new(
            trains,
            Options {
                n: None,
                length: Some(self.length),
                start_time: self.start_time,
                unit_attrs,
                metadata,
                raw: self.raw.clone(),
            },
        )
    }
}
