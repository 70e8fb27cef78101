//! [`ChannelsFirst`] on a NIX file's channels-first array: `testdata/nix/tutorial.nix`'s
//! `data_multi_dimension` (2 × 1000 float64: sin and cos of 5 periods per 1000 samples,
//! written by `testdata/generate/nix_fixtures.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_core::{ChannelIndexes, Dtype, ErrorKind};
use rawio_hdf5::{ChannelsFirst, H5File, OpenOptions};
use std::path::Path;

fn multi() -> ChannelsFirst {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/nix/tutorial.nix");
    let f = H5File::open(p, "nix", &OpenOptions::default()).unwrap();
    let ds = f
        .dataset("/data/basic_examples/data_arrays/data_multi_dimension/data")
        .unwrap();
    ChannelsFirst::new(ds).unwrap()
}

fn truth(ch: usize, i: u64) -> f64 {
    let x = 2.0 * std::f64::consts::PI * i as f64 * 5.0 / 1000.0;
    if ch == 0 { x.sin() } else { x.cos() }
}

#[test]
fn transposes_a_hyperslab() {
    let s = multi();
    assert_eq!(
        (s.samples(), s.channels(), s.dtype()),
        (1000, 2, Dtype::Float64)
    );
    let c = s.read(10..14, &ChannelIndexes::Range(0..2)).unwrap();
    assert_eq!(c.shape(), &[4, 2]);
    let v = c.to_f64();
    for r in 0..4 {
        for ch in 0..2 {
            assert!((v[[r, ch]] - truth(ch, 10 + r as u64)).abs() < 1e-12);
        }
    }
    // one channel, a list, the last samples
    let c = s
        .read(998..1000, &ChannelIndexes::Range(1..2))
        .unwrap()
        .to_f64();
    assert_eq!(c.shape(), &[2, 1]);
    assert!((c[[1, 0]] - truth(1, 999)).abs() < 1e-12);
    let c = s
        .read(0..3, &ChannelIndexes::List(vec![1, 0]))
        .unwrap()
        .to_f64();
    assert!((c[[2, 0]] - truth(1, 2)).abs() < 1e-12);
    assert!((c[[2, 1]] - truth(0, 2)).abs() < 1e-12);
    // empty selections
    assert_eq!(
        s.read(5..5, &ChannelIndexes::Range(0..2)).unwrap().shape(),
        &[0, 2]
    );
}

#[test]
fn refuses_out_of_range_and_wrong_shapes() {
    let s = multi();
    let e = s.read(0..1001, &ChannelIndexes::Range(0..2)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    let e = s.read(0..10, &ChannelIndexes::Range(0..3)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    let one_d = s
        .dataset()
        .file()
        .dataset("/data/basic_examples/data_arrays/data_regular/data")
        .unwrap();
    assert_eq!(
        ChannelsFirst::new(one_d).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}
