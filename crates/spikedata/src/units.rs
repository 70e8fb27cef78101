//! Unit attributes as arrays (`unit_locations`, `electrodes`), the neuron-to-channel map,
//! `channel_raster`, and `split_epochs`.

use crate::core::{Attrs, SpikeData};
use crate::error::{Result, SpikeDataError};
use ndarray::Array2;
use serde_json::Value;
use std::collections::BTreeMap;

/// Python's `int(v)` of an attribute value (truncation for floats, `bool` as 0/1, decimal
/// strings), `None` when Python would raise.
fn py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                .map(|f| f.trunc() as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_f64s(v: &Value) -> Option<Vec<f64>> {
    match v {
        Value::Array(a) => a.iter().map(Value::as_f64).collect(),
        Value::Number(n) => n.as_f64().map(|x| vec![x]),
        _ => None,
    }
}

impl SpikeData {
    /// SpikeLab's `unit_locations`: one row per unit from the attribute `location`, else
    /// `x`, `y` (and `z`), else `position`; `None` when a unit has none of them (or there are
    /// no attributes or no units), or a value is not numeric, or the rows differ in length.
    pub fn unit_locations(&self) -> Option<Array2<f64>> {
        let attrs = self.unit_attrs.as_ref()?;
        let rows: Vec<Vec<f64>> = attrs
            .iter()
            .map(|a| {
                if let Some(l) = a.get("location") {
                    as_f64s(l)
                } else if let (Some(x), Some(y)) = (a.get("x"), a.get("y")) {
                    let mut v = vec![x.as_f64()?, y.as_f64()?];
                    if let Some(z) = a.get("z") {
                        v.push(z.as_f64()?);
                    }
                    Some(v)
                } else {
                    a.get("position").and_then(as_f64s)
                }
            })
            .collect::<Option<_>>()?;
        let d = rows.first()?.len();
        if rows.iter().any(|r| r.len() != d) {
            return None;
        }
        Array2::from_shape_vec((rows.len(), d), rows.concat()).ok()
    }

    /// SpikeLab's `electrodes`: each unit's `electrode`, else `channel`, else `ch`
    /// attribute; `None` when a unit has none (or there are no attributes or no units).
    pub fn electrodes(&self) -> Option<Vec<Value>> {
        let attrs = self.unit_attrs.as_ref()?;
        let v: Vec<Value> = attrs
            .iter()
            .map(|a| {
                a.get("electrode")
                    .or_else(|| a.get("channel"))
                    .or_else(|| a.get("ch"))
                    .cloned()
            })
            .collect::<Option<_>>()?;
        (!v.is_empty()).then_some(v)
    }

    /// SpikeLab's `neuron_to_channel_map(channel_attr)`: unit index → `int(channel)` for
    /// the units that have the attribute (not null). Without `channel_attr`, the first of
    /// `channel`, `channel_id`, `channel_index`, `ch`, `channel_idx` present on **unit 0**
    /// is used; empty when there is none or no attributes. A value that Python's `int()`
    /// rejects is an error.
    pub fn neuron_to_channel_map(
        &self,
        channel_attr: Option<&str>,
    ) -> Result<BTreeMap<usize, i64>> {
        let Some(attrs) = self.unit_attrs.as_ref().filter(|a| !a.is_empty()) else {
            return Ok(BTreeMap::new());
        };
        let name = match channel_attr {
            Some(n) => n,
            None => match [
                "channel",
                "channel_id",
                "channel_index",
                "ch",
                "channel_idx",
            ]
            .into_iter()
            .find(|k| attrs[0].contains_key(*k))
            {
                Some(n) => n,
                None => return Ok(BTreeMap::new()),
            },
        };
        let mut out = BTreeMap::new();
        for (i, a) in attrs.iter().enumerate() {
            match a.get(name) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    let c = py_int(v).ok_or_else(|| {
                        SpikeDataError::invalid(format!(
                            "unit {i}: {name} = {v} is not an integer channel"
                        ))
                    })?;
                    out.insert(i, c);
                }
            }
        }
        Ok(out)
    }

    /// SpikeLab's `channel_raster(bin_size, channel_attr)`: the raster summed over the
    /// units of each channel, one row per channel in ascending order (returned alongside).
    /// Fails when no unit has a channel.
    pub fn channel_raster(
        &self,
        bin_size: f64,
        channel_attr: Option<&str>,
    ) -> Result<(Vec<i64>, Array2<u32>)> {
        let map = self.neuron_to_channel_map(channel_attr)?;
        if map.is_empty() {
            return Err(SpikeDataError::invalid(
                "No channel information found in neuron_attributes. Ensure neuron_attributes \
                 contains channel information or specify channel_attr.",
            ));
        }
        let r = self.sparse_raster(bin_size, 0.0)?;
        let mut channels: Vec<i64> = map.values().copied().collect();
        channels.sort_unstable();
        channels.dedup();
        crate::raster::check_dense(channels.len(), r.n_bins)?;
        let mut out = Array2::<u32>::zeros((channels.len(), r.n_bins));
        for (&u, c) in &map {
            let Ok(row) = channels.binary_search(c) else {
                continue;
            };
            for k in r.indptr[u]..r.indptr[u + 1] {
                let cell = &mut out[[row, r.bins[k] as usize]];
                *cell = cell.saturating_add(r.counts[k]);
            }
        }
        Ok((channels, out))
    }

    /// SpikeLab's `split_epochs()`: one [`SpikeData::subtime`] per `[start, end]` of
    /// `metadata["rec_chunks_ms"]`, with `metadata["epoch_index"] = i`,
    /// `metadata["source_file"] = rec_chunk_names[i]` when given, the concatenation keys
    /// (`rec_chunks_ms`, `rec_chunks_frames`, `rec_chunk_names`) removed, and each unit's
    /// `epoch_templates[i]` as its `template` (`epoch_templates` removed).
    pub fn split_epochs(&self) -> Result<Vec<SpikeData>> {
        let chunks = self
            .metadata
            .get("rec_chunks_ms")
            .and_then(Value::as_array)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                SpikeDataError::invalid(
                    "No epoch boundaries found in metadata['rec_chunks_ms']. This SpikeData \
                     was not created from concatenated recordings.",
                )
            })?;
        let names = self
            .metadata
            .get("rec_chunk_names")
            .and_then(Value::as_array);
        chunks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let bounds = as_f64s(c).filter(|b| b.len() == 2).ok_or_else(|| {
                    SpikeDataError::invalid(format!("rec_chunks_ms[{i}] is not [start, end]"))
                })?;
                let mut sd = self.subtime(Some(bounds[0]), Some(bounds[1]), None)?;
                if let Some(attrs) = sd.unit_attrs.as_mut() {
                    for a in attrs.iter_mut() {
                        if let Some(t) = a
                            .get("epoch_templates")
                            .and_then(Value::as_array)
                            .and_then(|t| t.get(i))
                            .cloned()
                        {
                            a.insert("template".into(), t);
                        }
                        a.remove("epoch_templates");
                    }
                }
                let md: &mut Attrs = &mut sd.metadata;
                for k in ["rec_chunks_ms", "rec_chunks_frames", "rec_chunk_names"] {
                    md.remove(k);
                }
                if let Some(n) = names.and_then(|n| n.get(i)) {
                    md.insert("source_file".into(), n.clone());
                }
                md.insert("epoch_index".into(), Value::from(i));
                Ok(sd)
            })
            .collect()
    }
}
