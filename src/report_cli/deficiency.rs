//! The deficiency desk's reports as text: aging, delinquency (DEL-04), suspension (DEL-07),
//! re-review and data quality.

use crate::deficiency::lifecycle::BUCKETS;
use crate::report;
use crate::report_table::{Fit, Grid, csv};
use crate::text::sanitize_line;

use super::{clean, opt};

pub(super) fn deficiencies_text(
    d: &report::deficiencies::DeficiencyAging,
    csv_out: bool,
) -> String {
    let (aging, providers, today) = (&d.by_kind_and_age, &d.by_provider, d.as_of);
    if csv_out {
        let blank = String::new;
        let kinds = aging.iter().map(|r| {
            let [a, b, c, e] = r.buckets.map(|v| v.to_string());
            let name = r.kind.clone();
            [
                "kind".into(),
                name,
                a,
                b,
                c,
                e,
                r.total.to_string(),
                blank(),
                blank(),
                blank(),
            ]
        });
        let provs = providers.iter().map(|p| {
            [
                "provider".into(),
                p.provider.clone(),
                blank(),
                blank(),
                blank(),
                blank(),
                p.open.to_string(),
                p.delinquent.to_string(),
                p.delinquent_records.to_string(),
                p.npi.clone().unwrap_or_default(),
            ]
        });
        return csv(
            &format!(
                "section,name,{},total,delinquent,delinquent_records,npi",
                BUCKETS.join(",")
            ),
            kinds.chain(provs),
        );
    }
    let ages = Grid([
        ("TYPE", Fit::Left(20)),
        (BUCKETS[0], Fit::Right(7)),
        (BUCKETS[1], Fit::Right(7)),
        (BUCKETS[2], Fit::Right(7)),
        (BUCKETS[3], Fit::Right(7)),
        ("TOTAL", Fit::Right(7)),
    ]);
    let mut s =
        format!("Open deficiencies by type and age (days since assignment), as of {today}\n");
    let mut tot = [0i64; 5];
    for r in aging {
        for (t, v) in tot.iter_mut().zip(r.buckets.iter().chain([r.total].iter())) {
            *t += v;
        }
    }
    s += &ages.table(aging.iter().map(|r| {
        let [a, b, c, e] = r.buckets.map(|v| v.to_string());
        [r.kind.clone(), a, b, c, e, r.total.to_string()]
    }));
    let [a, b, c, e, t] = tot.map(|v| v.to_string());
    s += &ages.line(["ALL".into(), a, b, c, e, t]);
    s += "\n";
    s += &Grid([
        ("PROVIDER", Fit::Cut(30)),
        ("NPI", Fit::Left(10)),
        ("OPEN", Fit::Right(5)),
        ("DELINQUENT", Fit::Right(10)),
        ("DEL.RECORDS", Fit::Right(11)),
    ])
    .table(providers.iter().map(|p| {
        [
            clean(&p.provider),
            p.npi.clone().unwrap_or_else(|| "-".into()),
            p.open.to_string(),
            p.delinquent.to_string(),
            p.delinquent_records.to_string(),
        ]
    }));
    s += &format!(
        "{} provider(s), {} open deficiencies\n",
        providers.len(),
        d.total
    );
    s
}

pub(super) fn delinquency_text(d: &report::delinquency::Delinquency, csv_out: bool) -> String {
    let (r, today) = (&d.delinquency, d.as_of);
    let rate = r.rate_percent;
    if csv_out {
        return csv(
            "as_of,delinquent_records,discharges,months,average_monthly_discharges,rate_percent,alert_percent,alert",
            [[
                today.to_string(),
                r.delinquent_records.to_string(),
                r.discharges_in_period.to_string(),
                r.months.to_string(),
                format!("{:.2}", r.average_monthly_discharges),
                opt(rate),
                r.alert_percent.to_string(),
                r.alert.to_string(),
            ]],
        );
    }
    format!(
        "Delinquency rate (DEL-04) as of {today}\n  delinquent records (DEL-03)          {}\n  discharges in the previous {} months  {}\n  average monthly discharges           {:.1}\n  delinquency rate                     {}\n  alert threshold (DEL-05)             {:.0} %{}\n",
        r.delinquent_records,
        r.months,
        r.discharges_in_period,
        r.average_monthly_discharges,
        rate.map(|v| format!("{v:.1} %"))
            .unwrap_or_else(|| "n/a (no discharges)".into()),
        r.alert_percent,
        if r.alert { "  — ALERT" } else { "" }
    )
}

pub(super) fn suspension_text(d: &report::suspension::Suspension, csv_out: bool) -> String {
    let rows = &d.suspension_list;
    if csv_out {
        return csv(
            "provider,npi,open,at_level,oldest_days,level",
            rows.iter().map(|r| {
                [
                    r.name.clone(),
                    r.npi.clone().unwrap_or_default(),
                    r.open.to_string(),
                    r.at_level.to_string(),
                    r.oldest_days.to_string(),
                    r.level.to_string(),
                ]
            }),
        );
    }
    let mut s = format!(
        "Physician suspension list as of {} ({} physician(s))\n",
        d.as_of, d.total
    );
    s += &Grid([
        ("PHYSICIAN", Fit::Cut(32)),
        ("NPI", Fit::Left(10)),
        ("OPEN", Fit::Right(6)),
        ("AT LEVEL", Fit::Right(9)),
        ("OLDEST", Fit::Right(7)),
    ])
    .table(rows.iter().map(|r| {
        [
            clean(&r.name),
            r.npi.clone().unwrap_or_else(|| "-".into()),
            r.open.to_string(),
            r.at_level.to_string(),
            r.oldest_days.to_string(),
        ]
    }));
    s
}

pub(super) fn rereview_text(d: &report::rereview::Rereview, csv_out: bool) -> String {
    let rows = &d.flags;
    if csv_out {
        return csv(
            "flag,encounter_id,visit,mrn,document_id,document,reason,flagged_at",
            rows.iter().map(|r| {
                [
                    r.id.to_string(),
                    r.encounter_id.to_string(),
                    r.visit_number.clone(),
                    r.mrn.clone(),
                    r.document_id.to_string(),
                    r.document.clone(),
                    r.reason.clone(),
                    r.flagged_at.clone(),
                ]
            }),
        );
    }
    let mut s = format!("Encounters flagged for {} re-review: {}\n", d.desk, d.total);
    for r in rows {
        s += &format!(
            "#{:<5} {:<12} {:<11} {}  ({})\n",
            r.id,
            sanitize_line(&r.visit_number),
            sanitize_line(&r.mrn),
            sanitize_line(&r.reason),
            r.flagged_at
        );
    }
    s
}

pub(super) fn data_quality_text(d: &report::data_quality::DataQuality, csv_out: bool) -> String {
    let rows = &d.implausible;
    if csv_out {
        return csv(
            "rule,encounter_id,visit,mrn,type,admit,discharge,detail,found",
            rows.iter().map(|r| {
                [
                    r.rule.clone(),
                    r.encounter_id.to_string(),
                    r.visit_number.clone(),
                    r.mrn.clone(),
                    r.kind.clone(),
                    r.admit_at.clone(),
                    r.discharge_at.clone().unwrap_or_default(),
                    r.detail.clone(),
                    r.found_at.clone(),
                ]
            }),
        );
    }
    let mut s = if d.cutover.is_empty() {
        String::from(
            "No cut-over date (setting analysis_cutover_date): every discharge is analysed.\n",
        )
    } else {
        format!(
            "Cut-over {}: {} encounter(s) discharged before it are kept as history, not analysed.\n",
            d.cutover, d.history_encounters
        )
    };
    s += &format!("Implausible encounters kept out of analysis: {}\n", d.total);
    let mut last = "";
    for r in rows {
        if r.rule != last {
            s += &format!("\n{}\n", r.rule);
            last = &r.rule;
        }
        s += &format!(
            "  {:<12} {:<11} {:<11} {}\n",
            sanitize_line(&r.visit_number),
            sanitize_line(&r.mrn),
            r.kind,
            sanitize_line(&r.detail)
        );
    }
    s
}
