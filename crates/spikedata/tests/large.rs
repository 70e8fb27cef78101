//! The multi-threaded and block-wise paths (taken above 2^20 spikes) against plain
//! reference computations on a large seeded data set.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use spikedata::{Options, SpikeData};

fn data() -> SpikeData {
    // 300 units, ~1.2 M spikes over 20 s, some exact bin edges and duplicates
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let trains = (0..300)
        .map(|u| {
            let n = 2000 + (u * 37) % 4000;
            let mut t: Vec<f64> = (0..n).map(|_| next() * 20_000.0).collect();
            t.extend((0..50).map(|k| (k * 7 + u) as f64 * 2.5));
            t.push(t[0]);
            t
        })
        .collect();
    SpikeData::new(trains, Options::length(20_000.0)).unwrap()
}

#[test]
fn parallel_rasters_match_references() {
    let sd = data();
    assert!(sd.spike_count() > 1 << 20);
    for bin in [1.0, 2.5, 7.3, 40.0] {
        let r = sd.sparse_raster(bin, 0.0).unwrap();
        let nb = (20_000.0f64 / bin).ceil() as usize;
        assert_eq!(r.n_bins, nb);
        let mut col = vec![0u64; nb];
        for (u, t) in sd.trains().iter().enumerate() {
            let mut want: Vec<(usize, u32)> = Vec::new();
            for &v in t {
                let b = ((v / bin).ceil() as usize).saturating_sub(1).min(nb - 1);
                match want.last_mut() {
                    Some((lb, c)) if *lb == b => *c += 1,
                    _ => want.push((b, 1)),
                }
                col[b] += 1;
            }
            let span = r.indptr[u]..r.indptr[u + 1];
            let got: Vec<(usize, u32)> = r.bins[span.clone()]
                .iter()
                .map(|&b| b as usize)
                .zip(r.counts[span].iter().copied())
                .collect();
            assert_eq!(got, want, "bin {bin} unit {u}");
        }
        assert_eq!(sd.binned(bin).unwrap(), col, "binned {bin}");
    }
}

#[test]
fn block_merge_matches_a_stable_sort() {
    let sd = data();
    let mut want: Vec<(usize, f64)> = sd
        .trains()
        .iter()
        .enumerate()
        .flat_map(|(u, t)| t.iter().map(move |&v| (u, v)))
        .collect();
    want.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(sd.events(), want);
}

#[test]
fn parallel_sttc_matches_pairs() {
    let sd = data();
    let units: Vec<usize> = (0..40).collect();
    let sub = sd.subset(&units, false).unwrap();
    assert!(sub.spike_count() * 40 >= 1 << 22, "takes the threaded path");
    let m = sub.spike_time_tilings(5.0).unwrap();
    for (i, j) in [(0, 1), (3, 39), (17, 18), (38, 2)] {
        // the same kernel on three units (N > 2) gives the same pair value
        let k = (0..40).find(|&k| k != i && k != j).unwrap();
        let three = sub.subset(&[i, j, k], true).unwrap();
        let t = three.spike_time_tilings(5.0).unwrap();
        assert_eq!(m[[i, j]], t[[0, 1]], "pair {i} {j}");
        assert_eq!(m[[j, i]], m[[i, j]]);
    }
    assert_eq!(m[[5, 5]], 1.0);
}

#[test]
fn parallel_latency_distributions_match_pairs() {
    let sd = data();
    let units: Vec<usize> = (0..40).collect();
    let sub = sd.subset(&units, false).unwrap();
    let all = sub.get_pairwise_latency_distributions(Some(30.0));
    for (i, j) in [(0, 1), (39, 3), (12, 13)] {
        let two = sub.subset(&[i, j], true).unwrap();
        let d = two.get_pairwise_latency_distributions(Some(30.0));
        assert_eq!(
            all.distributions[[i, j]],
            d.distributions[[0, 1]],
            "pair {i} {j}"
        );
        assert_eq!(all.mean[[i, j]], d.mean[[0, 1]]);
        assert_eq!(all.std[[j, i]], d.std[[1, 0]]);
    }
}
