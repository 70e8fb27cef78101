//! Curation by spike count, firing rate and ISI violations (SpikeLab's `curate_by_*`).

use crate::core::SpikeData;
use crate::error::{Result, SpikeDataError};

/// The per-unit metric and verdict of a curation step (SpikeLab's `result` dict).
#[derive(Debug, Clone, PartialEq)]
pub struct Curation {
    /// The metric of every unit of the input.
    pub metric: Vec<f64>,
    /// Whether each unit of the input passed.
    pub passed: Vec<bool>,
}

/// How [`SpikeData::curate_by_isi_violations`] measures violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IsiMethod {
    /// Violations / spikes (SpikeLab's `"percent"`, a fraction in `[0, 1]`).
    #[default]
    Percent,
    /// Hill et al. (2011)'s contamination ratio (SpikeLab's `"hill"`).
    Hill,
}

impl SpikeData {
    fn keep_passed(&self, metric: Vec<f64>, passed: Vec<bool>) -> Result<(SpikeData, Curation)> {
        let units: Vec<usize> = (0..passed.len()).filter(|&i| passed[i]).collect();
        Ok((self.subset(&units, false)?, Curation { metric, passed }))
    }

    /// SpikeLab's `curate_by_min_spikes(min_spikes)`: keeps units with at least
    /// `min_spikes` spikes (metric: the spike count).
    pub fn curate_by_min_spikes(&self, min_spikes: f64) -> Result<(SpikeData, Curation)> {
        let metric: Vec<f64> = self.trains.iter().map(|t| t.len() as f64).collect();
        let passed = metric.iter().map(|&m| m >= min_spikes).collect();
        self.keep_passed(metric, passed)
    }

    /// SpikeLab's `curate_by_firing_rate(min_rate_hz)`: keeps units firing at least
    /// `min_rate_hz` (metric: spikes / (length / 1000); 0 for a zero-length window).
    pub fn curate_by_firing_rate(&self, min_rate_hz: f64) -> Result<(SpikeData, Curation)> {
        let duration_s = self.length / 1000.0;
        let metric: Vec<f64> = self
            .trains
            .iter()
            .map(|t| {
                if duration_s <= 0.0 {
                    0.0
                } else {
                    t.len() as f64 / duration_s
                }
            })
            .collect();
        let passed = metric.iter().map(|&m| m >= min_rate_hz).collect();
        self.keep_passed(metric, passed)
    }

    /// SpikeLab's `curate_by_isi_violations(max_violation, threshold_ms, min_isi_ms,
    /// method)`: counts ISIs `< threshold_ms`; the metric is that count over the spike count
    /// ([`IsiMethod::Percent`]) or Hill's ratio `(count / (2 n (thr - min_isi))) / (n / T)`
    /// in seconds ([`IsiMethod::Hill`]); 0 with fewer than 2 spikes. Keeps `metric <=
    /// max_violation`.
    pub fn curate_by_isi_violations(
        &self,
        max_violation: f64,
        threshold_ms: f64,
        min_isi_ms: f64,
        method: IsiMethod,
    ) -> Result<(SpikeData, Curation)> {
        if threshold_ms.is_nan() || min_isi_ms.is_nan() {
            return Err(SpikeDataError::invalid(
                "threshold_ms and min_isi_ms must not be NaN",
            ));
        }
        let duration_s = self.length / 1000.0;
        let threshold_s = threshold_ms / 1000.0;
        let min_isi_s = min_isi_ms / 1000.0;
        let metric: Vec<f64> = self
            .trains
            .iter()
            .map(|t| {
                let n = t.len();
                if n < 2 {
                    return 0.0;
                }
                let count = t.windows(2).filter(|w| w[1] - w[0] < threshold_ms).count() as f64;
                match method {
                    IsiMethod::Percent => count / n as f64,
                    IsiMethod::Hill => {
                        let violation_time = (2 * n) as f64 * (threshold_s - min_isi_s);
                        let total_rate = if duration_s > 0.0 {
                            n as f64 / duration_s
                        } else {
                            0.0
                        };
                        let violation_rate = if violation_time > 0.0 {
                            count / violation_time
                        } else {
                            0.0
                        };
                        if total_rate > 0.0 {
                            violation_rate / total_rate
                        } else {
                            0.0
                        }
                    }
                }
            })
            .collect();
        let passed = metric.iter().map(|&m| m <= max_violation).collect();
        self.keep_passed(metric, passed)
    }
}
