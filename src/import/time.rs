//! Timestamps and base64 of imported files.
//!
//! Invariant: every clinical time leaves here as `YYYY-MM-DDTHH:MM:SS`, the wall-clock reading
//! in the offset the source wrote (the offset itself and fractional seconds are dropped; a
//! value without an offset is taken as facility-local). Dates are `YYYY-MM-DD`. Partial values
//! are completed with the first month/day/second (`2014` → `2014-01-01T00:00:00`).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// FHIR `dateTime` / `instant` / `date` → `YYYY-MM-DDTHH:MM:SS`.
pub(crate) fn fhir_datetime(s: &str) -> Result<String, String> {
    let bad = || format!("'{}' is not a FHIR dateTime", clip(s));
    let (date, rest) = match s.find('T') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let d = fhir_date_parts(date).ok_or_else(bad)?;
    if !crate::limits::plausible_date(d) {
        return Err(crate::limits::date_message(clip(s)));
    }
    let t = match rest {
        None => NaiveTime::MIN,
        Some(r) => {
            // strip the offset: Z, +hh:mm or -hh:mm
            let body = if let Some(b) = r.strip_suffix('Z') {
                b
            } else if r.len() > 6 && matches!(r.as_bytes()[r.len() - 6], b'+' | b'-') {
                let off = &r[r.len() - 5..];
                let ok = off.len() == 5
                    && off.as_bytes()[2] == b':'
                    && off[..2].parse::<u8>().is_ok_and(|h| h <= 14)
                    && off[3..].parse::<u8>().is_ok_and(|m| m < 60);
                if !ok {
                    return Err(bad());
                }
                &r[..r.len() - 6]
            } else {
                r
            };
            let main = body.split('.').next().unwrap_or(body);
            NaiveTime::parse_from_str(main, "%H:%M:%S").map_err(|_| bad())?
        }
    };
    Ok(fmt(NaiveDateTime::new(d, t)))
}

/// FHIR `date` (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) → `YYYY-MM-DD`.
pub(crate) fn fhir_date(s: &str) -> Result<String, String> {
    let d = fhir_date_parts(s).ok_or_else(|| format!("'{}' is not a FHIR date", clip(s)))?;
    if !crate::limits::plausible_date(d) {
        return Err(crate::limits::date_message(clip(s)));
    }
    Ok(d.format("%Y-%m-%d").to_string())
}

fn fhir_date_parts(s: &str) -> Option<NaiveDate> {
    let mut it = s.split('-');
    let y: i32 = num(it.next()?, 4)?;
    let m: u32 = match it.next() {
        Some(m) => num(m, 2)?,
        None => 1,
    };
    let d: u32 = match it.next() {
        Some(d) => num(d, 2)?,
        None => 1,
    };
    if it.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

fn num<T: std::str::FromStr>(s: &str, len: usize) -> Option<T> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// HL7 v2 TS/DTM `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]` → `YYYY-MM-DDTHH:MM:SS`.
pub(crate) fn hl7_ts(s: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "'{}' is not an HL7 date/time (YYYYMMDDHHMMSS[+ZZZZ])",
            clip(s)
        )
    };
    let main = match s.find(['+', '-']) {
        Some(i) => {
            let off = &s[i + 1..];
            if off.len() != 4 || !off.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            &s[..i]
        }
        None => s,
    };
    let main = main.split('.').next().unwrap_or(main);
    if !main.bytes().all(|b| b.is_ascii_digit()) || main.len() < 4 || main.len() % 2 != 0 {
        return Err(bad());
    }
    let part = |a: usize, b: usize, dflt: u32| -> u32 {
        main.get(a..b).and_then(|x| x.parse().ok()).unwrap_or(dflt)
    };
    let y: i32 = main[..4].parse().map_err(|_| bad())?;
    let d = NaiveDate::from_ymd_opt(y, part(4, 6, 1), part(6, 8, 1)).ok_or_else(bad)?;
    if !crate::limits::plausible_date(d) {
        return Err(crate::limits::date_message(clip(s)));
    }
    let t = NaiveTime::from_hms_opt(part(8, 10, 0), part(10, 12, 0), part(12, 14, 0))
        .ok_or_else(bad)?;
    Ok(fmt(NaiveDateTime::new(d, t)))
}

/// HL7 TS → date part `YYYY-MM-DD`.
pub(crate) fn hl7_date(s: &str) -> Result<String, String> {
    hl7_ts(s).map(|t| t[..10].to_string())
}

/// `YYYY-MM-DDTHH:MM:SS` → `YYYYMMDDHHMMSS` (used to derive visit numbers).
pub(crate) fn compact(ts: &str) -> String {
    ts.chars().filter(char::is_ascii_digit).collect()
}

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Standard base64 (RFC 4648, `+/`, optional `=` padding; ASCII whitespace ignored). Linear
/// time, one output allocation. Errors name the byte offset of the first bad character.
pub fn decode_base64(input: &[u8]) -> Result<Vec<u8>, String> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0usize;
    for (i, &c) in input.iter().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return Err(format!("base64: data after '=' padding at byte {i}"));
        }
        let v = val(c).ok_or_else(|| format!("base64: invalid character at byte {i}"))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 || padding > 2 {
        return Err("base64: truncated data".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fhir_times_keep_the_wall_clock_of_their_offset() {
        assert_eq!(
            fhir_datetime("2014-07-19T07:02:35+02:00").unwrap(),
            "2014-07-19T07:02:35"
        );
        assert_eq!(
            fhir_datetime("2011-11-29T05:17:39.848643+00:00").unwrap(),
            "2011-11-29T05:17:39"
        );
        assert_eq!(fhir_datetime("2011-11-29").unwrap(), "2011-11-29T00:00:00");
        assert!(fhir_datetime("2011-13-29").is_err());
        assert!(fhir_datetime("yesterday").is_err());
        assert_eq!(fhir_date("1970-07-29").unwrap(), "1970-07-29");
    }

    #[test]
    fn hl7_times() {
        assert_eq!(hl7_ts("198808181126+0215").unwrap(), "1988-08-18T11:26:00");
        assert_eq!(
            hl7_ts("20210817151943.4+0200").unwrap(),
            "2021-08-17T15:19:43"
        );
        assert_eq!(hl7_ts("19241010").unwrap(), "1924-10-10T00:00:00");
        assert!(hl7_ts("2024131").is_err());
        assert!(hl7_ts("20241301").is_err());
    }

    #[test]
    fn base64_roundtrip_and_errors() {
        assert_eq!(decode_base64(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64(b"aGVs\nbG8").unwrap(), b"hello");
        assert!(decode_base64(b"aGV*").is_err());
        assert!(decode_base64(b"a").is_err());
    }
}
