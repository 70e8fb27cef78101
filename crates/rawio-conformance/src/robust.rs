//! Robustness for free: corrupted copies of a valid fixture must never panic, hang or
//! allocate without bound.

use crate::checks::{Report, Violation};
pub use rawio_core::testing::{DeclaredSize, SizeEncoding};
use rawio_core::{ChannelSelection, RawIO, RawIOExt, Result, TimeWindow};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The allocator a test binary installs (with [`crate::install_allocation_budget!`]) so that the
/// robustness check can bound allocations: `cap::Cap` around the system allocator.
pub type BudgetAllocator = cap::Cap<std::alloc::System>;

/// Opens a reader on a path (a format's `open`).
pub type OpenFn = fn(&Path) -> Result<Box<dyn RawIO>>;

/// The values robustness mode gives every declared size: 2^20, 2^28, 2^40, 2^62, 0 and -1
/// (all bits set in a binary field). A binary field too narrow for a value gets its largest
/// value instead.
pub const DECLARED_VALUES: [i128; 6] = [1 << 20, 1 << 28, 1 << 40, 1 << 62, 0, -1];

/// Lists the declared sizes of the fixture at a path (a format crate's function, passed to
/// [`crate::assert_robust!`] as a third argument).
pub type DeclaredSizesFn = fn(&Path) -> Vec<DeclaredSize>;

/// Options of [`check_robustness`].
#[derive(Debug, Clone)]
pub struct RobustOptions {
    /// Seed of the byte flips.
    pub seed: u64,
    /// Number of byte-flipped copies (spread over the fixture's files).
    pub flips: usize,
    /// Most truncated copies per file.
    pub truncations_per_file: usize,
    /// Time bound for opening and fully reading one copy.
    pub timeout: Duration,
    /// Extra bytes allowed per byte of fixture (the allocation budget is
    /// `base_budget + bytes_per_input_byte * fixture size`).
    pub bytes_per_input_byte: u64,
    /// Fixed part of the allocation budget.
    pub base_budget: u64,
    /// The global allocator, when the test binary installed one.
    pub allocator: Option<&'static BudgetAllocator>,
    /// Declared sizes of the fixture to set to [`DECLARED_VALUES`] (see [`DeclaredSize`]).
    pub declared: Vec<DeclaredSize>,
}

impl Default for RobustOptions {
    fn default() -> Self {
        RobustOptions {
            seed: 0x5EED_2026,
            flips: 300,
            truncations_per_file: 48,
            timeout: Duration::from_secs(30),
            bytes_per_input_byte: 64,
            base_budget: 256 << 20,
            allocator: None,
            declared: Vec::new(),
        }
    }
}

/// SplitMix64: a tiny seeded generator (no dependency, reproducible everywhere).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A value in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// The files that make up the fixture at `path`: a directory's files (recursively), or a
/// file plus its siblings sharing its stem (`session.xml` → `session.*`), or, for a stem that
/// is not a file itself, the siblings starting with `stem.`.
pub fn fixture_files(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if path.is_dir() {
        collect_dir(path, &mut out, 0);
    } else {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = if path.is_file() {
            path.file_stem().and_then(|n| n.to_str()).unwrap_or(name)
        } else {
            name
        };
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                let n = e.file_name().to_string_lossy().into_owned();
                if p.is_file() && (n == name || n.starts_with(&format!("{stem}."))) {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 8 {
        return;
    }
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect_dir(&p, out, depth + 1);
            } else if p.is_file() {
                out.push(p);
            }
        }
    }
}

/// Opens and reads everything a reader exposes (errors are fine, only panics are not).
pub fn exercise(reader: &dyn RawIO) {
    let h = reader.header();
    let all = ChannelSelection::All;
    for (b, blk) in h.blocks.iter().enumerate() {
        for s in 0..blk.segments.len() {
            for k in 0..h.signal_streams.len() {
                let Ok(size) = reader.signal_size(b, s, k) else {
                    continue;
                };
                let _ = reader.signal_t_start(b, s, k);
                let mut i = 0u64;
                while i < size {
                    let stop = (i + 65_536).min(size);
                    match reader.analogsignal_chunk(b, s, k, Some(i), Some(stop), &all) {
                        Ok(c) => {
                            let _ = reader.rescale_signal_f32(&c, k, &all);
                        }
                        Err(_) => break,
                    }
                    i = stop;
                }
            }
            for u in 0..h.spike_channels.len() {
                let _ = reader.spike_count(b, s, u);
                if let Ok(t) = reader.spike_timestamps(b, s, u, TimeWindow::ALL) {
                    let secs = reader.rescale_spike_timestamps(&t);
                    if let Some(&t1) = secs.get(1) {
                        let _ = reader.spike_timestamps(
                            b,
                            s,
                            u,
                            TimeWindow::between(t1 - 0.001, t1 + 0.001),
                        );
                    }
                }
                if let Ok(Some(w)) = reader.spike_raw_waveforms(b, s, u, TimeWindow::ALL) {
                    let _ = reader.rescale_waveforms_f32(&w, u);
                }
            }
            for ev in 0..h.event_channels.len() {
                let _ = reader.event_count(b, s, ev);
                if let Ok(e) = reader.event_timestamps(b, s, ev, TimeWindow::ALL) {
                    let _ = reader.rescale_event_timestamps(&e.timestamps, ev);
                }
            }
        }
    }
}

enum Mutation {
    Truncate(u64),
    Flip(Vec<(u64, u8)>),
    Declared(usize, i128),
}

/// Writes corrupted copies of the fixture at `path` (truncations, many of them inside the
/// first few KB, and seeded byte flips), opens and fully reads each, and reports any panic,
/// hang or allocation over budget. Errors from the reader are fine.
pub fn check_robustness(path: &Path, open: OpenFn, opts: &RobustOptions) -> Report {
    let mut report = Report::default();
    let files = fixture_files(path);
    if files.is_empty() {
        report.violations.push(Violation {
            check: "robustness",
            detail: format!("no fixture files found at {}", path.display()),
        });
        return report;
    }
    let root = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            report.violations.push(Violation {
                check: "robustness",
                detail: format!("tempdir: {e}"),
            });
            return report;
        }
    };
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| PathBuf::from(p.file_name().unwrap_or_default()))
    };
    let originals: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok().map(|b| (rel(f), b)))
        .collect();
    let total_bytes: u64 = originals.iter().map(|(_, b)| b.len() as u64).sum();
    let write_all = |dir: &Path| -> std::io::Result<()> {
        for (r, b) in &originals {
            let p = dir.join(r);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, b)?;
        }
        Ok(())
    };
    if let Err(e) = write_all(tmp.path()) {
        report.violations.push(Violation {
            check: "robustness",
            detail: format!("copy fixture: {e}"),
        });
        return report;
    }
    let target = tmp.path().join(if path.is_dir() {
        PathBuf::new()
    } else {
        rel(path)
    });

    // The original must open.
    match open(&target) {
        Ok(r) => exercise(r.as_ref()),
        Err(e) => {
            report.violations.push(Violation {
                check: "robustness",
                detail: format!("the unmodified fixture does not open: {e}"),
            });
            return report;
        }
    }

    let mut rng = SplitMix64::new(opts.seed);
    let mut cases: Vec<(usize, Mutation)> = Vec::new();
    for (fi, (_, bytes)) in originals.iter().enumerate() {
        let n = bytes.len() as u64;
        let mut lens: Vec<u64> = (0..=16).collect();
        lens.extend([
            24, 32, 48, 64, 100, 128, 200, 256, 384, 512, 700, 1024, 1500, 2048, 3000, 4096, 6000,
            8192,
        ]);
        lens.extend((1..16).map(|k| n * k / 16));
        lens.extend([
            n.saturating_sub(1),
            n.saturating_sub(2),
            n.saturating_sub(7),
        ]);
        lens.retain(|&l| l < n);
        lens.sort_unstable();
        lens.dedup();
        if lens.len() > opts.truncations_per_file {
            let step = lens.len() as f64 / opts.truncations_per_file as f64;
            lens = (0..opts.truncations_per_file)
                .map(|i| lens[(i as f64 * step) as usize])
                .collect();
        }
        cases.extend(lens.into_iter().map(|l| (fi, Mutation::Truncate(l))));
    }
    let nonempty: Vec<usize> = originals
        .iter()
        .enumerate()
        .filter(|(_, (_, b))| !b.is_empty())
        .map(|(i, _)| i)
        .collect();
    for _ in 0..opts.flips {
        if nonempty.is_empty() {
            break;
        }
        let fi = nonempty[rng.below(nonempty.len() as u64) as usize];
        let n = originals[fi].1.len() as u64;
        let k = 1 + rng.below(4);
        let flips = (0..k)
            .map(|_| {
                let pos = if rng.below(2) == 0 {
                    rng.below(n.min(4096))
                } else {
                    rng.below(n)
                };
                let val = match rng.below(4) {
                    0 => 0xFF,
                    1 => 0x00,
                    _ => rng.below(256) as u8,
                };
                (pos, val)
            })
            .collect();
        cases.push((fi, Mutation::Flip(flips)));
    }

    for (di, d) in opts.declared.iter().enumerate() {
        match originals.iter().position(|(r, _)| *r == d.file) {
            Some(fi) => cases.extend(
                DECLARED_VALUES
                    .iter()
                    .map(|&v| (fi, Mutation::Declared(di, v))),
            ),
            None => report.violations.push(Violation {
                check: "robustness",
                detail: format!(
                    "declared size {:?}: {} is not a file of the fixture",
                    d.what,
                    d.file.display()
                ),
            }),
        }
    }

    let budget = opts
        .base_budget
        .saturating_add(opts.bytes_per_input_byte.saturating_mul(total_bytes));
    for (ci, (fi, m)) in cases.iter().enumerate() {
        let (relp, orig) = &originals[*fi];
        let mut bytes = orig.clone();
        let desc = match m {
            Mutation::Truncate(l) => {
                bytes.truncate(*l as usize);
                format!("{} truncated to {l} bytes", relp.display())
            }
            Mutation::Flip(fl) => {
                for &(p, v) in fl {
                    if let Some(b) = bytes.get_mut(p as usize) {
                        *b = v;
                    }
                }
                format!("{} with bytes {:?} overwritten", relp.display(), fl)
            }
            Mutation::Declared(di, v) => {
                let d = &opts.declared[*di];
                match d.apply(orig, *v) {
                    Some(b) => bytes = b,
                    None => {
                        report.violations.push(Violation {
                            check: "robustness",
                            detail: format!(
                                "declared size {:?} at byte {} is outside {}",
                                d.what,
                                d.offset,
                                relp.display()
                            ),
                        });
                        continue;
                    }
                }
                format!(
                    "{} with {} (byte {}) set to {v}",
                    relp.display(),
                    d.what,
                    d.offset
                )
            }
        };
        let file = tmp.path().join(relp);
        if std::fs::write(&file, &bytes).is_err() {
            continue;
        }
        report.assertions += 1;
        if let Some(alloc) = opts.allocator {
            let _ = alloc.set_limit(alloc.allocated().saturating_add(budget as usize));
        }
        eprintln!("robustness case {ci}: {desc}");
        let (tx, rx) = mpsc::channel();
        let tgt = target.clone();
        let started = Instant::now();
        let handle = std::thread::spawn(move || {
            if let Ok(r) = open(&tgt) {
                exercise(r.as_ref());
            }
            let _ = tx.send(());
        });
        match rx.recv_timeout(opts.timeout) {
            Ok(()) => {
                let _ = handle.join();
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = handle.join();
                report.violations.push(Violation {
                    check: "robustness/panic",
                    detail: format!("panic on {desc}"),
                });
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                report.violations.push(Violation {
                    check: "robustness/hang",
                    detail: format!("no result after {:?} on {desc}", started.elapsed()),
                });
                if let Some(alloc) = opts.allocator {
                    let _ = alloc.set_limit(usize::MAX);
                }
                return report; // the thread is stuck; stop here
            }
        }
        if let Some(alloc) = opts.allocator {
            let _ = alloc.set_limit(usize::MAX);
        }
        let _ = std::fs::write(&file, orig);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_sizes_are_set_saturated_and_in_text() {
        let bytes = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        let le = DeclaredSize::le("f", 2, 2, "count");
        assert_eq!(le.apply(&bytes, 1 << 20).unwrap()[2..4], [0xFF, 0xFF]);
        assert_eq!(le.apply(&bytes, 0x0102).unwrap()[2..4], [0x02, 0x01]);
        assert_eq!(le.apply(&bytes, -1).unwrap()[..5], [1, 2, 0xFF, 0xFF, 5]);
        let be = DeclaredSize::be("f", 0, 4, "count");
        assert_eq!(be.apply(&bytes, 1 << 20).unwrap()[..4], [0, 0x10, 0, 0]);
        let le8 = DeclaredSize::le("f", 2, 8, "n");
        assert_eq!(
            le8.apply(&bytes, 1 << 62).unwrap()[2..10],
            (1u64 << 62).to_le_bytes()
        );
        assert!(DeclaredSize::le("f", 8, 4, "n").apply(&bytes, 0).is_none());
        let text = b"<nChannels>32</nChannels>";
        let d = DeclaredSize::decimal("f", 11, 2, "channels");
        assert_eq!(
            d.apply(text, 1 << 40).unwrap(),
            b"<nChannels>1099511627776</nChannels>".to_vec()
        );
        assert_eq!(
            d.apply(text, -1).unwrap(),
            b"<nChannels>-1</nChannels>".to_vec()
        );
    }
}
