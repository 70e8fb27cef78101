//! A small work queue over scoped threads, for the analyses that split into independent
//! items (units, rows of a matrix).

use crate::error::{Result, SpikeDataError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of threads for `work` elementary steps: the available cores (at most 8) when
/// `work >= min_work`, else 1.
pub(crate) fn threads_for(work: usize, min_work: usize) -> usize {
    if work >= min_work {
        std::thread::available_parallelism().map_or(1, |p| p.get().min(8))
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
