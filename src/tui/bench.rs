//! Keystroke-to-frame timings for `chartdesk bench --only tui` (issue #13): on each desk
//! screen of a generated database, the time from a key to the next frame drawn (the key's
//! update, the core reads it causes, and the draw), beside a bare frame (a draw with no key)
//! of the same screen in the same run; and a live refresh (another connection commits an
//! audited change, the tick notices `data_version`, the screen re-reads and draws).
//!
//! Invariants: the app is the real one (real keymap, guards, runtimes and audit rows) on an
//! off-screen 80x24 terminal; two bench users are added once (`bench-tui-tech`,
//! `bench-tui-coder`) and sign in through the login screen; nothing is timed while signing in
//! or moving between screens.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{App, TuiOptions};
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Role;
use crate::store::Store;

const PASSWORD: &str = "bench-tui-password-1";

/// One screen's timings, each sorted ascending.
#[derive(Clone, Debug)]
pub struct FrameTiming {
    pub screen: String,
    /// A draw with no key.
    pub bare: Vec<Duration>,
    /// A key (what it is named in `keys`), its effects, then the draw.
    pub keyed: Vec<Duration>,
    pub keys: &'static str,
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn type_in(app: &mut App, s: &str) {
    for c in s.chars() {
        app.handle_key(key(KeyCode::Char(c)));
    }
}

fn sign_in(db: &Path, user: &str) -> anyhow::Result<App> {
    let store = Store::open(db)?;
    let mut app = App::new(
        store,
        TuiOptions {
            demo_credentials: Vec::new(),
        },
    )?;
    type_in(&mut app, user);
    app.handle_key(key(KeyCode::Tab));
    type_in(&mut app, PASSWORD);
    app.handle_key(key(KeyCode::Enter));
    if app.screen() == super::ScreenId::Login {
        anyhow::bail!("bench user {user} could not sign in: {:?}", app.status());
    }
    Ok(app)
}

/// Time `runs` bare frames and `runs` keyed frames, the keys alternating (so a list moves
/// down and back up and stays on the same page).
fn measure(
    app: &mut App,
    t: &mut Terminal<TestBackend>,
    screen: &str,
    keys: &'static str,
    seq: &[KeyEvent],
    runs: usize,
) -> anyhow::Result<FrameTiming> {
    let mut bare = Vec::with_capacity(runs);
    let mut keyed = Vec::with_capacity(runs);
    app.draw(t)?;
    for i in 0..runs {
        let s = Instant::now();
        app.draw(t)?;
        bare.push(s.elapsed());
        let k = seq[i % seq.len()];
        let s = Instant::now();
        app.handle_key(k);
        app.draw(t)?;
        keyed.push(s.elapsed());
    }
    bare.sort();
    keyed.sort();
    Ok(FrameTiming {
        screen: format!("{screen} ({:?})", app.screen()),
        bare,
        keyed,
        keys,
    })
}

/// Another workstation commits one audited change; the app's tick notices it
/// (`PRAGMA data_version`, then the change marker), re-reads its screen and draws.
fn live_refresh(
    app: &mut App,
    t: &mut Terminal<TestBackend>,
    other: &mut Store,
    screen: &str,
    runs: usize,
) -> anyhow::Result<FrameTiming> {
    let mut bare = Vec::with_capacity(runs);
    let mut keyed = Vec::with_capacity(runs);
    let sys = Actor::system("bench-tui");
    for i in 0..runs {
        let s = Instant::now();
        app.draw(t)?;
        bare.push(s.elapsed());
        other.transact(&sys, |_tx, audit| {
            audit.record(
                Event::new(Action::Update, Subtype::Update, "bench", i as i64)
                    .reason("keystroke-to-frame bench: a change on another workstation"),
            );
            Ok::<_, crate::CoreError>(())
        })?;
        let s = Instant::now();
        app.tick();
        app.draw(t)?;
        keyed.push(s.elapsed());
    }
    bare.sort();
    keyed.sort();
    Ok(FrameTiming {
        screen: format!("{screen}: live refresh"),
        bare,
        keyed,
        keys: "(tick)",
    })
}

/// The desk screens' timings on the database at `db` (`runs` keys each).
pub fn keystroke_frames(db: &Path, runs: usize) -> anyhow::Result<Vec<FrameTiming>> {
    {
        let mut store = Store::open(db)?;
        let sys = Actor::system("bench-tui");
        for (user, name, role) in [
            ("bench-tui-tech", "Bench Technician", Role::Technician),
            ("bench-tui-coder", "Bench Coder", Role::Coder),
        ] {
            // Added once; a later run finds them.
            let _ = crate::accounts::add_user(&mut store, &sys, user, name, role, PASSWORD);
        }
    }
    let mut t = Terminal::new(TestBackend::new(80, 24))?;
    let down_up = [key(KeyCode::Down), key(KeyCode::Up)];
    let mut out = Vec::new();

    let mut app = sign_in(db, "bench-tui-tech")?;
    let mut other = Store::open(db)?;
    let refresh = [KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)];
    out.push(measure(&mut app, &mut t, "home", "ctrl-r", &refresh, runs)?);
    app.handle_key(key(KeyCode::Char('d')));
    out.push(measure(
        &mut app,
        &mut t,
        "deficiency queue",
        "↓ ↑",
        &down_up,
        runs,
    )?);
    out.push(live_refresh(
        &mut app,
        &mut t,
        &mut other,
        "deficiency queue",
        runs,
    )?);
    let pages = [key(KeyCode::Char('n')), key(KeyCode::Char('p'))];
    out.push(measure(
        &mut app,
        &mut t,
        "deficiency queue",
        "n p (pages)",
        &pages,
        runs,
    )?);
    app.handle_key(key(KeyCode::Char('t')));
    app.handle_key(key(KeyCode::Enter));
    out.push(measure(
        &mut app,
        &mut t,
        "work screen",
        "↓ ↑",
        &down_up,
        runs,
    )?);
    app.handle_key(key(KeyCode::Enter));
    let scroll = [key(KeyCode::End), key(KeyCode::Home)];
    out.push(measure(
        &mut app,
        &mut t,
        "work screen reader",
        "end home",
        &scroll,
        runs,
    )?);
    app.handle_key(key(KeyCode::Esc));
    out.push(live_refresh(
        &mut app,
        &mut t,
        &mut other,
        "work screen",
        runs,
    )?);
    app.handle_key(key(KeyCode::Esc));
    app.handle_key(key(KeyCode::Esc));
    app.handle_key(key(KeyCode::Char('r')));
    out.push(measure(&mut app, &mut t, "reports", "↓ ↑", &down_up, runs)?);

    let mut app = sign_in(db, "bench-tui-coder")?;
    app.handle_key(key(KeyCode::Char('w')));
    out.push(measure(
        &mut app,
        &mut t,
        "coding queue",
        "↓ ↑",
        &down_up,
        runs,
    )?);
    out.push(live_refresh(
        &mut app,
        &mut t,
        &mut other,
        "coding queue",
        runs,
    )?);
    app.handle_key(key(KeyCode::Enter));
    app.handle_key(key(KeyCode::Tab));
    out.push(measure(
        &mut app,
        &mut t,
        "coding workbench",
        "↓ ↑",
        &down_up,
        runs,
    )?);
    app.handle_key(key(KeyCode::Esc));
    app.handle_key(key(KeyCode::Char('a')));
    out.push(measure(&mut app, &mut t, "queries", "↓ ↑", &down_up, runs)?);
    Ok(out)
}
