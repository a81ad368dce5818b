//! Identifier newtypes. Entra object ids, SKU ids and service-plan ids are GUIDs that exports write in
//! either case; they are stored lower-cased so equality and hashing are case-insensitive.

use crate::model::hash::HashSet;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

/// Distinct ids one thread interns at most; past it, ids are still built, just not shared.
const INTERN_MAX: usize = 1 << 18;

thread_local! {
    /// Ids seen by this thread: a tenant has a bounded number of users, groups, products and plans,
    /// and a log names each of them many times, so each distinct id is stored once per thread.
    static INTERNED: RefCell<HashSet<ThinStr>> = RefCell::new(HashSet::default());
    /// Texts seen by this thread that repeat across records, as written: product and service-plan
    /// names (`SkuName=`, `DisabledPlans=[..]` of license sets), a catalog's worth, each written in
    /// thousands of events; license error sentences, one per cause and product or plans; the
    /// events' categories.
    static NAMES: SharedSet<str> = RefCell::new(HashSet::default());
    /// Target labels seen by this thread: the UPNs and display names of the users and groups
    /// kept events name (bounded by the tenant; a user's UPN is in each of its license events).
    static LABELS: RefCell<HashSet<ThinStr>> = RefCell::new(HashSet::default());
    /// Event categories seen by this thread: a log has a few.
    static CATEGORIES: RefCell<HashSet<ThinStr>> = RefCell::new(HashSet::default());
    /// Activity names licdiag does not know, seen by this thread: a log has a few hundred.
    static ACTIVITIES: RefCell<HashSet<ThinStr>> = RefCell::new(HashSet::default());
    /// Users' usage locations seen by this thread: a tenant's users live in a few countries.
    static COUNTRIES: RefCell<HashSet<ThinStr>> = RefCell::new(HashSet::default());
}

/// The values one thread shares ([`shared`]).
pub type SharedSet<T> = RefCell<HashSet<Arc<T>>>;

/// `t` shared: the value this thread's `set` already holds for an equal one, or a new one
/// (`make`) that it keeps, up to [`INTERN_MAX`] distinct values (past it, values are still made,
/// just not shared).
pub fn shared<T: ?Sized + std::hash::Hash + Eq>(
    set: &'static std::thread::LocalKey<SharedSet<T>>,
    t: &T,
    make: impl Fn(&T) -> Arc<T>,
) -> Arc<T> {
    shared_in(set, t, make)
}

/// [`shared`] for any shared form `V` of a `K` (an `Arc`, a [`ThinStr`], a [`ThinList`]).
fn shared_in<
    K: ?Sized + std::hash::Hash + Eq,
    V: std::borrow::Borrow<K> + std::hash::Hash + Eq + Clone,
>(
    set: &'static std::thread::LocalKey<RefCell<HashSet<V>>>,
    t: &K,
    make: impl Fn(&K) -> V,
) -> V {
    set.try_with(|set| {
        let Ok(mut set) = set.try_borrow_mut() else {
            return make(t);
        };
        if let Some(a) = set.get(t) {
            return a.clone();
        }
        let a = make(t);
        if set.len() < INTERN_MAX {
            set.insert(a.clone());
        }
        a
    })
    .unwrap_or_else(|_| make(t))
}

/// Empties a thread's cache (a set of shared values, a memo, a buffer) on this thread, giving its
/// memory back; the values a set shared stay where they are held: for when every input is read
/// ([`crate::ingest`]'s thread caches).
pub fn forget<T: Default>(cache: &'static std::thread::LocalKey<RefCell<T>>) {
    let _ = cache.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            *c = T::default();
        }
    });
}

/// Empties this thread's sets of ids and names ([`forget`]).
pub fn forget_shared() {
    forget(&INTERNED);
    forget(&NAMES);
    forget(&LABELS);
    forget(&CATEGORIES);
    forget(&COUNTRIES);
    forget(&ACTIVITIES);
}

/// A short text that repeats across records (a product or service-plan name, a license error's
/// sentence) as written, shared with this thread's earlier equal texts.
pub fn name(t: &str) -> Arc<str> {
    shared(&NAMES, t, |t: &str| Arc::from(t))
}

/// An activity's name licdiag does not know, shared with this thread's earlier equal ones.
pub fn activity(t: &str) -> ThinStr {
    shared_thin(&ACTIVITIES, t)
}

/// A user's usage location as written, shared with this thread's earlier equal ones.
pub fn country(t: &str) -> ThinStr {
    shared_thin(&COUNTRIES, t)
}

/// A shared list behind one thin pointer (a license's disabled plans, a user's licenses): its
/// length is in the allocation, as [`ThinStr`]'s is. Equal, hashed and ordered as its slice.
pub struct ThinList<T>(triomphe::ThinArc<(), T>);

impl<T: Clone> ThinList<T> {
    pub fn new(items: &[T]) -> ThinList<T> {
        ThinList(triomphe::ThinArc::from_header_and_iter(
            (),
            items.iter().cloned(),
        ))
    }
}

impl<T> Clone for ThinList<T> {
    fn clone(&self) -> Self {
        ThinList(self.0.clone())
    }
}

impl<T> std::ops::Deref for ThinList<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0.slice
    }
}

impl<T> std::borrow::Borrow<[T]> for ThinList<T> {
    fn borrow(&self) -> &[T] {
        &self.0.slice
    }
}

impl<T> ThinList<T> {
    /// Whether both hold the same allocation (the lists are shared).
    pub fn ptr_eq(a: &ThinList<T>, b: &ThinList<T>) -> bool {
        a.0.ptr() == b.0.ptr()
    }
}

impl<T> From<Vec<T>> for ThinList<T> {
    fn from(v: Vec<T>) -> ThinList<T> {
        ThinList(triomphe::ThinArc::from_header_and_iter((), v.into_iter()))
    }
}

impl<T, const N: usize> From<[T; N]> for ThinList<T> {
    fn from(v: [T; N]) -> ThinList<T> {
        ThinList(triomphe::ThinArc::from_header_and_iter((), v.into_iter()))
    }
}

impl<T> FromIterator<T> for ThinList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> ThinList<T> {
        Vec::from_iter(items).into()
    }
}

impl<T: PartialEq> PartialEq for ThinList<T> {
    fn eq(&self, other: &ThinList<T>) -> bool {
        self.0.ptr() == other.0.ptr() || self.0.slice == other.0.slice
    }
}

impl<T: Eq> Eq for ThinList<T> {}

impl<T: std::hash::Hash> std::hash::Hash for ThinList<T> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.slice.hash(h)
    }
}

impl<T: fmt::Debug> fmt::Debug for ThinList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.slice, f)
    }
}

impl<T: Serialize> Serialize for ThinList<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.slice.serialize(s)
    }
}

/// `items` shared as [`shared`] shares values, as a [`ThinList`].
pub fn shared_list<T: std::hash::Hash + Eq + Clone>(
    set: &'static std::thread::LocalKey<RefCell<HashSet<ThinList<T>>>>,
    items: &[T],
) -> ThinList<T> {
    shared_in(set, items, ThinList::new)
}

/// An event's category as written, shared with this thread's earlier equal ones.
pub fn category(t: &str) -> ThinStr {
    shared_thin(&CATEGORIES, t)
}

/// A target's UPN or display name as written, shared with this thread's earlier equal labels.
pub fn label(t: &str) -> ThinStr {
    shared_thin(&LABELS, t)
}

// Held over a million times in a large tenant's run: one word, and `None` in it too.
#[cfg(target_pointer_width = "64")]
const _: () =
    assert!(std::mem::size_of::<ObjectId>() == 8 && std::mem::size_of::<Option<ObjectId>>() == 8);

/// A shared text behind one thin pointer (an id's, a target's label): its length is in the shared
/// allocation, beside the count and the bytes, not in the pointer. An id is held in every user,
/// license state, group member, event target and index key (over a million of them for a
/// 100k-user tenant), and a wide `Arc<str>` took 16 bytes in each where this takes 8; the
/// allocation is the same size (one count instead of two, the length instead of the second).
/// Equal, hashed and ordered as its text.
#[derive(Clone)]
pub struct ThinStr(triomphe::ThinArc<(), u8>);

impl ThinStr {
    pub fn new(s: &str) -> ThinStr {
        ThinStr(triomphe::ThinArc::from_header_and_slice((), s.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes are those of a `str` (`new` is the only constructor) and a `ThinArc`'s
        // slice is never changed while shared (it has no mutable access here)
        unsafe { std::str::from_utf8_unchecked(&self.0.slice) }
    }

    /// Whether both hold the same allocation (tests of the sharing).
    #[cfg(test)]
    pub(crate) fn ptr_eq(&self, other: &ThinStr) -> bool {
        self.0.ptr() == other.0.ptr()
    }
}

impl std::ops::Deref for ThinStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ThinStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for ThinStr {
    fn from(s: &str) -> ThinStr {
        ThinStr::new(s)
    }
}

impl From<String> for ThinStr {
    fn from(s: String) -> ThinStr {
        ThinStr::new(&s)
    }
}

impl From<ThinStr> for String {
    fn from(s: ThinStr) -> String {
        s.as_str().to_string()
    }
}

impl fmt::Display for ThinStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ThinStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ThinStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq for ThinStr {
    fn eq(&self, other: &ThinStr) -> bool {
        self.0.ptr() == other.0.ptr() || self.as_str() == other.as_str()
    }
}

impl Eq for ThinStr {}

impl std::hash::Hash for ThinStr {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl PartialOrd for ThinStr {
    fn partial_cmp(&self, other: &ThinStr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ThinStr {
    fn cmp(&self, other: &ThinStr) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::borrow::Borrow<str> for ThinStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ThinStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for ThinStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ThinStr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ThinStr, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ThinStr::new(&s))
    }
}

/// `t` ASCII lower-cased, in `buf` when it fits; most ids are written in lower case already: no copy.
fn lowered<'a>(t: &'a str, buf: &'a mut [u8; 64]) -> std::borrow::Cow<'a, str> {
    if super::is_ascii_lowercase_text(t.as_bytes()) {
        t.into()
    } else {
        match super::ascii_lower(t, buf) {
            Some(l) => l.into(),
            None => t.to_ascii_lowercase().into(),
        }
    }
}

/// `t` lower-cased, shared with earlier equal ids (up to [`INTERN_MAX`] distinct ids a thread, as
/// [`shared`] does).
fn lower_id_text(t: &str) -> ThinStr {
    let mut buf = [0u8; 64];
    shared_thin(&INTERNED, &lowered(t, &mut buf))
}

/// `t` shared as [`shared`] shares it, as a [`ThinStr`].
fn shared_thin(set: &'static std::thread::LocalKey<RefCell<HashSet<ThinStr>>>, t: &str) -> ThinStr {
    shared_in(set, t, ThinStr::new)
}

/// `t` lower-cased, not shared (a correlation id's text, most seen once or twice).
fn lower_text(t: &str) -> Arc<str> {
    let mut buf = [0u8; 64];
    Arc::from(&*lowered(t, &mut buf))
}

/// The trimmed text of an id, or `None` when it is empty or written as null. A GUID in braces
/// (`{6fd2c87f-...}`, .NET's `B` format) is the GUID.
fn present(s: &str) -> Option<&str> {
    let t = crate::model::trim(s);
    let t = t
        .strip_prefix('{')
        .and_then(|g| g.strip_suffix('}'))
        .filter(|g| is_guid(g))
        .unwrap_or(t);
    (!t.is_empty() && !t.eq_ignore_ascii_case("null") && t != "<null>").then_some(t)
}

/// Whether `s` is a GUID written `8-4-4-4-12` (hex digits in either case), as it stands.
pub fn is_guid(s: &str) -> bool {
    guid_bytes(s.as_bytes()).is_some()
}

macro_rules! id_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(ThinStr);

        impl $name {
            /// Builds the id from export text: trimmed and lower-cased. Returns `None` for empty text.
            pub fn parse(s: &str) -> Option<Self> {
                present(s).map(|t| Self(lower_id_text(t)))
            }
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
            /// Rebuilds an id from its own [`Self::as_str`] (already trimmed and lower-cased),
            /// without `parse`'s checks: what was accepted once is accepted again.
            #[allow(dead_code)] // product and plan ids only, for now (the catalog)
            pub(crate) fn from_normalized(s: &str) -> Self {
                Self(lower_id_text(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.as_str())
            }
        }
    };
}

id_newtype!(
    /// A directory object id (user, group, service principal).
    ObjectId
);
id_newtype!(
    /// A product (SKU) GUID, `skuId` in Graph.
    SkuId
);
id_newtype!(
    /// A service-plan GUID, `servicePlanId` in Graph.
    PlanId
);
/// The correlation id shared by the records of one operation (not unique per record). Exports
/// write it as a GUID, held here as its 16 bytes: as text it cost 64 bytes of heap in every kept
/// event. Anything else is kept as trimmed, lower-cased text (not interned: most are seen once
/// or twice). The text form is the same either way: GUIDs in lower case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CorrelationId(Correlation);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Correlation {
    /// A GUID's bytes in the order its hex digits are written (so they order as its text does).
    Guid([u8; 16]),
    Text(Arc<str>),
}

/// The text of a GUID-shaped correlation id (`8-4-4-4-12` hex digits).
const GUID_TEXT: usize = 36;
/// Where each of a GUID's bytes is written (its two hex digits), and its dashes.
const GUID_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const GUID_DASHES: [usize; 4] = [8, 13, 18, 23];

impl CorrelationId {
    /// Builds the id from export text: trimmed and lower-cased. Returns `None` for empty text.
    pub fn parse(s: &str) -> Option<Self> {
        present(s).map(Self::from_text)
    }

    /// Rebuilds an id from its own text (already trimmed and lower-cased), without `parse`'s
    /// checks: what was accepted once is accepted again.
    pub(crate) fn from_normalized(s: &str) -> Self {
        Self::from_text(s)
    }

    fn from_text(t: &str) -> Self {
        match guid_bytes(t.as_bytes()) {
            Some(g) => Self(Correlation::Guid(g)),
            None => Self(Correlation::Text(lower_text(t))),
        }
    }

    /// The id's text, written into `buf` when the id is a GUID.
    pub fn text<'a>(&'a self, buf: &'a mut [u8; GUID_TEXT]) -> &'a str {
        match &self.0 {
            Correlation::Text(t) => t,
            Correlation::Guid(g) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for (b, &i) in g.iter().zip(&GUID_AT) {
                    buf[i] = HEX[usize::from(b >> 4)];
                    buf[i + 1] = HEX[usize::from(b & 15)];
                }
                for i in GUID_DASHES {
                    buf[i] = b'-';
                }
                // hex digits and dashes only
                std::str::from_utf8(buf).unwrap_or_default()
            }
        }
    }
}

/// The 16 bytes of a GUID written `8-4-4-4-12` (hex digits in either case), or `None`. Each byte
/// is read at its fixed place through a table (a loop over the text that skipped the dashes cost
/// 550 instructions an id, more than the string it replaced).
fn guid_bytes(t: &[u8]) -> Option<[u8; 16]> {
    /// The value of a hex digit; 0xff for any other byte.
    const HEX: [u8; 256] = {
        let mut h = [0xff; 256];
        let mut i = 0;
        while i < 10 {
            h[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            h[b'a' as usize + i] = 10 + i as u8;
            h[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        h
    };
    let t: &[u8; GUID_TEXT] = t.try_into().ok()?;
    if GUID_DASHES.iter().any(|&i| t[i] != b'-') {
        return None;
    }
    let mut out = [0u8; 16];
    // one test for every digit: a valid digit is below 16
    let mut bad = 0u8;
    for (o, &i) in out.iter_mut().zip(&GUID_AT) {
        let (hi, lo) = (HEX[usize::from(t[i])], HEX[usize::from(t[i + 1])]);
        bad |= hi | lo;
        *o = (hi << 4) | (lo & 15);
    }
    (bad < 16).then_some(out)
}

impl fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text(&mut [0; GUID_TEXT]))
    }
}

impl fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorrelationId({:?})", self.text(&mut [0; GUID_TEXT]))
    }
}

/// Ordered as their texts are (a GUID and a text id compare by text).
impl Ord for CorrelationId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (&self.0, &other.0) {
            (Correlation::Guid(a), Correlation::Guid(b)) => a.cmp(b),
            _ => self
                .text(&mut [0; GUID_TEXT])
                .cmp(other.text(&mut [0; GUID_TEXT])),
        }
    }
}

impl PartialOrd for CorrelationId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for CorrelationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text(&mut [0; GUID_TEXT]))
    }
}

impl<'de> Deserialize<'de> for CorrelationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::from_text(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text gives the id `parse` gave when ids were lower-cased strings: the same text,
        /// equality and order; GUID-shaped text is held as bytes.
        #[test]
        fn correlation_ids_read_as_their_lower_cased_text(
            a in " ?([0-9a-fA-F-]{0,40}|[0-9a-f]{8}-[0-9a-fA-F]{4}-[0-9a-f]{4}-[0-9A-F]{4}-[0-9a-fA-F]{12}) ?",
            b in " ?([0-9a-fA-F-]{0,40}|[0-9a-f]{8}-[0-9a-fA-F]{4}-[0-9a-f]{4}-[0-9A-F]{4}-[0-9a-fA-F]{12}) ?",
        ) {
            let text = |s: &str| Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_ascii_lowercase);
            let (ca, cb) = (CorrelationId::parse(&a), CorrelationId::parse(&b));
            prop_assert_eq!(ca.as_ref().map(|c| c.to_string()), text(&a));
            prop_assert_eq!(ca == cb, text(&a) == text(&b));
            prop_assert_eq!(ca.cmp(&cb), text(&a).cmp(&text(&b)));
            if let Some(c) = &ca {
                let shape = regex::Regex::new(
                    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                )
                .unwrap();
                prop_assert_eq!(matches!(c.0, Correlation::Guid(_)), shape.is_match(a.trim()));
                let back: CorrelationId = serde_json::from_str(&serde_json::to_string(c).unwrap()).unwrap();
                prop_assert_eq!(&back, c);
            }
        }
    }

    #[test]
    fn ids_are_case_insensitive_and_trimmed() {
        assert_eq!(
            SkuId::parse(" 6FD2C87F-B296-42F0-B197-1E91E994B900 "),
            SkuId::parse("6fd2c87f-b296-42f0-b197-1e91e994b900")
        );
        assert_eq!(ObjectId::parse(""), None);
        let a = ObjectId::parse("ABC-é").unwrap();
        let b = ObjectId::parse("abc-é").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "abc-é");
        assert!(a.0.ptr_eq(&b.0), "equal ids are shared");
        // once the thread's set is emptied, the held ids are untouched and a new one is built
        forget_shared();
        let c = ObjectId::parse("ABC-é").unwrap();
        assert_eq!((a.as_str(), c.as_str()), ("abc-é", "abc-é"));
        assert!(!a.0.ptr_eq(&c.0), "the set was emptied");
        assert!(c.0.ptr_eq(&ObjectId::parse("abc-é").unwrap().0));
        let long = "X".repeat(100);
        assert_eq!(ObjectId::parse(&long).unwrap().as_str(), "x".repeat(100));
        assert_eq!(
            CorrelationId::parse("AB").map(|c| c.to_string()),
            Some("ab".into())
        );
        let guid = " 5B0E77D2-1c4a-4d6e-9f31-2a7c0b9e4d11 ";
        let c = CorrelationId::parse(guid).unwrap();
        assert_eq!(c.to_string(), "5b0e77d2-1c4a-4d6e-9f31-2a7c0b9e4d11");
        assert!(matches!(c.0, Correlation::Guid(_)), "held as bytes");
        assert_eq!(CorrelationId::from_normalized(&c.to_string()), c);
        assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        // a GUID in braces (.NET's `B` format) is the GUID, for every id
        assert_eq!(
            CorrelationId::parse(" {5B0E77D2-1c4a-4d6e-9f31-2a7c0b9e4d11} "),
            Some(c)
        );
        assert_eq!(
            SkuId::parse("{6FD2C87F-B296-42F0-B197-1E91E994B900}"),
            SkuId::parse("6fd2c87f-b296-42f0-b197-1e91e994b900")
        );
        // not quite a GUID: kept as text
        for t in [
            "{5b0e77d2-1c4a-4d6e-9f31-2a7c0b9e4d1}",
            "{5b0e77d2-1c4a-4d6e-9f31-2a7c0b9e4d11",
            "5b0e77d2-1c4a-4d6e-9f31-2a7c0b9e4d1g",
        ] {
            let c = CorrelationId::parse(t).unwrap();
            assert!(matches!(c.0, Correlation::Text(_)), "{t}");
            assert_eq!(c.to_string(), t);
        }
        assert_eq!(ObjectId::parse("<null>"), None);
    }
}
