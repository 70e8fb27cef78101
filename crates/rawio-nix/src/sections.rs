//! Metadata sections (odML-style trees under `/metadata`) read as annotations.
//!
//! A section group holds `properties` (one dataset per property: its values, with `name`,
//! `unit`, `definition` attributes) and `sections` (sub-sections); a `link` member is a
//! section whose properties the section inherits (nixio's `inherited_properties`). Old NIX
//! files (format < 1.1) store property values as compound records whose `value` field is
//! the value.

use crate::model::{Members, children};
use rawio_core::{Annotations, Result};
use rawio_hdf5::{Group, H5File, Value};
use serde_json::Value as Json;
use std::collections::HashSet;

/// Deepest section nesting read.
const MAX_DEPTH: usize = 16;

/// One property of a section.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its name.
    pub name: String,
    /// Its values (one value: a scalar).
    pub values: Json,
    /// Its unit (empty when none).
    pub unit: String,
    /// Its odML type (`type` or `odml_type` attribute), e.g. neo's `ARRAYANNOTATION`.
    pub kind: String,
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Record(r) => r.get("value").map_or_else(|| r.to_json(), Value::to_json),
        other => other.to_json(),
    }
}

/// The properties of the section at `path`, followed by the inherited ones (its `link`'s,
/// recursively) that it does not override.
pub fn properties(h: &H5File, path: &str) -> Result<Vec<Property>> {
    let g = h.group(path)?;
    let mut out = Vec::new();
    collect_properties(&g, &mut out, &mut HashSet::new())?;
    Ok(out)
}

/// The properties of `g`, then of its `link` chain (each section once: links may cycle).
fn collect_properties(g: &Group, out: &mut Vec<Property>, seen: &mut HashSet<u64>) -> Result<()> {
    if seen.len() > MAX_DEPTH || !seen.insert(g.address()) {
        return Ok(());
    }
    let m = Members::of(g)?;
    if let Some(props) = m.group("properties")? {
        let pm = Members::of(&props)?;
        let names: Vec<String> = pm.names().map(str::to_owned).collect();
        for n in names {
            let Some(ds) = pm.dataset(&n)? else {
                continue;
            };
            let attrs = ds.attributes();
            let name = attrs.text("name").unwrap_or(n);
            if out.iter().any(|p| p.name == name) {
                continue;
            }
            let values: Vec<Json> = ds.read_values()?.iter().map(value_json).collect();
            let values = match <[Json; 1]>::try_from(values) {
                Ok([one]) => one,
                Err(many) => Json::Array(many),
            };
            out.push(Property {
                name,
                values,
                unit: attrs.text("unit").unwrap_or_default(),
                kind: attrs
                    .text("type")
                    .or_else(|| attrs.text("odml_type"))
                    .unwrap_or_default(),
            });
        }
    }
    if let Some(link) = m.group("link")? {
        collect_properties(&link, out, seen)?;
    }
    Ok(())
}

/// Most sections expanded in one tree (hard links can make a section tree a graph).
const MAX_SECTIONS: usize = 4096;

/// The section at `path` as a JSON object: its properties (`name: value`, and
/// `name_unit: unit` for those with a unit), its sub-sections by name (nested objects), and
/// `section_type` when it has a type. A section met again below itself (a hard-link cycle) is
/// not expanded again; at most 4096 sections and 16 levels are expanded.
pub fn section_json(h: &H5File, path: &str) -> Result<Annotations> {
    let g = h.group(path)?;
    let mut budget = MAX_SECTIONS;
    section_object(&g, &mut Vec::new(), &mut budget)
}

fn section_object(g: &Group, path: &mut Vec<u64>, budget: &mut usize) -> Result<Annotations> {
    let mut out = Annotations::new();
    if path.len() > MAX_DEPTH || path.contains(&g.address()) || *budget == 0 {
        out.insert("section_not_expanded".into(), g.path().into());
        return Ok(out);
    }
    *budget -= 1;
    path.push(g.address());
    if let Some(t) = g.attributes()?.text("type") {
        out.insert("section_type".into(), t.into());
    }
    let mut props = Vec::new();
    collect_properties(g, &mut props, &mut HashSet::new())?;
    for p in props {
        if !p.unit.is_empty() {
            out.insert(format!("{}_unit", p.name), p.unit.into());
        }
        out.insert(p.name, p.values);
    }
    if let Some(subs) = Members::of(g)?.group("sections")? {
        for s in children(&subs)? {
            let name = s
                .attributes()?
                .text("name")
                .unwrap_or_else(|| s.name().to_owned());
            out.insert(name, Json::Object(section_object(&s, path, budget)?));
        }
    }
    path.pop();
    Ok(out)
}
