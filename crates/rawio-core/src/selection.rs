//! Channel selection, resolved in one place for every reader.
//!
//! Users say which channels of a stream they want with [`ChannelSelection`]; the trait's
//! provided methods resolve it into [`ChannelIndexes`] (local indexes inside the stream) before
//! calling the reader. A contiguous selection becomes a range, so readers can return a view
//! without copying per channel.

use crate::dtype::Sample;
use crate::error::{Error, Result};
use crate::header::Header;
use ndarray::{ArrayView2, Axis, CowArray, Ix2};
use std::ops::Range;

/// Which channels of a stream to read. Every form selecting the same channels gives the same
/// array.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ChannelSelection {
    /// Every channel of the stream.
    #[default]
    All,
    /// Local indexes (0-based inside the stream), in the order wanted; repeats allowed.
    Indexes(Vec<usize>),
    /// A contiguous range of local indexes.
    Range(Range<usize>),
    /// One flag per channel of the stream.
    Mask(Vec<bool>),
    /// Channel ids.
    Ids(Vec<String>),
    /// Channel names (an error if the stream's names are not unique).
    Names(Vec<String>),
}

impl ChannelSelection {
    /// Selection by ids.
    pub fn ids<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        ChannelSelection::Ids(ids.into_iter().map(Into::into).collect())
    }

    /// Selection by names.
    pub fn names<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        ChannelSelection::Names(names.into_iter().map(Into::into).collect())
    }
}

impl From<Range<usize>> for ChannelSelection {
    fn from(r: Range<usize>) -> Self {
        ChannelSelection::Range(r)
    }
}

impl From<Vec<usize>> for ChannelSelection {
    fn from(v: Vec<usize>) -> Self {
        ChannelSelection::Indexes(v)
    }
}

/// A resolved, validated selection of local channel indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelIndexes {
    /// A contiguous range (the fast path: a column slice, no per-channel copy).
    Range(Range<usize>),
    /// Any other list (non-contiguous, reordered or repeated).
    List(Vec<usize>),
}

impl ChannelIndexes {
    /// Number of selected channels.
    pub fn len(&self) -> usize {
        match self {
            ChannelIndexes::Range(r) => r.len(),
            ChannelIndexes::List(l) => l.len(),
        }
    }

    /// Whether no channel is selected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The selected indexes as a vector.
    pub fn to_vec(&self) -> Vec<usize> {
        match self {
            ChannelIndexes::Range(r) => r.clone().collect(),
            ChannelIndexes::List(l) => l.clone(),
        }
    }

    /// Turns a list into a range when it is contiguous and increasing.
    pub fn from_list(list: Vec<usize>) -> Self {
        if let (Some(&first), Some(&last)) = (list.first(), list.last())
            && list.windows(2).all(|w| w[1] == w[0] + 1)
        {
            return ChannelIndexes::Range(first..last + 1);
        }
        if list.is_empty() {
            return ChannelIndexes::Range(0..0);
        }
        ChannelIndexes::List(list)
    }

    /// Selects these columns of `view`: a borrowed view for a range, a copy for a list.
    pub fn select_columns<'a, T: Sample>(&self, view: ArrayView2<'a, T>) -> CowArray<'a, T, Ix2> {
        match self {
            ChannelIndexes::Range(r) => CowArray::from(view.slice_move(ndarray::s![.., r.clone()])),
            ChannelIndexes::List(l) => CowArray::from(view.select(Axis(1), l)),
        }
    }
}

/// Resolves `selection` against the channels of `stream`.
///
/// Errors: an index out of range, a mask of the wrong length, an unknown id or name, or a
/// name selection in a stream whose names are not unique.
pub fn resolve_channels(
    header: &Header,
    stream: usize,
    selection: &ChannelSelection,
) -> Result<ChannelIndexes> {
    let chans = header.stream_channels(stream)?;
    let n = chans.len();
    let check = |i: usize| {
        if i < n {
            Ok(i)
        } else {
            Err(Error::out_of_range("channel index", i, n))
        }
    };
    Ok(match selection {
        ChannelSelection::All => ChannelIndexes::Range(0..n),
        ChannelSelection::Range(r) => {
            if r.start > r.end {
                return Err(Error::invalid(format!("channel range {r:?} is decreasing")));
            }
            if r.end > n {
                return Err(Error::out_of_range(
                    "channel index",
                    r.end.saturating_sub(1),
                    n,
                ));
            }
            ChannelIndexes::Range(r.clone())
        }
        ChannelSelection::Indexes(list) => {
            ChannelIndexes::from_list(list.iter().map(|&i| check(i)).collect::<Result<_>>()?)
        }
        ChannelSelection::Mask(mask) => {
            if mask.len() != n {
                return Err(Error::invalid(format!(
                    "channel mask has {} entries, stream {stream} has {n} channels",
                    mask.len()
                )));
            }
            ChannelIndexes::from_list(
                mask.iter()
                    .enumerate()
                    .filter_map(|(i, &m)| m.then_some(i))
                    .collect(),
            )
        }
        ChannelSelection::Ids(ids) => ChannelIndexes::from_list(
            ids.iter()
                .map(|id| {
                    chans
                        .iter()
                        .position(|c| &c.id == id)
                        .ok_or_else(|| Error::UnknownId {
                            what: "channel id",
                            id: id.clone(),
                        })
                })
                .collect::<Result<_>>()?,
        ),
        ChannelSelection::Names(names) => {
            let mut seen = std::collections::HashSet::new();
            if !chans.iter().all(|c| seen.insert(&c.name)) {
                return Err(Error::invalid(format!(
                    "channel names are not unique in stream {stream}; select by id or index"
                )));
            }
            ChannelIndexes::from_list(
                names
                    .iter()
                    .map(|name| {
                        chans
                            .iter()
                            .position(|c| &c.name == name)
                            .ok_or_else(|| Error::UnknownId {
                                what: "channel name",
                                id: name.clone(),
                            })
                    })
                    .collect::<Result<_>>()?,
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Dtype;
    use crate::header::{SignalChannel, SignalStream};

    fn header() -> Header {
        let ch = |i: usize, name: &str| SignalChannel {
            name: name.into(),
            id: format!("{i}"),
            sampling_rate: 1000.0,
            dtype: Dtype::Int16,
            units: "mV".into(),
            gain: 1.0,
            offset: 0.0,
            stream_id: "0".into(),
            buffer_id: String::new(),
            annotations: Default::default(),
        };
        Header {
            signal_streams: vec![SignalStream {
                name: "s".into(),
                id: "0".into(),
                buffer_id: String::new(),
                clock: Default::default(),
                annotations: Default::default(),
            }],
            signal_channels: vec![ch(0, "a"), ch(1, "b"), ch(2, "c"), ch(3, "d")],
            ..Default::default()
        }
    }

    #[test]
    fn all_forms_agree() {
        let h = header();
        let want = ChannelIndexes::Range(1..3);
        for sel in [
            ChannelSelection::Range(1..3),
            ChannelSelection::Indexes(vec![1, 2]),
            ChannelSelection::Mask(vec![false, true, true, false]),
            ChannelSelection::ids(["1", "2"]),
            ChannelSelection::names(["b", "c"]),
        ] {
            assert_eq!(resolve_channels(&h, 0, &sel).unwrap(), want, "{sel:?}");
        }
        assert_eq!(
            resolve_channels(&h, 0, &ChannelSelection::Indexes(vec![3, 0])).unwrap(),
            ChannelIndexes::List(vec![3, 0])
        );
        assert_eq!(
            resolve_channels(&h, 0, &ChannelSelection::All).unwrap(),
            ChannelIndexes::Range(0..4)
        );
    }

    #[test]
    fn errors_not_panics() {
        let h = header();
        assert!(resolve_channels(&h, 0, &ChannelSelection::Indexes(vec![4])).is_err());
        assert!(resolve_channels(&h, 0, &ChannelSelection::Range(2..5)).is_err());
        #[allow(clippy::reversed_empty_ranges)]
        let rev = ChannelSelection::Range(3..1);
        assert!(resolve_channels(&h, 0, &rev).is_err());
        assert!(resolve_channels(&h, 0, &ChannelSelection::Mask(vec![true])).is_err());
        assert!(resolve_channels(&h, 0, &ChannelSelection::ids(["9"])).is_err());
        assert!(resolve_channels(&h, 1, &ChannelSelection::All).is_err());
        let mut dup = header();
        dup.signal_channels[1].name = "a".into();
        assert!(resolve_channels(&dup, 0, &ChannelSelection::names(["a"])).is_err());
    }
}
