//! COD-12: uncertain diagnoses ("probable", "suspected", "rule out", …) are coded as confirmed
//! for inpatients only; on an outpatient, emergency or observation encounter a coded diagnosis
//! that the documents mention only with such words gets a warning naming the document and line.
//!
//! Invariants: pure (codes, facts and document texts in, edits out); a diagnosis is matched to
//! a line by the first significant word of its title (e.g. "pneumonia" for J18.9), whole-word
//! and case-insensitive; a diagnosis never mentioned, or mentioned once without a qualifier, is
//! not warned about; inpatient encounters get nothing.

use super::{Edit, EditInput, Severity, facts::CodeFacts, normalize_code};
use crate::codes::CodeSystem;
use crate::domain::EncounterKind;

/// One document's text as the check reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocText {
    pub id: i64,
    pub title: String,
    pub body: String,
}

/// Words and phrases of uncertainty (ICD-10-CM Guidelines II.H, IV.H).
pub const QUALIFIERS: &[&str] = &[
    "probable",
    "probably",
    "suspected",
    "suspect",
    "suspicious for",
    "likely",
    "possible",
    "possibly",
    "questionable",
    "question of",
    "rule out",
    "r/o",
    "ruled out",
    "consistent with",
    "compatible with",
    "indicative of",
    "working diagnosis",
    "differential",
    "concern for",
    "versus",
    " vs ",
];

const SKIP: &[&str] = &[
    "unspecified",
    "other",
    "acute",
    "chronic",
    "without",
    "with",
    "type",
    "disease",
    "disorder",
    "unspecified,",
    "initial",
    "encounter",
    "primary",
    "secondary",
    "essential",
    "personal",
    "history",
    "left",
    "right",
    "bilateral",
    "organism",
    "simple",
    "mild",
    "moderate",
    "severe",
];

/// The word that stands for a diagnosis in free text: the first title word of 4+ letters
/// that is not a modifier.
fn key_word(title: &str) -> Option<String> {
    title
        .split(|c: char| !c.is_ascii_alphabetic())
        .map(str::to_ascii_lowercase)
        .find(|w| w.len() >= 4 && !SKIP.contains(&w.as_str()))
}

fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphabetic())
            && !after.is_some_and(|c| c.is_ascii_alphabetic())
    })
}

/// COD-12 warnings for a non-inpatient encounter's coded diagnoses.
pub fn uncertain_diagnoses(input: &EditInput, facts: &CodeFacts, docs: &[DocText]) -> Vec<Edit> {
    if input.kind == EncounterKind::Inpatient {
        return Vec::new();
    }
    let mut out = Vec::new();
    for dx in input.diagnoses() {
        let code = normalize_code(&dx.code);
        let Some(f) = facts.dx.get(&code).filter(|f| f.is_valid()) else {
            continue;
        };
        let Some(word) = key_word(&f.title) else {
            continue;
        };
        let mut first_uncertain = None;
        let mut confirmed = false;
        for d in docs {
            for (n, line) in d.body.lines().enumerate() {
                let l = line.to_ascii_lowercase();
                if !has_word(&l, &word) {
                    continue;
                }
                match QUALIFIERS.iter().find(|q| l.contains(*q)) {
                    Some(q) => {
                        if first_uncertain.is_none() {
                            first_uncertain = Some((d, n + 1, *q));
                        }
                    }
                    None => confirmed = true,
                }
            }
        }
        if confirmed {
            continue;
        }
        if let Some((d, line, q)) = first_uncertain {
            let shown = if f.dotted.is_empty() {
                CodeSystem::Icd10Cm.dotted(&code)
            } else {
                f.dotted.clone()
            };
            out.push(Edit {
                id: "COD-12",
                severity: Severity::Warning,
                code: Some(shown.clone()),
                message: format!(
                    "{shown}: \"{word}\" is documented only as uncertain (\"{}\", document {} \"{}\" line {line}); on a {} encounter code the signs or symptoms instead (COD-12).",
                    q.trim(),
                    d.id,
                    crate::text::sanitize_line(&d.title),
                    input.kind
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::facts::{DxFacts, Validity};
    use crate::coding::{DxEntry, EditInput};
    use chrono::NaiveDate;

    fn setup(kind: EncounterKind) -> (EditInput, CodeFacts) {
        let input = EditInput {
            discharge_status: None,
            age_years: 40,
            sex: 'F',
            discharge: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            kind,
            los_days: None,
            principal: Some(DxEntry::new("J18.9", None)),
            secondary: vec![DxEntry::new("R05.9", None)],
            procedures: Vec::new(),
        };
        let mut facts = CodeFacts::default();
        for (c, d, t) in [
            ("J189", "J18.9", "Pneumonia, unspecified organism"),
            ("R059", "R05.9", "Cough, unspecified"),
        ] {
            facts.dx.insert(
                c.into(),
                DxFacts {
                    code: c.into(),
                    dotted: d.into(),
                    validity: Some(Validity::Valid),
                    title: t.into(),
                    ..DxFacts::default()
                },
            );
        }
        (input, facts)
    }

    fn doc(body: &str) -> Vec<DocText> {
        vec![DocText {
            id: 7,
            title: "ED note".into(),
            body: body.into(),
        }]
    }

    #[test]
    fn outpatient_probable_diagnosis_warns_with_document_and_line() {
        let (i, f) = setup(EncounterKind::Emergency);
        let e = uncertain_diagnoses(
            &i,
            &f,
            &doc("HPI: cough x3 days\nA/P: probable pneumonia, CXR pending"),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].id, "COD-12");
        assert_eq!(e[0].code.as_deref(), Some("J18.9"));
        assert!(
            e[0].message.contains("document 7") && e[0].message.contains("line 2"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn confirmed_mention_or_inpatient_gives_nothing() {
        let (i, f) = setup(EncounterKind::Outpatient);
        let text = "rule out pneumonia\nCXR: right lower lobe pneumonia";
        assert!(uncertain_diagnoses(&i, &f, &doc(text)).is_empty());
        let (i, f) = setup(EncounterKind::Inpatient);
        assert!(uncertain_diagnoses(&i, &f, &doc("suspected pneumonia")).is_empty());
        // "pneumonias" or "pneumoniae" in another word is not a mention
        let (i, f) = setup(EncounterKind::Outpatient);
        assert!(uncertain_diagnoses(&i, &f, &doc("possible streptococcus pneumoniae")).is_empty());
    }
}
