//! Sensitive categories (DOMAIN §4.4): flags on documents and codes. A flagged record is
//! excluded from a release unless the authorization names its category.

use super::stored_enum;

stored_enum!(
    /// A sensitive category. The spelling matches `documents.sensitivity` labels.
    Category {
        /// 42 CFR Part 2 substance-use-disorder records (consent under 2.31).
        SudPart2 = "SUD_PART2",
        /// Psychotherapy notes: separate authorization (164.508(a)(2)); outside the right of
        /// access (164.524(a)(1)(i)).
        Psychotherapy = "PSYCHOTHERAPY",
        /// State law (`state_sensitive_rules`).
        MentalHealth = "MENTAL_HEALTH",
        /// State law (`state_sensitive_rules`).
        Hiv = "HIV",
        /// State law (`state_sensitive_rules`).
        Genetic = "GENETIC",
        /// State law only: the 2024 federal rule was vacated (Purl v. HHS, 2025).
        Reproductive = "REPRODUCTIVE",
    }
);

impl Category {
    /// The rule that requires the category to be named before release.
    pub fn rule(self) -> &'static str {
        match self {
            Category::SudPart2 => "42 CFR 2.31(a)(3)",
            Category::Psychotherapy => "45 CFR 164.508(a)(2)",
            Category::MentalHealth | Category::Hiv | Category::Genetic | Category::Reproductive => {
                "state law (state_sensitive_rules)"
            }
        }
    }

    /// Categories in a comma-separated `documents.sensitivity` value; unknown labels are
    /// returned separately so the caller can report them rather than drop them.
    pub fn parse_list(labels: &str) -> (Vec<Category>, Vec<String>) {
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for l in labels.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            match Category::parse(l) {
                Some(c) if !known.contains(&c) => known.push(c),
                Some(_) => {}
                None => unknown.push(l.to_string()),
            }
        }
        (known, unknown)
    }
}

/// Which sensitive categories an authorization must name before they are released
/// (DOMAIN §4.4, setting `state_sensitive_rules`).
///
/// Invariant: the federal floor ([`FEDERAL_FLOOR`]: `SUD_PART2`, 42 CFR 2.31; `PSYCHOTHERAPY`,
/// 164.508(a)(2)) always needs naming and no setting removes it; a state's rule only adds
/// categories. Without a rule for the facility's state the federal floor applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SensitiveRules {
    /// The state whose rule applies (`facility_state`); `None` = the federal floor only.
    pub state: Option<String>,
    /// Categories the state adds to the federal floor.
    pub require_naming: Vec<Category>,
}

/// Categories every authorization must name, whatever the state (DOMAIN §4.4).
pub const FEDERAL_FLOOR: [Category; 2] = [Category::SudPart2, Category::Psychotherapy];

impl SensitiveRules {
    /// The federal floor only (the default of `state_sensitive_rules`).
    pub fn federal_floor() -> SensitiveRules {
        SensitiveRules::default()
    }

    /// Every category needs naming (the strictest rule).
    pub fn all() -> SensitiveRules {
        SensitiveRules {
            state: None,
            require_naming: Category::ALL.to_vec(),
        }
    }

    /// Whether an authorization must name `c` before a document labelled with it goes out.
    pub fn needs_naming(&self, c: Category) -> bool {
        FEDERAL_FLOOR.contains(&c) || self.require_naming.contains(&c)
    }

    /// Every category that needs naming under this rule, in declaration order.
    pub fn categories(&self) -> Vec<Category> {
        Category::ALL
            .iter()
            .copied()
            .filter(|c| self.needs_naming(*c))
            .collect()
    }

    /// The rule in force for `state` (two letters, empty = none) from the
    /// `state_sensitive_rules` setting; errors name the offending part.
    pub fn for_state(setting: &str, state: &str) -> Result<SensitiveRules, String> {
        let rules = parse_state_rules(setting)?;
        let state = state.trim().to_ascii_uppercase();
        if state.is_empty() {
            return Ok(SensitiveRules::federal_floor());
        }
        let require_naming = rules
            .into_iter()
            .find(|(s, _)| *s == state)
            .map(|(_, cats)| cats)
            .unwrap_or_default();
        Ok(SensitiveRules {
            state: Some(state),
            require_naming,
        })
    }
}

/// Parse `state_sensitive_rules`: `STATE:CATEGORY,CATEGORY;STATE:…` (e.g.
/// `NY:HIV,MENTAL_HEALTH,GENETIC;CA:HIV,GENETIC,REPRODUCTIVE`). Empty = no state rules.
pub fn parse_state_rules(s: &str) -> Result<Vec<(String, Vec<Category>)>, String> {
    let mut out: Vec<(String, Vec<Category>)> = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (state, cats) = part
            .split_once(':')
            .ok_or_else(|| format!("{part:?}: expected STATE:CATEGORY,CATEGORY"))?;
        let state = state.trim().to_ascii_uppercase();
        if state.len() != 2 || !state.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!(
                "{part:?}: {state:?} is not a two-letter state code"
            ));
        }
        if out.iter().any(|(s, _)| *s == state) {
            return Err(format!("{part:?}: {state} is listed twice"));
        }
        let (known, unknown) = Category::parse_list(cats);
        if let Some(u) = unknown.first() {
            return Err(format!(
                "{part:?}: {u:?} is not a category (SUD_PART2, PSYCHOTHERAPY, MENTAL_HEALTH, HIV, GENETIC, REPRODUCTIVE)"
            ));
        }
        out.push((state, known));
    }
    Ok(out)
}
