//! The event files (`.evt`): *index* step [`read_events`] parses each file, *header* step
//! [`event_channels`] makes one event channel per file.

use crate::FORMAT_ID;
use crate::header::{self, EventList};
use crate::session::EventFile;
use rawio_core::serde_json::json;
use rawio_core::{Annotations, Error, EventChannel, EventKind, MappedFile, Result};

/// One parsed event file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventData {
    pub(crate) file: EventFile,
    pub(crate) events: EventList,
}

/// Parses every event file, in the given order.
pub(crate) fn read_events(files: &[EventFile]) -> Result<Vec<EventData>> {
    files
        .iter()
        .map(|f| {
            let m = MappedFile::open(&f.path)?;
            let events = header::parse_events(m.bytes())
                .map_err(|e| Error::corrupt(FORMAT_ID, &f.path, e.offset, e.detail))?;
            Ok(EventData {
                file: f.clone(),
                events,
            })
        })
        .collect()
}

/// One event channel per file: id = the file name after `base.`, name without the `evt`
/// part.
pub(crate) fn event_channels(events: &[EventData]) -> Vec<EventChannel> {
    events
        .iter()
        .map(|e| {
            let mut ann = Annotations::new();
            ann.insert("file".into(), json!(e.file.path.display().to_string()));
            EventChannel {
                name: e.file.name.clone(),
                id: e.file.suffix.clone(),
                kind: EventKind::Event,
                annotations: ann,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_into_channels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.rip.evt");
        std::fs::write(&path, "1.5 start\n2.5 stop\n").unwrap();
        let files = [EventFile {
            suffix: "rip.evt".into(),
            name: "rip".into(),
            path: path.clone(),
        }];
        let ev = read_events(&files).unwrap();
        assert_eq!(ev[0].events.times_ms, vec![1.5, 2.5]);
        assert_eq!(ev[0].events.labels, vec!["start", "stop"]);
        let ch = event_channels(&ev);
        assert_eq!((ch[0].name.as_str(), ch[0].id.as_str()), ("rip", "rip.evt"));
        assert_eq!(ch[0].annotations["file"], json!(path.display().to_string()));
        std::fs::write(&path, "x\n").unwrap();
        let e = read_events(&files).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
