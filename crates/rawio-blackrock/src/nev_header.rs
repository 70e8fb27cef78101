//! Pure parsers of NEV (spikes and events) files: the basic header, the 32-byte extended
//! headers and the fixed-size data packets of every file spec (2.1, 2.2, 2.3, 3.0). No I/O.

use crate::nsx_header::Filters;
pub use crate::spec::Spec as NevSpec;
use crate::spec::Spec;
use crate::text::{ParseError, cut_at_nul, decode_latin1, decode_utf16, unknown_spec};
use rawio_core::LeReader;

/// Size of the NEV basic header.
pub const BASIC_SIZE: u64 = 336;
/// Size of one extended header.
pub const EXT_SIZE: u64 = 32;

/// The spec of a NEV file from its first 10 bytes, or `None`.
pub fn detect_spec(prefix: &[u8]) -> Option<NevSpec> {
    match prefix.get(..8)? {
        b"NEURALEV" | b"BREVENTS" => Spec::from_version(*prefix.get(8)?, *prefix.get(9)?),
        _ => None,
    }
}

/// The NEV basic header.
#[derive(Debug, Clone, PartialEq)]
pub struct NevBasicHeader {
    /// File spec.
    pub spec: NevSpec,
    /// `NEURALEV` or `BREVENTS`.
    pub file_type: String,
    /// Bit 0: every waveform is 16-bit.
    pub flags: u16,
    /// Where the data packets start.
    pub bytes_in_headers: u64,
    /// Size of every data packet.
    pub packet_size: u64,
    /// Clock of the packet timestamps in Hz (30000, or 10^9 for PTP recordings).
    pub timestamp_resolution: u32,
    /// Sampling rate of the spike waveforms in Hz.
    pub sample_resolution: u32,
    /// Year, month, weekday, day, hour, minute, second, millisecond (UTC).
    pub time_origin: [u16; 8],
    /// The application that wrote the file.
    pub application: String,
    /// Free comment.
    pub comment: String,
    /// Number of extended headers.
    pub n_ext_headers: u32,
}

impl NevBasicHeader {
    /// Whether every waveform is stored as int16 (flag bit 0).
    pub fn waveforms_16bit(&self) -> bool {
        self.flags & 1 == 1
    }
}

/// Parses the basic header at the start of `bytes`, checking the sizes it declares against
/// each other (not against the file: the caller does that).
pub fn parse_basic_header(bytes: &[u8]) -> Result<NevBasicHeader, ParseError> {
    let spec = detect_spec(bytes)
        .ok_or_else(|| unknown_spec(bytes, "a NEV", "NEURALEV 2.1/2.2/2.3, BREVENTS 3.0"))?;
    let mut r = LeReader::new(bytes, 0);
    let file_type = decode_latin1(r.take(8)?);
    r.skip(2)?;
    let flags = r.u16()?;
    let bytes_in_headers = u64::from(r.u32()?);
    let packet_size = u64::from(r.u32()?);
    let timestamp_resolution = r.u32()?;
    let sample_resolution = r.u32()?;
    let mut time_origin = [0u16; 8];
    for v in &mut time_origin {
        *v = r.u16()?;
    }
    let application = cut_at_nul(r.take(32)?).0;
    let comment = cut_at_nul(r.take(256)?).0;
    let n_ext_headers = r.u32()?;
    let h = NevBasicHeader {
        spec,
        file_type,
        flags,
        bytes_in_headers,
        packet_size,
        timestamp_resolution,
        sample_resolution,
        time_origin,
        application,
        comment,
        n_ext_headers,
    };
    let min_packet = spec.packet_header_bytes() + 6;
    if h.packet_size < min_packet {
        return Err(ParseError::new(
            16,
            format!(
                "data packets of {} bytes are too small (at least {min_packet} for spec {})",
                h.packet_size,
                spec.name()
            ),
        ));
    }
    if h.timestamp_resolution == 0 {
        return Err(ParseError::new(20, "timestamp resolution is 0"));
    }
    let min = BASIC_SIZE + EXT_SIZE * u64::from(n_ext_headers);
    if h.bytes_in_headers < min {
        return Err(ParseError::new(
            12,
            format!(
                "bytes_in_headers is {} but the basic header and {n_ext_headers} extended headers need {min}",
                h.bytes_in_headers
            ),
        ));
    }
    Ok(h)
}

/// A `NEUEVWAV` extended header: how the spikes of one electrode were detected and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveformInfo {
    /// Electrode id (the packet id of its spikes).
    pub electrode_id: u16,
    /// Front-end bank.
    pub physical_connector: u8,
    /// Pin on the bank.
    pub connector_pin: u8,
    /// nV per bit of the waveforms.
    pub digitization_factor: u16,
    /// Energy threshold.
    pub energy_threshold: u16,
    /// High threshold (µV).
    pub hi_threshold: i16,
    /// Low threshold (µV).
    pub lo_threshold: i16,
    /// Number of sorted units.
    pub n_sorted_units: u8,
    /// Bytes per waveform sample (0 or 1: int8, 2: int16, 4: int32).
    pub bytes_per_sample: u8,
    /// Waveform length in samples (2.2+; `None` in 2.1).
    pub spike_width: Option<u16>,
}

/// A `NEUEVFLT` extended header: the filters of one electrode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterInfo {
    /// Electrode id.
    pub electrode_id: u16,
    /// The filters.
    pub filters: Filters,
}

/// One extended header.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtHeader {
    /// `NEUEVWAV`.
    Waveform(WaveformInfo),
    /// `NEUEVLBL`: an electrode's label.
    Label {
        /// Electrode id.
        electrode_id: u16,
        /// Label.
        label: String,
    },
    /// `NEUEVFLT`.
    Filter(FilterInfo),
    /// `DIGLABEL`: the name of a digital input (mode 0 serial, 1 parallel).
    DigitalLabel {
        /// Label.
        label: String,
        /// Mode.
        mode: u8,
    },
    /// `VIDEOSYN`: a video source.
    VideoSource {
        /// Source id.
        id: u16,
        /// Name.
        name: String,
        /// Frames per second.
        frame_rate: f32,
    },
    /// `ARRAYNME`, `ECOMMENT`, `CCOMMENT`, `MAPFILE`: one 24-byte text.
    Text {
        /// The 8-byte id.
        kind: String,
        /// The text.
        text: String,
    },
    /// Any other id (`NSASEXEV`, `TRACKOBJ`, unknown ones): kept by name only.
    Other(String),
}

/// Parses one 32-byte extended header at absolute offset `base`.
pub fn parse_ext_header(bytes: &[u8], spec: NevSpec, base: u64) -> Result<ExtHeader, ParseError> {
    let mut r = LeReader::new(bytes, base);
    let id = r.take(8)?;
    let kind = cut_at_nul(id).0;
    Ok(match id {
        b"NEUEVWAV" => {
            let mut w = WaveformInfo {
                electrode_id: r.u16()?,
                physical_connector: r.u8()?,
                connector_pin: r.u8()?,
                digitization_factor: r.u16()?,
                energy_threshold: r.u16()?,
                hi_threshold: r.i16()?,
                lo_threshold: r.i16()?,
                n_sorted_units: r.u8()?,
                bytes_per_sample: r.u8()?,
                spike_width: None,
            };
            let width = r.u16()?;
            if spec != NevSpec::V21 {
                w.spike_width = Some(width);
            }
            ExtHeader::Waveform(w)
        }
        b"NEUEVLBL" => ExtHeader::Label {
            electrode_id: r.u16()?,
            label: cut_at_nul(r.take(16)?).0,
        },
        b"NEUEVFLT" => ExtHeader::Filter(FilterInfo {
            electrode_id: r.u16()?,
            filters: Filters::read(&mut r)?,
        }),
        b"DIGLABEL" => ExtHeader::DigitalLabel {
            label: cut_at_nul(r.take(16)?).0,
            mode: r.u8()?,
        },
        b"VIDEOSYN" => ExtHeader::VideoSource {
            id: r.u16()?,
            name: cut_at_nul(r.take(16)?).0,
            frame_rate: r.f32()?,
        },
        b"ARRAYNME" | b"ECOMMENT" | b"CCOMMENT" | b"MAPFILE\0" => ExtHeader::Text {
            kind,
            text: cut_at_nul(r.take(24)?).0,
        },
        _ => ExtHeader::Other(kind),
    })
}

/// What a data packet holds, from its packet id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// 0: digital/serial input (and analog inputs in 2.1/2.2).
    NonNeural,
    /// A spike on this electrode.
    Spike(u16),
    /// 0xFFFF (2.3+): a comment.
    Comment,
    /// 0xFFFE (2.3+): a video frame.
    VideoSync,
    /// 0xFFFD (2.3+): tracking.
    Tracking,
    /// 0xFFFC (2.3+): a button trigger.
    ButtonTrigger,
    /// 0xFFFB (2.3+): a configuration change.
    Config,
    /// An id the spec does not define (neo ignores these packets too).
    Unknown(u16),
}

/// The kind of a packet with id `id` under `spec`.
pub fn classify(spec: NevSpec, id: u16) -> PacketKind {
    match id {
        0 => PacketKind::NonNeural,
        i if i <= spec.max_spike_id() => PacketKind::Spike(i),
        0xFFFF if spec.has_system_packets() => PacketKind::Comment,
        0xFFFE if spec.has_system_packets() => PacketKind::VideoSync,
        0xFFFD if spec.has_system_packets() => PacketKind::Tracking,
        0xFFFC if spec.has_system_packets() => PacketKind::ButtonTrigger,
        0xFFFB if spec.has_system_packets() => PacketKind::Config,
        i => PacketKind::Unknown(i),
    }
}

fn le_u16(b: &[u8], at: u64) -> u16 {
    usize::try_from(at)
        .ok()
        .and_then(|i| b.get(i..i.checked_add(2)?))
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

/// The timestamp of a packet (`bytes` starts at the packet; missing bytes read as 0).
#[inline]
pub fn packet_timestamp(bytes: &[u8], spec: NevSpec) -> u64 {
    if spec == NevSpec::V30 {
        bytes.get(..8).map_or(0, |s| {
            u64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]])
        })
    } else {
        bytes.get(..4).map_or(0, |s| {
            u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        })
    }
}

/// The packet id of a packet.
#[inline]
pub fn packet_id(bytes: &[u8], spec: NevSpec) -> u16 {
    le_u16(bytes, spec.timestamp_bytes())
}

/// The first payload byte: the unit class of a spike (0 unsorted, 1–16 sorted, 255 noise),
/// the insertion reason of a digital packet, the character set of a comment.
#[inline]
pub fn payload_byte(bytes: &[u8], spec: NevSpec) -> u8 {
    usize::try_from(spec.packet_header_bytes())
        .ok()
        .and_then(|i| bytes.get(i).copied())
        .unwrap_or(0)
}

/// A digital/serial/analog input packet (id 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NonNeural {
    /// Packet insertion reason (bit 0 digital input changed, bit 7 serial; 2.1/2.2: bits 1–5
    /// analog channels, bit 6 periodic sampling).
    pub reason: u8,
    /// The digital input word.
    pub digital_input: u16,
    /// The five analog input values (2.1/2.2 only, else 0).
    pub analog: [i16; 5],
}

/// Decodes a non-neural packet.
pub fn decode_non_neural(bytes: &[u8], spec: NevSpec) -> NonNeural {
    let h = spec.packet_header_bytes();
    let mut analog = [0i16; 5];
    if matches!(spec, NevSpec::V21 | NevSpec::V22) {
        for (k, a) in (0u64..).zip(analog.iter_mut()) {
            *a = i16::from_le_bytes(le_u16(bytes, h + 4 + 2 * k).to_le_bytes());
        }
    }
    NonNeural {
        reason: payload_byte(bytes, spec),
        digital_input: le_u16(bytes, h + 2),
        analog,
    }
}

/// A comment packet (id 0xFFFF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentPacket {
    /// 0 ANSI (Latin-1), 1 UTF-16, 255 Latin-1 (NeuroMotive).
    pub char_set: u8,
    /// 0: `color` is an RGBA colour; 1: it is the time the comment was started.
    pub flag: u8,
    /// Colour or start time.
    pub color: u32,
    /// The text, cut at the first NUL (character).
    pub text: String,
}

/// Decodes a comment packet. Character sets other than 1 decode as Latin-1, the text ending at
/// the first NUL (for UTF-16 the first NUL code unit).
pub fn decode_comment(bytes: &[u8], spec: NevSpec) -> CommentPacket {
    let h = usize::try_from(spec.packet_header_bytes()).unwrap_or(usize::MAX);
    let at = |i: usize| bytes.get(h.saturating_add(i)).copied().unwrap_or(0);
    let color = u32::from_le_bytes([at(2), at(3), at(4), at(5)]);
    let raw = bytes.get(h.saturating_add(6)..).unwrap_or(&[]);
    let char_set = at(0);
    let text = if char_set == 1 {
        decode_utf16(raw)
    } else {
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        decode_latin1(&raw[..end])
    };
    CommentPacket {
        char_set,
        flag: at(1),
        color,
        text,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(crate) fn basic(spec: (u8, u8), packet: u32, n_ext: u32, res: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(if spec.0 == 3 {
            b"BREVENTS"
        } else {
            b"NEURALEV"
        });
        b.extend_from_slice(&[spec.0, spec.1]);
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&(336 + 32 * n_ext).to_le_bytes());
        b.extend_from_slice(&packet.to_le_bytes());
        b.extend_from_slice(&res.to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        for v in [2014u16, 1, 3, 1, 6, 13, 23, 555] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        let mut app = [0u8; 32];
        app[..11].copy_from_slice(b"File Dialog");
        b.extend_from_slice(&app);
        b.extend_from_slice(&[0u8; 256]);
        b.extend_from_slice(&n_ext.to_le_bytes());
        b
    }

    #[test]
    fn parses_basic_header() {
        let b = basic((2, 3), 104, 434, 30000);
        assert_eq!(b.len() as u64, BASIC_SIZE);
        let h = parse_basic_header(&b).unwrap();
        assert_eq!(h.spec, NevSpec::V23);
        assert_eq!((h.bytes_in_headers, h.packet_size), (14224, 104));
        assert_eq!(h.time_origin[0], 2014);
        assert_eq!(h.application, "File Dialog");
        assert!(h.waveforms_16bit());
        assert_eq!(parse_basic_header(&b[..100]).unwrap_err().offset, 76);
        assert_eq!(
            parse_basic_header(&basic((2, 3), 9, 0, 30000))
                .unwrap_err()
                .offset,
            16
        );
        assert_eq!(
            parse_basic_header(&basic((2, 3), 104, 0, 0))
                .unwrap_err()
                .offset,
            20
        );
        let mut bad = basic((2, 3), 104, 2, 30000);
        bad[12..16].copy_from_slice(&336u32.to_le_bytes());
        assert_eq!(parse_basic_header(&bad).unwrap_err().offset, 12);
        assert!(parse_basic_header(b"NEURALEV\x09\x09").is_err());
        let h3 = parse_basic_header(&basic((3, 0), 104, 0, 1_000_000_000)).unwrap();
        assert_eq!(h3.spec, NevSpec::V30);
        assert_eq!(h3.spec.packet_header_bytes(), 10);
    }

    #[test]
    fn parses_extended_headers() {
        let mut w = b"NEUEVWAV".to_vec();
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&[1, 2]);
        w.extend_from_slice(&250u16.to_le_bytes());
        w.extend_from_slice(&0u16.to_le_bytes());
        w.extend_from_slice(&0i16.to_le_bytes());
        w.extend_from_slice(&(-255i16).to_le_bytes());
        w.extend_from_slice(&[0, 2]);
        w.extend_from_slice(&48u16.to_le_bytes());
        w.extend_from_slice(&[0; 8]);
        assert_eq!(w.len(), 32);
        let ExtHeader::Waveform(i) = parse_ext_header(&w, NevSpec::V23, 336).unwrap() else {
            panic!()
        };
        assert_eq!(
            (i.electrode_id, i.digitization_factor, i.lo_threshold),
            (1, 250, -255)
        );
        assert_eq!((i.bytes_per_sample, i.spike_width), (2, Some(48)));
        let ExtHeader::Waveform(i) = parse_ext_header(&w, NevSpec::V21, 336).unwrap() else {
            panic!()
        };
        assert_eq!(i.spike_width, None);
        let mut l = b"NEUEVLBL".to_vec();
        l.extend_from_slice(&7u16.to_le_bytes());
        l.extend_from_slice(b"chan7\0\0\0\0\0\0\0\0\0\0\0");
        l.extend_from_slice(&[0; 6]);
        assert_eq!(
            parse_ext_header(&l, NevSpec::V23, 0).unwrap(),
            ExtHeader::Label {
                electrode_id: 7,
                label: "chan7".into()
            }
        );
        let mut d = b"DIGLABELdigin".to_vec();
        d.extend_from_slice(&[0; 11]);
        d.push(1);
        d.extend_from_slice(&[0; 7]);
        assert_eq!(
            parse_ext_header(&d, NevSpec::V23, 0).unwrap(),
            ExtHeader::DigitalLabel {
                label: "digin".into(),
                mode: 1
            }
        );
        let mut m = b"MAPFILE\0map.cmp".to_vec();
        m.resize(32, 0);
        assert_eq!(
            parse_ext_header(&m, NevSpec::V23, 0).unwrap(),
            ExtHeader::Text {
                kind: "MAPFILE".into(),
                text: "map.cmp".into()
            }
        );
        let mut o = b"NSASEXEV".to_vec();
        o.resize(32, 0);
        assert_eq!(
            parse_ext_header(&o, NevSpec::V23, 0).unwrap(),
            ExtHeader::Other("NSASEXEV".into())
        );
        assert_eq!(
            parse_ext_header(&w[..20], NevSpec::V23, 336)
                .unwrap_err()
                .offset,
            336 + 20
        );
    }

    #[test]
    fn classifies_packets_per_spec() {
        assert_eq!(classify(NevSpec::V21, 0), PacketKind::NonNeural);
        assert_eq!(classify(NevSpec::V21, 255), PacketKind::Spike(255));
        assert_eq!(classify(NevSpec::V22, 256), PacketKind::Unknown(256));
        assert_eq!(classify(NevSpec::V22, 0xFFFF), PacketKind::Unknown(0xFFFF));
        assert_eq!(classify(NevSpec::V23, 2048), PacketKind::Spike(2048));
        assert_eq!(classify(NevSpec::V23, 2049), PacketKind::Unknown(2049));
        assert_eq!(classify(NevSpec::V30, 0xFFFF), PacketKind::Comment);
        assert_eq!(classify(NevSpec::V30, 0xFFFB), PacketKind::Config);
        assert_eq!(classify(NevSpec::V30, 0xFFFC), PacketKind::ButtonTrigger);
    }

    #[test]
    fn decodes_packets() {
        // 2.3 digital packet: ts 6293, id 0, reason 1, value 0xFFFD
        let mut p = 6293u32.to_le_bytes().to_vec();
        p.extend_from_slice(&[0, 0, 1, 0, 0xFD, 0xFF]);
        p.resize(104, 0);
        assert_eq!(packet_timestamp(&p, NevSpec::V23), 6293);
        assert_eq!(packet_id(&p, NevSpec::V23), 0);
        let d = decode_non_neural(&p, NevSpec::V23);
        assert_eq!((d.reason, d.digital_input, d.analog), (1, 65533, [0; 5]));
        // 2.1 with analog values
        let mut p = 10u32.to_le_bytes().to_vec();
        p.extend_from_slice(&[0, 0, 2, 0, 0, 0]);
        for v in [-5i16, 6, 7, 8, 9] {
            p.extend_from_slice(&v.to_le_bytes());
        }
        let d = decode_non_neural(&p, NevSpec::V21);
        assert_eq!((d.reason, d.analog), (2, [-5, 6, 7, 8, 9]));
        // 3.0 comment, Latin-1 with stray bytes and no NUL
        let mut c = (1u64 << 60).to_le_bytes().to_vec();
        c.extend_from_slice(&0xFFFFu16.to_le_bytes());
        c.extend_from_slice(&[0, 1]);
        c.extend_from_slice(&326100u32.to_le_bytes());
        c.extend_from_slice(b"Comment2\x03\xda\x0b");
        assert_eq!(packet_timestamp(&c, NevSpec::V30), 1 << 60);
        assert_eq!(packet_id(&c, NevSpec::V30), 0xFFFF);
        let k = decode_comment(&c, NevSpec::V30);
        assert_eq!(
            (k.char_set, k.flag, k.color, k.text.as_str()),
            (0, 1, 326100, "Comment2\u{3}Ú\u{b}")
        );
        // UTF-16
        let mut u = 5u32.to_le_bytes().to_vec();
        u.extend_from_slice(&[0xFF, 0xFF, 1, 0, 0, 0, 0, 0]);
        u.extend(
            "Ωmega"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .chain([0, 0, 0x41]),
        );
        assert_eq!(decode_comment(&u, NevSpec::V23).text, "Ωmega");
        // short slices never panic
        assert_eq!(packet_timestamp(&[1, 2], NevSpec::V23), 0);
        assert_eq!(decode_comment(&[1, 2, 3], NevSpec::V23).text, "");
        assert_eq!(payload_byte(&[], NevSpec::V30), 0);
    }
}
