//! Pure parsing of the Neurosuite session files, without I/O: the session `.xml`, the spike
//! time (`.res.N`) and cluster (`.clu.N`) files, event files (`.evt`) and the names of a
//! session's sibling files.
//!
//! Every parser takes bytes and returns typed values or a [`ParseError`] carrying the byte
//! offset (and line, for the text files) of the problem; `reader.rs` adds the file name.

use quick_xml::events::Event;
use std::fmt;

/// A parse failure at a byte offset of the parsed buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the parsed data.
    pub offset: u64,
    /// What is wrong (mentions the 1-based line for text files).
    pub detail: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.detail)
    }
}

impl std::error::Error for ParseError {}

fn err(offset: u64, detail: impl Into<String>) -> ParseError {
    ParseError {
        offset,
        detail: detail.into(),
    }
}

/// One group of `<spikeDetection><channelGroups>` (spike group `N` is the `N`-th, 1-based).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpikeGroup {
    /// Channels of the group, in the order of the `.spk` file.
    pub channels: Vec<u64>,
    /// Samples per waveform (`nSamples`), if given.
    pub n_samples: Option<u64>,
    /// Index of the peak sample in a waveform (`peakSampleIndex`), if given.
    pub peak_sample_index: Option<i64>,
    /// Number of features per channel (`nFeatures`), if given.
    pub n_features: Option<u64>,
}

/// One channel of an anatomical group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupChannel {
    /// 0-based channel index in the binary files.
    pub channel: u64,
    /// The `skip` attribute (`true` for `skip="1"`).
    pub skip: bool,
}

/// The parts of a Neuroscope/ndManager session `.xml` that rawio uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionXml {
    /// `acquisitionSystem/nBits`.
    pub n_bits: u64,
    /// `acquisitionSystem/nChannels`.
    pub n_channels: u64,
    /// `acquisitionSystem/samplingRate` in Hz (wideband `.dat`, `.res` times).
    pub sampling_rate: f64,
    /// `acquisitionSystem/voltageRange` in volts.
    pub voltage_range: f64,
    /// `acquisitionSystem/amplification`.
    pub amplification: f64,
    /// `acquisitionSystem/offset`, if given (neo ignores it; so does rawio, see the docs).
    pub offset: Option<f64>,
    /// `fieldPotentials/lfpSamplingRate` in Hz, if given.
    pub lfp_sampling_rate: Option<f64>,
    /// `anatomicalDescription/channelGroups/group`, in document order.
    pub anatomical_groups: Vec<Vec<GroupChannel>>,
    /// `spikeDetection/channelGroups/group`, in document order.
    pub spike_groups: Vec<SpikeGroup>,
    /// `neuroscope/spikes/nSamples` (older files keep the waveform length only there).
    pub default_n_samples: Option<u64>,
    /// `neuroscope/spikes/peakSampleIndex`.
    pub default_peak_sample_index: Option<i64>,
    /// The `creator` attribute of `<parameters>` (`"ndManager-1.2.3"`...), or `""`.
    pub creator: String,
}

impl SessionXml {
    /// mV per bit, as neo: `voltageRange * 1000 / 2^nBits / amplification`.
    pub fn gain_mv(&self) -> f64 {
        let bits = i32::try_from(self.n_bits).unwrap_or(i32::MAX);
        self.voltage_range * 1000.0 / 2f64.powi(bits) / self.amplification
    }

    /// The anatomical group (0-based) and skip flag of `channel`, as neo (the last group
    /// listing a channel wins).
    pub fn channel_group(&self, channel: u64) -> Option<(usize, bool)> {
        let mut found = None;
        for (g, group) in self.anatomical_groups.iter().enumerate() {
            for c in group {
                if c.channel == channel {
                    found = Some((g, c.skip));
                }
            }
        }
        found
    }

    /// [`SessionXml::channel_group`] for every listed channel at once.
    pub fn channel_groups(&self) -> std::collections::BTreeMap<u64, (usize, bool)> {
        let mut out = std::collections::BTreeMap::new();
        for (g, group) in self.anatomical_groups.iter().enumerate() {
            for c in group {
                out.insert(c.channel, (g, c.skip));
            }
        }
        out
    }

    /// Samples per waveform of spike group `n` (1-based), falling back to
    /// `neuroscope/spikes/nSamples`.
    pub fn n_samples(&self, n: u64) -> Option<u64> {
        self.spike_group(n)
            .and_then(|g| g.n_samples)
            .or(self.default_n_samples)
    }

    /// Peak sample index of spike group `n` (1-based), with the same fallback.
    pub fn peak_sample_index(&self, n: u64) -> Option<i64> {
        self.spike_group(n)
            .and_then(|g| g.peak_sample_index)
            .or(self.default_peak_sample_index)
    }

    /// Spike group `n` (1-based).
    pub fn spike_group(&self, n: u64) -> Option<&SpikeGroup> {
        let i = usize::try_from(n.checked_sub(1)?).ok()?;
        self.spike_groups.get(i)
    }
}

/// Whether the first bytes of a file look like a Neuroscope/ndManager session xml: a
/// `<parameters` root and an `acquisitionSystem` element.
pub fn looks_like_session_xml(prefix: &[u8]) -> bool {
    contains(prefix, b"<parameters") && contains(prefix, b"acquisitionSystem")
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Parses a session `.xml`.
pub fn parse_session_xml(data: &[u8]) -> Result<SessionXml, ParseError> {
    let mut reader = quick_xml::Reader::from_reader(data);
    reader.config_mut().trim_text(true);
    let mut walk = XmlWalk::default();
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event()
            .map_err(|e| err(pos, format!("invalid XML: {e}")))?;
        match ev {
            Event::Start(e) => walk.start(&e, pos)?,
            Event::Empty(e) => walk.empty(&e, pos)?,
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| err(pos, format!("invalid text: {e}")))?;
                walk.text.push_str(&s);
            }
            Event::CData(t) => walk.text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => walk.end(pos)?,
            Event::Eof => break,
            _ => {}
        }
    }
    walk.finish()
}

/// Element paths of the xml that [`parse_session_xml`] reads.
const ANATOMICAL_GROUP: &str = "parameters/anatomicalDescription/channelGroups/group";
const ANATOMICAL_CHANNEL: &str = "parameters/anatomicalDescription/channelGroups/group/channel";
const SPIKE_GROUP: &str = "parameters/spikeDetection/channelGroups/group";

/// The required `acquisitionSystem` elements, in the order of `XmlWalk::found`.
const REQUIRED: [&str; 5] = [
    "nBits",
    "nChannels",
    "samplingRate",
    "voltageRange",
    "amplification",
];

/// The state of one pass over the xml events: the open element path, the text of the current
/// element, and the values found so far.
#[derive(Default)]
struct XmlWalk {
    path: Vec<Vec<u8>>,
    text: String,
    out: SessionXml,
    seen_root: bool,
    /// Which [`REQUIRED`] elements were found.
    found: [bool; 5],
}

impl XmlWalk {
    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>, pos: u64) -> Result<(), ParseError> {
        let name = e.local_name().as_ref().to_vec();
        if self.path.is_empty() {
            if name != b"parameters" {
                return Err(err(
                    pos,
                    format!(
                        "root element is <{}>, not <parameters>",
                        String::from_utf8_lossy(&name)
                    ),
                ));
            }
            self.seen_root = true;
            if let Ok(Some(a)) = e.try_get_attribute("creator") {
                self.out.creator = String::from_utf8_lossy(&a.value).into_owned();
            }
        }
        self.path.push(name);
        self.text.clear();
        match path_str(&self.path).as_str() {
            ANATOMICAL_GROUP => self.out.anatomical_groups.push(Vec::new()),
            SPIKE_GROUP => self.out.spike_groups.push(SpikeGroup::default()),
            ANATOMICAL_CHANNEL => {
                let skip = match e.try_get_attribute("skip") {
                    Ok(Some(a)) => a.value.as_ref().trim_ascii() == b"1",
                    _ => false,
                };
                // the channel number comes with the text; remember the flag
                if let Some(g) = self.out.anatomical_groups.last_mut() {
                    g.push(GroupChannel {
                        channel: u64::MAX,
                        skip,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn empty(&mut self, e: &quick_xml::events::BytesStart<'_>, pos: u64) -> Result<(), ParseError> {
        if self.path.is_empty() {
            return Err(err(pos, "empty root element"));
        }
        let mut full = self.path.clone();
        full.push(e.local_name().as_ref().to_vec());
        // `<group/>` still counts as a (empty) group
        match path_str(&full).as_str() {
            ANATOMICAL_GROUP => self.out.anatomical_groups.push(Vec::new()),
            SPIKE_GROUP => self.out.spike_groups.push(SpikeGroup::default()),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, at: u64) -> Result<(), ParseError> {
        let p = path_str(&self.path);
        let text = std::mem::take(&mut self.text);
        self.value(&p, text.trim(), at)?;
        self.path.pop();
        Ok(())
    }

    /// Stores the text `value` of the element at path `p` (ending at byte `at`).
    fn value(&mut self, p: &str, value: &str, at: u64) -> Result<(), ParseError> {
        let out = &mut self.out;
        if let Some(name) = p.strip_prefix("parameters/acquisitionSystem/") {
            return self.acquisition(name, value, at);
        }
        match p {
            "parameters/fieldPotentials/lfpSamplingRate" if !value.is_empty() => {
                out.lfp_sampling_rate = Some(parse_positive(value, at, "lfpSamplingRate")?);
            }
            ANATOMICAL_CHANNEL => {
                let c = parse_u64(value, at, "channel")?;
                if let Some(last) = out.anatomical_groups.last_mut().and_then(|g| g.last_mut()) {
                    last.channel = c;
                }
            }
            "parameters/spikeDetection/channelGroups/group/channels/channel" => {
                let c = parse_u64(value, at, "channel")?;
                if let Some(g) = out.spike_groups.last_mut() {
                    g.channels.push(c);
                }
            }
            "parameters/neuroscope/spikes/nSamples" if !value.is_empty() => {
                out.default_n_samples = Some(parse_u64(value, at, "nSamples")?);
            }
            "parameters/neuroscope/spikes/peakSampleIndex" if !value.is_empty() => {
                out.default_peak_sample_index = Some(parse_i64(value, at, "peakSampleIndex")?);
            }
            _ => {
                if let Some(name) = p.strip_prefix("parameters/spikeDetection/channelGroups/group/")
                    && !value.is_empty()
                    && let Some(g) = out.spike_groups.last_mut()
                {
                    spike_group_value(g, name, value, at)?;
                }
            }
        }
        Ok(())
    }

    /// An `acquisitionSystem` element.
    fn acquisition(&mut self, name: &str, value: &str, at: u64) -> Result<(), ParseError> {
        let out = &mut self.out;
        match name {
            "nBits" => out.n_bits = parse_u64(value, at, "nBits")?,
            "nChannels" => out.n_channels = parse_u64(value, at, "nChannels")?,
            "samplingRate" => out.sampling_rate = parse_positive(value, at, "samplingRate")?,
            "voltageRange" => out.voltage_range = parse_finite(value, at, "voltageRange")?,
            "amplification" => {
                let a = parse_finite(value, at, "amplification")?;
                if a == 0.0 {
                    return Err(err(at, "amplification is 0"));
                }
                out.amplification = a;
            }
            "offset" if !value.is_empty() => {
                out.offset = Some(parse_finite(value, at, "offset")?);
            }
            _ => {}
        }
        if let Some(i) = REQUIRED.iter().position(|r| *r == name) {
            self.found[i] = true;
        }
        Ok(())
    }

    fn finish(self) -> Result<SessionXml, ParseError> {
        if !self.seen_root {
            return Err(err(0, "no <parameters> element"));
        }
        for (ok, name) in self.found.iter().zip(REQUIRED) {
            if !ok {
                return Err(err(
                    0,
                    format!("missing <acquisitionSystem><{name}> element"),
                ));
            }
        }
        Ok(self.out)
    }
}

/// A non-empty element `name` of a `spikeDetection` group.
fn spike_group_value(
    g: &mut SpikeGroup,
    name: &str,
    value: &str,
    at: u64,
) -> Result<(), ParseError> {
    match name {
        "nSamples" => g.n_samples = Some(parse_u64(value, at, "nSamples")?),
        "peakSampleIndex" => g.peak_sample_index = Some(parse_i64(value, at, "peakSampleIndex")?),
        "nFeatures" => g.n_features = Some(parse_u64(value, at, "nFeatures")?),
        _ => {}
    }
    Ok(())
}

fn path_str(path: &[Vec<u8>]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    parts.join("/")
}

fn parse_u64(s: &str, at: u64, what: &str) -> Result<u64, ParseError> {
    s.parse::<u64>()
        .map_err(|_| err(at, format!("<{what}> is not a non-negative integer: {s:?}")))
}

fn parse_i64(s: &str, at: u64, what: &str) -> Result<i64, ParseError> {
    s.parse::<i64>()
        .map_err(|_| err(at, format!("<{what}> is not an integer: {s:?}")))
}

fn parse_finite(s: &str, at: u64, what: &str) -> Result<f64, ParseError> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| err(at, format!("<{what}> is not a finite number: {s:?}")))
}

fn parse_positive(s: &str, at: u64, what: &str) -> Result<f64, ParseError> {
    parse_finite(s, at, what).and_then(|v| {
        if v > 0.0 {
            Ok(v)
        } else {
            Err(err(at, format!("<{what}> must be > 0, got {s:?}")))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Text files
// ---------------------------------------------------------------------------------------------

/// 1-based line number of byte `offset` in `data`.
pub fn line_of(data: &[u8], offset: usize) -> u64 {
    let end = offset.min(data.len());
    data.get(..end)
        .map_or(0, |d| d.iter().filter(|&&b| b == b'\n').count() as u64)
        + 1
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// Parses whitespace-separated non-negative decimal integers (the body of `.res` and `.clu`
/// files): no allocation per value, one `Vec` sized from the number of lines.
pub fn parse_integers(data: &[u8]) -> Result<Vec<u64>, ParseError> {
    parse_integers_from(data, 0, usize::MAX)
}

/// [`parse_integers`] from byte `start`, stopping after `max` values.
fn parse_integers_from(data: &[u8], start: usize, max: usize) -> Result<Vec<u64>, ParseError> {
    // one value per line in practice: reserve lines + 1 (bounded by the file size)
    let capacity = if max <= 16 {
        max
    } else {
        let tail = data.get(start..).unwrap_or(&[]);
        tail.iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_add(1)
            .min(max)
    };
    let mut out = Vec::with_capacity(capacity);
    let n = data.len();
    let mut i = start;
    while i < n && out.len() < max {
        let b = data[i];
        if is_space(b) {
            i += 1;
            continue;
        }
        let start = i;
        let mut v: u64 = 0;
        while i < n {
            let d = data[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(d))) {
                Some(v) => v,
                None => {
                    return Err(err(
                        start as u64,
                        format!("line {}: integer too large", line_of(data, start)),
                    ));
                }
            };
            i += 1;
        }
        if i == start || (i < n && !is_space(data[i])) {
            let bad = i;
            let end = data[bad..]
                .iter()
                .position(|&c| is_space(c))
                .map_or(n, |p| bad + p)
                .min(start + 32);
            return Err(err(
                bad as u64,
                format!(
                    "line {}: expected a non-negative integer, found {:?}",
                    line_of(data, start),
                    String::from_utf8_lossy(&data[start..end.max(bad + 1).min(n)])
                ),
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// A parsed `.clu.N` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// The first value: the number of clusters the file declares.
    pub n_clusters: u64,
    /// One cluster id per spike.
    pub ids: Vec<u64>,
    /// Byte offset just after the last value (for error messages).
    pub end_offset: u64,
}

/// Parses a `.clu.N` file: the number of clusters, then one cluster id per spike.
pub fn parse_clu(data: &[u8]) -> Result<Clusters, ParseError> {
    let first = parse_integers_from(data, 0, 1)?;
    let Some(&n_clusters) = first.first() else {
        return Err(err(
            0,
            "empty .clu file: the first line must be the number of clusters",
        ));
    };
    // the first value ends at the first whitespace after the first digit
    let lead = data
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(data.len());
    let after = data
        .get(lead..)
        .and_then(|d| d.iter().position(|&b| is_space(b)))
        .map_or(data.len(), |p| lead + p);
    let values = parse_integers_from(data, after, usize::MAX)?;
    let end = data
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(0, |p| p + 1);
    Ok(Clusters {
        n_clusters,
        ids: values,
        end_offset: end as u64,
    })
}

/// The events of one `.evt` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventList {
    /// Times in milliseconds.
    pub times_ms: Vec<f64>,
    /// The description after the time on each line.
    pub labels: Vec<String>,
}

/// Parses an event file: one event per line, `time_ms<whitespace>description`. Blank lines
/// are skipped; a line with only a time gets an empty label.
pub fn parse_events(data: &[u8]) -> Result<EventList, ParseError> {
    let mut out = EventList::default();
    let mut offset = 0usize;
    for (index, raw_line) in data.split(|&b| b == b'\n').enumerate() {
        let line_no = index as u64 + 1;
        let line_start = offset;
        offset += raw_line.len() + 1;
        let line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        let lead = line.iter().position(|&b| !is_space(b));
        let Some(lead) = lead else { continue };
        let rest = &line[lead..];
        let tend = rest.iter().position(|&b| is_space(b)).unwrap_or(rest.len());
        let tok = &rest[..tend];
        let t = std::str::from_utf8(tok)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                err(
                    (line_start + lead) as u64,
                    format!(
                        "line {line_no}: expected a time in ms, found {:?}",
                        String::from_utf8_lossy(&tok[..tok.len().min(32)])
                    ),
                )
            })?;
        let label = String::from_utf8_lossy(rest[tend..].trim_ascii()).into_owned();
        out.times_ms.push(t);
        out.labels.push(label);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Sibling files
// ---------------------------------------------------------------------------------------------

/// Per-spike-group files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpikeFileKind {
    /// `.res.N`: spike times in samples.
    Res,
    /// `.clu.N`: cluster ids.
    Clu,
    /// `.spk.N`: int16 waveforms.
    Spk,
    /// `.fet.N`: features.
    Fet,
}

/// What a file named `{stem}.{rest}` is to the session, from `rest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiblingKind {
    /// A per-group spike file for group `N` (1-based).
    Spike(SpikeFileKind, u64),
    /// An event file; `name` is the channel name (see [`classify_sibling`]).
    Event {
        /// Event channel name.
        name: String,
    },
}

/// Classifies the part of a sibling file name after `{stem}.`:
///
/// * `res.N`, `clu.N`, `spk.N`, `fet.N` (N a positive integer) → spike files of group N;
/// * `evt` → event channel `"evt"`; `X.evt` → `"X"` (`base.rip.evt` → `"rip"`);
///   `evt.X` → `"X"` (`base.evt.py.rip` → `"py.rip"`).
pub fn classify_sibling(rest: &str) -> Option<SiblingKind> {
    if let Some((kind, n)) = rest.split_once('.') {
        let k = match kind {
            "res" => Some(SpikeFileKind::Res),
            "clu" => Some(SpikeFileKind::Clu),
            "spk" => Some(SpikeFileKind::Spk),
            "fet" => Some(SpikeFileKind::Fet),
            _ => None,
        };
        if let Some(k) = k
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            return n
                .parse::<u64>()
                .ok()
                .filter(|&n| n >= 1)
                .map(|n| SiblingKind::Spike(k, n));
        }
    }
    if rest == "evt" {
        return Some(SiblingKind::Event { name: "evt".into() });
    }
    if let Some(name) = rest.strip_suffix(".evt").filter(|n| !n.is_empty()) {
        return Some(SiblingKind::Event { name: name.into() });
    }
    if let Some(name) = rest.strip_prefix("evt.").filter(|n| !n.is_empty()) {
        return Some(SiblingKind::Event { name: name.into() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version='1.0'?>
<parameters version="1.0" creator="ndManager-1.2">
 <acquisitionSystem>
  <nBits>16</nBits><nChannels>4</nChannels><samplingRate>20000</samplingRate>
  <voltageRange>20</voltageRange><amplification>1000</amplification><offset>0</offset>
 </acquisitionSystem>
 <fieldPotentials><lfpSamplingRate>1250</lfpSamplingRate></fieldPotentials>
 <anatomicalDescription><channelGroups>
  <group><channel skip="0">2</channel><channel skip="1">0</channel></group>
  <group><channel>1</channel></group>
 </channelGroups></anatomicalDescription>
 <spikeDetection><channelGroups>
  <group><channels><channel>2</channel><channel>0</channel></channels>
   <nSamples>32</nSamples><peakSampleIndex>16</peakSampleIndex><nFeatures>3</nFeatures></group>
  <group><channels><channel>1</channel></channels></group>
 </channelGroups></spikeDetection>
 <neuroscope><spikes><nSamples>40</nSamples><peakSampleIndex>20</peakSampleIndex></spikes></neuroscope>
</parameters>"#;

    #[test]
    fn parses_session_xml() {
        let x = parse_session_xml(XML.as_bytes()).unwrap();
        assert_eq!(x.n_bits, 16);
        assert_eq!(x.n_channels, 4);
        assert_eq!(x.sampling_rate, 20000.0);
        assert_eq!(x.lfp_sampling_rate, Some(1250.0));
        assert_eq!(x.offset, Some(0.0));
        assert_eq!(x.creator, "ndManager-1.2");
        assert_eq!(x.gain_mv(), 20.0 * 1000.0 / 65536.0 / 1000.0);
        assert_eq!(x.anatomical_groups.len(), 2);
        assert_eq!(
            x.anatomical_groups[0],
            vec![
                GroupChannel {
                    channel: 2,
                    skip: false
                },
                GroupChannel {
                    channel: 0,
                    skip: true
                }
            ]
        );
        assert_eq!(x.channel_group(0), Some((0, true)));
        assert_eq!(x.channel_group(1), Some((1, false)));
        assert_eq!(x.channel_group(3), None);
        let all = x.channel_groups();
        assert_eq!(all.len(), 3);
        assert_eq!(all[&0], (0, true));
        assert_eq!(all[&2], (0, false));
        assert_eq!(x.spike_groups.len(), 2);
        assert_eq!(x.spike_groups[0].channels, vec![2, 0]);
        assert_eq!(x.n_samples(1), Some(32));
        assert_eq!(x.peak_sample_index(1), Some(16));
        assert_eq!(x.spike_groups[0].n_features, Some(3));
        // group 2 falls back on neuroscope/spikes
        assert_eq!(x.n_samples(2), Some(40));
        assert_eq!(x.peak_sample_index(2), Some(20));
        assert_eq!(x.n_samples(3), Some(40));
        assert!(x.spike_group(0).is_none());
    }

    #[test]
    fn xml_errors() {
        let e = parse_session_xml(b"<other><a/></other>").unwrap_err();
        assert!(e.detail.contains("not <parameters>"), "{e}");
        let e = parse_session_xml(XML.replace("<nBits>16</nBits>", "").as_bytes()).unwrap_err();
        assert!(e.detail.contains("nBits"), "{e}");
        let e = parse_session_xml(XML.replace("20000", "fast").as_bytes()).unwrap_err();
        assert!(e.detail.contains("samplingRate"), "{e}");
        assert!(e.offset > 0);
        let e = parse_session_xml(XML.replace(">1000<", ">0<").as_bytes()).unwrap_err();
        assert!(e.detail.contains("amplification"), "{e}");
        assert!(parse_session_xml(b"<parameters><acq").is_err());
        assert!(parse_session_xml(b"").is_err());
        assert!(looks_like_session_xml(XML.as_bytes()));
        assert!(!looks_like_session_xml(
            b"<?xml?><project><parameters/></project>"
        ));
    }

    #[test]
    fn parses_integers() {
        assert_eq!(parse_integers(b"1\n22\r\n333\n").unwrap(), vec![1, 22, 333]);
        assert_eq!(parse_integers(b"").unwrap(), Vec::<u64>::new());
        assert_eq!(parse_integers(b"  7  8\n\n9").unwrap(), vec![7, 8, 9]);
        assert_eq!(
            parse_integers(b"18446744073709551615").unwrap(),
            vec![u64::MAX]
        );
        let e = parse_integers(b"1\n2\n-3\n").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.detail.starts_with("line 3:"), "{e}");
        let e = parse_integers(b"1\n2x\n").unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(
            e.detail.contains("line 2") && e.detail.contains("2x"),
            "{e}"
        );
        let e = parse_integers(b"18446744073709551616").unwrap_err();
        assert!(e.detail.contains("too large"));
        assert!(parse_integers(b"1.5").is_err());
    }

    #[test]
    fn parses_clu() {
        let c = parse_clu(b"3\n2\n0\n2\n1\n").unwrap();
        assert_eq!(c.n_clusters, 3);
        assert_eq!(c.ids, vec![2, 0, 2, 1]);
        assert_eq!(c.end_offset, 9);
        assert!(parse_clu(b"\n").is_err());
        assert_eq!(parse_clu(b"1").unwrap().ids, Vec::<u64>::new());
    }

    #[test]
    fn parses_events() {
        let e = parse_events(b"734.4\tPyRip start 1\n771.2 peak\r\n\n900\n").unwrap();
        assert_eq!(e.times_ms, vec![734.4, 771.2, 900.0]);
        assert_eq!(e.labels, vec!["PyRip start 1", "peak", ""]);
        let e = parse_events(b"1 a\nx b\n").unwrap_err();
        assert_eq!(e.offset, 4);
        assert!(e.detail.starts_with("line 2"));
        assert!(parse_events(b"nan a\n").is_err());
        assert!(parse_events(b"").unwrap().times_ms.is_empty());
    }

    #[test]
    fn classifies_siblings() {
        use SiblingKind::*;
        use SpikeFileKind::*;
        assert_eq!(classify_sibling("res.1"), Some(Spike(Res, 1)));
        assert_eq!(classify_sibling("clu.12"), Some(Spike(Clu, 12)));
        assert_eq!(classify_sibling("spk.2"), Some(Spike(Spk, 2)));
        assert_eq!(classify_sibling("fet.3"), Some(Spike(Fet, 3)));
        assert_eq!(classify_sibling("res.0"), None);
        assert_eq!(classify_sibling("res.x"), None);
        assert_eq!(classify_sibling("evt"), Some(Event { name: "evt".into() }));
        assert_eq!(
            classify_sibling("rip.evt"),
            Some(Event { name: "rip".into() })
        );
        assert_eq!(
            classify_sibling("evt.py.rip"),
            Some(Event {
                name: "py.rip".into()
            })
        );
        assert_eq!(classify_sibling("dat"), None);
        assert_eq!(classify_sibling("xml"), None);
        assert_eq!(classify_sibling(".evt"), None);
    }
}
