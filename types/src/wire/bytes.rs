//! Serde for the fixed-size byte arrays in wire messages (cells, proofs): written as a byte
//! string (postcard: a varint length, then the bytes — the same bytes a `Vec<u8>` gives), read
//! back only at exactly the right length, so a wrong-sized cell or proof fails to decode.

use std::{fmt, marker::PhantomData};

use serde::{
    de::{self, SeqAccess, Visitor},
    ser::SerializeSeq,
    Deserializer, Serialize, Serializer,
};
use weft_encoding::Proof;

struct Fixed<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for Fixed<N> {
    type Value = [u8; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{N} bytes")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        v.try_into().map_err(|_| E::invalid_length(v.len(), &self))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = [0u8; N];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        if seq.next_element::<u8>()?.is_some() {
            return Err(de::Error::invalid_length(N + 1, &self));
        }
        Ok(out)
    }
}

/// `#[serde(with = "bytes::array")]` for a `[u8; N]` field (a cell).
pub(crate) mod array {
    use super::*;

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        v: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        d.deserialize_bytes(Fixed::<N>)
    }
}

/// `#[serde(with = "bytes::proof")]` for a [`Proof`] field.
pub(crate) mod proof {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Proof, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&v.0)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Proof, D::Error> {
        d.deserialize_bytes(Fixed::<48>).map(Proof)
    }
}

/// One element of a list of byte arrays, written as a byte string.
struct AsBytes<'a>(&'a [u8]);

impl Serialize for AsBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A list of byte arrays: a sequence of byte strings.
fn serialize_list<'a, S: Serializer>(
    items: impl ExactSizeIterator<Item = &'a [u8]>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(items.len()))?;
    for item in items {
        seq.serialize_element(&AsBytes(item))?;
    }
    seq.end()
}

/// Reads a sequence of byte strings of `N` bytes each.
struct List<T, const N: usize>(fn([u8; N]) -> T, PhantomData<T>);

/// One element of such a list.
struct Element<const N: usize>([u8; N]);

impl<'de, const N: usize> serde::Deserialize<'de> for Element<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(Fixed::<N>).map(Self)
    }
}

impl<'de, T, const N: usize> Visitor<'de> for List<T, N> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {N}-byte strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // The frame's size limit already bounds the count; cap the up-front allocation anyway.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
        while let Some(Element(bytes)) = seq.next_element::<Element<N>>()? {
            out.push((self.0)(bytes));
        }
        Ok(out)
    }
}

/// `#[serde(with = "bytes::cells")]` for a `Vec<[u8; N]>` field (a row's cells).
pub(crate) mod cells {
    use super::*;

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        v: &[[u8; N]],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serialize_list(v.iter().map(|c| c.as_slice()), s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<Vec<[u8; N]>, D::Error> {
        d.deserialize_seq(List::<[u8; N], N>(|b| b, PhantomData))
    }
}

/// `#[serde(with = "bytes::proofs")]` for a `Vec<Proof>` field (a row's proofs).
pub(crate) mod proofs {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &[Proof], s: S) -> Result<S::Ok, S::Error> {
        serialize_list(v.iter().map(|p| p.0.as_slice()), s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Proof>, D::Error> {
        d.deserialize_seq(List::<Proof, 48>(Proof, PhantomData))
    }
}
