//! The §4.2 requester-type table, row by row.

use chartdesk::roi::{AuthRequirement, Conditions, MinimumNecessary, RequesterType};

#[test]
fn requester_type_table() {
    use MinimumNecessary::*;
    use RequesterType::*;
    let none = Conditions::default();
    // (type, basis, needs authorization, minimum necessary, accountable) with no conditions met.
    let rows = [
        (SelfAccess, "45 CFR 164.524", false, Exempt, false),
        (PersRep, "45 CFR 164.524, 164.502(g)", false, Exempt, false),
        (Directive, "45 CFR 164.524(c)(3)(ii)", true, Exempt, false),
        (
            ProviderTx,
            "45 CFR 164.506(c) (treatment)",
            false,
            Exempt,
            false,
        ),
        (Payer, "45 CFR 164.506(c) (payment)", false, Applies, false),
        (Auth3p, "45 CFR 164.508", true, AuthorizedScope, false),
        (
            CourtOrder,
            "45 CFR 164.512(e)(1)(i)",
            false,
            ScopeOfOrder,
            true,
        ),
        (
            Subpoena,
            "45 CFR 164.512(e)(1)(ii)",
            true,
            AuthorizedScope,
            false,
        ),
        (
            LawEnf,
            "45 CFR 164.512(f)(1)-(6)",
            true,
            AuthorizedScope,
            false,
        ),
        (PublicHealth, "45 CFR 164.512(b)", false, Applies, true),
        (Oversight, "45 CFR 164.512(d)", false, Applies, true),
        (Research, "45 CFR 164.512(i)", true, AuthorizedScope, false),
        (ReqByLaw, "45 CFR 164.512(a)", false, Exempt, true),
        (Hhs, "45 CFR 164.502(a)(2)(ii)", false, Exempt, true),
        (Decedent, "45 CFR 164.512(g)", false, Applies, true),
        (WorkersComp, "45 CFR 164.512(l)", false, Applies, true),
    ];
    assert_eq!(rows.len(), RequesterType::ALL.len());
    for (t, basis, auth, mn, aod) in rows {
        assert_eq!(t.basis(), basis, "{t}");
        assert_eq!(t.needs_authorization(none), auth, "{t}");
        assert_eq!(t.minimum_necessary(none), mn, "{t}");
        assert_eq!(t.accountable(none), aod, "{t}");
        assert_eq!(RequesterType::parse(t.as_str()), Some(t));
    }
}

#[test]
fn conditional_rows_when_the_condition_holds() {
    use RequesterType::*;
    let all = Conditions {
        satisfactory_assurance: true,
        irb_waiver: true,
        law_enforcement_prong: true,
    };
    for t in [Subpoena, LawEnf, Research] {
        assert!(!t.needs_authorization(all), "{t}");
        assert_eq!(t.requirement(all), AuthRequirement::None, "{t}");
        assert_eq!(t.minimum_necessary(all), MinimumNecessary::Applies, "{t}");
        assert!(t.accountable(all), "{t}");
        assert_eq!(t.basis_under(all), t.basis());
    }
    // Conditions of other rows do not affect a row.
    assert_eq!(Auth3p.requirement(all), AuthRequirement::Authorization);
    assert_eq!(Directive.requirement(all), AuthRequirement::SignedDirective);
}

#[test]
fn stored_spellings_round_trip_through_json() {
    for &t in RequesterType::ALL {
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, format!("\"{}\"", t.as_str()));
        assert_eq!(serde_json::from_str::<RequesterType>(&j).unwrap(), t);
    }
    assert!(serde_json::from_str::<RequesterType>("\"self\"").is_err());
}

#[test]
fn sensitivity_labels_parse_and_unknown_ones_are_kept() {
    use chartdesk::roi::Category;
    let (known, unknown) = Category::parse_list(" SUD_PART2, HIV,SUD_PART2,, ABORTION ");
    assert_eq!(known, [Category::SudPart2, Category::Hiv]);
    assert_eq!(unknown, ["ABORTION"]);
    assert_eq!(Category::Psychotherapy.rule(), "45 CFR 164.508(a)(2)");
}
