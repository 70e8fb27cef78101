//! Indexing the packets of a NEV file once at open: every spike packet goes to its unit
//! (electrode, unit class), every digital/serial/analog/comment packet to its event channel,
//! then both are grouped by segment into compact arrays (timestamp and packet number, 4 or 8
//! bytes each). Pure functions over the file's bytes.

use crate::nev_header::{
    NevBasicHeader, NevSpec, PacketKind, classify, decode_non_neural, packet_id, packet_timestamp,
    payload_byte,
};
use rawio_core::RawTimestamps;
use rawio_core::ndarray::ArrayView1;
use std::ops::Range;

/// Pages of the scan are released every this many bytes.
const RELEASE_EVERY: u64 = 32 << 20;

/// The event channels of a NEV file, in neo's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// `digital_input_port`: 2.1/2.2 reason == 1; 2.3+ reason bit 0 set and bit 7 clear.
    Digital,
    /// `serial_input_port`: 2.1/2.2 reason == 129; 2.3+ bits 0 and 7 set.
    Serial,
    /// `analog_input_channel_{k}` (2.1/2.2): reason bit k set; labels are the analog value.
    Analog(u8),
    /// `periodic_sampling_events` (2.1/2.2): reason bit 6 set.
    Periodic,
    /// `comments` (2.3+): comment packets.
    Comments,
}

impl EventSource {
    /// neo's event channel name.
    pub fn name(self) -> String {
        match self {
            EventSource::Digital => "digital_input_port".into(),
            EventSource::Serial => "serial_input_port".into(),
            EventSource::Analog(k) => format!("analog_input_channel_{k}"),
            EventSource::Periodic => "periodic_sampling_events".into(),
            EventSource::Comments => "comments".into(),
        }
    }

    /// neo's description.
    pub fn description(self) -> String {
        match self {
            EventSource::Digital => "Events of the digital input port".into(),
            EventSource::Serial => "Events of the serial input port".into(),
            EventSource::Analog(k) => {
                format!("Values of analog input channel {k} in mV (+/- 5000)")
            }
            EventSource::Periodic => "Periodic sampling event of a certain frequency".into(),
            EventSource::Comments => "Comments".into(),
        }
    }

    /// Whether a non-neural packet with insertion reason `reason` belongs to this channel.
    pub fn takes(self, spec: NevSpec, reason: u8) -> bool {
        let bit = |k: u8| reason & (1 << k) != 0;
        let old = matches!(spec, NevSpec::V21 | NevSpec::V22);
        match self {
            EventSource::Digital if old => reason == 1,
            EventSource::Serial if old => reason == 129,
            EventSource::Digital => bit(0) && !bit(7),
            EventSource::Serial => bit(0) && bit(7),
            EventSource::Analog(k) => old && bit(k),
            EventSource::Periodic => old && bit(6),
            EventSource::Comments => false,
        }
    }
}

/// The event channels of a spec, in neo's order.
pub fn event_sources(spec: NevSpec) -> Vec<EventSource> {
    let mut v = vec![EventSource::Digital, EventSource::Serial];
    if matches!(spec, NevSpec::V21 | NevSpec::V22) {
        v.extend((1..=5).map(EventSource::Analog));
        v.push(EventSource::Periodic);
    } else {
        v.push(EventSource::Comments);
    }
    v
}

/// Timestamps and packet numbers of one unit or event channel, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawList {
    /// Packet timestamps.
    pub ts: Vec<u64>,
    /// Packet numbers (0 = first packet after the headers).
    pub pkt: Vec<u64>,
}

impl RawList {
    fn push(&mut self, ts: u64, pkt: u64) {
        self.ts.push(ts);
        self.pkt.push(pkt);
    }
}

/// Counts of packets that are not spikes, digital/serial inputs or comments (neo ignores them
/// too; reported in the annotations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtherPackets {
    /// 0xFFFE video synchronisation.
    pub video_sync: u64,
    /// 0xFFFD tracking.
    pub tracking: u64,
    /// 0xFFFC button triggers.
    pub button_trigger: u64,
    /// 0xFFFB configuration changes.
    pub config: u64,
    /// Ids the spec does not define.
    pub unknown: u64,
    /// Non-neural packets whose insertion reason puts them in no event channel.
    pub unclassified_non_neural: u64,
}

/// Everything one pass over the packets finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NevScan {
    /// Number of complete packets.
    pub n_packets: u64,
    /// Bytes of a trailing partial packet (tolerated, ignored).
    pub trailing_bytes: u64,
    /// Units `(electrode, unit class)` in order of first appearance, with their spikes.
    pub units: Vec<((u16, u8), RawList)>,
    /// Packets of each event channel of [`event_sources`], in that order.
    pub events: Vec<RawList>,
    /// Other packets.
    pub other: OtherPackets,
    /// Smallest and largest timestamp of the packets above (spikes and events).
    pub ts_range: Option<(u64, u64)>,
}

/// Reads every packet once. `release(offset, len)` is called behind the scan.
pub fn scan_packets(bytes: &[u8], basic: &NevBasicHeader, release: &dyn Fn(u64, u64)) -> NevScan {
    let spec = basic.spec;
    let len = bytes.len() as u64;
    let start = basic.bytes_in_headers.min(len);
    let size = basic.packet_size.max(1);
    let sources = event_sources(spec);
    let mut scan = NevScan {
        n_packets: (len - start) / size,
        trailing_bytes: (len - start) % size,
        events: vec![RawList::default(); sources.len()],
        ..NevScan::default()
    };
    // unit slot of (electrode, class): electrode * 256 + class
    let mut slot = vec![u32::MAX; (usize::from(spec.max_spike_id()) + 1) * 256];
    let mut released = start;
    for p in 0..scan.n_packets {
        let at = start + p * size;
        let Some(pkt) = usize::try_from(at)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(a, s)| bytes.get(a..a.checked_add(s)?))
        else {
            break;
        };
        let ts = packet_timestamp(pkt, spec);
        let taken = match classify(spec, packet_id(pkt, spec)) {
            PacketKind::Spike(e) => {
                let class = payload_byte(pkt, spec);
                let k = usize::from(e) * 256 + usize::from(class);
                let Some(s) = slot.get_mut(k) else { continue };
                if *s == u32::MAX {
                    *s = u32::try_from(scan.units.len()).unwrap_or(u32::MAX - 1);
                    scan.units.push(((e, class), RawList::default()));
                }
                if let Some((_, list)) =
                    usize::try_from(*s).ok().and_then(|i| scan.units.get_mut(i))
                {
                    list.push(ts, p);
                }
                true
            }
            PacketKind::NonNeural => {
                let reason = decode_non_neural(pkt, spec).reason;
                let mut any = false;
                for (src, list) in sources.iter().zip(scan.events.iter_mut()) {
                    if src.takes(spec, reason) {
                        list.push(ts, p);
                        any = true;
                    }
                }
                if !any {
                    scan.other.unclassified_non_neural += 1;
                }
                any
            }
            PacketKind::Comment => {
                if let Some(list) = sources
                    .iter()
                    .position(|s| *s == EventSource::Comments)
                    .and_then(|i| scan.events.get_mut(i))
                {
                    list.push(ts, p);
                }
                true
            }
            PacketKind::VideoSync => bump(&mut scan.other.video_sync),
            PacketKind::Tracking => bump(&mut scan.other.tracking),
            PacketKind::ButtonTrigger => bump(&mut scan.other.button_trigger),
            PacketKind::Config => bump(&mut scan.other.config),
            PacketKind::Unknown(_) => bump(&mut scan.other.unknown),
        };
        if taken {
            scan.ts_range = Some(match scan.ts_range {
                None => (ts, ts),
                Some((a, b)) => (a.min(ts), b.max(ts)),
            });
        }
        if at - released >= RELEASE_EVERY {
            release(released, at - released);
            released = at;
        }
    }
    release(released, len - released);
    scan
}

fn bump(n: &mut u64) -> bool {
    *n += 1;
    false
}

/// A compact vector of u64 values stored as u32 when they all fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticks {
    /// Every value fits in 32 bits.
    U32(Vec<u32>),
    /// 64-bit values.
    U64(Vec<u64>),
}

impl Ticks {
    fn with_capacity(wide: bool, n: usize) -> Self {
        if wide {
            Ticks::U64(Vec::with_capacity(n))
        } else {
            Ticks::U32(Vec::with_capacity(n))
        }
    }

    /// `v` must fit when the vector is narrow (checked by the caller through `wide`).
    fn push(&mut self, v: u64) {
        match self {
            Ticks::U32(a) => a.push(u32::try_from(v).unwrap_or(u32::MAX)),
            Ticks::U64(a) => a.push(v),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Ticks::U32(a) => a.len(),
            Ticks::U64(a) => a.len(),
        }
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<u64> {
        match self {
            Ticks::U32(a) => a.get(i).map(|&v| u64::from(v)),
            Ticks::U64(a) => a.get(i).copied(),
        }
    }

    /// Values `r` as raw timestamps borrowed from the vector (clamped to its length).
    pub fn view(&self, r: Range<usize>) -> RawTimestamps<'_> {
        let end = r.end.min(self.len());
        let r = r.start.min(end)..end;
        match self {
            Ticks::U32(a) => RawTimestamps::new(ArrayView1::from(&a[r])),
            Ticks::U64(a) => RawTimestamps::new(ArrayView1::from(&a[r])),
        }
    }

    /// Heap bytes.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Ticks::U32(a) => a.capacity() * 4,
            Ticks::U64(a) => a.capacity() * 8,
        }
    }
}

/// One non-empty group: the items of a list in one segment, at positions `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// Segment.
    pub seg: usize,
    /// First position in `ts`/`pkt`.
    pub start: usize,
    /// End position.
    pub end: usize,
}

/// Lists grouped by segment. Only non-empty groups are stored (so the index never exceeds the
/// number of items, however many segments and lists there are): the groups of list `i` are
/// `groups[lists[i].clone()]`, by ascending segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouped {
    /// Timestamps.
    pub ts: Ticks,
    /// Packet numbers.
    pub pkt: Ticks,
    /// Non-empty groups of every list, list after list.
    pub groups: Vec<Group>,
    /// The groups of each list.
    pub lists: Vec<Range<usize>>,
}

impl Grouped {
    /// The positions of list `i` in segment `s` (empty when out of range or without items).
    pub fn range(&self, i: usize, s: usize) -> Range<usize> {
        let Some(g) = self.lists.get(i).and_then(|r| self.groups.get(r.clone())) else {
            return 0..0;
        };
        match g.binary_search_by_key(&s, |g| g.seg) {
            Ok(k) => g[k].start..g[k].end,
            Err(_) => 0..0,
        }
    }

    /// Heap bytes of the arrays.
    pub fn heap_bytes(&self) -> usize {
        self.ts.heap_bytes()
            + self.pkt.heap_bytes()
            + self.groups.capacity() * std::mem::size_of::<Group>()
            + self.lists.capacity() * std::mem::size_of::<Range<usize>>()
    }
}

/// Groups `lists` by segment (`seg_of(ts)`, clamped below `n_segments`), keeping file order
/// inside a segment, or sorting by timestamp (stable) when `sort` is set. The lists are
/// consumed one by one so that the peak memory is the grouped arrays plus one list.
pub fn group(
    lists: Vec<RawList>,
    n_segments: usize,
    seg_of: &dyn Fn(u64) -> usize,
    sort: bool,
    n_packets: u64,
) -> Grouped {
    let last = n_segments.max(1) - 1;
    let total: usize = lists.iter().map(|l| l.ts.len()).sum();
    let wide_ts = lists
        .iter()
        .flat_map(|l| l.ts.iter())
        .any(|&t| t > u64::from(u32::MAX));
    let wide_pkt = n_packets > u64::from(u32::MAX);
    let mut g = Grouped {
        ts: Ticks::with_capacity(wide_ts, total),
        pkt: Ticks::with_capacity(wide_pkt, total),
        groups: Vec::new(),
        lists: Vec::with_capacity(lists.len()),
    };
    for list in lists {
        let segs: Vec<usize> = if last == 0 {
            Vec::new()
        } else {
            list.ts.iter().map(|&t| seg_of(t).min(last)).collect()
        };
        let seg = |i: usize| segs.get(i).copied().unwrap_or(0);
        let mut order: Vec<usize> = (0..list.ts.len()).collect();
        let sorted = list.ts.windows(2).all(|w| w[0] <= w[1]);
        if last > 0 || (sort && !sorted) {
            if sort {
                order.sort_by_key(|&i| (seg(i), list.ts[i]));
            } else {
                order.sort_by_key(|&i| seg(i));
            }
        }
        let first_group = g.groups.len();
        for &i in &order {
            let s = seg(i);
            let pos = g.ts.len();
            let mine = g.groups.len() > first_group;
            match g.groups.last_mut() {
                Some(cur) if mine && cur.seg == s => cur.end = pos + 1,
                _ => g.groups.push(Group {
                    seg: s,
                    start: pos,
                    end: pos + 1,
                }),
            }
            g.ts.push(list.ts[i]);
            g.pkt.push(list.pkt[i]);
        }
        g.lists.push(first_group..g.groups.len());
    }
    g
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::nev_header::parse_basic_header;

    fn header(spec: (u8, u8), packet: u32) -> NevBasicHeader {
        let mut b = Vec::new();
        b.extend_from_slice(b"NEURALEV");
        b.extend_from_slice(&[spec.0, spec.1, 1, 0]);
        b.extend_from_slice(&336u32.to_le_bytes());
        b.extend_from_slice(&packet.to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        b.extend_from_slice(&30000u32.to_le_bytes());
        b.resize(336, 0);
        parse_basic_header(&b).unwrap()
    }

    fn packet(ts: u32, id: u16, b0: u8, value: u16) -> Vec<u8> {
        let mut p = ts.to_le_bytes().to_vec();
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&[b0, 0]);
        p.extend_from_slice(&value.to_le_bytes());
        p.resize(20, 0);
        p
    }

    #[test]
    fn scans_units_and_events() {
        let h = header((2, 3), 20);
        let mut f = vec![0u8; 336];
        f.extend(packet(50, 3, 1, 0)); // ch3 unit1
        f.extend(packet(40, 3, 0, 0)); // ch3 unit0
        f.extend(packet(60, 0, 1, 7)); // digital
        f.extend(packet(61, 0, 129, 8)); // serial
        f.extend(packet(62, 0, 64, 8)); // periodic in 2.3: no channel
        f.extend(packet(70, 0xFFFF, 0, 0)); // comment
        f.extend(packet(30, 3, 1, 0)); // ch3 unit1, earlier
        f.extend(packet(80, 0xFFFE, 0, 0)); // video
        f.extend(packet(90, 3000, 0, 0)); // unknown
        f.extend_from_slice(&[1, 2, 3]);
        let s = scan_packets(&f, &h, &|_, _| {});
        assert_eq!((s.n_packets, s.trailing_bytes), (9, 3));
        assert_eq!(s.units.len(), 2);
        assert_eq!(s.units[0].0, (3, 1));
        assert_eq!(s.units[0].1.ts, vec![50, 30]);
        assert_eq!(s.units[0].1.pkt, vec![0, 6]);
        assert_eq!(s.units[1].0, (3, 0));
        assert_eq!(s.events[0].ts, vec![60]);
        assert_eq!(s.events[1].ts, vec![61]);
        assert_eq!(s.events[2].ts, vec![70]);
        assert_eq!(s.other.video_sync, 1);
        assert_eq!(s.other.unknown, 1);
        assert_eq!(s.other.unclassified_non_neural, 1);
        assert_eq!(s.ts_range, Some((30, 70)));
    }

    #[test]
    fn old_specs_have_analog_and_periodic_channels() {
        let names: Vec<String> = event_sources(NevSpec::V21)
            .iter()
            .map(|s| s.name())
            .collect();
        assert_eq!(names.len(), 8);
        assert_eq!(names[2], "analog_input_channel_1");
        assert_eq!(names[7], "periodic_sampling_events");
        assert!(EventSource::Analog(2).takes(NevSpec::V22, 0b100));
        assert!(!EventSource::Digital.takes(NevSpec::V22, 3));
        assert!(EventSource::Digital.takes(NevSpec::V23, 3));
        assert!(EventSource::Serial.takes(NevSpec::V30, 129));
        assert!(!EventSource::Periodic.takes(NevSpec::V23, 64));
    }

    #[test]
    fn groups_by_segment_sorted_and_compact() {
        let lists = vec![
            RawList {
                ts: vec![50, 10, 130, 120],
                pkt: vec![0, 1, 2, 3],
            },
            RawList {
                ts: vec![5],
                pkt: vec![4],
            },
        ];
        let seg_of = |t: u64| usize::from(t >= 100);
        let g = group(lists.clone(), 2, &seg_of, true, 5);
        assert!(matches!(g.ts, Ticks::U32(_)));
        assert_eq!(g.groups.len(), 3); // list 1 has nothing in segment 1
        assert_eq!(g.range(0, 0), 0..2);
        assert_eq!(g.range(0, 1), 2..4);
        assert_eq!(g.range(1, 0), 4..5);
        assert_eq!(g.range(1, 1), 0..0);
        assert_eq!(g.range(9, 0), 0..0);
        let ts: Vec<u64> = (0..5).map(|i| g.ts.get(i).unwrap()).collect();
        assert_eq!(ts, vec![10, 50, 120, 130, 5]);
        assert_eq!(g.pkt.get(0), Some(1));
        assert_eq!(g.ts.view(0..2).len(), 2);
        assert_eq!(g.ts.view(3..99).len(), 2);
        // file order kept when not sorting
        let g = group(lists, 2, &seg_of, false, 5);
        let ts: Vec<u64> = (0..4).map(|i| g.ts.get(i).unwrap()).collect();
        assert_eq!(ts, vec![50, 10, 130, 120]);
        // wide timestamps
        let g = group(
            vec![RawList {
                ts: vec![1 << 40],
                pkt: vec![0],
            }],
            1,
            &|_| 0,
            true,
            1,
        );
        assert!(matches!(g.ts, Ticks::U64(_)));
        assert_eq!(g.ts.get(0), Some(1 << 40));
    }
}
