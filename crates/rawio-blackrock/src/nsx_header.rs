//! Pure parsers of NSx (continuous data) headers: the basic header, the per-channel extended
//! headers and the data-block headers of every file spec (2.1, 2.2, 2.3, 3.0). No I/O: every
//! function takes bytes and the absolute offset of their first byte.

pub use crate::spec::Spec as NsxSpec;
use crate::spec::Spec;
use crate::text::{ParseError, cut_at_nul, decode_latin1, unknown_spec};
use rawio_core::LeReader;

/// Size of the spec 2.1 basic header (`NEURALSG`).
pub const V21_BASIC_SIZE: u64 = 32;
/// Size of one spec 2.1 extended header (an electrode id).
pub const V21_CHANNEL_SIZE: u64 = 4;
/// Size of the spec 2.2/2.3/3.0 basic header (`NEURALCD`, `BRSMPGRP`).
pub const BASIC_SIZE: u64 = 314;
/// Size of one spec 2.2/2.3/3.0 extended header (`CC`).
pub const CHANNEL_SIZE: u64 = 66;
/// The clock of NSx period values: a period is a number of 1/30000 s.
pub const BASE_RATE: u32 = 30_000;
/// `timestamp_resolution` of PTP (Gemini) files: nanoseconds.
pub const PTP_RESOLUTION: u32 = 1_000_000_000;

/// The spec of an NSx file from its first 10 bytes (file type id, major, minor), or `None` when
/// it is not an NSx file of a known spec.
pub fn detect_spec(prefix: &[u8]) -> Option<NsxSpec> {
    match prefix.get(..8)? {
        b"NEURALSG" => Some(NsxSpec::V21),
        b"NEURALCD" | b"BRSMPGRP" => {
            Spec::from_version(*prefix.get(8)?, *prefix.get(9)?).filter(|s| *s != Spec::V21)
        }
        _ => None,
    }
}

/// The basic header of an NSx file (fields absent from spec 2.1 take the 2.1 conventions).
#[derive(Debug, Clone, PartialEq)]
pub struct NsxBasicHeader {
    /// File spec.
    pub spec: NsxSpec,
    /// The 8-byte file type id (`NEURALSG`, `NEURALCD`, `BRSMPGRP`).
    pub file_type: String,
    /// Bytes of the basic and extended headers: where the data starts (computed for 2.1).
    pub bytes_in_headers: u64,
    /// Sampling group label (`"30 kS/s"`).
    pub label: String,
    /// Free comment (empty for 2.1).
    pub comment: String,
    /// Sample period in 1/30000 s.
    pub period: u32,
    /// Clock of the data-block timestamps in Hz (30000 for 2.1, 10^9 for PTP files).
    pub timestamp_resolution: u32,
    /// Year, month, weekday, day, hour, minute, second, millisecond (UTC) of the recording
    /// start; `None` for 2.1.
    pub time_origin: Option<[u16; 8]>,
    /// Number of channels (extended headers).
    pub channel_count: u32,
}

impl NsxBasicHeader {
    /// Byte offset of the first extended header.
    pub fn channels_offset(&self) -> u64 {
        match self.spec {
            NsxSpec::V21 => V21_BASIC_SIZE,
            _ => BASIC_SIZE,
        }
    }

    /// Size of one extended header.
    pub fn channel_size(&self) -> u64 {
        match self.spec {
            NsxSpec::V21 => V21_CHANNEL_SIZE,
            _ => CHANNEL_SIZE,
        }
    }

    /// Nominal sampling rate: `30000 / period` (neo's formula).
    pub fn sampling_rate(&self) -> f64 {
        f64::from(BASE_RATE) / f64::from(self.period)
    }
}

/// One channel (extended header) of an NSx file. Spec 2.1 stores only the electrode id; the
/// other fields then hold neutral values and [`NsxChannel::has_ranges`] is false.
#[derive(Debug, Clone, PartialEq)]
pub struct NsxChannel {
    /// Electrode id (u16 in 2.2+, u32 in 2.1).
    pub electrode_id: u32,
    /// Label, cut at the first NUL.
    pub label: String,
    /// Whether the label field held non-NUL bytes after its first NUL (neo keeps them).
    pub label_has_tail: bool,
    /// Front-end bank (1 = A ...).
    pub physical_connector: u8,
    /// Pin on the bank.
    pub connector_pin: u8,
    /// Digital range.
    pub min_digital: i16,
    /// Digital range.
    pub max_digital: i16,
    /// Analog range, in `units`.
    pub min_analog: i16,
    /// Analog range, in `units`.
    pub max_analog: i16,
    /// Analog units (`"uV"`, `"mV"`), cut at the first NUL.
    pub units: String,
    /// The filters that produced the signal.
    pub filters: Filters,
    /// Whether the file states analog/digital ranges (false for 2.1).
    pub has_ranges: bool,
}

/// Parses the basic header at the start of `bytes` (the file's first bytes). 2.1 files get
/// `bytes_in_headers = 32 + 4 * channel_count` and `timestamp_resolution = 30000`.
pub fn parse_basic_header(bytes: &[u8]) -> Result<NsxBasicHeader, ParseError> {
    let spec = detect_spec(bytes).ok_or_else(|| {
        unknown_spec(
            bytes,
            "an NSx",
            "NEURALSG 2.1, NEURALCD 2.2/2.3, BRSMPGRP 3.0",
        )
    })?;
    let mut r = LeReader::new(bytes, 0);
    let file_type = decode_latin1(r.take(8)?);
    if spec == NsxSpec::V21 {
        let label = cut_at_nul(r.take(16)?).0;
        let period = r.u32()?;
        let channel_count = r.u32()?;
        let bytes_in_headers = V21_BASIC_SIZE + V21_CHANNEL_SIZE * u64::from(channel_count);
        let h = NsxBasicHeader {
            spec,
            file_type,
            bytes_in_headers,
            label,
            comment: String::new(),
            period,
            timestamp_resolution: BASE_RATE,
            time_origin: None,
            channel_count,
        };
        return check_period(h, 24);
    }
    r.skip(2)?; // version, already in `spec`
    let bytes_in_headers = u64::from(r.u32()?);
    let label = cut_at_nul(r.take(16)?).0;
    let comment = cut_at_nul(r.take(256)?).0;
    let period = r.u32()?;
    let timestamp_resolution = r.u32()?;
    let mut t = [0u16; 8];
    for v in &mut t {
        *v = r.u16()?;
    }
    let channel_count = r.u32()?;
    let h = NsxBasicHeader {
        spec,
        file_type,
        bytes_in_headers,
        label,
        comment,
        period,
        timestamp_resolution,
        time_origin: Some(t),
        channel_count,
    };
    if h.timestamp_resolution == 0 {
        return Err(ParseError::new(290, "timestamp resolution is 0"));
    }
    let min = BASIC_SIZE + CHANNEL_SIZE * u64::from(channel_count);
    if h.bytes_in_headers < min {
        return Err(ParseError::new(
            10,
            format!(
                "bytes_in_headers is {} but the basic header and {channel_count} channel headers need {min}",
                h.bytes_in_headers
            ),
        ));
    }
    check_period(h, 286)
}

fn check_period(h: NsxBasicHeader, at: u64) -> Result<NsxBasicHeader, ParseError> {
    if h.period == 0 {
        Err(ParseError::new(
            at,
            "sample period is 0 (the sampling rate would be infinite)",
        ))
    } else {
        Ok(h)
    }
}

/// Parses one extended header from `bytes` (exactly [`NsxBasicHeader::channel_size`] bytes),
/// whose first byte is at absolute offset `base`.
pub fn parse_channel(bytes: &[u8], spec: NsxSpec, base: u64) -> Result<NsxChannel, ParseError> {
    let mut r = LeReader::new(bytes, base);
    if spec == NsxSpec::V21 {
        return Ok(NsxChannel {
            electrode_id: r.u32()?,
            label: String::new(),
            label_has_tail: false,
            physical_connector: 0,
            connector_pin: 0,
            min_digital: 0,
            max_digital: 0,
            min_analog: 0,
            max_analog: 0,
            units: String::new(),
            filters: Filters::default(),
            has_ranges: false,
        });
    }
    r.skip(2)?; // "CC"
    let electrode_id = u32::from(r.u16()?);
    let (label, label_has_tail) = cut_at_nul(r.take(16)?);
    Ok(NsxChannel {
        electrode_id,
        label,
        label_has_tail,
        physical_connector: r.u8()?,
        connector_pin: r.u8()?,
        min_digital: r.i16()?,
        max_digital: r.i16()?,
        min_analog: r.i16()?,
        max_analog: r.i16()?,
        units: cut_at_nul(r.take(16)?).0,
        filters: Filters::read(&mut r)?,
        has_ranges: true,
    })
}

/// High- and low-pass filters (NSx extended headers and NEV `NEUEVFLT` headers share the
/// layout: corner in mHz u32, order u32, type u16, for each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filters {
    /// High-pass corner (mHz).
    pub hi_corner: u32,
    /// High-pass order.
    pub hi_order: u32,
    /// High-pass type (0 none, 1 Butterworth).
    pub hi_type: u16,
    /// Low-pass corner (mHz).
    pub lo_corner: u32,
    /// Low-pass order.
    pub lo_order: u32,
    /// Low-pass type.
    pub lo_type: u16,
}

impl Filters {
    /// Reads the 20 bytes of filter fields.
    pub fn read(r: &mut LeReader<'_>) -> Result<Self, ParseError> {
        Ok(Filters {
            hi_corner: r.u32()?,
            hi_order: r.u32()?,
            hi_type: r.u16()?,
            lo_corner: r.u32()?,
            lo_order: r.u32()?,
            lo_type: r.u16()?,
        })
    }

    /// neo's annotation names and values.
    pub fn annotations(&self) -> [(&'static str, u32); 6] {
        [
            ("hi_freq_corner", self.hi_corner),
            ("hi_freq_order", self.hi_order),
            ("hi_freq_type", u32::from(self.hi_type)),
            ("lo_freq_corner", self.lo_corner),
            ("lo_freq_order", self.lo_order),
            ("lo_freq_type", u32::from(self.lo_type)),
        ]
    }
}

/// The header of one data block (spec 2.2+): a flag byte that must be 1, the timestamp of the
/// block's first sample and its number of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// Must be 1.
    pub flag: u8,
    /// Timestamp of the first sample, in `timestamp_resolution` ticks.
    pub timestamp: u64,
    /// Number of samples (frames of `channel_count` int16 values).
    pub n_samples: u32,
}

/// Parses a data-block header from `bytes` (at least [`NsxSpec::block_header_size`] bytes)
/// whose first byte is at absolute offset `base`.
pub fn parse_block_header(
    bytes: &[u8],
    spec: NsxSpec,
    base: u64,
) -> Result<BlockHeader, ParseError> {
    let mut r = LeReader::new(bytes, base);
    let flag = r.u8()?;
    let timestamp = match spec {
        NsxSpec::V21 => return Err(ParseError::new(base, "spec 2.1 has no data blocks")),
        NsxSpec::V22 | NsxSpec::V23 => u64::from(r.u32()?),
        NsxSpec::V30 => r.u64()?,
    };
    Ok(BlockHeader {
        flag,
        timestamp,
        n_samples: r.u32()?,
    })
}

/// Gain and offset of a channel from its ranges, neo's formula:
/// `gain = (max_analog - min_analog) / (max_digital - min_digital)`,
/// `offset = -min_digital * gain + min_analog`. `None` when the digital range is empty (the
/// gain would be infinite or NaN).
pub fn gain_offset(min_d: f64, max_d: f64, min_a: f64, max_a: f64) -> Option<(f64, f64)> {
    let gain = (max_a - min_a) / (max_d - min_d);
    let offset = -min_d * gain + min_a;
    (gain.is_finite() && offset.is_finite()).then_some((gain, offset))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn basic_v23(channels: u32, bytes_in_headers: u32, period: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"NEURALCD");
        b.extend_from_slice(&[2, 3]);
        b.extend_from_slice(&bytes_in_headers.to_le_bytes());
        let mut label = [0u8; 16];
        label[..6].copy_from_slice(b"1 kS/s");
        b.extend_from_slice(&label);
        let mut comment = [0u8; 256];
        comment[..2].copy_from_slice(b"hi");
        b.extend_from_slice(&comment);
        b.extend_from_slice(&period.to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        for v in [2018u16, 3, 0, 4, 1, 12, 36, 678] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&channels.to_le_bytes());
        b
    }

    #[test]
    fn detects_every_spec() {
        assert_eq!(detect_spec(b"NEURALSG30 kS/s"), Some(NsxSpec::V21));
        assert_eq!(detect_spec(b"NEURALCD\x02\x02"), Some(NsxSpec::V22));
        assert_eq!(detect_spec(b"NEURALCD\x02\x03"), Some(NsxSpec::V23));
        assert_eq!(detect_spec(b"BRSMPGRP\x03\x00"), Some(NsxSpec::V30));
        assert_eq!(detect_spec(b"NEURALCD\x04\x00"), None);
        assert_eq!(detect_spec(b"NEURALEV\x02\x03"), None);
        assert_eq!(detect_spec(b"NEURAL"), None);
        assert_eq!(NsxSpec::V30.block_header_size(), 13);
        assert_eq!(NsxSpec::V22.name(), "2.2");
    }

    #[test]
    fn parses_v23_basic_header() {
        let b = basic_v23(16, 314 + 66 * 16, 30);
        assert_eq!(b.len() as u64, BASIC_SIZE);
        let h = parse_basic_header(&b).unwrap();
        assert_eq!(h.spec, NsxSpec::V23);
        assert_eq!(h.label, "1 kS/s");
        assert_eq!(h.comment, "hi");
        assert_eq!(h.period, 30);
        assert_eq!(h.sampling_rate(), 1000.0);
        assert_eq!(h.channel_count, 16);
        assert_eq!(h.time_origin.unwrap()[0], 2018);
        assert_eq!(h.channels_offset(), 314);
        // truncated
        let e = parse_basic_header(&b[..300]).unwrap_err();
        assert_eq!(e.offset, 300);
        // headers too small for the channels
        let e = parse_basic_header(&basic_v23(16, 314, 30)).unwrap_err();
        assert_eq!(e.offset, 10);
        // zero period
        let e = parse_basic_header(&basic_v23(1, 380, 0)).unwrap_err();
        assert_eq!(e.offset, 286);
    }

    #[test]
    fn parses_v21_basic_header_and_channel() {
        let mut b = b"NEURALSG30 kS/s\0\0\0\0\0\0\0\0\0".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        let h = parse_basic_header(&b).unwrap();
        assert_eq!(
            (h.spec, h.label.as_str(), h.period, h.channel_count),
            (NsxSpec::V21, "30 kS/s", 1, 2)
        );
        assert_eq!(h.bytes_in_headers, 40);
        assert_eq!(h.timestamp_resolution, 30000);
        let c = parse_channel(&3u32.to_le_bytes(), NsxSpec::V21, 32).unwrap();
        assert_eq!(c.electrode_id, 3);
        assert!(!c.has_ranges);
        assert!(parse_channel(&[1, 2], NsxSpec::V21, 32).is_err());
        assert!(parse_basic_header(b"XXXXXXXX\x02\x03").is_err());
    }

    #[test]
    fn parses_channel_with_label_tail() {
        let mut b = b"CC".to_vec();
        b.extend_from_slice(&129u16.to_le_bytes());
        b.extend_from_slice(b"EyeX\0junk\0\0\0\0\0\0\0");
        b.extend_from_slice(&[5, 1]);
        for v in [-32767i16, 32767, -5000, 5000] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(b"mV\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
        b.extend_from_slice(&250u32.to_le_bytes());
        b.extend_from_slice(&4u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&7500000u32.to_le_bytes());
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        assert_eq!(b.len() as u64, CHANNEL_SIZE);
        let c = parse_channel(&b, NsxSpec::V23, 314).unwrap();
        assert_eq!(c.electrode_id, 129);
        assert_eq!(c.label, "EyeX");
        assert!(c.label_has_tail);
        assert_eq!((c.min_digital, c.max_analog), (-32767, 5000));
        assert_eq!(c.units, "mV");
        assert_eq!((c.filters.hi_corner, c.filters.lo_corner), (250, 7500000));
        let e = parse_channel(&b[..40], NsxSpec::V23, 314).unwrap_err();
        assert_eq!(e.offset, 314 + 30);
    }

    #[test]
    fn parses_block_headers() {
        let b = [1u8, 0x15, 0x31, 0x0e, 0, 0xa0, 0x0f, 0, 0];
        let h = parse_block_header(&b, NsxSpec::V23, 1370).unwrap();
        assert_eq!(
            h,
            BlockHeader {
                flag: 1,
                timestamp: 930069,
                n_samples: 4000
            }
        );
        let mut b = vec![1u8];
        b.extend_from_slice(&(1u64 << 40).to_le_bytes());
        b.extend_from_slice(&7u32.to_le_bytes());
        let h = parse_block_header(&b, NsxSpec::V30, 0).unwrap();
        assert_eq!((h.timestamp, h.n_samples), (1 << 40, 7));
        assert_eq!(
            parse_block_header(&b[..10], NsxSpec::V30, 100)
                .unwrap_err()
                .offset,
            109
        );
        assert!(parse_block_header(&b, NsxSpec::V21, 0).is_err());
    }

    #[test]
    fn gains_follow_neo() {
        let (g, o) = gain_offset(-32767.0, 32767.0, -5000.0, 5000.0).unwrap();
        assert_eq!(g, 10000.0 / 65534.0);
        assert_eq!(o, 32767.0 * g - 5000.0);
        let (g, o) = gain_offset(-8192.0, 8192.0, -5000.0, 5000.0).unwrap();
        assert_eq!((g, o), (0.6103515625, 0.0));
        assert!(gain_offset(0.0, 0.0, -1.0, 1.0).is_none());
    }
}
