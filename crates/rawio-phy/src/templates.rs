//! The probe and template files (`templates.npy`, `template_ind.npy`, `channel_map.npy`,
//! `channel_positions.npy`, and with [`crate::Options::load_pc_features`] `pc_feature_ind.npy`
//! and `pc_features.npy`): [`Geometry::load`].

use crate::folder::{corrupt, open_npy_opt};
use crate::spikes::int_values;
use rawio_core::ndarray::IxDyn;
use rawio_core::{NpyFile, Result, Sample, dispatch_raw};
use std::path::Path;

/// The templates (`templates.npy`, `n_templates × n_samples × n_columns`) and the channel of
/// each column (`template_ind.npy` for sparse templates, else the column index).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Templates {
    /// Peak-to-peak amplitude of each template on each column.
    ptp: Vec<Vec<f64>>,
    /// The channel of each column of each template (sparse templates).
    columns: Option<Vec<Vec<i64>>>,
    /// Samples per template.
    pub(crate) n_samples: usize,
}

impl Templates {
    /// Reads a 3-D `templates.npy` (and `template_ind.npy` when its shape matches).
    fn load(t: &NpyFile, ind: Option<&NpyFile>) -> Result<Self> {
        let dims: Vec<usize> = t
            .header()
            .shape
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
            .collect();
        let &[nt, ns, nc] = dims.as_slice() else {
            return Err(corrupt(t.path(), 0, "templates.npy is not 3-D"));
        };
        let raw = t.raw()?;
        let ptp: Vec<Vec<f64>> = dispatch_raw!(&raw, a => {
            let a = a.view();
            (0..nt).map(|k| {
                (0..nc).map(|c| {
                    let mut lo = f64::INFINITY;
                    let mut hi = f64::NEG_INFINITY;
                    for j in 0..ns {
                        if let Some(v) = a.get(IxDyn(&[k, j, c])) {
                            let v = v.to_f64();
                            lo = lo.min(v);
                            hi = hi.max(v);
                        }
                    }
                    if hi >= lo { hi - lo } else { 0.0 }
                }).collect()
            }).collect()
        });
        let columns = match ind {
            Some(f)
                if f.header().shape.len() == 2
                    && f.header().shape[0] as usize == nt
                    && f.header().shape[1] as usize == nc =>
            {
                sparse_columns(f, nc)?
            }
            _ => None,
        };
        Ok(Templates {
            ptp,
            columns,
            n_samples: ns,
        })
    }

    /// Local channel indexes (into channel_map) of template `t`, by decreasing peak-to-peak
    /// amplitude; flat (all-zero) channels are left out.
    pub(crate) fn best_channels(&self, t: i64) -> Vec<usize> {
        let Some(ptp) = usize::try_from(t).ok().and_then(|t| self.ptp.get(t)) else {
            return Vec::new();
        };
        let mut cols: Vec<usize> = (0..ptp.len()).filter(|&c| ptp[c] > 0.0).collect();
        cols.sort_by(|&a, &b| {
            ptp[b]
                .partial_cmp(&ptp[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        match &self.columns {
            None => cols,
            Some(rows) => {
                let row = usize::try_from(t).ok().and_then(|t| rows.get(t));
                cols.iter()
                    .filter_map(|&c| {
                        row.and_then(|r| r.get(c))
                            .and_then(|&x| usize::try_from(x).ok())
                    })
                    .collect()
            }
        }
    }
}

/// The rows of `template_ind.npy` (`nc` columns), or `None` for dense templates (every row
/// is `0..nc`).
fn sparse_columns(f: &NpyFile, nc: usize) -> Result<Option<Vec<Vec<i64>>>> {
    let raw = f.raw()?;
    let vals: Vec<i64> = dispatch_raw!(&raw, a => a.iter().map(|v| {
        let x = v.to_f64();
        if x.is_finite() { x as i64 } else { -1 }
    }).collect());
    let rows: Vec<Vec<i64>> = vals.chunks(nc.max(1)).map(<[i64]>::to_vec).collect();
    // dense templates store 0..n in every row: no mapping needed
    let dense = rows
        .iter()
        .all(|r| r.iter().enumerate().all(|(i, &c)| c == i as i64));
    Ok((!dense).then_some(rows))
}

/// The rows of a 2-D array (a 1-D array is one column), widened to f64.
fn rows_f64(f: &NpyFile) -> Result<(Vec<f64>, usize)> {
    let shape = &f.header().shape;
    let cols = if shape.len() == 2 {
        shape[1] as usize
    } else {
        1
    };
    Ok((f.to_f64_vec()?, cols.max(1)))
}

/// The probe and template files of a folder.
#[derive(Debug)]
pub(crate) struct Geometry {
    /// `channel_map.npy`: the raw-data row of each local channel.
    pub(crate) channel_map: Option<Vec<i64>>,
    /// `channel_positions.npy`: the position of each local channel.
    pub(crate) channel_positions: Option<Vec<Vec<f64>>>,
    pub(crate) templates: Option<Templates>,
    /// `pc_feature_ind.npy` (values, columns), with `load_pc_features`.
    pub(crate) pc_feature_ind: Option<(Vec<f64>, usize)>,
    /// `pc_features.npy` (`n_spikes × n_pcs × n_channels`), with `load_pc_features`.
    pub(crate) pc_features: Option<NpyFile>,
}

impl Geometry {
    /// Reads the probe and template files of `dir`; `n` is the number of spikes (the first
    /// dimension of `pc_features.npy`).
    pub(crate) fn load(dir: &Path, load_pc_features: bool, n: usize) -> Result<Geometry> {
        let templates_npy = open_npy_opt(dir, "templates.npy")?;
        let template_ind = open_npy_opt(dir, "template_ind.npy")?;
        let channel_map = match open_npy_opt(dir, "channel_map.npy")? {
            Some(f) => Some(int_values(&f)?),
            None => None,
        };
        let channel_positions = match open_npy_opt(dir, "channel_positions.npy")? {
            Some(f) => {
                let (vals, cols) = rows_f64(&f)?;
                Some(vals.chunks(cols).map(<[f64]>::to_vec).collect())
            }
            None => None,
        };
        let templates = match &templates_npy {
            Some(t) if t.header().shape.len() == 3 => {
                Some(Templates::load(t, template_ind.as_ref())?)
            }
            _ => None,
        };
        let (pc_feature_ind, pc_features) = if load_pc_features {
            let ind = match open_npy_opt(dir, "pc_feature_ind.npy")? {
                Some(f) => Some(rows_f64(&f)?),
                None => None,
            };
            (ind, open_pc_features(dir, n)?)
        } else {
            (None, None)
        };
        Ok(Geometry {
            channel_map,
            channel_positions,
            templates,
            pc_feature_ind,
            pc_features,
        })
    }

    /// The raw-data row of local channel `l` (`l` itself without `channel_map.npy`).
    pub(crate) fn to_dat(&self, l: usize) -> Option<usize> {
        match &self.channel_map {
            Some(m) => m.get(l).and_then(|&c| usize::try_from(c).ok()),
            None => Some(l),
        }
    }

    /// The local channel (index into `channel_map`) of raw-data row `c`.
    pub(crate) fn local_of(&self, c: u64) -> Option<usize> {
        self.channel_map
            .as_ref()
            .and_then(|m| m.iter().position(|&x| x == c as i64))
    }

    /// The position of local channel `l`.
    pub(crate) fn position(&self, l: usize) -> Option<&[f64]> {
        self.channel_positions
            .as_ref()
            .and_then(|p| p.get(l))
            .map(Vec::as_slice)
    }
}

/// `pc_features.npy`, which must be `n × n_pcs × n_channels`.
fn open_pc_features(dir: &Path, n: usize) -> Result<Option<NpyFile>> {
    let f = open_npy_opt(dir, "pc_features.npy")?;
    if let Some(f) = &f {
        let s = &f.header().shape;
        if s.len() != 3 || s[0] != n as u64 {
            return Err(corrupt(
                f.path(),
                0,
                format!("shape {s:?} is not (n_spikes={n}, n_pcs, n_channels)"),
            ));
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_npy::{f32_bytes as f32s, i64s, write};

    #[test]
    fn best_channels_of_dense_and_sparse_templates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // 2 templates x 2 samples x 3 columns
        let t = [
            0.0, 1.0, 0.0, //
            0.0, -3.0, 2.0, // template 0: ptp 0, 4, 2
            5.0, 0.0, 0.0, //
            0.0, 0.0, 1.0f32, // template 1: ptp 5, 0, 1
        ];
        write(&d.join("templates.npy"), "<f4", &[2, 2, 3], &f32s(&t));
        i64s(&d.join("channel_map.npy"), &[10, 11, 12]);
        let g = Geometry::load(d, false, 0).unwrap();
        let tpl = g.templates.as_ref().unwrap();
        assert_eq!(tpl.n_samples, 2);
        assert_eq!(tpl.best_channels(0), vec![1, 2]);
        assert_eq!(tpl.best_channels(1), vec![0, 2]);
        assert_eq!(tpl.best_channels(7), Vec::<usize>::new());
        assert_eq!((g.to_dat(1), g.to_dat(3)), (Some(11), None));
        assert_eq!(g.local_of(12), Some(2));
        assert!(g.position(0).is_none());
        // sparse: template 1's columns are channels 7, 8, 9
        let ind: Vec<u8> = [0i64, 1, 2, 7, 8, 9]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        write(&d.join("template_ind.npy"), "<i8", &[2, 3], &ind);
        write(
            &d.join("channel_positions.npy"),
            "<f4",
            &[3, 2],
            &f32s(&[0.0, 0.0, 0.0, 20.0, 0.0, 40.0]),
        );
        let g = Geometry::load(d, false, 0).unwrap();
        assert_eq!(g.templates.as_ref().unwrap().best_channels(1), vec![7, 9]);
        assert_eq!(g.position(2), Some(&[0.0, 40.0][..]));
    }

    #[test]
    fn pc_features_only_when_asked_and_shaped_right() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            &d.join("pc_features.npy"),
            "<f4",
            &[2, 3, 1],
            &f32s(&[0.0; 6]),
        );
        write(
            &d.join("pc_feature_ind.npy"),
            "<u4",
            &[1, 1],
            &4u32.to_le_bytes(),
        );
        assert!(Geometry::load(d, false, 2).unwrap().pc_features.is_none());
        let g = Geometry::load(d, true, 2).unwrap();
        assert!(g.pc_features.is_some());
        assert_eq!(g.pc_feature_ind, Some((vec![4.0], 1)));
        let e = Geometry::load(d, true, 5).unwrap_err();
        assert!(e.to_string().contains("n_spikes=5"), "{e}");
    }
}
