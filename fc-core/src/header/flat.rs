//! An HTTP app's request headers, as its [`Context`](crate::Context) keeps them.
//!
//! The app gets the request whole, so the context keeps a copy. A `HeaderMap` clone
//! takes a reference on every name FC sends (`x-fc-*` names are not standard ones)
//! and on every value: an atomic instruction to take it and one to give it back, and
//! on the first copy of a value h2 has just decoded, an allocation as well: with FC's
//! twenty-odd headers, the largest part of what a gRPC call cost fc beyond tonic's own
//! server (bench/README.md, eighth section). Here the names and values are copied,
//! bytes and all, into one buffer, with no reference on the request's own: one buffer
//! however many headers there are, most often one an earlier invocation on the same
//! thread gave back (`spare`). The context reads its accessors' headers from it, and
//! builds the `HeaderMap` that [`Context::headers`](crate::Context::headers) gives only
//! when that is called.

use std::cell::RefCell;

use http::{HeaderMap, HeaderName, HeaderValue};

/// The room a header is given at first: a name of FC's (at most 37 characters) and a
/// value of most of theirs fit.
const ROOM: usize = 64;

/// Request headers copied flat: one buffer of records, each a header's name and value
/// with their lengths and whether the value is sensitive before them (no second
/// allocation for where each one ends).
pub(crate) struct FlatHeaders {
    /// A `Vec`, with the room it was given: a boxed slice would give back what is
    /// left over with a `realloc`.
    records: Vec<u8>,
}

/// A record's head: the value is sensitive (one byte), the name's length (two) and the
/// value's (four), little-endian.
const HEAD: usize = 7;

impl FlatHeaders {
    /// Copies every header of `headers`, each value of a repeated name in order.
    pub(crate) fn copy(headers: &HeaderMap) -> Self {
        // Room for headers of a usual size, without a first pass to measure them (a
        // standard name's text is looked up in a table of them each time); longer
        // ones (an STS token runs to several hundred characters) grow it.
        let mut records = spare::take((HEAD + ROOM) * headers.len());
        for (name, value) in headers {
            let name = name.as_str().as_bytes();
            // hyper bounds a request's headers far below 64 KiB a name and 4 GiB a
            // value (FC to 8 KB in all).
            let (n, v) = (
                (name.len() as u16).to_le_bytes(),
                (value.len() as u32).to_le_bytes(),
            );
            let head = [
                u8::from(value.is_sensitive()),
                n[0],
                n[1],
                v[0],
                v[1],
                v[2],
                v[3],
            ];
            records.extend_from_slice(&head);
            records.extend_from_slice(name);
            records.extend_from_slice(value.as_bytes());
        }
        Self { records }
    }

    /// Every header: its name, its value and whether the value is sensitive.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8], bool)> + '_ {
        let mut rest = self.records.as_slice();
        std::iter::from_fn(move || {
            let (head, tail) = rest.split_first_chunk::<HEAD>()?;
            let name_len = usize::from(u16::from_le_bytes([head[1], head[2]]));
            let value_len = u32::from_le_bytes([head[3], head[4], head[5], head[6]]) as usize;
            let (name, tail) = tail.split_at_checked(name_len)?;
            let (value, tail) = tail.split_at_checked(value_len)?;
            rest = tail;
            Some((name, value, head[0] == 1))
        })
    }

    /// Every value of `name`, in order.
    pub(crate) fn get_all(&self, name: &HeaderName) -> impl Iterator<Item = &[u8]> {
        let name = name.as_str().as_bytes();
        self.iter()
            .filter(move |(n, ..)| *n == name)
            .map(|(_, value, _)| value)
    }

    /// The headers as a `HeaderMap`, as the request had them.
    pub(crate) fn to_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value, sensitive) in self.iter() {
            // Both were a valid name and value when copied.
            let (Ok(name), Ok(mut value)) =
                (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
            else {
                continue;
            };
            value.set_sensitive(sensitive);
            map.append(name, value);
        }
        map
    }
}

impl Drop for FlatHeaders {
    fn drop(&mut self) {
        spare::keep(std::mem::take(&mut self.records));
    }
}

/// Buffers of dropped copies, kept for the next copies made on the same thread.
///
/// With FC's headers a copy runs to some 1.3 KB, more than glibc's per-thread cache
/// takes (1,032 bytes): each buffer was a trip through its shared bins, which sort the
/// chunks freed since (bench/README.md, ninth section: 530 instructions a gRPC call
/// saved). An invocation's buffer is dropped when it ends, almost always on the thread
/// that takes the next one.
mod spare {
    use super::RefCell;

    /// How many buffers a thread keeps: one per invocation in flight on it, up to FC's
    /// usual concurrency on one worker.
    const KEPT: usize = 32;
    /// The largest buffer kept (twice what FC's headers usually take); a larger one, of
    /// a request with unusual headers, goes back to the allocator.
    const LARGEST: usize = 4096;

    thread_local! {
        static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    /// An empty buffer with room for at least `room` bytes: one this thread kept, else
    /// a new one.
    pub(super) fn take(room: usize) -> Vec<u8> {
        let kept = SPARE
            .try_with(|spare| {
                let mut spare = spare.try_borrow_mut().ok()?;
                // A thread keeps buffers once it has taken one (below): a thread that
                // only drops contexts, such as one of the blocking pool's, keeps none.
                if spare.capacity() == 0 {
                    spare.reserve_exact(KEPT);
                }
                spare.pop()
            })
            .ok()
            .flatten();
        match kept {
            Some(mut buffer) => {
                buffer.reserve(room);
                buffer
            }
            None => Vec::with_capacity(room),
        }
    }

    /// Keeps `buffer`, emptied, for a later [`take`] on this thread, if the thread
    /// takes buffers, keeps fewer than [`KEPT`], and the buffer is no larger than
    /// [`LARGEST`]; else frees it.
    pub(super) fn keep(mut buffer: Vec<u8>) {
        if buffer.capacity() == 0 || buffer.capacity() > LARGEST {
            return;
        }
        buffer.clear();
        // During the thread's exit the buffer is simply freed.
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut()
                && spare.len() < spare.capacity().min(KEPT)
            {
                spare.push(buffer);
            }
        });
    }

    #[cfg(test)]
    pub(super) fn kept() -> usize {
        SPARE.with(|spare| spare.borrow().len())
    }
}

/// A value as text, as [`HeaderValue::to_str`] reads it: visible ASCII and tabs only.
pub(crate) fn as_text(value: &[u8]) -> Option<&str> {
    let visible = |b: &u8| (32..127).contains(b) || *b == b'\t';
    value
        .iter()
        .all(visible)
        .then(|| std::str::from_utf8(value).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Lookup;

    fn headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/grpc".parse().unwrap());
        headers.insert("x-fc-request-id", "req-1".parse().unwrap());
        headers.append("tracestate", "a=1".parse().unwrap());
        headers.append("tracestate", "b=2".parse().unwrap());
        let mut secret = HeaderValue::from_static("s3cret");
        secret.set_sensitive(true);
        headers.insert("x-fc-access-key-secret", secret);
        headers.insert("x-empty", HeaderValue::from_static(""));
        headers.insert("x-binary", HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap());
        headers
    }

    #[test]
    fn the_map_comes_back_as_it_was_sensitive_values_and_all() {
        let original = headers();
        let flat = FlatHeaders::copy(&original);
        let map = flat.to_map();
        assert_eq!(map, original);
        assert_eq!(map.len(), original.len());
        for (name, value) in &original {
            let copies: Vec<_> = map.get_all(name).iter().collect();
            assert!(copies.contains(&value), "{name}");
        }
        assert!(map["x-fc-access-key-secret"].is_sensitive());
        assert!(!map["x-fc-request-id"].is_sensitive());
        assert!(FlatHeaders::copy(&HeaderMap::new()).to_map().is_empty());
    }

    #[test]
    fn lookups_find_what_a_header_map_finds() {
        let original = headers();
        let flat = FlatHeaders::copy(&original);
        for name in [
            "content-type",
            "x-fc-request-id",
            "tracestate",
            "x-fc-access-key-secret",
            "x-empty",
            "x-binary",
            "x-missing",
        ] {
            let name = HeaderName::from_static(name);
            assert_eq!(
                flat.first(&name),
                original.get(&name).map(HeaderValue::as_bytes),
                "{name}"
            );
            let all: Vec<&[u8]> = original
                .get_all(&name)
                .iter()
                .map(|v| v.as_bytes())
                .collect();
            assert_eq!(flat.get_all(&name).collect::<Vec<_>>(), all, "{name}");
            assert_eq!(
                flat.first(&name).and_then(as_text),
                original.get(&name).and_then(|v| v.to_str().ok()),
                "{name}"
            );
        }
    }

    /// A dropped copy's buffer serves the thread's next copy, which reads as its own
    /// headers only; a thread that never copied keeps nothing; an outsized buffer goes
    /// back to the allocator.
    #[test]
    fn a_dropped_copys_buffer_serves_the_next_copy_on_its_thread() {
        std::thread::spawn(|| {
            let first = FlatHeaders::copy(&headers());
            assert_eq!(spare::kept(), 0);
            drop(first);
            assert_eq!(spare::kept(), 1);

            let mut other = HeaderMap::new();
            other.insert("x-fc-request-id", "req-2".parse().unwrap());
            let second = FlatHeaders::copy(&other);
            assert_eq!(spare::kept(), 0);
            assert_eq!(second.to_map(), other, "nothing of the first copy is left");

            let mut long = HeaderMap::new();
            long.insert("x-long", HeaderValue::from_str(&"a".repeat(8192)).unwrap());
            drop(FlatHeaders::copy(&long));
            assert_eq!(spare::kept(), 0, "an outsized buffer is not kept");
            drop(second);
            assert_eq!(spare::kept(), 1);
        })
        .join()
        .unwrap();

        let copy = FlatHeaders::copy(&headers());
        std::thread::spawn(move || {
            drop(copy);
            assert_eq!(spare::kept(), 0, "a thread that never copied keeps nothing");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn text_is_what_header_value_to_str_accepts() {
        for bytes in [
            &b"plain"[..],
            b"tab\there",
            b"",
            b"caf\xc3\xa9",
            b"del\x7f",
            b"\x80",
        ] {
            let Ok(value) = HeaderValue::from_bytes(bytes) else {
                continue;
            };
            assert_eq!(as_text(bytes), value.to_str().ok(), "{bytes:?}");
        }
    }
}
