//! scipy's Butterworth design and zero-phase filtering: `scipy.signal.butter` /
//! `iirfilter(.., output="sos")` and `sosfiltfilt` (padding `odd`, scipy's default pad length,
//! `sosfilt_zi` initial conditions), as SpikeLab's `butter_filter` uses them.
//!
//! The design follows scipy 1.17 step by step (analog prototype `buttap`, frequency
//! pre-warping, `lp2lp_zpk` / `lp2hp_zpk` / `lp2bp_zpk`, `bilinear_zpk`, `zpk2sos` with
//! `pairing="nearest"`), with numpy's complex arithmetic, so the sections agree with scipy's to
//! an ulp or two and filtered signals to ~1e-14 relative.

use crate::error::{Result, SpikeDataError};
use crate::numeric::np_sum;

/// A complex number with numpy's arithmetic (its division algorithm, glibc's `csqrt`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    const fn new(re: f64, im: f64) -> C {
        C { re, im }
    }
    fn real(re: f64) -> C {
        C::new(re, 0.0)
    }
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: C) -> C {
        C::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    /// `complex * float` (numpy promotes the float to `(x, 0)`).
    fn scale(self, x: f64) -> C {
        self.mul(C::real(x))
    }
    /// numpy's complex division (Smith's algorithm as in its `divide` loop).
    fn div(self, o: C) -> C {
        let (ar, ai, br, bi) = (self.re, self.im, o.re, o.im);
        let (abr, abi) = (br.abs(), bi.abs());
        if abr >= abi {
            if abr == 0.0 && abi == 0.0 {
                return C::new(ar / abr, ai / abr);
            }
            let rat = bi / br;
            let scl = 1.0 / (br + bi * rat);
            C::new((ar + ai * rat) * scl, (ai - ar * rat) * scl)
        } else {
            let rat = br / bi;
            let scl = 1.0 / (bi + br * rat);
            C::new((ar * rat + ai) * scl, (ai * rat - ar) * scl)
        }
    }
    fn conj(self) -> C {
        C::new(self.re, -self.im)
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    fn is_real(self) -> bool {
        self.im == 0.0
    }
    /// glibc's `csqrt` (which numpy calls), for finite values.
    fn sqrt(self) -> C {
        let (x, y) = (self.re, self.im);
        if y == 0.0 {
            return if x < 0.0 {
                C::new(0.0, (-x).sqrt().copysign(y))
            } else {
                C::new(x.sqrt().abs(), 0.0f64.copysign(y))
            };
        }
        if x == 0.0 {
            let r = (0.5 * y.abs()).sqrt();
            return C::new(r, r.copysign(y));
        }
        let d = x.hypot(y);
        let (r, s) = if x > 0.0 {
            let r = (0.5 * (d + x)).sqrt();
            (r, 0.5 * (y / r))
        } else {
            let s = (0.5 * (d - x)).sqrt();
            ((0.5 * (y / s)).abs(), s)
        };
        C::new(r, s.copysign(y))
    }
}

/// The band of a Butterworth filter, as normalised frequencies (1 = Nyquist).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// Low-pass below `Wn`.
    Lowpass(f64),
    /// High-pass above `Wn`.
    Highpass(f64),
    /// Band-pass between the two.
    Bandpass(f64, f64),
}

/// One second-order section `[b0, b1, b2, a0, a1, a2]` (scipy's `sos` rows).
pub type Section = [f64; 6];

/// `np.poly` of up to two roots, real part when they are conjugates (scipy's `_pu.poly`).
fn poly(roots: &[C]) -> Vec<f64> {
    let mut a = vec![C::real(1.0)];
    for &r in roots {
        let v = [C::real(1.0), C::new(0.0 - r.re, 0.0 - r.im)];
        let mut out = vec![C::real(0.0); a.len() + 1];
        for (i, &ai) in a.iter().enumerate() {
            for (j, &vj) in v.iter().enumerate() {
                out[i + j] = out[i + j].add(ai.mul(vj));
            }
        }
        a = out;
    }
    a.into_iter().map(|c| c.re).collect()
}

/// `_single_zpksos(z, p, 1)`.
fn single_section(z: &[C], p: &[C]) -> Section {
    let mut s = [0.0; 6];
    let b = poly(z);
    let a = poly(p);
    s[3 - b.len()..3].copy_from_slice(&b);
    s[6 - a.len()..6].copy_from_slice(&a);
    s
}

/// scipy's `_cplxreal`: the complex values (one of each conjugate pair, positive imaginary
/// part, averaged with its conjugate), then the real ones, both sorted.
fn cplxreal(z: &[C]) -> Result<Vec<C>> {
    if z.is_empty() {
        return Ok(Vec::new());
    }
    let tol = 100.0 * f64::EPSILON;
    let mut z = z.to_vec();
    // np.lexsort((abs(imag), real)): real first, then |imag|; stable
    z.sort_by(|a, b| {
        a.re.total_cmp(&b.re)
            .then_with(|| a.im.abs().total_cmp(&b.im.abs()))
    });
    let is_real = |c: &C| c.im.abs() <= tol * c.abs();
    let zr: Vec<C> = z
        .iter()
        .filter(|c| is_real(c))
        .map(|c| C::real(c.re))
        .collect();
    if zr.len() == z.len() {
        return Ok(zr);
    }
    let zc: Vec<C> = z.iter().filter(|c| !is_real(c)).copied().collect();
    let mut zp: Vec<C> = zc.iter().filter(|c| c.im > 0.0).copied().collect();
    let mut zn: Vec<C> = zc.iter().filter(|c| c.im < 0.0).copied().collect();
    if zp.len() != zn.len() {
        return Err(SpikeDataError::invalid(
            "Array contains complex value with no matching conjugate.",
        ));
    }
    // runs of (about) the same real part, each sorted by |imag|
    let mut start = 0;
    while start < zp.len() {
        let mut stop = start + 1;
        while stop < zp.len() && zp[stop].re - zp[stop - 1].re <= tol * zp[stop - 1].abs() {
            stop += 1;
        }
        if stop - start > 1 {
            zp[start..stop].sort_by(|a, b| a.im.abs().total_cmp(&b.im.abs()));
            zn[start..stop].sort_by(|a, b| a.im.abs().total_cmp(&b.im.abs()));
        }
        start = stop;
    }
    let mut out = Vec::with_capacity(zp.len() + zr.len());
    for (a, b) in zp.iter().zip(&zn) {
        if a.sub(b.conj()).abs() > tol * b.abs() {
            return Err(SpikeDataError::invalid(
                "Array contains complex value with no matching conjugate.",
            ));
        }
        let s = a.add(b.conj());
        out.push(C::new(s.re / 2.0, s.im / 2.0));
    }
    out.extend(zr);
    Ok(out)
}

/// Index of the first minimum of `key` over `idx` (numpy's `argmin`).
fn argmin_by(n: usize, key: impl Fn(usize) -> f64) -> usize {
    let mut best = 0;
    for i in 1..n {
        if key(i) < key(best) {
            best = i;
        }
    }
    best
}

/// `_nearest_real_complex_idx(fro, to, which)`: `which` = `Some(true)` real only,
/// `Some(false)` complex only, `None` any.
fn nearest_idx(fro: &[C], to: C, which: Option<bool>) -> Option<usize> {
    let mut order: Vec<usize> = (0..fro.len()).collect();
    order.sort_by(|&a, &b| fro[a].sub(to).abs().total_cmp(&fro[b].sub(to).abs()));
    order
        .into_iter()
        .find(|&i| which.is_none_or(|real| fro[i].is_real() == real))
}

/// scipy's `zpk2sos(z, p, k)` for a digital filter with `pairing="nearest"`.
fn zpk2sos(z: &[C], p: &[C], k: f64) -> Result<Vec<Section>> {
    if z.is_empty() && p.is_empty() {
        return Ok(vec![[k, 0.0, 0.0, 1.0, 0.0, 0.0]]);
    }
    let mut p = p.to_vec();
    let mut z = z.to_vec();
    let n = p.len().max(z.len());
    p.resize(n, C::real(0.0));
    z.resize(n, C::real(0.0));
    let n_sections = n.div_ceil(2);
    if p.len() % 2 == 1 {
        p.push(C::real(0.0));
        z.push(C::real(0.0));
    }
    let mut z = cplxreal(&z)?;
    let mut p = cplxreal(&p)?;
    let worst = |p: &[C]| argmin_by(p.len(), |i| (1.0 - p[i].abs()).abs());
    let bad = || SpikeDataError::invalid("zpk2sos: unpaired pole or zero");
    let mut sos = vec![[0.0; 6]; n_sections];
    for si in (0..n_sections).rev() {
        if p.is_empty() {
            return Err(bad());
        }
        let p1 = p.remove(worst(&p));
        let n_real_p = p.iter().filter(|c| c.is_real()).count();
        let n_real_z = z.iter().filter(|c| c.is_real()).count();
        if p1.is_real() && n_real_p == 0 {
            // the last real pole
            let i = nearest_idx(&z, p1, Some(true)).ok_or_else(bad)?;
            let z1 = z.remove(i);
            sos[si] = single_section(&[z1, C::real(0.0)], &[p1, C::real(0.0)]);
        } else if p.len() + 1 == z.len() && !p1.is_real() && n_real_p == 1 && n_real_z == 1 {
            // one real pole and one real zero left: pair with a complex zero
            let i = nearest_idx(&z, p1, Some(false)).ok_or_else(bad)?;
            let z1 = z.remove(i);
            sos[si] = single_section(&[z1, z1.conj()], &[p1, p1.conj()]);
        } else {
            let p2 = if p1.is_real() {
                let reals: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_real()).collect();
                let sub: Vec<C> = reals.iter().map(|&i| p[i]).collect();
                let j = *reals.get(worst(&sub)).ok_or_else(bad)?;
                p.remove(j)
            } else {
                p1.conj()
            };
            if z.is_empty() {
                sos[si] = single_section(&[], &[p1, p2]);
            } else {
                let i = nearest_idx(&z, p1, None).ok_or_else(bad)?;
                let z1 = z.remove(i);
                if !z1.is_real() {
                    sos[si] = single_section(&[z1, z1.conj()], &[p1, p2]);
                } else if !z.is_empty() {
                    let j = nearest_idx(&z, p1, Some(true)).ok_or_else(bad)?;
                    let z2 = z.remove(j);
                    sos[si] = single_section(&[z1, z2], &[p1, p2]);
                } else {
                    sos[si] = single_section(&[z1], &[p1, p2]);
                }
            }
        }
    }
    for v in &mut sos[0][..3] {
        *v *= k;
    }
    Ok(sos)
}

/// `np.prod` of complex values (left to right), `1` when empty.
fn cprod(v: &[C]) -> C {
    v.iter().fold(C::real(1.0), |acc, &x| acc.mul(x))
}

/// scipy's `iirfilter(order, Wn, btype=.., ftype="butter", output="sos")` for a digital
/// filter: `Wn` normalised to the Nyquist frequency (`0 < Wn < 1`).
pub fn butter_sos(order: usize, band: Band) -> Result<Vec<Section>> {
    if order == 0 || order > 64 {
        return Err(SpikeDataError::invalid(format!(
            "Butterworth order must be in 1..=64, got {order}"
        )));
    }
    let wn: Vec<f64> = match band {
        Band::Lowpass(w) | Band::Highpass(w) => vec![w],
        Band::Bandpass(a, b) => {
            if !(a < b) {
                return Err(SpikeDataError::invalid("Wn[0] must be less than Wn[1]"));
            }
            vec![a, b]
        }
    };
    if wn.iter().any(|&w| !(w > 0.0 && w < 1.0)) {
        return Err(SpikeDataError::invalid(
            "Digital filter critical frequencies must be 0 < Wn < 1",
        ));
    }
    // buttap
    let nf = order as f64;
    let mut p: Vec<C> = (0..order)
        .map(|i| {
            let m = -nf + 1.0 + 2.0 * i as f64;
            // 1j * pi * m / (2N): (0 * m, pi * m) / (2N)
            let y = std::f64::consts::PI * m / (2.0 * nf);
            C::new(0.0 - y.cos(), 0.0 - y.sin())
        })
        .collect();
    let mut z: Vec<C> = Vec::new();
    let mut k = 1.0f64;
    // pre-warp with fs = 2
    let fs = 2.0;
    let warped: Vec<f64> = wn
        .iter()
        .map(|&w| 2.0 * fs * (std::f64::consts::PI * w / fs).tan())
        .collect();
    let degree = (p.len() - z.len()) as f64;
    match band {
        Band::Lowpass(_) => {
            let wo = warped[0];
            z = z.iter().map(|c| c.scale(wo)).collect();
            p = p.iter().map(|c| c.scale(wo)).collect();
            k *= wo.powf(degree);
        }
        Band::Highpass(_) => {
            let wo = C::real(warped[0]);
            let zz: Vec<C> = z.iter().map(|c| C::new(0.0 - c.re, 0.0 - c.im)).collect();
            let pp: Vec<C> = p.iter().map(|c| C::new(0.0 - c.re, 0.0 - c.im)).collect();
            k *= cprod(&zz).div(cprod(&pp)).re;
            z = z.iter().map(|&c| wo.div(c)).collect();
            p = p.iter().map(|&c| wo.div(c)).collect();
            z.extend(std::iter::repeat_n(C::real(0.0), degree as usize));
        }
        Band::Bandpass(..) => {
            let bw = warped[1] - warped[0];
            let wo = (warped[0] * warped[1]).sqrt();
            let wo2 = C::real(wo.powf(2.0));
            let shift = |v: &[C]| -> Vec<C> {
                let lp: Vec<C> = v
                    .iter()
                    .map(|c| {
                        let s = c.scale(bw);
                        C::new(s.re / 2.0, s.im / 2.0)
                    })
                    .collect();
                let roots: Vec<C> = lp.iter().map(|c| c.mul(*c).sub(wo2).sqrt()).collect();
                let mut out: Vec<C> = lp.iter().zip(&roots).map(|(a, r)| a.add(*r)).collect();
                out.extend(lp.iter().zip(&roots).map(|(a, r)| a.sub(*r)));
                out
            };
            z = shift(&z);
            p = shift(&p);
            z.extend(std::iter::repeat_n(C::real(0.0), degree as usize));
            k *= bw.powf(degree);
        }
    }
    // bilinear_zpk with fs = 2
    let fs2 = C::real(2.0 * fs);
    let degree = p.len() - z.len();
    let zf: Vec<C> = z.iter().map(|&c| fs2.sub(c)).collect();
    let pf: Vec<C> = p.iter().map(|&c| fs2.sub(c)).collect();
    let k_z = k * cprod(&zf).div(cprod(&pf)).re;
    let mut z_z: Vec<C> = z
        .iter()
        .zip(&zf)
        .map(|(&c, &d)| fs2.add(c).div(d))
        .collect();
    let p_z: Vec<C> = p
        .iter()
        .zip(&pf)
        .map(|(&c, &d)| fs2.add(c).div(d))
        .collect();
    z_z.extend(std::iter::repeat_n(C::real(-1.0), degree));
    zpk2sos(&z_z, &p_z, k_z)
}

/// scipy's `lfilter_zi(b, a)` for one section (`a0 = 1`): the 2×2 system `(I - A) zi = B`
/// solved by LU with partial pivoting (LAPACK's `dgesv`).
fn lfilter_zi(s: &Section) -> [f64; 2] {
    let (b, a) = (&s[..3], &s[3..]);
    let (b, a): (Vec<f64>, Vec<f64>) = if a[0] != 1.0 {
        (
            b.iter().map(|v| v / a[0]).collect(),
            a.iter().map(|v| v / a[0]).collect(),
        )
    } else {
        (b.to_vec(), a.to_vec())
    };
    let mut m = [
        [1.0 - (0.0 - a[1]), 0.0 - 1.0],
        [0.0 - (0.0 - a[2]), 1.0 - 0.0],
    ];
    let mut r = [b[1] - a[1] * b[0], b[2] - a[2] * b[0]];
    if m[1][0].abs() > m[0][0].abs() {
        m.swap(0, 1);
        r.swap(0, 1);
    }
    let l = m[1][0] * (1.0 / m[0][0]);
    let u11 = m[1][1] - l * m[0][1];
    let y1 = r[1] - l * r[0];
    let x1 = y1 / u11;
    let x0 = (r[0] - m[0][1] * x1) / m[0][0];
    [x0, x1]
}

/// scipy's `sosfilt_zi(sos)`: steady-state initial conditions of each section for a unit step.
fn sosfilt_zi(sos: &[Section]) -> Vec<[f64; 2]> {
    let mut scale = 1.0;
    sos.iter()
        .map(|s| {
            let zi = lfilter_zi(s);
            let out = [scale * zi[0], scale * zi[1]];
            scale *= np_sum(&s[..3]) / np_sum(&s[3..]);
            out
        })
        .collect()
}

/// scipy's `sosfilt` kernel (direct form II transposed, in place) from the states `zi`,
/// forwards or (`backwards`) from the last sample to the first; `zi` ends as the states after
/// the last sample filtered (so a signal can be filtered in consecutive pieces).
fn sosfilt_in_place(sos: &[Section], x: &mut [f64], zi: &mut [[f64; 2]], backwards: bool) {
    // the common section counts with the coefficients and states in fixed arrays
    match sos.len() {
        1 => sosfilt_n::<1>(sos, x, zi, backwards),
        2 => sosfilt_n::<2>(sos, x, zi, backwards),
        3 => sosfilt_n::<3>(sos, x, zi, backwards),
        4 => sosfilt_n::<4>(sos, x, zi, backwards),
        5 => sosfilt_n::<5>(sos, x, zi, backwards),
        6 => sosfilt_n::<6>(sos, x, zi, backwards),
        _ => {
            let mut step = |v: &mut f64| {
                let mut cur = *v;
                for (s, z) in sos.iter().zip(zi.iter_mut()) {
                    let new = s[0] * cur + z[0];
                    z[0] = s[1] * cur - s[4] * new + z[1];
                    z[1] = s[2] * cur - s[5] * new;
                    cur = new;
                }
                *v = cur;
            };
            if backwards {
                x.iter_mut().rev().for_each(&mut step);
            } else {
                x.iter_mut().for_each(&mut step);
            }
        }
    }
}

fn sosfilt_n<const K: usize>(sos: &[Section], x: &mut [f64], zi: &mut [[f64; 2]], backwards: bool) {
    let mut c = [[0.0; 6]; K];
    let mut z = [[0.0; 2]; K];
    c.copy_from_slice(&sos[..K]);
    z.copy_from_slice(&zi[..K]);
    let mut step = |v: &mut f64| {
        let mut cur = *v;
        for k in 0..K {
            let s = &c[k];
            let new = s[0] * cur + z[k][0];
            z[k][0] = s[1] * cur - s[4] * new + z[k][1];
            z[k][1] = s[2] * cur - s[5] * new;
            cur = new;
        }
        *v = cur;
    };
    if backwards {
        x.iter_mut().rev().for_each(&mut step);
    } else {
        x.iter_mut().for_each(&mut step);
    }
    zi[..K].copy_from_slice(&z);
}

/// scipy's `sosfiltfilt(sos, x)` (`padtype="odd"`, default `padlen`): forward and backward
/// passes with `sosfilt_zi` initial conditions scaled by the first sample of each pass, over
/// `x` extended by an odd reflection of `3 · ntaps` samples at both ends. Fails (as scipy) when
/// `x` is not longer than the pad.
pub fn sosfiltfilt(sos: &[Section], x: &[f64]) -> Result<Vec<f64>> {
    if sos.is_empty() || sos.iter().any(|s| s[3] != 1.0) {
        return Err(SpikeDataError::invalid(
            "sos must have at least one section and a0 == 1 in each",
        ));
    }
    let zeros_b = sos.iter().filter(|s| s[2] == 0.0).count();
    let zeros_a = sos.iter().filter(|s| s[5] == 0.0).count();
    let ntaps = 2 * sos.len() + 1 - zeros_b.min(zeros_a);
    let edge = 3 * ntaps;
    let n = x.len();
    if n <= edge {
        return Err(SpikeDataError::invalid(format!(
            "The length of the input vector x must be greater than padlen, which is {edge}."
        )));
    }
    // the padded signal is filtered in three pieces with the states carried over (the same
    // operations in the same order as over one extended copy, without building it): the
    // odd reflections before and after, and the output, which starts as a copy of `x`
    let (first, last) = (x[0], x[n - 1]);
    let mut pre: Vec<f64> = (1..=edge).rev().map(|i| 2.0 * first - x[i]).collect();
    let mut post: Vec<f64> = (2..edge + 2).map(|i| 2.0 * last - x[n - i]).collect();
    let mut out = x.to_vec();
    let zi = sosfilt_zi(sos);
    let scaled = |v: f64| zi.iter().map(|z| [z[0] * v, z[1] * v]).collect::<Vec<_>>();
    let mut z = scaled(pre[0]);
    sosfilt_in_place(sos, &mut pre, &mut z, false);
    sosfilt_in_place(sos, &mut out, &mut z, false);
    sosfilt_in_place(sos, &mut post, &mut z, false);
    // the backward pass runs over the forward output from its end (scipy reverses, filters
    // and reverses back: the same operations); the reflection before `x` is cut off, so its
    // backward values are not computed
    let mut z = scaled(post[edge - 1]);
    sosfilt_in_place(sos, &mut post, &mut z, true);
    sosfilt_in_place(sos, &mut out, &mut z, true);
    Ok(out)
}

/// SpikeLab's `butter_filter(data, lowcut, highcut, fs, order)`: a Butterworth low-pass
/// (`lowcut = None`), high-pass (`highcut = None`) or band-pass filter applied forward and
/// backward ([`sosfiltfilt`]); cut-offs and `fs` in Hz (`Wn = cut / fs * 2`, SpikeLab's
/// order of operations).
pub fn butter_filter(
    data: &[f64],
    lowcut: Option<f64>,
    highcut: Option<f64>,
    fs: f64,
    order: usize,
) -> Result<Vec<f64>> {
    let band = band_of(lowcut, highcut, |f| f / fs * 2.0)?;
    sosfiltfilt(&butter_sos(order, band)?, data)
}

/// The [`Band`] of SpikeLab's `lowcut` / `highcut` pair, normalised by `norm`.
pub(crate) fn band_of(
    lowcut: Option<f64>,
    highcut: Option<f64>,
    norm: impl Fn(f64) -> f64,
) -> Result<Band> {
    match (lowcut, highcut) {
        (None, None) => Err(SpikeDataError::invalid(
            "Need at least a low cutoff (lowcut) or high cutoff (highcut) frequency!",
        )),
        (None, Some(h)) => Ok(Band::Lowpass(norm(h))),
        (Some(l), None) => Ok(Band::Highpass(norm(l))),
        (Some(l), Some(h)) => {
            if l >= h {
                return Err(SpikeDataError::invalid(
                    "lowcut must be smaller than highcut",
                ));
            }
            Ok(Band::Bandpass(norm(l), norm(h)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn butter_lowpass_order2_matches_scipy() {
        // scipy.signal.iirfilter(2, 0.04, btype="lowpass", output="sos")
        let sos = butter_sos(2, Band::Lowpass(0.04)).unwrap();
        let want = [
            0.0036216815149286417,
            0.007243363029857283,
            0.0036216815149286417,
            1.0,
            -1.822694925196308,
            0.8371816512560226,
        ];
        for (a, b) in sos[0].iter().zip(want) {
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{a} {b}");
        }
    }

    #[test]
    fn csqrt_branches() {
        assert_eq!(C::new(-4.0, 0.0).sqrt(), C::new(0.0, 2.0));
        assert_eq!(C::new(4.0, -0.0).sqrt(), C::new(2.0, -0.0));
        let r = C::new(0.0, 8.0).sqrt();
        assert!((r.re - 2.0).abs() < 1e-15 && (r.im - 2.0).abs() < 1e-15);
        let r = C::new(-3.0, 4.0).sqrt();
        assert!((r.re - 1.0).abs() < 1e-15 && (r.im - 2.0).abs() < 1e-15);
    }
}
