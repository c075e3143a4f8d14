//! The screen registry: the state of each open screen, by [`ScreenId`].

use crate::tui::ScreenId;
use crate::tui::screen::Screen;

use super::App;

impl App {
    /// The registry: the state of a screen, if it is open.
    pub(in crate::tui) fn screen_ref(&self, id: ScreenId) -> Option<&dyn Screen> {
        fn dyn_of<S: Screen>(s: &Option<S>) -> Option<&dyn Screen> {
            s.as_ref().map(|s| s as &dyn Screen)
        }
        match id {
            ScreenId::Login => Some(&self.login),
            ScreenId::Lock => match &self.locked {
                Some(l) => Some(l),
                None => Some(&self.login),
            },
            ScreenId::Home => dyn_of(&self.home),
            ScreenId::Search => Some(&self.search),
            ScreenId::Chart => dyn_of(&self.chart),
            ScreenId::Deficiencies => dyn_of(&self.defq),
            ScreenId::Work => dyn_of(&self.work),
            ScreenId::Reports => dyn_of(&self.reports),
            ScreenId::Supervisor => dyn_of(&self.dashboard),
            ScreenId::Provider => dyn_of(&self.provider_view),
            ScreenId::Codes => dyn_of(&self.code_lookup),
            ScreenId::RoiQueue => dyn_of(&self.roiq),
            ScreenId::RoiRequest => dyn_of(&self.roi_req),
            ScreenId::Accounting => dyn_of(&self.accounting),
            ScreenId::AddressBook => dyn_of(&self.book),
            ScreenId::Amendments => dyn_of(&self.amendments),
            ScreenId::Letters => dyn_of(&self.letters),
            ScreenId::Restrictions | ScreenId::RequestFiles | ScreenId::Batches => {
                dyn_of(&self.rights)
            }
            ScreenId::CodingQueue => dyn_of(&self.codingq),
            ScreenId::Coding => dyn_of(&self.coding),
            ScreenId::Queries => dyn_of(&self.queries),
            ScreenId::Admin => dyn_of(&self.admin),
            ScreenId::Mpi => dyn_of(&self.mpi),
            ScreenId::Worklist => dyn_of(&self.worklist),
        }
    }

    /// The registry, for an update (see [`App::screen_ref`]).
    pub(in crate::tui) fn screen_mut(&mut self, id: ScreenId) -> Option<&mut dyn Screen> {
        fn dyn_of<S: Screen>(s: &mut Option<S>) -> Option<&mut dyn Screen> {
            s.as_mut().map(|s| s as &mut dyn Screen)
        }
        match id {
            ScreenId::Login => Some(&mut self.login),
            ScreenId::Lock => match &mut self.locked {
                Some(l) => Some(l),
                None => Some(&mut self.login),
            },
            ScreenId::Home => dyn_of(&mut self.home),
            ScreenId::Search => Some(&mut self.search),
            ScreenId::Chart => dyn_of(&mut self.chart),
            ScreenId::Deficiencies => dyn_of(&mut self.defq),
            ScreenId::Work => dyn_of(&mut self.work),
            ScreenId::Reports => dyn_of(&mut self.reports),
            ScreenId::Supervisor => dyn_of(&mut self.dashboard),
            ScreenId::Provider => dyn_of(&mut self.provider_view),
            ScreenId::Codes => dyn_of(&mut self.code_lookup),
            ScreenId::RoiQueue => dyn_of(&mut self.roiq),
            ScreenId::RoiRequest => dyn_of(&mut self.roi_req),
            ScreenId::Accounting => dyn_of(&mut self.accounting),
            ScreenId::AddressBook => dyn_of(&mut self.book),
            ScreenId::Amendments => dyn_of(&mut self.amendments),
            ScreenId::Letters => dyn_of(&mut self.letters),
            ScreenId::Restrictions | ScreenId::RequestFiles | ScreenId::Batches => {
                dyn_of(&mut self.rights)
            }
            ScreenId::CodingQueue => dyn_of(&mut self.codingq),
            ScreenId::Coding => dyn_of(&mut self.coding),
            ScreenId::Queries => dyn_of(&mut self.queries),
            ScreenId::Admin => dyn_of(&mut self.admin),
            ScreenId::Mpi => dyn_of(&mut self.mpi),
            ScreenId::Worklist => dyn_of(&mut self.worklist),
        }
    }
}
