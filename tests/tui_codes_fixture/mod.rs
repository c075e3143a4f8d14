//! A chartdesk database with (or without) the embedded FY2026 code sets and one technician,
//! shared by the code lookup's TUI tests. Keys go through `tui_fixture`'s helpers.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use chartdesk::accounts;
use chartdesk::audit::Actor;
use chartdesk::domain::Role;
use chartdesk::store::Store;
use chartdesk::tui::{App, TuiOptions};
use chrono::{TimeZone, Utc};

use crate::tui_fixture::{PASSWORD, USER};

pub struct CodesFixture {
    pub _dir: tempfile::TempDir,
    pub app: App,
}

/// A fresh database at a fixed clock with the technician `mtech`; the embedded code sets are
/// loaded when `with_codes` (≈1 s in a debug build).
pub fn codes_fixture(with_codes: bool) -> CodesFixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open_or_create(&dir.path().join("chartdesk.db")).expect("store");
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 25, 14, 0, 0)
        .single()
        .expect("time");
    store.set_clock(Arc::new(move || t0));
    let sys = Actor::system("t");
    accounts::add_user(
        &mut store,
        &sys,
        USER,
        "Maria Tech",
        Role::Technician,
        PASSWORD,
    )
    .expect("user");
    if with_codes {
        chartdesk::codes::load_embedded(&mut store, &sys).expect("code sets");
    }
    let app = App::new(
        store,
        TuiOptions {
            demo_credentials: Vec::new(),
        },
    )
    .expect("app");
    CodesFixture { _dir: dir, app }
}
