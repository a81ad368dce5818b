//! Byte-level writers shared by every renderer: JSON strings (escaped exactly like serde_json, UTF-8
//! kept as is) and CSV fields (RFC 4180, doubled quotes). Renderers build a record in a reused
//! `Vec<u8>` and hand it to a `BufWriter` once.

/// Appends `s` escaped for the inside of a JSON string.
pub fn esc(out: &mut Vec<u8>, s: &[u8]) {
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let rep: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&s[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xF) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(rep);
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
}

/// Appends `"s"` as a JSON string literal.
pub fn qstr(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    esc(out, s.as_bytes());
    out.push(b'"');
}

/// Appends `"s"` or `null`.
pub fn qopt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => qstr(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `,"key":` (for every field but the first).
pub fn ckey(out: &mut Vec<u8>, k: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends a CSV field; quoted when `always` or when it holds a comma, quote or line break.
pub fn csv_field(out: &mut Vec<u8>, s: &[u8], always: bool) {
    let needs = always || s.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if !needs {
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if b == b'"' {
            out.extend_from_slice(&s[start..=i]);
            out.push(b'"');
            start = i + 1;
        }
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// Appends a CSV row of fields separated by commas, ended by CRLF.
pub fn csv_row<I, S>(out: &mut Vec<u8>, fields: I, always: bool)
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(out, f.as_ref(), always);
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping_matches_serde() {
        for s in [
            "plain",
            "a\"b\\c",
            "tab\there\r\n",
            "\u{1}\u{1f}",
            "Fernández – ok 😀",
        ] {
            let mut b = Vec::new();
            qstr(&mut b, s);
            assert_eq!(
                String::from_utf8(b).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn csv_quoting() {
        let mut b = Vec::new();
        csv_row(&mut b, ["a", "b,c", "say \"hi\"", ""], false);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\r\n"
        );
        let mut b = Vec::new();
        csv_row(&mut b, ["a", ""], true);
        assert_eq!(String::from_utf8(b).unwrap(), "\"a\",\"\"\r\n");
    }
}
