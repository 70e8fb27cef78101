//! Byte-level entry points of every parser of this crate, for fuzz targets: each takes the
//! bytes of one member file, never panics, and returns a small summary (so that a fuzzer
//! cannot optimise the work away).

use crate::legacy::{index::RecordIndex, records};
use crate::legacy_format::LegacyHeader;
use std::path::Path;

/// Parses a `structure.oebin`; the number of continuous, event and spike entries.
pub fn oebin(bytes: &[u8]) -> Option<(usize, usize, usize)> {
    let o = crate::oebin::Oebin::parse(bytes).ok()?;
    Some((o.continuous.len(), o.events.len(), o.spikes.len()))
}

/// Parses a legacy header and indexes the records of a `.continuous` file; the number of
/// runs and of records.
pub fn continuous(bytes: &[u8]) -> (usize, u64) {
    let h = LegacyHeader::parse(bytes);
    let idx = RecordIndex::build(bytes, h.text_end);
    (idx.runs.len(), idx.runs.iter().map(|r| r.count).sum())
}

/// Parses a legacy header and every record of a `.spikes` file; the number of spikes.
pub fn spikes(bytes: &[u8]) -> usize {
    let h = LegacyHeader::parse(bytes);
    records::SpikeRecords::read(bytes, &h).records.len()
}

/// Parses every record of a legacy `.events` file; the number of events.
pub fn events(bytes: &[u8]) -> usize {
    records::read_events(bytes).0.len()
}

/// Parses an event label array (`text.npy`, `metadata.npy`, `channels.npy`, `states.npy`);
/// the number of labels.
pub fn label_array(bytes: &[u8]) -> Option<usize> {
    crate::npy_text::labels_of(bytes, Path::new("labels.npy"))
        .ok()
        .flatten()
        .map(|l| l.len())
}

/// Parses a `.continuous` file name (without extension); whether it is understood.
pub fn continuous_name(stem: &str) -> bool {
    crate::legacy_format::parse_continuous_name(stem).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_never_panic_on_garbage() {
        for b in [
            &b""[..],
            b"{",
            b"\x93NUMPY\x01\x00\xff\xff",
            &[0xff; 3000][..],
        ] {
            let _ = (
                oebin(b),
                continuous(b),
                spikes(b),
                events(b),
                label_array(b),
            );
        }
        assert_eq!(oebin(b"{}"), Some((0, 0, 0)));
        assert!(continuous_name("100_CH1_2"));
        assert!(!continuous_name("_"));
    }
}
