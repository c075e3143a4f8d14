//! The staff reports as text: productivity (MET-05) and break-the-glass opens (privacy).

use crate::report;
use crate::report_table::{Fit, Grid, csv};
use crate::text::sanitize_line;

use super::{clean, opt};

/// `report productivity`: one line per user and unit kind, then the user's overall % of
/// target; "hours not entered" where no hours were entered (never inferred, MET-05).
pub(super) fn productivity_text(p: &report::productivity::Productivity, csv_out: bool) -> String {
    const NOT_ENTERED: &str = "hours not entered";
    let pct = |v: Option<f64>| v.map(|v| format!("{v:.0}%")).unwrap_or_default();
    if csv_out {
        let pct1 = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        let users = p.users.iter().flat_map(|u| {
            let hours = u
                .hours
                .map_or(NOT_ENTERED.to_string(), |h| format!("{h:.2}"));
            let units = u.units.iter().map({
                let hours = hours.clone();
                move |l| {
                    [
                        "user".to_string(),
                        u.user.clone(),
                        u.role.clone(),
                        l.unit.label().to_string(),
                        l.units.to_string(),
                        hours.clone(),
                        opt(l.per_hour),
                        format!("{:.2}", l.target),
                        pct1(l.percent_of_target),
                    ]
                }
            });
            units.chain([[
                "overall".to_string(),
                u.user.clone(),
                u.role.clone(),
                "target hours earned".to_string(),
                format!("{:.2}", u.target_hours_earned),
                hours,
                String::new(),
                String::new(),
                pct1(u.percent_of_target),
            ]])
        });
        let excluded = p.excluded.iter().map(|e| {
            [
                "excluded".to_string(),
                e.actor.clone(),
                "system".to_string(),
                e.unit.label().to_string(),
                e.units.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]
        });
        return csv(
            "section,user,role,unit,units,hours,per_hour,target_per_hour,percent_of_target",
            users.chain(excluded),
        );
    }
    let mut s = format!(
        "Productivity {} .. {} (MET-05: units ÷ hours entered, never inferred from logins)\nTargets per hour: {}\n",
        p.from,
        p.to,
        p.targets
            .iter()
            .map(|t| format!("{} {} ({})", t.unit.label(), t.per_hour, t.setting))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s += &Grid([
        ("USER", Fit::Cut(16)),
        ("ROLE", Fit::Left(10)),
        ("UNIT", Fit::Left(18)),
        ("UNITS", Fit::Right(6)),
        ("HOURS", Fit::Right(8)),
        ("PER H", Fit::Right(7)),
        ("TARGET", Fit::Right(7)),
        ("%TARGET", Fit::Right(7)),
    ])
    .table(p.users.iter().flat_map(|u| {
        let hours = u.hours.map_or("—".to_string(), |h| format!("{h:.2}"));
        let units = u.units.iter().map({
            let hours = hours.clone();
            move |l| {
                [
                    clean(&u.user),
                    clean(&u.role),
                    l.unit.label().to_string(),
                    l.units.to_string(),
                    hours.clone(),
                    opt(l.per_hour),
                    format!("{:.2}", l.target),
                    pct(l.percent_of_target),
                ]
            }
        });
        units.chain([[
            clean(&u.user),
            clean(&u.role),
            "overall (earned h)".to_string(),
            format!("{:.2}", u.target_hours_earned),
            hours,
            String::new(),
            String::new(),
            if u.hours.is_some() {
                pct(u.percent_of_target)
            } else {
                NOT_ENTERED.to_string()
            },
        ]])
    }));
    if p.users.is_empty() {
        s += "(no work and no hours entered in the period)\n";
    }
    if !p.hours_not_entered.is_empty() {
        s += &format!(
            "Hours not entered (no rate, never inferred): {}\n",
            p.hours_not_entered
                .iter()
                .map(|u| sanitize_line(u).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !p.excluded.is_empty() {
        s += "Excluded, system actors (not a person's work):\n";
        for e in &p.excluded {
            s += &format!(
                "  {} {} {}\n",
                sanitize_line(&e.actor),
                e.units,
                e.unit.label()
            );
        }
    }
    s
}

pub(super) fn privacy_text(d: &report::privacy::Privacy, csv_out: bool) -> String {
    let rows = &d.opens;
    if csv_out {
        return csv(
            "opened_at,user,role,mrn,document,labels,purpose,reason",
            rows.iter().map(|r| {
                [
                    r.opened_at.clone(),
                    r.username.clone(),
                    r.role.clone(),
                    r.mrn.clone(),
                    r.document_id.to_string(),
                    r.labels.clone(),
                    r.purpose.clone(),
                    r.reason.clone(),
                ]
            }),
        );
    }
    let mut s = format!(
        "Break-the-glass opens of sensitive documents, {} to {}: {}\n",
        d.from, d.to, d.total
    );
    for r in rows {
        s += &format!(
            "{} {:<12} {:<10} {:<11} doc {:<6} {:<20} {:<8} {}\n",
            r.opened_at,
            sanitize_line(&r.username),
            r.role,
            sanitize_line(&r.mrn),
            r.document_id,
            sanitize_line(&r.labels),
            r.purpose,
            sanitize_line(&r.reason)
        );
    }
    s
}
