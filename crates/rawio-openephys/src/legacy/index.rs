//! Indexing the records of one `.continuous` file into **runs**: maximal sequences of records
//! that follow each other both in the file (2070 bytes apart) and in time (1024 samples
//! apart). A file written without a hitch is one run, found from its first and last record
//! alone; anything else (gaps, a restart of recording, damaged records) is scanned record by
//! record, re-synchronising on the record marker.

use crate::legacy_format::{
    CONTINUOUS_RECORD_BYTES as REC, ContinuousRecord, HEADER_BYTES, RECORD_MARKER,
    SAMPLES_PER_RECORD as N,
};

/// Records back to back in the file and in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    /// Sample number of the first sample of the first record.
    pub first_ts: i64,
    /// Byte offset of the first record.
    pub offset: u64,
    /// Number of records.
    pub count: u64,
    /// Recording number of the records.
    pub recording: u16,
}

impl Run {
    /// Sample number just after the run.
    pub fn end_ts(&self) -> i64 {
        self.first_ts
            .saturating_add(i64::try_from(self.count.saturating_mul(N)).unwrap_or(i64::MAX))
    }
}

/// The runs of one file and what the scan had to leave out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RecordIndex {
    /// Runs in time order, not overlapping.
    pub runs: Vec<Run>,
    /// Whether the file was scanned record by record (not the one-run fast path).
    pub scanned: bool,
    /// Bytes between records that did not form a valid record (damaged records).
    pub skipped_bytes: u64,
    /// Offsets of the byte ranges skipped (at most a few are kept).
    pub skipped_at: Vec<u64>,
    /// Records whose timestamp disagreed with both neighbours and was replaced by the
    /// previous record's plus 1024.
    pub repaired_timestamps: u64,
    /// Records dropped because they overlapped earlier ones in time.
    pub overlapping_records: u64,
    /// Bytes after the last whole record.
    pub trailing_bytes: u64,
}

impl RecordIndex {
    /// Indexes `bytes` (a whole file); `text_end` is where the header text ends (no record
    /// starts before it).
    pub fn build(bytes: &[u8], text_end: u64) -> RecordIndex {
        if let Some(idx) = fast_path(bytes) {
            return idx;
        }
        scan(bytes, text_end)
    }

    /// Number of records.
    #[cfg(test)]
    pub fn records(&self) -> u64 {
        self.runs.iter().map(|r| r.count).sum()
    }
}

fn record_at(bytes: &[u8], offset: u64) -> Option<ContinuousRecord> {
    let o = usize::try_from(offset).ok()?;
    ContinuousRecord::parse(bytes.get(o..)?)
}

/// The whole file as one run when its size is a whole number of records after the header,
/// both end records are valid and their timestamps are exactly `1024 × (n-1)` apart.
fn fast_path(bytes: &[u8]) -> Option<RecordIndex> {
    let len = bytes.len() as u64;
    let body = len.checked_sub(HEADER_BYTES)?;
    if body % REC != 0 {
        return None;
    }
    let n = body / REC;
    if n == 0 {
        return Some(RecordIndex::default());
    }
    let first = record_at(bytes, HEADER_BYTES)?;
    let last = record_at(bytes, HEADER_BYTES + (n - 1) * REC)?;
    let span = i64::try_from((n - 1).checked_mul(N)?).ok()?;
    if last.timestamp.checked_sub(first.timestamp)? != span || first.recording != last.recording {
        return None;
    }
    Some(RecordIndex {
        runs: vec![Run {
            first_ts: first.timestamp,
            offset: HEADER_BYTES,
            count: n,
            recording: first.recording,
        }],
        ..RecordIndex::default()
    })
}

/// The next record marker starting at or after `from`.
fn find_marker(bytes: &[u8], from: usize) -> Option<usize> {
    let hay = bytes.get(from..)?;
    let mut i = 0;
    while i + RECORD_MARKER.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == 255) {
            Some(p) => {
                let end = i + p + 1;
                if end >= RECORD_MARKER.len()
                    && hay[end - RECORD_MARKER.len()..end] == RECORD_MARKER
                {
                    return Some(from + end - RECORD_MARKER.len());
                }
                i = end;
            }
            None => return None,
        }
    }
    None
}

/// Every valid record in file order: stepping 2070 bytes while records are valid, else
/// re-synchronising on the next marker that ends a whole record after the last one.
fn valid_records(
    bytes: &[u8],
    text_end: u64,
    idx: &mut RecordIndex,
) -> Vec<(u64, ContinuousRecord)> {
    let len = bytes.len() as u64;
    let marker_at = REC - RECORD_MARKER.len() as u64;
    let mut out = Vec::new();
    let mut last_end = text_end.min(HEADER_BYTES);
    let mut pos = HEADER_BYTES;
    loop {
        if let Some(r) = record_at(bytes, pos) {
            out.push((pos, r));
            last_end = pos + REC;
            pos = last_end;
            continue;
        }
        let from = usize::try_from(last_end + marker_at).unwrap_or(usize::MAX);
        let mut found = None;
        let mut search = from;
        while let Some(m) = find_marker(bytes, search) {
            let start = m as u64 - marker_at;
            if let Some(r) = record_at(bytes, start) {
                found = Some((start, r));
                break;
            }
            search = m + 1;
        }
        match found {
            Some((start, r)) => {
                // before the first record, the header's padding is not data
                let from = if out.is_empty() {
                    HEADER_BYTES
                } else {
                    last_end
                };
                if start > from {
                    idx.skipped_bytes += start - from;
                    if idx.skipped_at.len() < 16 {
                        idx.skipped_at.push(from);
                    }
                }
                out.push((start, r));
                last_end = start + REC;
                pos = last_end;
            }
            None => {
                idx.trailing_bytes = len.saturating_sub(last_end.max(HEADER_BYTES.min(len)));
                return out;
            }
        }
    }
}

/// A timestamp is trusted when a neighbour in the file agrees with it (1024 samples apart);
/// a record agreeing with neither neighbour gets its predecessor's timestamp + 1024.
fn repair_isolated(recs: &mut [(u64, ContinuousRecord)]) -> u64 {
    let n = recs.len();
    if n < 2 {
        return 0;
    }
    let step = N as i64;
    let adjacent = |a: &(u64, ContinuousRecord), b: &(u64, ContinuousRecord)| {
        b.0 == a.0 + REC && a.1.timestamp.checked_add(step) == Some(b.1.timestamp)
    };
    let mut repaired = 0;
    for i in 0..n {
        let ok_prev = i > 0 && adjacent(&recs[i - 1], &recs[i]);
        let ok_next = i + 1 < n && adjacent(&recs[i], &recs[i + 1]);
        let neighbour_in_file = (i > 0 && recs[i - 1].0 + REC == recs[i].0)
            || (i + 1 < n && recs[i].0 + REC == recs[i + 1].0);
        if ok_prev || ok_next || !neighbour_in_file {
            continue;
        }
        let fixed = if i > 0 {
            recs[i - 1].1.timestamp.checked_add(step)
        } else {
            recs[1].1.timestamp.checked_sub(step)
        };
        if let Some(ts) = fixed {
            recs[i].1.timestamp = ts;
            repaired += 1;
        }
    }
    repaired
}

fn scan(bytes: &[u8], text_end: u64) -> RecordIndex {
    let mut idx = RecordIndex {
        scanned: true,
        ..RecordIndex::default()
    };
    let mut recs = valid_records(bytes, text_end, &mut idx);
    idx.repaired_timestamps = repair_isolated(&mut recs);
    let mut runs: Vec<Run> = Vec::new();
    for (offset, r) in recs {
        if let Some(last) = runs.last_mut() {
            if r.timestamp < last.end_ts() {
                idx.overlapping_records += 1;
                continue;
            }
            if r.timestamp == last.end_ts()
                && offset == last.offset + last.count * REC
                && r.recording == last.recording
            {
                last.count += 1;
                continue;
            }
        }
        runs.push(Run {
            first_ts: r.timestamp,
            offset,
            count: 1,
            recording: r.recording,
        });
    }
    idx.runs = runs;
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(ts: i64, rec: u16, fill: i16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&ts.to_le_bytes());
        b.extend_from_slice(&1024u16.to_le_bytes());
        b.extend_from_slice(&rec.to_le_bytes());
        for _ in 0..1024 {
            b.extend_from_slice(&fill.to_be_bytes());
        }
        b.extend_from_slice(&RECORD_MARKER);
        b
    }

    fn file(header: usize, recs: &[(i64, u16)]) -> Vec<u8> {
        let mut b = b"header.format = 'Open Ephys Data Format';\n".to_vec();
        b.resize(header, b' ');
        for &(ts, rec) in recs {
            b.extend(record(ts, rec, 7));
        }
        b
    }

    #[test]
    fn clean_file_is_one_run_without_scan() {
        let b = file(1024, &[(100, 0), (1124, 0), (2148, 0)]);
        let idx = RecordIndex::build(&b, 42);
        assert!(!idx.scanned);
        assert_eq!(
            idx.runs,
            vec![Run {
                first_ts: 100,
                offset: 1024,
                count: 3,
                recording: 0
            }]
        );
        assert_eq!(RecordIndex::build(&file(1024, &[]), 42).runs, vec![]);
    }

    #[test]
    fn gaps_and_recording_numbers_make_runs() {
        let b = file(1024, &[(0, 0), (1024, 0), (5000, 0), (6024, 1), (7048, 1)]);
        let idx = RecordIndex::build(&b, 42);
        assert!(idx.scanned);
        let runs: Vec<(i64, u64, u16)> = idx
            .runs
            .iter()
            .map(|r| (r.first_ts, r.count, r.recording))
            .collect();
        assert_eq!(runs, vec![(0, 2, 0), (5000, 1, 0), (6024, 2, 1)]);
        assert_eq!(idx.repaired_timestamps, 0);
    }

    #[test]
    fn resyncs_on_short_header_and_damaged_records() {
        // a 1021-byte header, then a record missing one byte, then good records
        let mut b = file(1021, &[(0, 0)]);
        let mut bad = record(1024, 0, 7);
        bad.remove(500);
        b.extend(bad);
        b.extend(record(2048, 0, 7));
        b.extend(record(3072, 0, 7));
        b.push(b'\n');
        let idx = RecordIndex::build(&b, 42);
        let runs: Vec<(i64, u64, u64)> = idx
            .runs
            .iter()
            .map(|r| (r.first_ts, r.offset, r.count))
            .collect();
        assert_eq!(runs, vec![(0, 1021, 1), (2048, 1021 + 2070 + 2069, 2)]);
        assert_eq!(idx.skipped_bytes, 2069);
        assert_eq!(idx.skipped_at, vec![1021 + 2070]);
        assert_eq!(idx.trailing_bytes, 1);
    }

    #[test]
    fn isolated_timestamps_are_repaired() {
        // consistent ends: the fast path trusts the file (reads check each record later)
        let mut b = file(
            1024,
            &[(0, 0), (1024, 0), (1 << 60, 0), (3072, 0), (4096, 0)],
        );
        assert!(!RecordIndex::build(&b, 42).scanned);
        b.push(0);
        let idx = RecordIndex::build(&b, 42);
        assert!(idx.scanned);
        assert_eq!(idx.repaired_timestamps, 1);
        assert_eq!(idx.runs.len(), 1);
        assert_eq!(idx.runs[0].count, 5);
        // a last record far away agreeing with nobody is moved next to its predecessor
        let b = file(1024, &[(0, 0), (1024, 0), (-5, 0)]);
        let idx = RecordIndex::build(&b, 42);
        assert_eq!((idx.runs.len(), idx.runs[0].count), (1, 3));
        // overlapping records are dropped
        let b = file(1024, &[(0, 0), (1024, 0), (2048, 0), (1500, 0), (2524, 0)]);
        let idx = RecordIndex::build(&b, 42);
        assert_eq!(idx.overlapping_records, 2);
        assert_eq!(idx.records(), 3);
    }

    #[test]
    fn garbage_never_panics() {
        for n in [0usize, 10, 1023, 1024, 1025, 3000, 5000] {
            let b = vec![255u8; n];
            let idx = RecordIndex::build(&b, 0);
            assert_eq!(idx.records(), 0);
        }
        let mut b = vec![0u8; 4000];
        b[3000..3010].copy_from_slice(&RECORD_MARKER);
        assert_eq!(RecordIndex::build(&b, 0).records(), 0);
        assert_eq!(find_marker(&b, 3001), None);
        assert_eq!(find_marker(&b, 2000), Some(3000));
    }
}
