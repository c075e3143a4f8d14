//! The medical staff of a generated data set: attendings in every specialty, residents and
//! physician assistants with a supervising physician, nurse practitioners; NPIs with a valid
//! Luhn check digit.

use std::collections::BTreeSet;

use super::clinical::Spec;
use super::names::{FAMILY, GIVEN_FEMALE, GIVEN_MALE};
use super::rng::Rng;

#[derive(Clone, Debug)]
pub(crate) struct Provider {
    pub id: i64,
    pub npi: String,
    pub family: &'static str,
    pub given: &'static str,
    pub credentials: &'static str,
    pub spec: Spec,
    /// `providers.kind`: physician, resident, np, pa.
    pub kind: &'static str,
    /// Index (in the roster) of the supervising physician.
    pub supervisor: Option<usize>,
    /// "Given Family, MD" as printed in notes.
    pub display: String,
}

pub(crate) struct Roster {
    pub providers: Vec<Provider>,
    /// Physicians by `Spec::index()`; every specialty has at least one.
    physicians: Vec<Vec<usize>>,
    /// Residents, NPs and PAs by `Spec::index()`.
    trainees: Vec<Vec<usize>>,
}

/// Relative share of extra attendings per specialty (after one each), in `Spec::ALL` order.
const PHYSICIAN_WEIGHTS: &[u32] = &[8, 4, 3, 3, 3, 3, 2, 6, 2, 2, 1, 1, 5, 3];
const RESIDENT_SPECS: &[Spec] = &[
    Spec::Medicine,
    Spec::Medicine,
    Spec::Surgery,
    Spec::Emergency,
    Spec::Peds,
    Spec::ObGyn,
    Spec::Psych,
    Spec::Ortho,
    Spec::Family,
];
const NP_SPECS: &[Spec] = &[
    Spec::Medicine,
    Spec::Family,
    Spec::Psych,
    Spec::Cardiology,
    Spec::Peds,
];
const PA_SPECS: &[Spec] = &[Spec::Emergency, Spec::Ortho, Spec::Surgery, Spec::Medicine];

/// Number of providers for a data set of `encounters` encounters.
pub(crate) fn provider_count(encounters: usize) -> usize {
    (40 + encounters / 2000).min(800)
}

/// The Luhn check digit of an NPI's first nine digits, computed with the `80840` card-issuer
/// prefix (ISO 7812) as CMS specifies.
pub(crate) fn npi_check_digit(first9: &str) -> Option<u32> {
    let digits: Vec<u32> = "80840"
        .chars()
        .chain(first9.chars())
        .map(|c| c.to_digit(10))
        .collect::<Option<Vec<u32>>>()?;
    // The check digit will sit to the right, so the rightmost payload digit is doubled.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    Some((10 - sum % 10) % 10)
}

/// Whether a 10-digit NPI passes the Luhn check with the `80840` prefix (also the HL7
/// import's test of an XCN id labelled NPI).
pub(crate) fn npi_is_valid(npi: &str) -> bool {
    npi.len() == 10
        && npi.chars().all(|c| c.is_ascii_digit())
        && npi_check_digit(&npi[..9]) == npi[9..].chars().next().and_then(|c| c.to_digit(10))
}

fn new_npi(rng: &mut Rng, taken: &mut BTreeSet<String>) -> String {
    loop {
        let lead = if rng.chance(0.9) { 1 } else { 2 };
        let first9 = format!("{lead}{:08}", rng.below(100_000_000));
        let check = npi_check_digit(&first9).unwrap_or(0);
        let npi = format!("{first9}{check}");
        if taken.insert(npi.clone()) {
            return npi;
        }
    }
}

impl Roster {
    /// Build `n` providers with ids `first_id..`. `taken` holds NPIs already in the database.
    pub(crate) fn build(
        rng: &mut Rng,
        n: usize,
        first_id: i64,
        mut taken: BTreeSet<String>,
    ) -> Roster {
        let specs = Spec::ALL.len();
        let n = n.max(specs + 4);
        let n_phys = (n * 62 / 100).max(specs);
        let n_res = n * 18 / 100;
        let n_np = n * 10 / 100;
        let n_pa = n.saturating_sub(n_phys + n_res + n_np);
        let mut roster = Roster {
            providers: Vec::with_capacity(n),
            physicians: vec![Vec::new(); specs],
            trainees: vec![Vec::new(); specs],
        };
        for i in 0..n_phys {
            let spec = match Spec::ALL.get(i) {
                Some(s) => *s,
                None => Spec::ALL[rng.weighted(PHYSICIAN_WEIGHTS)],
            };
            let cred = if rng.chance(0.8) { "MD" } else { "DO" };
            roster.push(rng, &mut taken, first_id, spec, "physician", cred);
        }
        for _ in 0..n_res {
            let spec = *rng.pick(RESIDENT_SPECS);
            let cred = if rng.chance(0.8) { "MD" } else { "DO" };
            roster.push(rng, &mut taken, first_id, spec, "resident", cred);
        }
        for _ in 0..n_np {
            let spec = *rng.pick(NP_SPECS);
            roster.push(rng, &mut taken, first_id, spec, "np", "NP");
        }
        for _ in 0..n_pa {
            let spec = *rng.pick(PA_SPECS);
            roster.push(rng, &mut taken, first_id, spec, "pa", "PA");
        }
        roster
    }

    fn push(
        &mut self,
        rng: &mut Rng,
        taken: &mut BTreeSet<String>,
        first_id: i64,
        spec: Spec,
        kind: &'static str,
        credentials: &'static str,
    ) {
        let given = if rng.chance(0.5) {
            *rng.pick(GIVEN_FEMALE)
        } else {
            *rng.pick(GIVEN_MALE)
        };
        let family = *rng.pick(FAMILY);
        let idx = self.providers.len();
        let supervisor = match kind {
            "resident" | "pa" => Some(self.attending(rng, spec)),
            _ => None,
        };
        self.providers.push(Provider {
            id: first_id + idx as i64,
            npi: new_npi(rng, taken),
            family,
            given,
            credentials,
            spec,
            kind,
            supervisor,
            display: format!("{given} {family}, {credentials}"),
        });
        let list = if kind == "physician" {
            &mut self.physicians
        } else {
            &mut self.trainees
        };
        if let Some(v) = list.get_mut(spec.index()) {
            v.push(idx);
        }
    }

    /// A physician of the specialty (index into `providers`).
    pub(crate) fn attending(&self, rng: &mut Rng, spec: Spec) -> usize {
        match self.physicians.get(spec.index()) {
            Some(v) if !v.is_empty() => *rng.pick(v),
            _ => 0,
        }
    }

    /// A physician of the specialty other than `not` when there is one.
    pub(crate) fn other_attending(&self, rng: &mut Rng, spec: Spec, not: usize) -> usize {
        let first = self.attending(rng, spec);
        if first != not {
            return first;
        }
        self.attending(rng, spec)
    }

    /// The author of a note: with probability `p`, a resident/NP/PA of the specialty (the
    /// attending then owes a cosignature), else the attending.
    pub(crate) fn author(
        &self,
        rng: &mut Rng,
        spec: Spec,
        attending: usize,
        p: f64,
    ) -> (usize, Option<usize>) {
        if rng.chance(p)
            && let Some(v) = self.trainees.get(spec.index()).filter(|v| !v.is_empty())
        {
            return (*rng.pick(v), Some(attending));
        }
        (attending, None)
    }

    #[cfg(test)]
    pub(crate) fn get(&self, idx: usize) -> Option<&Provider> {
        self.providers.get(idx)
    }

    pub(crate) fn display(&self, idx: usize) -> &str {
        self.providers
            .get(idx)
            .map(|p| p.display.as_str())
            .unwrap_or("")
    }

    pub(crate) fn id(&self, idx: usize) -> i64 {
        self.providers.get(idx).map(|p| p.id).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit_matches_the_cms_example() {
        // CMS example: 123456789 -> check digit 3.
        assert_eq!(npi_check_digit("123456789"), Some(3));
        assert!(npi_is_valid("1234567893"));
        assert!(!npi_is_valid("1234567894"));
        assert!(!npi_is_valid("123456789"));
    }

    #[test]
    fn roster_covers_every_specialty_and_supervises_trainees() {
        let mut rng = Rng::new(1);
        let r = Roster::build(&mut rng, 40, 1, BTreeSet::new());
        assert_eq!(r.providers.len(), 40);
        for s in Spec::ALL {
            assert!(!r.physicians[s.index()].is_empty(), "{s:?}");
        }
        for p in &r.providers {
            assert!(npi_is_valid(&p.npi), "{}", p.npi);
            if p.kind == "resident" || p.kind == "pa" {
                let sup = p.supervisor.and_then(|i| r.get(i));
                assert_eq!(sup.map(|s| s.kind), Some("physician"));
            }
        }
    }
}
