//! UTC instants with 100-ns ticks (what Entra records) and every timestamp rendering the exports
//! use (formats.md §8 quirk 1), written straight into byte buffers: no allocation per record.

/// Seconds since the Unix epoch plus 100-ns ticks (0..10^7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts {
    pub secs: i64,
    pub ticks: u32,
}

pub const TICKS: i64 = 10_000_000;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push_num(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    for _ in digits..width {
        out.push(b'0');
    }
    out.extend_from_slice(&buf[i..]);
}

impl Ts {
    pub fn at(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Ts {
        Ts {
            secs: days_from_civil(y, m, d) * 86_400 + (hh * 3600 + mm * 60 + ss) as i64,
            ticks: 0,
        }
    }

    pub fn from_ticks(t: i64) -> Ts {
        Ts {
            secs: t.div_euclid(TICKS),
            ticks: t.rem_euclid(TICKS) as u32,
        }
    }

    pub fn total_ticks(&self) -> i64 {
        self.secs * TICKS + self.ticks as i64
    }

    pub fn plus_secs(&self, s: i64) -> Ts {
        Ts {
            secs: self.secs + s,
            ticks: self.ticks,
        }
    }

    pub fn plus_ticks(&self, t: i64) -> Ts {
        Ts::from_ticks(self.total_ticks() + t)
    }

    fn parts(&self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, sod / 3600, sod / 60 % 60, sod % 60)
    }

    /// `2026-10-05T07:05:12` (no zone).
    pub fn write_seconds(&self, out: &mut Vec<u8>) {
        let (y, m, d, hh, mm, ss) = self.parts();
        push_num(out, y as u64, 4);
        out.push(b'-');
        push_num(out, m as u64, 2);
        out.push(b'-');
        push_num(out, d as u64, 2);
        out.push(b'T');
        push_num(out, hh as u64, 2);
        out.push(b':');
        push_num(out, mm as u64, 2);
        out.push(b':');
        push_num(out, ss as u64, 2);
    }

    /// Graph `activityDateTime`: `2026-10-05T07:05:12.1234567Z`.
    pub fn write_graph(&self, out: &mut Vec<u8>) {
        self.write_seconds(out);
        out.push(b'.');
        push_num(out, self.ticks as u64, 7);
        out.push(b'Z');
    }

    /// Diagnostic `properties.activityDateTime`: `+00:00`, trailing zeros of the fraction trimmed.
    pub fn write_plus_trimmed(&self, out: &mut Vec<u8>) {
        self.write_seconds(out);
        if self.ticks != 0 {
            let mut t = self.ticks;
            let mut width = 7;
            while t.is_multiple_of(10) {
                t /= 10;
                width -= 1;
            }
            out.push(b'.');
            push_num(out, t as u64, width);
        }
        out.extend_from_slice(b"+00:00");
    }

    fn write_us_clock(&self, out: &mut Vec<u8>, comma: bool, ms: bool) {
        let (y, m, d, hh, mm, ss) = self.parts();
        push_num(out, m as u64, 1);
        out.push(b'/');
        push_num(out, d as u64, 1);
        out.push(b'/');
        push_num(out, y as u64, 4);
        if comma {
            out.push(b',');
        }
        out.push(b' ');
        let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
        push_num(out, h12 as u64, 1);
        out.push(b':');
        push_num(out, mm as u64, 2);
        out.push(b':');
        push_num(out, ss as u64, 2);
        if ms {
            out.push(b'.');
            push_num(out, (self.ticks / 10_000) as u64, 3);
        }
        out.extend_from_slice(if hh < 12 { b" AM" } else { b" PM" });
    }

    /// Purview export `CreationDate`: `10/5/2026 7:05:12 AM`.
    pub fn write_us(&self, out: &mut Vec<u8>) {
        self.write_us_clock(out, false, false);
    }

    /// Log Analytics CSV: `10/5/2026, 7:05:12.123 AM`.
    pub fn write_la_csv(&self, out: &mut Vec<u8>) {
        self.write_us_clock(out, true, true);
    }

    pub fn graph(&self) -> String {
        let mut b = Vec::with_capacity(28);
        self.write_graph(&mut b);
        String::from_utf8(b).unwrap_or_default()
    }

    /// `2026-10-05T07:05:12Z` (snapshot `lastUpdatedDateTime`, `createdDateTime`).
    pub fn iso_z(&self) -> String {
        let mut b = Vec::with_capacity(20);
        self.write_seconds(&mut b);
        b.push(b'Z');
        String::from_utf8(b).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl Fn(&Ts, &mut Vec<u8>), t: &Ts) -> String {
        let mut b = Vec::new();
        f(t, &mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn renderings() {
        let t = Ts {
            ticks: 1_234_500,
            ..Ts::at(2026, 10, 5, 7, 5, 12)
        };
        assert_eq!(s(Ts::write_graph, &t), "2026-10-05T07:05:12.1234500Z");
        assert_eq!(
            s(Ts::write_plus_trimmed, &t),
            "2026-10-05T07:05:12.12345+00:00"
        );
        assert_eq!(s(Ts::write_us, &t), "10/5/2026 7:05:12 AM");
        assert_eq!(s(Ts::write_la_csv, &t), "10/5/2026, 7:05:12.123 AM");
        let pm = Ts::at(2026, 12, 31, 12, 0, 9);
        assert_eq!(s(Ts::write_us, &pm), "12/31/2026 12:00:09 PM");
        assert_eq!(s(Ts::write_plus_trimmed, &pm), "2026-12-31T12:00:09+00:00");
        let midnight = Ts::at(2024, 2, 29, 0, 0, 0);
        assert_eq!(s(Ts::write_us, &midnight), "2/29/2024 12:00:00 AM");
    }

    #[test]
    fn civil_round_trip() {
        for d in [-1000i64, 0, 1, 59, 60, 20_000, 20_727] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
