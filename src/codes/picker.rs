//! A code picker's state, free of any UI toolkit: the TUI maps its key events to
//! [`PickerInput`] and draws `query`, `hits` and `selected`.
//!
//! Invariants: `hits` is always `search(index, query, limit)` for the current query — or,
//! for a picker made [`CodePicker::ranked`] (the coding workbench), the coder's
//! [`super::prefs::ranked_search`] with the facility's synonyms and the coder's boost;
//! `selected < hits.len()` whenever `hits` is non-empty (0 otherwise); only `Enter` on a hit
//! chooses, and a header (non-billable) code is never chosen (COD-02) — Enter on one narrows
//! the query to it instead. In builder mode (ICD-10-PCS) the hits are the next axis's valid
//! characters after the query and Enter extends the query by one; only a full code is chosen.
//! Drilled down ([`PickerInput::Drill`] on a header) the hits are the header's billable codes
//! in code order and the query is kept; Escape, or editing the query, returns to the search
//! with the header highlighted again.

use std::sync::Arc;

use super::prefs::{Boost, ranked_search};
use super::search::{CodeHit, CodeIndex, search};
use super::synonyms::Synonyms;

/// Toolkit-neutral input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickerInput {
    Char(char),
    /// Replace the query (paste, or a test).
    SetQuery(String),
    Backspace,
    Clear,
    Up,
    Down,
    PageUp,
    PageDown,
    Enter,
    Escape,
    /// Switch between the word search and the ICD-10-PCS builder (axis by axis).
    Builder,
    /// List the billable codes under the highlighted header (a category) to choose one.
    Drill,
}

/// Most billable codes listed under one header (a category has far fewer).
pub const DRILL_LIMIT: usize = 1000;

/// What the surrounding screen should do after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PickerEffect {
    /// Redraw (the query, hits or selection may have changed).
    None,
    /// The user chose this billable code.
    Chosen(CodeHit),
    /// Enter on a header: the query now is that header's code; show why.
    NotBillable(CodeHit),
    Cancelled,
    /// Drilled down: the hits are the billable codes under this header.
    Drilled(CodeHit),
    /// The input was refused; why (shown as the status).
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodePicker {
    pub query: String,
    pub hits: Vec<CodeHit>,
    pub selected: usize,
    /// How many hits to keep (the visible list height is a good value).
    pub limit: usize,
    /// Rows moved by PageUp/PageDown.
    pub page: usize,
    /// The synonyms and the coder's boost of a ranked picker (None: the plain search).
    pub ranking: Option<(Arc<Synonyms>, Arc<Boost>)>,
    /// The ICD-10-PCS builder: the query is a code prefix and the hits are the valid
    /// characters of the next axis ([`CodeIndex::pcs_next`]); Enter on one extends the prefix.
    pub builder: bool,
    /// Drilled down from this header: `hits` are its billable codes (see the module doc).
    pub drilled: Option<CodeHit>,
}

impl CodePicker {
    pub fn new(limit: usize) -> CodePicker {
        CodePicker {
            query: String::new(),
            hits: Vec::new(),
            selected: 0,
            limit,
            page: 10,
            ranking: None,
            builder: false,
            drilled: None,
        }
    }

    /// A picker searching with the facility's synonyms and ranked by the coder's boost.
    pub fn ranked(limit: usize, synonyms: Arc<Synonyms>, boost: Arc<Boost>) -> CodePicker {
        CodePicker {
            ranking: Some((synonyms, boost)),
            ..CodePicker::new(limit)
        }
    }

    /// Replace the boost (a favourite toggled) and search again, keeping the selected code.
    pub fn set_boost(&mut self, index: &CodeIndex, boost: Arc<Boost>) {
        let Some((_, b)) = &mut self.ranking else {
            return;
        };
        *b = boost;
        if self.drilled.is_some() {
            return; // the children are in code order; the search is ranked on the way back
        }
        let keep = self.current().map(|h| (h.system, h.code.clone()));
        self.refresh(index);
        if let Some(i) = keep.and_then(|(sys, code)| {
            self.hits
                .iter()
                .position(|h| h.system == sys && h.code == code)
        }) {
            self.selected = i;
        }
    }

    /// The highlighted hit, if any.
    pub fn current(&self) -> Option<&CodeHit> {
        self.hits.get(self.selected)
    }

    pub fn update(&mut self, index: &CodeIndex, input: PickerInput) -> PickerEffect {
        if self.drilled.is_some() {
            match input {
                PickerInput::Escape => {
                    self.undrill(index);
                    return PickerEffect::None;
                }
                PickerInput::Drill => {
                    return PickerEffect::Refused(
                        "already showing the billable codes; esc returns to the search".into(),
                    );
                }
                PickerInput::Char(_)
                | PickerInput::SetQuery(_)
                | PickerInput::Backspace
                | PickerInput::Clear
                | PickerInput::Builder => self.undrill(index),
                _ => {}
            }
        }
        match input {
            PickerInput::Char(c) if !c.is_control() => {
                self.query.push(c);
                self.refresh(index);
            }
            PickerInput::Char(_) => {}
            PickerInput::SetQuery(q) => {
                self.query = q;
                self.refresh(index);
            }
            PickerInput::Backspace => {
                if self.query.pop().is_some() {
                    self.refresh(index);
                }
            }
            PickerInput::Clear => {
                self.query.clear();
                self.refresh(index);
            }
            PickerInput::Up => self.selected = self.selected.saturating_sub(1),
            PickerInput::Down => self.move_down(1),
            PickerInput::PageUp => self.selected = self.selected.saturating_sub(self.page),
            PickerInput::PageDown => self.move_down(self.page),
            PickerInput::Escape => return PickerEffect::Cancelled,
            PickerInput::Drill => return self.drill(index),
            PickerInput::Builder => {
                self.builder = !self.builder;
                if self.builder {
                    // Keep what was typed only when it already is a PCS code prefix.
                    let q: String = self.query.trim().to_ascii_uppercase();
                    self.query = if q.len() < 7 && q.bytes().all(|b| b.is_ascii_alphanumeric()) {
                        q
                    } else {
                        String::new()
                    };
                }
                self.refresh(index);
            }
            PickerInput::Enter => {
                let Some(hit) = self.current().cloned() else {
                    return PickerEffect::None;
                };
                if hit.billable {
                    return PickerEffect::Chosen(hit);
                }
                if self.builder {
                    self.query = hit.code.clone();
                    self.refresh(index);
                    return PickerEffect::None;
                }
                self.query = hit.dotted.clone();
                self.refresh(index);
                return PickerEffect::NotBillable(hit);
            }
        }
        PickerEffect::None
    }

    /// Drill down from the highlighted header to its billable codes.
    fn drill(&mut self, index: &CodeIndex) -> PickerEffect {
        if self.builder {
            return PickerEffect::Refused(
                "the builder already goes axis by axis; enter takes the next".into(),
            );
        }
        let Some(hit) = self.current().cloned() else {
            return PickerEffect::Refused("no code highlighted".into());
        };
        if hit.billable {
            return PickerEffect::Refused(format!(
                "{} is billable itself; enter adds it",
                hit.dotted
            ));
        }
        let children = index.billable_under(hit.system, &hit.code, DRILL_LIMIT);
        if children.is_empty() {
            return PickerEffect::Refused(format!("{} has no billable codes", hit.dotted));
        }
        self.hits = children;
        self.selected = 0;
        self.drilled = Some(hit.clone());
        PickerEffect::Drilled(hit)
    }

    /// Back from a drill-down to the search, the header highlighted again.
    fn undrill(&mut self, index: &CodeIndex) {
        let Some(header) = self.drilled.take() else {
            return;
        };
        self.refresh(index);
        if let Some(i) = self
            .hits
            .iter()
            .position(|h| h.system == header.system && h.code == header.code)
        {
            self.selected = i;
        }
    }

    fn move_down(&mut self, by: usize) {
        let last = self.hits.len().saturating_sub(1);
        self.selected = (self.selected + by).min(last);
    }

    fn refresh(&mut self, index: &CodeIndex) {
        if self.builder {
            self.hits = index.pcs_next(&self.query);
            self.selected = 0;
            return;
        }
        self.hits = match &self.ranking {
            Some((syn, boost)) => ranked_search(index, syn, boost, &self.query, self.limit),
            None => search(index, &self.query, self.limit),
        };
        self.selected = 0;
    }
}
