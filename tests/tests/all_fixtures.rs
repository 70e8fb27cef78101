//! Every fixture of every enabled format, and every real recording under `../shared/testdata`,
//! opened through the umbrella crate's format sniffing and run through the conformance kit.
//! Format crates test their own golden values; this harness checks that sniffing finds the
//! right reader and that everything a reader opens is conformant.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{CheckOptions, check_reader_with, project_testdata, shared_testdata};
use std::path::{Path, PathBuf};

/// Entry points under `dir` (files and directories, recursively) that `format` recognises.
fn entries(dir: &Path, format: &rawio::Format) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if (format.sniff)(&d) >= 50 && d != dir {
            out.push(d.clone());
            continue;
        }
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|n| n == "golden") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if (format.sniff)(&p) >= 40 {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Checks skipped on real files for a documented defect, with the reason.
fn known_defects(_entry: &Path) -> Vec<(&'static str, String)> {
    // none at present: the Open Ephys NWB file's `sync_messages` (system-clock times) are no
    // longer an event channel of the recording (rawio-nwb, issue 13)
    Vec::new()
}

fn run(dir: &Path, format: &rawio::Format, opts: &CheckOptions) -> (usize, usize) {
    let (mut opened, mut refused) = (0, 0);
    for entry in entries(dir, format) {
        let sniffed = rawio::probe(&entry).map(|f| f.id);
        match rawio::open_as(&entry, format.id) {
            Ok(reader) => {
                assert_eq!(
                    sniffed.ok(),
                    Some(format.id),
                    "{} opened as {} but sniffed as another format",
                    entry.display(),
                    format.id
                );
                let mut opts = opts.clone();
                opts.skip.extend(known_defects(&entry));
                let report = check_reader_with(reader.as_ref(), &opts);
                // Lazy readers (NWB) open files whose data they cannot decode (e.g. a Blosc
                // filter) and refuse at read time with `Unsupported`: that is a refusal too.
                if !report.is_ok()
                    && report
                        .violations
                        .iter()
                        .all(|v| v.detail.contains("unsupported"))
                {
                    eprintln!(
                        "err  {} {}: data refused as unsupported",
                        format.id,
                        entry.display()
                    );
                    refused += 1;
                    continue;
                }
                assert!(
                    report.is_ok(),
                    "{} ({}):\n{report}",
                    entry.display(),
                    format.id
                );
                eprintln!(
                    "ok   {} {} ({} assertions)",
                    format.id,
                    entry.display(),
                    report.assertions
                );
                opened += 1;
            }
            Err(e) => {
                // Deliberately invalid fixtures are tested for their exact error by their crate.
                eprintln!("err  {} {}: {e}", format.id, entry.display());
                refused += 1;
            }
        }
    }
    (opened, refused)
}

#[test]
fn generated_fixtures_are_conformant() {
    let mut total = 0;
    for format in rawio::formats() {
        let dir = project_testdata(format.id);
        if !dir.is_dir() {
            eprintln!("SKIP {}: no testdata/{} directory", format.id, format.id);
            continue;
        }
        let (opened, refused) = run(&dir, format, &CheckOptions::default());
        eprintln!(
            "{}: {opened} fixtures conformant, {refused} refused",
            format.id
        );
        assert!(opened > 0, "no fixture of {} opened", format.id);
        total += opened;
    }
    eprintln!("{total} fixtures conformant");
}

#[test]
fn shared_real_recordings_are_conformant() {
    let opts = CheckOptions {
        small_chunk_span: Some(2048),
        ..Default::default()
    };
    for format in rawio::formats() {
        let Some(dir) = shared_testdata(format.id) else {
            continue;
        };
        let (opened, refused) = run(&dir, format, &opts);
        eprintln!(
            "{}: {opened} real recordings conformant, {refused} refused",
            format.id
        );
        assert!(opened > 0, "no real {} recording opened", format.id);
    }
}
