//! The rawio conformance kit: one call per fixture checks a reader the way neo's compliance
//! suite does, and more.
//!
//! * [`check_reader`] / [`assert_conformant`]: every check of neo's `rawio_compliance.py`
//!   (header totality, stream/buffer hierarchy, counts, chunked reads, channel selection forms,
//!   rescale, spike time windows, waveforms, events) with its holes closed: chunked reads cover
//!   the **whole** length of every stream with chunk sizes 1, 511, 512, 513, 1023, 1024, 1025
//!   and 1 000 000; invalid arguments must be errors; two threads must read the same data.
//! * [`assert_robust()`]: truncated and byte-flipped copies of a fixture must never panic, hang or
//!   allocate beyond a budget proportional to the input.
//! * [`dump_json`] and [`assert_matches_dump`]: the `rawio-dump/1` contract and a comparison
//!   with golden dumps made by neo (`shared/oracle/neo_dump.py`).
//!
//! # Example
//!
//! A format crate's test file (`tests/conformance.rs`):
//!
//! ```no_run
//! rawio_conformance::install_allocation_budget!();
//!
//! #[test]
//! fn tiny_fixture() {
//!     let reader = rawio_core::testing::TinyReader::new(); // your_format::Reader::open(path)?
//!     rawio_conformance::assert_conformant(&reader);
//! }
//! ```
#![forbid(unsafe_code)]

pub mod checks;
pub mod compare;
pub mod dump;
pub mod robust;

pub use cap;
pub use checks::{CHUNK_SIZES, CheckOptions, Report, Violation, check_reader, check_reader_with};
pub use compare::{CompareOptions, compare_dumps};
pub use dump::{dump_json, dump_json_with_progress};
pub use robust::{
    BudgetAllocator, DECLARED_VALUES, DeclaredSize, DeclaredSizesFn, OpenFn, RobustOptions,
    SizeEncoding, check_robustness, exercise, fixture_files,
};

use rawio_core::RawIO;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static ALLOCATOR: OnceLock<&'static BudgetAllocator> = OnceLock::new();

/// Installs the budget allocator as the test binary's global allocator, so that
/// [`assert_robust!`] fails on allocations beyond its budget (the process aborts with
/// "memory allocation of N bytes failed" right after the case is printed). Use once, at the
/// top of a test file; keep robustness tests in their own test file.
#[macro_export]
macro_rules! install_allocation_budget {
    () => {
        #[global_allocator]
        static RAWIO_CONFORMANCE_ALLOCATOR: $crate::BudgetAllocator =
            $crate::cap::Cap::new(::std::alloc::System, usize::MAX);
    };
}

/// `assert_robust!(path, open)`: [`assert_robust()`] with the allocation budget of
/// [`install_allocation_budget!`] (which must be used in the same test file).
#[macro_export]
macro_rules! assert_robust {
    ($path:expr, $open:expr) => {{
        $crate::register_allocator(&RAWIO_CONFORMANCE_ALLOCATOR);
        $crate::assert_robust($path, $open)
    }};
    ($path:expr, $open:expr, $declared:expr) => {{
        $crate::register_allocator(&RAWIO_CONFORMANCE_ALLOCATOR);
        $crate::assert_robust_declared($path, $open, $declared)
    }};
}

/// Registers the allocator installed by [`install_allocation_budget!`] (the
/// [`assert_robust!`] macro does it).
pub fn register_allocator(a: &'static BudgetAllocator) {
    let _ = ALLOCATOR.set(a);
}

/// Runs [`check_reader`] and panics with every violation listed.
pub fn assert_conformant(reader: &dyn RawIO) {
    let report = check_reader(reader);
    assert!(
        report.is_ok(),
        "{} is not conformant:\n{report}",
        reader.source_name()
    );
}

/// Runs [`check_robustness`] with default options (and the budget allocator when one was
/// registered) and panics on any violation.
pub fn assert_robust(path: &Path, open: OpenFn) {
    assert_robust_with(path, open, Vec::new())
}

/// [`assert_robust()`], plus every declared size that `declared` lists for the fixture set to
/// the extreme values of [`DECLARED_VALUES`].
pub fn assert_robust_declared(path: &Path, open: OpenFn, declared: DeclaredSizesFn) {
    let fields = declared(path);
    assert!(
        !fields.is_empty(),
        "no declared size listed for {}",
        path.display()
    );
    assert_robust_with(path, open, fields)
}

fn assert_robust_with(path: &Path, open: OpenFn, declared: Vec<DeclaredSize>) {
    let opts = RobustOptions {
        allocator: ALLOCATOR.get().copied(),
        declared,
        ..RobustOptions::default()
    };
    let report = check_robustness(path, open, &opts);
    assert!(
        report.is_ok(),
        "robustness of {}:\n{report}",
        path.display()
    );
    eprintln!(
        "robustness of {}: {} corrupted copies read without panic or hang",
        path.display(),
        report.assertions
    );
}

/// Compares `reader` with a golden dump and panics listing every mismatch. The golden's
/// `source` is not compared.
pub fn assert_matches_dump(
    reader: &dyn RawIO,
    expected: &serde_json::Value,
    opts: &CompareOptions,
) {
    let full = expected
        .pointer("/segments/0/spikes/0/times_s")
        .or_else(|| expected.pointer("/segments/0/events/0/times_s"))
        .is_some();
    let actual = match dump_json(reader, full) {
        Ok(v) => v,
        Err(e) => panic!("dump of {} failed: {e}", reader.source_name()),
    };
    let opts = opts.clone().ignoring("/source");
    let mismatches = compare_dumps(expected, &actual, &opts);
    assert!(
        mismatches.is_empty(),
        "{} differs from its golden dump ({} mismatches):\n{}",
        reader.source_name(),
        mismatches.len(),
        mismatches
            .iter()
            .take(80)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The path of a real recording under the shared test data (`../shared/testdata` next to the
/// workspace, or `$RAWIO_SHARED_TESTDATA`), or `None` after printing why it is skipped.
pub fn shared_testdata(relative: &str) -> Option<PathBuf> {
    let base = std::env::var_os("RAWIO_SHARED_TESTDATA")
        .map(PathBuf::from)
        .or_else(|| workspace_root().map(|r| r.join("../shared/testdata")));
    match base {
        Some(b) if b.join(relative).exists() => Some(b.join(relative)),
        Some(b) => {
            eprintln!(
                "SKIP: shared test data {relative} not found under {} (../shared is absent; set RAWIO_SHARED_TESTDATA)",
                b.display()
            );
            None
        }
        None => {
            eprintln!("SKIP: shared test data {relative}: workspace root not found");
            None
        }
    }
}

/// The workspace root (the directory holding `Cargo.lock`), found from this crate's manifest
/// directory at compile time or from the current directory.
pub fn workspace_root() -> Option<PathBuf> {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cwd = std::env::current_dir().ok();
    for base in std::iter::once(start).chain(cwd) {
        let mut p = Some(base.as_path());
        while let Some(d) = p {
            if d.join("Cargo.lock").exists() && d.join("crates").is_dir() {
                return Some(d.to_path_buf());
            }
            p = d.parent();
        }
    }
    None
}

/// The project's own generated fixtures directory (`testdata/` at the workspace root).
pub fn project_testdata(relative: &str) -> PathBuf {
    workspace_root()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("testdata")
        .join(relative)
}
