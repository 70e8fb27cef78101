//! Raw → physical conversion with neo's exact numerics.
//!
//! `physical = raw * gain + offset`. neo converts the raw array to the target dtype first,
//! then multiplies by the (float64) gains only if one of them differs from 1, then adds the
//! (float64) offsets only if one differs from 0, storing the target dtype after each step. For
//! float32 that is `f32(f64(f32(f64(f32(raw)) * gain)) + offset)`, reproduced here bit for bit;
//! for float64 it is the plain formula.

use crate::dispatch_raw;
use crate::dtype::{RawArray, RawChunk, Sample};
use crate::error::{Error, Result};
use crate::header::Header;
use crate::selection::{ChannelSelection, resolve_channels};
use ndarray::{Array2, Array3, Axis, Dimension, Ix3};

/// Gains and offsets of the selected channels of `stream`, checked against the chunk width.
pub fn stream_gains(
    header: &Header,
    stream: usize,
    channels: &ChannelSelection,
    raw: &RawChunk<'_>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let idx = resolve_channels(header, stream, channels)?.to_vec();
    let chans = header.stream_channels(stream)?;
    if raw.ndim() != 2 || raw.shape()[1] != idx.len() {
        return Err(Error::invalid(format!(
            "chunk of shape {:?} does not match a selection of {} channels",
            raw.shape(),
            idx.len()
        )));
    }
    let gains = idx.iter().map(|&i| chans[i].gain).collect();
    let offsets = idx.iter().map(|&i| chans[i].offset).collect();
    Ok((gains, offsets))
}

/// `raw * gain[c] + offset[c]` in f64 (exact IEEE operations, as numpy).
pub fn signal_f64(raw: &RawChunk<'_>, gains: &[f64], offsets: &[f64]) -> Array2<f64> {
    let mut out = raw.to_f64();
    let any_gain = gains.iter().any(|&g| g != 1.0);
    let any_off = offsets.iter().any(|&o| o != 0.0);
    for (mut col, (&g, &o)) in out.axis_iter_mut(Axis(1)).zip(gains.iter().zip(offsets)) {
        col.mapv_inplace(|v| {
            let v = if any_gain { v * g } else { v };
            if any_off { v + o } else { v }
        });
    }
    out
}

/// `raw * gain[c] + offset[c]` in f32 with neo's two roundings.
pub fn signal_f32(raw: &RawChunk<'_>, gains: &[f64], offsets: &[f64]) -> Array2<f32> {
    let mut out = raw.to_f32();
    let any_gain = gains.iter().any(|&g| g != 1.0);
    let any_off = offsets.iter().any(|&o| o != 0.0);
    for (mut col, (&g, &o)) in out.axis_iter_mut(Axis(1)).zip(gains.iter().zip(offsets)) {
        col.mapv_inplace(|v| f32_step(v, any_gain.then_some(g), any_off.then_some(o)));
    }
    out
}

#[inline]
fn f32_step(v: f32, gain: Option<f64>, offset: Option<f64>) -> f32 {
    let v = match gain {
        Some(g) => (f64::from(v) * g) as f32,
        None => v,
    };
    match offset {
        Some(o) => (f64::from(v) + o) as f32,
        None => v,
    }
}

/// `wf * gain + offset` in f64.
pub fn waveforms_f64(raw: &RawArray<'_, Ix3>, gain: f64, offset: f64) -> Array3<f64> {
    let mut out = raw.to_f64();
    if gain != 1.0 {
        out.mapv_inplace(|v| v * gain);
    }
    if offset != 0.0 {
        out.mapv_inplace(|v| v + offset);
    }
    out
}

/// `wf * gain + offset` in f32 with neo's roundings.
pub fn waveforms_f32(raw: &RawArray<'_, Ix3>, gain: f64, offset: f64) -> Array3<f32> {
    let mut out = raw.to_f32();
    let (g, o) = (
        (gain != 1.0).then_some(gain),
        (offset != 0.0).then_some(offset),
    );
    out.mapv_inplace(|v| f32_step(v, g, o));
    out
}

/// Every value of any raw array widened to f64 (helper for readers and tools).
pub fn to_f64_vec<D: Dimension>(raw: &RawArray<'_, D>) -> Vec<f64> {
    dispatch_raw!(raw, a => a.iter().map(|v| Sample::to_f64(*v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn f32_matches_numpy_two_roundings() {
        // numpy: a = np.array([[12345]], 'int16').astype('float32'); a *= np.array([0.195]);
        // a += np.array([-0.1]) -> float32 2407.1748 (bits 0x451071a8)
        let raw = RawChunk::new(array![[12345i16]]);
        let y = signal_f32(&raw, &[0.195], &[-0.1]);
        let expect = ((f64::from(12345f32) * 0.195) as f32) as f64 - 0.1;
        assert_eq!(y[[0, 0]], expect as f32);
        let y64 = signal_f64(&raw, &[0.195], &[-0.1]);
        assert_eq!(y64[[0, 0]], 12345.0 * 0.195 - 0.1);
        // i32 beyond 2^24: converted to f32 first, as astype(float32)
        let raw = RawChunk::new(array![[16_777_217i32]]);
        assert_eq!(signal_f32(&raw, &[1.0], &[0.0])[[0, 0]], 16_777_216.0);
    }
}
