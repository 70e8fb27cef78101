//! The legacy Open Ephys format (`.continuous`, `.events`, `.spikes`): the 1024-byte ASCII
//! header, the record layouts and the file names. Pure parsing of bytes and names, no I/O.
//!
//! Every legacy file starts with a header of `header.key = value;` lines padded with spaces to
//! [`HEADER_BYTES`]. Records follow:
//!
//! | file | record |
//! |---|---|
//! | `.continuous` | i64 LE first sample number, u16 LE sample count (1024), u16 LE recording number, 1024 × i16 **big-endian** samples, 10-byte marker `0 1 2 … 8 255` ([`CONTINUOUS_RECORD_BYTES`] = 2070) |
//! | `.events` | i64 LE sample number, i16 sample position, u8 event type, u8 processor id, u8 event id (state), u8 channel, u16 recording number (16 bytes) |
//! | `.spikes` | u8 event type, i64 sample number, i64 software time, u16 source, u16 N channels, u16 M samples, u16 sorted id, u16 electrode, u16 channel, 3 × u8 colour, 2 × f32 PCA, u16 sampling rate, N·M × u16 samples (channel-major, offset 32768), N × f32 gains, N × u16 thresholds, u16 recording number (44 + 2NM + 6N bytes) |

use std::collections::BTreeMap;

/// Size of the ASCII header at the start of every legacy file.
pub const HEADER_BYTES: u64 = 1024;
/// Samples in one `.continuous` record.
pub const SAMPLES_PER_RECORD: u64 = 1024;
/// Bytes of one `.continuous` record.
pub const CONTINUOUS_RECORD_BYTES: u64 = 2070;
/// Offset of the samples inside a `.continuous` record.
pub const SAMPLES_OFFSET: usize = 12;
/// The marker ending every `.continuous` record.
pub const RECORD_MARKER: [u8; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 255];
/// Bytes of one `.events` record.
pub const EVENT_RECORD_BYTES: u64 = 16;
/// Offset of the channel count in a `.spikes` record.
pub const SPIKE_COUNTS_OFFSET: usize = 19;

/// A parsed legacy header: `key → value` with the `header.` prefix removed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegacyHeader {
    /// Every `key = value` pair, values as written (quotes kept).
    pub fields: BTreeMap<String, String>,
    /// Offset just after the last `;` ending a `header.` item: no record starts before it.
    pub text_end: u64,
}

impl LegacyHeader {
    /// Parses the first [`HEADER_BYTES`] of a file (fewer when the file is shorter). Never
    /// fails: unknown or malformed items are skipped.
    pub fn parse(bytes: &[u8]) -> LegacyHeader {
        let n = bytes.len().min(HEADER_BYTES as usize);
        let text = &bytes[..n];
        let mut fields = BTreeMap::new();
        let mut text_end = 0u64;
        let mut start = 0usize;
        for (i, &b) in text.iter().enumerate() {
            if b != b';' {
                continue;
            }
            let item = String::from_utf8_lossy(&text[start..i]);
            start = i + 1;
            let item = item.trim_matches(|c: char| c.is_whitespace() || c == '\0');
            let Some(kv) = item.strip_prefix("header.") else {
                continue;
            };
            text_end = (i + 1) as u64;
            if let Some((k, v)) = kv.split_once('=') {
                fields.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
        LegacyHeader { fields, text_end }
    }

    /// The value of `key` without surrounding quotes.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(|v| v.trim_matches(|c| c == '\'' || c == '"').trim())
    }

    /// `key` as a finite float.
    pub fn float(&self, key: &str) -> Option<f64> {
        self.get(key)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }

    /// `sampleRate` when present and positive (GUI 0.6 event headers lack it).
    pub fn sample_rate(&self) -> Option<f64> {
        self.float("sampleRate").filter(|r| *r > 0.0)
    }

    /// `bitVolts`.
    pub fn bit_volts(&self) -> Option<f64> {
        self.float("bitVolts")
    }
}

/// The fixed part of one `.continuous` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContinuousRecord {
    /// Sample number of the record's first sample.
    pub timestamp: i64,
    /// Samples declared by the record (1024 in every file the GUI writes).
    pub n_samples: u16,
    /// Recording number (incremented when recording restarts without stopping acquisition).
    pub recording: u16,
}

impl ContinuousRecord {
    /// Decodes the record at the start of `bytes` when `bytes` holds a whole record that ends
    /// with [`RECORD_MARKER`] and declares 1024 samples.
    pub fn parse(bytes: &[u8]) -> Option<ContinuousRecord> {
        let rec = bytes.get(..CONTINUOUS_RECORD_BYTES as usize)?;
        if rec[2060..] != RECORD_MARKER {
            return None;
        }
        let r = ContinuousRecord::parse_head(rec)?;
        (u64::from(r.n_samples) == SAMPLES_PER_RECORD).then_some(r)
    }

    /// Decodes the 12 fixed bytes without checking the marker.
    pub fn parse_head(bytes: &[u8]) -> Option<ContinuousRecord> {
        let h = bytes.get(..12)?;
        Some(ContinuousRecord {
            timestamp: i64::from_le_bytes(h[0..8].try_into().ok()?),
            n_samples: u16::from_le_bytes([h[8], h[9]]),
            recording: u16::from_le_bytes([h[10], h[11]]),
        })
    }
}

/// Decodes `count` big-endian samples starting at sample `first` of the whole record `rec`
/// into `out[offset]`, `out[offset + stride]`, ... (stops early at the end of the record or of
/// `out`).
pub fn decode_samples(
    rec: &[u8],
    first: usize,
    count: usize,
    out: &mut [i16],
    offset: usize,
    stride: usize,
) {
    let start = SAMPLES_OFFSET + 2 * first;
    let end = SAMPLES_OFFSET + 2 * (first + count).min(SAMPLES_PER_RECORD as usize);
    let Some(bytes) = rec.get(start..end) else {
        return;
    };
    let Some(dst) = out.get_mut(offset..) else {
        return;
    };
    for (slot, pair) in dst
        .iter_mut()
        .step_by(stride.max(1))
        .zip(bytes.chunks_exact(2))
    {
        *slot = i16::from_be_bytes([pair[0], pair[1]]);
    }
}

/// One `.events` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRecord {
    /// Sample number.
    pub timestamp: i64,
    /// Position inside the continuous record.
    pub sample_position: i16,
    /// Event type (3 = TTL, 5 = message).
    pub event_type: u8,
    /// Processor id.
    pub processor_id: u8,
    /// Event id (the TTL state: 1 rising, 0 falling).
    pub event_id: u8,
    /// Channel (TTL line, 0-based).
    pub channel: u8,
    /// Recording number.
    pub recording: u16,
}

impl EventRecord {
    /// Decodes a 16-byte record.
    pub fn parse(b: &[u8]) -> Option<EventRecord> {
        let b = b.get(..EVENT_RECORD_BYTES as usize)?;
        Some(EventRecord {
            timestamp: i64::from_le_bytes(b[0..8].try_into().ok()?),
            sample_position: i16::from_le_bytes([b[8], b[9]]),
            event_type: b[10],
            processor_id: b[11],
            event_id: b[12],
            channel: b[13],
            recording: u16::from_le_bytes([b[14], b[15]]),
        })
    }

    /// neo's label: `"{event_type}#{processor_id}#{channel}"`.
    pub fn label(&self) -> String {
        format!("{}#{}#{}", self.event_type, self.processor_id, self.channel)
    }
}

/// The shape of the records of one `.spikes` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpikeLayout {
    /// Channels per spike (N).
    pub n_channels: u16,
    /// Samples per channel (M).
    pub n_samples: u16,
}

impl SpikeLayout {
    /// Bytes of one record: `44 + 2NM + 6N`.
    pub fn record_bytes(&self) -> u64 {
        let (n, m) = (u64::from(self.n_channels), u64::from(self.n_samples));
        44 + 2 * n * m + 6 * n
    }

    /// The layout declared by the record at the start of `bytes`.
    pub fn of_record(bytes: &[u8]) -> Option<SpikeLayout> {
        let b = bytes.get(SPIKE_COUNTS_OFFSET..SPIKE_COUNTS_OFFSET + 4)?;
        Some(SpikeLayout {
            n_channels: u16::from_le_bytes([b[0], b[1]]),
            n_samples: u16::from_le_bytes([b[2], b[3]]),
        })
    }

    /// Offset of the waveform samples in a record.
    pub const SAMPLES_OFFSET: usize = 42;

    /// Offset of the gains in a record.
    pub fn gains_offset(&self) -> usize {
        Self::SAMPLES_OFFSET + 2 * usize::from(self.n_channels) * usize::from(self.n_samples)
    }
}

/// The fixed fields of one `.spikes` record.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeRecord {
    /// Sample number of the spike.
    pub timestamp: i64,
    /// Sorted unit id (0 = unsorted).
    pub sorted_id: u16,
    /// Electrode id.
    pub electrode_id: u16,
    /// The first channel's gain as written (`1000 / gain` is µV per bit).
    pub first_gain: f32,
    /// Recording number.
    pub recording: u16,
}

impl SpikeRecord {
    /// Decodes a whole record of `layout`.
    pub fn parse(b: &[u8], layout: SpikeLayout) -> Option<SpikeRecord> {
        let n = usize::try_from(layout.record_bytes()).ok()?;
        let b = b.get(..n)?;
        if SpikeLayout::of_record(b)? != layout {
            return None;
        }
        let g = layout.gains_offset();
        Some(SpikeRecord {
            timestamp: i64::from_le_bytes(b.get(1..9)?.try_into().ok()?),
            sorted_id: u16::from_le_bytes([b[23], b[24]]),
            electrode_id: u16::from_le_bytes([b[25], b[26]]),
            first_gain: if layout.n_channels > 0 {
                f32::from_le_bytes(b.get(g..g + 4)?.try_into().ok()?)
            } else {
                f32::NAN
            },
            recording: u16::from_le_bytes([b[n - 2], b[n - 1]]),
        })
    }
}

/// What kind of signal a `.continuous` file holds, from its channel name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelKind {
    /// Headstage channels (`CH1`), and bare numbers (`17`, written by GUI 0.5.x).
    Ch,
    /// Any other prefix (`AUX`, `ADC`, ...), upper-cased.
    Other(String),
}

impl ChannelKind {
    /// The stream id neo uses: `"CH"`, `"AUX"`, `"ADC"`...
    pub fn id(&self) -> &str {
        match self {
            ChannelKind::Ch => "CH",
            ChannelKind::Other(p) => p,
        }
    }
}

/// The parts of a `.continuous` file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuousName {
    /// Processor id (`100`).
    pub processor: String,
    /// Source / stream name of GUI 0.6 names (`example-data`), if any.
    pub source: Option<String>,
    /// The channel token as written (`CH1`, `AUX3`, `17`).
    pub channel: String,
    /// The kind from the token's prefix.
    pub kind: ChannelKind,
    /// The number after the prefix.
    pub number: u64,
    /// The file's 1-based start number (`_2` → 2; none → 1).
    pub start: u64,
}

/// Splits `prefix` letters from a trailing number: `"CH12"` → `("CH", 12)`.
fn split_channel_token(token: &str) -> Option<(&str, u64)> {
    let digits = token.len() - token.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let (prefix, num) = token.split_at(token.len() - digits);
    if prefix.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((prefix, num.parse().ok()?))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the stem of a `.continuous` file name of any GUI generation: `100_CH1`,
/// `100_CH1_2`, `100_example-data_CH1`, `100_example-data_CH1_2`, `106_17`, `106_17_2`.
/// A trailing `_N` is a start number only when the token before it is itself a channel token
/// (ends with a digit), so `106_17` is channel 17, not start 17 (neo reads it as a start).
pub fn parse_continuous_name(stem: &str) -> Option<ContinuousName> {
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 2 || !all_digits(parts[0]) {
        return None;
    }
    let last = *parts.last()?;
    let before_last = parts[parts.len() - 2];
    let (rest, start) = if parts.len() >= 3
        && all_digits(last)
        && before_last.ends_with(|c: char| c.is_ascii_digit())
    {
        (&parts[1..parts.len() - 1], last.parse().ok()?)
    } else {
        (&parts[1..], 1u64)
    };
    let channel = *rest.last()?;
    let (prefix, number) = split_channel_token(channel)?;
    let kind = match prefix.to_ascii_uppercase().as_str() {
        "CH" | "" => ChannelKind::Ch,
        p => ChannelKind::Other(p.to_owned()),
    };
    let source = (rest.len() > 1).then(|| rest[..rest.len() - 1].join("_"));
    Some(ContinuousName {
        processor: parts[0].to_owned(),
        source,
        channel: channel.to_owned(),
        kind,
        number,
        start: start.max(1),
    })
}

/// Splits a trailing `_N` start number from a `.spikes` / `.events` stem:
/// `STp106.0n0_2` → (`STp106.0n0`, 2); `Stereotrode1_example-data` → (itself, 1).
pub fn split_start_suffix(stem: &str) -> (&str, u64) {
    if let Some((base, n)) = stem.rsplit_once('_')
        && all_digits(n)
        && !base.is_empty()
        && let Ok(v) = n.parse::<u64>()
        && v >= 1
    {
        return (base, v);
    }
    (stem, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Vec<u8> {
        let mut b = text.as_bytes().to_vec();
        b.resize(1024, b' ');
        b
    }

    #[test]
    fn header_fields() {
        let h = LegacyHeader::parse(&header(
            "header.format = 'Open Ephys Data Format'; \nheader.version = 0.6; \n\
             header.header_bytes = 1024;\nheader.channel = 'CH1';\n;\nheader.sampleRate = 40000;\n\
             header.bitVolts = 0.05;\n",
        ));
        assert_eq!(h.get("format"), Some("Open Ephys Data Format"));
        assert_eq!(h.fields["channel"], "'CH1'");
        assert_eq!(h.get("channel"), Some("CH1"));
        assert_eq!(h.sample_rate(), Some(40000.0));
        assert_eq!(h.bit_volts(), Some(0.05));
        assert_eq!(h.float("version"), Some(0.6));
        let text_len = 170;
        assert_eq!(h.text_end, text_len);
        // a GUI 0.6 event header: an empty item where sampleRate would be
        let h = LegacyHeader::parse(&header("header.channelType = 'Event';\n;\nheader.x = 1;"));
        assert_eq!(h.sample_rate(), None);
        // garbage never fails
        assert_eq!(LegacyHeader::parse(&[0xff; 2000]).fields.len(), 0);
        assert_eq!(LegacyHeader::parse(b"").text_end, 0);
        let h = LegacyHeader::parse(b"header.sampleRate = nan;header.bitVolts = x;");
        assert_eq!((h.sample_rate(), h.bit_volts()), (None, None));
    }

    fn record(ts: i64, n: u16, rec: u16, first: i16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&ts.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&rec.to_le_bytes());
        for i in 0..1024i16 {
            b.extend_from_slice(&(first.wrapping_add(i)).to_be_bytes());
        }
        b.extend_from_slice(&RECORD_MARKER);
        b
    }

    #[test]
    fn continuous_records() {
        let r = record(251_635, 1024, 3, -5);
        assert_eq!(r.len(), 2070);
        assert_eq!(
            ContinuousRecord::parse(&r),
            Some(ContinuousRecord {
                timestamp: 251_635,
                n_samples: 1024,
                recording: 3
            })
        );
        let mut out = [0i16; 6];
        decode_samples(&r, 1022, 5, &mut out, 1, 2);
        assert_eq!(out, [0, 1017, 0, 1018, 0, 0]);
        let mut out = [9i16; 3];
        decode_samples(&r, 0, 2, &mut out, 0, 1);
        assert_eq!(out, [-5, -4, 9]);
        let mut bad = r.clone();
        bad[2069] = 254;
        assert_eq!(ContinuousRecord::parse(&bad), None);
        assert_eq!(ContinuousRecord::parse(&record(0, 512, 0, 0)), None);
        assert_eq!(ContinuousRecord::parse(&r[..2069]), None);
        decode_samples(&r[..100], 0, 1024, &mut out, 0, 1);
    }

    #[test]
    fn event_records() {
        let b = [0xF3, 0xD6, 3, 0, 0, 0, 0, 0, 7, 0, 3, 108, 1, 2, 0, 0, 0xff];
        let e = EventRecord::parse(&b).unwrap();
        assert_eq!(e.timestamp, 251_635);
        assert_eq!(
            (
                e.sample_position,
                e.event_type,
                e.processor_id,
                e.event_id,
                e.channel
            ),
            (7, 3, 108, 1, 2)
        );
        assert_eq!(e.label(), "3#108#2");
        assert_eq!(EventRecord::parse(&b[..15]), None);
    }

    #[test]
    fn spike_records() {
        let layout = SpikeLayout {
            n_channels: 2,
            n_samples: 40,
        };
        assert_eq!(layout.record_bytes(), 216);
        let mut b = vec![0u8; 216];
        b[0] = 2;
        b[1..9].copy_from_slice(&212_313i64.to_le_bytes());
        b[19..21].copy_from_slice(&2u16.to_le_bytes());
        b[21..23].copy_from_slice(&40u16.to_le_bytes());
        b[23..25].copy_from_slice(&3u16.to_le_bytes());
        b[202..206].copy_from_slice(&20000f32.to_le_bytes());
        b[214..216].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(SpikeLayout::of_record(&b), Some(layout));
        let r = SpikeRecord::parse(&b, layout).unwrap();
        assert_eq!(
            (r.timestamp, r.sorted_id, r.first_gain, r.recording),
            (212_313, 3, 20000.0, 1)
        );
        assert!(SpikeRecord::parse(&b[..215], layout).is_none());
        let other = SpikeLayout {
            n_channels: 4,
            n_samples: 40,
        };
        assert!(SpikeRecord::parse(&b, other).is_none());
        assert_eq!(
            SpikeLayout {
                n_channels: u16::MAX,
                n_samples: u16::MAX
            }
            .record_bytes(),
            44 + 2 * 65535 * 65535 + 6 * 65535
        );
    }

    #[test]
    fn continuous_names_of_every_generation() {
        let n = parse_continuous_name("100_CH1").unwrap();
        assert_eq!(
            (
                n.processor.as_str(),
                n.source,
                n.kind.id(),
                n.number,
                n.start
            ),
            ("100", None, "CH", 1, 1)
        );
        let n = parse_continuous_name("100_CH12_2").unwrap();
        assert_eq!((n.channel.as_str(), n.number, n.start), ("CH12", 12, 2));
        let n = parse_continuous_name("100_example-data_CH16").unwrap();
        assert_eq!(
            (n.source.as_deref(), n.channel.as_str(), n.start),
            (Some("example-data"), "CH16", 1)
        );
        let n = parse_continuous_name("100_RhythmData-A_AUX3_4").unwrap();
        assert_eq!((n.kind.id(), n.number, n.start), ("AUX", 3, 4));
        let n = parse_continuous_name("106_17").unwrap();
        assert_eq!(
            (n.kind.clone(), n.channel.as_str(), n.number, n.start),
            (ChannelKind::Ch, "17", 17, 1)
        );
        let n = parse_continuous_name("106_17_2").unwrap();
        assert_eq!((n.number, n.start), (17, 2));
        let n = parse_continuous_name("100_ADC1").unwrap();
        assert_eq!(n.kind, ChannelKind::Other("ADC".into()));
        let n = parse_continuous_name("100_example-data_17").unwrap();
        assert_eq!(
            (n.source.as_deref(), n.number, n.start),
            (Some("example-data"), 17, 1)
        );
        assert_eq!(parse_continuous_name("CH1"), None);
        assert_eq!(parse_continuous_name("abc_CH1"), None);
        assert_eq!(parse_continuous_name("100_CH"), None);
        assert_eq!(parse_continuous_name("100_C1H1"), None);
        assert_eq!(parse_continuous_name("100_CH99999999999999999999999"), None);
    }

    #[test]
    fn start_suffixes() {
        assert_eq!(split_start_suffix("STp106.0n0_2"), ("STp106.0n0", 2));
        assert_eq!(split_start_suffix("STp106.0n0"), ("STp106.0n0", 1));
        assert_eq!(
            split_start_suffix("Stereotrode1_example-data"),
            ("Stereotrode1_example-data", 1)
        );
        assert_eq!(split_start_suffix("all_channels_2"), ("all_channels", 2));
        assert_eq!(split_start_suffix("all_channels"), ("all_channels", 1));
        assert_eq!(split_start_suffix("x_0"), ("x_0", 1));
    }
}
