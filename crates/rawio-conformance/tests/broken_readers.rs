//! The kit must catch deliberately broken readers, one per check, and pass a correct one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rawio_conformance::{Report, check_reader};
use rawio_core::testing::TinyReader;
use rawio_core::{
    ChannelIndexes, Events, Header, RawChunk, RawIO, RawTimestamps, RawWaveforms, Result, TimeBase,
};
use std::ops::Range;

/// Which bug to inject.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Bug {
    None,
    /// Zeroes the last samples when a read reaches the end (neo's Plexon bug class).
    TailZeros,
    /// Off-by-one when reading from a non-zero start.
    ShiftedMidRead,
    /// Ignores the channel order of a list selection.
    IgnoresListOrder,
    /// Spike count disagrees with timestamps.
    WrongSpikeCount,
    /// Unsorted timestamps.
    UnsortedSpikes,
    /// Waveforms with one spike too many.
    WaveformCount,
    /// Epoch channel without durations.
    EpochWithoutDurations,
    /// Labels shorter than timestamps.
    MissingLabels,
    /// A segment with t_stop == t_start.
    EmptySegment,
    /// Two channels of one stream with different rates.
    MixedRates,
    /// Different data on every call from another thread.
    ThreadDependent,
    /// Duplicate channel ids in a stream.
    DuplicateIds,
}

struct Broken {
    inner: TinyReader,
    bug: Bug,
    header: Header,
}

impl Broken {
    fn new(bug: Bug) -> Self {
        let inner = TinyReader::new();
        let mut header = inner.header().clone();
        match bug {
            Bug::EmptySegment => header.blocks[0].segments[0].t_stop = 0.0,
            Bug::MixedRates => header.signal_channels[1].sampling_rate = 500.0,
            Bug::DuplicateIds => {
                header.signal_channels[1].id = header.signal_channels[0].id.clone()
            }
            _ => {}
        }
        Broken { inner, bug, header }
    }
}

impl RawIO for Broken {
    fn format_id(&self) -> &'static str {
        "broken"
    }
    fn source_name(&self) -> String {
        format!("broken reader ({:?})", self.bug)
    }
    fn header(&self) -> &Header {
        &self.header
    }
    fn read_signal_size(&self, b: usize, s: usize, k: usize) -> Result<u64> {
        self.inner.read_signal_size(b, s, k)
    }
    fn read_signal_t_start(&self, b: usize, s: usize, k: usize) -> Result<f64> {
        self.inner.read_signal_t_start(b, s, k)
    }
    fn read_signal_chunk(
        &self,
        b: usize,
        s: usize,
        k: usize,
        samples: Range<u64>,
        ch: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let size = self.inner.signal.nrows() as u64;
        match self.bug {
            Bug::TailZeros if samples.end == size && samples.end - samples.start > 1 => {
                let mut c = self
                    .inner
                    .read_signal_chunk(b, s, k, samples, ch)?
                    .as_typed::<i16>()
                    .unwrap()
                    .to_owned();
                let n = c.nrows();
                c.row_mut(n - 1).fill(0);
                Ok(RawChunk::new(c))
            }
            Bug::ShiftedMidRead
                if samples.start > 0 && samples.start % 2 == 1 && samples.end < size =>
            {
                self.inner
                    .read_signal_chunk(b, s, k, samples.start + 1..samples.end + 1, ch)
            }
            Bug::IgnoresListOrder => {
                let mut v = ch.to_vec();
                v.sort_unstable();
                self.inner
                    .read_signal_chunk(b, s, k, samples, &ChannelIndexes::List(v))
            }
            Bug::ThreadDependent => {
                let c = self.inner.read_signal_chunk(b, s, k, samples, ch)?;
                if std::thread::current().name().is_none() {
                    let mut o = c.as_typed::<i16>().unwrap().to_owned();
                    o.mapv_inplace(|v| v.wrapping_add(1));
                    Ok(RawChunk::new(o))
                } else {
                    Ok(c)
                }
            }
            _ => self.inner.read_signal_chunk(b, s, k, samples, ch),
        }
    }
    fn read_spike_count(&self, b: usize, s: usize, u: usize) -> Result<u64> {
        let n = self.inner.read_spike_count(b, s, u)?;
        Ok(if self.bug == Bug::WrongSpikeCount {
            n + 1
        } else {
            n
        })
    }
    fn spike_time_base(&self) -> TimeBase {
        self.inner.spike_time_base()
    }
    fn read_spike_timestamps(&self, b: usize, s: usize, u: usize) -> Result<RawTimestamps<'_>> {
        if self.bug == Bug::UnsortedSpikes {
            let mut v = self.inner.spikes[u].clone();
            v.reverse();
            return Ok(RawTimestamps::new(rawio_core::ndarray::Array1::from(v)));
        }
        self.inner.read_spike_timestamps(b, s, u)
    }
    fn read_spike_waveforms(
        &self,
        b: usize,
        s: usize,
        u: usize,
        spikes: Range<usize>,
    ) -> Result<Option<RawWaveforms<'_>>> {
        if self.bug == Bug::WaveformCount {
            let n = self.inner.spikes[u].len();
            return self
                .inner
                .read_spike_waveforms(b, s, u, 0..(spikes.len() + 1).min(n));
        }
        self.inner.read_spike_waveforms(b, s, u, spikes)
    }
    fn read_event_count(&self, b: usize, s: usize, e: usize) -> Result<u64> {
        self.inner.read_event_count(b, s, e)
    }
    fn event_time_base(&self, e: usize) -> TimeBase {
        self.inner.event_time_base(e)
    }
    fn read_events(&self, b: usize, s: usize, e: usize) -> Result<Events<'_>> {
        let mut ev = self.inner.read_events(b, s, e)?;
        match self.bug {
            Bug::EpochWithoutDurations if e == 1 => ev.durations = None,
            Bug::MissingLabels => {
                ev.labels.pop();
            }
            _ => {}
        }
        Ok(ev)
    }
}

fn report(bug: Bug) -> Report {
    check_reader(&Broken::new(bug))
}

#[test]
fn correct_reader_passes() {
    let r = report(Bug::None);
    assert!(r.is_ok(), "{r}");
    assert!(r.assertions > 1000, "only {} assertions", r.assertions);
    rawio_conformance::assert_conformant(&TinyReader::new());
}

#[test]
fn every_bug_is_caught_by_its_check() {
    let cases = [
        (Bug::TailZeros, "read_analogsignals/chunked"),
        (Bug::ShiftedMidRead, "read_analogsignals/chunked"),
        (Bug::IgnoresListOrder, "read_analogsignals/selection"),
        (Bug::WrongSpikeCount, "read_spike_times"),
        (Bug::UnsortedSpikes, "read_spike_times"),
        (Bug::WaveformCount, "read_spike_waveforms"),
        (Bug::EpochWithoutDurations, "read_events"),
        (Bug::MissingLabels, "read_events"),
        (Bug::EmptySegment, "count_element"),
        (Bug::MixedRates, "header"),
        (Bug::DuplicateIds, "header"),
        (Bug::ThreadDependent, "two_threads"),
    ];
    for (bug, check) in cases {
        let r = report(bug);
        assert!(r.failed(check), "{bug:?} not caught by {check}:\n{r}");
    }
}

/// Bugs of readers with several blocks and segments, or with explicit clocks.
#[derive(Clone, Copy, PartialEq, Debug)]
enum MultiBug {
    None,
    /// Reads block 0 whatever block is asked for.
    IgnoresBlock,
    /// Reads segment 0 whatever segment is asked for.
    IgnoresSegment,
    /// Explicit times that go backwards once.
    TimesNotIncreasing,
    /// Explicit times computed from the start of the requested range instead of the segment.
    TimesRelativeToChunk,
    /// Declares an explicit clock but never implemented `read_signal_times` (the regular
    /// default), so the first time is not where `signal_t_start` says.
    ExplicitWithoutTimes,
}

struct BrokenMulti {
    inner: rawio_core::testing::MultiBlockReader,
    bug: MultiBug,
}

impl BrokenMulti {
    fn bs(&self, b: usize, s: usize) -> (usize, usize) {
        match self.bug {
            MultiBug::IgnoresBlock => (0, s),
            MultiBug::IgnoresSegment => (b, 0),
            _ => (b, s),
        }
    }
}

impl RawIO for BrokenMulti {
    fn format_id(&self) -> &'static str {
        "broken-multi"
    }
    fn source_name(&self) -> String {
        format!("{:?}", self.bug)
    }
    fn header(&self) -> &Header {
        self.inner.header()
    }
    fn read_signal_size(&self, b: usize, s: usize, k: usize) -> Result<u64> {
        let (b, s) = self.bs(b, s);
        self.inner.read_signal_size(b, s, k)
    }
    fn read_signal_t_start(&self, b: usize, s: usize, k: usize) -> Result<f64> {
        let (b, s) = self.bs(b, s);
        if self.bug == MultiBug::ExplicitWithoutTimes && k == 1 {
            return Ok(self.inner.read_signal_t_start(b, s, k)? - 0.1);
        }
        self.inner.read_signal_t_start(b, s, k)
    }
    fn read_signal_chunk(
        &self,
        b: usize,
        s: usize,
        k: usize,
        samples: Range<u64>,
        ch: &ChannelIndexes,
    ) -> Result<RawChunk<'_>> {
        let (b, s) = self.bs(b, s);
        self.inner.read_signal_chunk(b, s, k, samples, ch)
    }
    fn read_signal_times(
        &self,
        b: usize,
        s: usize,
        k: usize,
        samples: Range<u64>,
    ) -> Result<rawio_core::SampleTimes<'_>> {
        let (b, s) = self.bs(b, s);
        let start = samples.start;
        let mut t = self.inner.read_signal_times(b, s, k, samples)?.into_owned();
        match self.bug {
            MultiBug::TimesNotIncreasing if t.len() > 5 => t.swap(3, 4),
            MultiBug::TimesRelativeToChunk => t.mapv_inplace(|x| x - start as f64 * 1e-6),
            MultiBug::ExplicitWithoutTimes => {
                let t0 = self.read_signal_t_start(b, s, k)?;
                let rate = self.header().signal_channels[2].sampling_rate;
                let n = t.len() as u64;
                return Ok(rawio_core::ndarray::CowArray::from(
                    rawio_core::ndarray::Array1::from_iter(
                        (start..start + n).map(|i| t0 + 0.1 + i as f64 / rate),
                    ),
                ));
            }
            _ => {}
        }
        Ok(rawio_core::ndarray::CowArray::from(t))
    }
    fn read_spike_count(&self, b: usize, s: usize, u: usize) -> Result<u64> {
        let (b, s) = self.bs(b, s);
        self.inner.read_spike_count(b, s, u)
    }
    fn spike_time_base(&self) -> TimeBase {
        self.inner.spike_time_base()
    }
    fn read_spike_timestamps(&self, b: usize, s: usize, u: usize) -> Result<RawTimestamps<'_>> {
        let (b, s) = self.bs(b, s);
        self.inner.read_spike_timestamps(b, s, u)
    }
    fn read_event_count(&self, b: usize, s: usize, e: usize) -> Result<u64> {
        let (b, s) = self.bs(b, s);
        self.inner.read_event_count(b, s, e)
    }
    fn event_time_base(&self, e: usize) -> TimeBase {
        self.inner.event_time_base(e)
    }
    fn read_events(&self, b: usize, s: usize, e: usize) -> Result<Events<'_>> {
        let (b, s) = self.bs(b, s);
        self.inner.read_events(b, s, e)
    }
}

fn multi_report(bug: MultiBug) -> Report {
    check_reader(&BrokenMulti {
        inner: rawio_core::testing::MultiBlockReader::new(),
        bug,
    })
}

#[test]
fn correct_multi_block_reader_passes() {
    let r = multi_report(MultiBug::None);
    assert!(r.is_ok(), "{r}");
    rawio_conformance::assert_conformant(&rawio_core::testing::MultiBlockReader::new());
}

#[test]
fn every_multi_block_and_clock_bug_is_caught() {
    let cases = [
        (MultiBug::IgnoresBlock, "segment_bounds"),
        (MultiBug::IgnoresSegment, "segment_bounds"),
        (MultiBug::TimesNotIncreasing, "signal_clocks"),
        (MultiBug::TimesRelativeToChunk, "signal_clocks"),
        (MultiBug::ExplicitWithoutTimes, "signal_clocks"),
    ];
    for (bug, check) in cases {
        let r = multi_report(bug);
        assert!(r.failed(check), "{bug:?} not caught by {check}:\n{r}");
    }
}
