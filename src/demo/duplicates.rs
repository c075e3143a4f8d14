//! `gen --duplicates 1%`: inject known duplicate patient records with realistic registration
//! errors, to measure duplicate detection (`report duplicates --truth`).
//!
//! Invariants:
//! - Deterministic: the same database and seed give the same duplicates.
//! - Each duplicate is a new patient row with its own MRN (`DUP` + 7 digits), `source`
//!   `gen-dup` and `source_key` `gen-dup:<original patient id>` (the truth), carrying one or
//!   two errors: a family-name typo (substitution, deletion, adjacent transposition, doubled
//!   letter), a nickname or a given-name typo, first and last name swapped, birth day and month
//!   transposed, a one-digit birth-date typo, a changed address, or no address. Phone and SSN
//!   last four are copied with their own registration errors: a new phone with half the
//!   address changes, no phone (10 %), no SSN digits (25 %), one SSN digit wrong (3 %).
//! - Generated patients get a phone (92 %) and SSN last four (80 %) from [`contact`], a hash of
//!   the patient id (so the generator's random stream, and every other generated value, is
//!   unchanged by them).
//! - One audited transaction per 5,000 duplicates; every row has its Create event.

use rusqlite::params;
use serde_json::json;

use super::rng::Rng;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::error::CoreError;
use crate::mpi::duplicates::NICKNAMES;
use crate::store::Store;

/// Parse `1%`, `0.5%` or `0.01` into a fraction in (0, 0.5].
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("{s:?} is not a percentage such as 1%"))?;
    if !(v > 0.0 && v <= 0.5) {
        return Err(format!("{s}: between 0 and 50 %"));
    }
    Ok(v)
}

struct Original {
    id: i64,
    family: String,
    given: String,
    birth: String,
    sex: String,
    address: String,
    phone: String,
    ssn4: String,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn phone_from(h: u64) -> String {
    format!(
        "{}{:02}-{}{:02}-{:04}",
        2 + h % 8,
        (h >> 8) % 100,
        2 + (h >> 16) % 8,
        (h >> 24) % 100,
        (h >> 32) % 10_000
    )
}

/// A generated patient's phone (`NXX-NXX-XXXX`, 92 % have one) and SSN last four (80 %), from
/// a hash of its id: deterministic, and independent of the generator's random stream.
pub fn contact(patient_id: i64) -> (String, String) {
    let h = mix(patient_id as u64 ^ 0x5EED_C0DE);
    let g = mix(h);
    let phone = if h % 100 < 92 {
        phone_from(g)
    } else {
        String::new()
    };
    let ssn = if (h >> 7) % 100 < 80 {
        format!("{:04}", (g >> 40) % 10_000)
    } else {
        String::new()
    };
    (phone, ssn)
}

/// Inject `fraction` × (patients) duplicates; returns how many.
pub fn inject(
    store: &mut Store,
    actor: &Actor,
    fraction: f64,
    seed: u64,
) -> Result<usize, CoreError> {
    let originals: Vec<Original> = {
        let mut st = store.conn().prepare(
            "SELECT id, family_name, given_name, birth_date, sex, address, phone, ssn_last4 FROM patients
              WHERE COALESCE(source, '') <> 'gen-dup' AND merged_into IS NULL ORDER BY id",
        )?;
        st.query_map([], |r| {
            Ok(Original {
                id: r.get(0)?,
                family: r.get(1)?,
                given: r.get(2)?,
                birth: r.get(3)?,
                sex: r.get(4)?,
                address: r.get(5)?,
                phone: r.get(6)?,
                ssn4: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let want = ((originals.len() as f64) * fraction).round() as usize;
    let mut rng = Rng::new(seed ^ 0xD0B1_E5E7);
    // Partial Fisher-Yates: the first `want` of a deterministic shuffle.
    let mut order: Vec<usize> = (0..originals.len()).collect();
    for i in 0..want.min(order.len()) {
        let j = i + rng.index(order.len() - i);
        order.swap(i, j);
    }
    let start: i64 = store.conn().query_row(
        "SELECT count(*) FROM patients WHERE source = 'gen-dup'",
        [],
        |r| r.get(0),
    )?;
    let mut made = 0;
    for chunk in order[..want.min(order.len())].chunks(5_000) {
        let rows: Vec<(String, Original)> = chunk
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let mrn = format!("DUP{:07}", start as usize + made + k + 1);
                (mrn, corrupt(&originals[i], &mut rng))
            })
            .collect();
        store.transact(actor, |tx, audit| {
            for (mrn, d) in &rows {
                tx.prepare_cached(
                    "INSERT INTO patients(mrn, family_name, given_name, birth_date, sex, address, source, source_key, phone, ssn_last4)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'gen-dup', ?7, ?8, ?9)",
                )?
                .execute(params![
                    mrn,
                    d.family,
                    d.given,
                    d.birth,
                    d.sex,
                    d.address,
                    format!("gen-dup:{}", d.id),
                    d.phone,
                    d.ssn4
                ])?;
                audit.record(
                    Event::new(Action::Create, Subtype::Create, "patient", tx.last_insert_rowid())
                        .patient(mrn)
                        .detail(json!({"source": "gen-dup", "duplicate_of": d.id})),
                );
            }
            Ok::<_, CoreError>(())
        })?;
        made += rows.len();
    }
    Ok(made)
}

/// A copy of `o` with one or two registration errors (see the module invariants).
fn corrupt(o: &Original, rng: &mut Rng) -> Original {
    let mut d = Original {
        id: o.id,
        family: o.family.clone(),
        given: o.given.clone(),
        birth: o.birth.clone(),
        sex: o.sex.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        ssn4: o.ssn4.clone(),
    };
    let errors = 1 + rng.index(2);
    let mut used = [false; 7];
    for _ in 0..errors {
        let mut kind = rng.index(7);
        while used[kind] {
            kind = (kind + 1) % 7;
        }
        used[kind] = true;
        match kind {
            0 => d.family = typo(&d.family, rng),
            1 => {
                let upper = d.given.to_uppercase();
                let nicks: Vec<&str> = NICKNAMES
                    .iter()
                    .filter(|(_, f)| *f == upper)
                    .map(|(n, _)| *n)
                    .collect();
                d.given = if nicks.is_empty() {
                    typo(&d.given, rng)
                } else {
                    title(nicks[rng.index(nicks.len())])
                };
            }
            2 => std::mem::swap(&mut d.family, &mut d.given),
            3 => {
                let b = d.birth.clone();
                if b.len() == 10
                    && b[8..10].parse::<u32>().is_ok_and(|x| x <= 12)
                    && b[5..7] != b[8..10]
                {
                    d.birth = format!("{}-{}-{}", &b[..4], &b[8..10], &b[5..7]);
                } else {
                    d.birth = digit_typo(&b, rng);
                }
            }
            4 => d.birth = digit_typo(&d.birth, rng),
            5 => {
                d.address = match d.address.split_once(' ') {
                    Some((_, rest)) => format!("{} {rest}", 10 + rng.index(9000)),
                    None => format!("{} Main St", 10 + rng.index(9000)),
                };
                if rng.chance(0.5) {
                    d.address = format!("{} Elm St, Dayton, OH 45402", 10 + rng.index(9000));
                }
            }
            _ => d.address = String::new(),
        }
    }
    if used[5] && rng.chance(0.5) {
        d.phone = phone_from(rng.next_u64());
    }
    if rng.chance(0.1) {
        d.phone = String::new();
    }
    if rng.chance(0.25) {
        d.ssn4 = String::new();
    } else if d.ssn4.len() == 4 && rng.chance(0.03) {
        let mut v: Vec<char> = d.ssn4.chars().collect();
        let i = rng.index(4);
        let old = v[i].to_digit(10).unwrap_or(0);
        v[i] = char::from_digit((old + 1 + rng.index(9) as u32) % 10, 10).unwrap_or('0');
        d.ssn4 = v.into_iter().collect();
    }
    d
}

fn title(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_string() + &c.as_str().to_lowercase(),
        None => String::new(),
    }
}

/// One keyboard-style error: substitute, delete, transpose adjacent or double a letter.
fn typo(s: &str, rng: &mut Rng) -> String {
    let mut v: Vec<char> = s.chars().collect();
    if v.len() < 3 {
        v.push('e');
        return v.into_iter().collect();
    }
    let i = 1 + rng.index(v.len() - 2);
    match rng.index(4) {
        0 => {
            let shift = 1 + rng.index(25) as u8;
            let base = v[i].to_ascii_lowercase();
            let c = if base.is_ascii_lowercase() {
                (b'a' + (base as u8 - b'a' + shift) % 26) as char
            } else {
                'e'
            };
            v[i] = c;
        }
        1 => {
            v.remove(i);
        }
        2 => v.swap(i, i + 1),
        _ => v.insert(i, v[i]),
    }
    v.into_iter().collect()
}

/// Change one digit of a `YYYY-MM-DD` date so it stays a valid date when possible.
fn digit_typo(b: &str, rng: &mut Rng) -> String {
    for _ in 0..10 {
        let pos = [2usize, 3, 6, 9][rng.index(4)];
        let mut v: Vec<char> = b.chars().collect();
        if pos >= v.len() {
            break;
        }
        let old = v[pos].to_digit(10).unwrap_or(0);
        let new = (old + 1 + rng.index(9) as u32) % 10;
        v[pos] = char::from_digit(new, 10).unwrap_or('0');
        let s: String = v.into_iter().collect();
        if chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok() {
            return s;
        }
    }
    b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_parse() {
        assert_eq!(parse_fraction("1%"), Ok(0.01));
        assert_eq!(parse_fraction("0.02"), Ok(0.02));
        assert!(parse_fraction("0%").is_err());
        assert!(parse_fraction("abc").is_err());
    }

    #[test]
    fn a_typo_changes_exactly_one_place_and_dates_stay_valid() {
        let mut rng = Rng::new(7);
        for _ in 0..200 {
            let t = typo("Johnson", &mut rng);
            assert_ne!(t, "Johnson");
            let d = digit_typo("1970-03-14", &mut rng);
            assert!(
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_ok(),
                "{d}"
            );
            assert_eq!(
                d.chars()
                    .zip("1970-03-14".chars())
                    .filter(|(a, b)| a != b)
                    .count(),
                1
            );
        }
    }
}
