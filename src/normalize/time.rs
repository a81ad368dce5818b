//! Timestamps: every variant the exports write becomes a UTC instant (formats.md quirk 1).
//! `2024-12-27T10:01:19.5796748Z` (7 digits), `...+00:00` with trimmed fractions, 6-digit SDK output,
//! millisecond Log Analytics values, unified-audit-log `2021-02-04T16:33:14` (no zone: UTC),
//! Purview CSV `9/20/2023 4:05:03 AM` (US locale, UTC), `2026-10-05 07:00:00` and `TimeGenerated [UTC]`
//! style `10/5/2026, 7:00:00.000 AM`.
//!
//! Locale-formatted dates (formats.md §4: the Log Analytics portal's CSV; PowerShell exports are
//! culture-dependent): `N/N/YYYY` is month-first in a US locale and day-first in most others
//! (en-GB `09/10/2026, 10:05:13.992` is 9 October), so its order is a property of the file, not of
//! the value. The readers read it in the [`DateOrder`] of the current [`with_date_order`] scope and
//! count what each date tells about the order ([`DateEvidence`]); the reader of an input decides the
//! order from the whole file's evidence and reads it again when it was wrong
//! (`ingest::read_one`). `D.M.YYYY` (de-DE, ru-RU, ...) and `D-M-YYYY` are always day-first and
//! `YYYY/M/D` (ja-JP, zh-CN) year-first: no culture writes them otherwise.

use chrono::format::{parse, Item, ParseResult, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use std::cell::Cell;
use std::sync::LazyLock;

/// Which field of an `N/N/YYYY` date is the month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    /// `M/D/YYYY`: a US locale (Purview's CSV, the Log Analytics portal in en-US).
    #[default]
    MonthFirst,
    /// `D/M/YYYY`: en-GB, fr-FR, es-ES, and most other locales.
    DayFirst,
}

impl DateOrder {
    /// The pattern, for messages: `M/D/YYYY` or `D/M/YYYY`.
    pub fn pattern(self) -> &'static str {
        match self {
            DateOrder::MonthFirst => "M/D/YYYY",
            DateOrder::DayFirst => "D/M/YYYY",
        }
    }
    /// The `--date-order` value that names it.
    pub fn flag(self) -> &'static str {
        match self {
            DateOrder::MonthFirst => "month-first",
            DateOrder::DayFirst => "day-first",
        }
    }
    /// The other order.
    pub fn other(self) -> DateOrder {
        match self {
            DateOrder::MonthFirst => DateOrder::DayFirst,
            DateOrder::DayFirst => DateOrder::MonthFirst,
        }
    }
    /// The month and the day of a date whose first two fields are `a` and `b`.
    #[inline(always)]
    fn month_day<T>(self, a: T, b: T) -> (T, T) {
        match self {
            DateOrder::MonthFirst => (a, b),
            DateOrder::DayFirst => (b, a),
        }
    }
}

/// An `N/N/YYYY` date as written (its first field, its second, its year), for messages: the
/// order is what it is evidence of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SlashDate {
    year: u16,
    first: u8,
    second: u8,
}

impl std::fmt::Display for SlashDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.first, self.second, self.year)
    }
}

impl Serialize for SlashDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl SlashDate {
    /// Whether it is a day in `order` (by a table: it is asked of every slash date read).
    #[inline(always)]
    fn exists(&self, order: DateOrder) -> bool {
        const DAYS: [u8; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let (m, d) = order.month_day(self.first, self.second);
        let y = self.year;
        let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
        match usize::from(m).checked_sub(1).and_then(|i| DAYS.get(i)) {
            Some(&last) => d >= 1 && d <= last && (m != 2 || d <= 28 || leap),
            None => false,
        }
    }

    /// What it means in `order`, as `10 May 2026` (`None`: not a day in that order).
    pub fn reading(&self, order: DateOrder) -> Option<String> {
        let (m, d) = order.month_day(u32::from(self.first), u32::from(self.second));
        NaiveDate::from_ymd_opt(i32::from(self.year), m, d)
            .map(|d| d.format("%-d %B %Y").to_string())
    }
}

/// What the `N/N/YYYY` dates read tell about their order: an example of each kind, the earliest
/// written (the same whichever slice of a file is read first), whatever the order they were read in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DateEvidence {
    /// A date whose first field is above 12: only day-first reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_first_only: Option<SlashDate>,
    /// A date whose second field is above 12: only month-first reads it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_first_only: Option<SlashDate>,
    /// A date both orders read, as two different days (both fields 1 to 12, unequal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub either: Option<SlashDate>,
}

impl DateEvidence {
    const NONE: DateEvidence = DateEvidence {
        day_first_only: None,
        month_first_only: None,
        either: None,
    };
    pub fn is_empty(&self) -> bool {
        *self == Self::NONE
    }
    pub fn add(&mut self, o: DateEvidence) {
        for (mine, theirs) in [
            (&mut self.day_first_only, o.day_first_only),
            (&mut self.month_first_only, o.month_first_only),
            (&mut self.either, o.either),
        ] {
            keep_earliest(mine, theirs);
        }
    }
    /// Notes a date as written: evidence of an order only when it is a day in that order (a
    /// `31/2/2026` or a `2/30/2026` is no day at all, and tells nothing).
    #[inline(always)]
    fn note(&mut self, d: SlashDate) {
        let month_first = d.exists(DateOrder::MonthFirst);
        let day_first = d.exists(DateOrder::DayFirst);
        let slot = match (month_first, day_first) {
            (false, true) => &mut self.day_first_only,
            (true, false) => &mut self.month_first_only,
            (true, true) if d.first != d.second => &mut self.either,
            _ => return,
        };
        keep_earliest(slot, Some(d));
    }
    /// An example of a date only `order` reads.
    pub fn only(&self, order: DateOrder) -> Option<SlashDate> {
        match order {
            DateOrder::MonthFirst => self.month_first_only,
            DateOrder::DayFirst => self.day_first_only,
        }
    }
    /// The order the dates show: one only that order reads, none only the other reads.
    pub fn shows(&self) -> Option<DateOrder> {
        match (self.day_first_only, self.month_first_only) {
            (Some(_), None) => Some(DateOrder::DayFirst),
            (None, Some(_)) => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }
}

#[inline(always)]
fn keep_earliest(slot: &mut Option<SlashDate>, d: Option<SlashDate>) {
    if let Some(d) = d {
        if slot.is_none_or(|s| d < s) {
            *slot = Some(d);
        }
    }
}

thread_local! {
    /// The order `N/N/YYYY` dates are read in on this thread, and what the dates read so far
    /// showed ([`with_date_order`]).
    static DATES: Cell<(DateOrder, DateEvidence)> =
        const { Cell::new((DateOrder::MonthFirst, DateEvidence::NONE)) };
}

/// Runs `f` with `N/N/YYYY` dates read in `order` on this thread, and gives what the dates it read
/// showed. Scopes nest (the outer one's order and evidence come back when the inner one ends, even
/// by unwinding), so a pool worker that runs another input's work while it waits inside `f` keeps
/// the two apart; work `f` hands to other threads is not in the scope. Outside any scope dates are
/// read month-first (`--as-of`, library callers).
pub fn with_date_order<R>(order: DateOrder, f: impl FnOnce() -> R) -> (R, DateEvidence) {
    struct Restore((DateOrder, DateEvidence));
    impl Drop for Restore {
        fn drop(&mut self) {
            DATES.with(|d| d.set(self.0));
        }
    }
    let outer = Restore(DATES.with(|d| d.replace((order, DateEvidence::NONE))));
    let r = f();
    let (_, seen) = DATES.with(Cell::get);
    drop(outer);
    (r, seen)
}

/// The order `N/N/YYYY` dates are read in here and now ([`with_date_order`]; month-first outside
/// any scope), for messages about a date that could not be read.
pub fn current_date_order() -> DateOrder {
    DATES.with(|d| d.get().0)
}

/// The order of the current scope, with a date noted.
#[inline(always)]
fn order_noting(date: SlashDate) -> DateOrder {
    DATES.with(|d| {
        let (order, mut seen) = d.get();
        seen.note(date);
        d.set((order, seen));
        order
    })
}

/// ISO without zone, with `T` or a space, any fraction length.
const NAIVE: [&str; 3] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
];
/// ISO with an offset but a space separator, or `+0000`.
const OFFSET: [&str; 3] = [
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];
/// The US-locale clock, with and without seconds.
const CLOCK: [&str; 2] = ["%H:%M:%S%.f", "%H:%M"];

/// Formats read once: chrono's `parse_from_str` reads its format string again on each call, which
/// was a visible share of reading a CSV export (a timestamp per row).
type Items = Vec<Item<'static>>;

fn items<const N: usize>(formats: [&'static str; N]) -> [Items; N] {
    formats.map(|f| StrftimeItems::new(f).collect())
}

static NAIVE_ITEMS: LazyLock<[Items; 3]> = LazyLock::new(|| items(NAIVE));
static OFFSET_ITEMS: LazyLock<[Items; 3]> = LazyLock::new(|| items(OFFSET));
static CLOCK_ITEMS: LazyLock<[Items; 2]> = LazyLock::new(|| items(CLOCK));

/// `s` read with one format's items (what `parse_from_str` does with the format string).
fn parsed(s: &str, items: &Items) -> ParseResult<Parsed> {
    let mut p = Parsed::new();
    parse(&mut p, s, items.iter())?;
    Ok(p)
}

fn naive(s: &str, i: usize) -> Option<NaiveDateTime> {
    parsed(s, &NAIVE_ITEMS[i])
        .ok()?
        .to_naive_datetime_with_offset(0)
        .ok()
}

fn with_offset(s: &str, i: usize) -> Option<DateTime<FixedOffset>> {
    parsed(s, &OFFSET_ITEMS[i]).ok()?.to_datetime().ok()
}

fn clock(s: &str, i: usize) -> Option<NaiveTime> {
    parsed(s, &CLOCK_ITEMS[i]).ok()?.to_naive_time().ok()
}

/// Whether two recorded times may be the same instant, so that the order of their records is not
/// known: equal, or in the same second when either is written in whole seconds (the unified audit
/// log's `CreationTime` and Purview's dates have no fraction: formats.md §5c, quirk 1).
pub fn same_instant(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    use chrono::{SubsecRound, Timelike};
    a == b
        || ((a.nanosecond() == 0 || b.nanosecond() == 0)
            && a.trunc_subsecs(0) == b.trunc_subsecs(0))
}

/// Parses an export timestamp. Values without a zone are UTC (every export documents UTC). The
/// placeholder .NET writes for "no date" (`DateTime.MinValue`: `0001-01-01T00:00:00Z`,
/// `/Date(-62135596800000)/`) is no time ([`is_no_date`]).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    read_timestamp(s).filter(|t| !is_min_value(*t))
}

/// .NET's `DateTime.MinValue`, the placeholder of an unset date.
fn is_min_value(t: DateTime<Utc>) -> bool {
    t.timestamp() == -62_135_596_800 && t.timestamp_subsec_nanos() == 0
}

/// Whether `s` is the placeholder .NET writes for "no date" (`0001-01-01T00:00:00Z`,
/// `/Date(-62135596800000)/`): [`parse_timestamp`] reads it as no time, and a message says why.
pub fn is_no_date(s: &str) -> bool {
    read_timestamp(s).is_some_and(is_min_value)
}

fn read_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let t = unquote(crate::model::trim(s));
    if t.is_empty() {
        return None;
    }
    // Windows PowerShell 5.1's `ConvertTo-Json` of a `DateTime`: no other format starts so
    if matches!(t.as_bytes().first(), Some(b'/' | b'\\')) {
        return ms_date(t);
    }
    // `M/D/YYYY ...` or `D.M.YYYY ...`: every other format starts with a four-digit year, so none
    // of them can read it (and trying each is most of the cost of a Log Analytics CSV timestamp)
    if t.as_bytes()
        .get(1..3)
        .is_some_and(|b| b.contains(&b'/') || b.contains(&b'.'))
    {
        return parse_locale(t);
    }
    // `YYYY/M/D` or `YYYY. M. D.` (ja-JP, zh-CN, ko-KR, hu-HU): no ISO reader reads them
    if matches!(t.as_bytes().get(4), Some(b'/' | b'.')) {
        return parse_locale(t);
    }
    rfc3339_utc_exact(t)
        .or_else(|| iso_readers(t))
        .or_else(|| parse_locale(t))
        .or_else(|| {
            let t = comma_fraction(t)?;
            iso_readers(&t).or_else(|| parse_locale(&t))
        })
}

/// Windows PowerShell 5.1's `ConvertTo-Json` of a `DateTime` (formats.md: `Get-MgUser` states,
/// `Get-MgAuditLogDirectoryAudit`'s `ActivityDateTime`): `/Date(1609459200000)/`, as JSON's `\/`
/// escape reads, or `\/Date(1609459200000+0100)\/` written out; the milliseconds are since the
/// Unix epoch in UTC, the offset is the session's zone, for display only. Shared by audit records
/// and snapshots ([`parse_timestamp`]).
fn ms_date(t: &str) -> Option<DateTime<Utc>> {
    let t = t.trim_matches(|c| c == '\\' || c == '/');
    let inner = t.strip_prefix("Date(")?.strip_suffix(')')?;
    let end = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map_or(inner.len(), |(i, _)| i);
    let ms: i64 = inner.get(..end)?.parse().ok()?;
    DateTime::from_timestamp_millis(ms)
}

/// `t` with the comma before its seconds' fraction made a point, if it has one: ISO 8601 allows
/// either, and the locales whose decimal mark is a comma (de-DE, fr-FR, es-ES, it-IT, nl-NL, pl-PL,
/// pt-BR, ru-RU, sv-SE, tr-TR) write `10:05:13,992`.
fn comma_fraction(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let at = (3..b.len().saturating_sub(1)).find(|&i| {
        b[i] == b','
            && b[i - 3] == b':'
            && b[i - 2].is_ascii_digit()
            && b[i - 1].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
    })?;
    let mut s = t.to_string();
    s.replace_range(at..=at, ".");
    Some(s)
}

/// The clocks [`CLOCK`]'s formats read, and the same with `.` between the fields (fi-FI, da-DK,
/// id-ID) or a decimal comma ([`comma_fraction`]), read digit by digit: `H:MM`, `H:MM:SS`,
/// `H:MM:SS.f`, `H:MM:SS,f`, `H.MM`, `H.MM.SS`, `H.MM.SS,f` (an hour of one or two digits, a
/// fraction of 1-9); `None` for anything else, which the formats read if they can (a leap second
/// after colons). A locale's export not read by [`locale_exact`] has a clock a value: through
/// chrono's formats, fi-FI's and ko-KR's were 13% and 23% more instructions than en-US's.
fn exact_clock(clock: &str) -> Option<NaiveTime> {
    let b = clock.as_bytes();
    let digit = |i: usize| {
        let v = b.get(i)?.wrapping_sub(b'0');
        (v < 10).then_some(u32::from(v))
    };
    let (h, mut i) = match (digit(0)?, digit(1)) {
        (a, Some(c)) => (a * 10 + c, 2),
        (a, None) => (a, 1),
    };
    let sep = *b.get(i).filter(|&&c| c == b':' || c == b'.')?;
    let mi = digit(i + 1)? * 10 + digit(i + 2)?;
    i += 3;
    if i == b.len() {
        return NaiveTime::from_hms_opt(h, mi, 0);
    }
    (b.get(i) == Some(&sep)).then_some(())?;
    let s = digit(i + 1)? * 10 + digit(i + 2)?;
    i += 3;
    let nanos = match b.get(i) {
        None => 0,
        Some(&c) if c == b',' || (c == b'.' && sep == b':') => {
            let frac = b.get(i + 1..)?;
            if !(1..=9).contains(&frac.len()) {
                return None;
            }
            let f = frac.iter().try_fold(0u32, |v, &c| {
                c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
            })?;
            f * NANOS_PER_DIGIT.get(frac.len())?
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(h, mi, s, nanos)
}

#[cfg(test)]
/// A clock whose fields are separated by `.` (`7.02.11`, `7.02.11,464`, `7.02`: fi-FI, da-DK,
/// id-ID) written with `:` instead, its fraction left as it is; `None` for any other clock. The
/// reference [`exact_clock`]'s dotted clocks are held to (a proptest).
fn colon_clock(clock: &str) -> Option<String> {
    let (fields, fraction) = match clock.split_once(',') {
        Some((f, frac)) => (f, Some(frac)),
        None => (clock, None),
    };
    let mut parts = fields.split('.');
    let h = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2)
        || rest.is_empty()
        || rest.len() > 2
        || !rest.iter().all(|p| digits(p, 2..=2))
    {
        return None;
    }
    // a fraction only after seconds
    if fraction.is_some() && rest.len() != 2 {
        return None;
    }
    let mut out = fields.replace('.', ":");
    if let Some(f) = fraction {
        out.push(',');
        out.push_str(f);
    }
    Some(out)
}

/// `t` without the double quotes at its ends (any number of them), as `t.trim_matches('"')` gives
/// it, found by bytes (the `char` trim cost about 40 instructions a value, and every record has a
/// timestamp).
fn unquote(t: &str) -> &str {
    let b = t.as_bytes();
    let start = b.iter().position(|&c| c != b'"').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b'"').map_or(start, |i| i + 1);
    // a quote is one byte of ASCII: both ends are character boundaries
    t.get(start..end).unwrap_or_default()
}

/// The nanoseconds a fraction of `n` digits counts in its last digit (`10^(9 - n)`, looked up:
/// `u32::pow` is a loop).
const NANOS_PER_DIGIT: [u32; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// `YYYY-MM-DDTHH:MM:SS` with a fraction of 1-9 digits or none, and a `Z` (what Graph, Azure
/// Monitor and the admin center write) or no zone (a Purview record's `CreationTime`, UTC as the
/// first zone-less ISO reader takes it), read digit by digit; `None` for anything else, which the
/// ISO readers read (chrono's RFC 3339 reader costs about 400 instructions a value and every record
/// has one; a zone-less value failed it and went on to a format reader, about 1,700). A leap second
/// is left to chrono.
fn rfc3339_utc_exact(t: &str) -> Option<DateTime<Utc>> {
    let (head, rest) = t.as_bytes().split_first_chunk::<19>()?;
    if (head[4], head[7], head[10], head[13], head[16]) != (b'-', b'-', b'T', b':', b':') {
        return None;
    }
    // a fixed array: no bounds checks (a byte below `0` wraps above 9)
    let digit = |i: usize| {
        let v = head[i].wrapping_sub(b'0');
        (v < 10).then_some(u32::from(v))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let (y, mo, d) = (two(0)? * 100 + two(2)?, two(5)?, two(8)?);
    let (h, mi, sec) = (two(11)?, two(14)?, two(17)?);
    // the zone, if any, is the last byte
    let rest = rest.strip_suffix(b"Z").unwrap_or(rest);
    let nanos = match rest {
        b"" => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            let f = frac.iter().try_fold(0u32, |v, &c| {
                c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
            })?;
            f * NANOS_PER_DIGIT.get(frac.len())?
        }
        _ => return None,
    };
    utc_of((y, mo, d), (h, mi, sec), nanos)
}

/// The UTC time of a date and a clock read digit by digit by the exact readers; `None` for a day
/// or a time that does not exist (second 60 included: a leap second is left to chrono's readers).
#[inline(always)]
fn utc_of(
    (y, mo, d): (u32, u32, u32),
    (h, mi, s): (u32, u32, u32),
    nanos: u32,
) -> Option<DateTime<Utc>> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?;
    let time = NaiveTime::from_hms_nano_opt(h, mi, s, nanos)?;
    Some(Utc.from_utc_datetime(&date.and_time(time)))
}

/// The ISO readers in turn: RFC 3339, then without a zone, then with an offset written otherwise.
fn iso_readers(t: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|dt| dt.with_timezone(&Utc))
        .or_else(|| {
            (0..NAIVE.len())
                .find_map(|i| naive(t, i))
                .map(|n| Utc.from_utc_datetime(&n))
        })
        .or_else(|| {
            (0..OFFSET.len())
                .find_map(|i| with_offset(t, i))
                .map(|dt| dt.with_timezone(&Utc))
        })
}

/// A locale-formatted date and clock: `M/D/YYYY` or `D/M/YYYY` (the scope's [`DateOrder`]),
/// `D.M.YYYY`, `D-M-YYYY` or `YYYY/M/D`, then `h:mm:ss AM` or a 24-hour clock, its fields separated
/// by `:` or by `.` (fi-FI, da-DK, id-ID; fi-FI's `klo` before it read too) (optionally `, ` after
/// the date, an optional fraction, an optional trailing `Z`/`UTC`). A slash date is noted as
/// evidence of the order ([`DateEvidence`]).
fn parse_locale(t: &str) -> Option<DateTime<Utc>> {
    let stamp = locale_exact(t).or_else(|| locale_general(t))?;
    let order = match stamp.date {
        LocaleDate::Slash(d) => order_noting(d),
        _ => DateOrder::MonthFirst, // its order is its shape's
    };
    stamp.in_order(order)
}

/// A locale-formatted timestamp as written: its date's fields, whose order may be the file's to
/// tell, and its clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LocaleStamp {
    date: LocaleDate,
    time: NaiveTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LocaleDate {
    /// `N/N/YYYY`: month-first or day-first, as the file is.
    Slash(SlashDate),
    /// `D.M.YYYY` or `D-M-YYYY` (day-first wherever it is written) or `YYYY/M/D` (ja-JP, zh-CN):
    /// the order is the shape's.
    Ymd { year: u32, month: u32, day: u32 },
}

impl LocaleStamp {
    /// The instant, a slash date read in `order`; `None` for a day that does not exist.
    #[inline(always)]
    fn in_order(self, order: DateOrder) -> Option<DateTime<Utc>> {
        let (y, m, d) = match self.date {
            LocaleDate::Slash(s) => {
                let (m, d) = order.month_day(u32::from(s.first), u32::from(s.second));
                (u32::from(s.year), m, d)
            }
            LocaleDate::Ymd { year, month, day } => (year, month, day),
        };
        let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
        Some(Utc.from_utc_datetime(&date.and_time(self.time)))
    }
}

/// The date of a year-last locale date: an `N/N/YYYY` one's fields as written.
fn year_last(sep: u8, first: u32, second: u32, year: u32) -> Option<LocaleDate> {
    // th-TH writes the Buddhist era's year (2569 for 2026), and only day-first: such a date is
    // read day-first whatever the file's order
    let (year, buddhist) = match year {
        y if BUDDHIST_YEARS.contains(&y) => (y - 543, true),
        y => (gregorian_year(y)?, false),
    };
    Some(match sep {
        b'/' if !buddhist => LocaleDate::Slash(SlashDate {
            year: u16::try_from(year).ok()?,
            first: u8::try_from(first).ok()?,
            second: u8::try_from(second).ok()?,
        }),
        _ => LocaleDate::Ymd {
            year,
            month: second,
            day: first,
        },
    })
}

/// The year of a timestamp no reader read because its year is out of range (fa-IR's Solar Hijri
/// `1405/7/17`, another calendar's): its first run of exactly four digits, in any script, when that
/// is no year [`gregorian_year`] or [`year_last`] reads; for the message that says why. An ISO
/// 8601 year written with a minus sign (`-0001-03-04T08:15:02Z`, before the common era) is
/// negative.
pub fn unread_year(s: &str) -> Option<i32> {
    let ascii = ascii_locale(s);
    let t = ascii.as_deref().unwrap_or(s);
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 4 {
            let year: u32 = t.get(i..i + 4)?.parse().ok()?;
            // a sign starts the (trimmed) text: `-0001-...` (a date's dash follows digits)
            let negative = t.get(..i).is_some_and(|head| head.trim() == "-");
            let signed = i32::try_from(year).ok()?;
            return if negative {
                Some(-signed)
            } else {
                (gregorian_year(year).is_none() && !BUDDHIST_YEARS.contains(&year))
                    .then_some(signed)
            };
        }
        i += n.max(1);
    }
    None
}

/// The Buddhist era's years of the Gregorian years [`gregorian_year`] reads (th-TH: 543 years
/// ahead).
const BUDDHIST_YEARS: std::ops::RangeInclusive<u32> = 2443..=2942;

/// A locale date's year, `None` for one no audit record has: before 1900 or from 2400 (fa-IR's
/// Solar Hijri 1405, another calendar's, a misread field) is a bad timestamp rather than a date
/// centuries off. A year-last date's Buddhist-era year is read back first ([`year_last`]); a
/// year-first one's is none (no locale writes one).
#[inline(always)]
fn gregorian_year(year: u32) -> Option<u32> {
    (1900..=2399).contains(&year).then_some(year)
}

/// The half of the day written before the clock, and what it is: ko-KR's, zh-TW's and ja-JP's,
/// and ko-KR's `AM`/`PM` where its data is English.
/// `true` for PM.
const MERIDIEM_BEFORE: [(&str, bool); 8] = [
    ("AM", false),
    ("PM", true),
    ("오전", false),
    ("오후", true),
    ("上午", false),
    ("下午", true),
    ("午前", false),
    ("午後", true),
];

/// The half of the day written with a clock, and whether the locales that write it so write a
/// slash date day-first.
#[derive(Clone, Copy)]
struct Meridiem {
    pm: bool,
    day_first: bool,
}

/// A clock and the half of the day written after it, `AM` or `PM` in any case, with or without
/// points, after any space (`10:05:13 AM`, `10:05:13 am`, en-CA's `10:05:13 a.m.`, es-MX's
/// `10:05:13 p. m.`, ICU 72's `10:05:13\u{202f}AM`); the clock alone when nothing follows it, and
/// `rest` whole (no clock) when something else does.
fn meridiem_after(rest: &str) -> (&str, Option<Meridiem>) {
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '.' | ',')))
        .unwrap_or(rest.len());
    let (clock, after) = rest.split_at(end);
    let mark: String = after
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let pm = match mark.as_str() {
        // bg-BG's `ч.` (hours) after a 24-hour clock
        "" | "ч" => return (clock, None),
        // el-GR's `π.μ.`/`μ.μ.`, ms-MY's `PG`/`PTG`, ar's `ص`/`م`, vi-VN's `SA`/`CH`
        "am" | "πμ" | "pg" | "ص" | "sa" => false,
        "pm" | "μμ" | "ptg" | "م" | "ch" => true,
        _ => return (rest, None),
    };
    // every locale that writes these (es-*'s `p. m.`, el-GR, ms-MY, ar) writes a slash date
    // day-first: only a plain `AM`/`PM` is en-US's too
    let day_first = !matches!(mark.as_str(), "am" | "pm") || after.contains('.');
    (clock, Some(Meridiem { pm, day_first }))
}

/// `N/N/YYYY`, `D.M.YYYY`, `D-M-YYYY` or `YYYY/M/D` at the start of `t`, and what follows it (after
/// the space or comma that ends it).
fn slashed_or_dotted(t: &str) -> Option<(LocaleDate, &str)> {
    let (date, rest) = t.split_once(|c: char| c == ',' || c.is_whitespace())?;
    let sep = *date.as_bytes().iter().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let mut parts = date.split(char::from(sep));
    let first = parts.next()?.trim();
    let a: u32 = first.parse().ok()?;
    let b: u32 = parts.next()?.trim().parse().ok()?;
    let third = parts.next()?.trim();
    let c: u32 = third.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let date = if first.len() == 4 && sep != b'.' {
        // ja-JP's and zh-CN's `YYYY/M/D`, en-CA's `YYYY-MM-DD, h:mm:ss p.m.`
        LocaleDate::Ymd {
            year: gregorian_year(a)?,
            month: b,
            day: c,
        }
    } else if third.len() == 4 {
        year_last(sep, a, b, c)?
    } else {
        return None;
    };
    Some((date, rest))
}

/// A date whose fields each end with a point and may be spaced, at the start of `t`, and what
/// follows it: ko-KR's and hu-HU's `YYYY. M. D.`, cs-CZ's, sk-SK's and sl-SI's `D. M. YYYY`, hr-HR's
/// and sr-RS's `D. M. YYYY.`, lv-LV's `D.M.YYYY.`, bg-BG's `D.M.YYYY г.`.
fn spaced_dotted(t: &str) -> Option<(LocaleDate, &str)> {
    fn field(s: &str) -> Option<(u32, usize, &str)> {
        let end = s
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(s.len());
        let v = s.get(..end)?.parse().ok()?;
        Some((v, end, s.get(end..)?))
    }
    let (a, na, r) = field(t)?;
    let (b, nb, r) = field(r.strip_prefix('.')?.trim_start_matches(' '))?;
    let (c, nc, r) = field(r.strip_prefix('.')?.trim_start_matches(' '))?;
    // the last point is the year's or the day's; bg-BG writes `г.` (year) after it
    let r = r.strip_prefix('.').unwrap_or(r);
    let r = r.strip_prefix(" г.").unwrap_or(r);
    // the clock after a space or a comma
    if !r.starts_with([' ', ',']) || nb > 2 {
        return None;
    }
    let date = match (na, nc) {
        (4, 1..=2) => LocaleDate::Ymd {
            year: gregorian_year(a)?,
            month: b,
            day: c,
        },
        (1..=2, 4) => LocaleDate::Ymd {
            year: gregorian_year(c)?,
            month: b,
            day: a,
        },
        _ => return None,
    };
    Some((date, r))
}

/// `t` in ASCII where a locale writes other characters: other scripts' decimal digits (Arabic-Indic,
/// Persian, Devanagari, Bengali), the Arabic comma and decimal separator, spaces of other widths
/// (U+2009 zh-TW, U+202F en-US since ICU 72, U+00A0), and the direction marks ar-AE puts around
/// `/` (dropped); `None` when `t` is ASCII already.
fn ascii_locale(t: &str) -> Option<String> {
    // most non-ASCII timestamps (ko-KR's, zh-TW's marks) have nothing to map: no copy of them. Every
    // character mapped starts with one of these bytes in UTF-8 (U+00A0; U+060C-U+06F9; U+0966-U+09EF;
    // U+200E-U+202F)
    if !t
        .bytes()
        .any(|b| matches!(b, 0xC2 | 0xD8..=0xDB | 0xE0 | 0xE2))
    {
        return None;
    }
    let digit = |c: char, zero: u32| char::from_digit(u32::from(c) - zero, 10);
    Some(
        t.chars()
            .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}'))
            .map(|c| match c {
                '\u{660}'..='\u{669}' => digit(c, 0x660).unwrap_or(c),
                '\u{6f0}'..='\u{6f9}' => digit(c, 0x6f0).unwrap_or(c),
                '\u{966}'..='\u{96f}' => digit(c, 0x966).unwrap_or(c),
                '\u{9e6}'..='\u{9ef}' => digit(c, 0x9e6).unwrap_or(c),
                '\u{60c}' => ',',
                '\u{66b}' => '.',
                '\u{a0}' | '\u{2009}' | '\u{202f}' => ' ',
                c => c,
            })
            .collect(),
    )
}

/// vi-VN writes the clock first, `13:05:13 9/10/2026` or `1:05:13 CH 9/10/2026`: the date first
/// instead; `None` for any other shape.
fn clock_last(t: &str) -> Option<String> {
    let (clock, date) = t.rsplit_once(' ')?;
    let first = clock.split(' ').next()?;
    (first.contains(':') && date.starts_with(|c: char| c.is_ascii_digit()) && !date.contains(':'))
        .then(|| format!("{date} {clock}"))
}

/// [`parse_locale`]'s shapes read the general way, with chrono's formats for the clock.
fn locale_general(t: &str) -> Option<LocaleStamp> {
    let ascii = ascii_locale(t);
    let t = ascii.as_deref().unwrap_or(t);
    let t = t.trim_end_matches(" UTC").trim_end_matches('Z').trim();
    let swapped = clock_last(t);
    let t = swapped.as_deref().unwrap_or(t);
    let (date, rest) = match spaced_dotted(t) {
        Some(d) => d,
        None => slashed_or_dotted(t)?,
    };
    let rest = rest.trim_start_matches([',', ' ']);
    let rest = rest.strip_prefix("klo ").unwrap_or(rest).trim_start();
    // eu-ES writes the clock in parentheses
    let rest = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    // fr-CA writes `13 h 05 min 13 s`
    let units = rest.strip_suffix(" s").and_then(|r| {
        let (h, r) = r.split_once(" h ")?;
        let (m, s) = r.split_once(" min ")?;
        Some(format!("{h}:{m}:{s}"))
    });
    let rest = units.as_deref().unwrap_or(rest);
    // ko-KR, zh-TW and ja-JP write the half of the day before the clock
    let before = MERIDIEM_BEFORE
        .iter()
        .find_map(|&(m, pm)| Some((rest.strip_prefix(m)?.trim_start(), pm, !m.is_ascii())));
    let (clock, meridiem) = match before {
        // a CJK mark after a slash date written year last is zh-HK's (day-first)
        Some((c, pm, day_first)) => (c, Some(Meridiem { pm, day_first })),
        None => meridiem_after(rest),
    };
    // a slash date in a shape only day-first locales write is day-first whatever the file's order
    // (vi-VN writes the clock first)
    let date = match date {
        LocaleDate::Slash(d) if meridiem.is_some_and(|m| m.day_first) || swapped.is_some() => {
            LocaleDate::Ymd {
                year: u32::from(d.year),
                month: u32::from(d.second),
                day: u32::from(d.first),
            }
        }
        d => d,
    };
    let time = match exact_clock(clock) {
        Some(t) => t,
        None => {
            // a decimal comma where the locale writes one ([`comma_fraction`])
            let clock = match comma_fraction(clock) {
                Some(c) => std::borrow::Cow::Owned(c),
                None => std::borrow::Cow::Borrowed(clock),
            };
            (0..CLOCK.len()).find_map(|i| self::clock(&clock, i))?
        }
    };
    let time = match meridiem {
        Some(Meridiem { pm, .. }) => {
            use chrono::Timelike;
            let h = time.hour();
            if h > 12 {
                return None;
            }
            // 1-12, or 0-11 where the locale counts so (ja-JP's `午後0:05`, th-TH's `0:05 PM`,
            // vi-VN's `0:05 CH`): either way the hour mod 12, then the half
            let h24 = h % 12 + if pm { 12 } else { 0 };
            time.with_hour(h24)?
        }
        None => time,
    };
    Some(LocaleStamp { date, time })
}

/// The shape Log Analytics and Purview write, `M/D/YYYY, h:mm:ss.fff AM` (or `D/M/YYYY`, or
/// `D.M.YYYY`; `, ` or a space after the date, a fraction of 1-9 digits or none, `AM`/`PM` or a
/// 24-hour clock), read digit by digit; `None` for anything else, which [`locale_general`] reads
/// (its formats cost about 2,000 instructions a value, and a CSV export has one per row).
fn locale_exact(t: &str) -> Option<LocaleStamp> {
    struct Cursor<'a>(&'a [u8], usize);
    impl Cursor<'_> {
        /// `min..=max` digits, not followed by another digit.
        #[inline(always)]
        fn num(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
            let start = self.1;
            let mut v = 0u32;
            while self.1 - start < max {
                match self.0.get(self.1) {
                    Some(c) if c.is_ascii_digit() => v = v * 10 + u32::from(c - b'0'),
                    _ => break,
                }
                self.1 += 1;
            }
            let n = self.1 - start;
            let more = self.0.get(self.1).is_some_and(u8::is_ascii_digit);
            (n >= min && !more).then_some((v, n))
        }
        #[inline(always)]
        fn eat(&mut self, c: u8) -> bool {
            let hit = self.0.get(self.1) == Some(&c);
            self.1 += usize::from(hit);
            hit
        }
    }
    let mut c = Cursor(t.as_bytes(), 0);
    let (a, _) = c.num(1, 2)?;
    let sep = if c.eat(b'/') {
        b'/'
    } else if c.eat(b'.') {
        b'.'
    } else {
        return None;
    };
    let (b, _) = c.num(1, 2)?;
    c.eat(sep).then_some(())?;
    let (y, _) = c.num(4, 4)?;
    c.eat(b',');
    c.eat(b' ').then_some(())?;
    let (h, _) = c.num(1, 2)?;
    c.eat(b':').then_some(())?;
    let (mi, _) = c.num(2, 2)?;
    c.eat(b':').then_some(())?;
    let (s, _) = c.num(2, 2)?;
    // a decimal comma where the locale writes one ([`comma_fraction`])
    let nanos = if c.eat(b'.') || c.eat(b',') {
        let (f, n) = c.num(1, 9)?;
        f * NANOS_PER_DIGIT.get(n)?
    } else {
        0
    };
    // the space before the half of the day: a plain one, the narrow no-break space ICU 72 and later
    // write in en-US (Chrome 110, Node 20), or a no-break space
    let pm = match &c.0[c.1..] {
        b"" => None,
        b" AM" | b"\xE2\x80\xAFAM" | b"\xC2\xA0AM" => Some(false),
        b" PM" | b"\xE2\x80\xAFPM" | b"\xC2\xA0PM" => Some(true),
        _ => return None,
    };
    let h24 = match pm {
        None => h,
        Some(_) if h == 0 || h > 12 => return None,
        Some(false) => h % 12,
        Some(true) => h % 12 + 12,
    };
    Some(LocaleStamp {
        date: year_last(sep, a, b, y)?,
        time: NaiveTime::from_hms_nano_opt(h24, mi, s, nanos)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review 88, item 2: .NET's `DateTime.MinValue`, the placeholder of an unset date, is no time
    /// in any of its spellings (it once started timelines at 0001 and opened errors 739704 days);
    /// the second after it, or a year-1 date of another day, is not the placeholder.
    #[test]
    fn the_no_date_placeholder_is_no_time() {
        for t in [
            "0001-01-01T00:00:00Z",
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00.0000000Z",
            "0001-01-01T00:00:00+00:00",
            "/Date(-62135596800000)/",
            "\\/Date(-62135596800000)\\/",
        ] {
            assert_eq!(parse_timestamp(t), None, "{t}");
            assert!(is_no_date(t), "{t}");
        }
        assert!(!is_no_date("2026-10-09T09:15:27Z"));
        assert!(!is_no_date("yesterday"));
    }

    /// Windows PowerShell 5.1's `DateTime` in JSON, as an audit record's `ActivityDateTime` and a
    /// snapshot's `LastUpdatedDateTime` hold it: the escaped slashes read or not, with an offset
    /// (display only) or without; anything else in that shape is no time.
    #[test]
    fn windows_powershell_ms_dates() {
        let want = parse_timestamp("2026-10-09T09:15:27Z");
        assert!(want.is_some());
        for t in [
            "/Date(1791537327000)/",
            "\\/Date(1791537327000)\\/",
            "/Date(1791537327000+0000)/",
            "\\/Date(1791537327000+0200)\\/",
            " \"/Date(1791537327000)/\" ",
        ] {
            assert_eq!(parse_timestamp(t), want, "{t}");
        }
        assert_eq!(
            parse_timestamp("/Date(-1000)/"),
            parse_timestamp("1969-12-31T23:59:59Z")
        );
        for t in [
            "/Date(x)/",
            "/Date(",
            "/Date()/",
            "/2026-10-09",
            "\\",
            "/Date(-99999999999999999999)/",
        ] {
            assert_eq!(parse_timestamp(t), None, "{t}");
        }
    }
    use proptest::prelude::*;

    /// Each timestamp reads as its instant (RFC 3339, UTC).
    fn assert_reads(cases: &[(&str, &str)]) {
        for (s, want) in cases {
            assert_eq!(iso(s), *want, "{s}");
        }
    }

    /// No timestamp reads.
    fn assert_refuses(cases: &[&str]) {
        for s in cases {
            assert_eq!(parse_timestamp(s), None, "{s}");
        }
    }

    /// Every reader in turn, US locale last (the order before the `M/D/YYYY` shortcut).
    fn every_reader(s: &str) -> Option<DateTime<Utc>> {
        let t = crate::model::trim(s).trim_matches('"');
        if t.is_empty() {
            return None;
        }
        iso_readers(t).or_else(|| parse_locale(t)).or_else(|| {
            let t = comma_fraction(t)?;
            iso_readers(&t).or_else(|| parse_locale(&t))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The exact-shape reader, whenever it answers, reads what the general one reads.
        #[test]
        fn exact_locale_reader_agrees(s in prop_oneof![
            r"[0-9]{1,3}[/.][0-9]{1,3}[/.][0-9]{3,5}(, | |,)[0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}([.,][0-9]{0,10})?( AM| PM| am| pm|AM)?",
            r"1[0-2]/[1-3][0-9]/20[0-9]{2}, (1[0-2]|[1-9]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3} (AM|PM)",
            r"[1-3][0-9]\.(1[0-2]|0?[1-9])\.20[0-9]{2},? ([01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9][.,][0-9]{3}",
            r"[0-9]{1,3}[/.][0-9]{1,3}[/.][0-9]{3,5}(, | |,)(klo )?[0-9]{1,3}[.:][0-9]{1,3}[.:][0-9]{1,3}([.,][0-9]{0,10})?",
            r"[0-9]{1,2}/[0-9]{1,2}/20[0-9]{2}, [0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?(\u{202f}| |\u{a0}|)(AM|PM|am|a\. m\.)",
        ]) {
            if let Some(fast) = locale_exact(&s) {
                prop_assert_eq!(Some(fast), locale_general(&s), "{}", s);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The exact RFC 3339 reader, whenever it answers, reads what chrono's reader reads; and
        /// it answers for the shapes exports write.
        #[test]
        fn exact_rfc3339_reader_agrees(s in prop_oneof![
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,11})?(Z|z|\+00:00)?",
            r"20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?Z?",
            r"[0-9T:.Z-]{0,30}",
        ]) {
            let chrono = DateTime::parse_from_rfc3339(&s).ok().map(|d| d.with_timezone(&Utc));
            match rfc3339_utc_exact(&s) {
                // zone-less: what the ISO readers read (chrono's RFC 3339 reader refuses it)
                Some(fast) if !s.ends_with('Z') => prop_assert_eq!(Some(fast), iso_readers(&s), "{}", s),
                Some(fast) => prop_assert_eq!(Some(fast), chrono, "{}", s),
                None => prop_assert!(
                    chrono.is_none() || !s.ends_with('Z') || s.contains(['t', ' ']) || s.get(17..19).is_some_and(|x| x == "60") || s.len() > 30,
                    "{} is left to chrono", s
                ),
            }
            prop_assert_eq!(parse_timestamp(&s), iso_readers(&s).or_else(|| parse_locale(&s)), "{}", s);
        }
    }

    proptest! {
        /// The byte trim of quotes is `trim_matches('"')`, whatever else the text holds.
        #[test]
        fn unquote_is_trim_matches(s in "[\"a é\u{201c}0]{0,8}") {
            prop_assert_eq!(unquote(&s), s.trim_matches('"'));
        }
    }

    #[test]
    fn exact_rfc3339_reader_reads_the_export_shapes() {
        for s in [
            "2026-10-01T00:00:01.7097246Z",
            "2026-10-05T07:02:11Z",
            "2024-02-29T23:59:59.123456789Z",
        ] {
            assert!(rfc3339_utc_exact(s).is_some(), "{s}");
            assert_eq!(
                rfc3339_utc_exact(s),
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|d| d.with_timezone(&Utc)),
                "{s}"
            );
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-10-01T24:00:00Z",
            "2026-10-01T00:00:00.Z",
            "2026-10-01T00:00:00.1234567890Z",
            "2026-10-01T00:00:00.",
            "2026-10-01T00:00:00ZZ",
            "2026-10-01T00:00:00.5+00:00",
        ] {
            assert_eq!(rfc3339_utc_exact(s), None, "{s}");
        }
        // a Purview record's `CreationTime`: no zone, UTC
        for s in ["2026-10-01T00:00:01", "2026-10-01T00:00:01.5"] {
            assert!(rfc3339_utc_exact(s).is_some(), "{s}");
            assert_eq!(rfc3339_utc_exact(s), iso_readers(s), "{s}");
        }
    }

    #[test]
    fn exact_locale_reader_reads_the_export_shapes() {
        for s in [
            "10/1/2026, 12:00:01.709 AM",
            "9/20/2023 4:05:03 AM",
            "10/5/2026, 7:00:00.000 PM",
            "1/2/2026 13:04:05",
            "09.10.2026, 10:05:13.992",
            "09.10.2026 10:05:13,992",
            "10/1/2026, 12:00:01.709\u{202f}AM",
            "10/1/2026, 1:00:01\u{a0}PM",
        ] {
            assert!(locale_exact(s).is_some(), "{s}");
            assert_eq!(locale_exact(s), locale_general(s), "{s}");
        }
    }

    /// The seconds' fraction after a decimal comma, as the locales with one write it (and ISO 8601
    /// allows); a comma anywhere else is not a fraction.
    #[test]
    fn a_decimal_comma_before_the_fraction() {
        assert_reads(&[
            ("09.10.2026 10:05:13,992", "2026-10-09T10:05:13.992+00:00"),
            ("09.10.2026, 10:05:13,9", "2026-10-09T10:05:13.900+00:00"),
            ("2026-10-09 10:05:13,992", "2026-10-09T10:05:13.992+00:00"),
            ("2026-10-09T10:05:13,5Z", "2026-10-09T10:05:13.500+00:00"),
            (
                "2026-10-09T10:05:13,5+02:00",
                "2026-10-09T08:05:13.500+00:00",
            ),
            ("9.10.2026 10:05:13,992", "2026-10-09T10:05:13.992+00:00"),
            ("2026/10/9 10:05:13,992", "2026-10-09T10:05:13.992+00:00"),
            (
                "\"9-10-2026 10:05:13,992\"",
                "2026-10-09T10:05:13.992+00:00",
            ),
        ]);
        assert_refuses(&[
            "2026-10-09 10:05:13,",
            "2026-10-09 10:05,13",
            "2026-10-09 10:05:13,992,1",
        ]);
        assert_eq!(comma_fraction("10/9/2026, 10:05:13 AM"), None);
    }

    /// A clock whose fields are separated by `.`, as fi-FI, da-DK and id-ID write it (with fi-FI
    /// browsers' `klo` before it, and a decimal comma before a fraction); mixed separators are not a
    /// clock.
    #[test]
    fn a_dotted_clock() {
        assert_reads(&[
            ("5.10.2026 7.02.11", "2026-10-05T07:02:11+00:00"),
            ("5.10.2026 klo 7.02.11", "2026-10-05T07:02:11+00:00"),
            ("05.10.2026 07.02.11,464", "2026-10-05T07:02:11.464+00:00"),
            ("5.10.2026, 21.07.03", "2026-10-05T21:07:03+00:00"),
            ("5.10.2026 21.07", "2026-10-05T21:07:00+00:00"),
            ("5-10-2026 21.07.03", "2026-10-05T21:07:03+00:00"),
            (
                "\"5.10.2026 klo 21.07.03,5\"",
                "2026-10-05T21:07:03.500+00:00",
            ),
        ]);
        // id-ID: a slash date, read in the scope's order
        let (got, _) = with_date_order(DateOrder::DayFirst, || iso("5/10/2026 21.07.03"));
        assert_eq!(got, "2026-10-05T21:07:03+00:00");
        assert_refuses(&[
            "5.10.2026 7.02:11",
            "5.10.2026 7:02.11",
            "5.10.2026 7.02.11.464",
            "5.10.2026 7.2.11",
            "5.10.2026 7.02,5",
            "5.10.2026 klo7.02.11",
            "5.10.2026 7.02.11.",
        ]);
        assert_eq!(colon_clock("7.02.11,464").as_deref(), Some("7:02:11,464"));
        assert_eq!(colon_clock("7:02:11"), None);
    }

    /// The half of the day after the clock as locales and ICU versions write it: after a narrow
    /// no-break space (en-US since ICU 72: Chrome 110, Node 20) or a no-break space, with points
    /// (en-CA's `a.m.`, es-MX's `p. m.`), in any case.
    #[test]
    fn the_half_of_the_day_after_the_clock() {
        assert_reads(&[
            (
                "10/9/2026, 10:05:13.992\u{202f}AM",
                "2026-10-09T10:05:13.992+00:00",
            ),
            ("10/9/2026, 1:05:13\u{202f}PM", "2026-10-09T13:05:13+00:00"),
            ("10/9/2026, 1:05:13\u{a0}pm", "2026-10-09T13:05:13+00:00"),
            ("10/9/2026, 1:05 PM", "2026-10-09T13:05:00+00:00"),
            // with points, day-first whatever the scope: no month-first locale writes them
            ("9/10/2026, 12:05:13 a.m.", "2026-10-09T00:05:13+00:00"),
            ("9/10/2026, 1:05:13 p. m.", "2026-10-09T13:05:13+00:00"),
            ("9/10/2026, 1:05:13 p.\u{a0}m.", "2026-10-09T13:05:13+00:00"),
            ("10/9/2026 1:05:13PM", "2026-10-09T13:05:13+00:00"),
        ]);
        assert_refuses(&[
            "10/9/2026, 13:05:13 PM",
            "10/9/2026, 1:05:13 p",
            "10/9/2026, 1:05:13 pmx",
            "10/9/2026, 1:05:13 a.m.m",
            "10/9/2026, 1:05:13 +02:00",
        ]);
    }

    /// Every shape Node 20's ICU writes for `toLocaleString` in the locales below that has an
    /// ASCII reading in the Gregorian calendar, as they are written (`node
    /// fixtures/tools/locale-shapes.js`); fa-IR's Solar Hijri year is a bad timestamp.
    #[test]
    fn browser_locales() {
        let day_first = |s: &str| with_date_order(DateOrder::DayFirst, || iso(s)).0;
        for (locale, s) in [
            ("en-CA", "2026-10-09, 1:05:13 p.m."),
            ("en-CA", "2026-10-09, 1:05:13.992 p.m."),
            ("fr-CA", "2026-10-09 13 h 05 min 13 s"),
            ("fr-CA", "2026-10-09 13 h 05 min 13,992 s"),
            ("cs-CZ", "9. 10. 2026 13:05:13"),
            ("sk-SK", "9. 10. 2026 13:05:13,992"),
            ("sl-SI", "9. 10. 2026, 13:05:13"),
            ("hr-HR", "09. 10. 2026. 13:05:13"),
            ("sr-Latn-RS", "9. 10. 2026. 13:05:13,992"),
            ("lv-LV", "9.10.2026. 13:05:13"),
            ("bg-BG", "9.10.2026 г., 13:05:13 ч."),
            ("bg-BG", "9.10.2026 г., 13:05:13,992"),
            ("el-GR", "9/10/2026, 1:05:13 μ.μ."),
            ("ko-KR", "2026. 10. 9. PM 1:05:13"),
            ("zh-TW", "2026/10/9\u{2009}下午1:05:13"),
            ("zh-HK", "9/10/2026\u{2009}下午1:05:13.992"),
            ("th-TH", "9/10/2569 13:05:13"),
            ("vi-VN", "13:05:13 9/10/2026"),
            ("vi-VN", "13:05:13,992 9/10/2026"),
            ("vi-VN 12-hour", "1:05:13 CH 9/10/2026"),
            ("ja-JP 12-hour", "2026/10/9 午後1:05:13"),
            ("ms-MY", "9/10/2026, 1:05:13 PTG"),
            ("eu-ES", "2026/10/9 (13:05:13)"),
            ("ar-SA", "٩\u{200f}/١٠\u{200f}/٢٠٢٦، ١:٠٥:١٣ م"),
            ("ar-SA", "٩\u{200f}/١٠\u{200f}/٢٠٢٦، ١:٠٥:١٣٫٩٩٢ م"),
            ("ar-AE", "9\u{200f}/10\u{200f}/2026، 1:05:13 م"),
            ("bn-BD", "৯/১০/২০২৬, ১:০৫:১৩ PM"),
            // .NET's (PowerShell's `Export-Csv`) where it differs
            ("ko-KR .NET", "2026-10-09 오후 1:05:13"),
            ("zh-TW .NET", "2026/10/9 下午 01:05:13"),
            ("th-TH .NET", "9/10/2569 13:05:13"),
        ] {
            let got = day_first(s);
            assert!(
                got.starts_with("2026-10-09T13:05:13"),
                "{locale}: {s} -> {got}"
            );
        }
        assert_eq!(parse_timestamp("۱۴۰۵/۷/۱۷, ۱۳:۰۵:۱۳"), None);
        assert_eq!(parse_timestamp("10/9/1405, 13:05:13"), None);
        assert_eq!(parse_timestamp("10/9/2400, 13:05:13"), None);
        // th-TH's Buddhist year: day-first whatever the scope (th-TH writes no other order); a
        // year-first shape has no Buddhist year
        for order in [DateOrder::MonthFirst, DateOrder::DayFirst] {
            let (got, evidence) = with_date_order(order, || iso("9/10/2569, 13:05:13"));
            assert_eq!(got, "2026-10-09T13:05:13+00:00");
            assert_eq!(evidence, DateEvidence::default());
        }
        assert_refuses(&["2569-10-09 13:05", "2569/10/9 13:05:13", "2500-01-01 00:00"]);
        // the shapes only day-first locales write are day-first whatever the scope, and no evidence
        for s in [
            "9/10/2026, 1:05:13 μ.μ.",
            "9/10/2026, 1:05:13 PTG",
            "9/10/2026، 1:05:13 م",
            "9/10/2026\u{2009}下午1:05:13",
            "13:05:13 9/10/2026",
            "9/10/2026, 1:05:13 p. m.",
        ] {
            let (got, evidence) = with_date_order(DateOrder::MonthFirst, || iso(s));
            assert_eq!(got, "2026-10-09T13:05:13+00:00", "{s}");
            assert_eq!(evidence, DateEvidence::default(), "{s}");
        }
        // a plain `PM` is en-US's too: the scope's order
        let (got, _) = with_date_order(DateOrder::MonthFirst, || iso("9/10/2026, 1:05:13 pm"));
        assert_eq!(got, "2026-09-10T13:05:13+00:00");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The general reader's shapes, pieced together at random from their characters (other
        /// scripts' digits, marks, spaces of other widths, units), never panic.
        #[test]
        fn locale_pieces_never_panic(s in r"[0-9٠-٩۰-۹০-৯ ./:,()\-\u{202f}\u{a0}\u{2009}\u{200f}،٫hminsгчμπPTGAMpmaklo오전후上下午前後]{0,40}") {
            for order in [DateOrder::MonthFirst, DateOrder::DayFirst] {
                let _ = with_date_order(order, || parse_timestamp(&s));
            }
        }
    }

    /// The year that made a timestamp unread, for the message.
    #[test]
    fn the_year_of_an_unread_timestamp() {
        assert_eq!(unread_year("۱۴۰۵/۷/۱۷, ۱۳:۰۵:۱۳"), Some(1405));
        assert_eq!(unread_year("10/9/2400, 13:05:13"), Some(2400));
        assert_eq!(unread_year("10/9/2026, 25:05:13"), None);
        assert_eq!(unread_year("9/10/2569 13:05:13"), None);
        assert_eq!(unread_year("10/9/20261 13:05"), None);
        assert_eq!(unread_year("garbage"), None);
        assert_eq!(unread_year("-0001-03-04T08:15:02Z"), Some(-1));
        assert_eq!(unread_year(" -2026-03-04T08:15:02Z"), Some(-2026));
        assert_eq!(unread_year("2026-03-04T08:15:02Z"), None);
    }

    /// A 12-hour clock counted 0-11 (ja-JP's, th-TH's and vi-VN's with `hour12`): hour 0 is the
    /// half's first, midnight or noon.
    #[test]
    fn a_twelve_hour_clock_from_zero() {
        assert_reads(&[
            ("2026/10/9 午後0:05:13", "2026-10-09T12:05:13+00:00"),
            ("2026/10/9 午前0:05:13", "2026-10-09T00:05:13+00:00"),
            ("9/10/2569 0:05:13 PM", "2026-10-09T12:05:13+00:00"),
            ("0:05:13 SA 9/10/2026", "2026-10-09T00:05:13+00:00"),
            ("10/9/2026, 0:05:13 AM", "2026-10-09T00:05:13+00:00"),
            ("10/9/2026, 12:05:13 AM", "2026-10-09T00:05:13+00:00"),
        ]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// The digit-by-digit clock reads what chrono's formats read after the dotted clock and the
        /// decimal comma are made colons and a point, whenever it reads.
        #[test]
        fn exact_clock_agrees(s in r"[0-9]{1,3}[:.][0-9]{1,3}([:.][0-9]{1,3}([.,][0-9]{0,10})?)?") {
            if let Some(t) = exact_clock(&s) {
                let dotted = colon_clock(&s);
                let c = dotted.as_deref().unwrap_or(&s);
                let c = comma_fraction(c).unwrap_or_else(|| c.to_string());
                prop_assert_eq!(Some(t), (0..CLOCK.len()).find_map(|i| clock(&c, i)), "{}", s);
            }
        }
    }

    /// ko-KR's and hu-HU's year-first dates with a point after each field, and the half of the day
    /// written before the clock (ko-KR, zh-TW, ja-JP).
    #[test]
    fn year_first_dotted_dates_and_the_half_of_the_day_before_the_clock() {
        assert_reads(&[
            ("2026. 10. 9. 오전 10:05:13", "2026-10-09T10:05:13+00:00"),
            (
                "2026. 10. 9. 오후 1:05:13.992",
                "2026-10-09T13:05:13.992+00:00",
            ),
            ("2026. 10. 9. 오전 12:05:13", "2026-10-09T00:05:13+00:00"),
            ("2026. 10. 09. 13:05:13", "2026-10-09T13:05:13+00:00"),
            ("2026/10/9 下午1:05:13", "2026-10-09T13:05:13+00:00"),
            ("2026/10/9 上午12:05:13", "2026-10-09T00:05:13+00:00"),
            ("2026/10/9 午後 1:05", "2026-10-09T13:05:00+00:00"),
        ]);
        assert_refuses(&[
            "2026. 10. 9. 오후 13:05:13",
            "2026. 10. 9.10:05:13",
            "2026. 13. 9. 10:05:13",
            "2026. 10. 9. 오전",
            "2026/10/9 下午",
            "20261. 10. 9. 10:05:13",
        ]);
    }

    /// A slash date is read in the scope's order; a dotted or dashed one day-first and a
    /// year-first one as such, whatever the scope.
    #[test]
    fn dates_read_in_the_scopes_order() {
        let at = |s: &str, order| with_date_order(order, || iso(s)).0;
        use DateOrder::{DayFirst, MonthFirst};
        assert_eq!(
            at("09/10/2026, 10:05:13.992", MonthFirst),
            "2026-09-10T10:05:13.992+00:00"
        );
        assert_eq!(
            at("09/10/2026, 10:05:13.992", DayFirst),
            "2026-10-09T10:05:13.992+00:00"
        );
        assert_eq!(at("13/10/2026 10:05:13", MonthFirst), "");
        assert_eq!(
            at("13/10/2026 10:05:13", DayFirst),
            "2026-10-13T10:05:13+00:00"
        );
        assert_eq!(at("10/13/2026 10:05:13 AM", DayFirst), "");
        for order in [MonthFirst, DayFirst] {
            assert_eq!(
                at("9.10.2026, 10:05:13.992", order),
                "2026-10-09T10:05:13.992+00:00"
            );
            assert_eq!(at("09.10.2026 10:05", order), "2026-10-09T10:05:00+00:00");
            assert_eq!(at("9-10-2026 10:05:13", order), "2026-10-09T10:05:13+00:00");
            assert_eq!(
                at("2026/10/09 10:05:13", order),
                "2026-10-09T10:05:13+00:00"
            );
            assert_eq!(
                at("2026-10-05T07:00:00Z", order),
                "2026-10-05T07:00:00+00:00"
            );
        }
        // outside a scope: month-first
        assert_eq!(iso("09/10/2026 10:05:13"), "2026-09-10T10:05:13+00:00");
    }

    /// Every timestamp with a slash date, year last, is noted, whatever the order it is read in
    /// (the earliest written of each kind is kept); other dates, and text that is no timestamp
    /// (`1/2/2026` without a clock), are not.
    #[test]
    fn dates_are_noted_as_evidence_of_their_order() {
        use DateOrder::{DayFirst, MonthFirst};
        let dates = [
            "13/10/2026, 10:05:13.992",
            "14/10/2026 10:05:13",
            "10/13/2026 10:05:13 AM",
            "9/10/2026 10:05:13",
            "10/10/2026 10:05:13",
            "9.10.2026 10:05:13",
            "2026/10/09 10:05:13",
            "2026-10-09T10:05:13Z",
            "1/2/2026",
        ];
        for order in [MonthFirst, DayFirst] {
            let ((), seen) = with_date_order(order, || {
                for d in dates {
                    let _ = parse_timestamp(d);
                }
            });
            assert_eq!(
                seen,
                DateEvidence {
                    day_first_only: Some(sd(13, 10, 2026)),
                    month_first_only: Some(sd(10, 13, 2026)),
                    either: Some(sd(9, 10, 2026)),
                },
                "{order:?}"
            );
        }
        // no day in either order, or in the other order: no evidence of it
        let ((), seen) = with_date_order(MonthFirst, || {
            for d in [
                "31/2/2026 10:00:00",
                "2/30/2026 10:00:00",
                "0/5/2026 10:00:00",
                "10/5/2026 10:00:00",
            ] {
                let _ = parse_timestamp(d);
            }
        });
        let either = Some(sd(10, 5, 2026));
        assert_eq!(
            seen,
            DateEvidence {
                either,
                ..Default::default()
            }
        );
        for (first, second, year, mf, df) in [
            (2, 29, 2024, true, false),
            (2, 29, 2026, false, false),
            (29, 2, 2000, false, true),
            (29, 2, 1900, false, false),
            (12, 31, 2026, true, false),
            (13, 13, 2026, false, false),
        ] {
            let d = sd(first, second, year);
            assert_eq!((d.exists(MonthFirst), d.exists(DayFirst)), (mf, df), "{d}");
        }
        let mut e = DateEvidence::default();
        e.note(sd(13, 1, 2026));
        assert_eq!(e.shows(), Some(DayFirst));
        e.note(sd(1, 13, 2026));
        assert_eq!(e.shows(), None);
        assert_eq!(sd(5, 10, 2026).to_string(), "5/10/2026");
        assert_eq!(
            sd(5, 10, 2026).reading(MonthFirst).as_deref(),
            Some("10 May 2026")
        );
        assert_eq!(
            sd(5, 10, 2026).reading(DayFirst).as_deref(),
            Some("5 October 2026")
        );
        assert_eq!(sd(13, 10, 2026).reading(MonthFirst), None);
    }

    fn sd(first: u8, second: u8, year: u16) -> SlashDate {
        SlashDate {
            year,
            first,
            second,
        }
    }

    /// Scopes nest: the outer scope's order and evidence come back when an inner one ends, also
    /// when it ends by unwinding.
    #[test]
    fn date_order_scopes_nest() {
        use DateOrder::{DayFirst, MonthFirst};
        let (inner, outer) = with_date_order(DayFirst, || {
            let _ = parse_timestamp("13/10/2026 10:05:13");
            let ((), inner) = with_date_order(MonthFirst, || {
                assert_eq!(iso("09/10/2026 10:05:13"), "2026-09-10T10:05:13+00:00");
            });
            let r = std::panic::catch_unwind(|| with_date_order(MonthFirst, || panic!("unwinds")));
            assert!(r.is_err());
            assert_eq!(iso("09/10/2026 10:05:13"), "2026-10-09T10:05:13+00:00");
            inner
        });
        assert_eq!(inner.either, Some(sd(9, 10, 2026)));
        assert_eq!(
            outer,
            DateEvidence {
                day_first_only: Some(sd(13, 10, 2026)),
                month_first_only: None,
                either: Some(sd(9, 10, 2026)),
            }
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The `M/D/YYYY` shortcut reads what trying every reader in turn reads.
        #[test]
        fn locale_shortcut_agrees(s in prop_oneof![
            r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}(, | |,)[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?( AM| PM| am| pm)?( UTC|Z)?",
            r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?",
            r"[0-9/:T .,APMZ+-]{0,24}",
        ]) {
            prop_assert_eq!(parse_timestamp(&s), every_reader(&s), "{}", s);
        }
    }

    fn iso(s: &str) -> String {
        parse_timestamp(s)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default()
    }

    /// The formats read once give what chrono's `parse_from_str` gives with the format strings.
    #[test]
    fn formats_read_once_agree_with_parse_from_str() {
        let samples = [
            "2021-02-04T16:33:14",
            "2021-02-04T16:33:14.1234567",
            "2026-10-05 07:00:00",
            "2026-10-05T07:00",
            "2026-10-05 07:00:00+02:00",
            "2026-10-05 07:00:00.5+0200",
            "2026-10-05T07:00:00-0130",
            "2026-13-05T07:00:00",
            "7:05:03",
            "7:05",
            "x",
            "",
        ];
        for s in samples {
            for (i, f) in NAIVE.iter().enumerate() {
                assert_eq!(
                    naive(s, i),
                    NaiveDateTime::parse_from_str(s, f).ok(),
                    "{s} {f}"
                );
            }
            for (i, f) in OFFSET.iter().enumerate() {
                assert_eq!(
                    with_offset(s, i),
                    DateTime::parse_from_str(s, f).ok(),
                    "{s} {f}"
                );
            }
            for (i, f) in CLOCK.iter().enumerate() {
                assert_eq!(clock(s, i), NaiveTime::parse_from_str(s, f).ok(), "{s} {f}");
            }
        }
    }

    #[test]
    fn every_variant() {
        assert_eq!(
            iso("2024-12-27T10:01:19.5796748Z"),
            "2024-12-27T10:01:19.579674800+00:00"
        );
        assert_eq!(
            iso("2019-06-24T09:18:23.58602+00:00"),
            "2019-06-24T09:18:23.586020+00:00"
        );
        assert_eq!(
            iso("2025-11-12T13:59:29.848568+00:00"),
            "2025-11-12T13:59:29.848568+00:00"
        );
        assert_eq!(
            iso("2021-08-02T13:29:25.983Z"),
            "2021-08-02T13:29:25.983+00:00"
        );
        assert_eq!(iso("2021-02-04T16:33:14"), "2021-02-04T16:33:14+00:00");
        assert_eq!(iso("9/20/2023 4:05:03 AM"), "2023-09-20T04:05:03+00:00");
        assert_eq!(iso("9/20/2023 12:05:03 AM"), "2023-09-20T00:05:03+00:00");
        assert_eq!(iso("3/4/2025 8:15:02 PM"), "2025-03-04T20:15:02+00:00");
        assert_eq!(
            iso("10/5/2026, 7:00:00.000 AM"),
            "2026-10-05T07:00:00+00:00"
        );
        assert_eq!(iso("2026-10-05 07:00:00"), "2026-10-05T07:00:00+00:00");
        assert_eq!(
            iso("2026-10-05T09:00:00+02:00"),
            "2026-10-05T07:00:00+00:00"
        );
    }

    #[test]
    fn rejects_garbage() {
        assert_refuses(&[
            "",
            "2026-13-45T99:00:00Z",
            "yesterday",
            "13/45/2026 1:00:00 AM",
            "1/1/2026 13:00:00 PM",
        ]);
    }
}
