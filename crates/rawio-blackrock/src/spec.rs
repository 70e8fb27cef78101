//! The file specifications (versions) of Blackrock NSx and NEV files.

/// A file spec: NSx files are 2.1 (`NEURALSG`), 2.2/2.3 (`NEURALCD`) or 3.0 (`BRSMPGRP`); NEV
/// files 2.1–2.3 (`NEURALEV`) or 3.0 (`BREVENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    /// 2.1: NSx without timestamps; NEV spikes on electrodes 1–255, five analog values per
    /// digital packet.
    V21,
    /// 2.2: NSx data blocks with u32 timestamps; NEV as 2.1 with spike widths and labels.
    V22,
    /// 2.3: u32 timestamps; NEV spikes on electrodes 1–2048, comments and system packets.
    V23,
    /// 3.0: u64 timestamps (nanoseconds for PTP recordings).
    V30,
}

impl Spec {
    /// The spec of a version number (major, minor).
    pub fn from_version(major: u8, minor: u8) -> Option<Spec> {
        match (major, minor) {
            (2, 1) => Some(Spec::V21),
            (2, 2) => Some(Spec::V22),
            (2, 3) => Some(Spec::V23),
            (3, 0) => Some(Spec::V30),
            _ => None,
        }
    }

    /// `"2.1"`, `"2.2"`, `"2.3"` or `"3.0"`.
    pub fn name(self) -> &'static str {
        match self {
            Spec::V21 => "2.1",
            Spec::V22 => "2.2",
            Spec::V23 => "2.3",
            Spec::V30 => "3.0",
        }
    }

    /// NSx: bytes of a data-block header: 9 (u8 flag, u32 timestamp, u32 count) for 2.2/2.3,
    /// 13 (u64 timestamp) for 3.0, none for 2.1.
    pub fn block_header_size(self) -> u64 {
        match self {
            Spec::V21 => 0,
            Spec::V22 | Spec::V23 => 9,
            Spec::V30 => 13,
        }
    }

    /// NEV: bytes of a packet timestamp: 4, or 8 for 3.0.
    pub fn timestamp_bytes(self) -> u64 {
        if self == Spec::V30 { 8 } else { 4 }
    }

    /// NEV: bytes before a packet's payload (the timestamp and the u16 packet id).
    pub fn packet_header_bytes(self) -> u64 {
        self.timestamp_bytes() + 2
    }

    /// NEV: the highest electrode id of a spike packet (neo's ranges: 255 for 2.1/2.2, 2048
    /// after).
    pub fn max_spike_id(self) -> u16 {
        match self {
            Spec::V21 | Spec::V22 => 255,
            Spec::V23 | Spec::V30 => 2048,
        }
    }

    /// NEV: whether the spec has comment and other system packets (0xFFFB–0xFFFF).
    pub fn has_system_packets(self) -> bool {
        matches!(self, Spec::V23 | Spec::V30)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(Spec::from_version(2, 3), Some(Spec::V23));
        assert_eq!(Spec::from_version(3, 1), None);
        assert_eq!(Spec::V30.packet_header_bytes(), 10);
        assert_eq!(Spec::V22.max_spike_id(), 255);
        assert_eq!(Spec::V21.name(), "2.1");
    }
}
