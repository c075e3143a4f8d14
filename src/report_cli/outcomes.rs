//! `report outcomes` as text: length of stay, dispositions, readmissions, mortality.

use crate::report;
use crate::report_table::{Fit, Grid, csv};
use crate::text::sanitize_line;

use super::{clean, opt};

pub(super) fn outcomes_text(o: &report::outcomes::Outcomes, csv_out: bool) -> String {
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
