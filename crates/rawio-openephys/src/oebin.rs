//! `structure.oebin`: the JSON description of one binary-format recording (GUI 0.4 to 1.0).
//!
//! Pure parsing, no I/O: [`Oebin::parse`] takes the file's bytes. Fields the reader does not
//! use are kept as JSON in `extra` maps so that they can be passed on as annotations.
//!
//! ```text
//! {"GUI version": "0.6.7",
//!  "continuous": [{"folder_name": "File_Reader-100.example_data/", "sample_rate": 40000.0,
//!                  "num_channels": 16, "channels": [{"channel_name": "CH1",
//!                  "bit_volts": 0.05, "units": "", ...}, ...], ...}],
//!  "events": [{"folder_name": "File_Reader-100.example_data/TTL/", "channel_name": "...",
//!              "sample_rate": 40000.0, "type": "int16", ...}],
//!  "spikes": [{"folder": "Spike_Detector-104.example_data/Stereotrode 1/", "name": "...",
//!              "sample_rate": 40000.0, "num_channels": 2, "pre_peak_samples": 8, ...}]}
//! ```
//!
//! GUI 0.4/0.5 spike entries use `folder_name` and a `channels` list (one entry per electrode);
//! GUI 0.6+ use `folder`, `name` and `source_channels` (one entry per wire, with `bit_volts`).

use serde::Deserialize;
use serde_json::{Map, Value};

/// A parse failure: the byte offset in the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OebinError {
    /// Byte offset of the problem.
    pub offset: u64,
    /// Description.
    pub detail: String,
}

/// The parsed `structure.oebin`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Oebin {
    /// `"GUI version"`, when present.
    pub gui_version: Option<String>,
    /// Continuous streams, in file order.
    pub continuous: Vec<ContinuousInfo>,
    /// Event streams, in file order.
    pub events: Vec<EventInfo>,
    /// Spike sources, in file order.
    pub spikes: Vec<SpikeInfo>,
}

/// One `continuous[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousInfo {
    /// Folder under `continuous/`, with its trailing slash as written.
    pub folder_name: String,
    /// Sampling rate in Hz.
    pub sample_rate: f64,
    /// The channels, in file column order.
    pub channels: Vec<ChannelInfo>,
    /// Every other key of the entry.
    pub extra: Map<String, Value>,
}

/// One channel of a continuous stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    /// `channel_name`.
    pub name: String,
    /// `bit_volts`: the gain from raw int16 to `units`.
    pub bit_volts: f64,
    /// `units` as written (often empty).
    pub units: String,
    /// Every other key (`identifier`, `history`, `source_processor_index`, ...).
    pub extra: Map<String, Value>,
}

/// One `events[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInfo {
    /// Folder under `events/`, with its trailing slash as written.
    pub folder_name: String,
    /// `channel_name`: the event channel's name.
    pub channel_name: String,
    /// Sampling rate of the event sample numbers in Hz.
    pub sample_rate: f64,
    /// Every other key.
    pub extra: Map<String, Value>,
}

/// One `spikes[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeInfo {
    /// Folder under `spikes/` (`folder` in GUI 0.6+, `folder_name` before).
    pub folder: String,
    /// The electrode's name (`name` in GUI 0.6+, absent before).
    pub name: Option<String>,
    /// Sampling rate of the spike sample numbers and waveforms in Hz.
    pub sample_rate: f64,
    /// Samples before the peak (`pre_peak_samples`), when given.
    pub pre_peak_samples: Option<u64>,
    /// Electrode names of GUI 0.4/0.5 (`channels[].channel_name`), indexed by
    /// `spike_electrode_indices - 1`.
    pub electrode_names: Vec<String>,
    /// `bit_volts` of the source channels (GUI 0.6+), in order.
    pub source_bit_volts: Vec<f64>,
    /// Every other key.
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct RawOebin {
    #[serde(rename = "GUI version", default)]
    gui_version: Option<Value>,
    #[serde(default)]
    continuous: Vec<Map<String, Value>>,
    #[serde(default)]
    events: Vec<Map<String, Value>>,
    #[serde(default)]
    spikes: Vec<Map<String, Value>>,
}

impl Oebin {
    /// Parses the bytes of a `structure.oebin`.
    pub fn parse(bytes: &[u8]) -> Result<Oebin, OebinError> {
        let raw: RawOebin = serde_json::from_slice(bytes).map_err(|e| OebinError {
            offset: json_error_offset(bytes, &e),
            detail: format!("invalid JSON: {e}"),
        })?;
        let err = |what: String| OebinError {
            offset: 0,
            detail: what,
        };
        let continuous = raw
            .continuous
            .into_iter()
            .enumerate()
            .map(|(i, m)| continuous_info(m).map_err(|d| err(format!("continuous[{i}]: {d}"))))
            .collect::<Result<_, _>>()?;
        let events = raw
            .events
            .into_iter()
            .enumerate()
            .map(|(i, m)| event_info(m).map_err(|d| err(format!("events[{i}]: {d}"))))
            .collect::<Result<_, _>>()?;
        let spikes = raw
            .spikes
            .into_iter()
            .enumerate()
            .map(|(i, m)| spike_info(m).map_err(|d| err(format!("spikes[{i}]: {d}"))))
            .collect::<Result<_, _>>()?;
        Ok(Oebin {
            gui_version: raw.gui_version.map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            continuous,
            events,
            spikes,
        })
    }
}

/// The byte offset of a serde_json error (from its 1-based line and column).
fn json_error_offset(bytes: &[u8], e: &serde_json::Error) -> u64 {
    let (line, col) = (e.line(), e.column());
    let mut offset = 0usize;
    for (i, l) in bytes.split(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return (offset + col.saturating_sub(1).min(l.len())) as u64;
        }
        offset += l.len() + 1;
    }
    bytes.len() as u64
}

fn take_string(m: &mut Map<String, Value>, key: &str) -> Result<String, String> {
    match m.remove(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("{key:?} is not a string: {other}")),
        None => Err(format!("no {key:?}")),
    }
}

fn opt_string(m: &mut Map<String, Value>, key: &str) -> Option<String> {
    match m.remove(key) {
        Some(Value::String(s)) => Some(s),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// A number written as a JSON number or a numeric string.
fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn take_rate(m: &mut Map<String, Value>) -> Result<f64, String> {
    let v = m.remove("sample_rate").ok_or("no \"sample_rate\"")?;
    match as_f64(&v) {
        Some(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!("\"sample_rate\" {v} is not a positive number")),
    }
}

fn continuous_info(mut m: Map<String, Value>) -> Result<ContinuousInfo, String> {
    let folder_name = take_string(&mut m, "folder_name")?;
    let sample_rate = take_rate(&mut m)?;
    let channels = match m.remove("channels") {
        Some(Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, c)| channel_info(c).map_err(|d| format!("channels[{i}]: {d}")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(format!("\"channels\" is not a list: {other}")),
        None => return Err("no \"channels\"".into()),
    };
    Ok(ContinuousInfo {
        folder_name,
        sample_rate,
        channels,
        extra: m,
    })
}

fn channel_info(v: Value) -> Result<ChannelInfo, String> {
    let Value::Object(mut m) = v else {
        return Err("not an object".into());
    };
    let name = take_string(&mut m, "channel_name")?;
    let bv = m.remove("bit_volts").ok_or("no \"bit_volts\"")?;
    let bit_volts = as_f64(&bv)
        .filter(|g| g.is_finite())
        .ok_or_else(|| format!("\"bit_volts\" {bv} is not a number"))?;
    let units = opt_string(&mut m, "units").unwrap_or_default();
    Ok(ChannelInfo {
        name,
        bit_volts,
        units,
        extra: m,
    })
}

fn event_info(mut m: Map<String, Value>) -> Result<EventInfo, String> {
    let folder_name = take_string(&mut m, "folder_name")?;
    let channel_name = opt_string(&mut m, "channel_name").unwrap_or_else(|| folder_name.clone());
    let sample_rate = take_rate(&mut m)?;
    Ok(EventInfo {
        folder_name,
        channel_name,
        sample_rate,
        extra: m,
    })
}

fn spike_info(mut m: Map<String, Value>) -> Result<SpikeInfo, String> {
    let folder = match opt_string(&mut m, "folder") {
        Some(f) => f,
        None => take_string(&mut m, "folder_name")?,
    };
    let name = opt_string(&mut m, "name");
    let sample_rate = take_rate(&mut m)?;
    let pre_peak_samples = m
        .get("pre_peak_samples")
        .and_then(as_f64)
        .filter(|v| *v >= 0.0 && *v < 1e9)
        .map(|v| v as u64);
    let electrode_names = match m.get("channels") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| {
                c.get("channel_name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            })
            .collect(),
        _ => Vec::new(),
    };
    let source_bit_volts = match m.get("source_channels") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|c| c.get("bit_volts").and_then(as_f64))
            .collect(),
        _ => Vec::new(),
    };
    Ok(SpikeInfo {
        folder,
        name,
        sample_rate,
        pre_peak_samples,
        electrode_names,
        source_bit_volts,
        extra: m,
    })
}

/// A folder name from the oebin as a relative path component list: trailing and leading
/// slashes removed. `None` when it would leave its parent folder (`..`, absolute paths) or is
/// empty.
pub fn safe_folder(folder: &str) -> Option<String> {
    let f = folder.trim_matches(|c| c == '/' || c == '\\');
    if f.is_empty()
        || f.split(['/', '\\'])
            .any(|p| p.is_empty() || p == "." || p == "..")
        || f.contains(':')
    {
        return None;
    }
    Some(f.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V067: &[u8] = br#"{
    "GUI version": "0.6.7",
    "continuous": [{"folder_name": "File_Reader-100.example_data/", "sample_rate": 40000.0,
        "num_channels": 2, "channels": [
        {"channel_name": "CH1", "bit_volts": 0.05000000074505806, "units": "", "identifier": "", "history": "a -> b"},
        {"channel_name": "ADC1", "bit_volts": 0.00015, "units": "V"}]}],
    "events": [{"folder_name": "MessageCenter/", "channel_name": "Messages", "sample_rate": 40000.0, "type": "string"}],
    "spikes": [{"name": "Stereotrode 1", "folder": "Spike_Detector-104.example_data/Stereotrode 1/",
        "sample_rate": 40000.0, "num_channels": 2, "pre_peak_samples": 8, "post_peak_samples": 32,
        "source_channels": [{"name": "CH1", "local_index": 0, "bit_volts": 0.05}, {"name": "CH2", "local_index": 1, "bit_volts": 0.05}]}]
    }"#;

    const V044: &[u8] = br#"{"GUI version": "0.4.4.1",
     "continuous": [{"folder_name": "Rhythm_FPGA-100.0/", "sample_rate": 30000, "channels": [
        {"channel_name": "CH1", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 0}]}],
     "events": [],
     "spikes": [{"folder_name": "Spike_Viewer-125_124.0/spike_group_1/", "sample_rate": 30000,
        "num_channels": 8, "pre_peak_samples": 8, "channels": [{"channel_name": "TT  p124.0 n0"}, {"channel_name": "TT  p124.0 n1"}]}]}"#;

    #[test]
    fn parses_gui_067() {
        let o = Oebin::parse(V067).unwrap();
        assert_eq!(o.gui_version.as_deref(), Some("0.6.7"));
        let c = &o.continuous[0];
        assert_eq!(c.folder_name, "File_Reader-100.example_data/");
        assert_eq!(c.sample_rate, 40000.0);
        assert_eq!(c.channels.len(), 2);
        assert_eq!(c.channels[0].bit_volts, 0.05000000074505806);
        assert_eq!(c.channels[0].units, "");
        assert_eq!(c.channels[0].extra["history"], "a -> b");
        assert_eq!(c.channels[1].units, "V");
        assert_eq!(c.extra["num_channels"], 2);
        assert_eq!(o.events[0].channel_name, "Messages");
        let s = &o.spikes[0];
        assert_eq!(s.folder, "Spike_Detector-104.example_data/Stereotrode 1/");
        assert_eq!(s.name.as_deref(), Some("Stereotrode 1"));
        assert_eq!(s.pre_peak_samples, Some(8));
        assert_eq!(s.source_bit_volts, vec![0.05, 0.05]);
    }

    #[test]
    fn parses_gui_044_integers_and_folder_name() {
        let o = Oebin::parse(V044).unwrap();
        assert_eq!(o.continuous[0].sample_rate, 30000.0);
        assert_eq!(o.continuous[0].channels[0].units, "uV");
        let s = &o.spikes[0];
        assert_eq!(s.folder, "Spike_Viewer-125_124.0/spike_group_1/");
        assert_eq!(s.name, None);
        assert_eq!(s.electrode_names, vec!["TT  p124.0 n0", "TT  p124.0 n1"]);
    }

    #[test]
    fn errors_carry_offsets() {
        let e = Oebin::parse(b"{\n  \"continuous\": [,]}").unwrap_err();
        assert_eq!(e.offset, 19);
        let e = Oebin::parse(
            br#"{"continuous": [{"folder_name": "a/", "sample_rate": 0, "channels": []}]}"#,
        )
        .unwrap_err();
        assert!(e.detail.contains("sample_rate"), "{}", e.detail);
        let e = Oebin::parse(br#"{"continuous": [{"folder_name": "a/", "sample_rate": 1, "channels": [{"channel_name": "x"}]}]}"#)
            .unwrap_err();
        assert!(e.detail.contains("bit_volts"), "{}", e.detail);
        assert!(Oebin::parse(b"").is_err());
        assert!(Oebin::parse(b"[1, 2]").is_err());
        assert_eq!(Oebin::parse(b"{}").unwrap(), Oebin::default());
    }

    #[test]
    fn folders_stay_inside() {
        assert_eq!(safe_folder("a/b/").as_deref(), Some("a/b"));
        assert_eq!(
            safe_folder("MessageCenter/").as_deref(),
            Some("MessageCenter")
        );
        assert_eq!(safe_folder("../x"), None);
        assert_eq!(safe_folder("/"), None);
        assert_eq!(safe_folder("a//b"), None);
        assert_eq!(safe_folder("C:\\x"), None);
    }
}
