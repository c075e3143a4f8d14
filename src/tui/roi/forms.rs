//! A list-of-fields form for the ROI desk (the authorization form, intake, every lifecycle
//! step that needs a reason or a date). Pure: keys in, [`FormKey`] out; the owner turns the
//! values into a core call, and the runtime answers a [`FormKey::Lookup`] with
//! [`FieldForm::set_hits`].
//!
//! Keys: up/down (or Tab) pick a field; Enter edits a text or date field (Enter again accepts
//! and moves to the next field, Esc cancels the edit), toggles a yes/no field or steps a
//! choice (space too), or opens a picker; `w` saves; Esc closes, and asks first when the
//! form has unsaved changes. Dates are checked when an edit is accepted; a bad one keeps the
//! edit open and names the field.
//!
//! Pickers ([`Kind::Pick`]): typing narrows the list; up/down choose; Enter takes the chosen
//! entry (a patient search runs on Enter, the address book as you type); the document-type
//! picker takes several (space marks one, Enter takes the marked). Esc leaves the picker.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

pub use crate::tui::chrome::wrap;
use crate::tui::chrome::{centered, clip, edit_field};

/// Where a picker's entries come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Patients, by the audited patient search (MRN, visit number or name), run on Enter.
    Patient,
    /// The requester address book, by name as you type (reference data, not PHI).
    Requester,
    /// Document types by name (several may be taken).
    DocTypes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    /// Comma-separated words.
    List,
    Bool,
    /// Unset / yes / no.
    Tri,
    /// One of these words (Enter or space steps to the next).
    Choice(&'static [&'static str]),
    /// Picked from a list (see the module doc).
    Pick(Source),
    /// Shown, not edited.
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: String,
    pub kind: Kind,
    /// Text, date (`YYYY-MM-DD`), list or choice value; `"yes"`/`"no"`/`""` for Bool and Tri.
    pub value: String,
}

pub fn field(key: &'static str, label: &str, kind: Kind, value: String) -> Field {
    Field {
        key,
        label: label.to_string(),
        kind,
        value,
    }
}

pub fn yn(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// One entry of a picker: the value it puts in its field, how it is listed, and the other
/// fields it fills (an address-book entry fills address, type, delivery, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub fill: Vec<(&'static str, String)>,
}

/// An open picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picking {
    pub field: usize,
    pub source: Source,
    pub query: String,
    pub hits: Vec<Choice>,
    pub selected: usize,
    /// The query the hits answer (a patient search runs only on Enter).
    pub searched: Option<String>,
    /// Marked values (document types).
    pub marked: Vec<String>,
}

/// What a key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormKey {
    Pending,
    Close,
    Save,
    /// Find entries for the open picker; answer with [`FieldForm::set_hits`].
    Lookup {
        source: Source,
        query: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldForm {
    pub title: String,
    pub fields: Vec<Field>,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    pub error: Option<String>,
    pub picking: Option<Picking>,
    /// Lines shown under the fields (a fee estimate, who verifies).
    pub notes: Vec<String>,
    /// The values as opened, to know whether Esc would discard anything.
    initial: Vec<String>,
    /// Esc on unsaved changes: waiting for `y` to discard.
    pub confirm_discard: bool,
}

/// The document types a request may name, by name (DOMAIN §8 LOINC types, and psychotherapy
/// notes, which need their own authorization, 164.508(a)(2)).
pub fn doc_type_choices() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&'static str, &'static str)> = crate::domain::DOC_TYPES.to_vec();
    v.push((
        "PSYCHOTHERAPY_NOTES",
        "Psychotherapy notes (separate authorization)",
    ));
    v
}

/// Codes shown by name: `34117-2, 18842-5` → `History and physical, Discharge summary`.
pub fn doc_type_names(codes: &str) -> String {
    let all = doc_type_choices();
    codes
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            all.iter()
                .find(|(k, _)| *k == c)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| c.to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl FieldForm {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> FieldForm {
        let initial = fields.iter().map(|f| f.value.clone()).collect();
        FieldForm {
            title: title.into(),
            fields,
            selected: 0,
            editing: None,
            error: None,
            picking: None,
            notes: Vec::new(),
            initial,
            confirm_discard: false,
        }
    }

    /// The form differs from what was loaded (or a field is being typed into).
    pub fn dirty(&self) -> bool {
        self.editing.is_some()
            || self
                .fields
                .iter()
                .zip(&self.initial)
                .any(|(f, v)| f.value != *v)
    }

    pub fn get(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
            .unwrap_or("")
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.value = value.into();
        }
    }

    pub fn opt(&self, key: &str) -> Option<String> {
        let v = self.get(key).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.get(key).trim(), "%Y-%m-%d").ok()
    }

    pub fn yes(&self, key: &str) -> bool {
        self.get(key) == "yes"
    }

    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Select the field named `key`.
    pub fn focus(&mut self, key: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.key == key) {
            self.selected = i;
        }
    }

    /// The runtime's answer to a [`FormKey::Lookup`]; ignored when the picker moved on.
    pub fn set_hits(&mut self, source: Source, query: &str, hits: Vec<Choice>) {
        if let Some(p) = &mut self.picking
            && p.source == source
            && p.query == query
        {
            p.hits = hits;
            p.selected = 0;
            p.searched = Some(query.to_string());
        }
    }

    fn toggle(&mut self) {
        let Some(f) = self.fields.get_mut(self.selected) else {
            return;
        };
        f.value = match (f.kind, f.value.as_str()) {
            (Kind::Bool, "yes") => "no".into(),
            (Kind::Bool, _) => "yes".into(),
            (Kind::Tri, "") => "yes".into(),
            (Kind::Tri, "yes") => "no".into(),
            (Kind::Tri, _) => String::new(),
            (Kind::Choice(words), v) => {
                let next = words
                    .iter()
                    .position(|w| *w == v)
                    .map_or(0, |i| (i + 1) % words.len());
                words.get(next).map(|w| w.to_string()).unwrap_or_default()
            }
            (_, v) => v.to_string(),
        };
    }

    fn doc_type_hits(query: &str) -> Vec<Choice> {
        let q = query.trim().to_lowercase();
        doc_type_choices()
            .into_iter()
            .filter(|(c, n)| q.is_empty() || n.to_lowercase().contains(&q) || c.contains(&q))
            .map(|(c, n)| Choice {
                value: c.to_string(),
                label: format!("{n} ({c})"),
                fill: Vec::new(),
            })
            .collect()
    }

    fn open_picker(&mut self, source: Source) -> FormKey {
        let value = self
            .fields
            .get(self.selected)
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let mut p = Picking {
            field: self.selected,
            source,
            query: String::new(),
            hits: Vec::new(),
            selected: 0,
            searched: None,
            marked: Vec::new(),
        };
        match source {
            Source::DocTypes => {
                p.marked = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                p.hits = Self::doc_type_hits("");
                p.searched = Some(String::new());
                self.picking = Some(p);
                FormKey::Pending
            }
            Source::Requester => {
                p.query = value.clone();
                self.picking = Some(p);
                FormKey::Lookup {
                    source,
                    query: value,
                }
            }
            Source::Patient => {
                self.picking = Some(p);
                FormKey::Pending
            }
        }
    }

    /// Take the picked entry (or the typed requester name, or the marked document types).
    fn take_pick(&mut self) {
        let Some(p) = self.picking.take() else { return };
        let chosen = p.hits.get(p.selected).cloned();
        match p.source {
            Source::DocTypes => {
                let mut marked = p.marked;
                if marked.is_empty()
                    && let Some(c) = chosen
                {
                    marked.push(c.value);
                }
                if let Some(f) = self.fields.get_mut(p.field) {
                    f.value = marked.join(", ");
                }
            }
            Source::Requester | Source::Patient => match chosen {
                Some(c) => {
                    if let Some(f) = self.fields.get_mut(p.field) {
                        f.value = c.value;
                    }
                    for (k, v) in c.fill {
                        self.set(k, v);
                    }
                }
                // A requester not in the book yet: the typed name is the name.
                None if p.source == Source::Requester => {
                    if let Some(f) = self.fields.get_mut(p.field) {
                        f.value = p.query.trim().to_string();
                    }
                }
                None => {}
            },
        }
        self.selected = self.next_field(p.field);
    }

    /// The next field after `i` that can be edited (skips [`Kind::Info`]); `i` at the end.
    fn next_field(&self, i: usize) -> usize {
        self.fields
            .iter()
            .enumerate()
            .skip(i + 1)
            .find(|(_, f)| f.kind != Kind::Info)
            .map_or(i, |(j, _)| j)
    }

    fn picker_key(&mut self, k: &KeyEvent) -> FormKey {
        let Some(p) = &mut self.picking else {
            return FormKey::Pending;
        };
        let last = p.hits.len().saturating_sub(1);
        match k.code {
            KeyCode::Esc => self.picking = None,
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => p.selected = (p.selected + 1).min(last),
            KeyCode::Char(' ') if p.source == Source::DocTypes => {
                if let Some(c) = p.hits.get(p.selected) {
                    match p.marked.iter().position(|m| *m == c.value) {
                        Some(i) => {
                            p.marked.remove(i);
                        }
                        None => p.marked.push(c.value.clone()),
                    }
                }
            }
            KeyCode::Enter => {
                let fresh = p.searched.as_deref() == Some(p.query.as_str());
                if p.source == Source::Patient && !fresh {
                    if p.query.trim().is_empty() {
                        self.error = Some("type an MRN, a visit number or a name".into());
                        return FormKey::Pending;
                    }
                    return FormKey::Lookup {
                        source: Source::Patient,
                        query: p.query.clone(),
                    };
                }
                if p.source == Source::Patient && p.hits.is_empty() {
                    self.error = Some(format!("no patient matches {:?}", p.query));
                    return FormKey::Pending;
                }
                self.take_pick();
            }
            _ => {
                if edit_field(&mut p.query, k) {
                    match p.source {
                        Source::DocTypes => {
                            p.hits = Self::doc_type_hits(&p.query);
                            p.selected = 0;
                            p.searched = Some(p.query.clone());
                        }
                        Source::Requester => {
                            return FormKey::Lookup {
                                source: Source::Requester,
                                query: p.query.clone(),
                            };
                        }
                        Source::Patient => {}
                    }
                }
            }
        }
        FormKey::Pending
    }

    pub fn key(&mut self, k: &KeyEvent) -> FormKey {
        self.error = None;
        if self.confirm_discard {
            self.confirm_discard = false;
            return match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => FormKey::Close,
                _ => FormKey::Pending,
            };
        }
        if self.picking.is_some() {
            return self.picker_key(k);
        }
        let last = self.fields.len().saturating_sub(1);
        if let Some(buf) = &mut self.editing {
            match k.code {
                KeyCode::Enter => {
                    let value = buf.trim().to_string();
                    let Some(f) = self.fields.get_mut(self.selected) else {
                        return FormKey::Pending;
                    };
                    if f.kind == Kind::Date
                        && !value.is_empty()
                        && NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err()
                    {
                        self.error =
                            Some(format!("{}: {value:?} is not a date (YYYY-MM-DD)", f.key));
                        return FormKey::Pending;
                    }
                    f.value = value;
                    self.editing = None;
                    self.selected = self.next_field(self.selected);
                }
                KeyCode::Esc => self.editing = None,
                _ => {
                    edit_field(buf, k);
                }
            }
            return FormKey::Pending;
        }
        match k.code {
            KeyCode::Up | KeyCode::BackTab | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1)
            }
            // Tab moves to the next field, as the footer says for every form.
            KeyCode::Down | KeyCode::Tab | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(last)
            }
            KeyCode::Home => self.selected = 0,
            KeyCode::End => self.selected = last,
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::Char(' ') => self.toggle(),
            KeyCode::Enter => match self.fields.get(self.selected).map(|f| f.kind) {
                Some(Kind::Bool | Kind::Tri | Kind::Choice(_)) => self.toggle(),
                Some(Kind::Pick(source)) => return self.open_picker(source),
                Some(Kind::Info) | None => {}
                Some(_) => self.editing = self.fields.get(self.selected).map(|f| f.value.clone()),
            },
            KeyCode::Char('w') => return FormKey::Save,
            KeyCode::Esc if self.dirty() => {
                self.confirm_discard = true;
            }
            KeyCode::Esc => return FormKey::Close,
            _ => {}
        }
        FormKey::Pending
    }

    fn value_shown(&self, i: usize, f: &Field) -> String {
        match (&self.editing, i == self.selected) {
            (Some(b), true) => format!("{b}_"),
            _ => match f.kind {
                Kind::Bool => if f.value == "yes" { "[x]" } else { "[ ]" }.into(),
                Kind::Tri if f.value.is_empty() => "(not reviewed)".into(),
                Kind::Pick(Source::DocTypes) if f.value.is_empty() => "(all)".into(),
                Kind::Pick(Source::DocTypes) => doc_type_names(&f.value),
                Kind::Pick(_) if f.value.is_empty() => "(Enter to find)".into(),
                _ => f.value.clone(),
            },
        }
    }
}

impl Widget for &FieldForm {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // The bottom of the box: the discard question, the error (wrapped, at most three
        // lines, so a refusal is read whole at 80 columns) or the keys.
        let bottom_text = if self.confirm_discard {
            "Discard your unsaved changes? y = discard · any other key = keep editing".to_string()
        } else {
            self.error.clone().unwrap_or_default()
        };
        let inner_w = area.width.min(96).saturating_sub(2) as usize;
        let mut bottom = wrap(&bottom_text, inner_w.max(1));
        bottom.truncate(3);
        let extra = bottom.len().saturating_sub(1) as u16;
        let want = self.fields.len() as u16 + self.notes.len() as u16 + 3 + extra;
        let r = centered(area, 96, want.min(area.height.saturating_sub(2)).max(8));
        Clear.render(r, buf);
        let keys = if self.picking.is_some() {
            "type to find · ↑↓ · Enter take · Esc back"
        } else {
            "↑↓ field · Enter edit/pick · space tick · w save · Esc close"
        };
        let block = Block::bordered().title(format!(" {} ", self.title));
        let inner = block.inner(r);
        block.render(r, buf);
        let w = inner.width as usize;
        let rows = inner.height.saturating_sub(bottom.len() as u16) as usize;
        let mut lines: Vec<Line> = Vec::new();
        if let Some(p) = &self.picking {
            let label = self
                .fields
                .get(p.field)
                .map(|f| f.label.as_str())
                .unwrap_or("");
            lines.push(Line::from(clip(&format!("{label}: {}_", p.query), w)).bold());
            let shown = rows.saturating_sub(1);
            let first = p.selected.saturating_sub(shown.saturating_sub(1));
            for (i, c) in p.hits.iter().enumerate().skip(first).take(shown) {
                let mark = if p.source == Source::DocTypes {
                    if p.marked.contains(&c.value) {
                        "[x] "
                    } else {
                        "[ ] "
                    }
                } else {
                    ""
                };
                let line = Line::from(clip(&format!("{mark}{}", c.label), w));
                lines.push(if i == p.selected {
                    line.style(Style::default().add_modifier(Modifier::REVERSED))
                } else {
                    line
                });
            }
            if p.hits.is_empty() {
                lines.push(Line::from(clip(
                    match (p.source, &p.searched) {
                        (Source::Patient, None) => "type a name or MRN, then Enter to search",
                        (Source::Requester, _) => {
                            "not in the address book: Enter keeps the name typed"
                        }
                        _ => "nothing matches",
                    },
                    w,
                )));
            }
        } else {
            let rows = rows.saturating_sub(self.notes.len());
            let first = self
                .selected
                .saturating_sub(rows.saturating_sub(1) / 2)
                .min(self.fields.len().saturating_sub(rows));
            let label_w = self
                .fields
                .iter()
                .map(|f| f.label.chars().count())
                .max()
                .unwrap_or(0)
                .min(w / 2);
            for (i, f) in self.fields.iter().enumerate().skip(first).take(rows) {
                let line = Line::from(clip(
                    &format!(
                        "{:<label_w$} {}",
                        clip(&f.label, label_w),
                        self.value_shown(i, f)
                    ),
                    w,
                ));
                lines.push(if i == self.selected {
                    line.style(Style::default().add_modifier(Modifier::REVERSED))
                } else {
                    line
                });
            }
            for n in &self.notes {
                lines.push(Line::from(clip(n, w)));
            }
        }
        let last: Vec<Line> = if self.confirm_discard || self.error.is_some() {
            bottom
                .iter()
                .map(|l| Line::from(l.clone()).bold())
                .collect()
        } else {
            vec![Line::from(clip(keys, w)).italic()]
        };
        let n = last.len() as u16;
        let body = Rect {
            height: inner.height.saturating_sub(n),
            ..inner
        };
        Paragraph::new(lines).render(body, buf);
        Paragraph::new(last).render(
            Rect {
                y: inner.y + inner.height.saturating_sub(n),
                height: inner.height.min(n),
                ..inner
            },
            buf,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn form() -> FieldForm {
        FieldForm::new(
            "T",
            vec![
                field("a", "A", Kind::Text, String::new()),
                field(
                    "types",
                    "Types",
                    Kind::Pick(Source::DocTypes),
                    String::new(),
                ),
                field("b", "B", Kind::Bool, yn(false)),
            ],
        )
    }

    #[test]
    fn esc_on_unsaved_changes_asks_before_discarding() {
        let mut f = form();
        assert_eq!(f.key(&key(KeyCode::Esc)), FormKey::Close);
        f.key(&key(KeyCode::Enter));
        f.key(&key(KeyCode::Char('x')));
        f.key(&key(KeyCode::Enter));
        assert!(f.dirty());
        assert_eq!(f.key(&key(KeyCode::Esc)), FormKey::Pending);
        assert!(f.confirm_discard);
        // Any other key keeps the draft.
        assert_eq!(f.key(&key(KeyCode::Char('n'))), FormKey::Pending);
        assert_eq!(f.get("a"), "x");
        f.key(&key(KeyCode::Esc));
        assert_eq!(f.key(&key(KeyCode::Char('y'))), FormKey::Close);
    }

    #[test]
    fn a_long_refusal_wraps_instead_of_being_cut() {
        let lines = wrap(
            "REQ-000001 changed after you read it: sam changed authorization",
            30,
        );
        assert_eq!(
            lines,
            vec![
                "REQ-000001 changed after you",
                "read it: sam changed",
                "authorization"
            ]
        );
    }

    #[test]
    fn an_accepted_edit_moves_to_the_next_field() {
        let mut f = form();
        f.key(&key(KeyCode::Enter));
        f.key(&key(KeyCode::Char('x')));
        f.key(&key(KeyCode::Enter));
        assert_eq!(f.selected, 1);
    }

    #[test]
    fn document_types_are_picked_by_name() {
        let mut f = form();
        f.selected = 1;
        assert_eq!(f.key(&key(KeyCode::Enter)), FormKey::Pending);
        for c in "disch".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Char(' ')));
        for _ in 0..5 {
            f.key(&key(KeyCode::Backspace));
        }
        for c in "hist".chars() {
            f.key(&key(KeyCode::Char(c)));
        }
        f.key(&key(KeyCode::Char(' ')));
        f.key(&key(KeyCode::Enter));
        assert_eq!(f.get("types"), "18842-5, 34117-2");
        assert_eq!(
            doc_type_names(f.get("types")),
            "Discharge summary, History and physical"
        );
        assert_eq!(f.selected, 2);
    }

    #[test]
    fn a_requester_is_looked_up_as_typed_and_fills_its_fields() {
        let mut f = FieldForm::new(
            "T",
            vec![
                field(
                    "name",
                    "Requester",
                    Kind::Pick(Source::Requester),
                    String::new(),
                ),
                field("address", "Address", Kind::Text, String::new()),
            ],
        );
        assert_eq!(
            f.key(&key(KeyCode::Enter)),
            FormKey::Lookup {
                source: Source::Requester,
                query: String::new()
            }
        );
        assert_eq!(
            f.key(&key(KeyCode::Char('s'))),
            FormKey::Lookup {
                source: Source::Requester,
                query: "s".into()
            }
        );
        // A stale answer (for "") is ignored; the answer for "s" is taken.
        f.set_hits(Source::Requester, "", vec![]);
        f.set_hits(
            Source::Requester,
            "s",
            vec![Choice {
                value: "Smith LLP".into(),
                label: "Smith LLP · AUTH_3P".into(),
                fill: vec![("address", "1 Court St".into())],
            }],
        );
        f.key(&key(KeyCode::Enter));
        assert_eq!(f.get("name"), "Smith LLP");
        assert_eq!(f.get("address"), "1 Court St");
    }
}
