//! Pure parsing of the PLX headers and data block headers (no I/O).
//!
//! Layouts follow Plexon's `Plexon.h` (and neo's `plexonrawio.py` dtypes): a 7504-byte global
//! header, `NumDSPChannels` × 1020-byte spike channel headers, `NumEventChannels` × 296-byte
//! event channel headers, `NumSlowChannels` × 296-byte continuous channel headers, then data
//! blocks (16-byte header + `NumberOfWaveforms × NumberOfWordsInWaveform` int16 words) to the
//! end of the file. Everything is little-endian.

use rawio_core::{LeReader, ShortRead};

/// `"PLEX"` read as a little-endian u32.
pub const MAGIC: u32 = 0x5845_4c50;
/// Size of the global header in bytes.
pub const GLOBAL_HEADER_SIZE: u64 = 7504;
/// Size of one spike (DSP) channel header.
pub const DSP_HEADER_SIZE: u64 = 1020;
/// Size of one event channel header.
pub const EVENT_HEADER_SIZE: u64 = 296;
/// Size of one slow (continuous) channel header.
pub const SLOW_HEADER_SIZE: u64 = 296;
/// Size of a data block header.
pub const BLOCK_HEADER_SIZE: u64 = 16;
/// Oldest and newest header versions this reader accepts.
pub const VERSIONS: std::ops::RangeInclusive<i32> = 100..=107;

/// Data block type of a spike (timestamp + waveform).
pub const BLOCK_SPIKE: u16 = 1;
/// Data block type of an event (the unit field holds the strobed value).
pub const BLOCK_EVENT: u16 = 4;
/// Data block type of continuous ("slow") samples.
pub const BLOCK_SLOW: u16 = 5;

/// The PLX global header (fields that exist in every version are always filled; the
/// version-dependent ones are read as stored and only used for the versions that define them).
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalHeader {
    /// Magic number (`MAGIC`).
    pub magic: u32,
    /// Header version (100–107).
    pub version: i32,
    /// Free comment.
    pub comment: String,
    /// Timestamp clock in Hz.
    pub ad_frequency: i32,
    /// Number of spike channel headers.
    pub num_dsp_channels: i32,
    /// Number of event channel headers.
    pub num_event_channels: i32,
    /// Number of slow channel headers.
    pub num_slow_channels: i32,
    /// Points per waveform.
    pub num_points_wave: i32,
    /// Points before the threshold crossing.
    pub num_points_pre_thr: i32,
    /// Recording date and time: year, month, day, hour, minute, second.
    pub datetime: [i32; 6],
    /// Reserved.
    pub fast_read: i32,
    /// Waveform sampling rate in Hz.
    pub waveform_freq: i32,
    /// Last timestamp (ticks), as the writer recorded it.
    pub last_timestamp: f64,
    /// Channels per trode (v ≥ 103).
    pub trodalness: u8,
    /// Channels per trode in the data (v ≥ 103).
    pub data_trodalness: u8,
    /// ADC bits of spike samples (v ≥ 103).
    pub bits_per_spike_sample: u8,
    /// ADC bits of slow samples (v ≥ 103).
    pub bits_per_slow_sample: u8,
    /// Spike input range in mV (v ≥ 103).
    pub spike_max_magnitude_mv: u16,
    /// Slow input range in mV (v ≥ 103).
    pub slow_max_magnitude_mv: u16,
    /// Spike preamp gain (v ≥ 105).
    pub spike_pre_amp_gain: u16,
    /// Acquiring software (v ≥ 106).
    pub acquiring_software: String,
    /// Processing software (v ≥ 106).
    pub processing_software: String,
    /// Spike counts per channel (0..130) and unit (0..5).
    pub ts_counts: Vec<i32>,
    /// Waveform counts per channel (0..130) and unit (0..5).
    pub wf_counts: Vec<i32>,
    /// Event counts per event channel (0..300) and sample counts per slow channel (300 + ch).
    pub ev_counts: Vec<i32>,
}

fn i32_array(r: &mut LeReader<'_>, n: usize) -> Result<Vec<i32>, ShortRead> {
    (0..n).map(|_| r.i32()).collect()
}

impl GlobalHeader {
    /// Parses the 7504-byte global header at file offset 0.
    pub fn parse(bytes: &[u8]) -> Result<Self, ShortRead> {
        let mut r = LeReader::new(bytes, 0);
        let magic = r.u32()?;
        let version = r.i32()?;
        let comment = r.fixed_str(128)?;
        let ad_frequency = r.i32()?;
        let num_dsp_channels = r.i32()?;
        let num_event_channels = r.i32()?;
        let num_slow_channels = r.i32()?;
        let num_points_wave = r.i32()?;
        let num_points_pre_thr = r.i32()?;
        let mut datetime = [0i32; 6];
        for v in &mut datetime {
            *v = r.i32()?;
        }
        let fast_read = r.i32()?;
        let waveform_freq = r.i32()?;
        let last_timestamp = r.f64()?;
        let trodalness = r.u8()?;
        let data_trodalness = r.u8()?;
        let bits_per_spike_sample = r.u8()?;
        let bits_per_slow_sample = r.u8()?;
        let spike_max_magnitude_mv = r.u16()?;
        let slow_max_magnitude_mv = r.u16()?;
        let spike_pre_amp_gain = r.u16()?;
        let acquiring_software = r.fixed_str(18)?;
        let processing_software = r.fixed_str(18)?;
        r.skip(10)?;
        let ts_counts = i32_array(&mut r, 650)?;
        let wf_counts = i32_array(&mut r, 650)?;
        let ev_counts = i32_array(&mut r, 512)?;
        Ok(GlobalHeader {
            magic,
            version,
            comment,
            ad_frequency,
            num_dsp_channels,
            num_event_channels,
            num_slow_channels,
            num_points_wave,
            num_points_pre_thr,
            datetime,
            fast_read,
            waveform_freq,
            last_timestamp,
            trodalness,
            data_trodalness,
            bits_per_spike_sample,
            bits_per_slow_sample,
            spike_max_magnitude_mv,
            slow_max_magnitude_mv,
            spike_pre_amp_gain,
            acquiring_software,
            processing_software,
            ts_counts,
            wf_counts,
            ev_counts,
        })
    }

    /// The recording date as ISO 8601 (`YYYY-MM-DDTHH:MM:SS`), as stored (not validated).
    pub fn rec_datetime(&self) -> String {
        let [y, mo, d, h, mi, s] = self.datetime;
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
    }

    /// `TSCounts[channel][unit]` for channel < 130 and unit < 5.
    pub fn ts_count(&self, channel: usize, unit: usize) -> Option<i32> {
        (unit < 5).then(|| self.ts_counts.get(channel * 5 + unit).copied())?
    }

    /// `WFCounts[channel][unit]` for channel < 130 and unit < 5.
    pub fn wf_count(&self, channel: usize, unit: usize) -> Option<i32> {
        (unit < 5).then(|| self.wf_counts.get(channel * 5 + unit).copied())?
    }

    /// Gain of the waveforms of a spike channel with DSP gain `dsp_gain`, with neo's
    /// per-version formulas (mV per bit).
    pub fn wf_gain(&self, dsp_gain: i32) -> f64 {
        let g = f64::from(dsp_gain);
        if self.version < 103 {
            3000.0 / (2048.0 * g * 1000.0)
        } else if self.version < 105 {
            f64::from(self.spike_max_magnitude_mv)
                / (0.5 * 2f64.powi(i32::from(self.bits_per_spike_sample)) * g * 1000.0)
        } else {
            f64::from(self.spike_max_magnitude_mv)
                / (0.5
                    * 2f64.powi(i32::from(self.bits_per_spike_sample))
                    * g
                    * f64::from(self.spike_pre_amp_gain))
        }
    }

    /// Gain of a slow channel (mV per bit). For versions ≥ 103 this uses
    /// `BitsPerSlowSample`, as Plexon's SDK does (neo 0.14.6 uses `BitsPerSpikeSample`, see
    /// [`GlobalHeader::slow_gain_neo`]).
    pub fn slow_gain(&self, gain: i32, preamp_gain: i32) -> f64 {
        self.slow_gain_with_bits(gain, preamp_gain, self.bits_per_slow_sample)
    }

    /// neo 0.14.6's slow-channel gain (uses `BitsPerSpikeSample` for versions ≥ 103).
    pub fn slow_gain_neo(&self, gain: i32, preamp_gain: i32) -> f64 {
        self.slow_gain_with_bits(gain, preamp_gain, self.bits_per_spike_sample)
    }

    fn slow_gain_with_bits(&self, gain: i32, preamp_gain: i32, bits: u8) -> f64 {
        let (g, p) = (f64::from(gain), f64::from(preamp_gain));
        match self.version {
            ..=101 => 5000.0 / (2048.0 * g * 1000.0),
            102 => 5000.0 / (2048.0 * g * p),
            _ => f64::from(self.slow_max_magnitude_mv) / (0.5 * 2f64.powi(i32::from(bits)) * g * p),
        }
    }
}

/// A spike (DSP) channel header.
#[derive(Debug, Clone, PartialEq)]
pub struct DspHeader {
    /// Channel name.
    pub name: String,
    /// Name of the signal the channel is attached to.
    pub sig_name: String,
    /// Channel number (1-based in Plexon files), matched against data blocks.
    pub channel: i32,
    /// Waveform rate (unused by Plexon).
    pub wf_rate: i32,
    /// Signal number.
    pub sig: i32,
    /// Reference channel.
    pub reference: i32,
    /// Gain.
    pub gain: i32,
    /// Filter on/off.
    pub filter: i32,
    /// Threshold (in raw units).
    pub threshold: i32,
    /// Sorting method.
    pub method: i32,
    /// Number of sorted units.
    pub n_units: i32,
    /// Comment (v ≥ 105).
    pub comment: String,
    /// Source id (v ≥ 106).
    pub src_id: u8,
    /// Channel id within the source (v ≥ 106).
    pub chan_id: u16,
}

impl DspHeader {
    /// Parses one 1020-byte header whose first byte is at file offset `base`.
    pub fn parse(bytes: &[u8], base: u64) -> Result<Self, ShortRead> {
        let mut r = LeReader::new(bytes, base);
        let name = r.fixed_str(32)?;
        let sig_name = r.fixed_str(32)?;
        let channel = r.i32()?;
        let wf_rate = r.i32()?;
        let sig = r.i32()?;
        let reference = r.i32()?;
        let gain = r.i32()?;
        let filter = r.i32()?;
        let threshold = r.i32()?;
        let method = r.i32()?;
        let n_units = r.i32()?;
        r.skip(640 + 20 + 4 + 80 + 4)?; // Template, Fit, SortWidth, Boxes, SortBeg
        let comment = r.fixed_str(128)?;
        let src_id = r.u8()?;
        r.skip(1)?;
        let chan_id = r.u16()?;
        r.skip(40)?;
        Ok(DspHeader {
            name,
            sig_name,
            channel,
            wf_rate,
            sig,
            reference,
            gain,
            filter,
            threshold,
            method,
            n_units,
            comment,
            src_id,
            chan_id,
        })
    }
}

/// An event channel header.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHeader {
    /// Channel name.
    pub name: String,
    /// Channel number, matched against data blocks.
    pub channel: i32,
    /// Comment.
    pub comment: String,
    /// Source id (v ≥ 106).
    pub src_id: u8,
    /// Channel id within the source (v ≥ 106).
    pub chan_id: u16,
}

impl EventHeader {
    /// Parses one 296-byte header whose first byte is at file offset `base`.
    pub fn parse(bytes: &[u8], base: u64) -> Result<Self, ShortRead> {
        let mut r = LeReader::new(bytes, base);
        let name = r.fixed_str(32)?;
        let channel = r.i32()?;
        let comment = r.fixed_str(128)?;
        let src_id = r.u8()?;
        r.skip(1)?;
        let chan_id = r.u16()?;
        r.skip(128)?;
        Ok(EventHeader {
            name,
            channel,
            comment,
            src_id,
            chan_id,
        })
    }
}

/// A slow (continuous) channel header.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowHeader {
    /// Channel name (its non-digit prefix selects the stream).
    pub name: String,
    /// Channel number (0-based in Plexon files), matched against data blocks.
    pub channel: i32,
    /// Sampling rate in Hz.
    pub ad_freq: i32,
    /// Gain.
    pub gain: i32,
    /// Whether the channel was enabled.
    pub enabled: i32,
    /// Preamp gain.
    pub preamp_gain: i32,
    /// Spike channel this continuous channel belongs to (v ≥ 104).
    pub spike_channel: i32,
    /// Comment (v ≥ 105).
    pub comment: String,
    /// Source id (v ≥ 106).
    pub src_id: u8,
    /// Channel id within the source (v ≥ 106).
    pub chan_id: u16,
}

impl SlowHeader {
    /// Parses one 296-byte header whose first byte is at file offset `base`.
    pub fn parse(bytes: &[u8], base: u64) -> Result<Self, ShortRead> {
        let mut r = LeReader::new(bytes, base);
        let name = r.fixed_str(32)?;
        let channel = r.i32()?;
        let ad_freq = r.i32()?;
        let gain = r.i32()?;
        let enabled = r.i32()?;
        let preamp_gain = r.i32()?;
        let spike_channel = r.i32()?;
        let comment = r.fixed_str(128)?;
        let src_id = r.u8()?;
        r.skip(1)?;
        let chan_id = r.u16()?;
        r.skip(108)?;
        Ok(SlowHeader {
            name,
            channel,
            ad_freq,
            gain,
            enabled,
            preamp_gain,
            spike_channel,
            comment,
            src_id,
            chan_id,
        })
    }
}

/// A 16-byte data block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHeader {
    /// 1 = spike, 4 = event, 5 = slow.
    pub kind: u16,
    /// Timestamp in ticks of `ADFrequency`: `upper · 2³² + lower`.
    pub timestamp: u64,
    /// Channel number.
    pub channel: u16,
    /// Unit (spikes) or strobed value (events).
    pub unit: u16,
    /// Number of waveforms.
    pub n_waveforms: u16,
    /// Words per waveform.
    pub n_words: u16,
}

impl BlockHeader {
    /// Decodes a block header from exactly 16 bytes.
    #[inline]
    pub fn decode(b: &[u8; 16]) -> Self {
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let upper = u64::from(u16_at(2));
        let lower = u64::from(u32::from_le_bytes([b[4], b[5], b[6], b[7]]));
        BlockHeader {
            kind: u16_at(0),
            timestamp: (upper << 32) | lower,
            channel: u16_at(8),
            unit: u16_at(10),
            n_waveforms: u16_at(12),
            n_words: u16_at(14),
        }
    }

    /// Number of int16 words after the header.
    #[inline]
    pub fn n_samples(&self) -> u64 {
        u64::from(self.n_waveforms) * u64::from(self.n_words)
    }

    /// Bytes of the whole block (header included).
    #[inline]
    pub fn len(&self) -> u64 {
        BLOCK_HEADER_SIZE + 2 * self.n_samples()
    }

    /// Whether the block has no payload.
    pub fn is_empty(&self) -> bool {
        self.n_samples() == 0
    }
}

/// Every header of a PLX file: the global header and the channel headers, with where they
/// are in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileHeaders {
    /// The global header.
    pub global: GlobalHeader,
    /// Spike (DSP) channel headers, in file order.
    pub dsps: Vec<DspHeader>,
    /// Event channel headers, in file order.
    pub events: Vec<EventHeader>,
    /// Slow channel headers, in file order.
    pub slows: Vec<SlowHeader>,
    /// File offset of the first slow channel header.
    pub slow_start: u64,
    /// File offset of the first data block (after the last channel header).
    pub data_start: u64,
}

/// Why the headers of a file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// The file is shorter than the global header.
    TooShort {
        /// File size.
        len: u64,
    },
    /// The magic number is not `MAGIC`.
    BadMagic(u32),
    /// A header version outside [`VERSIONS`].
    UnsupportedVersion(i32),
    /// A negative channel count.
    NegativeCount {
        /// Offset of the count in the global header.
        offset: u64,
        /// `"spike channel"`, `"event channel"` or `"slow channel"`.
        what: &'static str,
        /// The count.
        count: i32,
    },
    /// The channel headers the counts declare end after the end of the file.
    HeadersPastEnd {
        /// Spike, event and slow channel counts.
        counts: [u64; 3],
        /// Bytes the headers need.
        needed: u64,
        /// File size.
        len: u64,
    },
    /// A header ends early.
    Short(ShortRead),
}

impl HeaderError {
    /// The file offset of the problem.
    pub fn offset(&self) -> u64 {
        match self {
            HeaderError::TooShort { len } | HeaderError::HeadersPastEnd { len, .. } => *len,
            HeaderError::BadMagic(_) | HeaderError::UnsupportedVersion(_) => 0,
            HeaderError::NegativeCount { offset, .. } => *offset,
            HeaderError::Short(e) => e.offset,
        }
    }
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::TooShort { len } => write!(
                f,
                "the file has {len} bytes, less than the {GLOBAL_HEADER_SIZE}-byte global header"
            ),
            HeaderError::BadMagic(m) => {
                write!(f, "magic number {m:#010x} is not 0x58454c50 (\"PLEX\")")
            }
            HeaderError::UnsupportedVersion(v) => {
                write!(f, "PLX header version {v} (supported: 100 to 107)")
            }
            HeaderError::NegativeCount { what, count, .. } => {
                write!(f, "negative {what} count {count}")
            }
            HeaderError::HeadersPastEnd {
                counts: [d, e, s],
                needed,
                len,
            } => write!(
                f,
                "{d} spike, {e} event and {s} slow channel headers need {needed} bytes but the \
                 file has {len}"
            ),
            HeaderError::Short(e) => {
                write!(f, "header ends early (needed {} more bytes)", e.needed)
            }
        }
    }
}

impl std::error::Error for HeaderError {}

impl From<ShortRead> for HeaderError {
    fn from(e: ShortRead) -> Self {
        HeaderError::Short(e)
    }
}

/// Parses `n` headers of `size` bytes from file offset `start` with `parse`.
fn parse_each<T>(
    bytes: &[u8],
    start: u64,
    n: u64,
    size: u64,
    parse: fn(&[u8], u64) -> Result<T, ShortRead>,
) -> Result<Vec<T>, HeaderError> {
    (0..n)
        .map(|i| {
            let off = start + i * size;
            let slice = usize::try_from(off)
                .ok()
                .zip(usize::try_from(off + size).ok())
                .and_then(|(a, b)| bytes.get(a..b))
                .unwrap_or(&[]);
            parse(slice, off).map_err(HeaderError::Short)
        })
        .collect()
}

impl FileHeaders {
    /// Parses the global header and every channel header of a file (`bytes` is the whole
    /// file): checks the size, the magic number, the version and that the declared channel
    /// headers fit in the file before reading them.
    pub fn parse(bytes: &[u8]) -> Result<FileHeaders, HeaderError> {
        let len = bytes.len() as u64;
        if len < GLOBAL_HEADER_SIZE {
            return Err(HeaderError::TooShort { len });
        }
        let global = GlobalHeader::parse(bytes)?;
        if global.magic != MAGIC {
            return Err(HeaderError::BadMagic(global.magic));
        }
        if !VERSIONS.contains(&global.version) {
            return Err(HeaderError::UnsupportedVersion(global.version));
        }
        let count = |count: i32, offset: u64, what: &'static str| {
            u64::try_from(count).map_err(|_| HeaderError::NegativeCount {
                offset,
                what,
                count,
            })
        };
        let n_dsp = count(global.num_dsp_channels, 140, "spike channel")?;
        let n_ev = count(global.num_event_channels, 144, "event channel")?;
        let n_slow = count(global.num_slow_channels, 148, "slow channel")?;
        let dsp_start = GLOBAL_HEADER_SIZE;
        let ev_start = dsp_start + n_dsp * DSP_HEADER_SIZE;
        let slow_start = ev_start + n_ev * EVENT_HEADER_SIZE;
        let data_start = slow_start + n_slow * SLOW_HEADER_SIZE;
        if data_start > len {
            return Err(HeaderError::HeadersPastEnd {
                counts: [n_dsp, n_ev, n_slow],
                needed: data_start,
                len,
            });
        }
        Ok(FileHeaders {
            dsps: parse_each(bytes, dsp_start, n_dsp, DSP_HEADER_SIZE, DspHeader::parse)?,
            events: parse_each(bytes, ev_start, n_ev, EVENT_HEADER_SIZE, EventHeader::parse)?,
            slows: parse_each(
                bytes,
                slow_start,
                n_slow,
                SLOW_HEADER_SIZE,
                SlowHeader::parse,
            )?,
            global,
            slow_start,
            data_start,
        })
    }

    /// File offset of slow channel header `i`.
    pub fn slow_header_offset(&self, i: usize) -> u64 {
        self.slow_start + i as u64 * SLOW_HEADER_SIZE
    }
}

/// The stream id of a slow channel: the non-digit prefix of its name (neo's `^\D+`), or
/// `"unnamed"` when the name starts with a digit or is empty (neo fails on those).
pub fn stream_id_of(name: &str) -> String {
    let prefix: String = name.chars().take_while(|c| !c.is_ascii_digit()).collect();
    if prefix.is_empty() {
        "unnamed".to_owned()
    } else {
        prefix
    }
}

/// The stream name for a stream id, as neo names them.
pub fn stream_name_of(id: &str) -> String {
    match id {
        "WB" => "WB-Wideband",
        "FP" => "FPl-Low Pass Filtered",
        "SP" => "SPKC-High Pass Filtered",
        "AI" => "AI-Auxiliary Input",
        "AIF" => "AIF-Auxiliary Input Filtered",
        other => other,
    }
    .to_owned()
}

/// Typed headers for unit tests of the later steps.
#[cfg(test)]
pub(crate) mod test_headers {
    use super::*;

    /// A version-106 global header with clock `ad_frequency` and zero counts.
    pub(crate) fn global(ad_frequency: i32, last_timestamp: f64) -> GlobalHeader {
        GlobalHeader {
            magic: MAGIC,
            version: 106,
            comment: String::new(),
            ad_frequency,
            num_dsp_channels: 0,
            num_event_channels: 0,
            num_slow_channels: 0,
            num_points_wave: 0,
            num_points_pre_thr: 0,
            datetime: [2024, 1, 2, 3, 4, 5],
            fast_read: 0,
            waveform_freq: 30000,
            last_timestamp,
            trodalness: 1,
            data_trodalness: 1,
            bits_per_spike_sample: 12,
            bits_per_slow_sample: 12,
            spike_max_magnitude_mv: 3000,
            slow_max_magnitude_mv: 5000,
            spike_pre_amp_gain: 1000,
            acquiring_software: String::new(),
            processing_software: String::new(),
            ts_counts: vec![0; 650],
            wf_counts: vec![0; 650],
            ev_counts: vec![0; 512],
        }
    }

    /// A slow channel header.
    pub(crate) fn slow(name: &str, channel: i32, ad_freq: i32) -> SlowHeader {
        SlowHeader {
            name: name.into(),
            channel,
            ad_freq,
            gain: 1,
            enabled: 1,
            preamp_gain: 1000,
            spike_channel: 0,
            comment: String::new(),
            src_id: 0,
            chan_id: 0,
        }
    }

    /// A DSP channel header.
    pub(crate) fn dsp(name: &str, channel: i32) -> DspHeader {
        DspHeader {
            name: name.into(),
            sig_name: String::new(),
            channel,
            wf_rate: 0,
            sig: 0,
            reference: 0,
            gain: 2,
            filter: 0,
            threshold: 0,
            method: 0,
            n_units: 0,
            comment: String::new(),
            src_id: 0,
            chan_id: 0,
        }
    }

    /// An event channel header.
    pub(crate) fn event(name: &str, channel: i32) -> EventHeader {
        EventHeader {
            name: name.into(),
            channel,
            comment: String::new(),
            src_id: 0,
            chan_id: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(version: i32) -> Vec<u8> {
        let mut b = vec![0u8; GLOBAL_HEADER_SIZE as usize];
        b[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        b[4..8].copy_from_slice(&version.to_le_bytes());
        b[8..12].copy_from_slice(b"hey\0");
        b[136..140].copy_from_slice(&40000i32.to_le_bytes());
        b[140..144].copy_from_slice(&3i32.to_le_bytes());
        b[160..164].copy_from_slice(&2024i32.to_le_bytes());
        b[164..168].copy_from_slice(&5i32.to_le_bytes());
        b[188..192].copy_from_slice(&30000i32.to_le_bytes());
        b[192..200].copy_from_slice(&123.0f64.to_le_bytes());
        b[202] = 12; // BitsPerSpikeSample
        b[203] = 16; // BitsPerSlowSample
        b[204..206].copy_from_slice(&3000u16.to_le_bytes());
        b[206..208].copy_from_slice(&5000u16.to_le_bytes());
        b[208..210].copy_from_slice(&1000u16.to_le_bytes());
        b[210..214].copy_from_slice(b"Omni");
        // TSCounts[2][1] = 7, WFCounts[2][1] = 6, EVCounts[301] = 99
        b[256 + 4 * 11..256 + 4 * 12].copy_from_slice(&7i32.to_le_bytes());
        b[2856 + 4 * 11..2856 + 4 * 12].copy_from_slice(&6i32.to_le_bytes());
        b[5456 + 4 * 301..5456 + 4 * 302].copy_from_slice(&99i32.to_le_bytes());
        b
    }

    #[test]
    fn global_header_fields_and_offsets() {
        let h = GlobalHeader::parse(&global(106)).unwrap();
        assert_eq!(h.magic, MAGIC);
        assert_eq!(h.version, 106);
        assert_eq!(h.comment, "hey");
        assert_eq!(h.ad_frequency, 40000);
        assert_eq!(h.num_dsp_channels, 3);
        assert_eq!(h.datetime[0..2], [2024, 5]);
        assert_eq!(h.waveform_freq, 30000);
        assert_eq!(h.last_timestamp, 123.0);
        assert_eq!((h.bits_per_spike_sample, h.bits_per_slow_sample), (12, 16));
        assert_eq!(h.spike_pre_amp_gain, 1000);
        assert_eq!(h.acquiring_software, "Omni");
        assert_eq!(h.ts_count(2, 1), Some(7));
        assert_eq!(h.wf_count(2, 1), Some(6));
        assert_eq!(h.ts_count(2, 5), None);
        assert_eq!(h.ts_count(130, 0), None);
        assert_eq!(h.ev_counts[301], 99);
        assert!(GlobalHeader::parse(&global(106)[..7000]).is_err());
    }

    #[test]
    fn gains_by_version() {
        let mut h = GlobalHeader::parse(&global(106)).unwrap();
        // v106: SpikeMaxMagnitudeMV / (0.5 * 2^bits * Gain * SpikePreAmpGain)
        assert_eq!(h.wf_gain(2), 3000.0 / (0.5 * 4096.0 * 2.0 * 1000.0));
        // slow: SlowMaxMagnitudeMV / (0.5 * 2^BitsPerSlowSample * Gain * PreampGain)
        assert_eq!(h.slow_gain(2, 10), 5000.0 / (0.5 * 65536.0 * 2.0 * 10.0));
        assert_eq!(h.slow_gain_neo(2, 10), 5000.0 / (0.5 * 4096.0 * 2.0 * 10.0));
        h.version = 104;
        assert_eq!(h.wf_gain(2), 3000.0 / (0.5 * 4096.0 * 2.0 * 1000.0));
        h.version = 102;
        assert_eq!(h.wf_gain(2), 3000.0 / (2048.0 * 2.0 * 1000.0));
        assert_eq!(h.slow_gain(2, 10), 5000.0 / (2048.0 * 2.0 * 10.0));
        h.version = 100;
        assert_eq!(h.slow_gain(2, 10), 5000.0 / (2048.0 * 2.0 * 1000.0));
        assert!(!h.slow_gain(0, 10).is_finite());
    }

    #[test]
    fn channel_headers() {
        let mut d = vec![0u8; DSP_HEADER_SIZE as usize];
        d[0..5].copy_from_slice(b"sig01");
        d[64..68].copy_from_slice(&7i32.to_le_bytes());
        d[80..84].copy_from_slice(&32i32.to_le_bytes());
        d[848..852].copy_from_slice(b"note");
        d[976] = 3;
        d[978..980].copy_from_slice(&9u16.to_le_bytes());
        let h = DspHeader::parse(&d, 7504).unwrap();
        assert_eq!((h.name.as_str(), h.channel, h.gain), ("sig01", 7, 32));
        assert_eq!((h.comment.as_str(), h.src_id, h.chan_id), ("note", 3, 9));
        assert_eq!(
            DspHeader::parse(&d[..1000], 7504).unwrap_err().offset,
            7504 + 980
        );

        let mut e = vec![0u8; EVENT_HEADER_SIZE as usize];
        e[0..7].copy_from_slice(b"Strobed");
        e[32..36].copy_from_slice(&257i32.to_le_bytes());
        e[166..168].copy_from_slice(&4u16.to_le_bytes());
        let h = EventHeader::parse(&e, 0).unwrap();
        assert_eq!((h.name.as_str(), h.channel, h.chan_id), ("Strobed", 257, 4));

        let mut s = vec![0u8; SLOW_HEADER_SIZE as usize];
        s[0..4].copy_from_slice(b"FP01");
        for (i, v) in [3i32, 1000, 5, 1, 1000, 2].iter().enumerate() {
            s[32 + 4 * i..36 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        s[184] = 1;
        let h = SlowHeader::parse(&s, 0).unwrap();
        assert_eq!(
            (h.channel, h.ad_freq, h.gain, h.enabled, h.preamp_gain),
            (3, 1000, 5, 1, 1000)
        );
        assert_eq!((h.spike_channel, h.src_id), (2, 1));
    }

    #[test]
    fn block_header_40_bit_timestamps() {
        let mut b = [0u8; 16];
        b[0..2].copy_from_slice(&5u16.to_le_bytes());
        b[2..4].copy_from_slice(&1u16.to_le_bytes());
        b[4..8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        b[8..10].copy_from_slice(&12u16.to_le_bytes());
        b[10..12].copy_from_slice(&3u16.to_le_bytes());
        b[12..14].copy_from_slice(&1u16.to_le_bytes());
        b[14..16].copy_from_slice(&100u16.to_le_bytes());
        let h = BlockHeader::decode(&b);
        assert_eq!(h.timestamp, (1u64 << 32) + 0xFFFF_FFF0);
        assert_eq!((h.kind, h.channel, h.unit), (5, 12, 3));
        assert_eq!(h.n_samples(), 100);
        assert_eq!(h.len(), 216);
    }

    #[test]
    fn file_headers_checked_before_use() {
        let mut f = global(106);
        f[140..144].copy_from_slice(&1i32.to_le_bytes()); // one spike channel
        f[144..148].copy_from_slice(&0i32.to_le_bytes());
        f[148..152].copy_from_slice(&2i32.to_le_bytes()); // two slow channels
        let mut dsp = vec![0u8; DSP_HEADER_SIZE as usize];
        dsp[0..4].copy_from_slice(b"sig1");
        f.extend(&dsp);
        for (i, name) in [b"FP01", b"FP02"].iter().enumerate() {
            let mut s = vec![0u8; SLOW_HEADER_SIZE as usize];
            s[0..4].copy_from_slice(*name);
            s[32..36].copy_from_slice(&(i as i32).to_le_bytes());
            f.extend(&s);
        }
        let h = FileHeaders::parse(&f).unwrap();
        assert_eq!((h.dsps.len(), h.events.len(), h.slows.len()), (1, 0, 2));
        assert_eq!(h.dsps[0].name, "sig1");
        assert_eq!((h.slows[1].name.as_str(), h.slows[1].channel), ("FP02", 1));
        assert_eq!(h.slow_start, GLOBAL_HEADER_SIZE + DSP_HEADER_SIZE);
        assert_eq!(h.data_start, f.len() as u64);
        assert_eq!(h.slow_header_offset(1), h.slow_start + SLOW_HEADER_SIZE);

        let cut = &f[..f.len() - 1];
        let e = FileHeaders::parse(cut).unwrap_err();
        assert_eq!(e.offset(), cut.len() as u64);
        assert!(e.to_string().contains("1 spike, 0 event and 2 slow"), "{e}");
        assert_eq!(
            FileHeaders::parse(&f[..100]).unwrap_err(),
            HeaderError::TooShort { len: 100 }
        );
        let mut bad = f.clone();
        bad[0] = b'X';
        assert!(matches!(
            FileHeaders::parse(&bad),
            Err(HeaderError::BadMagic(_))
        ));
        let mut bad = f.clone();
        bad[4..8].copy_from_slice(&99i32.to_le_bytes());
        assert_eq!(
            FileHeaders::parse(&bad).unwrap_err(),
            HeaderError::UnsupportedVersion(99)
        );
        let mut bad = f.clone();
        bad[144..148].copy_from_slice(&(-1i32).to_le_bytes());
        let e = FileHeaders::parse(&bad).unwrap_err();
        assert_eq!(e.offset(), 144);
        assert_eq!(e.to_string(), "negative event channel count -1");
    }

    #[test]
    fn stream_ids_like_neo() {
        assert_eq!(stream_id_of("WB01"), "WB");
        assert_eq!(stream_id_of("SPKC12"), "SPKC");
        assert_eq!(stream_id_of("AIF3"), "AIF");
        assert_eq!(stream_id_of("my_prefix7"), "my_prefix");
        assert_eq!(stream_id_of("12"), "unnamed");
        assert_eq!(stream_name_of("FP"), "FPl-Low Pass Filtered");
        assert_eq!(stream_name_of("SPKC"), "SPKC");
    }
}
