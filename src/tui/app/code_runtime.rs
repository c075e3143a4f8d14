//! The code lookup's effects. Code sets are reference data, not PHI: nothing here is audited
//! and nothing is written. The search index is built once per `App`, on the first visit.

use chrono::{DateTime, Utc};

use super::App;
use crate::codes::{CodeIndex, PickerInput, format_detail, show};
use crate::tui::codes::lookup::{self as code_lookup, CodeLookupState};
use crate::tui::{Msg, ScreenId};

impl App {
    /// Show the code lookup, building the index first if it is not built yet. With no code
    /// sets loaded the screen says how to load them; a failed build shows its message too.
    pub(super) fn open_code_lookup(&mut self) {
        if self.codes.is_none() {
            match CodeIndex::build(self.store.conn(), None) {
                Ok(ix) if !ix.is_empty() => self.codes = Some(ix),
                Ok(_) => {}
                Err(e) => self.fail(e),
            }
        }
        let year = self.codes.as_ref().map(CodeIndex::fiscal_year);
        // A lookup opened before the code sets were loaded starts again with them.
        if self
            .code_lookup
            .as_ref()
            .is_none_or(|l| l.fiscal_year != year)
        {
            self.code_lookup = Some(CodeLookupState::new(year));
        }
        self.enter(ScreenId::Codes);
    }

    /// Run a picker input on the kept index and perform what the screen asks next.
    pub(super) fn perform_picker(&mut self, input: PickerInput, now: DateTime<Utc>) {
        let ctx = self.ctx(now);
        let (Some(ix), Some(l)) = (&self.codes, &mut self.code_lookup) else {
            return;
        };
        let e = code_lookup::apply(l, ix, input, &ctx);
        self.perform(e, now);
    }

    /// Read a code's detail (newest loaded fiscal year, CM before PCS) into the detail pane.
    pub(super) fn show_code(&mut self, code: &str, now: DateTime<Utc>) {
        let ctx = self.ctx(now);
        match show(self.store.conn(), code) {
            Ok(Some(d)) => {
                if let Some(l) = &mut self.code_lookup {
                    let msg = Msg::CodeDetail {
                        code: d.dotted.clone(),
                        text: format_detail(&d),
                    };
                    let e = code_lookup::update(l, msg, &ctx);
                    self.perform(e, now);
                }
            }
            Ok(None) => self.fail(format!("code {code} is not in the loaded code sets")),
            Err(e) => self.fail(e),
        }
    }
}
