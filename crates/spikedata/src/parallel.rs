//! A small work queue over scoped threads, for the analyses that split into independent
//! items (units, rows of a matrix).

use crate::error::{Result, SpikeDataError};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of threads for `work` elementary steps: 1 below `min_work` or when no core is
/// idle now (as many other runnable threads as cores in `/proc/stat`'s `procs_running`),
/// else the available cores (at most 8); all of them where the system reports nothing. The environment variable `SPIKEDATA_THREADS` sets the
/// number instead. Results never depend on it.
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
    let others = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("procs_running "))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map(|running| running.saturating_sub(1))
    });
    // every core as soon as one is idle (the work is handed out piece by piece, so a
    // core shared with another process takes fewer pieces), else one thread
    match others {
        Some(o) if o >= cores => 1,
        _ => cores,
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

/// `f(offset, chunk)` for the consecutive `chunk`-sized pieces of `data`, on `threads`
/// threads that take the pieces one at a time (a thread slowed down by other work takes
/// fewer). Each piece is computed alone: the results do not depend on the number of threads.
pub(crate) fn for_each_chunk_mut<T: Send>(
    data: &mut [T],
    chunk: usize,
    threads: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let chunk = chunk.max(1);
    if threads <= 1 || data.len() <= chunk {
        for (k, c) in data.chunks_mut(chunk).enumerate() {
            f(k * chunk, c);
        }
        return;
    }
    let queue = std::sync::Mutex::new(data.chunks_mut(chunk).enumerate());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let next = match queue.lock() {
                        Ok(mut q) => q.next(),
                        Err(_) => None,
                    };
                    let Some((k, c)) = next else { break };
                    f(k * chunk, c);
                }
            });
        }
    });
}
