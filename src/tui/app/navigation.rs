//! Moving between screens: the Back stack, opening a chart or an encounter, claiming one,
//! going home, and resetting on sign-out.

use chrono::{DateTime, Utc};

use crate::accounts::Session;
use crate::chart;
use crate::tui::chart_view::ChartState;
use crate::tui::home::HomeState;
use crate::tui::login::LoginState;
use crate::tui::search::SearchState;
use crate::tui::{Effect, ScreenId};

use super::App;

impl App {
    /// Show screen `id`, remembering the one shown for Back. Going to a screen already on
    /// the stack returns to it (no cycles); Home and Login start a new stack.
    pub(in crate::tui) fn enter(&mut self, id: ScreenId) {
        if id == self.screen {
            return;
        }
        if matches!(id, ScreenId::Home | ScreenId::Login) {
            self.stack.clear();
        } else if let Some(at) = self.stack.iter().position(|s| *s == id) {
            self.stack.truncate(at);
        } else {
            self.stack.push(self.screen);
        }
        self.screen = id;
    }

    /// Back: the screen under this one as it was left (a queue, and the dashboard, re-read
    /// what they show); Home when
    /// nothing is under it or its state is gone.
    pub(super) fn back(&mut self, now: DateTime<Utc>) {
        while let Some(prev) = self.stack.pop() {
            if prev == ScreenId::Home || self.screen_ref(prev).is_some() {
                // Enter without pushing the screen left; a queue re-reads its page.
                self.screen = prev;
                if matches!(
                    prev,
                    ScreenId::Home
                        | ScreenId::Deficiencies
                        | ScreenId::CodingQueue
                        | ScreenId::RoiQueue
                        | ScreenId::Supervisor
                ) {
                    self.perform(Effect::Goto(prev), now);
                }
                return;
            }
        }
        self.go_home(now);
    }

    /// Open a patient's chart (audited) at the encounter with id `encounter`, or with visit
    /// number `visit` (what was searched), else at the latest.
    pub(super) fn open_chart_at(
        &mut self,
        patient_id: i64,
        encounter: Option<i64>,
        visit: Option<&str>,
    ) {
        let Some(s) = &self.session else { return };
        match chart::open_chart(&mut self.store, &s.actor(), patient_id) {
            Ok(c) => {
                let flags = self.chart_flags(&c.patient.mrn);
                let mut st = ChartState::new(c);
                st.flags = flags;
                let at = st.encounters.iter().position(|e| {
                    Some(e.id) == encounter
                        || visit.is_some_and(|v| e.visit.eq_ignore_ascii_case(v.trim()))
                });
                if let Some(i) = at {
                    st.enc = i;
                }
                self.chart = Some(st);
                self.enter(ScreenId::Chart);
            }
            Err(e) => self.fail(e),
        }
    }

    /// The chart of an encounter, at that encounter.
    pub(super) fn open_encounter(&mut self, encounter_id: i64) {
        match crate::deficiency::screens_read::patient_of_encounter(self.store.conn(), encounter_id)
        {
            Ok(p) => self.open_chart_at(p, Some(encounter_id), None),
            Err(e) => self.fail(e),
        }
    }

    /// Claim from the chart viewer: a technician works the chart's deficiencies, a coder
    /// codes it (the core checks the role and the claim again).
    pub(super) fn claim_encounter(&mut self, encounter_id: i64, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let role = s.role;
        let effect = if role.can(crate::domain::Perm::AnalyzeDeficiencies) {
            let mrn = self
                .chart
                .as_ref()
                .map(|c| c.patient.clone())
                .unwrap_or_default();
            Effect::Deficiency(crate::tui::DefAction::OpenWork {
                encounter_id,
                mrn,
                attending_id: None,
            })
        } else {
            Effect::Coding(crate::tui::CodingAction::Open { encounter_id })
        };
        self.perform(effect, now);
    }

    /// Home, with the role's queue counts read fresh (counts carry no PHI; not audited).
    pub(super) fn go_home(&mut self, now: DateTime<Utc>) {
        let Some(s) = &self.session else { return };
        let today = crate::clock::FacilityClock::at(self.store.conn(), now)
            .map(|c| c.today())
            .unwrap_or_else(|_| crate::clock::facility_date(now))
            .format("%Y-%m-%d")
            .to_string();
        let counts =
            chart::queue_counts(self.store.conn(), s.role, &today).map_err(|e| e.to_string());
        self.home = Some(HomeState::new(s, counts));
        self.enter(ScreenId::Home);
    }

    /// Benchmark probe only (`chartdesk first-screen`): show a role's home screen as it would
    /// look after login, without a password check and without writing anything. The session
    /// is dropped with the `App`; no audit row claims a login that did not happen.
    pub(crate) fn preview_home(&mut self, session: Session) {
        self.session = Some(session);
        let now = self.store.now();
        self.go_home(now);
    }

    /// Back to an empty login screen; nothing of the last session is kept.
    pub(super) fn reset(&mut self) {
        self.session = None;
        self.enter(ScreenId::Login);
        self.login = LoginState::new(&self.facility, &self.opts.demo_credentials);
        self.home = None;
        self.search = SearchState::default();
        self.chart = None;
        self.defq = None;
        self.work = None;
        self.reports = None;
        self.code_lookup = None;
        self.provider_view = None;
        self.roiq = None;
        self.roi_req = None;
        self.accounting = None;
        self.book = None;
        self.codingq = None;
        self.coding = None;
        self.queries = None;
        self.admin = None;
        self.mpi = None;
        self.dashboard = None;
        self.bg = Default::default();
        self.worklist = None;
        self.locked = None;
        self.overlay = None;
    }
}
