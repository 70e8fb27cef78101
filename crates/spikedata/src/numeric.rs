//! numpy / scipy numerics reproduced bit for bit where the order of operations matters:
//! pairwise summation (`np.sum`), `np.mean`, `np.std`, `scipy.ndimage.gaussian_filter1d`
//! (mode `reflect`), `np.convolve(.., mode="same")`.

/// numpy's pairwise summation kernel (`pairwise_sum` in `loops_utils.h`).
fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// `np.sum` of a contiguous float64 array.
pub(crate) fn np_sum(a: &[f64]) -> f64 {
    0.0 + pairwise(a)
}

/// `np.mean` (NaN for an empty slice).
pub(crate) fn np_mean(a: &[f64]) -> f64 {
    np_sum(a) / a.len() as f64
}

/// `np.std` (population, `ddof=0`).
pub(crate) fn np_std(a: &[f64]) -> f64 {
    let m = np_mean(a);
    let sq: Vec<f64> = a
        .iter()
        .map(|&x| {
            let d = x - m;
            d * d
        })
        .collect();
    (np_sum(&sq) / a.len() as f64).sqrt()
}

/// `np.nanmean`: NaNs replaced by 0 in the sum and left out of the count.
pub(crate) fn np_nanmean(a: &[f64]) -> f64 {
    let replaced: Vec<f64> = a
        .iter()
        .map(|&x| if x.is_nan() { 0.0 } else { x })
        .collect();
    let cnt = a.iter().filter(|x| !x.is_nan()).count();
    np_sum(&replaced) / cnt as f64
}

/// Index of extended position `i` (may be negative or `>= n`) under scipy's `reflect` mode
/// (`d c b a | a b c d | d c b a`).
fn reflect(i: i64, n: i64) -> usize {
    let p = 2 * n;
    let m = i.rem_euclid(p);
    let r = if m < n { m } else { p - 1 - m };
    usize::try_from(r).unwrap_or(0)
}

/// `scipy.ndimage.gaussian_filter1d(x, sigma)` (order 0, truncate 4.0, mode `reflect`),
/// reproducing scipy's kernel and its symmetric-kernel summation order.
pub(crate) fn gaussian_filter1d(x: &[f64], sigma: f64) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let lw = (4.0 * sigma + 0.5) as i64;
    let r = lw.max(0);
    let sigma2 = sigma * sigma;
    let phi: Vec<f64> = (-r..=r)
        .map(|k| (-0.5 / sigma2 * ((k * k) as f64)).exp())
        .collect();
    let sum = np_sum(&phi);
    let w: Vec<f64> = phi.iter().map(|v| v / sum).collect();
    let ni = n as i64;
    let ru = usize::try_from(r).unwrap_or(0);
    // extended line: index e corresponds to position e - r
    let ext: Vec<f64> = (-r..ni + r).map(|i| x[reflect(i, ni)]).collect();
    let mut out = Vec::with_capacity(n);
    for ll in 0..n {
        let c = ll + ru;
        let mut acc = ext[c] * w[ru];
        for d in (1..=ru).rev() {
            acc += (ext[c - d] + ext[c + d]) * w[ru - d];
        }
        out.push(acc);
    }
    out
}

/// `np.convolve(a, ones(w), mode="same")` for integer-valued `a` (exact).
pub(crate) fn convolve_ones_same(a: &[f64], w: usize) -> Vec<f64> {
    let n = a.len();
    if n == 0 || w == 0 {
        return a.to_vec();
    }
    // full convolution has length n + w - 1; "same" keeps max(n, w) centred values
    let len = n.max(w);
    let full_len = n + w - 1;
    let start = (full_len - len) / 2;
    let mut prefix = vec![0.0; n + 1];
    for i in 0..n {
        prefix[i + 1] = prefix[i] + a[i];
    }
    (start..start + len)
        .map(|k| {
            // full[k] = sum_{j=max(0,k-w+1)}^{min(k, n-1)} a[j]
            let lo = (k + 1).saturating_sub(w);
            let hi = k.min(n - 1);
            if lo > hi {
                0.0
            } else {
                prefix[hi + 1] - prefix[lo]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scipy_doc_examples() {
        let y = gaussian_filter1d(&[1.0, 2.0, 3.0, 4.0, 5.0], 1.0);
        let want = [1.42704095, 2.06782203, 3.0, 3.93217797, 4.57295905];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-8, "{a} {b}");
        }
        let y = gaussian_filter1d(&[1.0, 2.0, 3.0, 4.0, 5.0], 4.0);
        let want = [2.91948343, 2.95023502, 3.0, 3.04976498, 3.08051657];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-8, "{a} {b}");
        }
    }

    #[test]
    fn convolve_same_matches_numpy() {
        // np.convolve([1,2,3,4,5], ones(3), 'same') = [3, 6, 9, 12, 9]
        assert_eq!(
            convolve_ones_same(&[1.0, 2.0, 3.0, 4.0, 5.0], 3),
            vec![3.0, 6.0, 9.0, 12.0, 9.0]
        );
        // even kernel: np.convolve([1,2,3,4,5], ones(2), 'same') = [1, 3, 5, 7, 9]
        assert_eq!(
            convolve_ones_same(&[1.0, 2.0, 3.0, 4.0, 5.0], 2),
            vec![1.0, 3.0, 5.0, 7.0, 9.0]
        );
        assert_eq!(np_std(&[1.0, 2.0, 3.0, 4.0]), 1.118033988749895);
    }
}
