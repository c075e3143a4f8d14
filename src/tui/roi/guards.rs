//! When each ROI command is enabled: the lifecycle (DOMAIN §4.5) as the open request and
//! the accounting shown stand. The core refuses anything else too; these keep help, the
//! palette and the footer honest about what is possible now.

use crate::roi::lifecycle::{Status, can_move};
use crate::tui::Ctx;
use crate::tui::commands::Disabled;

/// ROI facts of the screen, read by the guards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoiFacts {
    /// The open request's status.
    pub status: Option<Status>,
    /// The request was denied on a reviewable ground and not reviewed yet (ROI-05).
    pub reviewable_denial: bool,
    /// The request has used its one extension (ROI-01).
    pub extended: bool,
    /// The request has an invoice or a recorded estimate and is not cancelled (ROI-04).
    pub payable: bool,
    /// The request is the individual's own access (SELF, PERSREP, DIRECTIVE): denial grounds
    /// apply; any other request is refused for its defects instead.
    pub access: bool,
    /// The current validation has a problem (a third party's request may be refused).
    pub defective: bool,
    /// An authorization or directive is on file (a revocation may be recorded).
    pub has_authorization: bool,
    /// A selected document is incomplete and not acknowledged.
    pub incomplete_left: bool,
    /// A document has a reviewable denial not reviewed yet (ROI-05).
    pub document_review: bool,
    /// The request is from a health oversight agency or law enforcement (AOD-06).
    pub agency: bool,
    /// The screen is one request (the suspension is tied to it).
    pub on_request: bool,
    /// The accounting shown has an open request: `Some(extended)`.
    pub aod_open: Option<bool>,
    /// `roi_qa_required` is off: IN_PROCESS may be released without QA.
    pub qa_optional: bool,
}

fn status(c: &Ctx) -> Result<Status, Disabled> {
    c.roi.status.ok_or(Disabled("no request is open"))
}

fn step_to(c: &Ctx, to: Status, why: &'static str) -> Result<(), Disabled> {
    if can_move(status(c)?, to, !c.roi.qa_optional) {
        Ok(())
    } else {
        Err(Disabled(why))
    }
}

pub fn roi_open(c: &Ctx) -> Result<(), Disabled> {
    if status(c)?.is_open() {
        Ok(())
    } else {
        Err(Disabled("the request is no longer open"))
    }
}

/// Authorization, verification and document selection change only while open and not in
/// QA review (QA sends it back first).
pub fn roi_editable(c: &Ctx) -> Result<(), Disabled> {
    roi_open(c)?;
    if status(c)? == Status::QaReview {
        Err(Disabled(
            "in QA review: QA sends it back (f) before it changes",
        ))
    } else {
        Ok(())
    }
}

pub fn roi_validatable(c: &Ctx) -> Result<(), Disabled> {
    match status(c)? {
        Status::Logged | Status::Validating | Status::OnHold | Status::InProcess => Ok(()),
        Status::QaReview => Err(Disabled("in QA review: QA returns it to IN_PROCESS first")),
        _ => Err(Disabled("the request is no longer open")),
    }
}

pub fn roi_holdable(c: &Ctx) -> Result<(), Disabled> {
    step_to(
        c,
        Status::OnHold,
        "only a request in process or in QA review is put on hold",
    )
}

pub fn roi_on_hold(c: &Ctx) -> Result<(), Disabled> {
    if status(c)? == Status::OnHold {
        Ok(())
    } else {
        Err(Disabled("the request is not on hold"))
    }
}

pub fn roi_extendable(c: &Ctx) -> Result<(), Disabled> {
    roi_open(c)?;
    if c.roi.extended {
        Err(Disabled("already extended once (ROI-01)"))
    } else {
        Ok(())
    }
}

pub fn roi_in_process(c: &Ctx) -> Result<(), Disabled> {
    if status(c)? == Status::InProcess {
        Ok(())
    } else {
        Err(Disabled(
            "only an IN_PROCESS request goes to QA (validate it first)",
        ))
    }
}

pub fn roi_in_qa(c: &Ctx) -> Result<(), Disabled> {
    if status(c)? == Status::QaReview {
        Ok(())
    } else {
        Err(Disabled("the request is not in QA review"))
    }
}

pub fn roi_releasable(c: &Ctx) -> Result<(), Disabled> {
    match status(c)? {
        Status::QaReview => Ok(()),
        Status::InProcess if c.roi.qa_optional => Ok(()),
        Status::Released | Status::Closed => Err(Disabled("already released")),
        _ => Err(Disabled("released from QA_REVIEW after QA passes")),
    }
}

pub fn roi_closable(c: &Ctx) -> Result<(), Disabled> {
    step_to(
        c,
        Status::Closed,
        "only a released or denied request is closed",
    )
}

pub fn roi_reviewable(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.reviewable_denial || c.roi.document_review {
        Ok(())
    } else {
        Err(Disabled("no reviewable denial waiting for review (ROI-05)"))
    }
}

pub fn roi_payable(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.payable {
        Ok(())
    } else {
        Err(Disabled(
            "no invoice or recorded estimate to pay against (E records the estimate)",
        ))
    }
}

pub fn aod_open(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.aod_open.is_some() {
        Ok(())
    } else {
        Err(Disabled("no open accounting request (l logs one)"))
    }
}

pub fn aod_extendable(c: &Ctx) -> Result<(), Disabled> {
    match c.roi.aod_open {
        Some(false) => Ok(()),
        Some(true) => Err(Disabled("already extended once (AOD-05)")),
        None => Err(Disabled("no open accounting request (l logs one)")),
    }
}

pub fn roi_access(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.access {
        Ok(())
    } else {
        Err(Disabled(
            "a third party's request is refused for its defects (F), not denied (ROI-05)",
        ))
    }
}

pub fn roi_third_party(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.access {
        Err(Disabled(
            "the individual's own access is denied on a ground (D), not refused",
        ))
    } else {
        Ok(())
    }
}

pub fn roi_defective(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.defective {
        Ok(())
    } else {
        Err(Disabled(
            "no authorization defect to refuse it for (LTR-03)",
        ))
    }
}

pub fn roi_revocable(c: &Ctx) -> Result<(), Disabled> {
    status(c)?;
    if c.roi.has_authorization {
        Ok(())
    } else {
        Err(Disabled("no authorization or directive on file to revoke"))
    }
}

pub fn roi_incomplete_left(c: &Ctx) -> Result<(), Disabled> {
    if c.roi.incomplete_left {
        Ok(())
    } else {
        Err(Disabled("no incomplete document selected to acknowledge"))
    }
}

/// On one request, only an OVERSIGHT or LAW_ENF request carries a suspension (AOD-06);
/// elsewhere the form asks for that request.
pub fn roi_may_suspend(c: &Ctx) -> Result<(), Disabled> {
    if !c.roi.on_request || c.roi.agency {
        Ok(())
    } else {
        Err(Disabled(
            "only an oversight agency's or law enforcement's request suspends the accounting (AOD-06)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: Status) -> Ctx {
        Ctx {
            roi: RoiFacts {
                status: Some(status),
                ..RoiFacts::default()
            },
            ..Ctx::default()
        }
    }

    /// DOMAIN 4.5: each step's key is enabled exactly where the lifecycle allows the step.
    #[test]
    fn roi_lifecycle_keys_are_enabled_only_where_the_lifecycle_allows() {
        use Status::*;
        let ok = |g: fn(&Ctx) -> Result<(), Disabled>, s: Status| g(&at(s)).is_ok();
        for s in Status::ALL.iter().copied() {
            assert_eq!(ok(roi_open, s), s.is_open(), "open {s}");
            assert_eq!(
                ok(roi_editable, s),
                s.is_open() && s != QaReview,
                "editable {s}"
            );
            assert_eq!(ok(roi_on_hold, s), s == OnHold, "unhold {s}");
            assert_eq!(ok(roi_in_process, s), s == InProcess, "submit {s}");
            assert_eq!(ok(roi_in_qa, s), s == QaReview, "qa {s}");
            assert_eq!(
                ok(roi_holdable, s),
                matches!(s, Validating | InProcess | QaReview),
                "hold {s}"
            );
            assert_eq!(
                ok(roi_closable, s),
                matches!(s, Released | Denied),
                "close {s}"
            );
            assert_eq!(ok(roi_releasable, s), s == QaReview, "release {s}");
        }
        // With roi_qa_required off, IN_PROCESS is released directly.
        let mut c = at(InProcess);
        c.roi.qa_optional = true;
        assert!(roi_releasable(&c).is_ok());
        // Nothing is enabled without an open request.
        assert!(roi_open(&Ctx::default()).is_err());
    }

    #[test]
    fn roi_01_and_aod_05_one_extension_only() {
        let mut c = at(Status::InProcess);
        assert!(roi_extendable(&c).is_ok());
        c.roi.extended = true;
        assert_eq!(
            roi_extendable(&c),
            Err(Disabled("already extended once (ROI-01)"))
        );
        assert!(aod_extendable(&c).is_err());
        c.roi.aod_open = Some(false);
        assert!(aod_extendable(&c).is_ok() && aod_open(&c).is_ok());
        c.roi.aod_open = Some(true);
        assert!(aod_extendable(&c).is_err() && aod_open(&c).is_ok());
    }

    #[test]
    fn roi_05_review_only_of_a_reviewable_denial_not_yet_reviewed() {
        let mut c = at(Status::Denied);
        assert!(roi_reviewable(&c).is_err());
        c.roi.reviewable_denial = true;
        assert!(roi_reviewable(&c).is_ok());
    }

    /// ROI-05 / LTR-03: an access request is denied on a ground, a third party's refused for
    /// its defects; ROI-04: payment only against an estimate or invoice; a revocation in any
    /// state with an authorization on file; AOD-06: a suspension only from an agency's request.
    #[test]
    fn roi_new_steps_follow_the_requester_and_the_record() {
        let with = |f: RoiFacts| Ctx {
            roi: RoiFacts {
                status: f.status.or(Some(Status::InProcess)),
                ..f
            },
            ..Ctx::default()
        };
        let access = with(RoiFacts {
            access: true,
            defective: true,
            ..RoiFacts::default()
        });
        assert!(roi_access(&access).is_ok());
        assert!(roi_third_party(&access).is_err());
        let third = with(RoiFacts {
            defective: true,
            ..RoiFacts::default()
        });
        assert!(roi_access(&third).is_err());
        assert!(roi_third_party(&third).is_ok() && roi_defective(&third).is_ok());
        assert!(roi_defective(&with(RoiFacts::default())).is_err());
        assert!(roi_payable(&with(RoiFacts::default())).is_err());
        for s in Status::ALL.iter().copied() {
            let c = with(RoiFacts {
                status: Some(s),
                has_authorization: true,
                ..RoiFacts::default()
            });
            assert!(roi_revocable(&c).is_ok(), "revocation at {s}");
        }
        assert!(roi_revocable(&with(RoiFacts::default())).is_err());
        assert!(roi_incomplete_left(&with(RoiFacts::default())).is_err());
        let on_request = |agency| {
            with(RoiFacts {
                on_request: true,
                agency,
                ..RoiFacts::default()
            })
        };
        assert!(roi_may_suspend(&on_request(true)).is_ok());
        assert!(roi_may_suspend(&on_request(false)).is_err());
        assert!(roi_may_suspend(&Ctx::default()).is_ok());
        let doc = with(RoiFacts {
            document_review: true,
            ..RoiFacts::default()
        });
        assert!(roi_reviewable(&doc).is_ok());
    }
}
