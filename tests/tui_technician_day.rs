//! A technician's day at 80x24 beyond the basic queue: another user's change shows on the
//! open queue within a tick (live refresh), the queue filter takes a provider by name and a
//! service by its start in any case, a deficiency is read in full (`e`), a chart opens from
//! the provider view and from the letter and is claimed from the chart viewer, and the
//! confirm dialog shows its whole question. Snapshots at 80x24
//! (`INSTA_UPDATE=always cargo test --test tui_technician_day`).

mod tui_deficiency_fixture;

use chartdesk::accounts;
use chartdesk::deficiency::lifecycle::DefStatus;
use chartdesk::deficiency::{ops, queue};
use chartdesk::tui::{App, ScreenId};
use crossterm::event::KeyCode;
use tui_deficiency_fixture::*;

fn screen80(app: &mut App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("t");
    app.draw(&mut t).expect("draw");
    t.backend().to_string()
}

fn snap(name: &str, app: &mut App) {
    let screen = screen80(app);
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_suffix("80x24");
    s.bind(|| insta::assert_snapshot!(name, screen));
}

#[test]
fn another_users_change_shows_on_the_open_queue_at_the_next_tick() {
    let mut f = def_fixture();
    let mut other = f.other_workstation();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    let before = screen80(app);
    assert!(before.contains("V2026001"), "{before}");
    // tech2 resolves every deficiency of V2026001 on another workstation.
    let t = accounts::login(&mut other, "tech2", PASSWORD).expect("tech2");
    for d in queue::encounter_deficiencies(other.conn(), ENC).expect("rows") {
        let why = "signed on paper, scanned";
        let _ = ops::transition(
            &mut other,
            &t.actor(),
            d.id,
            DefStatus::Completed,
            why,
            None,
        );
    }
    app.tick();
    let after = screen80(app);
    assert!(
        !after.contains("V2026001"),
        "the completed chart leaves the list:\n{after}"
    );
    // Views by another user change nothing shown, so they do not make this desk re-read.
    let reads = |app: &App| {
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'queue'",
        )
    };
    let n = reads(app);
    let _ = queue::encounter_deficiencies(other.conn(), ENC);
    let _ = chartdesk::chart::search_patients(&mut other, &t.actor(), "doe");
    app.tick();
    assert_eq!(
        reads(app),
        n,
        "a view elsewhere does not re-read (and re-audit) the queue"
    );
    // The refresh key re-reads now.
    app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('r'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    assert_ne!(reads(app), n);
}

#[test]
fn the_filter_takes_names_in_any_case_and_starts_empty() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Char('f'));
    press(app, KeyCode::Tab);
    type_text(app, "CARD #wil");
    press(app, KeyCode::Enter);
    let shown = screen80(app);
    assert!(
        shown.contains("service Cardiology") && shown.contains("provider #2"),
        "{shown}"
    );
    // Reopened, the form starts empty; an unknown name is refused on the form, naming it.
    press(app, KeyCode::Char('f'));
    snap("queue_filter_reopened", app);
    press(app, KeyCode::Tab);
    type_text(app, "#zzz");
    press(app, KeyCode::Enter);
    assert!(screen80(app).contains("no provider starts with \"zzz\""));
}

#[test]
fn a_deficiency_in_full_the_letter_to_the_chart_and_a_claim_from_the_chart() {
    let mut f = def_fixture();
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('d'));
    press(app, KeyCode::Char('t'));
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char('e'));
    let shown = screen80(app);
    assert!(
        shown.contains("in full") && shown.contains("Rule:"),
        "{shown}"
    );
    snap("work_deficiency_in_full", app);
    press(app, KeyCode::Esc);
    // Marking analysed asks first; the whole question shows at 80 columns.
    press(app, KeyCode::Char('m'));
    snap("work_confirm", app);
    press(app, KeyCode::Char('n'));
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Deficiencies);

    // The letter: l, pick Wilson, Enter opens the chart of the first visit on screen.
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('r'));
    press(app, KeyCode::Char('l'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    snap("provider_letter", app);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
    let chart = screen80(app);
    assert!(
        chart.contains("Visit V2026001") || chart.contains("Visit V2026002"),
        "{chart}"
    );
    // Back returns to the letter; the provider view's Enter opens the chart at the row's visit.
    press(app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Reports);
    press(app, KeyCode::Char('v'));
    type_text(app, "wilson");
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Provider, "{:?}", app.status());
    snap("provider_view", app);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen(), ScreenId::Chart, "{:?}", app.status());
    // c claims the encounter shown and opens the technician's work screen.
    press(app, KeyCode::Char('c'));
    assert_eq!(app.screen(), ScreenId::Work, "{:?}", app.status());
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM work_claims w JOIN users u ON u.id = w.user_id WHERE u.username = 'tech1'"
        ),
        "Integer(1)"
    );
}

/// Keys pressed, counted per task (the README's keystroke counts come from here); characters
/// typed into fields are counted apart.
struct Keys<'a> {
    f: &'a mut DefFixture,
    n: usize,
    typed: usize,
    counts: Vec<(&'static str, usize, usize)>,
}

impl Keys<'_> {
    fn press(&mut self, code: KeyCode) {
        self.n += 1;
        press(&mut self.f.app, code);
    }
    fn chr(&mut self, c: char) {
        self.press(KeyCode::Char(c));
    }
    fn text(&mut self, t: &str) {
        type_text(&mut self.f.app, t);
        self.typed += t.chars().count();
    }
    fn task(&mut self, name: &'static str) {
        let (n, t) = (std::mem::take(&mut self.n), std::mem::take(&mut self.typed));
        self.counts.push((name, n, t));
    }
}

/// The H&P (199, Dr House) is long and names Dr Wilson as supervising physician (COSIGN);
/// analysis runs again the way the product does.
fn a_long_hp_that_needs_a_cosignature(f: &DefFixture) {
    use chartdesk::audit::{Action, Actor, Event, Subtype};
    let mut other = f.other_workstation();
    let sys = Actor::system("test");
    let mut body = String::from("HISTORY OF PRESENT ILLNESS: chest pain at rest.\n");
    for i in 1..=50 {
        body += &format!("Review of systems item {i}: negative, as documented by the patient.\n");
    }
    body += "ASSESSMENT AND PLAN: admit to telemetry, serial troponins. END OF NOTE.";
    other
        .transact(&sys, |tx, audit| {
            tx.execute(
                "UPDATE documents SET cosigner_id = 2, body = ?1 WHERE id = 199",
                [&body],
            )?;
            audit.record(Event::new(Action::Update, Subtype::Update, "document", 199));
            Ok::<_, chartdesk::CoreError>(())
        })
        .expect("fixture");
    let since = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    ops::analyze_batch(&mut other, &sys, ops::AnalyzeScope::Since(since)).expect("analysis");
}

fn count(app: &App, sql: &str) -> String {
    scalar(app.store(), sql)
}

#[test]
fn a_technicians_day_in_the_tui_with_its_audit_rows() {
    let mut f = def_fixture();
    a_long_hp_that_needs_a_cosignature(&f);
    let mut k = Keys {
        f: &mut f,
        n: 0,
        typed: 0,
        counts: Vec::new(),
    };
    sign_in_as(&mut k.f.app, "tech1");

    // Claim the oldest incomplete chart.
    k.chr('d');
    k.chr('t');
    k.press(KeyCode::Enter);
    assert_eq!(k.f.app.screen(), ScreenId::Work, "{:?}", k.f.app.status());
    k.task("claim the oldest incomplete chart");
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'work_claim'"
        ),
        "Integer(1)",
        "the claim is audited"
    );

    // Read the H&P to its last line.
    k.press(KeyCode::Enter);
    let top = screen80(&mut k.f.app);
    assert!(!top.contains("END OF NOTE"), "{top}");
    k.press(KeyCode::End);
    let end = screen80(&mut k.f.app);
    assert!(end.contains("END OF NOTE"), "{end}");
    assert!(
        end.contains("end ┘") && end.contains("line "),
        "the position is shown:\n{end}"
    );
    snap("tech_day_hp_end", &mut k.f.app);
    k.task("read a note to its last line");
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'document' AND action = 'R'"
        ),
        "Integer(1)"
    );

    // Add a deficiency on the H&P (type and provider from the selection).
    k.press(KeyCode::Esc);
    let work = screen80(&mut k.f.app);
    k.chr('a');
    k.press(KeyCode::Enter);
    assert!(
        k.f.app.status().is_some_and(|s| s.contains("added")),
        "{:?}\n{work}",
        k.f.app.status()
    );
    k.task("add a deficiency");

    // Sign the unsigned progress note (200), then cosign the H&P (199).
    k.chr('j');
    k.chr('s');
    k.chr('y');
    assert_eq!(
        count(&k.f.app, "SELECT status FROM documents WHERE id = 200"),
        "Text(\"signed\")",
        "{:?}",
        k.f.app.status()
    );
    k.task("record a signature");
    k.chr('k');
    k.chr('S');
    k.chr('y');
    assert_eq!(
        count(&k.f.app, "SELECT status FROM documents WHERE id = 199"),
        "Text(\"cosigned\")",
        "{:?}",
        k.f.app.status()
    );
    k.task("record a cosignature");

    // Complete what is left (the added item and the missing summary) in the deficiency pane.
    k.press(KeyCode::Tab);
    let mut guard = 0;
    while count(
        &k.f.app,
        "SELECT count(*) FROM deficiencies WHERE encounter_id = 10 AND status NOT IN ('completed','waived','void')",
    ) != "Integer(0)"
    {
        guard += 1;
        if guard >= 6 {
            let shown = screen80(&mut k.f.app);
            panic!("{:?}\n{shown}", k.f.app.status());
        }
        // The first open item is selected after each change.
        k.chr('c');
        k.chr('y');
    }
    let done = k.f.app.status().unwrap_or_default().to_string();
    assert!(
        done.contains("complete") || done.contains("next"),
        "completing the chart says so: {done}"
    );
    k.task("resolve the remaining deficiencies (each)");
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM deficiencies d WHERE d.encounter_id = 10 AND d.status = 'completed'
               AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.username = 'tech1'
                 AND ((a.entity_type = 'deficiency' AND a.entity_id = CAST(d.id AS TEXT))
                   OR (a.entity_type = 'document' AND a.action = 'U' AND a.entity_id = CAST(d.document_id AS TEXT))))"
        ),
        "Integer(0)",
        "every deficiency resolved has tech1's audit row (its own, or the signature's)"
    );
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'document' AND action = 'U'"
        ),
        "Integer(2)",
        "the signature and the cosignature"
    );
    assert_ne!(
        count(
            &k.f.app,
            "SELECT count(*) FROM deficiencies WHERE encounter_id = 10 AND status = 'completed'"
        ),
        "Integer(0)"
    );
    // The next chart is open (or the queue, when none is left).
    let next = screen80(&mut k.f.app);
    assert!(
        !next.contains("V2026001 ·") || k.f.app.screen() != ScreenId::Work,
        "moved on:\n{next}"
    );
    while k.f.app.screen() != ScreenId::Home {
        k.press(KeyCode::Esc);
    }
    k.task("back home");

    // Dr Wilson signed everything at the signing station: bulk complete, counted first.
    // (A late note of his on the other chart owes a signature.)
    {
        use chartdesk::audit::{Action, Actor, Event, Subtype};
        let mut other = f_other(&k.f.app);
        other
            .transact(&Actor::system("feed"), |tx, audit| {
                tx.execute_batch(
                    "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, status, service_at, signed_at, body)
                       VALUES (202, 12, '11506-3', 'Progress note day 2', 2, 'incomplete', '2026-11-19T09:00:00', NULL, 'Afebrile.');",
                )?;
                audit.record(Event::new(Action::Create, Subtype::Create, "document", 202));
                Ok::<_, chartdesk::CoreError>(())
            })
            .expect("note");
        let since = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        ops::analyze_batch(
            &mut other,
            &Actor::system("t"),
            ops::AnalyzeScope::Since(since),
        )
        .expect("analysis");
    }
    let owed = count(
        &k.f.app,
        "SELECT count(*) FROM deficiencies WHERE provider_id = 2 AND kind IN ('UNSIGNED','COSIGN','ORD_UNSIGNED') AND status NOT IN ('completed','waived','void')",
    );
    assert_ne!(owed, "Integer(0)");
    k.chr('r');
    k.chr('v');
    k.text("wilson");
    k.press(KeyCode::Enter);
    assert_eq!(
        k.f.app.screen(),
        ScreenId::Provider,
        "{:?}",
        k.f.app.status()
    );
    k.chr('B');
    let prompt = screen80(&mut k.f.app);
    assert!(prompt.contains("Complete all"), "{prompt}");
    k.chr('y');
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM deficiencies WHERE provider_id = 2 AND kind IN ('UNSIGNED','COSIGN','ORD_UNSIGNED') AND status NOT IN ('completed','waived','void')",
        ),
        "Integer(0)",
        "{:?}",
        k.f.app.status()
    );
    k.task("bulk-complete one physician's signatures");

    // The letter batch: ten days on, Dr Wilson's missing summary has reached a level.
    k.f.advance(chrono::Duration::days(10));
    k.press(KeyCode::Esc);
    assert_eq!(
        k.f.app.screen(),
        ScreenId::Reports,
        "{:?}",
        k.f.app.status()
    );
    k.chr('E');
    let letters = screen80(&mut k.f.app);
    assert!(letters.contains("Level"), "{letters}");
    snap("tech_day_letters", &mut k.f.app);
    k.chr('W');
    let wrote = k.f.app.status().unwrap_or_default().to_string();
    assert!(wrote.contains("wrote") && wrote.contains(".pdf"), "{wrote}");
    k.task("letter batch: show, then write text and PDF");
    let dir =
        k.f.app
            .store()
            .path()
            .parent()
            .expect("dir")
            .join("exports");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("exports")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let txt = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .expect("text file");
    let pdf = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .expect("pdf file");
    let text = std::fs::read_to_string(txt).expect("read");
    assert!(
        text.contains("Wilson") && text.contains("MRN00077"),
        "{text}"
    );
    assert!(std::fs::read(pdf).expect("pdf").starts_with(b"%PDF"));
    let detail = count(
        &k.f.app,
        "SELECT detail FROM audit_log WHERE username = 'tech1' AND entity_type = 'report' AND subtype = 'export'",
    );
    assert!(
        detail.contains("MRN00077") && detail.contains(".pdf"),
        "the export names its MRNs and files: {detail}"
    );

    // Re-review: a consultant's report arrives on the analysed chart through the HL7 feed
    // (MDM^T02, imported by the library function the CLI's `import hl7` uses); the importer
    // flags the encounter for the technician, and the queue's third list names the document.
    let feed = chartdesk::audit::Actor::system("feed");
    let late_doc = {
        let mut other = f_other(&k.f.app);
        let late = other.path().parent().expect("dir").join("late-consult.hl7");
        std::fs::write(&late, late_consult_mdm()).expect("write the late report");
        let summary = chartdesk::import::import_hl7(&mut other, &feed, &[late], &mut |_, _| {})
            .expect("import the late report");
        assert_eq!(summary.rejected(), 0, "{:?}", summary.files[0].result);
        count(
            &k.f.app,
            "SELECT id FROM documents WHERE encounter_id = 12 AND title = 'Late cardiology consult' AND source = 'hl7'",
        )
        .trim_start_matches("Integer(")
        .trim_end_matches(')')
        .parse::<i64>()
        .expect("the late report is imported once")
    };
    let flags = chartdesk::deficiency::rereview::open_flags(k.f.app.store().conn(), "analysis")
        .expect("flags");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(
        (flags[0].encounter_id, flags[0].document_id),
        (12, late_doc)
    );
    assert!(
        flags[0].reason.contains("arrived after analysis"),
        "{}",
        flags[0].reason
    );
    // Audited in the import's transaction: the document's creation and the flag, by the feed.
    for entity in ["document", "rereview_flag"] {
        let id = if entity == "document" { late_doc } else { 12 };
        assert_eq!(
            count(
                &k.f.app,
                &format!(
                    "SELECT count(*) FROM audit_log WHERE username = '{}' AND entity_type = '{entity}' AND entity_id = '{id}' AND action = 'C'",
                    feed.username
                )
            ),
            "Integer(1)",
            "{entity}"
        );
    }
    while k.f.app.screen() != ScreenId::Home {
        k.press(KeyCode::Esc);
    }
    k.chr('d');
    let inc = screen80(&mut k.f.app);
    assert!(
        inc.contains("Re-review 1"),
        "the tab counts the flags:\n{inc}"
    );
    // The queue keeps its tab across visits: t cycles awaiting → incomplete → re-review.
    for _ in 0..3 {
        if screen80(&mut k.f.app).contains("Re-review after analysis") {
            break;
        }
        k.chr('t');
    }
    let list = screen80(&mut k.f.app);
    assert!(
        list.contains("Late cardiology consult") && list.contains("after analysis"),
        "{list}"
    );
    snap("tech_day_rereview_list", &mut k.f.app);
    // ctrl-e writes what is on screen: the flags, the document named (audited like any export).
    k.f.app.handle_key(crossterm::event::KeyEvent::new(
        KeyCode::Char('e'),
        crossterm::event::KeyModifiers::CONTROL,
    ));
    let status = k.f.app.status().unwrap_or_default().to_string();
    let path = status
        .strip_prefix("exported 1 row(s) to ")
        .and_then(|p| p.strip_suffix(" (audited)"))
        .unwrap_or_else(|| panic!("one flag exported: {status}"));
    assert!(path.contains("deficiency_rereview"), "{status}");
    let csv = std::fs::read_to_string(path).expect("the exported file");
    assert!(
        csv.starts_with("Visit,MRN,Document,Document id,Why,Flagged")
            && csv.contains(&format!(
                "V2026002,MRN00077,Late cardiology consult,{late_doc},arrived after analysis"
            )),
        "{csv}"
    );
    let detail = count(
        &k.f.app,
        "SELECT detail FROM audit_log WHERE action = 'R' AND subtype = 'export' AND entity_type = 'list' AND entity_id = 'deficiency_rereview' AND username = 'tech1'",
    );
    assert!(detail.contains("MRN00077"), "{detail}");
    k.chr('R');
    k.chr('y');
    assert!(
        k.f.app.status().is_some_and(|m| m.contains("cleared")),
        "{:?}",
        k.f.app.status()
    );
    k.task("find a re-review flag and clear it");
    assert_eq!(
        count(
            &k.f.app,
            &format!(
                "SELECT cleared_by FROM rereview_flags WHERE document_id = {late_doc} AND desk = 'analysis'"
            )
        ),
        "Text(\"tech1\")"
    );
    assert_eq!(
        count(
            &k.f.app,
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'rereview_flag'"
        ),
        "Integer(1)"
    );
    let total: usize = k.counts.iter().map(|c| c.1).sum();
    println!("technician's day keystrokes (total {total}, plus text typed):");
    for (task, n, t) in &k.counts {
        println!("  {n:>3} keys + {t:>2} typed  {task}");
    }
}

/// The late report as the HL7 feed sends it: MDM^T02 for visit V2026002 (patient matched by
/// MRN, birth date and sex), a signed cardiology consult (TXA-2 CN, TXA-17 AU) by a
/// consultant the feed introduces.
fn late_consult_mdm() -> String {
    let seg = |id: &str, fields: &[(usize, &str)]| {
        let n = fields.iter().map(|f| f.0).max().unwrap_or(0);
        let mut v = vec![String::new(); n + 1];
        v[0] = id.to_string();
        for (i, x) in fields {
            v[*i] = x.to_string();
        }
        v.join("|")
    };
    [
        "MSH|^~\\&|FEED|FAC|||20261121090000||MDM^T02|late-1|P|2.5".to_string(),
        "EVN|T02|20261121090000".to_string(),
        "PID|1||MRN00077^^^FAC^MR||Roe^Richard||19710708|M".to_string(),
        seg("PV1", &[(1, "1"), (2, "I"), (19, "V2026002")]),
        seg(
            "TXA",
            &[
                (1, "1"),
                (2, "CN^Late cardiology consult"),
                (3, "TX"),
                (4, "20261119150000"),
                (9, "55^Chase^Robert"),
                (12, "CONS-12-1"),
                (17, "AU"),
                (22, "55^Chase^Robert^^^^^^^^^^^^20261119160000"),
            ],
        ),
        "OBX|1|TX|||Echo normal.".to_string(),
    ]
    .join("\r")
        + "\r"
}

/// Another workstation on the app's database (same fixed clock).
fn f_other(app: &App) -> chartdesk::store::Store {
    let mut s = chartdesk::store::Store::open(app.store().path()).expect("store");
    s.set_clock(std::sync::Arc::new(t0));
    s
}

/// The desk lists with long content at 80x24: the suspension list (ten days on, Dr House's
/// and Dr Wilson's oldest items are past the suspension level) and the data-quality list.
#[test]
fn the_suspension_and_data_quality_lists_at_80x24() {
    let mut f = def_fixture();
    f.advance(chrono::Duration::days(10));
    let app = &mut f.app;
    sign_in_as(app, "tech1");
    press(app, KeyCode::Char('r'));
    press(app, KeyCode::Char('U'));
    let s = screen80(app);
    assert!(s.contains("Suspension list") && s.contains("House"), "{s}");
    snap("suspension_list", app);
    press(app, KeyCode::Char('Q'));
    let s = screen80(app);
    assert!(s.contains("Data-quality list"), "{s}");
    snap("data_quality_list", app);
    assert_eq!(
        scalar(
            app.store(),
            "SELECT count(*) FROM audit_log WHERE username = 'tech1' AND entity_type = 'report'"
        ),
        "Integer(2)",
        "each list is one audited report read"
    );
}
