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

/// Timestamps and packet numbers of one unit or event channel, in file order (4 bytes each
/// while the values fit in 32 bits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawList {
    /// Packet timestamps.
    pub ts: Ticks,
    /// Packet numbers (0 = first packet after the headers).
    pub pkt: Ticks,
}

impl Default for RawList {
    fn default() -> Self {
        RawList {
            ts: Ticks::U32(Vec::new()),
            pkt: Ticks::U32(Vec::new()),
        }
    }
}

impl RawList {
    /// A list from plain vectors.
    pub fn from_vecs(ts: Vec<u64>, pkt: Vec<u64>) -> Self {
        let mut l = RawList::default();
        for (t, p) in ts.into_iter().zip(pkt) {
            l.push(t, p);
        }
        l
    }

    fn push(&mut self, ts: u64, pkt: u64) {
        self.ts.push(ts);
        self.pkt.push(pkt);
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
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
    /// Appends `v`, widening to 64 bits when it does not fit in 32.
    fn push(&mut self, v: u64) {
        match self {
            Ticks::U32(a) => match u32::try_from(v) {
                Ok(x) => a.push(x),
                Err(_) => {
                    let mut w: Vec<u64> = a.iter().map(|&x| u64::from(x)).collect();
                    w.push(v);
                    *self = Ticks::U64(w);
                }
            },
            Ticks::U64(a) => a.push(v),
        }
    }

    /// The values at positions `order` (a permutation).
    fn permuted(&self, order: &[usize]) -> Ticks {
        match self {
            Ticks::U32(a) => Ticks::U32(order.iter().filter_map(|&i| a.get(i).copied()).collect()),
            Ticks::U64(a) => Ticks::U64(order.iter().filter_map(|&i| a.get(i).copied()).collect()),
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            Ticks::U32(a) => a.shrink_to_fit(),
            Ticks::U64(a) => a.shrink_to_fit(),
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
    /// First position in the list.
    pub start: usize,
    /// End position.
    pub end: usize,
}

/// A list reordered by segment, with its non-empty groups by ascending segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedList {
    /// The items, segment after segment.
    pub items: RawList,
    /// Non-empty groups (so the index never exceeds the number of items, however many
    /// segments there are).
    pub groups: Vec<Group>,
}

/// Lists grouped by segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouped {
    /// One per list, in list order.
    pub lists: Vec<GroupedList>,
}

impl Grouped {
    /// The positions of list `i` in segment `s` (empty when out of range or without items).
    pub fn range(&self, i: usize, s: usize) -> Range<usize> {
        let Some(l) = self.lists.get(i) else {
            return 0..0;
        };
        match l.groups.binary_search_by_key(&s, |g| g.seg) {
            Ok(k) => l.groups[k].start..l.groups[k].end,
            Err(_) => 0..0,
        }
    }

    /// The timestamps of list `i` in segment `s`, borrowed.
    pub fn ts_view(&self, i: usize, s: usize) -> RawTimestamps<'_> {
        match self.lists.get(i) {
            Some(l) => l.items.ts.view(self.range(i, s)),
            None => Ticks::U32(Vec::new()).view(0..0).into_owned(),
        }
    }

    /// Timestamp at position `k` of list `i`.
    pub fn ts(&self, i: usize, k: usize) -> Option<u64> {
        self.lists.get(i)?.items.ts.get(k)
    }

    /// Packet number at position `k` of list `i`.
    pub fn pkt(&self, i: usize, k: usize) -> Option<u64> {
        self.lists.get(i)?.items.pkt.get(k)
    }

    /// Smallest and largest timestamp of each of `n` segments.
    pub fn bounds(&self, n: usize) -> Vec<Option<(u64, u64)>> {
        let mut b: Vec<Option<(u64, u64)>> = vec![None; n];
        for l in &self.lists {
            for g in &l.groups {
                let Some(slot) = b.get_mut(g.seg) else {
                    continue;
                };
                for t in (g.start..g.end).filter_map(|k| l.items.ts.get(k)) {
                    *slot = Some(slot.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
                }
            }
        }
        b
    }

    /// Heap bytes of the arrays.
    pub fn heap_bytes(&self) -> usize {
        self.lists
            .iter()
            .map(|l| {
                l.items.ts.heap_bytes()
                    + l.items.pkt.heap_bytes()
                    + l.groups.capacity() * std::mem::size_of::<Group>()
            })
            .sum::<usize>()
            + self.lists.capacity() * std::mem::size_of::<GroupedList>()
    }
}

/// Groups each list by segment (`seg_of(ts)`, clamped below `n_segments`), keeping file order
/// inside a segment, or sorting by timestamp (stable) when `sort` is set. A list already in
/// order is kept as is; otherwise it is permuted, one list at a time, so the peak memory is the
/// lists plus one permutation.
pub fn group(
    lists: Vec<RawList>,
    n_segments: usize,
    seg_of: &dyn Fn(u64) -> usize,
    sort: bool,
) -> Grouped {
    let last = n_segments.max(1) - 1;
    let lists = lists
        .into_iter()
        .map(|list| {
            let n = list.len();
            let segs: Vec<usize> = if last == 0 {
                Vec::new()
            } else {
                (0..n)
                    .map(|i| seg_of(list.ts.get(i).unwrap_or(0)).min(last))
                    .collect()
            };
            let seg = |i: usize| segs.get(i).copied().unwrap_or(0);
            // already grouped (and, when sorting, ascending inside each segment)?
            let in_order = segs.is_sorted()
                && (!sort
                    || (1..n)
                        .all(|k| seg(k) != seg(k - 1) || list.ts.get(k - 1) <= list.ts.get(k)));
            let (items, segs) = if in_order {
                let mut list = list;
                list.ts.shrink_to_fit();
                list.pkt.shrink_to_fit();
                (list, segs)
            } else {
                let mut order: Vec<usize> = (0..n).collect();
                if sort {
                    order.sort_by_key(|&i| (seg(i), list.ts.get(i).unwrap_or(0)));
                } else {
                    order.sort_by_key(|&i| seg(i));
                }
                let segs: Vec<usize> = if segs.is_empty() {
                    segs
                } else {
                    order.iter().map(|&i| seg(i)).collect()
                };
                let items = RawList {
                    ts: list.ts.permuted(&order),
                    pkt: list.pkt.permuted(&order),
                };
                (items, segs)
            };
            let mut groups: Vec<Group> = Vec::new();
            for k in 0..items.len() {
                let s = segs.get(k).copied().unwrap_or(0);
                match groups.last_mut() {
                    Some(g) if g.seg == s => g.end = k + 1,
                    _ => groups.push(Group {
                        seg: s,
                        start: k,
                        end: k + 1,
                    }),
                }
            }
            GroupedList { items, groups }
        })
        .collect();
    Grouped { lists }
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
        assert_eq!(s.units[0].1.ts, Ticks::U32(vec![50, 30]));
        assert_eq!(s.units[0].1.pkt, Ticks::U32(vec![0, 6]));
        assert_eq!(s.units[1].0, (3, 0));
        assert_eq!(s.events[0].ts, Ticks::U32(vec![60]));
        assert_eq!(s.events[1].ts, Ticks::U32(vec![61]));
        assert_eq!(s.events[2].ts, Ticks::U32(vec![70]));
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
            RawList::from_vecs(vec![50, 10, 130, 120], vec![0, 1, 2, 3]),
            RawList::from_vecs(vec![5], vec![4]),
        ];
        let seg_of = |t: u64| usize::from(t >= 100);
        let g = group(lists.clone(), 2, &seg_of, true);
        assert_eq!(g.range(0, 0), 0..2);
        assert_eq!(g.range(0, 1), 2..4);
        assert_eq!(g.range(1, 0), 0..1);
        assert_eq!(g.range(1, 1), 0..0);
        assert_eq!(g.range(9, 0), 0..0);
        assert_eq!(g.lists[1].groups.len(), 1);
        let ts: Vec<u64> = (0..4).map(|k| g.ts(0, k).unwrap()).collect();
        assert_eq!(ts, vec![10, 50, 120, 130]);
        assert_eq!(g.pkt(0, 0), Some(1));
        assert_eq!(g.ts_view(0, 1).len(), 2);
        assert_eq!(g.ts_view(7, 1).len(), 0);
        assert_eq!(g.bounds(2), vec![Some((5, 50)), Some((120, 130))]);
        // file order kept when not sorting
        let g = group(lists, 2, &seg_of, false);
        let ts: Vec<u64> = (0..4).map(|k| g.ts(0, k).unwrap()).collect();
        assert_eq!(ts, vec![50, 10, 130, 120]);
        // a list in order is kept as is; a value above 32 bits widens the list
        let mut l = RawList::default();
        l.push(1, 0);
        l.push(1 << 40, 1);
        assert!(matches!(l.ts, Ticks::U64(_)));
        assert!(matches!(l.pkt, Ticks::U32(_)));
        let g = group(vec![l], 1, &|_| 0, true);
        assert_eq!(g.ts(0, 1), Some(1 << 40));
        assert!(g.heap_bytes() > 0);
    }
}
