//! The MPI queue (issue #18): identity conflicts (IMP-ID-01), merges held by MPI-01 and
//! probable duplicates (MPI-02), each pair shown side by side with both records' aliases
//! (retired MRNs). DOMAIN §1: a technician (or a supervisor) reviews a pair and proposes a
//! merge (choosing which record survives) or a keep-apart with a reason; a supervisor applies
//! or rejects the proposal, or merges, keeps apart and unmerges directly. Each is one
//! audited, permission-checked core call ([`crate::mpi::queue`]). Text from the database is
//! sanitised when it enters the state.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use crate::mpi::merge::PatientRow;
use crate::mpi::queue::Item;
use crate::text::sanitize_line;
use crate::tui::chrome::{centered, wrap};
use crate::tui::coding::work::edit_field_long;
use crate::tui::commands::Disabled;
use crate::tui::{CommandId, Ctx, Effect, Msg};

/// The MPI calls the screen may ask for; each is one audited, permission-checked core call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MpiAction {
    /// Read the queue (open items; every item with `all`) and show it.
    Load { all: bool },
    /// Merge the pair of `item`; `survivor` is the record that stays.
    Merge { item: i64, survivor: i64 },
    /// Keep the pair apart (two different people), with why.
    KeepApart { item: i64, reason: String },
    /// Undo an applied merge (supervisor), with why.
    Unmerge { merge_id: i64, reason: String },
    /// Propose a merge keeping `survivor` (technician or supervisor; nothing is merged).
    ProposeMerge { item: i64, survivor: i64 },
    /// Propose keeping the pair apart, with why.
    ProposeKeepApart { item: i64, reason: String },
    /// Apply the item's proposal (supervisor).
    ApplyProposal { item: i64 },
    /// Reject the item's proposal (supervisor), with why; the item stays open.
    RejectProposal { item: i64, reason: String },
}

/// A queue item as read, with both records' active aliases.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub item: Item,
    pub aliases_a: Vec<String>,
    pub aliases_b: Vec<String>,
}

/// The facts of the selected pair the command guards read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MpiFacts {
    /// The selected item is open (not decided).
    pub open: bool,
    /// The selected pair's latest merge is applied (it may be unmerged).
    pub merged: bool,
    /// The selected open item carries a proposal (a supervisor may apply or reject it).
    pub proposed: bool,
}

pub fn mpi_proposed(c: &Ctx) -> Result<(), Disabled> {
    if c.mpi.proposed {
        Ok(())
    } else {
        Err(Disabled("the selected pair has no open proposal"))
    }
}

/// Technicians and supervisors review the queue and propose (DOMAIN §1; the core checks
/// again).
pub fn mpi_review(c: &Ctx) -> Result<(), Disabled> {
    if c.role.may_review_mpi {
        Ok(())
    } else {
        Err(Disabled(
            "only technicians and supervisors review the MPI queue (DOMAIN §1)",
        ))
    }
}

pub fn mpi_open(c: &Ctx) -> Result<(), Disabled> {
    if c.mpi.open {
        Ok(())
    } else {
        Err(Disabled("the selected pair is decided already"))
    }
}

pub fn mpi_merged(c: &Ctx) -> Result<(), Disabled> {
    if c.mpi.merged {
        Ok(())
    } else {
        Err(Disabled("the selected pair has no applied merge to undo"))
    }
}

/// Only a supervisor decides the MPI queue: applies a merge or unmerges (DOMAIN §1; the core
/// checks again). Technicians propose instead.
pub fn mpi_supervisor(c: &Ctx) -> Result<(), Disabled> {
    if c.role.supervisor {
        Ok(())
    } else {
        Err(Disabled(
            "only a supervisor decides the MPI queue; propose instead (DOMAIN §1)",
        ))
    }
}

/// One record of a pair, sanitised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub id: i64,
    pub mrn: String,
    pub name: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub merged_into: Option<i64>,
    pub aliases: Vec<String>,
}

impl Side {
    fn from(p: &PatientRow, aliases: &[String]) -> Side {
        let l = |s: &str| sanitize_line(s).into_owned();
        Side {
            id: p.id,
            mrn: l(&p.mrn),
            name: l(&format!("{}, {}", p.family_name, p.given_name)),
            birth_date: l(&p.birth_date),
            sex: l(&p.sex),
            address: l(&p.address),
            merged_into: p.merged_into,
            aliases: aliases.iter().map(|a| l(a)).collect(),
        }
    }
}

/// One queue item as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairLine {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub weight: Option<String>,
    /// Why the pair is here: the fields that agreed, or what disagrees.
    pub evidence: String,
    pub reason: String,
    pub a: Side,
    pub b: Side,
    /// The latest merge of the pair: (id, status).
    pub merge: Option<(i64, String)>,
    /// The proposal on the pair, as one line (who proposed what).
    pub proposal: Option<String>,
}

fn proposal_line(item: &Item) -> Option<String> {
    let p = item.proposal.as_ref()?;
    let what = match p.survivor {
        Some(s) if p.kind == "merge" => {
            let (keep, go) = if s == item.b.id {
                (&item.b, &item.a)
            } else {
                (&item.a, &item.b)
            };
            format!("merge keeping MRN {} (retire MRN {})", keep.mrn, go.mrn)
        }
        _ => format!("keep apart: {}", p.reason),
    };
    let day = p.at.get(..10).unwrap_or(&p.at);
    Some(sanitize_line(&format!("proposed by {} {day}: {what}", p.by)).into_owned())
}

fn evidence(item: &Item) -> String {
    let d = &item.detail;
    let list = |v: &serde_json::Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let text = match item.kind.as_str() {
        "duplicate" => format!("agreed: {}", list(&d["agreeing"])),
        "held_merge" => format!(
            "merge sent by {}: {}",
            d["origin"].as_str().unwrap_or("?"),
            d["why"].as_str().unwrap_or("")
        ),
        _ => {
            let f = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("?").to_string();
            format!(
                "identity conflict (IMP-ID-01): MRN {} arrived as born {} sex {}; on file born {} sex {}",
                d["mrn"].as_str().unwrap_or("?"),
                f(&d["incoming"], "birth_date"),
                f(&d["incoming"], "sex"),
                f(&d["existing"], "birth_date"),
                f(&d["existing"], "sex"),
            )
        }
    };
    sanitize_line(&text).into_owned()
}

/// What the open reason prompt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptFor {
    KeepApart,
    Unmerge,
    /// A proposal to keep the pair apart (technician or supervisor).
    ProposeKeepApart,
    /// A supervisor's rejection of the proposal.
    RejectProposal,
}

#[derive(Clone, Debug, Default)]
pub struct MpiState {
    pub rows: Vec<PairLine>,
    pub selected: usize,
    /// Decided items are listed too.
    pub all: bool,
    /// The second record (B) survives a merge instead of A.
    pub keep_b: bool,
    /// The reason being typed, and for what.
    pub prompt: Option<(PromptFor, String)>,
}

impl MpiState {
    pub fn set_rows(&mut self, items: Vec<Loaded>, all: bool) {
        let keep = self.selected_row().map(|r| r.id);
        self.all = all;
        self.rows = items
            .iter()
            .map(|l| {
                let i = &l.item;
                PairLine {
                    id: i.id,
                    kind: sanitize_line(&i.kind).into_owned(),
                    status: sanitize_line(&i.status).into_owned(),
                    weight: i.weight.map(|w| format!("{w:.1}")),
                    evidence: evidence(i),
                    reason: sanitize_line(i.reason.as_deref().unwrap_or("")).into_owned(),
                    a: Side::from(&i.a, &l.aliases_a),
                    b: Side::from(&i.b, &l.aliases_b),
                    merge: i
                        .merge
                        .as_ref()
                        .map(|(id, s)| (*id, sanitize_line(s).into_owned())),
                    proposal: proposal_line(i),
                }
            })
            .collect();
        let at = keep.and_then(|id| self.rows.iter().position(|r| r.id == id));
        if at.is_none() {
            self.keep_b = false;
        }
        self.selected = at.unwrap_or(0).min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_row(&self) -> Option<&PairLine> {
        self.rows.get(self.selected)
    }

    pub fn facts(&self) -> MpiFacts {
        let r = self.selected_row();
        MpiFacts {
            open: r.is_some_and(|r| r.status == "open"),
            merged: r.is_some_and(|r| r.merge.as_ref().is_some_and(|(_, s)| s == "applied")),
            proposed: r.is_some_and(|r| r.status == "open" && r.proposal.is_some()),
        }
    }

    fn select(&mut self, i: usize) {
        if i != self.selected {
            self.keep_b = false;
        }
        self.selected = i;
    }
}

pub fn update(s: &mut MpiState, msg: Msg, _ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some((what, text)), Msg::Key(k)) = (&mut s.prompt, &msg) {
        use crossterm::event::KeyCode;
        match k.code {
            KeyCode::Esc => s.prompt = None,
            KeyCode::Enter => {
                let reason = text.trim().to_string();
                if reason.is_empty() {
                    return Effect::Status("type the reason first (it is audited)".into());
                }
                let what = *what;
                s.prompt = None;
                let Some(r) = s.selected_row() else {
                    return Effect::None;
                };
                return match (what, &r.merge) {
                    (PromptFor::KeepApart, _) => {
                        Effect::Mpi(MpiAction::KeepApart { item: r.id, reason })
                    }
                    (PromptFor::Unmerge, Some((merge_id, _))) => Effect::Mpi(MpiAction::Unmerge {
                        merge_id: *merge_id,
                        reason,
                    }),
                    (PromptFor::Unmerge, None) => {
                        Effect::Status("the selected pair has no merge to undo".into())
                    }
                    (PromptFor::ProposeKeepApart, _) => {
                        Effect::Mpi(MpiAction::ProposeKeepApart { item: r.id, reason })
                    }
                    (PromptFor::RejectProposal, _) => {
                        Effect::Mpi(MpiAction::RejectProposal { item: r.id, reason })
                    }
                };
            }
            _ => edit_field_long(text, k),
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.select(s.selected.saturating_sub(1)),
        Msg::Command(C::MoveDown) => s.select((s.selected + 1).min(last)),
        Msg::Command(C::GoTop) => s.select(0),
        Msg::Command(C::GoBottom) => s.select(last),
        Msg::Command(C::MpiShowAll) => return Effect::Mpi(MpiAction::Load { all: !s.all }),
        Msg::Command(C::MpiSwapSurvivor) => {
            s.keep_b = !s.keep_b;
            if let Some(r) = s.selected_row() {
                let (keep, go) = if s.keep_b { (&r.b, &r.a) } else { (&r.a, &r.b) };
                return Effect::Status(format!(
                    "a merge keeps MRN {} and retires MRN {} (kept as its alias)",
                    keep.mrn, go.mrn
                ));
            }
        }
        Msg::Command(C::MpiMerge) => {
            if let Some(r) = s.selected_row() {
                let survivor = if s.keep_b { r.b.id } else { r.a.id };
                return Effect::Mpi(MpiAction::Merge {
                    item: r.id,
                    survivor,
                });
            }
        }
        Msg::Command(C::MpiKeepApart) if s.selected_row().is_some() => {
            s.prompt = Some((PromptFor::KeepApart, String::new()))
        }
        Msg::Command(C::MpiUnmerge) if s.selected_row().is_some() => {
            s.prompt = Some((PromptFor::Unmerge, String::new()))
        }
        Msg::Command(C::MpiProposeMerge) => {
            if let Some(r) = s.selected_row() {
                let survivor = if s.keep_b { r.b.id } else { r.a.id };
                return Effect::Mpi(MpiAction::ProposeMerge {
                    item: r.id,
                    survivor,
                });
            }
        }
        Msg::Command(C::MpiProposeKeepApart) if s.selected_row().is_some() => {
            s.prompt = Some((PromptFor::ProposeKeepApart, String::new()))
        }
        Msg::Command(C::MpiApplyProposal) => {
            if let Some(r) = s.selected_row() {
                return Effect::Mpi(MpiAction::ApplyProposal { item: r.id });
            }
        }
        Msg::Command(C::MpiRejectProposal) if s.selected_row().is_some() => {
            s.prompt = Some((PromptFor::RejectProposal, String::new()))
        }
        Msg::MpiQueue { items, all } => s.set_rows(items, all),
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

fn side_lines(p: &Side, role: &str, width: usize) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(format!("MRN  {}", p.mrn)).bold(),
        Line::from(format!("Name {}", p.name)),
        Line::from(format!("Born {}   Sex {}", p.birth_date, p.sex)),
    ];
    for l in wrap(&format!("Addr {}", p.address), width) {
        out.push(Line::from(l));
    }
    let aliases = if p.aliases.is_empty() {
        "none".to_string()
    } else {
        p.aliases.join(", ")
    };
    for l in wrap(&format!("Aliases (retired MRNs): {aliases}"), width) {
        out.push(Line::from(l));
    }
    if let Some(into) = p.merged_into {
        out.push(Line::from(format!("merged into patient {into}")).dim());
    }
    if !role.is_empty() {
        out.push(Line::from(role.to_string()).italic());
    }
    out
}

impl Widget for &MpiState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // The reasons box holds the evidence and a proposal line in full at 80x24.
        let [list, why, pair] = Layout::vertical([
            Constraint::Min(5),
            Constraint::Length(6),
            Constraint::Length(9),
        ])
        .areas(area);
        let rows = self.rows.iter().map(|r| {
            let status = if r.status == "open" && r.proposal.is_some() {
                "proposed".to_string()
            } else {
                r.status.clone()
            };
            Row::new(vec![
                r.id.to_string(),
                r.kind.clone(),
                r.a.mrn.clone(),
                r.b.mrn.clone(),
                r.weight.clone().unwrap_or_default(),
                status,
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(5),
                Constraint::Length(17),
                Constraint::Min(10),
                Constraint::Min(10),
                Constraint::Length(6),
                Constraint::Length(10),
            ],
        )
        .header(
            Row::new(vec![
                "Item", "Kind", "Record A", "Record B", "Weight", "Status",
            ])
            .bold(),
        )
        .row_highlight_style(Style::new().reversed())
        .block(Block::bordered().title(format!(
            " MPI queue: {} {} · t: {} ",
            self.rows.len(),
            if self.all { "items" } else { "open" },
            if self.all { "open only" } else { "all" }
        )));
        let mut ts =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        StatefulWidget::render(table, list, buf, &mut ts);

        let Some(r) = self.selected_row() else {
            Paragraph::new("Nothing to decide: no identity conflict, held merge or probable duplicate is open.")
                .wrap(Wrap { trim: true })
                .block(Block::bordered())
                .render(why, buf);
            return;
        };
        let mut text = r.evidence.clone();
        match r.status.as_str() {
            "open" => {}
            "kept_apart" => text = format!("{text} · kept apart: {}", r.reason),
            other => text = format!("{text} · {other}"),
        }
        if let Some((id, st)) = &r.merge {
            text = format!("{text} · merge {id} {st}");
        }
        let mut lines = vec![Line::from(text)];
        if let Some(p) = &r.proposal {
            lines.push(Line::from(p.clone()).bold());
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(format!(" Item {} · why it is here ", r.id)))
            .render(why, buf);

        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(pair);
        let open = r.status == "open";
        let (ra, rb) = match (open, self.keep_b) {
            (false, _) => ("", ""),
            (true, false) => ("survives a merge (s: swap)", "retired by a merge"),
            (true, true) => ("retired by a merge", "survives a merge (s: swap)"),
        };
        for (side, rect, title, role) in [
            (&r.a, left, " Record A ", ra),
            (&r.b, right, " Record B ", rb),
        ] {
            let w = rect.width.saturating_sub(2).max(10) as usize;
            Paragraph::new(side_lines(side, role, w))
                .block(Block::bordered().title(title))
                .render(rect, buf);
        }

        if let Some((what, typed)) = &self.prompt {
            let title = match what {
                PromptFor::KeepApart => " Why keep these two apart? (Enter records, Esc cancels) ",
                PromptFor::Unmerge => " Why undo this merge? (Enter records, Esc cancels) ",
                PromptFor::ProposeKeepApart => {
                    " Propose keeping apart: why? (Enter records, Esc cancels) "
                }
                PromptFor::RejectProposal => {
                    " Why reject this proposal? (Enter records, Esc cancels) "
                }
            };
            let w = area.width.saturating_sub(4).min(76);
            let inner = w.saturating_sub(2).max(10) as usize;
            let head = format!("MRN {} and MRN {}", r.a.mrn, r.b.mrn);
            let h = (4 + typed.chars().count() / inner) as u16;
            let rect = centered(area, w, h + 1);
            ratatui::widgets::Clear.render(rect, buf);
            Paragraph::new(vec![
                Line::from(head).dim(),
                Line::from(format!("{typed}▏")),
            ])
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(title))
            .render(rect, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent};
    use serde_json::json;

    fn patient(id: i64, mrn: &str, birth: &str) -> PatientRow {
        PatientRow {
            id,
            mrn: mrn.into(),
            family_name: "Doe\u{1b}[2J".into(),
            given_name: "Jane".into(),
            birth_date: birth.into(),
            sex: "F".into(),
            address: "9 Elm St".into(),
            merged_into: None,
        }
    }

    fn loaded(id: i64, status: &str, merge: Option<(i64, &str)>) -> Loaded {
        Loaded {
            item: Item {
                id,
                kind: "duplicate".into(),
                a: patient(1, "MRN1", "1960-02-03"),
                b: patient(2, "MRN2", "1960-03-02"),
                weight: Some(14.25),
                detail: json!({"agreeing": ["name", "sex"]}),
                status: status.into(),
                reason: None,
                merge: merge.map(|(i, s)| (i, s.to_string())),
                proposal: None,
            },
            aliases_a: vec!["OLD9".into()],
            aliases_b: vec![],
        }
    }

    #[test]
    fn a_pair_is_merged_with_the_survivor_chosen_or_kept_apart_with_a_reason() {
        let ctx = Ctx::default();
        let mut s = MpiState::default();
        s.set_rows(
            vec![
                loaded(5, "open", None),
                loaded(6, "merged", Some((3, "applied"))),
            ],
            false,
        );
        assert_eq!(s.rows[0].a.name, "Doe, Jane");
        assert_eq!(s.rows[0].evidence, "agreed: name, sex");
        assert!(s.facts().open && !s.facts().merged);
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::MpiMerge), &ctx),
            Effect::Mpi(MpiAction::Merge {
                item: 5,
                survivor: 1
            })
        );
        let _ = update(&mut s, Msg::Command(CommandId::MpiSwapSurvivor), &ctx);
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::MpiMerge), &ctx),
            Effect::Mpi(MpiAction::Merge {
                item: 5,
                survivor: 2
            })
        );
        let _ = update(&mut s, Msg::Command(CommandId::MpiKeepApart), &ctx);
        assert!(matches!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx),
            Effect::Status(m) if m.contains("reason")
        ));
        for c in "twins".chars() {
            let _ = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))), &ctx);
        }
        assert_eq!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx),
            Effect::Mpi(MpiAction::KeepApart {
                item: 5,
                reason: "twins".into()
            })
        );
        let _ = update(&mut s, Msg::Command(CommandId::MoveDown), &ctx);
        assert!(!s.keep_b, "moving to another pair resets the survivor to A");
        assert!(!s.facts().open && s.facts().merged);
        let _ = update(&mut s, Msg::Command(CommandId::MpiUnmerge), &ctx);
        for c in "wrong".chars() {
            let _ = update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Char(c))), &ctx);
        }
        assert_eq!(
            update(&mut s, Msg::Key(KeyEvent::from(KeyCode::Enter)), &ctx),
            Effect::Mpi(MpiAction::Unmerge {
                merge_id: 3,
                reason: "wrong".into()
            })
        );
    }
}
