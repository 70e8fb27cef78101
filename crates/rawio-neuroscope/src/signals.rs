//! The signal files (`.dat`, `.lfp`, `.eeg`): *index* step [`open_signals`] maps each file and
//! measures its frames; *header* step [`signal_headers`] turns them into buffers, streams and
//! channels.

use crate::header::SessionXml;
use crate::session::{SessionPaths, SignalKind};
use crate::{DEFAULT_LFP_SAMPLING_RATE, FORMAT_ID};
use rawio_core::serde_json::{Value, json};
use rawio_core::{
    Annotations, Dtype, Error, InterleavedLayout, MappedFile, Result, SampleClock, SignalBuffer,
    SignalChannel, SignalStream,
};
use std::path::PathBuf;

/// Largest `nChannels` accepted for a signal file too short to hold one frame.
const MAX_CHANNELS_WITHOUT_DATA: u64 = 4096;

/// One signal file, mapped: a stream of the session.
#[derive(Debug)]
pub(crate) struct SignalFile {
    pub(crate) path: PathBuf,
    pub(crate) kind: SignalKind,
    pub(crate) file: MappedFile,
    pub(crate) layout: InterleavedLayout,
    /// Sampling rate in Hz.
    pub(crate) rate: f64,
    /// Stream (and buffer) id: `"0"` or `"1"`.
    pub(crate) id: &'static str,
    /// Stream (and buffer) name: `"Signals"` or `"LFP"`.
    pub(crate) name: &'static str,
    /// Bytes after the last whole frame.
    pub(crate) trailing: u64,
    /// Why `trailing` is not 0.
    pub(crate) trailing_warning: Option<String>,
}

/// Maps the signal files `files` (in stream order). `single` is [`crate::SignalFiles::Auto`]:
/// the one stream is `"0"` whatever its kind. Warnings (no `lfpSamplingRate`, a partial last
/// frame) are appended to `warnings`.
pub(crate) fn open_signals(
    xml: &SessionXml,
    paths: &SessionPaths,
    files: &[(PathBuf, SignalKind)],
    single: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<SignalFile>> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    if xml.n_bits != 16 {
        return Err(Error::unsupported(
            FORMAT_ID,
            format!(
                "{}: nBits = {} (only 16-bit signal files are supported)",
                paths.xml.display(),
                xml.n_bits
            ),
        ));
    }
    if xml.n_channels == 0 {
        return Err(Error::corrupt(FORMAT_ID, &paths.xml, 0, "nChannels is 0"));
    }
    files
        .iter()
        .map(|(path, kind)| open_signal(xml, paths, path, *kind, single, warnings))
        .collect()
}

fn open_signal(
    xml: &SessionXml,
    paths: &SessionPaths,
    path: &PathBuf,
    kind: SignalKind,
    single: bool,
    warnings: &mut Vec<String>,
) -> Result<SignalFile> {
    let file = MappedFile::open(path)?;
    // every channel gets a header entry: refuse absurd counts that the file cannot hold
    if xml.n_channels > MAX_CHANNELS_WITHOUT_DATA && xml.n_channels.saturating_mul(2) > file.len() {
        return Err(Error::corrupt(
            FORMAT_ID,
            &paths.xml,
            0,
            format!(
                "nChannels = {} but {} holds only {} bytes",
                xml.n_channels,
                path.display(),
                file.len()
            ),
        ));
    }
    let layout = InterleavedLayout::for_file::<i16>(file.len(), 0, xml.n_channels);
    let trailing = layout.trailing_bytes::<i16>(file.len());
    let rate = match kind {
        SignalKind::Wideband => xml.sampling_rate,
        SignalKind::Lfp => xml.lfp_sampling_rate.unwrap_or_else(|| {
            warnings.push(format!(
                "{}: no fieldPotentials/lfpSamplingRate in the xml; using the Neurosuite \
                 default {DEFAULT_LFP_SAMPLING_RATE} Hz",
                path.display()
            ));
            DEFAULT_LFP_SAMPLING_RATE
        }),
    };
    let (id, name) = if single || kind == SignalKind::Wideband {
        ("0", "Signals")
    } else {
        ("1", "LFP")
    };
    let trailing_warning = (trailing > 0).then(|| {
        format!(
            "{}: file size {} is not a multiple of the frame size {} ({} channels x 2 \
             bytes); the last {trailing} bytes (a partial frame) are ignored",
            path.display(),
            file.len(),
            xml.n_channels.saturating_mul(2),
            xml.n_channels
        )
    });
    warnings.extend(trailing_warning.clone());
    Ok(SignalFile {
        path: path.clone(),
        kind,
        file,
        layout,
        rate,
        id,
        name,
        trailing,
        trailing_warning,
    })
}

/// The header entries of the signal files: one buffer and one stream per file, and
/// `nChannels` channels each (named `ch{c}grp{g}` after their anatomical group, as neo).
pub(crate) fn signal_headers(
    xml: &SessionXml,
    signals: &[SignalFile],
) -> (Vec<SignalBuffer>, Vec<SignalStream>, Vec<SignalChannel>) {
    let mut buffers = Vec::new();
    let mut streams = Vec::new();
    let mut channels = Vec::new();
    let groups = if signals.is_empty() {
        Default::default()
    } else {
        xml.channel_groups()
    };
    let gain = xml.gain_mv();
    for s in signals {
        let mut ann = Annotations::new();
        ann.insert("file".into(), json!(s.path.display().to_string()));
        ann.insert("kind".into(), json!(s.kind.name()));
        ann.insert("trailing_bytes".into(), json!(s.trailing));
        if let Some(w) = &s.trailing_warning {
            ann.insert("warnings".into(), json!([w]));
        }
        buffers.push(SignalBuffer {
            name: s.name.into(),
            id: s.id.into(),
        });
        streams.push(SignalStream {
            name: s.name.into(),
            id: s.id.into(),
            buffer_id: s.id.into(),
            clock: SampleClock::Regular,
            annotations: ann,
        });
        for c in 0..xml.n_channels {
            let group = groups.get(&c).copied();
            let mut ann = Annotations::new();
            ann.insert("group".into(), group.map_or(Value::Null, |(g, _)| json!(g)));
            ann.insert("skip".into(), json!(group.is_some_and(|(_, s)| s)));
            channels.push(SignalChannel {
                name: match group {
                    Some((g, _)) => format!("ch{c}grp{g}"),
                    None => format!("ch{c}grpnone"),
                },
                id: c.to_string(),
                sampling_rate: s.rate,
                dtype: Dtype::Int16,
                units: "mV".into(),
                gain,
                offset: 0.0,
                stream_id: s.id.into(),
                buffer_id: s.id.into(),
                annotations: ann,
            });
        }
    }
    (buffers, streams, channels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{GroupChannel, parse_session_xml};

    fn xml(n_channels: u64) -> SessionXml {
        let mut x = parse_session_xml(
            b"<parameters><acquisitionSystem><nBits>16</nBits><nChannels>2</nChannels>\
              <samplingRate>20000</samplingRate><voltageRange>20</voltageRange>\
              <amplification>1000</amplification></acquisitionSystem></parameters>",
        )
        .unwrap();
        x.n_channels = n_channels;
        x.anatomical_groups = vec![vec![GroupChannel {
            channel: 1,
            skip: true,
        }]];
        x
    }

    fn paths(dir: &std::path::Path) -> SessionPaths {
        SessionPaths {
            xml: dir.join("s.xml"),
            dir: dir.to_path_buf(),
            stem: "s".into(),
            explicit_signal: None,
        }
    }

    #[test]
    fn maps_files_with_rates_ids_and_partial_frames() {
        let dir = tempfile::tempdir().unwrap();
        let (dat, lfp) = (dir.path().join("s.dat"), dir.path().join("s.lfp"));
        std::fs::write(&dat, [0u8; 8 * 4 + 3]).unwrap();
        std::fs::write(&lfp, [0u8; 4 * 4]).unwrap();
        let files = vec![(dat, SignalKind::Wideband), (lfp, SignalKind::Lfp)];
        let mut warnings = Vec::new();
        let x = xml(2);
        let s = open_signals(&x, &paths(dir.path()), &files, false, &mut warnings).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].id, s[0].name, s[0].rate), ("0", "Signals", 20000.0));
        assert_eq!((s[0].layout.n_frames, s[0].trailing), (8, 3));
        assert_eq!((s[1].id, s[1].name, s[1].rate), ("1", "LFP", 1250.0));
        assert_eq!(s[1].layout.n_frames, 4);
        // the partial frame of .dat, then the missing lfpSamplingRate
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].contains("last 3 bytes"), "{}", warnings[0]);
        assert!(warnings[1].contains("1250"), "{}", warnings[1]);

        let (buffers, streams, channels) = signal_headers(&x, &s);
        assert_eq!(buffers.len(), 2);
        assert_eq!(streams[0].annotations["trailing_bytes"], json!(3));
        assert_eq!(
            streams[0].annotations["warnings"].as_array().unwrap().len(),
            1
        );
        assert_eq!(streams[1].annotations.get("warnings"), None);
        let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ch0grpnone", "ch1grp0", "ch0grpnone", "ch1grp0"]);
        assert_eq!(channels[1].annotations["skip"], json!(true));
        assert_eq!(channels[3].stream_id, "1");

        // one stream (Auto): an lfp file is stream "0"
        let only_lfp = &files[1..];
        let s = open_signals(&x, &paths(dir.path()), only_lfp, true, &mut warnings).unwrap();
        assert_eq!((s[0].id, s[0].name), ("0", "Signals"));
    }

    #[test]
    fn refuses_other_bit_depths_and_absurd_channel_counts() {
        let dir = tempfile::tempdir().unwrap();
        let dat = dir.path().join("s.dat");
        std::fs::write(&dat, [0u8; 16]).unwrap();
        let files = vec![(dat, SignalKind::Wideband)];
        let mut x = xml(1 << 40);
        let e = open_signals(&x, &paths(dir.path()), &files, true, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("holds only 16 bytes"), "{e}");
        x.n_bits = 24;
        let e = open_signals(&x, &paths(dir.path()), &files, true, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("nBits = 24"), "{e}");
        // no files: nothing is checked
        assert!(
            open_signals(&x, &paths(dir.path()), &[], true, &mut Vec::new())
                .unwrap()
                .is_empty()
        );
    }
}
