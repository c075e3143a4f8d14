//! Requester types (DOMAIN §4.2): the legal basis of each kind of request, whether it needs
//! an authorization, whether minimum necessary applies, and whether a disclosure to it is
//! accountable (§5).
//!
//! Invariant: when a conditional basis does not hold (a subpoena without satisfactory
//! assurance, research without an IRB waiver, law enforcement with no 164.512(f) prong),
//! the disclosure rests on a 164.508 authorization instead, and then follows the
//! authorization rules: minimum necessary gives way to the authorized scope (164.502(b)(2)(iii))
//! and the disclosure is not accountable (164.528(a)(1)(iv)).

use super::stored_enum;

stored_enum!(
    /// Who is asking (DOMAIN §4.2).
    RequesterType {
        /// The individual (right of access).
        SelfAccess = "SELF",
        /// A personal representative standing in for the individual.
        PersRep = "PERSREP",
        /// A third party named in the individual's signed written directive.
        Directive = "DIRECTIVE",
        /// A provider, for treatment.
        ProviderTx = "PROVIDER_TX",
        /// A payer, for payment.
        Payer = "PAYER",
        /// An attorney, insurer, employer or other third party with an authorization.
        Auth3p = "AUTH_3P",
        CourtOrder = "COURT_ORDER",
        /// A subpoena or discovery request without a court order.
        Subpoena = "SUBPOENA",
        LawEnf = "LAW_ENF",
        PublicHealth = "PUBLIC_HEALTH",
        /// Health oversight agency.
        Oversight = "OVERSIGHT",
        Research = "RESEARCH",
        /// Required by law.
        ReqByLaw = "REQ_BY_LAW",
        /// HHS compliance review.
        Hhs = "HHS",
        /// Coroner, medical examiner, funeral director.
        Decedent = "DECEDENT",
        WorkersComp = "WORKERS_COMP",
    }
);

/// Facts that decide the conditional rows of the §4.2 table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Conditions {
    /// SUBPOENA: satisfactory assurance of notice to the individual or a qualified
    /// protective order (164.512(e)(1)(ii)).
    pub satisfactory_assurance: bool,
    /// RESEARCH: an IRB or privacy board waiver of authorization (164.512(i)).
    pub irb_waiver: bool,
    /// LAW_ENF: one of the 164.512(f)(1)–(6) prongs fits.
    pub law_enforcement_prong: bool,
}

/// What document must back the release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthRequirement {
    /// No permission document; the basis is a rule (identity still verified).
    None,
    /// The individual's signed written directive naming the recipient (164.524(c)(3)(ii)).
    SignedDirective,
    /// A valid 164.508 authorization.
    Authorization,
}

/// How much may be released (164.502(b), ROI-06).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MinimumNecessary {
    /// Exempt (treatment, the individual, HHS, required by law).
    Exempt,
    /// Release only the minimum necessary for the purpose.
    Applies,
    /// Exempt, but only what the authorization describes.
    AuthorizedScope,
    /// Only what the court order expressly authorizes.
    ScopeOfOrder,
}

impl MinimumNecessary {
    pub fn as_str(self) -> &'static str {
        match self {
            MinimumNecessary::Exempt => "exempt",
            MinimumNecessary::Applies => "applies",
            MinimumNecessary::AuthorizedScope => "authorized scope only",
            MinimumNecessary::ScopeOfOrder => "scope of the order",
        }
    }
}

/// The 164.508 authorization rule, shown as the basis whenever an authorization is needed.
pub const AUTHORIZATION_RULE: &str = "45 CFR 164.508";

impl RequesterType {
    /// The CFR citation of the table row (DOMAIN §4.2), regardless of conditions.
    pub fn basis(self) -> &'static str {
        use RequesterType::*;
        match self {
            SelfAccess => "45 CFR 164.524",
            PersRep => "45 CFR 164.524, 164.502(g)",
            Directive => "45 CFR 164.524(c)(3)(ii)",
            ProviderTx => "45 CFR 164.506(c) (treatment)",
            Payer => "45 CFR 164.506(c) (payment)",
            Auth3p => AUTHORIZATION_RULE,
            CourtOrder => "45 CFR 164.512(e)(1)(i)",
            Subpoena => "45 CFR 164.512(e)(1)(ii)",
            LawEnf => "45 CFR 164.512(f)(1)-(6)",
            PublicHealth => "45 CFR 164.512(b)",
            Oversight => "45 CFR 164.512(d)",
            Research => "45 CFR 164.512(i)",
            ReqByLaw => "45 CFR 164.512(a)",
            Hhs => "45 CFR 164.502(a)(2)(ii)",
            Decedent => "45 CFR 164.512(g)",
            WorkersComp => "45 CFR 164.512(l)",
        }
    }

    /// True when the conditional basis of this row does not hold, so the release rests on
    /// a 164.508 authorization instead.
    fn falls_back_to_authorization(self, c: Conditions) -> bool {
        match self {
            RequesterType::Subpoena => !c.satisfactory_assurance,
            RequesterType::Research => !c.irb_waiver,
            RequesterType::LawEnf => !c.law_enforcement_prong,
            _ => false,
        }
    }

    /// The document that must back a release to this requester.
    pub fn requirement(self, c: Conditions) -> AuthRequirement {
        match self {
            RequesterType::Directive => AuthRequirement::SignedDirective,
            RequesterType::Auth3p => AuthRequirement::Authorization,
            t if t.falls_back_to_authorization(c) => AuthRequirement::Authorization,
            _ => AuthRequirement::None,
        }
    }

    /// The rule that permits this release under these conditions.
    pub fn basis_under(self, c: Conditions) -> &'static str {
        if self.falls_back_to_authorization(c) {
            AUTHORIZATION_RULE
        } else {
            self.basis()
        }
    }

    /// Whether a permission document (authorization or signed directive) is needed.
    pub fn needs_authorization(self, c: Conditions) -> bool {
        self.requirement(c) != AuthRequirement::None
    }

    /// Minimum necessary per the §4.2 table and ROI-06.
    pub fn minimum_necessary(self, c: Conditions) -> MinimumNecessary {
        use RequesterType::*;
        if self.falls_back_to_authorization(c) {
            return MinimumNecessary::AuthorizedScope;
        }
        match self {
            SelfAccess | PersRep | Directive | ProviderTx | ReqByLaw | Hhs => {
                MinimumNecessary::Exempt
            }
            Auth3p => MinimumNecessary::AuthorizedScope,
            CourtOrder => MinimumNecessary::ScopeOfOrder,
            Payer | Subpoena | LawEnf | PublicHealth | Oversight | Research | Decedent
            | WorkersComp => MinimumNecessary::Applies,
        }
    }

    /// Whether a disclosure to this requester goes in the accounting of disclosures (§5).
    pub fn accountable(self, c: Conditions) -> bool {
        use RequesterType::*;
        if self.falls_back_to_authorization(c) {
            return false;
        }
        match self {
            SelfAccess | PersRep | Directive | ProviderTx | Payer | Auth3p => false,
            CourtOrder | Subpoena | LawEnf | PublicHealth | Oversight | Research | ReqByLaw
            | Hhs | Decedent | WorkersComp => true,
        }
    }

    /// The right of access (SELF, PERSREP, DIRECTIVE): its clock never pauses (ROI-02) and
    /// its fees are limited (ROI-04).
    pub fn is_access(self) -> bool {
        matches!(
            self,
            RequesterType::SelfAccess | RequesterType::PersRep | RequesterType::Directive
        )
    }
}
