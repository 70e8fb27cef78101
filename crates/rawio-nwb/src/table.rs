//! hdmf `DynamicTable`s: `id`, columns, ragged (`_index`, `_index_index`) resolution.

use crate::model::attrs;
use rawio_core::Result;
use rawio_hdf5::{ElementType, H5File, MemberKind, Record};
use serde_json::Value;
use std::ops::Range;

/// The values of one column dataset (flattened in C order).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Floating-point values (float32 widened exactly).
    F64(Vec<f64>),
    /// Signed integers.
    I64(Vec<i64>),
    /// Unsigned integers.
    U64(Vec<u64>),
    /// HDF5 enum FALSE/TRUE (h5py bool).
    Bool(Vec<bool>),
    /// Text.
    Str(Vec<String>),
    /// Object references, resolved to paths (`None` when unresolved).
    Ref(Vec<Option<String>>),
    /// Compound records, typed (references resolved to paths).
    Compound(Vec<Record>),
    /// A type this crate does not decode (the HDF5 type, described).
    Unsupported(String),
}

impl ColumnData {
    /// Number of stored elements.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::F64(v) => v.len(),
            ColumnData::I64(v) => v.len(),
            ColumnData::U64(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::Str(v) => v.len(),
            ColumnData::Ref(v) => v.len(),
            ColumnData::Compound(v) => v.len(),
            ColumnData::Unsupported(_) => 0,
        }
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i` as JSON.
    pub fn json(&self, i: usize) -> Value {
        match self {
            ColumnData::F64(v) => v.get(i).map_or(Value::Null, |&x| rawio_core::json_f64(x)),
            ColumnData::I64(v) => v.get(i).map_or(Value::Null, |&x| x.into()),
            ColumnData::U64(v) => v.get(i).map_or(Value::Null, |&x| x.into()),
            ColumnData::Bool(v) => v.get(i).map_or(Value::Null, |&x| x.into()),
            ColumnData::Str(v) => v.get(i).map_or(Value::Null, |x| x.clone().into()),
            ColumnData::Ref(v) => v.get(i).cloned().flatten().map_or(Value::Null, Value::from),
            ColumnData::Compound(v) => v.get(i).map_or(Value::Null, Record::to_json),
            ColumnData::Unsupported(_) => Value::Null,
        }
    }

    /// Element `i` as f64 (numbers and bools).
    pub fn f64(&self, i: usize) -> Option<f64> {
        match self {
            ColumnData::F64(v) => v.get(i).copied(),
            ColumnData::I64(v) => v.get(i).map(|&x| x as f64),
            ColumnData::U64(v) => v.get(i).map(|&x| x as f64),
            ColumnData::Bool(v) => v.get(i).map(|&x| f64::from(u8::from(x))),
            _ => None,
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// `description` attribute.
    pub description: String,
    /// `neurodata_type` of the column dataset (`VectorData`, `DynamicTableRegion`...).
    pub neurodata_type: Option<String>,
    /// The stored values, flattened.
    pub data: ColumnData,
    /// Shape of one element (dimensions after the first), `[]` for scalar cells.
    pub elem_shape: Vec<usize>,
    /// Ragged index levels, outermost first: `index[0][row]` is the exclusive end of the
    /// row in the next level (`index[1]`, or the data when there is one level).
    pub index: Vec<Vec<u64>>,
    /// For a `DynamicTableRegion`: the path of the referenced table.
    pub table: Option<String>,
}

/// `ends[i-1]..ends[i]` (with `ends[-1] = 0`): the range of ragged row `i`, or None when the
/// index is inconsistent (decreasing, or past `len`).
pub fn ragged_range(ends: &[u64], i: usize, len: usize) -> Option<Range<usize>> {
    let end = usize::try_from(*ends.get(i)?).ok()?;
    let start = if i == 0 {
        0
    } else {
        usize::try_from(*ends.get(i - 1)?).ok()?
    };
    (start <= end && end <= len).then_some(start..end)
}

impl Column {
    /// Number of (outer) rows.
    pub fn rows(&self) -> usize {
        match self.index.first() {
            Some(ix) => ix.len(),
            None => {
                let per = self.elem_shape.iter().product::<usize>().max(1);
                self.data.len() / per
            }
        }
    }

    /// Whether the column is ragged.
    pub fn is_ragged(&self) -> bool {
        !self.index.is_empty()
    }

    fn elem_json(&self, i: usize) -> Value {
        let per: usize = self.elem_shape.iter().product();
        if self.elem_shape.is_empty() {
            return self.data.json(i);
        }
        fn nest(d: &ColumnData, shape: &[usize], base: usize) -> Value {
            match shape.split_first() {
                None => d.json(base),
                Some((&n, rest)) => {
                    let stride: usize = rest.iter().product();
                    Value::Array((0..n).map(|k| nest(d, rest, base + k * stride)).collect())
                }
            }
        }
        nest(&self.data, &self.elem_shape, i * per)
    }

    fn level_json(&self, level: usize, i: usize) -> Value {
        match self.index.get(level) {
            None => self.elem_json(i),
            Some(ends) => {
                let next_len = match self.index.get(level + 1) {
                    Some(n) => n.len(),
                    None => {
                        let per = self.elem_shape.iter().product::<usize>().max(1);
                        self.data.len() / per
                    }
                };
                match ragged_range(ends, i, next_len) {
                    Some(r) => Value::Array(r.map(|k| self.level_json(level + 1, k)).collect()),
                    None => Value::Null,
                }
            }
        }
    }

    /// The cell of `row` as JSON: a scalar, a nested array for N-D cells, a list for ragged
    /// cells (list of lists when doubly ragged). Inconsistent indexes give `null`.
    pub fn cell(&self, row: usize) -> Value {
        self.level_json(0, row)
    }

    /// The flat data range of ragged `row` (single-level index), or the row itself.
    pub fn row_range(&self, row: usize) -> Option<Range<usize>> {
        let per = self.elem_shape.iter().product::<usize>().max(1);
        let n = self.data.len() / per;
        match self.index.as_slice() {
            [] => (row < n).then(|| row..row + 1),
            [ends] => ragged_range(ends, row, n),
            _ => None,
        }
    }
}

/// A DynamicTable read whole (small metadata tables: units, intervals, electrodes...).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// HDF5 path.
    pub path: String,
    /// Group name.
    pub name: String,
    /// `neurodata_type` attribute.
    pub neurodata_type: Option<String>,
    /// `description` attribute.
    pub description: String,
    /// Row ids (`id` dataset; `0..n` when absent).
    pub ids: Vec<i64>,
    /// Columns: `colnames` order first, then any other column dataset by name.
    pub columns: Vec<Column>,
}

impl Table {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Row `row` as a JSON object (every column).
    pub fn row_json(&self, row: usize) -> serde_json::Map<String, Value> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.cell(row)))
            .collect()
    }
}

/// The number of stored rows of a dataset (its first dimension within the stored extent; 1
/// for a scalar).
pub(crate) fn stored_len(ds: &rawio_hdf5::Dataset) -> Result<u64> {
    Ok(ds.stored_extent()?.first().copied().unwrap_or(1))
}

/// The exclusive ends of a ragged index: integers (NWB 2.1+), or region references each
/// selecting the next run of the target's `target_len` elements (NWB 2.0b, MatNWB).
fn index_ends(ds: &rawio_hdf5::Dataset, target_len: u64) -> Result<Vec<u64>> {
    if *ds.element_type() != ElementType::RegionRef {
        return ds.read_u64();
    }
    let mut ends = Vec::new();
    let mut prev = 0u64;
    for (i, r) in ds.read_region_refs()?.into_iter().enumerate() {
        let ranges = r
            .and_then(|r| r.selection.ranges_1d(target_len))
            .ok_or_else(|| ds.corrupt(format!("region reference {i} is null or not 1-D")))?;
        let (start, end) = match (ranges.first(), ranges.last()) {
            (Some(a), Some(b)) => (a.start, b.end),
            _ => (prev, prev), // an empty row
        };
        let contiguous = ranges.windows(2).all(|w| w[0].end == w[1].start);
        if start != prev || !contiguous || end > target_len {
            return Err(ds.file().unsupported(
                ds.path(),
                format!(
                    "a ragged index whose region {i} selects [{start}, {end}) after {prev} \
                     (only consecutive runs of the {target_len} values are read)"
                ),
            ));
        }
        ends.push(end);
        prev = end;
    }
    Ok(ends)
}

/// The rows each region reference of `ds` selects (region references into a table's column:
/// a DynamicTableRegion of NWB 2.0b), and the path of that table.
pub(crate) fn region_rows_each(
    ds: &rawio_hdf5::Dataset,
) -> Result<(Vec<Vec<i64>>, Option<String>)> {
    let mut out = Vec::new();
    let mut table = None;
    for (i, r) in ds.read_region_refs()?.into_iter().enumerate() {
        let bad = || ds.corrupt(format!("region reference {i} is null or unresolved"));
        let r = r.ok_or_else(bad)?;
        let target = r.path.clone().ok_or_else(bad)?;
        let len = stored_len(&ds.file().dataset(&target)?)?;
        let mut rows = Vec::new();
        for run in r.selection.rows(len).ok_or_else(bad)? {
            if run.end > len || rows.len() as u64 + (run.end - run.start) > len {
                return Err(ds.corrupt(format!("region reference {i} selects past {target}")));
            }
            for k in run {
                rows.push(i64::try_from(k).map_err(|_| bad())?);
            }
        }
        out.push(rows);
        if table.is_none() {
            table = target.rsplit_once('/').map(|(t, _)| t.to_owned());
        }
    }
    Ok((out, table))
}

/// [`region_rows_each`], flattened in order.
pub(crate) fn region_rows(ds: &rawio_hdf5::Dataset) -> Result<(Vec<i64>, Option<String>)> {
    let (each, table) = region_rows_each(ds)?;
    Ok((each.into_iter().flatten().collect(), table))
}

/// Reads one column dataset (no index).
pub(crate) fn read_column_data(h: &H5File, path: &str) -> Result<(ColumnData, Vec<usize>)> {
    let ds = h.dataset(path)?;
    let data = match ds.element_type() {
        ElementType::Numeric(d) if d.is_float() => ColumnData::F64(ds.read_f64()?),
        ElementType::Numeric(rawio_core::Dtype::Uint64) => ColumnData::U64(ds.read_u64()?),
        ElementType::Numeric(_) | ElementType::Enum(_) => ColumnData::I64(ds.read_i64()?),
        ElementType::Bool => ColumnData::Bool(ds.read_i64()?.into_iter().map(|v| v != 0).collect()),
        ElementType::Text => ColumnData::Str(ds.read_strings()?),
        ElementType::ObjectRef => ColumnData::Ref(ds.read_refs()?),
        ElementType::Compound => ColumnData::Compound(ds.read_records()?),
        ElementType::RegionRef => {
            // one row per reference (a DynamicTableRegion column of NWB 2.0b)
            let (each, _) = region_rows_each(&ds)?;
            if each.iter().all(|r| r.len() == 1) {
                ColumnData::I64(each.into_iter().flatten().collect())
            } else {
                ColumnData::Unsupported("region references selecting several rows".into())
            }
        }
        ElementType::Other(d) => ColumnData::Unsupported(d.clone()),
    };
    Ok((data, elem_shape(ds.shape())))
}

/// The shape of one element: the dimensions after the first.
fn elem_shape(shape: &[u64]) -> Vec<usize> {
    shape
        .iter()
        .skip(1)
        .map(|&d| usize::try_from(d).unwrap_or(0))
        .collect()
}

/// Reads the table at group `path`.
pub(crate) fn read_table(h: &H5File, path: &str) -> Result<Table> {
    read_table_lazy(h, path, &[])
}

/// The column names of the table at `path`: `colnames` order first, then every other
/// dataset that is not `id` or an index.
pub(crate) fn column_names(colnames: Option<Vec<String>>, children: &[String]) -> Vec<String> {
    let has = |n: &str| children.iter().any(|c| c == n);
    let is_index = |n: &str| n.strip_suffix("_index").is_some_and(has);
    let mut names: Vec<String> = colnames
        .unwrap_or_default()
        .into_iter()
        .filter(|n| has(n))
        .collect();
    for c in children {
        if c != "id" && !is_index(c) && !names.contains(c) {
            names.push(c.clone());
        }
    }
    names
}

/// Reads column `name` of the table at `path` (its data unless `lazy`, and its indexes).
fn read_column(
    h: &H5File,
    path: &str,
    name: String,
    has: &dyn Fn(&str) -> bool,
    lazy: bool,
) -> Result<Column> {
    let p = format!("{path}/{name}");
    let cattrs = attrs(h, &p);
    let (data, elem_shape) = if lazy {
        let ds = h.dataset(&p)?;
        (
            ColumnData::Unsupported("not loaded".into()),
            elem_shape(ds.shape()),
        )
    } else {
        read_column_data(h, &p)?
    };
    let mut index = Vec::new();
    let i1 = format!("{name}_index");
    if has(&i1) {
        let d1 = h.dataset(&format!("{path}/{i1}"))?;
        let i2 = format!("{name}_index_index");
        if has(&i2) {
            index.push(index_ends(&h.dataset(&format!("{path}/{i2}"))?, d1.len())?);
        }
        let target_len = stored_len(&h.dataset(&p)?)?;
        index.push(index_ends(&d1, target_len)?);
    }
    Ok(Column {
        description: cattrs.text("description").unwrap_or_default(),
        neurodata_type: cattrs.text("neurodata_type"),
        table: cattrs.reference("table"),
        name,
        data,
        elem_shape,
        index,
    })
}

/// Reads the table at group `path`; the data of the columns named in `lazy` is not read
/// (`ColumnData::Unsupported("not loaded")`, shape and indexes are).
pub(crate) fn read_table_lazy(h: &H5File, path: &str, lazy: &[&str]) -> Result<Table> {
    let attrs = attrs(h, path);
    let children: Vec<String> = h
        .members(path)
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.kind == MemberKind::Dataset)
        .map(|m| m.name)
        .collect();
    let has = |n: &str| children.iter().any(|c| c == n);
    let names = column_names(attrs.strings("colnames"), &children);
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let is_lazy = lazy.contains(&name.as_str());
        columns.push(read_column(h, path, name, &has, is_lazy)?);
    }
    let ids = if has("id") {
        h.dataset(&format!("{path}/id"))?.read_i64()?
    } else {
        let n = columns.first().map_or(0, Column::rows);
        (0..n as i64).collect()
    };
    Ok(Table {
        path: path.to_owned(),
        name: path.rsplit('/').next().unwrap_or(path).to_owned(),
        neurodata_type: attrs.text("neurodata_type"),
        description: attrs.text("description").unwrap_or_default(),
        ids,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(data: ColumnData, elem_shape: Vec<usize>, index: Vec<Vec<u64>>) -> Column {
        Column {
            name: "c".into(),
            description: String::new(),
            neurodata_type: None,
            data,
            elem_shape,
            index,
            table: None,
        }
    }

    #[test]
    fn ragged_ranges_allow_repeats_and_reject_garbage() {
        let ends = [40u64, 40, 47, 167, 168];
        assert_eq!(ragged_range(&ends, 0, 168), Some(0..40));
        assert_eq!(ragged_range(&ends, 1, 168), Some(40..40));
        assert_eq!(ragged_range(&ends, 4, 168), Some(167..168));
        assert_eq!(ragged_range(&ends, 5, 168), None);
        assert_eq!(ragged_range(&[5, 3], 1, 10), None);
        assert_eq!(ragged_range(&[50], 0, 10), None);
    }

    #[test]
    fn cells_scalar_nd_ragged_doubly_ragged() {
        let c = col(ColumnData::F64(vec![1.0, 2.0, 3.0]), vec![], vec![]);
        assert_eq!(c.cell(1), serde_json::json!(2.0));
        assert_eq!(c.rows(), 3);
        let c = col(
            ColumnData::I64(vec![1, 2, 3, 4, 5, 6]),
            vec![2],
            vec![vec![1, 3]],
        );
        assert_eq!(c.cell(1), serde_json::json!([[3, 4], [5, 6]]));
        // waveforms-like: units -> events -> per-electrode rows
        let c = col(
            ColumnData::I64((0..6).collect()),
            vec![],
            vec![vec![2, 2, 3], vec![1, 3, 6]],
        );
        assert_eq!(c.cell(0), serde_json::json!([[0], [1, 2]]));
        assert_eq!(c.cell(1), serde_json::json!([]));
        assert_eq!(c.cell(2), serde_json::json!([[3, 4, 5]]));
        assert_eq!(c.rows(), 3);
        assert_eq!(
            col(ColumnData::I64(vec![1]), vec![], vec![vec![9]]).cell(0),
            Value::Null
        );
    }
}
