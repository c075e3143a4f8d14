//! A coder's day at 80x24, all in the TUI (issue #13 "Done when"): read the whole discharge
//! summary to its last line, code it, query another provider on the encounter (the
//! consultant) from a template, see the answer arrive from another workstation at the next
//! tick, complete coding, and re-review the encounter after a late note — the note arrives
//! through the HL7 importer (MDM^T02), which flags the coded encounter; the re-review list
//! names the document, `ctrl-e` exports that list, and clearing the flag is audited. Each step's audit rows are checked.
//! The keys pressed are counted per task (the README's keystroke table comes from here).
//! Snapshots at 80x24 (`INSTA_UPDATE=always cargo test --test tui_coder_day`).

mod tui_coding_fixture;

use chartdesk::audit::{Action, Actor, Event, Subtype};
use chartdesk::store::Store;
use chartdesk::tui::{App, ScreenId};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_coding_fixture::*;

/// Keys pressed, counted (the README's keystroke counts per task).
struct Keys<'a> {
    app: &'a mut App,
    n: usize,
    /// Characters typed into fields (codes, indicators), counted apart from the keys.
    typed: usize,
}

impl Keys<'_> {
    fn press(&mut self, code: KeyCode) {
        self.n += 1;
        self.app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    fn chr(&mut self, c: char) {
        self.press(KeyCode::Char(c));
    }
    fn text(&mut self, t: &str) {
        for c in t.chars() {
            self.app
                .handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        self.typed += t.chars().count();
    }
    /// The counts since the last call (one task's keys, and characters typed).
    fn task(&mut self) -> (usize, usize) {
        (std::mem::take(&mut self.n), std::mem::take(&mut self.typed))
    }
}

fn snap(name: &str, s: &str) {
    let mut st = insta::Settings::clone_current();
    st.set_snapshot_suffix("80x24");
    st.bind(|| insta::assert_snapshot!(name, s));
}

/// Another workstation on the same database and clock.
fn other_at(db: &std::path::Path) -> Store {
    let mut s = Store::open(db).expect("store");
    let t0 = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 10, 14, 0, 0)
        .single()
        .expect("time");
    s.set_clock(std::sync::Arc::new(move || t0));
    s
}

/// A long discharge summary (its last line is below the first screen at 80x24) and Dr Chase,
/// the hematology consultant, with a signed consultation note.
fn long_summary_and_a_consultant(f: &CodingFixture) {
    let mut body = String::from(
        "DISCHARGE DIAGNOSES:\n1. Malignant neoplasm of right female breast.\n2. Anemia in neoplastic disease, transfused.\n",
    );
    for day in 1..=40 {
        body += &format!(
            "HOSPITAL COURSE day {day}: vitals stable, tolerating diet, pain controlled on oral \
             analgesics, ambulating in the hall with physical therapy twice daily.\n"
        );
    }
    body += "DISPOSITION: home. END OF SUMMARY.";
    other_at(&f._dir.path().join("chartdesk.db"))
        .transact(&Actor::system("test"), |tx, audit| {
            tx.execute("UPDATE documents SET body = ?1 WHERE id = 401", [&body])?;
            tx.execute_batch(
                "INSERT INTO providers(id, npi, family_name, given_name, credentials)
                   VALUES (3, '1245319599', 'Chase', 'Robert', 'MD');
                 INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                   VALUES (409, 40, '11488-4', 'Consultation note', 3, 'signed', '2026-03-03T09:00:00',
                           '2026-03-03T10:00:00', 'Hematology consult: hemoglobin 8.9.');",
            )?;
            audit.record(Event::new(Action::Create, Subtype::Create, "fixture", 3));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture");
}

fn audit_count(app: &App, user: &str, entity: &str) -> String {
    scalar(
        app.store(),
        &format!(
            "SELECT count(*) FROM audit_log WHERE username = '{user}' AND entity_type = '{entity}'"
        ),
    )
}

#[test]
fn a_coders_day_in_the_tui_with_its_audit_rows() {
    let mut f = coding_fixture();
    long_summary_and_a_consultant(&f);
    let mut counts: Vec<(&str, (usize, usize))> = Vec::new();
    let mut k = Keys {
        app: &mut f.app,
        n: 0,
        typed: 0,
    };
    sign_in_as(k.app, "ccoder");

    // Claim the oldest encounter and read the whole discharge summary, to its last line.
    k.chr('w');
    k.press(KeyCode::Enter);
    assert_eq!(k.app.screen(), ScreenId::Coding, "{:?}", k.app.status());
    counts.push(("claim the next encounter (coder)", k.task()));
    // The documents by date: H&P, the consultation, the discharge summary.
    k.press(KeyCode::Tab);
    k.chr('j');
    k.chr('j');
    k.press(KeyCode::Enter);
    let top = screen(k.app, 80, 24);
    assert!(top.contains("DISCHARGE DIAGNOSES"), "{top}");
    assert!(!top.contains("END OF SUMMARY"), "long: {top}");
    k.press(KeyCode::End);
    let end = screen(k.app, 80, 24);
    assert!(
        end.contains("END OF SUMMARY"),
        "the last line is reached:\n{end}"
    );
    let pos = end
        .split("line ")
        .filter_map(|s| s.split_whitespace().next())
        .find_map(|t| t.split_once('/'))
        .map(|(a, b)| {
            (
                a.to_string(),
                b.trim_end_matches(|c: char| !c.is_ascii_digit())
                    .to_string(),
            )
        });
    let (at, of) = pos.expect("the reader shows its position");
    assert_eq!(at, of, "at the last line: {end}");
    snap("coder_day_summary_end", &end);
    counts.push(("read the discharge summary to its end", k.task()));
    assert_eq!(
        audit_count(k.app, "ccoder", "document"),
        "Integer(1)",
        "opening the summary is audited once"
    );

    // Code it: the neoplasm first (principal), then the anemia, each POA Y.
    k.press(KeyCode::Tab);
    k.chr('a');
    k.text("C50.911");
    k.press(KeyCode::Enter);
    k.chr('y');
    k.chr('a');
    k.text("D63.0");
    k.press(KeyCode::Enter);
    k.chr('y');
    counts.push(("code two diagnoses with POA", k.task()));
    assert_eq!(
        audit_count(k.app, "ccoder", "encounter_codes"),
        "Integer(4)",
        "one audited save per add and per POA"
    );

    // Query the consultant (not the attending) from the anemia template.
    k.chr('P');
    let form = screen(k.app, 80, 24);
    assert!(form.contains("Chase, Robert"), "{form}");
    let providers =
        chartdesk::coding::query_desk::encounter_providers(k.app.store().conn(), ENC).expect("p");
    let chase = providers.iter().position(|p| p.id == 3).expect("Chase");
    for _ in 0..chase {
        k.press(KeyCode::Down);
    }
    let templates = chartdesk::coding::query_desk::templates(k.app.store().conn()).expect("t");
    let anemia = templates
        .iter()
        .position(|t| t.code == "ANEMIA_TYPE")
        .expect("template");
    k.press(KeyCode::Tab);
    for _ in 0..anemia {
        k.press(KeyCode::Down);
    }
    k.text("Hgb 8.9 g/dL on day 2, transfused 1 unit");
    k.press(KeyCode::Enter);
    assert!(
        k.app
            .status()
            .is_some_and(|m| m.contains("sent to provider #3")),
        "{:?}",
        k.app.status()
    );
    counts.push(("query the consultant from a template", k.task()));
    assert_eq!(audit_count(k.app, "ccoder", "coding_query"), "Integer(1)");
    let qid: i64 = k
        .app
        .store()
        .conn()
        .query_row(
            "SELECT id FROM coding_queries WHERE encounter_id = 40 AND provider_id = 3",
            [],
            |r| r.get(0),
        )
        .expect("query");

    // Completing now is refused: the encounter is on hold for the query (COD-21).
    k.chr('!');
    k.chr('C');
    k.chr('y');
    assert!(
        k.app
            .status()
            .is_some_and(|m| m.contains("COD-21") && m.contains("on hold")),
        "{:?}",
        k.app.status()
    );
    assert_eq!(
        scalar(
            k.app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"on_hold_query\")"
    );
    k.task();

    // Another workstation records Dr Chase's answer; the workbench shows it at the next tick.
    let db = k.app.store().path().to_path_buf();
    let mut desk = other_at(&db);
    let mtech = chartdesk::accounts::login(&mut desk, "mtech", PASSWORD).expect("mtech");
    chartdesk::coding::query::answer(&mut desk, &mtech.actor(), qid, "1").expect("answer");
    k.app.tick();
    let after = screen(k.app, 80, 24);
    assert!(
        after.to_lowercase().contains("answered"),
        "the answer shows without a key:\n{after}"
    );
    snap("coder_day_answer_arrived", &after);

    // Complete: the edits rerun, warnings acknowledged, coded.
    k.chr('!');
    k.chr('C');
    k.chr('y');
    assert!(
        k.app.status().is_some_and(|m| m.starts_with("coded")),
        "{:?}",
        k.app.status()
    );
    counts.push(("complete coding (acknowledge, confirm)", k.task()));
    assert_eq!(
        scalar(
            k.app.store(),
            "SELECT coding_status FROM encounters WHERE id = 40"
        ),
        "Text(\"coded\")"
    );
    assert_eq!(
        scalar(
            k.app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'ccoder' AND entity_type = 'coding' AND action = 'U'"
        ),
        "Integer(1)",
        "the completion is one audited change"
    );

    // A late note: an addendum to the discharge summary arrives after coding, through the
    // HL7 feed (MDM^T02), imported by the library function the CLI's `import hl7` uses. The
    // importer flags the coded encounter for re-review, naming the document.
    let late = db.parent().expect("dir").join("late-note.hl7");
    std::fs::write(&late, late_note_mdm()).expect("write the late note");
    let feed = Actor::system("feed");
    let summary = chartdesk::import::import_hl7(&mut desk, &feed, &[late], &mut |_, _| {})
        .expect("import the late note");
    assert_eq!(summary.rejected(), 0, "{:?}", summary.files[0].result);
    let doc = scalar(
        k.app.store(),
        "SELECT id FROM documents WHERE encounter_id = 40 AND title = 'Discharge summary addendum' AND source = 'hl7'",
    );
    let doc = doc
        .trim_start_matches("Integer(")
        .trim_end_matches(')')
        .parse::<i64>()
        .expect("the late note is imported once");
    let flags =
        chartdesk::deficiency::rereview::open_flags(k.app.store().conn(), "coding").expect("flags");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!((flags[0].encounter_id, flags[0].document_id), (40, doc));
    assert_eq!(flags[0].document, "Discharge summary addendum");
    assert!(
        flags[0].reason.contains("arrived after coding"),
        "{}",
        flags[0].reason
    );
    // Audited in the import's transaction: the document's creation and the flag, by the feed.
    assert_eq!(
        scalar(
            k.app.store(),
            &format!(
                "SELECT count(*) FROM audit_log WHERE username = '{}' AND entity_type = 'document' AND entity_id = '{doc}' AND action = 'C'",
                feed.username
            )
        ),
        "Integer(1)"
    );
    assert_eq!(
        scalar(
            k.app.store(),
            &format!(
                "SELECT count(*) FROM audit_log WHERE username = '{}' AND entity_type = 'rereview_flag' AND entity_id = '40' AND action = 'C' AND detail LIKE '%\"desk\":\"coding\"%'",
                feed.username
            )
        ),
        "Integer(1)"
    );

    // The coder's queue shows it: the third list names the document; R clears it.
    while k.app.screen() != ScreenId::CodingQueue && k.app.screen() != ScreenId::Home {
        k.press(KeyCode::Esc);
    }
    if k.app.screen() == ScreenId::Home {
        k.chr('w');
    }
    k.task();
    let queue = screen(k.app, 80, 24);
    assert!(queue.contains("re-review 1"), "{queue}");
    k.chr('t');
    k.chr('t');
    let list = screen(k.app, 80, 24);
    assert!(
        list.contains("Discharge summary addendum") && list.contains("after coding"),
        "the document is named:\n{list}"
    );
    snap("coder_day_rereview_list", &list);
    // ctrl-e writes what is on screen: the flags, the document named (audited like any export).
    k.app
        .handle_key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL));
    let csv = exported_csv(k.app, "coding_rereview");
    assert!(
        csv.starts_with("Visit,MRN,Document,Document id,Why,Flagged")
            && csv.contains(&format!(
                "V0000040,MRN0000040,Discharge summary addendum,{doc},arrived after coding"
            )),
        "{csv}"
    );
    assert_eq!(
        csv.lines().count(),
        2,
        "one flag, not the queue's rows:\n{csv}"
    );
    let detail = scalar(
        k.app.store(),
        "SELECT detail FROM audit_log WHERE action = 'R' AND subtype = 'export' AND entity_type = 'list' AND entity_id = 'coding_rereview' AND username = 'ccoder'",
    );
    assert!(detail.contains("MRN0000040"), "{detail}");
    // Enter opens the encounter on the workbench (coded: it can be reviewed or reopened).
    k.press(KeyCode::Enter);
    assert_eq!(k.app.screen(), ScreenId::Coding, "{:?}", k.app.status());
    k.press(KeyCode::Esc);
    assert_eq!(k.app.screen(), ScreenId::CodingQueue);
    k.chr('R');
    k.chr('y');
    assert!(
        k.app.status().is_some_and(|m| m.contains("cleared")),
        "{:?}",
        k.app.status()
    );
    counts.push(("find the re-review, open it, clear it", k.task()));
    assert_eq!(
        scalar(
            k.app.store(),
            "SELECT cleared_by FROM rereview_flags WHERE encounter_id = 40 AND desk = 'coding'"
        ),
        "Text(\"ccoder\")"
    );
    assert_eq!(
        scalar(
            k.app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'ccoder' AND entity_type = 'rereview_flag' AND action = 'U'"
        ),
        "Integer(1)"
    );
    assert!(
        !screen(k.app, 80, 24).contains("Discharge summary addendum"),
        "the cleared flag leaves the list"
    );
    let total: usize = counts.iter().map(|(_, (n, _))| n).sum();
    println!("coder's day keystrokes (total {total}, plus text typed):");
    for (task, (n, typed)) in &counts {
        println!("  {n:>3} keys + {typed:>2} typed  {task}");
    }
}

#[test]
fn an_unanswered_query_shows_its_age_and_escalates_audited() {
    let mut f = coding_fixture();
    // Four days ago (escalation every 3 days, expiry at 7: COD-21), on another workstation.
    let mut desk = other_at(&f._dir.path().join("chartdesk.db"));
    let earlier = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 6, 14, 0, 0)
        .single()
        .expect("time");
    desk.set_clock(std::sync::Arc::new(move || earlier));
    let coder = chartdesk::accounts::login(&mut desk, "ccoder", PASSWORD).expect("login");
    let q = chartdesk::coding::query::send(
        &mut desk,
        &coder.actor(),
        HELD,
        "Please document the final diagnosis of this stay.",
        None,
    )
    .expect("query");
    let app = &mut f.app;
    sign_in_as(app, "ccoder");
    press(app, KeyCode::Char('a'));
    assert_eq!(app.screen(), ScreenId::Queries, "{:?}", app.status());
    let s = screen(app, 80, 24);
    assert!(s.contains("  4d"), "the age in days:\n{s}");
    assert!(s.contains("0→1!"), "due for escalation:\n{s}");
    assert!(s.contains("due for escalation level 1"), "{s}");
    snap("queries_escalation_due", &s);
    press(app, KeyCode::Char('E'));
    assert!(
        app.status()
            .is_some_and(|m| m.contains(&format!("escalated 1 query(ies): {} to level 1", q.id))),
        "{:?}",
        app.status()
    );
    let s = screen(app, 80, 24);
    assert!(s.contains("L1") && s.contains("provider reminder"), "{s}");
    assert_eq!(
        scalar(
            app.store(),
            &format!(
                "SELECT escalation_level FROM coding_queries WHERE id = {}",
                q.id
            )
        ),
        "Integer(1)"
    );
    let reason = scalar(
        app.store(),
        "SELECT reason FROM audit_log WHERE username = 'ccoder' AND entity_type = 'coding_query' AND action = 'U'",
    );
    assert!(reason.contains("escalated to level 1"), "{reason}");
    // Nothing more is due: E says so and writes nothing.
    press(app, KeyCode::Char('E'));
    assert_eq!(
        app.status(),
        Some("no query is due for escalation (COD-21)")
    );
    // Still one escalation row: the second E wrote nothing.
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'ccoder' AND entity_type = 'coding_query' AND action = 'U'"
        ),
        "Integer(1)"
    );
}

/// The late note as the HL7 feed sends it: MDM^T02 for visit V0000040 (patient matched by MRN,
/// birth date and sex; Dr House by NPI), a signed discharge summary addendum (TXA-17 AU).
fn late_note_mdm() -> String {
    let seg = |id: &str, fields: &[(usize, &str)]| {
        let n = fields.iter().map(|f| f.0).max().unwrap_or(0);
        let mut v = vec![String::new(); n + 1];
        v[0] = id.to_string();
        for (i, x) in fields {
            v[*i] = x.to_string();
        }
        v.join("|")
    };
    let house = "1234567893^House^Greg^^^^^^NPI";
    [
        "MSH|^~\\&|FEED|FAC|||20260310133000||MDM^T02|late-1|P|2.5".to_string(),
        "EVN|T02|20260310133000".to_string(),
        "PID|1||MRN0000040^^^FAC^MR||Rivera^Ana||19700304|F".to_string(),
        seg("PV1", &[(1, "1"), (2, "I"), (19, "V0000040")]),
        seg(
            "TXA",
            &[
                (1, "1"),
                (2, "DS^Discharge summary addendum"),
                (3, "TX"),
                (4, "20260309090000"),
                (9, house),
                (12, "ADD-40-1"),
                (17, "AU"),
                (22, &format!("{house}^^^^^^20260309093000")),
            ],
        ),
        "OBX|1|TX|||ADDENDUM: pathology shows HER2-positive disease.".to_string(),
    ]
    .join("\r")
        + "\r"
}

/// The file a `ctrl-e` just wrote (named in the status line), read back.
fn exported_csv(app: &App, list: &str) -> String {
    let status = app.status().unwrap_or_default().to_string();
    let path = status
        .split(" to ")
        .nth(1)
        .and_then(|p| p.strip_suffix(" (audited)"))
        .unwrap_or_else(|| panic!("no export in the status: {status}"));
    assert!(path.contains("exports") && path.contains(list), "{status}");
    std::fs::read_to_string(path).expect("the exported file")
}
