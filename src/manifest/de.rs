//! serde over the validated tree: the typed read of a manifest (into the
//! `raw` types) once every rule has passed.
//!
//! Scalars mean what `scalar::resolve` says (serde_yaml's rules), except a
//! scalar substituted from variables, which is read as the type its field
//! asks for: text for a string, `resolve_plain` of the text for a number or
//! a boolean, never null. Reading the tree rather than the text is what lets
//! merge keys, `x-` keys, defaults and variables reach the typed read.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use super::read::{is_null, scalar_kind};
use super::scalar::{resolve, Kind};
use super::spanned::{Entry, Node, NodeKind, Span};

/// A typed read failed: where, and serde's message.
#[derive(Debug)]
pub struct DeError {
    pub message: String,
    pub span: Option<Span>,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            span: None,
        }
    }
}

/// Reads `T` from a tree.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node)).map_err(|e| located(e, node))
}

fn located(mut err: DeError, node: &Node) -> DeError {
    if err.span.is_none() {
        err.span = Some(node.span.clone());
    }
    err
}

struct NodeDe<'a>(&'a Node);

impl NodeDe<'_> {
    fn scalar(&self) -> Option<&str> {
        self.0.scalar()
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            NodeKind::Scalar { value, plain } => {
                let kind = if self.0.substituted {
                    Kind::Str
                } else {
                    resolve(value, *plain, self.0.tag.as_deref())
                };
                match kind {
                    Kind::Null => visitor.visit_unit(),
                    Kind::Bool(b) => visitor.visit_bool(b),
                    Kind::Int(n) => match i64::try_from(n) {
                        Ok(n) => visitor.visit_i64(n),
                        Err(_) => visitor.visit_i128(n),
                    },
                    Kind::Float => match value.parse::<f64>() {
                        Ok(f) => visitor.visit_f64(f),
                        Err(_) => visitor.visit_str(value),
                    },
                    Kind::LeadingZero | Kind::Str => visitor.visit_str(value),
                }
            }
            NodeKind::Sequence(items) => visitor.visit_seq(Items(items.iter())),
            NodeKind::Mapping(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if is_null(self.0) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(value) if self.0.substituted => visitor.visit_str(value),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match scalar_kind(self.0) {
            Kind::Bool(b) if self.0.substituted => visitor.visit_bool(b),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.integer(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(value) => visitor.visit_enum(value.into_deserializer()),
            None => Err(de::Error::custom("expected a string for an enum")),
        }
    }

    forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 f64 char bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl NodeDe<'_> {
    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match scalar_kind(self.0) {
            Kind::Int(n) if self.0.substituted => match i64::try_from(n) {
                Ok(n) => visitor.visit_i64(n),
                Err(_) => visitor.visit_i128(n),
            },
            _ => de::Deserializer::deserialize_any(self, visitor),
        }
    }
}

struct Items<'a>(std::slice::Iter<'a, Node>);

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(node) => seed
                .deserialize(NodeDe(node))
                .map(Some)
                .map_err(|e| located(e, node)),
            None => Ok(None),
        }
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, Entry>,
    value: Option<&'a Node>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some(entry) => {
                self.value = Some(&entry.value);
                seed.deserialize(NodeDe(&entry.key))
                    .map(Some)
                    .map_err(|e| located(e, &entry.key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self
            .value
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("a value without its key"))?;
        seed.deserialize(NodeDe(node)).map_err(|e| located(e, node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct T {
        name: Option<String>,
        len: Option<i64>,
        on: Option<bool>,
        list: Option<Vec<String>>,
        map: Option<BTreeMap<String, String>>,
    }

    fn parse(text: &str) -> Node {
        super::super::spanned::parse(text).unwrap().unwrap()
    }

    #[test]
    fn reads_like_serde_yaml() {
        let t: T = from_node(&parse(
            "name: x\nlen: 0x10\non: true\nlist: [a, 'b']\nmap: {k: v}\n",
        ))
        .unwrap();
        assert_eq!(
            t,
            T {
                name: Some("x".into()),
                len: Some(16),
                on: Some(true),
                list: Some(vec!["a".into(), "b".into()]),
                map: Some([("k".to_string(), "v".to_string())].into()),
            }
        );
        let t: T = from_node(&parse("name:\nlen: ~\n")).unwrap();
        assert_eq!((t.name, t.len), (None, None));
        let err = from_node::<T>(&parse("name: x\nlen: '5'\n")).unwrap_err();
        assert!(err.message.contains("invalid type"), "{err}");
        assert_eq!(err.span.map(|s| s.start), Some(13));
        assert!(from_node::<T>(&parse("nope: 1\n")).is_err());
    }

    #[test]
    fn substituted_text_takes_the_field_type() {
        let mut root = parse("name: a\nlen: b\non: c\n");
        if let NodeKind::Mapping(entries) = &mut root.kind {
            for (entry, text) in entries.iter_mut().zip(["123", "42", "false"]) {
                entry.value.kind = NodeKind::Scalar {
                    value: text.to_string(),
                    plain: true,
                };
                entry.value.substituted = true;
            }
        }
        let t: T = from_node(&root).unwrap();
        assert_eq!(
            (t.name.as_deref(), t.len, t.on),
            (Some("123"), Some(42), Some(false))
        );
    }
}
