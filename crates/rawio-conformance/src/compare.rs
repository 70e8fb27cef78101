//! Field-by-field comparison of dumps, with the semantics of `shared/oracle/compare.py`.

use serde_json::Value;

/// Tolerances and ignored paths for [`compare_dumps`].
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Relative tolerance for numbers.
    pub rtol: f64,
    /// Absolute tolerance for numbers.
    pub atol: f64,
    /// JSON-pointer globs to skip (`*` within a segment, `**` across segments), e.g.
    /// `/segments/*/signals/*/tail` or `/**/waveform_sum`.
    pub ignore: Vec<String>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            rtol: 1e-9,
            atol: 1e-12,
            ignore: Vec::new(),
        }
    }
}

impl CompareOptions {
    /// Adds an ignore pattern.
    pub fn ignoring(mut self, pattern: impl Into<String>) -> Self {
        self.ignore.push(pattern.into());
        self
    }
}

/// Compares `actual` with `expected`: every key of `expected` must be in `actual` (extra keys
/// are fine), arrays must have equal lengths, numbers must agree within
/// `atol + rtol * |expected|`, strings/bools/null exactly. Returns one line per mismatch.
pub fn compare_dumps(expected: &Value, actual: &Value, opts: &CompareOptions) -> Vec<String> {
    let patterns: Vec<Vec<String>> = opts
        .ignore
        .iter()
        .map(|p| p.trim_matches('/').split('/').map(str::to_owned).collect())
        .collect();
    let mut out = Vec::new();
    walk(
        expected,
        Some(actual),
        &mut Vec::new(),
        &patterns,
        opts,
        &mut out,
    );
    out
}

fn walk(
    exp: &Value,
    act: Option<&Value>,
    path: &mut Vec<String>,
    patterns: &[Vec<String>],
    opts: &CompareOptions,
    out: &mut Vec<String>,
) {
    if patterns.iter().any(|p| glob_match(p, path)) {
        return;
    }
    let here = || format!("/{}", path.join("/"));
    let Some(act) = act else {
        out.push(format!(
            "{}: expected {}, got <missing>",
            here(),
            short(exp)
        ));
        return;
    };
    match (exp, act) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                path.push(k.replace('~', "~0").replace('/', "~1"));
                walk(v, a.get(k), path, patterns, opts, out);
                path.pop();
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{}: expected {} elements, got {} elements",
                    here(),
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                path.push(i.to_string());
                walk(ev, Some(av), path, patterns, opts, out);
                path.pop();
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            let within = (a - e).abs() <= opts.atol + opts.rtol * e.abs();
            if !within {
                out.push(format!("{}: expected {e}, got {a}", here()));
            }
        }
        (e, a) if std::mem::discriminant(e) == std::mem::discriminant(a) => {
            if e != a {
                out.push(format!(
                    "{}: expected {}, got {}",
                    here(),
                    short(e),
                    short(a)
                ));
            }
        }
        (e, a) => out.push(format!(
            "{}: expected {}, got {}",
            here(),
            short(e),
            short(a)
        )),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 120 {
        s
    } else {
        format!("{}...", s.chars().take(117).collect::<String>())
    }
}

fn glob_match(pattern: &[String], parts: &[String]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=parts.len()).any(|i| glob_match(rest, &parts[i..]))
        }
        Some((first, rest)) => {
            !parts.is_empty()
                && segment_match(first.as_bytes(), parts[0].as_bytes())
                && glob_match(rest, &parts[1..])
        }
    }
}

/// fnmatch-style match of one segment: `*` and `?` (no character classes).
fn segment_match(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| segment_match(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && segment_match(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && segment_match(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compare_semantics() {
        let e = json!({"a": [1, 2.0, "x"], "b": {"c": null}, "sig": [{"tail": [1]}]});
        let a = json!({"a": [1.0, 2.0000000000001, "x"], "b": {"c": null}, "extra": 1, "sig": [{"tail": [9]}]});
        let o = CompareOptions::default().ignoring("/sig/*/tail");
        assert!(compare_dumps(&e, &a, &o).is_empty());
        let m = compare_dumps(&e, &a, &CompareOptions::default());
        assert_eq!(m, vec!["/sig/0/tail/0: expected 1, got 9"]);
        let m = compare_dumps(
            &json!({"x": [1, 2]}),
            &json!({"x": [1]}),
            &CompareOptions::default(),
        );
        assert_eq!(m.len(), 1);
        assert!(
            compare_dumps(
                &json!({"w": 1}),
                &json!({}),
                &CompareOptions::default().ignoring("/**/w")
            )
            .is_empty()
        );
        assert_eq!(
            compare_dumps(&json!(true), &json!(1), &CompareOptions::default()).len(),
            1
        );
    }
}
