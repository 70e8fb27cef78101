//! Pure parsing of the text files of a Phy folder: `params.py` (a Python-literal subset) and
//! the `cluster_*.tsv` / `*.csv` tables. No I/O here: everything works on `&str` and is
//! unit-tested on literals.

use rawio_core::serde_json::{self, Value};
use std::collections::BTreeMap;

/// A Python literal value as found in `params.py`.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer literal (decimal, hex, octal or binary, `_` separators allowed).
    Int(i64),
    /// A float literal (`25000.`, `1e3`, `.5`, `float('inf')` is not supported).
    Float(f64),
    /// A string literal (single, double or triple quoted; `r`/`u`/`b` prefixes).
    Str(String),
    /// A list or tuple literal.
    List(Vec<PyValue>),
    /// An expression this parser does not understand, kept as source text.
    Unparsed(String),
}

impl PyValue {
    /// The value as f64 (ints and floats).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            PyValue::Int(i) => Some(*i as f64),
            PyValue::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as a non-negative integer (ints, and floats with an integral value).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            PyValue::Int(i) => u64::try_from(*i).ok(),
            PyValue::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19 => Some(*f as u64),
            _ => None,
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON (for annotations).
    pub fn to_json(&self) -> Value {
        match self {
            PyValue::None => Value::Null,
            PyValue::Bool(b) => Value::Bool(*b),
            PyValue::Int(i) => Value::from(*i),
            PyValue::Float(f) => rawio_core::json_f64(*f),
            PyValue::Str(s) | PyValue::Unparsed(s) => Value::from(s.as_str()),
            PyValue::List(l) => Value::Array(l.iter().map(PyValue::to_json).collect()),
        }
    }
}

/// The parameters of `params.py` that the reader uses, plus every assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Sampling rate of the spike times and of the raw data, Hz.
    pub sample_rate: f64,
    /// `dat_path`: one or more raw data files (a string or a list of strings), as written.
    pub dat_path: Vec<String>,
    /// `n_channels_dat`: channels interleaved in the raw data file.
    pub n_channels_dat: Option<u64>,
    /// `dtype` of the raw data (numpy name), as written.
    pub dtype: Option<String>,
    /// `offset`: bytes to skip at the start of each raw data file.
    pub offset: u64,
    /// `hp_filtered`: whether the raw data is already high-pass filtered.
    pub hp_filtered: Option<bool>,
    /// Every assignment, keys lower-cased (as neo does), in file order of first appearance.
    pub all: BTreeMap<String, PyValue>,
}

/// Why `params.py` could not be parsed: 1-based line number and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamsError {
    /// Byte offset in the text.
    pub offset: u64,
    /// What is wrong.
    pub detail: String,
}

impl Params {
    /// Parses the text of `params.py`.
    ///
    /// Assignments `name = literal` are collected (a later assignment wins). Values this
    /// parser cannot read are kept as [`PyValue::Unparsed`] and only matter if the reader
    /// needs them. `sample_rate` is required.
    pub fn parse(text: &str) -> Result<Params, ParamsError> {
        let all = parse_assignments(text);
        let get = |k: &str| all.get(k);
        let sample_rate = match get("sample_rate") {
            Some(v) => v.as_f64().ok_or_else(|| ParamsError {
                offset: 0,
                detail: format!("sample_rate is not a number: {v:?}"),
            })?,
            None => {
                return Err(ParamsError {
                    offset: 0,
                    detail: "params.py has no sample_rate".into(),
                });
            }
        };
        if !(sample_rate.is_finite() && sample_rate > 0.0) {
            return Err(ParamsError {
                offset: 0,
                detail: format!("sample_rate must be a positive number, found {sample_rate}"),
            });
        }
        let dat_path = match get("dat_path") {
            Some(PyValue::Str(s)) => vec![s.clone()],
            Some(PyValue::List(l)) => l
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let n_channels_dat = get("n_channels_dat").and_then(PyValue::as_u64);
        let dtype = get("dtype").and_then(|v| v.as_str().map(str::to_owned));
        let offset = get("offset").and_then(PyValue::as_u64).unwrap_or(0);
        let hp_filtered = match get("hp_filtered") {
            Some(PyValue::Bool(b)) => Some(*b),
            Some(PyValue::Int(i)) => Some(*i != 0),
            _ => None,
        };
        Ok(Params {
            sample_rate,
            dat_path,
            n_channels_dat,
            dtype,
            offset,
            hp_filtered,
            all,
        })
    }
}

/// Every `name = value` statement at the top level of a Python file (keys lower-cased).
fn parse_assignments(text: &str) -> BTreeMap<String, PyValue> {
    let mut out = BTreeMap::new();
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    loop {
        p.skip_blank_lines();
        if p.pos >= p.s.len() {
            break;
        }
        let start = p.pos;
        let name = p.ident();
        p.skip_inline_ws();
        let is_assign = !name.is_empty() && p.peek() == Some(b'=') && p.peek_at(1) != Some(b'=');
        if !is_assign {
            p.pos = start;
            p.skip_statement();
            continue;
        }
        p.pos += 1;
        p.skip_inline_ws();
        let value_start = p.pos;
        let value = match p.value() {
            Some(v) => {
                p.skip_inline_ws();
                p.skip_comment();
                if matches!(p.peek(), None | Some(b'\n' | b'\r' | b';')) {
                    v
                } else {
                    p.pos = value_start;
                    p.skip_statement();
                    unparsed(text, value_start, p.pos)
                }
            }
            None => {
                p.pos = value_start;
                p.skip_statement();
                unparsed(text, value_start, p.pos)
            }
        };
        if p.peek() == Some(b';') {
            p.pos += 1;
        }
        out.insert(name.to_lowercase(), value);
    }
    out
}

fn unparsed(text: &str, start: usize, end: usize) -> PyValue {
    let t = text.get(start..end).unwrap_or("");
    let t = t.split('#').next().unwrap_or("");
    PyValue::Unparsed(t.trim().to_owned())
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.pos + k).copied()
    }

    fn skip_inline_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\x0c')) {
            self.pos += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.pos += 1;
            }
        }
    }

    /// Whitespace, newlines, comments and `;` (inside brackets everything is free-form).
    fn skip_all_ws(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') => self.pos += 1,
                Some(b'\\') if matches!(self.peek_at(1), Some(b'\n' | b'\r')) => self.pos += 2,
                Some(b'#') => self.skip_comment(),
                _ => break,
            }
        }
    }

    fn skip_blank_lines(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b';') => self.pos += 1,
                Some(b'#') => self.skip_comment(),
                _ => break,
            }
        }
    }

    /// Skips to the end of the current logical line (respecting brackets and strings).
    fn skip_statement(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'\n' if depth == 0 => break,
                b'#' => self.skip_comment(),
                b'\'' | b'"' => {
                    let save = self.pos;
                    if self.string(false).is_none() {
                        self.pos = save + 1;
                    }
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.pos += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    self.pos += 1;
                }
                _ => self.pos += 1,
            }
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || (c == b'.' && self.pos > start) {
                self.pos += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    fn value(&mut self) -> Option<PyValue> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Option<PyValue> {
        if depth > MAX_DEPTH {
            return None;
        }
        let c = self.peek()?;
        match c {
            b'[' | b'(' => {
                let close = if c == b'[' { b']' } else { b')' };
                self.pos += 1;
                let mut items = Vec::new();
                let mut saw_comma = false;
                loop {
                    self.skip_all_ws();
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.value_at(depth + 1)?);
                    self.skip_all_ws();
                    match self.peek() {
                        Some(b',') => {
                            saw_comma = true;
                            self.pos += 1;
                        }
                        Some(x) if x == close => {
                            self.pos += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                // `(x)` is just x in Python
                if close == b')' && items.len() == 1 && !saw_comma {
                    return items.pop();
                }
                Some(PyValue::List(items))
            }
            b'\'' | b'"' => self.strings(false),
            c if c.is_ascii_alphabetic() => {
                // a string prefix (r'', rb'', u'', b'') or a keyword
                let (k, raw) = self.string_prefix();
                if k > 0 && k <= 2 && matches!(self.peek_at(k), Some(b'\'' | b'"')) {
                    self.pos += k;
                    return self.strings(raw);
                }
                let word = self.ident();
                match word.as_str() {
                    "True" => Some(PyValue::Bool(true)),
                    "False" => Some(PyValue::Bool(false)),
                    "None" => Some(PyValue::None),
                    _ => None,
                }
            }
            b'-' | b'+' => {
                self.pos += 1;
                self.skip_inline_ws();
                let v = self.number()?;
                Some(if c == b'-' {
                    match v {
                        PyValue::Int(i) => PyValue::Int(i.checked_neg()?),
                        PyValue::Float(f) => PyValue::Float(-f),
                        other => other,
                    }
                } else {
                    v
                })
            }
            b'0'..=b'9' | b'.' => self.number(),
            _ => None,
        }
    }

    /// Length (capped at 3) of a run of string-prefix letters (`r`, `u`, `b`, any case) at the
    /// cursor, and whether it contains `r` (a raw string).
    fn string_prefix(&self) -> (usize, bool) {
        let mut raw = false;
        let mut k = 0;
        while let Some(p @ (b'r' | b'R' | b'u' | b'U' | b'b' | b'B')) = self.peek_at(k) {
            raw |= matches!(p, b'r' | b'R');
            k += 1;
            if k > 2 {
                break;
            }
        }
        (k, raw)
    }

    /// One or more adjacent string literals (Python concatenates them).
    fn strings(&mut self, raw: bool) -> Option<PyValue> {
        let mut out = self.string(raw)?;
        loop {
            let save = self.pos;
            self.skip_inline_ws();
            let (k, raw2) = self.string_prefix();
            if k <= 2 && matches!(self.peek_at(k), Some(b'\'' | b'"')) {
                self.pos += k;
                out.push_str(&self.string(raw2)?);
            } else {
                self.pos = save;
                break;
            }
        }
        Some(PyValue::Str(out))
    }

    /// One string literal starting at the quote.
    fn string(&mut self, raw: bool) -> Option<String> {
        let q = self.peek()?;
        let triple = self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q);
        self.pos += if triple { 3 } else { 1 };
        let mut bytes = Vec::new();
        loop {
            let c = self.peek()?;
            if c == q {
                if !triple {
                    self.pos += 1;
                    break;
                }
                if self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q) {
                    self.pos += 3;
                    break;
                }
            }
            if c == b'\n' && !triple {
                return None;
            }
            if c == b'\\' {
                let n = self.peek_at(1)?;
                if raw {
                    // a raw string keeps the backslash; `\'` does not end it
                    bytes.push(c);
                    bytes.push(n);
                    self.pos += 2;
                    continue;
                }
                self.pos += 2;
                match n {
                    b'n' => bytes.push(b'\n'),
                    b't' => bytes.push(b'\t'),
                    b'r' => bytes.push(b'\r'),
                    b'0' => bytes.push(0),
                    b'\\' | b'\'' | b'"' => bytes.push(n),
                    b'\n' => {}
                    b'x' => {
                        let h = self.s.get(self.pos..self.pos + 2)?;
                        let h = std::str::from_utf8(h).ok()?;
                        let v = u32::from_str_radix(h, 16).ok()?;
                        let ch = char::from_u32(v)?;
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        self.pos += 2;
                    }
                    other => {
                        // unknown escapes keep the backslash, as Python does
                        bytes.push(b'\\');
                        bytes.push(other);
                    }
                }
                continue;
            }
            bytes.push(c);
            self.pos += 1;
        }
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn number(&mut self) -> Option<PyValue> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            let exp_sign = matches!(c, b'+' | b'-')
                && self.pos > start
                && matches!(self.s.get(self.pos - 1), Some(b'e' | b'E'))
                && !self.s[start..self.pos].starts_with(b"0x");
            if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || exp_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text: String = String::from_utf8_lossy(&self.s[start..self.pos]).replace('_', "");
        let lower = text.to_ascii_lowercase();
        let radix = |p: &str, r: u32| i64::from_str_radix(p, r).ok().map(PyValue::Int);
        if let Some(h) = lower.strip_prefix("0x") {
            return radix(h, 16);
        }
        if let Some(o) = lower.strip_prefix("0o") {
            return radix(o, 8);
        }
        if let Some(b) = lower.strip_prefix("0b") {
            return radix(b, 2);
        }
        if lower.bytes().all(|c| c.is_ascii_digit()) && !lower.is_empty() {
            return lower
                .parse::<i64>()
                .ok()
                .map(PyValue::Int)
                .or_else(|| lower.parse::<f64>().ok().map(PyValue::Float));
        }
        if lower.ends_with('j') || lower.contains("inf") || lower.contains("nan") {
            return None;
        }
        lower.parse::<f64>().ok().map(PyValue::Float)
    }
}

/// A parsed `.tsv` / `.csv` table: a header row and data rows (cells as text).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names from the first row.
    pub columns: Vec<String>,
    /// Data rows; each has exactly `columns.len()` cells (short rows are padded with empty
    /// cells, extra cells dropped).
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses delimited text the way Python's `csv.DictReader` does for these files: `"`
    /// quoting with `""` escapes, blank lines skipped, `\r\n` or `\n` line ends.
    pub fn parse(text: &str, delimiter: char) -> Table {
        let mut records = split_records(text, delimiter).into_iter();
        let Some(columns) = records.next() else {
            return Table::default();
        };
        let n = columns.len();
        let rows = records
            .map(|mut r| {
                r.resize(n, String::new());
                r
            })
            .collect();
        Table { columns, rows }
    }
}

fn split_records(text: &str, delim: char) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut in_quotes = false;
    let mut at_cell_start = true;
    let mut chars = text.chars().peekable();
    let finish_record =
        |record: &mut Vec<String>, cell: &mut String, out: &mut Vec<Vec<String>>| {
            record.push(std::mem::take(cell));
            let rec = std::mem::take(record);
            if !(rec.len() == 1 && rec.first().is_some_and(String::is_empty)) {
                out.push(rec);
            }
        };
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cell.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                cell.push(c);
            }
            continue;
        }
        match c {
            '"' if at_cell_start => {
                in_quotes = true;
                at_cell_start = false;
            }
            c if c == delim => {
                record.push(std::mem::take(&mut cell));
                at_cell_start = true;
            }
            '\r' => {}
            '\n' => {
                finish_record(&mut record, &mut cell, &mut out);
                at_cell_start = true;
            }
            c => {
                cell.push(c);
                at_cell_start = false;
            }
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        finish_record(&mut record, &mut cell, &mut out);
    }
    out
}

/// Converts a table cell as neo's `PhyRawIO` does: empty → `null`; text starting with a
/// letter stays a string; otherwise an integer, else a float. Where neo would raise (a value
/// such as `12abc` or `1e5` without a dot), this keeps a float when Rust parses one and the
/// string otherwise.
pub fn typed_cell(cell: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    if cell.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Value::from(cell);
    }
    let t = cell.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = t.parse::<f64>() {
        return rawio_core::json_f64(f);
    }
    Value::from(cell)
}

/// The annotation name neo gives a table column: `KSLabel` becomes `quality`, others are
/// lower-cased.
pub fn annotation_name(column: &str) -> String {
    if column == "KSLabel" {
        "quality".to_owned()
    } else {
        column.to_lowercase()
    }
}

/// Per-cluster annotations from one table: `(cluster_id, name → value)` for every row whose
/// first column is an integer (other rows are skipped).
pub fn table_annotations(table: &Table) -> Vec<(i64, serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    for row in &table.rows {
        let Some(id) = row.first().and_then(|c| c.trim().parse::<i64>().ok()) else {
            continue;
        };
        let map = table
            .columns
            .iter()
            .zip(row)
            .skip(1)
            .map(|(col, cell)| (annotation_name(col), typed_cell(cell)))
            .collect();
        out.push((id, map));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kilosort_params() {
        let p = Params::parse(
            "dat_path = 'sim_binary.dat'\nn_channels_dat = 34\ndtype = 'int16'\noffset = 0\nsample_rate = 25000.\nhp_filtered = False\n",
        )
        .unwrap();
        assert_eq!(p.sample_rate, 25000.0);
        assert_eq!(p.dat_path, vec!["sim_binary.dat"]);
        assert_eq!(p.n_channels_dat, Some(34));
        assert_eq!(p.dtype.as_deref(), Some("int16"));
        assert_eq!(p.offset, 0);
        assert_eq!(p.hp_filtered, Some(false));
    }

    #[test]
    fn values_neo_cannot_parse() {
        let text = r#"
# written by a tool
dat_path = r'C:\My Data\run 1.dat'  # with spaces
n_channels_dat=4
dtype = "int16"
offset = 1_024
sample_rate = 3e4
hp_filtered = True
extra = (1, 2.5, None, [True, 'a b'])
concat = ['one file.dat',
          "two\tfile.dat",  # second
          ]
weird = numpy.float32(3)
neg = -7
"#;
        let p = Params::parse(text).unwrap();
        assert_eq!(p.dat_path, vec![r"C:\My Data\run 1.dat"]);
        assert_eq!(p.sample_rate, 30000.0);
        assert_eq!(p.offset, 1024);
        assert_eq!(p.n_channels_dat, Some(4));
        assert_eq!(p.hp_filtered, Some(true));
        assert_eq!(
            p.all["extra"],
            PyValue::List(vec![
                PyValue::Int(1),
                PyValue::Float(2.5),
                PyValue::None,
                PyValue::List(vec![PyValue::Bool(true), PyValue::Str("a b".into())]),
            ])
        );
        assert_eq!(
            p.all["concat"],
            PyValue::List(vec![
                PyValue::Str("one file.dat".into()),
                PyValue::Str("two\tfile.dat".into())
            ])
        );
        assert_eq!(p.all["weird"], PyValue::Unparsed("numpy.float32(3)".into()));
        assert_eq!(p.all["neg"], PyValue::Int(-7));
    }

    #[test]
    fn dat_path_list_and_escapes() {
        let p = Params::parse(
            "sample_rate = 30000\ndat_path = ['a.dat', 'b\\\\c.dat', r'd\\'e.dat']\n",
        )
        .unwrap();
        assert_eq!(p.dat_path, vec!["a.dat", "b\\c.dat", "d\\'e.dat"]);
        let p = Params::parse("sample_rate = 30000; dat_path = '''x\ny'''\n").unwrap();
        assert_eq!(p.dat_path, vec!["x\ny"]);
        let p = Params::parse("sample_rate = (20000)\ndat_path = 'a' 'b'\n").unwrap();
        assert_eq!(p.sample_rate, 20000.0);
        assert_eq!(p.dat_path, vec!["ab"]);
    }

    #[test]
    fn params_errors() {
        assert!(
            Params::parse("")
                .unwrap_err()
                .detail
                .contains("no sample_rate")
        );
        assert!(Params::parse("sample_rate = 'fast'").is_err());
        assert!(Params::parse("sample_rate = 0").is_err());
        assert!(Params::parse("sample_rate = -5.0").is_err());
        // garbage never panics
        for t in [
            "sample_rate = [[[[",
            "x = '",
            "= 3",
            "sample_rate = 1e",
            "a = r'\\",
            "\u{0}\u{ff}=\"",
            "sample_rate = 0x",
            "sample_rate = -",
            "sample_rate = ((((((1))))))",
        ] {
            let _ = Params::parse(t);
        }
        let deep = format!(
            "sample_rate = {}1{}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(Params::parse(&deep).is_err());
        // the last assignment wins, later unparsable statements do not hide earlier ones
        let p = Params::parse("sample_rate = 1000\nsample_rate = 2000\nif x:\n  pass\n").unwrap();
        assert_eq!(p.sample_rate, 2000.0);
    }

    #[test]
    fn tables() {
        let t = Table::parse(
            "cluster_id\tKSLabel\tamp\tch\n0\tgood\t12.5\t3\n\n2\tmua\t\t7\r\n5\n",
            '\t',
        );
        assert_eq!(t.columns, vec!["cluster_id", "KSLabel", "amp", "ch"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[2], vec!["5", "", "", ""]);
        let ann = table_annotations(&t);
        assert_eq!(ann[0].0, 0);
        assert_eq!(ann[0].1["quality"], Value::from("good"));
        assert_eq!(ann[0].1["amp"], Value::from(12.5));
        assert_eq!(ann[0].1["ch"], Value::from(3));
        assert_eq!(ann[1].1["amp"], Value::Null);
        let c = Table::parse("id,Name,Note\n1,\"a, b\",\"say \"\"hi\"\"\"\nx,1,2\n", ',');
        assert_eq!(c.rows[0], vec!["1", "a, b", "say \"hi\""]);
        let ann = table_annotations(&c);
        assert_eq!(ann.len(), 1, "rows without an integer id are skipped");
        assert_eq!(ann[0].1["name"], Value::from("a, b"));
        assert_eq!(Table::parse("", ','), Table::default());
    }

    #[test]
    fn neo_cell_typing() {
        assert_eq!(typed_cell(""), Value::Null);
        assert_eq!(typed_cell("good"), Value::from("good"));
        assert_eq!(typed_cell("-3"), Value::from(-3));
        assert_eq!(typed_cell("0.25"), Value::from(0.25));
        assert_eq!(typed_cell("-.5"), Value::from(-0.5));
        assert_eq!(typed_cell("1e3"), Value::from(1000.0));
        assert_eq!(typed_cell("nan"), Value::from("nan"));
        assert_eq!(typed_cell("12abc"), Value::from("12abc"));
        assert_eq!(annotation_name("KSLabel"), "quality");
        assert_eq!(annotation_name("ContamPct"), "contampct");
    }
}
