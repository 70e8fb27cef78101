//! A small work queue over scoped threads, for the analyses that split into independent
//! items (units, rows of a matrix).

use crate::error::{Result, SpikeDataError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of threads for `work` elementary steps: 1 below `min_work`, else the cores
/// that are idle (the available cores, at most 8, less the 1-minute load average where the
/// system reports one, rounded up, as OpenMP's dynamic adjustment), at least 1. The environment
/// variable `SPIKEDATA_THREADS` sets the number instead. Results never depend on it.
pub(crate) fn threads_for(work: usize, min_work: usize) -> usize {
    if work < min_work {
        return 1;
    }
    static FIXED: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    let fixed = *FIXED.get_or_init(|| {
        std::env::var("SPIKEDATA_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n >= 1)
    });
    if let Some(n) = fixed {
        return n;
    }
    let cores = std::thread::available_parallelism().map_or(1, |p| p.get().min(8));
    // a busy machine gains nothing from more threads (they wait for each other)
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .filter(|l| l.is_finite() && *l >= 0.0)
        .unwrap_or(0.0);
    // the cores not (fully) busy: 2 of 2 under a load below 1, 1 from 1 on
    let idle = (cores as f64 - load).ceil();
    if idle >= 2.0 {
        (idle as usize).min(cores)
    } else {
        1
    }
}

/// `f(i)` for every `i` in `0..n`, in order, computed on `threads` threads that take the
/// items one at a time (so uneven items balance out). Each item is computed alone: the
/// results do not depend on the number of threads.
pub(crate) fn map_indexed<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>> {
    if threads <= 1 || n <= 1 {
        return Ok((0..n).map(f).collect());
    }
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads.min(n))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        mine.push((i, f(i)));
                    }
                    mine
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, v) in parts.into_iter().flatten() {
        slots[i] = Some(v);
    }
    slots
        .into_iter()
        .map(|v| v.ok_or_else(|| SpikeDataError::invalid("a worker thread failed")))
        .collect()
}
