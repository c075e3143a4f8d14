//! The revenue-cycle reports as text: DNFB/DNFC and coding (COD-20, COD-22).

use crate::coding::report as coding_report;
use crate::report;
use crate::report_table::{Fit, Grid, csv};
use crate::text::sanitize_line;

use super::{clean, opt};

/// DNFB/DNFC (DOMAIN §1 definitions, §7 metrics), with dollars and revenue days (COD-22).
pub(super) fn dnfb_text(d: &report::dnfb::DnfbReport, csv_out: bool) -> String {
    let r = &d.counts;
    if csv_out {
        let blank = String::new;
        let mut rows = vec![[
            "dnfb".into(),
            blank(),
            r.dnfb_count.to_string(),
            format!("{:.2}", r.dnfb_average_days),
            blank(),
            blank(),
            format!("{:.2}", d.dnfb_dollars),
            opt(d.revenue_days),
        ]];
        if let Some(e) = &d.expected {
            rows.push([
                "expected_payment".into(),
                blank(),
                e.grouped.to_string(),
                blank(),
                blank(),
                blank(),
                opt(e.dollars),
                blank(),
            ]);
        }
        rows.push([
            "dnfc".into(),
            blank(),
            r.dnfc_count.to_string(),
            format!("{:.2}", r.dnfc_average_days),
            blank(),
            blank(),
            blank(),
            blank(),
        ]);
        rows.push([
            "discharge_to_coded".into(),
            blank(),
            r.turnaround.coded.to_string(),
            opt(r.turnaround.mean_days),
            blank(),
            opt(r.turnaround.median_days),
            blank(),
            blank(),
        ]);
        rows.extend(r.by_status.iter().map(|b| {
            [
                "status".into(),
                b.coding_status.clone(),
                b.count.to_string(),
                format!("{:.2}", b.average_days),
                b.max_days.to_string(),
                blank(),
                blank(),
                blank(),
            ]
        }));
        return csv(
            "section,coding_status,count,average_days,max_days,median_days,dollars,revenue_days",
            rows,
        );
    }
    let mut s = format!(
        "Discharged, not final billed (DNFB) as of {}{}\n",
        r.as_of,
        if d.recounted {
            " (recounted from the discharge, coded and final-billed dates)"
        } else {
            ""
        }
    );
    s += &format!(
        "  DNFB encounters                 {:>8}   average {:.1} days since discharge\n",
        r.dnfb_count, r.dnfb_average_days
    );
    s += &format!(
        "  DNFB charges                 {:>11}   {} revenue days (target < {:.0}, COD-22){}\n",
        format!("${:.2}", d.dnfb_dollars),
        d.revenue_days.map_or("n/a".into(), |v| format!("{v:.1}")),
        d.target_revenue_days,
        if d.without_charges > 0 {
            format!("; {} without charges", d.without_charges)
        } else {
            String::new()
        }
    );
    s += &format!(
        "  DNFC (not final coded)          {:>8}   average {:.1} days; {} older than {} days (dnfc_target_days, COD-22)\n",
        r.dnfc_count, r.dnfc_average_days, r.dnfc_over_target, r.dnfc_target_days
    );
    if let Some(e) = &d.expected {
        s += &format!(
            "  expected payment (coded)     {:>11}   {} stays grouped, weights {:.4} × drg_base_rate {:.2} (DRG-06){}\n",
            dollars(e),
            e.grouped,
            e.weight_sum,
            e.base_rate,
            ungrouped(e)
        );
    }
    let t = &r.turnaround;
    s += &format!(
        "  discharge → coded, {} .. {}: {} encounters, mean {} days, median {} days\n\n",
        t.from,
        t.to,
        t.coded,
        t.mean_days.map_or("-".into(), |v| format!("{v:.1}")),
        t.median_days.map_or("-".into(), |v| format!("{v:.1}"))
    );
    s += &Grid([
        ("CODING STATUS", Fit::Left(16)),
        ("COUNT", Fit::Right(8)),
        ("AVG DAYS", Fit::Right(10)),
        ("MAX DAYS", Fit::Right(9)),
    ])
    .table(r.by_status.iter().map(|b| {
        [
            b.coding_status.clone(),
            b.count.to_string(),
            format!("{:.1}", b.average_days),
            b.max_days.to_string(),
        ]
    }));
    s
}

/// Held-for-documentation reasons and coder throughput (DOMAIN §7, COD-20, COD-22).
pub(super) fn coding_text(c: &report::coding::CodingReport, csv_out: bool) -> String {
    let (policy, held, t) = (&c.hold_policy, &c.held_for_documentation, &c.throughput);
    if csv_out {
        let blank = String::new;
        let coder_row = |section: &str, c: &coding_report::CoderThroughput| {
            [
                section.to_string(),
                c.coder.clone(),
                blank(),
                c.encounters.to_string(),
                c.inpatient.to_string(),
                c.outpatient.to_string(),
                format!("{:.2}", c.workbench_hours),
                opt(c.per_hour),
                opt(c.inpatient_per_hour),
                opt(c.outpatient_per_hour),
                c.edits_fired.to_string(),
                c.edits_acknowledged.to_string(),
                format!("{:.2}", c.edits_per_encounter),
                c.error_edits.to_string(),
                format!("{:.2}", c.error_edits_per_encounter),
            ]
        };
        let held_rows = held.iter().map(|h| {
            let mut row: [String; 15] = Default::default();
            row[0] = "held".into();
            row[1] = h.kind.clone();
            row[2] = h.rule.clone();
            row[3] = h.encounters.to_string();
            row
        });
        let coders = t.coders.iter().map(|c| coder_row("coder", c));
        let excluded = c.excluded.iter().map(|c| coder_row("excluded", c));
        return csv(
            "section,name,rule,encounters,inpatient,outpatient,workbench_hours,per_hour,inpatient_per_hour,outpatient_per_hour,edits_fired,edits_acknowledged,edits_per_encounter,error_edits,error_edits_per_encounter",
            held_rows.chain(coders).chain(excluded),
        );
    }
    let mut s = format!("Held for documentation (COD-20, coding_hold_policy = {policy})\n");
    s += &Grid([
        ("DEFICIENCY", Fit::Left(20)),
        ("RULE", Fit::Left(10)),
        ("ENCOUNTERS", Fit::Right(10)),
    ])
    .table(
        held.iter()
            .map(|h| [h.kind.clone(), clean(&h.rule), h.encounters.to_string()]),
    );
    if held.is_empty() {
        s += "(none)\n";
    }
    s += &format!(
        "\nCoder throughput {} .. {} (targets: inpatient {:.1}/h, outpatient {:.1}/h, COD-22)\n",
        t.from, t.to, t.target_ip_per_hour, t.target_op_per_hour
    );
    s += &Grid([
        ("CODER", Fit::Cut(24)),
        ("CODED", Fit::Right(6)),
        ("IP", Fit::Right(5)),
        ("OP", Fit::Right(5)),
        ("WB H", Fit::Right(7)),
        ("PER H", Fit::Right(7)),
        ("IP/H", Fit::Right(7)),
        ("OP/H", Fit::Right(7)),
        ("WARN/ENC", Fit::Right(9)),
        ("ERROR/ENC", Fit::Right(9)),
    ])
    .table(t.coders.iter().map(|c| {
        [
            clean(&c.coder),
            c.encounters.to_string(),
            c.inpatient.to_string(),
            c.outpatient.to_string(),
            format!("{:.2}", c.workbench_hours),
            opt(c.per_hour),
            opt(c.inpatient_per_hour),
            opt(c.outpatient_per_hour),
            format!("{:.2}", c.edits_per_encounter),
            format!("{:.2}", c.error_edits_per_encounter),
        ]
    }));
    if t.coders.is_empty() {
        s += "(no completed coding by a signed-in coder in the period)\n";
    } else {
        s += "WB H: time in the coding workbench (time on task); the rates are per workbench hour.\n\
              Productivity against the hours each user entered (MET-05): `report productivity`.\n";
    }
    let e = &c.expected;
    s += &format!(
        "Expected payment of the inpatient stays coded in the period: {} ({} grouped, weights {:.4} × drg_base_rate {:.2}, DRG-06{})\n",
        dollars(e),
        e.grouped,
        e.weight_sum,
        e.base_rate,
        ungrouped(e)
    );
    if !c.excluded.is_empty() {
        let n: i64 = c.excluded.iter().map(|c| c.encounters).sum();
        s += &format!(
            "Excluded: {n} encounter(s) coded by system actors ({}), not a person's work.\n",
            c.excluded
                .iter()
                .map(|c| sanitize_line(&c.coder).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s
}

/// The expected payment (DRG-06) in dollars, "n/a" while `drg_base_rate` is not set.
fn dollars(e: &report::dnfb::ExpectedPayment) -> String {
    e.dollars.map_or("n/a".into(), |v| format!("${v:.2}"))
}

/// "; N without a weighted DRG" when some stays did not group to a weighted DRG.
fn ungrouped(e: &report::dnfb::ExpectedPayment) -> String {
    if e.ungrouped > 0 {
        format!("; {} without a weighted DRG", e.ungrouped)
    } else {
        String::new()
    }
}
