//! `rawio`: inspect, dump and check neurophysiology recordings.
//!
//! ```text
//! rawio info PATH [--format F]          readable summary (blocks, streams, units, events,
//!                                       what the file holds, what was not read)
//! rawio dump PATH --json [--full]       the rawio-dump/1 JSON contract
//! rawio check PATH [--full] [--robust]  run the conformance kit on the recording
//!
//! `--strict` (info, dump, check): refuse a recording of which the reader left an object out
//! because it cannot be read, instead of listing it ("not read").
//! rawio formats                         list the enabled formats
//! ```
//!
//! Exit codes: 0 ok, 1 error (or a conformance violation), 2 usage, 3 unknown format,
//! 4 corrupt file, 5 I/O error.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use rawio::{ErrorKind, RawIO, RawIOExt};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rawio",
    version,
    about = "Inspect, dump and check neurophysiology recordings (neo.rawio in Rust)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a readable summary: blocks, segments, streams, units, event channels.
    Info {
        /// A recording: a file, a directory or a file stem.
        path: PathBuf,
        /// Force a format id instead of sniffing (see `rawio formats`).
        #[arg(long)]
        format: Option<String>,
        /// Fail on any object the reader cannot read instead of listing it as "not read".
        #[arg(long)]
        strict: bool,
    },
    /// Print everything the reader exposes as JSON (schema rawio-dump/1).
    Dump {
        /// A recording: a file, a directory or a file stem.
        path: PathBuf,
        /// Output JSON (the only output format; required for clarity).
        #[arg(long)]
        json: bool,
        /// Include every spike/event time, duration and label.
        #[arg(long)]
        full: bool,
        /// Force a format id instead of sniffing.
        #[arg(long)]
        format: Option<String>,
        /// Fail on any object the reader cannot read instead of listing it as "not read".
        #[arg(long)]
        strict: bool,
    },
    /// Run the conformance kit on a recording; exits 1 on any violation.
    Check {
        /// A recording: a file, a directory or a file stem.
        path: PathBuf,
        /// Force a format id instead of sniffing.
        #[arg(long)]
        format: Option<String>,
        /// Fail on any object the reader cannot read instead of listing it as "not read".
        #[arg(long)]
        strict: bool,
        /// Iterate chunk sizes below 64 over the whole length (slow on long recordings; by
        /// default they cover the first and last 4096 samples, larger sizes always cover all).
        #[arg(long)]
        full: bool,
        /// Also read truncated and byte-flipped copies (small recordings only).
        #[arg(long)]
        robust: bool,
    },
    /// List the enabled formats.
    Formats,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            let (code, hint) = match e.kind() {
                ErrorKind::UnknownFormat if is_hdf5(&e) => (
                    3,
                    "an HDF5 file without the markers of an enabled HDF5 format (NWB: a \
                     `nwb_version` attribute or NWB's groups: acquisition, units...; NIX: \
                     format=\"nix\"); run `rawio formats` to see the enabled formats",
                ),
                ErrorKind::UnknownFormat => (
                    3,
                    "run `rawio formats` to see the enabled formats, or pass --format",
                ),
                ErrorKind::Corrupt => (
                    4,
                    "the file is damaged or not what its name says; the offset tells where",
                ),
                ErrorKind::Io => (5, "check that the path exists and is readable"),
                ErrorKind::NotFound => {
                    (1, "the files listed were looked for next to the path given")
                }
                ErrorKind::Unsupported => (
                    1,
                    "this part of the format is not implemented; please report it with a sample file",
                ),
                _ => (1, "see `rawio --help`"),
            };
            eprintln!("hint: {hint}");
            ExitCode::from(code)
        }
    }
}

/// Whether an unknown-format error is about a file with the HDF5 signature.
fn is_hdf5(e: &rawio::Error) -> bool {
    match e {
        rawio::Error::UnknownFormat { path } => {
            rawio::registry::read_prefix(path, 8) == b"\x89HDF\r\n\x1a\n"
        }
        _ => false,
    }
}

/// Opens the recording; readers that index the whole file at open (Plexon's block scan) can
/// take a while on multi-GB files, so a spinner runs meanwhile when stderr is a terminal.
fn open(path: &Path, format: Option<&str>, strict: bool) -> rawio::Result<Box<dyn RawIO>> {
    let spinner = std::io::stderr().is_terminal().then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.set_message(format!("opening {}", path.display()));
        s.enable_steady_tick(std::time::Duration::from_millis(100));
        s
    });
    let opts = rawio::OpenOptions { strict };
    let r = match format {
        Some(f) => rawio::open_as_with(path, f, &opts),
        None => rawio::open_with(path, &opts),
    };
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    r
}

fn run(cli: Cli) -> rawio::Result<u8> {
    match cli.command {
        Command::Formats => {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED)
                .set_header(["id", "name", "extensions", "opens"]);
            for f in rawio::formats() {
                t.add_row([
                    f.id.to_string(),
                    f.name.to_string(),
                    f.extensions.join(", "),
                    f.opens.to_string(),
                ]);
            }
            emit(&format!("{t}\n"));
            Ok(0)
        }
        Command::Info {
            path,
            format,
            strict,
        } => {
            let r = open(&path, format.as_deref(), strict)?;
            emit(&info(r.as_ref())?);
            Ok(0)
        }
        Command::Dump {
            path,
            json,
            full,
            format,
            strict,
        } => {
            if !json {
                eprintln!("error: `rawio dump` needs --json (the only output format)");
                return Ok(2);
            }
            let r = open(&path, format.as_deref(), strict)?;
            let bar = progress_bar();
            let mut cb = |done: u64, total: u64| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            };
            let v = rawio_conformance::dump_json_with_progress(r.as_ref(), full, &mut cb)?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &v);
            let _ = writeln!(out);
            Ok(0)
        }
        Command::Check {
            path,
            format,
            strict,
            full,
            robust,
        } => {
            let r = open(&path, format.as_deref(), strict)?;
            let opts = rawio_conformance::CheckOptions {
                small_chunk_span: if full { None } else { Some(4096) },
                ..Default::default()
            };
            let spinner = progress_bar();
            if let Some(s) = &spinner {
                s.set_message("checking");
            }
            let mut report = rawio_conformance::check_reader_with(r.as_ref(), &opts);
            if robust {
                let fmt = match format.as_deref() {
                    Some(f) => rawio::format(f),
                    None => rawio::probe(&path).ok(),
                };
                if let Some(f) = fmt {
                    report.merge(rawio_conformance::check_robustness(
                        &path,
                        f.open,
                        &Default::default(),
                    ));
                }
            }
            if let Some(s) = spinner {
                s.finish_and_clear();
            }
            emit(&format!("{report}\n"));
            Ok(if report.is_ok() { 0 } else { 1 })
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`rawio info x | head` must not panic).
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {percent}% {eta}")
    {
        b.set_style(style.progress_chars("=> "));
    }
    Some(b)
}

fn fmt_f(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// A readable summary, like neo's `print(reader)`, as tables.
/// How `info` shows a stream's clock: regular, explicit (with where the nominal rate comes
/// from), or regular with a second, explicit clock.
fn clock_text(clock: rawio::SampleClock) -> String {
    match clock {
        rawio::SampleClock::Explicit { rate_source } => format!(
            "explicit times (nominal rate {})",
            match rate_source {
                rawio::RateSource::Stated => "stated",
                rawio::RateSource::MedianInterval => "= 1/median interval",
            }
        ),
        rawio::SampleClock::RegularWithExplicit => "regular (+ explicit times)".into(),
        _ => "regular".into(),
    }
}

fn info(r: &dyn RawIO) -> rawio::Result<String> {
    let h = r.header();
    let mut out = String::new();
    out.push_str(&format!(
        "{} reader on {}\n",
        r.format_id(),
        r.source_name()
    ));
    out.push_str(&format!(
        "nb_block: {}\nnb_segment: {:?}\n",
        h.block_count(),
        h.nb_segment()
    ));
    let mut segs = Table::new();
    segs.load_preset(UTF8_FULL_CONDENSED).set_header([
        "block",
        "segment",
        "t_start (s)",
        "t_stop (s)",
        "duration (s)",
    ]);
    for (b, blk) in h.blocks.iter().enumerate() {
        for (s, seg) in blk.segments.iter().enumerate() {
            segs.add_row([
                b.to_string(),
                s.to_string(),
                fmt_f(seg.t_start),
                fmt_f(seg.t_stop),
                fmt_f(seg.t_stop - seg.t_start),
            ]);
        }
    }
    out.push_str(&format!("{segs}\n"));
    out.push_str(&format!("signal_streams: {}\n", h.signal_streams.len()));
    if !h.signal_streams.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header([
            "#",
            "name",
            "id",
            "channels",
            "rate (Hz)",
            "dtype",
            "units",
            "clock",
            "samples (seg 0)",
            "t_start (s)",
        ]);
        for (k, st) in h.signal_streams.iter().enumerate() {
            let ch = h.stream_channels(k)?;
            let mut units: Vec<&str> = ch.iter().map(|c| c.units.as_str()).collect();
            units.dedup();
            t.add_row([
                k.to_string(),
                st.name.clone(),
                st.id.clone(),
                ch.len().to_string(),
                ch.first()
                    .map(|c| fmt_f(c.sampling_rate))
                    .unwrap_or_default(),
                ch.first()
                    .map(|c| c.dtype.name().to_string())
                    .unwrap_or_default(),
                units.join(","),
                clock_text(st.clock),
                r.signal_size(0, 0, k)?.to_string(),
                fmt_f(r.signal_t_start(0, 0, k)?),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    out.push_str(&format!(
        "spike_channels (units): {}\n",
        h.spike_channels.len()
    ));
    if !h.spike_channels.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED).set_header([
            "#",
            "name",
            "id",
            "spikes (seg 0)",
            "waveform rate (Hz)",
            "wf units",
        ]);
        for (u, sc) in h.spike_channels.iter().enumerate() {
            t.add_row([
                u.to_string(),
                sc.name.clone(),
                sc.id.clone(),
                r.spike_count(0, 0, u)?.to_string(),
                fmt_f(sc.wf_sampling_rate),
                sc.wf_units.clone(),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    out.push_str(&format!("event_channels: {}\n", h.event_channels.len()));
    if !h.event_channels.is_empty() {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(["#", "name", "id", "type", "count (seg 0)"]);
        for (e, ec) in h.event_channels.iter().enumerate() {
            t.add_row([
                e.to_string(),
                ec.name.clone(),
                ec.id.clone(),
                ec.kind.name().to_string(),
                r.event_count(0, 0, e)?.to_string(),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    out.push_str(&holdings(h));
    Ok(out)
}

/// A scalar annotation as short text (strings unquoted, lists joined).
fn ann_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(ann_text).collect::<Vec<_>>().join(", "),
        serde_json::Value::Object(o) => o
            .iter()
            .map(|(k, v)| format!("{k}: {}", ann_text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What the recording holds and what was not read, from the block annotations any reader
/// may set: `session` (an object of metadata), `contents` (one object per stored object:
/// `key`, `kind`, `path`, and `rows`/`columns` or `shape`/`dtype`...) and
/// [`rawio::NOT_READ`] (path and reason of each object left out).
fn holdings(h: &rawio::Header) -> String {
    let mut out = String::new();
    for (b, blk) in h.blocks.iter().enumerate() {
        let tag = if h.blocks.len() > 1 {
            format!(" (block {b})")
        } else {
            String::new()
        };
        if let Some(serde_json::Value::Object(session)) = blk.annotations.get("session")
            && !session.is_empty()
        {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED)
                .set_header(["session", "value"]);
            for (k, v) in session {
                t.add_row([k.clone(), ann_text(v)]);
            }
            out.push_str(&format!("session{tag}:\n{t}\n"));
        }
        if let Some(list) = blk.annotations.get("contents").and_then(|v| v.as_array()) {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED).set_header([
                "key",
                "kind",
                "size",
                "columns / details",
                "path",
            ]);
            for c in list {
                let get = |k: &str| c.get(k).map(ann_text).unwrap_or_default();
                let size = match (c.get("rows"), c.get("shape")) {
                    (Some(r), _) if !r.is_null() => format!("{} rows", ann_text(r)),
                    (_, Some(serde_json::Value::Array(s))) => {
                        s.iter().map(ann_text).collect::<Vec<_>>().join(" x ")
                    }
                    _ => String::new(),
                };
                let details = if c.get("columns").is_some() {
                    get("columns")
                } else {
                    let mut d = vec![get("dtype")];
                    if let Some(r) = c.get("rate") {
                        d.push(format!("{} Hz", ann_text(r)));
                    }
                    if let Some(n) = c.get("timestamps") {
                        d.push(format!("{} timestamps", ann_text(n)));
                    }
                    if let Some(n) = c.get("note") {
                        d.push(ann_text(n));
                    }
                    d.retain(|x| !x.is_empty());
                    d.join(", ")
                };
                t.add_row([get("key"), get("kind"), size, details, get("path")]);
            }
            out.push_str(&format!("contents{tag}: {} objects\n{t}\n", list.len()));
        }
    }
    for (key, title) in [
        (
            rawio::NOT_READ,
            "not read: {} objects (use --strict to make this an error)",
        ),
        (
            rawio::NOT_MAPPED,
            "not mapped (read, but with no place in the RawIO model): {} objects",
        ),
    ] {
        let missed = rawio::left_out(h, key);
        if missed.is_empty() {
            continue;
        }
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(["path", "kind", "reason"]);
        for n in &missed {
            t.add_row([n.path.clone(), n.kind.clone(), n.reason.clone()]);
        }
        out.push_str(&format!(
            "{}\n{t}\n",
            title.replace("{}", &missed.len().to_string())
        ));
    }
    out
}
