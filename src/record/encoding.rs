//! The record's encoding: FNV-1a 64 hashes (of a field's JSON form, of a tag
//! key, of a tag key and value, of the checksummed text) and the base64url
//! digits they are written in.
//!
//! Invariant: these functions are the record format; changing any of them
//! makes every record already written on a resource invalid (their checksums
//! no longer match), so they change only with a new format version.

use super::{CHECK_CHARS, FIELD_HASH_CHARS};
use crate::schema::Value;

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

pub(super) fn field_hash(v: &Value) -> u64 {
    fnv1a(v.to_json().to_string().as_bytes()) & mask(FIELD_HASH_CHARS * 6)
}

pub(super) fn key_hash(key: &str) -> u64 {
    fnv1a(format!("k\u{0}{key}").as_bytes())
}

pub(super) fn kv_hash(key: &str, value: &str) -> u64 {
    fnv1a(format!("v\u{0}{key}\u{0}{value}").as_bytes())
}

pub(super) fn checksum(identity: &str, body: &str) -> String {
    let h = fnv1a(format!("{identity}\u{0}{body}").as_bytes());
    b64(h, CHECK_CHARS)
}

pub(super) fn mask(bits: usize) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The low `chars * 6` bits of `v`, most significant first.
pub(super) fn b64(v: u64, chars: usize) -> String {
    (0..chars)
        .rev()
        .map(|i| ALPHABET[((v >> (i * 6)) & 63) as usize] as char)
        .collect()
}

pub(super) fn un_b64(s: &str) -> Option<u64> {
    let mut v = 0u64;
    for c in s.bytes() {
        let d = ALPHABET.iter().position(|a| *a == c)? as u64;
        v = (v << 6) | d;
    }
    Some(v)
}
