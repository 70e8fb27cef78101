//! [`Attribute`] and [`Attributes`]: typed attribute reads.

use crate::H5File;
use crate::value::{ElementType, Value, decode, element_type};
use hdf5_reader::Datatype;
use rawio_core::{Error, Result};
use serde_json::Value as Json;

/// One attribute of a group or dataset.
#[derive(Clone)]
pub struct Attribute {
    file: H5File,
    /// Path of the object holding the attribute.
    owner: String,
    inner: hdf5_reader::Attribute,
    elem: ElementType,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("owner", &self.owner)
            .field("name", &self.inner.name)
            .field("shape", &self.inner.shape)
            .field("element_type", &self.elem)
            .finish()
    }
}

impl Attribute {
    /// The attribute's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its shape (`[]` for a scalar).
    pub fn shape(&self) -> &[u64] {
        &self.inner.shape
    }

    /// Whether it is a scalar.
    pub fn is_scalar(&self) -> bool {
        self.inner.shape.is_empty()
    }

    /// Its element type.
    pub fn element_type(&self) -> &ElementType {
        &self.elem
    }

    fn bad(&self, detail: impl std::fmt::Display) -> Error {
        self.file.corrupt(
            &self.owner,
            format!("attribute {}: {detail}", self.inner.name),
        )
    }

    /// A numeric (any width), bool or enum scalar as f64 (the first element of an array).
    pub fn read_f64(&self) -> Result<f64> {
        if let ElementType::Numeric(_) = self.elem {
            return self.inner.read_as_f64().map_err(|e| self.bad(e));
        }
        self.read_values()?
            .first()
            .and_then(Value::as_f64)
            .ok_or_else(|| self.bad(format!("not a number ({:?})", self.elem)))
    }

    /// Every element as f64 (numeric, bool and enum attributes), row-major.
    pub fn read_f64s(&self) -> Result<Vec<f64>> {
        self.read_values()?
            .iter()
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.bad(format!("not numeric ({:?})", self.elem)))
            })
            .collect()
    }

    /// Every element as i64 (integer, bool and enum attributes; values that do not fit
    /// fail).
    pub fn read_i64s(&self) -> Result<Vec<i64>> {
        if !self.elem.is_integer() {
            return Err(self.bad(format!("not an integer ({:?})", self.elem)));
        }
        self.read_values()?
            .iter()
            .map(|v| v.as_i64().ok_or_else(|| self.bad("value exceeds i64")))
            .collect()
    }

    /// A text scalar (the first element of a text array).
    pub fn read_string(&self) -> Result<String> {
        if self.elem != ElementType::Text {
            return Err(self.bad(format!("not text ({:?})", self.elem)));
        }
        if self.is_scalar() {
            self.inner.read_string().map_err(|e| self.bad(e))
        } else {
            self.read_strings()?
                .into_iter()
                .next()
                .ok_or_else(|| self.bad("empty text array"))
        }
    }

    /// Every element of a text attribute (a scalar gives one).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        if self.elem != ElementType::Text {
            return Err(self.bad(format!("not text ({:?})", self.elem)));
        }
        if self.is_scalar() {
            return Ok(vec![self.read_string()?]);
        }
        self.inner.read_strings().map_err(|e| self.bad(e))
    }

    /// An object-reference scalar resolved to the path of its target (`None` for a null
    /// reference or a target the walk did not reach).
    pub fn read_ref(&self) -> Result<Option<String>> {
        if self.elem != ElementType::ObjectRef {
            return Err(self.bad(format!("not an object reference ({:?})", self.elem)));
        }
        Ok(self.file.resolve_ref(&self.inner.raw_data))
    }

    /// Every element, decoded: numbers, bools, enums (with member names), text, references
    /// as paths, compound records. Row-major.
    pub fn read_values(&self) -> Result<Vec<Value>> {
        if self.elem == ElementType::Text {
            return Ok(self.read_strings()?.into_iter().map(Value::Text).collect());
        }
        let dt = &self.inner.datatype;
        let size = hdf5_reader::dtype_element_size(dt).unwrap_or(0);
        if size == 0 || matches!(dt, Datatype::VarLen { .. }) {
            return Err(self.bad(format!("type not decoded ({:?})", self.elem)));
        }
        let n = self
            .inner
            .shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.bad("shape overflows"))?;
        let raw = &self.inner.raw_data;
        if raw.len() / size < n {
            return Err(self.bad(format!("{} bytes for {n} elements", raw.len())));
        }
        let resolve = |b: &[u8]| Value::Ref(self.file.resolve_ref(b));
        Ok(raw
            .chunks_exact(size)
            .take(n)
            .map(|b| decode(dt, b, &resolve))
            .collect())
    }

    /// The attribute as JSON, for annotations: a scalar as [`Value::to_json`], an array as
    /// nested lists following its shape. Types not decoded give `null`.
    pub fn to_json(&self) -> Json {
        let Ok(values) = self.read_values() else {
            return Json::Null;
        };
        let flat: Vec<Json> = values.iter().map(Value::to_json).collect();
        let shape: Vec<usize> = self
            .inner
            .shape
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(usize::MAX))
            .collect();
        if shape.is_empty() {
            return flat.into_iter().next().unwrap_or(Json::Null);
        }
        nest(&flat, &shape)
    }
}

/// Nested JSON lists of `flat` (row-major) with `shape`.
pub(crate) fn nest(flat: &[Json], shape: &[usize]) -> Json {
    match shape.split_first() {
        None => flat.first().cloned().unwrap_or(Json::Null),
        Some((&n, [])) => Json::Array(flat.iter().take(n).cloned().collect()),
        Some((&n, rest)) => {
            let stride: usize = rest.iter().product();
            Json::Array(
                (0..n.min(flat.len()))
                    .map(|k| nest(flat.get(k.saturating_mul(stride)..).unwrap_or(&[]), rest))
                    .collect(),
            )
        }
    }
}

/// The attributes of one object, in stored order.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    list: Vec<Attribute>,
}

impl Attributes {
    pub(crate) fn new(file: &H5File, owner: &str, attrs: Vec<hdf5_reader::Attribute>) -> Self {
        Attributes {
            list: attrs
                .into_iter()
                .map(|a| Attribute {
                    file: file.clone(),
                    owner: owner.to_owned(),
                    elem: element_type(&a.datatype),
                    inner: a,
                })
                .collect(),
        }
    }

    /// The attribute named `name`.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.list.iter().find(|a| a.name() == name)
    }

    pub(crate) fn take(mut self, name: &str) -> Option<Attribute> {
        let i = self.list.iter().position(|a| a.name() == name)?;
        Some(self.list.swap_remove(i))
    }

    /// Whether there is an attribute named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every attribute.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.list.iter()
    }

    /// The number of attributes.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Text attribute `name`: a scalar, or the elements of an array joined by `", "`.
    /// `None` when absent or not text.
    pub fn text(&self, name: &str) -> Option<String> {
        let a = self.get(name)?;
        if a.is_scalar() {
            a.read_string().ok()
        } else {
            a.read_strings().ok().map(|v| v.join(", "))
        }
    }

    /// Text attribute `name` as a list (a scalar gives one element). `None` when absent or
    /// not text.
    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.get(name)?.read_strings().ok()
    }

    /// Numeric attribute `name` (any width) as f64. `None` when absent or not a number.
    pub fn f64(&self, name: &str) -> Option<f64> {
        self.get(name)?.read_f64().ok()
    }

    /// Object-reference attribute `name` resolved to a path. `None` when absent, not a
    /// reference, null or unresolved.
    pub fn reference(&self, name: &str) -> Option<String> {
        self.get(name)?.read_ref().ok().flatten()
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = &'a Attribute;
    type IntoIter = std::slice::Iter<'a, Attribute>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl H5File {
    /// Resolves the bytes of an object reference to the path of its target.
    pub(crate) fn resolve_ref(&self, bytes: &[u8]) -> Option<String> {
        let addr =
            hdf5_reader::reference::resolve_object_reference(bytes, self.inner.offset_size).ok()?;
        self.path_of_address(addr).map(str::to_owned)
    }
}
