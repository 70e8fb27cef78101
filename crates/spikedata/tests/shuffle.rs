//! Seeded shuffles: SpikeLab's invariants and seed determinism (the values themselves are
//! compared with numpy's draws in `tests/filters_waveforms.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use spikedata::{Attrs, Options, SpikeData};

fn data() -> SpikeData {
    // 12 units, 2 s, a deterministic spread of spikes (some bins with two spikes)
    let trains: Vec<Vec<f64>> = (0..12)
        .map(|u| {
            (0..(20 + 7 * u))
                .map(|k| ((k * 97 + u * 31) % 1999) as f64 + 0.25)
                .collect()
        })
        .collect();
    let attrs = (0..12)
        .map(|u| {
            let mut a = Attrs::new();
            a.insert("unit_id".into(), u.into());
            a
        })
        .collect();
    SpikeData::new(
        trains,
        Options {
            length: Some(2000.0),
            unit_attrs: Some(attrs),
            ..Options::default()
        },
    )
    .unwrap()
}

/// Per-unit and per-bin counts of the binarised raster at `bin`.
fn degrees(sd: &SpikeData, bin: f64) -> (Vec<usize>, Vec<usize>) {
    let r = sd.sparse_raster(bin, 0.0).unwrap();
    let mut per_bin = vec![0; r.n_bins];
    let mut per_unit = vec![0; r.n_units];
    for (u, b, _) in r.triplets() {
        per_unit[u] += 1;
        per_bin[b] += 1;
    }
    (per_unit, per_bin)
}

#[test]
fn spike_shuffle_keeps_degrees_and_is_seeded() {
    let sd = data();
    for bin in [1.0, 5.0] {
        let s = sd.spike_shuffle(5, Some(7), bin).unwrap();
        assert_eq!(degrees(&s, bin), degrees(&sd, bin), "bin {bin}");
        assert_ne!(s.trains(), sd.trains(), "the spikes moved");
        // one spike per active bin, at the bin centre
        for t in s.trains() {
            for &v in t {
                assert_eq!((v / bin).fract(), 0.5, "{v}");
            }
        }
        assert_eq!(s.unit_attrs(), sd.unit_attrs());
        assert_eq!((s.start_time(), s.length()), (0.0, 2000.0));
        assert_eq!(
            s,
            sd.spike_shuffle(5, Some(7), bin).unwrap(),
            "same seed, same draw"
        );
        assert_ne!(s, sd.spike_shuffle(5, Some(8), bin).unwrap());
    }
    // a multi-spike bin is binarised (SpikeLab warns): 2 spikes in bin 0 → one
    let two = SpikeData::new(vec![vec![0.2, 0.4], vec![5.5]], Options::length(10.0)).unwrap();
    let s = two.spike_shuffle(5, Some(1), 1.0).unwrap();
    assert_eq!(s.spike_count(), 2);
    let empty = SpikeData::new(vec![], Options::window(-5.0, 10.0)).unwrap();
    let s = empty.spike_shuffle(5, Some(1), 1.0).unwrap();
    assert_eq!((s.n_units(), s.start_time(), s.length()), (0, -5.0, 10.0));
}

#[test]
fn shuffle_and_subset_stacks() {
    let sd = data();
    let st = sd.spike_shuffle_stack(3, Some(11), 2, 1.0).unwrap();
    assert_eq!(st.len(), 3);
    assert_eq!(st.windows, vec![(0.0, 2000.0); 3]);
    assert_eq!(st.unit_attrs.as_deref(), sd.unit_attrs());
    for s in &st.slices {
        assert_eq!(s.unit_attrs(), None);
        assert_eq!(degrees(s, 1.0), degrees(&sd, 1.0));
    }
    assert_ne!(st.slices[0], st.slices[1], "independent child seeds");
    assert_eq!(st, sd.spike_shuffle_stack(3, Some(11), 2, 1.0).unwrap());
    assert!(sd.spike_shuffle_stack(0, None, 2, 1.0).is_err());

    let ss = sd.subset_stack(5, 4, Some(3)).unwrap();
    assert_eq!(ss.len(), 5);
    assert_eq!(ss.unit_attrs, None);
    for s in &ss.slices {
        assert_eq!(s.n_units(), 4);
        let ids: Vec<i64> = s
            .unit_attrs()
            .unwrap()
            .iter()
            .map(|a| a["unit_id"].as_i64().unwrap())
            .collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "sorted, distinct: {ids:?}"
        );
        for (k, &id) in ids.iter().enumerate() {
            assert_eq!(s.train(k), sd.train(id as usize));
        }
    }
    assert_eq!(ss, sd.subset_stack(5, 4, Some(3)).unwrap());
    assert!(sd.subset_stack(1, 13, None).is_err());
    assert!(sd.subset_stack(0, 1, None).is_err());
    assert_eq!(
        sd.subset_stack(2, 12, Some(1)).unwrap().slices[1].trains(),
        sd.trains()
    );
}
