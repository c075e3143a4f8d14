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
