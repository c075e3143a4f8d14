//! Probable duplicate patient records: Fellegi–Sunter record linkage over the patient table.
//!
//! Invariants:
//! - Deterministic and explainable: every pair carries its total weight and, per field, the
//!   comparison outcome and its weight (log2 m/u of agreement, log2 (1-m)/(1-u) of
//!   disagreement, fixed partial weights between). No learned model; same data, same output.
//! - Blocking: a pair is compared only when the two records share a blocking key (see
//!   [`blocking_keys`]); blocks larger than [`MAX_BLOCK`] are not expanded (a key that common
//!   says nothing). The blocking-free pair count n(n-1)/2 is reported beside the compared one.
//! - Fields: family and given name (Jaro–Winkler, nicknames, first/last transposed), birth date
//!   (exact; day/month transposed or one digit off), sex, address (exact; same street with
//!   another house number), phone and SSN last four (migration 0021) where both records have
//!   them. A field either record lacks weighs nothing (0) rather than being guessed.
//! - Records merged away (`merged_into`) are not candidates.

use std::collections::HashMap;

use crate::store::Reader;
use serde::Serialize;
use strsim::jaro_winkler;

use crate::error::CoreError;

/// Blocks with more records than this are skipped (their pairs would be almost all unrelated).
pub const MAX_BLOCK: usize = 400;

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub mrn: String,
    pub family: String,
    pub given: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    /// Digits only; empty when not known.
    pub phone: String,
    /// Four digits; empty when not known.
    pub ssn4: String,
}

/// One field's comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldScore {
    pub field: &'static str,
    /// `agree`, `partial: <why>`, `disagree` or `missing`.
    pub outcome: String,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub a: i64,
    pub b: i64,
    pub mrn_a: String,
    pub mrn_b: String,
    pub weight: f64,
    pub fields: Vec<FieldScore>,
}

impl Pair {
    /// Fields that agreed fully or partly.
    pub fn agreeing(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| f.weight > 0.0)
            .map(|f| {
                if f.outcome == "agree" {
                    f.field.to_string()
                } else {
                    format!("{} ({})", f.field, f.outcome)
                }
            })
            .collect()
    }
}

/// Result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub records: usize,
    /// n(n-1)/2: pairs a blocking-free comparison would make.
    pub all_pairs: u64,
    /// Pairs actually compared (distinct).
    pub compared: u64,
    /// Pairs at or above the review threshold, best first.
    pub pairs: Vec<Pair>,
}

// m/u probabilities (agreement among true matches / among random pairs), stated per field.
fn w(m: f64, u: f64) -> f64 {
    (m / u).log2()
}
fn wd(m: f64, u: f64) -> f64 {
    ((1.0 - m) / (1.0 - u)).log2()
}

/// Upper-case letters only (accents and punctuation dropped) for comparisons.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .flat_map(char::to_uppercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Common English given-name nicknames → the formal name they stand for.
pub const NICKNAMES: &[(&str, &str)] = &[
    ("BILL", "WILLIAM"),
    ("BILLY", "WILLIAM"),
    ("WILL", "WILLIAM"),
    ("LIAM", "WILLIAM"),
    ("BOB", "ROBERT"),
    ("BOBBY", "ROBERT"),
    ("ROB", "ROBERT"),
    ("ROBBIE", "ROBERT"),
    ("BERT", "ROBERT"),
    ("DICK", "RICHARD"),
    ("RICK", "RICHARD"),
    ("RICH", "RICHARD"),
    ("RICKY", "RICHARD"),
    ("JIM", "JAMES"),
    ("JIMMY", "JAMES"),
    ("JAMIE", "JAMES"),
    ("JOHNNY", "JOHN"),
    ("JACK", "JOHN"),
    ("MIKE", "MICHAEL"),
    ("MICKEY", "MICHAEL"),
    ("JOE", "JOSEPH"),
    ("JOEY", "JOSEPH"),
    ("TOM", "THOMAS"),
    ("TOMMY", "THOMAS"),
    ("DAVE", "DAVID"),
    ("DAN", "DANIEL"),
    ("DANNY", "DANIEL"),
    ("CHRIS", "CHRISTOPHER"),
    ("MATT", "MATTHEW"),
    ("TONY", "ANTHONY"),
    ("STEVE", "STEVEN"),
    ("STEPHEN", "STEVEN"),
    ("ED", "EDWARD"),
    ("EDDIE", "EDWARD"),
    ("TED", "EDWARD"),
    ("CHUCK", "CHARLES"),
    ("CHARLIE", "CHARLES"),
    ("HANK", "HENRY"),
    ("HARRY", "HENRY"),
    ("LARRY", "LAWRENCE"),
    ("GREG", "GREGORY"),
    ("JERRY", "GERALD"),
    ("KEN", "KENNETH"),
    ("KENNY", "KENNETH"),
    ("RON", "RONALD"),
    ("DON", "DONALD"),
    ("SAM", "SAMUEL"),
    ("BEN", "BENJAMIN"),
    ("ANDY", "ANDREW"),
    ("DREW", "ANDREW"),
    ("NICK", "NICHOLAS"),
    ("ALEX", "ALEXANDER"),
    ("PETE", "PETER"),
    ("PAT", "PATRICIA"),
    ("PATTY", "PATRICIA"),
    ("TRISH", "PATRICIA"),
    ("LIZ", "ELIZABETH"),
    ("BETH", "ELIZABETH"),
    ("BETTY", "ELIZABETH"),
    ("LIZZY", "ELIZABETH"),
    ("ELIZA", "ELIZABETH"),
    ("KATE", "KATHERINE"),
    ("KATHY", "KATHERINE"),
    ("KATIE", "KATHERINE"),
    ("CATHERINE", "KATHERINE"),
    ("PEGGY", "MARGARET"),
    ("MAGGIE", "MARGARET"),
    ("MEG", "MARGARET"),
    ("SUE", "SUSAN"),
    ("SUSIE", "SUSAN"),
    ("JENNY", "JENNIFER"),
    ("JEN", "JENNIFER"),
    ("BECKY", "REBECCA"),
    ("DEBBIE", "DEBORAH"),
    ("DEB", "DEBORAH"),
    ("VICKY", "VICTORIA"),
    ("MANDY", "AMANDA"),
    ("ABBY", "ABIGAIL"),
    ("CINDY", "CYNTHIA"),
    ("SANDY", "SANDRA"),
    ("TERRY", "TERESA"),
    ("TINA", "CHRISTINA"),
    ("CHRISTINE", "CHRISTINA"),
    ("JOSIE", "JOSEPHINE"),
    ("NANCY", "ANN"),
    ("ANNIE", "ANN"),
    ("ANNA", "ANN"),
    ("ANNE", "ANN"),
    ("MOLLY", "MARY"),
    ("POLLY", "MARY"),
    ("DOTTIE", "DOROTHY"),
    ("DOT", "DOROTHY"),
    ("ALLIE", "ALICE"),
    ("JUDY", "JUDITH"),
    ("GINNY", "VIRGINIA"),
];

/// The formal given name a nickname stands for (itself otherwise).
pub fn canonical_given(given: &str) -> String {
    let first = given.split(' ').next().unwrap_or("");
    NICKNAMES
        .iter()
        .find(|(n, _)| *n == first)
        .map_or(first, |(_, f)| f)
        .to_string()
}

/// American Soundex (letter + 3 digits) of an upper-case name; empty for no letters.
pub fn soundex(s: &str) -> String {
    let code = |c: char| match c {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        'H' | 'W' => '-',
        _ => '0',
    };
    let mut letters = s.chars().filter(char::is_ascii_alphabetic);
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut out = String::from(first);
    let mut last = code(first);
    for c in letters {
        let d = code(c);
        if d == '-' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    out
}

/// The blocking keys of a record: pairs sharing any one are compared. Names enter through
/// their Soundex codes (nicknames mapped to the formal name first), sorted, so that first and
/// last name transposed give the same key.
/// - `N`: the two names' codes + birth year (typos in day or month);
/// - `M`: the two names' codes + birth month and day (a typo in the year);
/// - `D`: full birth date + the two names' initials (typos past the first letter of a name);
/// - `B`: full birth date + given-name code (a changed family name, e.g. on marriage);
/// - `A`: address + the two names' initials (birth date wrong, address right).
pub fn blocking_keys(p: &Person) -> Vec<String> {
    let f = soundex(&canonical_given(&p.family));
    let g = soundex(&canonical_given(&p.given));
    let (lo, hi) = if f <= g { (&f, &g) } else { (&g, &f) };
    let initials = |a: &str, b: &str| {
        let (x, y) = (a.get(..1).unwrap_or(""), b.get(..1).unwrap_or(""));
        if x <= y {
            format!("{x}{y}")
        } else {
            format!("{y}{x}")
        }
    };
    let ini = initials(&p.family, &p.given);
    let year = p.birth_date.get(..4).unwrap_or("");
    let month_day = p.birth_date.get(5..).unwrap_or("");
    let mut keys = vec![
        format!("N{lo}{hi}{year}"),
        format!("M{lo}{hi}{month_day}"),
        format!("D{}{ini}", p.birth_date),
        format!("B{}{g}", p.birth_date),
    ];
    if !p.address.is_empty() {
        keys.push(format!("A{}|{ini}", p.address));
    }
    keys
}

fn name_score(a: &Person, b: &Person) -> (FieldScore, FieldScore) {
    let fam = |x: &str, y: &str| -> (String, f64) {
        if x.is_empty() || y.is_empty() {
            return ("missing".into(), 0.0);
        }
        if x == y {
            return ("agree".into(), w(0.95, 0.01));
        }
        let j = jaro_winkler(x, y);
        if j >= 0.92 {
            (format!("partial: Jaro-Winkler {j:.2}"), 4.0)
        } else if j >= 0.85 {
            (format!("partial: Jaro-Winkler {j:.2}"), 2.0)
        } else {
            ("disagree".into(), wd(0.95, 0.01))
        }
    };
    let giv = |x: &str, y: &str| -> (String, f64) {
        if x.is_empty() || y.is_empty() {
            return ("missing".into(), 0.0);
        }
        if x == y {
            return ("agree".into(), w(0.92, 0.02));
        }
        if canonical_given(x) == canonical_given(y) {
            return ("partial: nickname".into(), 4.5);
        }
        let j = jaro_winkler(x, y);
        if j >= 0.92 {
            (format!("partial: Jaro-Winkler {j:.2}"), 3.5)
        } else if j >= 0.85 {
            (format!("partial: Jaro-Winkler {j:.2}"), 1.5)
        } else if x.get(..1) == y.get(..1) {
            // Only the initial in common: little better than no match (measured on
            // `gen --duplicates`: mostly different people of the same family name and birth date).
            ("disagree (same initial)".into(), -2.0)
        } else {
            ("disagree".into(), wd(0.92, 0.02))
        }
    };
    let straight = (fam(&a.family, &b.family), giv(&a.given, &b.given));
    let swapped = (fam(&a.family, &b.given), giv(&a.given, &b.family));
    let total = |p: &((String, f64), (String, f64))| p.0.1 + p.1.1;
    let (f, g, swap) = if total(&swapped) > total(&straight) + 1.0 {
        (swapped.0, swapped.1, true)
    } else {
        (straight.0, straight.1, false)
    };
    let tag = |o: String| {
        if swap {
            format!("{o} (first/last transposed)")
        } else {
            o
        }
    };
    (
        FieldScore {
            field: "family_name",
            outcome: tag(f.0),
            weight: f.1,
        },
        FieldScore {
            field: "given_name",
            outcome: tag(g.0),
            weight: g.1,
        },
    )
}

/// Birth date `YYYY-MM-DD`: exact; day and month transposed; one digit off; else disagree.
fn birth_score(a: &str, b: &str) -> FieldScore {
    let (outcome, weight) = if a.is_empty() || b.is_empty() {
        ("missing".to_string(), 0.0)
    } else if a == b {
        ("agree".into(), w(0.97, 0.0005))
    } else if a.len() == 10
        && b.len() == 10
        && a[..4] == b[..4]
        && a[5..7] == b[8..10]
        && a[8..10] == b[5..7]
    {
        // Exactly one other date: rarely a coincidence.
        ("partial: day/month transposed".into(), 7.0)
    } else if a.len() == b.len() && a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() == 1 {
        // About twenty dates are one digit off any date: weaker evidence.
        ("partial: one digit off".into(), 4.0)
    } else {
        ("disagree".into(), wd(0.97, 0.0005))
    };
    FieldScore {
        field: "birth_date",
        outcome,
        weight,
    }
}

fn sex_score(a: &str, b: &str) -> FieldScore {
    let known = |s: &str| matches!(s, "F" | "M");
    let (outcome, weight) = if !known(a) || !known(b) {
        ("missing".to_string(), 0.0)
    } else if a == b {
        ("agree".into(), w(0.98, 0.5))
    } else {
        ("disagree".into(), wd(0.98, 0.5))
    };
    FieldScore {
        field: "sex",
        outcome,
        weight,
    }
}

/// The address without its leading house number (`12 OAK ST SPRINGFIELD` → `OAK ST
/// SPRINGFIELD`), if it starts with one.
fn street(a: &str) -> Option<&str> {
    let (num, rest) = a.split_once(' ')?;
    (num.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty()).then_some(rest)
}

fn address_score(a: &str, b: &str) -> FieldScore {
    let (outcome, weight) = if a.is_empty() || b.is_empty() {
        ("missing".to_string(), 0.0)
    } else if a == b {
        ("agree".into(), w(0.8, 0.002))
    } else if street(a).is_some() && street(a) == street(b) {
        // Same street and city, another number: a typo or a move down the street (m = 0.05);
        // unrelated people on one street of one city (u = 0.001).
        ("partial: same street, other number".into(), w(0.05, 0.001))
    } else {
        let j = jaro_winkler(a, b);
        if j >= 0.93 {
            (format!("partial: Jaro-Winkler {j:.2}"), 4.0)
        } else {
            // People move: a changed address says little.
            ("disagree".into(), wd(0.8, 0.002))
        }
    };
    FieldScore {
        field: "address",
        outcome,
        weight,
    }
}

/// Phone (digits): households share one, so agreement is weaker evidence than its 10 digits
/// suggest (u = 0.001); people change numbers (m = 0.75).
fn phone_score(a: &str, b: &str) -> FieldScore {
    let (outcome, weight) = if a.is_empty() || b.is_empty() {
        ("missing".to_string(), 0.0)
    } else if a == b {
        ("agree".into(), w(0.75, 0.001))
    } else {
        ("disagree".into(), wd(0.75, 0.001))
    };
    FieldScore {
        field: "phone",
        outcome,
        weight,
    }
}

/// SSN last four: 1 in 10,000 by chance (u = 0.0001); a keying error in 3 % of true matches.
fn ssn4_score(a: &str, b: &str) -> FieldScore {
    let (outcome, weight) = if a.len() != 4 || b.len() != 4 {
        ("missing".to_string(), 0.0)
    } else if a == b {
        ("agree".into(), w(0.97, 0.0001))
    } else if a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() == 1 {
        // 36 of the 9,999 other values are one digit off.
        ("partial: one digit off".into(), 3.0)
    } else {
        ("disagree".into(), wd(0.97, 0.0001))
    };
    FieldScore {
        field: "ssn_last4",
        outcome,
        weight,
    }
}

/// Compare two records: total weight and the per-field evidence.
pub fn compare(a: &Person, b: &Person) -> Pair {
    let (f, g) = name_score(a, b);
    let fields = vec![
        f,
        g,
        birth_score(&a.birth_date, &b.birth_date),
        sex_score(&a.sex, &b.sex),
        address_score(&a.address, &b.address),
        phone_score(&a.phone, &b.phone),
        ssn4_score(&a.ssn4, &b.ssn4),
    ];
    let weight = (fields.iter().map(|f| f.weight).sum::<f64>() * 100.0).round() / 100.0;
    let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
    Pair {
        a: a.id,
        b: b.id,
        mrn_a: a.mrn.clone(),
        mrn_b: b.mrn.clone(),
        weight,
        fields,
    }
}

/// Every patient not merged away, normalised for matching.
pub fn load(conn: &Reader) -> Result<Vec<Person>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, mrn, family_name, given_name, birth_date, sex, address, phone, ssn_last4
           FROM patients WHERE merged_into IS NULL ORDER BY id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Person {
                id: r.get(0)?,
                mrn: r.get(1)?,
                family: norm(&r.get::<_, String>(2)?),
                given: norm(&r.get::<_, String>(3)?),
                birth_date: r.get(4)?,
                sex: r.get(5)?,
                address: norm(&r.get::<_, String>(6)?),
                phone: r
                    .get::<_, String>(7)?
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect(),
                ssn4: r
                    .get::<_, String>(8)?
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Find pairs at or above `review` weight among `people`.
pub fn find(people: &[Person], review: f64) -> Found {
    let mut blocks: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        for k in blocking_keys(p) {
            blocks.entry(k).or_default().push(i as u32);
        }
    }
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > MAX_BLOCK {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                candidates.push((i.min(j), i.max(j)));
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut pairs: Vec<Pair> = candidates
        .iter()
        .map(|&(i, j)| compare(&people[i as usize], &people[j as usize]))
        .filter(|p| p.weight >= review)
        .collect();
    pairs.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let n = people.len() as u64;
    Found {
        records: people.len(),
        all_pairs: n * n.saturating_sub(1) / 2,
        compared: candidates.len() as u64,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, family: &str, given: &str, birth: &str, sex: &str, addr: &str) -> Person {
        Person {
            id,
            mrn: format!("M{id}"),
            family: norm(family),
            given: norm(given),
            birth_date: birth.into(),
            sex: sex.into(),
            address: norm(addr),
            phone: String::new(),
            ssn4: String::new(),
        }
    }

    #[test]
    fn phone_and_ssn4_separate_namesakes_and_a_house_number_is_partial() {
        let a = p(1, "Rivera", "Ana", "1970-03-04", "F", "12 Oak St Dayton");
        // Same name, birth date and sex (common at a million records), elsewhere.
        let mut twin = p(2, "Rivera", "Ana", "1970-03-04", "F", "9 Pine Rd Akron");
        let mut a2 = a.clone();
        a2.ssn4 = "1234".into();
        a2.phone = "9375550100".into();
        twin.ssn4 = "8812".into();
        twin.phone = "3305550199".into();
        let no_contact = compare(&a, &twin).weight;
        let with = compare(&a2, &twin);
        assert!(with.weight < no_contact - 6.0, "{with:?}");
        assert_eq!(with.fields[6].outcome, "disagree");
        // The same person registered again with the same SSN digits and a new number.
        let mut moved = p(3, "Rivera", "Ana", "1970-03-04", "F", "40 Oak St Dayton");
        moved.ssn4 = "1234".into();
        let m = compare(&a2, &moved);
        assert!(m.weight > with.weight + 15.0, "{m:?}");
        assert!(m.fields[4].outcome.contains("same street"));
        assert_eq!(m.fields[5].outcome, "missing");
    }

    #[test]
    fn soundex_matches_the_standard_examples() {
        assert_eq!(soundex("ROBERT"), "R163");
        assert_eq!(soundex("RUPERT"), "R163");
        assert_eq!(soundex("ASHCRAFT"), "A261");
        assert_eq!(soundex("TYMCZAK"), "T522");
        assert_eq!(soundex("PFISTER"), "P236");
    }

    #[test]
    fn nickname_transposition_and_date_swaps_still_match() {
        let a = p(1, "Rivera", "William", "1970-03-04", "M", "12 Oak St");
        let nick = p(2, "Rivera", "Bill", "1970-04-03", "M", "12 Oak St");
        let m = compare(&a, &nick);
        assert!(m.weight >= 12.0, "{m:?}");
        assert!(m.agreeing().iter().any(|f| f.contains("nickname")));
        assert!(m.agreeing().iter().any(|f| f.contains("day/month")));
        let swapped = p(3, "William", "Rivera", "1970-03-04", "M", "");
        let s = compare(&a, &swapped);
        assert!(s.weight >= 12.0, "{s:?}");
        assert!(s.fields[0].outcome.contains("transposed"));
        // A household member: same family and address, other given name, birth date, sex.
        let other = p(4, "Rivera", "Ana", "1995-11-20", "F", "12 Oak St");
        assert!(compare(&a, &other).weight < 6.0);
    }

    #[test]
    fn blocking_finds_the_pair_and_counts_against_all_pairs() {
        let mut people: Vec<Person> = (0..50)
            .map(|i| {
                p(
                    i,
                    &format!("Family{i}"),
                    "Zed",
                    &format!("19{:02}-{:02}-{:02}", i, i % 12 + 1, i % 28 + 1),
                    "F",
                    "",
                )
            })
            .collect();
        // Patient 7 (1907-08-08) registered again with a one-digit typo in the day.
        people.push(p(100, "Family7", "Zed", "1907-08-09", "F", ""));
        let f = find(&people, 6.0);
        assert_eq!(f.all_pairs, 51 * 50 / 2);
        assert!(f.compared < f.all_pairs / 10, "{}", f.compared);
        assert_eq!(f.pairs.first().map(|x| (x.a, x.b)), Some((7, 100)));
        // Deterministic: the same input gives the same output.
        let g = find(&people, 6.0);
        assert_eq!(
            serde_json::to_string(&f.pairs).ok(),
            serde_json::to_string(&g.pairs).ok()
        );
    }
}
