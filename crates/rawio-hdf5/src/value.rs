//! Element types and typed values: what a dataset or attribute holds, decoded without JSON.

use hdf5_reader::{ByteOrder, Datatype, StringSize, VarLenKind};
use rawio_core::Dtype;
use serde_json::Value as Json;

/// The element type of a dataset or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementType {
    /// One of the ten numeric dtypes.
    Numeric(Dtype),
    /// h5py's bool (an enum of FALSE/TRUE over an integer), read as 0/1.
    Bool,
    /// Another enum over an integer type, read as its integer values (see [`Value::Enum`]).
    Enum(Dtype),
    /// Fixed or variable-length text.
    Text,
    /// Object references (resolved to object paths).
    ObjectRef,
    /// Dataset region references (not decoded: their selections live in the global heap).
    RegionRef,
    /// A compound (records of named fields).
    Compound,
    /// Anything else (opaque, arrays, float16, vlen sequences...), described.
    Other(String),
}

impl ElementType {
    /// Whether integer reads ([`crate::Dataset::read_i64`]) accept the type (integers,
    /// bools, integer enums).
    pub fn is_integer(&self) -> bool {
        match self {
            ElementType::Numeric(d) => !d.is_float(),
            ElementType::Bool | ElementType::Enum(_) => true,
            _ => false,
        }
    }

    /// Whether numeric reads ([`crate::Dataset::read_f64`]) accept the type.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ElementType::Numeric(_) | ElementType::Bool | ElementType::Enum(_)
        )
    }

    /// The dtype numeric reads return: the stored one, `int8` for bools, the base integer
    /// type for enums. `None` for other types.
    pub fn numeric_dtype(&self) -> Option<Dtype> {
        match self {
            ElementType::Numeric(d) | ElementType::Enum(d) => Some(*d),
            ElementType::Bool => Some(Dtype::Int8),
            _ => None,
        }
    }
}

/// One decoded element of any supported type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A signed integer (any width).
    Int(i64),
    /// An unsigned integer (any width).
    UInt(u64),
    /// A floating-point number (float32 widened exactly).
    Float(f64),
    /// An h5py bool (FALSE/TRUE enum).
    Bool(bool),
    /// Text.
    Text(String),
    /// An object reference: the path of the referenced object, `None` for a null reference
    /// or a target outside the walked tree.
    Ref(Option<String>),
    /// An enum value: its integer and, when it is a member, the member's name.
    Enum {
        /// The stored integer.
        value: i64,
        /// The member name, when the value is one of the enum's members.
        name: Option<String>,
    },
    /// A compound record.
    Record(Record),
    /// A type not decoded (described).
    Other(String),
}

/// A compound record: named fields in declaration order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// (field name, value), in the compound's order.
    pub fields: Vec<(String, Value)>,
}

impl Record {
    /// The field named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The record as a JSON object (see [`Value::to_json`]).
    pub fn to_json(&self) -> Json {
        Json::Object(
            self.fields
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}

impl Value {
    /// The value as f64 (numbers, bools and enums).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::UInt(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Enum { value, .. } => Some(*value as f64),
            _ => None,
        }
    }

    /// The value as i64 (integers that fit, bools and enums).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::UInt(v) => i64::try_from(*v).ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Enum { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The text of a [`Value::Text`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as JSON, for annotations and dumps: integers as integers, floats through
    /// [`rawio_core::json_f64`] (NaN and infinities as strings), bools, text, references as
    /// paths (`null` when unresolved), enums as their integer (bool enums as bools), records
    /// as objects, other types as `null`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Int(v) => (*v).into(),
            Value::UInt(v) => (*v).into(),
            Value::Float(v) => rawio_core::json_f64(*v),
            Value::Bool(b) => (*b).into(),
            Value::Text(s) => s.clone().into(),
            Value::Ref(p) => p.clone().map_or(Json::Null, Json::from),
            Value::Enum { value, .. } => (*value).into(),
            Value::Record(r) => r.to_json(),
            Value::Other(_) => Json::Null,
        }
    }
}

/// The numeric dtype of an HDF5 integer or float type.
pub(crate) fn numeric_dtype(dt: &Datatype) -> Option<Dtype> {
    match dt {
        Datatype::FixedPoint { size, signed, .. } => Some(match (size, signed) {
            (1, true) => Dtype::Int8,
            (1, false) => Dtype::Uint8,
            (2, true) => Dtype::Int16,
            (2, false) => Dtype::Uint16,
            (4, true) => Dtype::Int32,
            (4, false) => Dtype::Uint32,
            (8, true) => Dtype::Int64,
            (8, false) => Dtype::Uint64,
            _ => return None,
        }),
        Datatype::FloatingPoint { size: 4, .. } => Some(Dtype::Float32),
        Datatype::FloatingPoint { size: 8, .. } => Some(Dtype::Float64),
        _ => None,
    }
}

/// Whether an enum is h5py's bool (members exactly FALSE and TRUE).
fn is_bool_enum(members: &[hdf5_reader::EnumMember]) -> bool {
    members.len() == 2
        && members.iter().any(|m| m.name == "FALSE")
        && members.iter().any(|m| m.name == "TRUE")
}

/// Classifies an HDF5 datatype.
pub(crate) fn element_type(dt: &Datatype) -> ElementType {
    if let Some(d) = numeric_dtype(dt) {
        return ElementType::Numeric(d);
    }
    match dt {
        Datatype::String { .. }
        | Datatype::VarLen {
            kind: VarLenKind::String,
            ..
        } => ElementType::Text,
        Datatype::Reference { ref_type, .. } => match ref_type {
            hdf5_reader::ReferenceType::Object => ElementType::ObjectRef,
            _ => ElementType::RegionRef,
        },
        Datatype::Compound { .. } => ElementType::Compound,
        Datatype::Enum { base, members } => match numeric_dtype(base) {
            Some(_) if is_bool_enum(members) => ElementType::Bool,
            Some(d) if !d.is_float() => ElementType::Enum(d),
            _ => ElementType::Other(format!("{dt:?}")),
        },
        other => ElementType::Other(format!("{other:?}")),
    }
}

/// The first `N` bytes of `b` in little-endian order.
fn take<const N: usize>(b: &[u8], be: bool) -> Option<[u8; N]> {
    let mut a: [u8; N] = b.get(..N)?.try_into().ok()?;
    if be {
        a.reverse();
    }
    Some(a)
}

/// Decodes one integer of an HDF5 fixed-point type from the start of `b`.
pub(crate) fn decode_int(dt: &Datatype, b: &[u8]) -> Option<Value> {
    let Datatype::FixedPoint {
        size,
        signed,
        byte_order,
    } = dt
    else {
        return None;
    };
    let be = *byte_order == ByteOrder::BigEndian;
    Some(match (size, signed) {
        (1, true) => Value::Int(i8::from_le_bytes(take::<1>(b, be)?).into()),
        (1, false) => Value::UInt(u8::from_le_bytes(take::<1>(b, be)?).into()),
        (2, true) => Value::Int(i16::from_le_bytes(take::<2>(b, be)?).into()),
        (2, false) => Value::UInt(u16::from_le_bytes(take::<2>(b, be)?).into()),
        (4, true) => Value::Int(i32::from_le_bytes(take::<4>(b, be)?).into()),
        (4, false) => Value::UInt(u32::from_le_bytes(take::<4>(b, be)?).into()),
        (8, true) => Value::Int(i64::from_le_bytes(take::<8>(b, be)?)),
        (8, false) => Value::UInt(u64::from_le_bytes(take::<8>(b, be)?)),
        _ => return None,
    })
}

/// Decodes one element of an HDF5 enum from the start of `b`.
pub(crate) fn decode_enum(
    base: &Datatype,
    members: &[hdf5_reader::EnumMember],
    b: &[u8],
) -> Option<Value> {
    let n = match base {
        Datatype::FixedPoint { size, .. } => usize::from(*size),
        _ => return None,
    };
    let raw = b.get(..n)?;
    let member = members.iter().find(|m| m.value == raw);
    if is_bool_enum(members)
        && let Some(m) = member
    {
        return Some(Value::Bool(m.name == "TRUE"));
    }
    let value = decode_int(base, b)?.as_i64()?;
    Some(Value::Enum {
        value,
        name: member.map(|m| m.name.clone()),
    })
}

/// Decodes one element of `dt` from the start of `b` (no variable-length data: those need
/// the file and are decoded by the callers). `resolve` turns an object address into a path.
pub(crate) fn decode(dt: &Datatype, b: &[u8], resolve: &dyn Fn(&[u8]) -> Value) -> Value {
    let decoded = match dt {
        Datatype::FixedPoint { .. } => decode_int(dt, b),
        Datatype::FloatingPoint { size, byte_order } => {
            let be = *byte_order == ByteOrder::BigEndian;
            match size {
                4 => take::<4>(b, be).map(|a| Value::Float(f64::from(f32::from_le_bytes(a)))),
                8 => take::<8>(b, be).map(|a| Value::Float(f64::from_le_bytes(a))),
                _ => None,
            }
        }
        Datatype::Enum { base, members } => decode_enum(base, members, b),
        Datatype::Reference {
            ref_type: hdf5_reader::ReferenceType::Object,
            size,
        } => b.get(..usize::from(*size)).map(resolve),
        Datatype::String {
            size: StringSize::Fixed(n),
            ..
        } => {
            let n = usize::try_from(*n).unwrap_or(usize::MAX).min(b.len());
            let s = b.get(..n).unwrap_or(&[]);
            let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
            let text = String::from_utf8_lossy(s.get(..end).unwrap_or(&[]));
            Some(Value::Text(text.trim_end().to_owned()))
        }
        Datatype::Compound { fields, .. } => Some(Value::Record(Record {
            fields: fields
                .iter()
                .map(|f| {
                    let off = usize::try_from(f.byte_offset).unwrap_or(usize::MAX);
                    let v = decode(&f.datatype, b.get(off..).unwrap_or(&[]), resolve);
                    (f.name.clone(), v)
                })
                .collect(),
        })),
        _ => None,
    };
    decoded.unwrap_or_else(|| Value::Other(format!("{dt:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdf5_reader::EnumMember;

    fn i8t() -> Datatype {
        Datatype::FixedPoint {
            size: 1,
            signed: true,
            byte_order: ByteOrder::LittleEndian,
        }
    }

    #[test]
    fn element_kinds() {
        assert_eq!(element_type(&i8t()), ElementType::Numeric(Dtype::Int8));
        let b = Datatype::Enum {
            base: Box::new(i8t()),
            members: vec![
                EnumMember {
                    name: "FALSE".into(),
                    value: vec![0],
                },
                EnumMember {
                    name: "TRUE".into(),
                    value: vec![1],
                },
            ],
        };
        assert_eq!(element_type(&b), ElementType::Bool);
        assert_eq!(decode(&b, &[1], &|_| Value::Ref(None)), Value::Bool(true));
        let e = Datatype::Enum {
            base: Box::new(i8t()),
            members: vec![EnumMember {
                name: "A".into(),
                value: vec![3],
            }],
        };
        assert_eq!(element_type(&e), ElementType::Enum(Dtype::Int8));
        assert_eq!(
            decode(&e, &[3], &|_| Value::Ref(None)),
            Value::Enum {
                value: 3,
                name: Some("A".into())
            }
        );
        assert_eq!(
            decode(&e, &[0xff], &|_| Value::Ref(None)),
            Value::Enum {
                value: -1,
                name: None
            }
        );
        let f16 = Datatype::FloatingPoint {
            size: 2,
            byte_order: ByteOrder::LittleEndian,
        };
        assert!(matches!(element_type(&f16), ElementType::Other(_)));
        assert!(matches!(
            decode(&f16, &[0, 0], &|_| Value::Ref(None)),
            Value::Other(_)
        ));
    }

    #[test]
    fn big_endian_and_truncated_scalars() {
        let be = Datatype::FixedPoint {
            size: 2,
            signed: false,
            byte_order: ByteOrder::BigEndian,
        };
        assert_eq!(decode_int(&be, &[1, 2]), Some(Value::UInt(258)));
        assert_eq!(decode_int(&be, &[1]), None);
        let f = Datatype::FloatingPoint {
            size: 8,
            byte_order: ByteOrder::LittleEndian,
        };
        assert_eq!(
            decode(&f, &1.5f64.to_le_bytes(), &|_| Value::Ref(None)),
            Value::Float(1.5)
        );
        assert_eq!(Value::Float(f64::NAN).to_json(), "NaN");
        assert_eq!(Value::UInt(7).as_i64(), Some(7));
        assert_eq!(Value::UInt(u64::MAX).as_i64(), None);
    }
}
