//! Rendering of `chartdesk report …` (table, CSV, JSON). Reading, permission and audit are
//! in [`crate::report`]; this file turns a [`Report`] into text and nothing else: each report
//! states its CSV columns and table columns, and [`crate::report_table`] lays them out (CSV
//! through the one writer, [`crate::csv_out::Table`]). How a new report plugs in: see there.

use anyhow::Result;

use crate::audit::Actor;
use crate::cli::{LetterFormat, ReportCmd, ReportFormat};
use crate::coding::report as coding_report;
use crate::deficiency::lifecycle::BUCKETS;
use crate::report::{self, Format, Report, Request};
use crate::report_table::{Fit, Grid, csv};
use crate::store::Store;
use crate::text::sanitize_line;

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Format {
        match f {
            ReportFormat::Table => Format::Table,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Json => Format::Json,
        }
    }
}

/// The CLI's report command as a request of the report layer (None: answered elsewhere).
pub fn request(cmd: ReportCmd) -> Option<(Request, Format)> {
    Some(match cmd {
        ReportCmd::Deficiencies { format, as_of } => {
            (Request::Deficiencies { as_of }, format.into())
        }
        ReportCmd::Delinquency { format, as_of } => (Request::Delinquency { as_of }, format.into()),
        ReportCmd::Dnfb { format, as_of } => (Request::Dnfb { as_of }, format.into()),
        ReportCmd::Coding { format, from, to } => (Request::Coding { from, to }, format.into()),
        ReportCmd::Roi { format, from, to } => (Request::Roi { from, to }, format.into()),
        ReportCmd::DataQuality { rule, format } => (Request::DataQuality { rule }, format.into()),
        ReportCmd::Letters { level, as_of } => (Request::Letters { level, as_of }, Format::Table),
        ReportCmd::Suspension { format, as_of } => (Request::Suspension { as_of }, format.into()),
        ReportCmd::Privacy { from, to, format } => (Request::Privacy { from, to }, format.into()),
        ReportCmd::Rereview { desk, format } => (Request::Rereview { desk }, format.into()),
        ReportCmd::Provider { provider, format } => (
            Request::ProviderLetter {
                provider,
                csv: format == LetterFormat::Csv,
            },
            Format::Table,
        ),
        ReportCmd::Outcomes {
            from,
            to,
            by,
            key,
            format,
        } => (
            Request::Outcomes {
                from,
                to,
                by: by.into(),
                key,
            },
            format.into(),
        ),
        ReportCmd::Productivity {
            from, to, format, ..
        } => (Request::Productivity { from, to }, format.into()),
        ReportCmd::Disclosures { .. } | ReportCmd::Duplicates(_) => return None,
    })
}

pub fn run(store: &mut Store, actor: &Actor, cmd: ReportCmd) -> Result<String> {
    match cmd {
        // The accounting of disclosures and the duplicate list have their own audited reads
        // (roi::disclosure, mpi::dup_report), kept where their rules are.
        ReportCmd::Disclosures {
            patient,
            from,
            format,
            group_repeats,
            ..
        } => {
            crate::cli::roi::report_disclosures(store, actor, &patient, from, format, group_repeats)
        }
        ReportCmd::Duplicates(args) => crate::cli::mpi_report_duplicates(store, actor, &args),
        cmd => {
            let Some((req, format)) = request(cmd) else {
                return Ok(String::new());
            };
            let out = report::run(store, actor, req)?;
            render(&out.report, format)
        }
    }
}

/// One report as text in the given format.
pub fn render(r: &Report, format: Format) -> Result<String> {
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(r)? + "\n");
    }
    let csv = format == Format::Csv;
    Ok(match r {
        Report::Deficiencies(d) => deficiencies_text(d, csv),
        Report::Delinquency(d) => delinquency_text(d, csv),
        Report::Dnfb(d) => dnfb_text(d, csv),
        Report::Coding(c) => coding_text(c, csv),
        Report::Roi(m) if csv => crate::roi::report::format_csv(m),
        Report::Roi(m) => crate::roi::report::format_table(m),
        Report::DataQuality(d) => data_quality_text(d, csv),
        Report::Letters(l) => l.text.clone(),
        Report::Suspension(s) => suspension_text(s, csv),
        Report::Privacy(p) => privacy_text(p, csv),
        Report::Rereview(r) => rereview_text(r, csv),
        Report::ProviderLetter(l) => l.text.clone(),
        Report::Outcomes(o) => outcomes_text(o, csv),
        Report::Productivity(p) => productivity_text(p, csv),
    })
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// A sanitised cell (text from the database shown on the terminal).
fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

fn deficiencies_text(d: &report::deficiencies::DeficiencyAging, csv_out: bool) -> String {
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

fn delinquency_text(d: &report::delinquency::Delinquency, csv_out: bool) -> String {
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

/// DNFB/DNFC (DOMAIN §1 definitions, §7 metrics), with dollars and revenue days (COD-22).
fn dnfb_text(d: &report::dnfb::DnfbReport, csv_out: bool) -> String {
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
            e.dollars.map_or("n/a".into(), |v| format!("${v:.2}")),
            e.grouped,
            e.weight_sum,
            e.base_rate,
            if e.ungrouped > 0 {
                format!("; {} without a weighted DRG", e.ungrouped)
            } else {
                String::new()
            }
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
fn coding_text(c: &report::coding::CodingReport, csv_out: bool) -> String {
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
        e.dollars.map_or("n/a".into(), |v| format!("${v:.2}")),
        e.grouped,
        e.weight_sum,
        e.base_rate,
        if e.ungrouped > 0 {
            format!("; {} without a weighted DRG", e.ungrouped)
        } else {
            String::new()
        }
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

fn data_quality_text(d: &report::data_quality::DataQuality, csv_out: bool) -> String {
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

fn suspension_text(d: &report::suspension::Suspension, csv_out: bool) -> String {
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

fn privacy_text(d: &report::privacy::Privacy, csv_out: bool) -> String {
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

fn rereview_text(d: &report::rereview::Rereview, csv_out: bool) -> String {
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

fn outcomes_text(o: &report::outcomes::Outcomes, csv_out: bool) -> String {
    let dispo = |r: &report::outcomes::OutcomeRow| {
        r.dispositions
            .iter()
            .map(|(k, v)| format!("{}:{v}", if k.is_empty() { "-" } else { k }))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if csv_out && o.key.is_some() {
        return csv(
            "encounter_id,visit,mrn,group,los_days,disposition,died,left_ama,index_stay,readmitted_by,planned_readmission,gmlos",
            o.encounters.iter().map(|e| {
                [
                    e.encounter_id.to_string(),
                    e.visit_number.clone(),
                    e.mrn.clone(),
                    e.group.clone(),
                    e.los_days.to_string(),
                    e.disposition.clone(),
                    e.died.to_string(),
                    e.left_ama.to_string(),
                    e.index_stay.to_string(),
                    e.readmitted_by.clone().unwrap_or_default(),
                    e.planned_readmission.clone().unwrap_or_default(),
                    opt(e.gmlos),
                ]
            }),
        );
    }
    if csv_out {
        return csv(
            "group,stays,los_mean,los_median,index_stays,readmissions,readmission_percent,deaths,mortality_percent,left_ama,left_ama_percent,gmlos_stays,gmlos_los_mean,gmlos_mean,los_to_gmlos,dispositions",
            o.groups.iter().chain([&o.all]).map(|r| {
                [
                    r.group.clone(),
                    r.stays.to_string(),
                    opt(r.los_mean),
                    opt(r.los_median),
                    r.index_stays.to_string(),
                    r.readmissions.to_string(),
                    opt(r.readmission_rate_percent),
                    r.deaths.to_string(),
                    opt(r.mortality_percent),
                    r.left_ama.to_string(),
                    opt(r.left_ama_percent),
                    r.gmlos_stays.to_string(),
                    opt(r.gmlos_los_mean),
                    opt(r.gmlos_mean),
                    opt(r.los_to_gmlos),
                    dispo(r),
                ]
            }),
        );
    }
    let p = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}%"));
    let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}"));
    let mut s = format!(
        "Inpatient outcomes by {:?}, discharged {} .. {} ({} stays; 30-day all-cause readmissions, CMS-style: see README)\n",
        o.by, o.from, o.to, o.total
    )
    .to_lowercase()
    .replacen("inpatient", "Inpatient", 1);
    s += &Grid([
        ("GROUP", Fit::Cut(24)),
        ("STAYS", Fit::Right(6)),
        ("LOS", Fit::Right(6)),
        ("MEDIAN", Fit::Right(6)),
        ("INDEX", Fit::Right(6)),
        ("READM", Fit::Right(7)),
        ("DEATHS", Fit::Right(6)),
        ("MORT", Fit::Right(7)),
        ("AMA", Fit::Right(5)),
    ])
    .table(o.groups.iter().chain([&o.all]).map(|r| {
        [
            clean(&r.group),
            r.stays.to_string(),
            f(r.los_mean),
            f(r.los_median),
            r.index_stays.to_string(),
            format!("{} {}", r.readmissions, p(r.readmission_rate_percent)),
            r.deaths.to_string(),
            p(r.mortality_percent),
            r.left_ama.to_string(),
        ]
    }));
    s += &format!(
        "\nCoded stays against GMLOS (MS-DRG grouped on read): {} stays, LOS {} vs GMLOS {}, ratio {}\n",
        o.all.gmlos_stays,
        f(o.all.gmlos_los_mean),
        f(o.all.gmlos_mean),
        o.all.los_to_gmlos.map_or("-".into(), |v| format!("{v:.2}"))
    );
    s += &format!(
        "\nDisposition mix (UB-04 status: stays): {}\n",
        dispo(&o.all)
    );
    if let Some(k) = &o.key {
        s += &format!(
            "\nStays behind {} ({}):\n",
            sanitize_line(k),
            o.encounters.len()
        );
        for e in &o.encounters {
            s += &format!(
                "  {:<12} {:<11} LOS {:>3}  status {:<3} {}{}\n",
                sanitize_line(&e.visit_number),
                sanitize_line(&e.mrn),
                e.los_days,
                sanitize_line(&e.disposition),
                e.readmitted_by
                    .as_deref()
                    .map(|v| format!("readmitted {}", sanitize_line(v)))
                    .unwrap_or_default(),
                e.planned_readmission
                    .as_deref()
                    .map(|v| format!("planned readmission {}", sanitize_line(v)))
                    .unwrap_or_default(),
            );
        }
    }
    s
}

/// `report productivity`: one line per user and unit kind, then the user's overall % of
/// target; "hours not entered" where no hours were entered (never inferred, MET-05).
fn productivity_text(p: &report::productivity::Productivity, csv_out: bool) -> String {
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
