//! One user's worklist (issue #15: "each user has a worklist"; a supervisor "moves work
//! between people"): everything the user holds — charts, encounters to code and requests
//! assigned to them, live claims, open queries they asked — with totals. Every user opens
//! their own (`M` on Home); a supervisor opens anyone's (`w` on the Admin Staff tab) and from
//! here reassigns the selected assignment to another user of a suitable role (picked from a
//! list), takes it back, or releases a claim. Each is one permission-checked, audited core
//! call ([`crate::privacy::work`]); reading the list is audited too. Text from the database
//! is sanitised when it enters the state.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Clear, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::privacy::work::{Held, WorkKind, Worklist};
use crate::text::sanitize_line;
use crate::tui::chrome::{centered, clip};
use crate::tui::commands::Disabled;
use crate::tui::{CommandId, Ctx, Effect, Msg};

/// The worklist calls the screen may ask for; each is one audited, permission-checked core
/// call, and the worklist of `user` is read again after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WlAction {
    /// Read `user`'s worklist (audited) and show it.
    Open { user: String },
    /// Assign the item to `to` instead (supervisor).
    Reassign {
        user: String,
        kind: WorkKind,
        target: String,
        to: String,
    },
    /// Take the assignment back (supervisor).
    TakeBack {
        user: String,
        kind: WorkKind,
        target: String,
    },
    /// Release the claim (supervisor).
    Release {
        user: String,
        entity_type: String,
        entity_id: i64,
    },
}

/// A worklist as read, with the users each kind of work may be reassigned to.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub list: Worklist,
    /// `(kind, [(username, role)])`: enabled users whose role may do that work (DOMAIN §1).
    pub eligible: Vec<(WorkKind, Vec<(String, String)>)>,
}

/// The facts of the selected row the command guards read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WlFacts {
    /// The selected row is an assignment (it may be reassigned or taken back).
    pub assigned: bool,
    /// The selected row is a claim (it may be released).
    pub claim: bool,
}

pub fn wl_assigned(c: &Ctx) -> Result<(), Disabled> {
    if c.worklist.assigned {
        Ok(())
    } else {
        Err(Disabled("the selected item is not an assignment"))
    }
}

pub fn wl_claim(c: &Ctx) -> Result<(), Disabled> {
    if c.worklist.claim {
        Ok(())
    } else {
        Err(Disabled("the selected item is not a claim"))
    }
}

/// One row as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WlRow {
    pub held: Held,
    pub target_id: i64,
    pub kind: String,
    pub label: String,
    pub since: String,
    pub note: String,
}

/// The reassign picker: the item and the users it may go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub kind: WorkKind,
    pub target: String,
    pub label: String,
    pub choices: Vec<(String, String)>,
    pub at: usize,
}

#[derive(Clone, Debug, Default)]
pub struct WorklistState {
    pub user: String,
    pub role: String,
    pub disabled: bool,
    pub rows: Vec<WlRow>,
    pub totals: (usize, usize, usize),
    pub selected: usize,
    pub eligible: Vec<(WorkKind, Vec<(String, String)>)>,
    pub picker: Option<Picker>,
}

fn l(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// `2026-12-04T17:40:00.000Z` → `12-04 17:40`.
fn short(s: &str) -> String {
    l(s.get(5..16).unwrap_or(s)).replace('T', " ")
}

impl WorklistState {
    pub fn set(&mut self, w: Loaded) {
        let keep = self.selected_row().map(|r| (r.held.clone(), r.target_id));
        let same_user = self.user == l(&w.list.username);
        self.user = l(&w.list.username);
        self.role = l(&w.list.role);
        self.disabled = w.list.disabled;
        self.totals = w.list.totals();
        self.rows = w
            .list
            .items
            .iter()
            .map(|i| WlRow {
                held: i.held.clone(),
                target_id: i.target_id,
                kind: l(&i.held.label()),
                label: l(&i.label),
                since: short(&i.since),
                note: match &i.held {
                    Held::Claim(_) => {
                        format!("until {}", short(i.note.trim_start_matches("until ")))
                    }
                    _ => l(&i.note),
                },
            })
            .collect();
        self.eligible = w
            .eligible
            .into_iter()
            .map(|(k, v)| (k, v.iter().map(|(u, r)| (l(u), l(r))).collect()))
            .collect();
        let at = keep.filter(|_| same_user).and_then(|(h, id)| {
            self.rows
                .iter()
                .position(|r| r.held == h && r.target_id == id)
        });
        self.selected = at
            .unwrap_or(self.selected)
            .min(self.rows.len().saturating_sub(1));
        self.picker = None;
    }

    pub fn selected_row(&self) -> Option<&WlRow> {
        self.rows.get(self.selected)
    }

    pub fn facts(&self) -> WlFacts {
        let r = self.selected_row();
        WlFacts {
            assigned: r.is_some_and(|r| matches!(r.held, Held::Assigned(_))),
            claim: r.is_some_and(|r| matches!(r.held, Held::Claim(_))),
        }
    }

    fn picker_key(&mut self, code: KeyCode) -> Effect {
        let Some(p) = &mut self.picker else {
            return Effect::None;
        };
        let last = p.choices.len().saturating_sub(1);
        match code {
            KeyCode::Esc => self.picker = None,
            KeyCode::Up | KeyCode::Char('k') => p.at = p.at.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => p.at = (p.at + 1).min(last),
            KeyCode::Enter => {
                let Some((to, _)) = p.choices.get(p.at) else {
                    return Effect::Status("nobody else may do this work".into());
                };
                let e = Effect::Worklist(WlAction::Reassign {
                    user: self.user.clone(),
                    kind: p.kind,
                    target: p.target.clone(),
                    to: to.clone(),
                });
                self.picker = None;
                return e;
            }
            _ => {}
        }
        Effect::None
    }
}

pub fn update(s: &mut WorklistState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some(_), Msg::Key(k)) = (&s.picker, &msg) {
        return s.picker_key(k.code);
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::Back) => return Effect::Back,
        Msg::Command(C::ReassignItem) => {
            let Some(r) = s.selected_row() else {
                return Effect::None;
            };
            let Held::Assigned(kind) = r.held else {
                return Effect::None;
            };
            let choices: Vec<(String, String)> = s
                .eligible
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, v)| v.iter().filter(|(u, _)| *u != s.user).cloned().collect())
                .unwrap_or_default();
            if choices.is_empty() {
                return Effect::Status(format!(
                    "reassign: no other active user may do {} work (DOMAIN §1)",
                    kind.as_str()
                ));
            }
            s.picker = Some(Picker {
                kind,
                target: r.target_id.to_string(),
                label: format!("{} {}", r.kind, r.label),
                choices,
                at: 0,
            });
        }
        Msg::Command(C::TakeBackItem) => {
            if let Some(r) = s.selected_row()
                && let Held::Assigned(kind) = r.held
            {
                return Effect::Worklist(WlAction::TakeBack {
                    user: s.user.clone(),
                    kind,
                    target: r.target_id.to_string(),
                });
            }
        }
        Msg::Command(C::ReleaseItemClaim) => {
            if let Some(r) = s.selected_row()
                && let Held::Claim(t) = &r.held
            {
                return Effect::Worklist(WlAction::Release {
                    user: s.user.clone(),
                    entity_type: t.clone(),
                    entity_id: r.target_id,
                });
            }
        }
        Msg::UserWork(w) => s.set(*w),
        _ => {}
    }
    Effect::None
}

impl Widget for &WorklistState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [head, list] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        let (a, c, q) = self.totals;
        let state = if self.disabled { " · disabled" } else { "" };
        let w = head.width.saturating_sub(2) as usize;
        Paragraph::new(Line::from(clip(
            &format!(
                "{a} assigned · {c} claimed · {q} open queries · {} in all",
                self.rows.len()
            ),
            w,
        )))
        .block(Block::bordered().title(format!(
            " Worklist of {} ({}){state} ",
            self.user, self.role
        )))
        .render(head, buf);

        let rows = self.rows.iter().map(|r| {
            Row::new(vec![
                r.kind.clone(),
                r.label.clone(),
                r.since.clone(),
                r.note.clone(),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(17),
                Constraint::Length(12),
                Constraint::Length(11),
                Constraint::Min(10),
            ],
        )
        .header(Row::new(vec!["Held as", "Item", "Since", "Note"]).bold())
        .row_highlight_style(Style::new().reversed())
        .block(Block::bordered().title(" Assigned first, then claims, then queries "));
        if self.rows.is_empty() {
            Paragraph::new("Nothing assigned, claimed or asked: this worklist is empty.")
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Items "))
                .render(list, buf);
        } else {
            let mut ts = TableState::default().with_selected(Some(self.selected));
            StatefulWidget::render(table, list, buf, &mut ts);
        }

        if let Some(p) = &self.picker {
            let h = (p.choices.len() as u16 + 3).min(area.height.saturating_sub(2));
            let rect = centered(area, area.width.saturating_sub(8).min(60), h);
            Clear.render(rect, buf);
            let lines: Vec<Line> = std::iter::once(Line::from(format!("{} to:", p.label)).dim())
                .chain(p.choices.iter().enumerate().map(|(i, (u, r))| {
                    if i == p.at {
                        Line::from(format!("▸ {u} ({r})")).reversed()
                    } else {
                        Line::from(format!("  {u} ({r})"))
                    }
                }))
                .collect();
            Paragraph::new(lines)
                .block(Block::bordered().title(" Reassign (Enter assigns, Esc cancels) "))
                .render(rect, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::work::HeldItem;
    use crossterm::event::KeyEvent;

    fn loaded() -> Loaded {
        Loaded {
            list: Worklist {
                user_id: 2,
                username: "tina".into(),
                role: "technician".into(),
                disabled: false,
                items: vec![
                    HeldItem {
                        held: Held::Assigned(WorkKind::Chart),
                        target_id: 10,
                        label: "V2026001".into(),
                        since: "2026-11-25T14:00:00.000Z".into(),
                        note: "by sam".into(),
                    },
                    HeldItem {
                        held: Held::Claim("encounter".into()),
                        target_id: 11,
                        label: "V2026002\u{1b}[2J".into(),
                        since: "2026-11-25T13:00:00.000Z".into(),
                        note: "until 2026-11-25T15:00:00.000Z".into(),
                    },
                ],
            },
            eligible: vec![(
                WorkKind::Chart,
                vec![
                    ("sam".into(), "supervisor".into()),
                    ("tina".into(), "technician".into()),
                    ("ted".into(), "technician".into()),
                ],
            )],
        }
    }

    #[test]
    fn an_assignment_is_reassigned_to_a_picked_user_and_a_claim_released() {
        let ctx = Ctx::default();
        let mut s = WorklistState::default();
        let _ = update(&mut s, Msg::UserWork(Box::new(loaded())), &ctx);
        assert_eq!(s.totals, (1, 1, 0));
        assert_eq!(s.rows[1].label, "V2026002");
        assert!(s.facts().assigned && !s.facts().claim);
        let _ = update(&mut s, Msg::Command(CommandId::ReassignItem), &ctx);
        let p = s.picker.as_ref().expect("picker");
        assert_eq!(
            p.choices.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["sam", "ted"],
            "the holder is not offered"
        );
        let _ = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Down)), &ctx);
        assert_eq!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx),
            Effect::Worklist(WlAction::Reassign {
                user: "tina".into(),
                kind: WorkKind::Chart,
                target: "10".into(),
                to: "ted".into()
            })
        );
        let _ = update(&mut s, Msg::Command(CommandId::MoveDown), &ctx);
        assert!(s.facts().claim);
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::ReleaseItemClaim), &ctx),
            Effect::Worklist(WlAction::Release {
                user: "tina".into(),
                entity_type: "encounter".into(),
                entity_id: 11
            })
        );
    }
}
