//! The requester address book (ROI desk): the requesters seen before, their type, fee class,
//! delivery and how they were verified before (ROI-07). `n` adds one; Enter edits the one
//! selected. An edit carries the version the entry was read at; a stale save is refused with
//! who changed what and when, and the form keeps the draft
//! ([`crate::store::version`]). Text from the database is sanitised when it enters the state.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

use crate::roi::RequesterType;
use crate::roi::addressbook::{FEE_CLASSES, Requester, RequesterEntry, default_fee_class};
use crate::roi::request::Delivery;
use crate::text::sanitize_line;
use crate::tui::roi::forms::{FieldForm, FormKey, Kind, field};
use crate::tui::roi::intake::REQUESTER_WORDS;
use crate::tui::{CommandId, Ctx, Effect, Msg, RoiAction};

const DELIVERY_WORDS: &[&str] = &["electronic", "paper", "portal"];

fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookState {
    pub rows: Vec<Requester>,
    pub selected: usize,
    /// The open form: `Some((id, version read at))` edits that entry, `None` adds one.
    pub form: Option<(Option<(i64, i64)>, FieldForm)>,
}

impl BookState {
    pub fn new(rows: Vec<Requester>) -> BookState {
        let rows = rows
            .into_iter()
            .map(|r| Requester {
                name: clean(&r.name),
                address: clean(&r.address),
                fee_class: clean(&r.fee_class),
                verification: clean(&r.verification),
                ..r
            })
            .collect();
        BookState {
            rows,
            selected: 0,
            form: None,
        }
    }
}

/// The entry form, loaded from `r` (or empty for a new entry).
pub fn entry_form(r: Option<&Requester>) -> FieldForm {
    let f = field;
    let t = r.map_or(RequesterType::Auth3p, |r| r.requester_type);
    FieldForm::new(
        match r {
            Some(r) => format!("Address book: {}", r.name),
            None => "Address book: new requester".to_string(),
        },
        vec![
            f(
                "name",
                "Name",
                Kind::Text,
                r.map(|r| r.name.clone()).unwrap_or_default(),
            ),
            f(
                "address",
                "Address",
                Kind::Text,
                r.map(|r| r.address.clone()).unwrap_or_default(),
            ),
            f(
                "type",
                "Requester type (4.2)",
                Kind::Choice(REQUESTER_WORDS),
                t.as_str().to_string(),
            ),
            f(
                "fee_class",
                "Fee class (ROI-04)",
                Kind::Choice(FEE_CLASSES),
                r.map_or(default_fee_class(t).to_string(), |r| r.fee_class.clone()),
            ),
            f(
                "delivery",
                "Delivery",
                Kind::Choice(DELIVERY_WORDS),
                r.map_or("electronic", |r| r.delivery.as_str()).to_string(),
            ),
            f(
                "verification",
                "Verified before (ROI-07)",
                Kind::Text,
                r.map(|r| r.verification.clone()).unwrap_or_default(),
            ),
        ],
    )
}

/// The entry on the form, or the field that is wrong.
pub fn entry_from(f: &FieldForm) -> Result<RequesterEntry, String> {
    Ok(RequesterEntry {
        name: f.opt("name").ok_or("name: the requester must be named")?,
        address: f.get("address").trim().to_string(),
        requester_type: RequesterType::parse(f.get("type")).ok_or("type: pick a requester type")?,
        fee_class: f.get("fee_class").to_string(),
        delivery: Delivery::parse(f.get("delivery")).unwrap_or(Delivery::Electronic),
        verification: f.get("verification").trim().to_string(),
    })
}

pub fn update(s: &mut BookState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some((target, f)), Msg::Key(k)) = (&mut s.form, &msg) {
        match f.key(k) {
            FormKey::Pending | FormKey::Lookup { .. } => {}
            FormKey::Close => s.form = None,
            FormKey::Save => match entry_from(f) {
                Ok(entry) => {
                    return Effect::Roi(RoiAction::SaveRequester {
                        target: *target,
                        entry: Box::new(entry),
                    });
                }
                Err(e) => f.error = Some(e),
            },
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::AddRequester) => s.form = Some((None, entry_form(None))),
        Msg::Command(C::EditRequester) => {
            if let Some(r) = s.rows.get(s.selected) {
                s.form = Some((Some((r.id, r.version)), entry_form(Some(r))));
            }
        }
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

impl Widget for &BookState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered().title(format!(
            " Requester address book · {} entries · picked by typing at intake ",
            self.rows.len()
        ));
        if self.rows.is_empty() {
            Paragraph::new("No requesters yet (n adds one; intake can add one too).")
                .block(block)
                .render(area, buf);
        } else {
            let rows = self.rows.iter().enumerate().map(|(i, r)| {
                let row = Row::new(vec![
                    r.name.clone(),
                    r.requester_type.as_str().to_string(),
                    r.fee_class.clone(),
                    r.verification.clone(),
                ]);
                if i == self.selected {
                    row.style(Style::default().add_modifier(Modifier::REVERSED))
                } else {
                    row
                }
            });
            Table::new(
                rows,
                [
                    Constraint::Length(24),
                    Constraint::Length(13),
                    Constraint::Length(14),
                    Constraint::Fill(1),
                ],
            )
            .header(Row::new(vec!["Name", "Type", "Fee class", "Verified before"]).bold())
            .block(block)
            .render(area, buf);
        }
        if let Some((_, f)) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loaded_entry_saves_the_same_entry() {
        let r = Requester {
            id: 3,
            name: "County Health".into(),
            address: "2 Main St".into(),
            requester_type: RequesterType::PublicHealth,
            fee_class: "NO_FEE".into(),
            delivery: Delivery::Portal,
            verification: "agency letterhead".into(),
            active: true,
            version: 4,
        };
        let e = entry_from(&entry_form(Some(&r))).expect("entry");
        assert_eq!(
            e,
            RequesterEntry {
                name: r.name.clone(),
                address: r.address.clone(),
                requester_type: r.requester_type,
                fee_class: r.fee_class.clone(),
                delivery: r.delivery,
                verification: r.verification.clone(),
            }
        );
        assert!(
            entry_from(&entry_form(None))
                .unwrap_err()
                .starts_with("name:")
        );
    }

    #[test]
    fn esc_goes_back_to_the_screen_under_the_book() {
        let mut s = BookState::new(Vec::new());
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::Back), &Ctx::default()),
            Effect::Back
        );
    }
}
