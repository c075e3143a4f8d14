//! Overlays drawn over the current screen: help and the command palette (both generated from
//! [`COMMANDS`](super::commands::COMMANDS) for the current screen, with disabled reasons), and
//! the yes/no confirmation of a [`Danger::Confirm`](super::commands::Danger) command.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Text};
use ratatui::widgets::{
    Block, Cell, Clear, Paragraph, Row, StatefulWidget, Table, TableState, Widget,
};

use super::chrome::{centered, clip, edit_field, wrap};
use super::commands::{self, describe, disabled_reason, keys_label};
use super::{CommandId, Ctx, Effect, ScreenId};

/// One command as listed in help and the palette.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: CommandId,
    pub name: &'static str,
    pub keys: String,
    pub doc: String,
    pub disabled: Option<&'static str>,
}

/// Exactly the commands bound on `screen`, in table order, with why each is disabled now.
pub fn entries(screen: ScreenId, ctx: &Ctx) -> Vec<Entry> {
    commands::screen_commands(screen)
        .map(|c| Entry {
            id: c.id,
            name: c.name,
            keys: keys_label(c, screen),
            doc: describe(c),
            disabled: disabled_reason(c.id, ctx).map(|d| d.0),
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct HelpState {
    pub screen: ScreenId,
    pub entries: Vec<Entry>,
    /// First entry shown: a screen with more commands than rows scrolls (↑↓, PgUp/PgDn).
    pub scroll: usize,
    /// The first entry of the last full page at the last draw (scrolling stops there, so
    /// the last page is full rather than one entry alone).
    pub last_first: std::cell::Cell<Option<usize>>,
}

#[derive(Clone, Debug)]
pub struct PaletteState {
    pub screen: ScreenId,
    pub filter: String,
    pub all: Vec<Entry>,
    pub selected: usize,
}

impl PaletteState {
    pub fn new(screen: ScreenId, ctx: &Ctx) -> PaletteState {
        PaletteState {
            screen,
            filter: String::new(),
            all: entries(screen, ctx)
                .into_iter()
                .filter(|e| e.id != CommandId::Palette)
                .collect(),
            selected: 0,
        }
    }

    /// Entries whose name or description contains the filter (case-insensitive).
    pub fn matches(&self) -> Vec<&Entry> {
        let f = self.filter.to_lowercase();
        self.all
            .iter()
            .filter(|e| e.name.contains(&f) || e.doc.to_lowercase().contains(&f))
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct ConfirmState {
    pub prompt: String,
    pub then: CommandId,
}

#[derive(Clone, Debug)]
pub enum Overlay {
    Help(HelpState),
    Palette(PaletteState),
    Confirm(ConfirmState),
    /// Purpose and reason before a sensitive document is shown.
    BreakGlass(super::break_glass::BreakGlassState),
    /// A documentation query to any provider on the encounter, from a template.
    QueryForm(super::coding::query_form::QueryFormState),
}

impl Overlay {
    pub fn help(screen: ScreenId, ctx: &Ctx) -> Overlay {
        Overlay::Help(HelpState {
            screen,
            entries: entries(screen, ctx),
            scroll: 0,
            last_first: std::cell::Cell::new(None),
        })
    }
}

pub fn update(o: &mut Overlay, key: KeyEvent, _ctx: &Ctx) -> Effect {
    match o {
        Overlay::Help(h) => {
            let last = h
                .last_first
                .get()
                .unwrap_or(h.entries.len().saturating_sub(1));
            match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?' | 'q') | KeyCode::F(1) => {
                    return Effect::CloseOverlay;
                }
                KeyCode::Up | KeyCode::Char('k') => h.scroll = h.scroll.saturating_sub(1),
                KeyCode::Down | KeyCode::Char('j') => h.scroll = (h.scroll + 1).min(last),
                KeyCode::PageUp => h.scroll = h.scroll.saturating_sub(10),
                KeyCode::PageDown => h.scroll = (h.scroll + 10).min(last),
                _ => {}
            }
            Effect::None
        }
        Overlay::BreakGlass(b) => super::break_glass::update(b, key),
        Overlay::QueryForm(q) => super::coding::query_form::update(q, key),
        Overlay::Confirm(c) => match key.code {
            KeyCode::Char('y' | 'Y') => Effect::Run(c.then),
            _ => Effect::CloseOverlay,
        },
        Overlay::Palette(p) => {
            let n = p.matches().len();
            match key.code {
                KeyCode::Esc => return Effect::CloseOverlay,
                KeyCode::Up => p.selected = p.selected.saturating_sub(1),
                KeyCode::Down => p.selected = (p.selected + 1).min(n.saturating_sub(1)),
                KeyCode::Enter => {
                    return match p.matches().get(p.selected) {
                        None => Effect::None,
                        Some(e) => match e.disabled {
                            Some(why) => Effect::Status(format!("{}: {why}", e.name)),
                            None => Effect::Run(e.id),
                        },
                    };
                }
                _ => {
                    if edit_field(&mut p.filter, &key) {
                        p.selected = 0;
                    }
                }
            }
            Effect::None
        }
    }
}

/// The description as listed: the reason first when the command is disabled now.
fn entry_doc(e: &Entry) -> String {
    match e.disabled {
        Some(why) => format!("[{why}] {}", e.doc),
        None => e.doc.to_string(),
    }
}

fn entry_row(e: &Entry, doc: String, height: u16) -> Row<'static> {
    let row = Row::new(vec![
        Cell::from(e.keys.clone()),
        Cell::from(e.name.to_string()),
        Cell::from(Text::from(doc)),
    ])
    .height(height.max(1));
    if e.disabled.is_some() {
        row.style(Style::new().dim())
    } else {
        row
    }
}

/// The help table's key and command columns: as wide as their longest entry (so no name is
/// cut off), within bounds that leave the description room to wrap at 80 columns.
fn help_widths(entries: &[Entry]) -> (u16, u16) {
    let widest = |f: &dyn Fn(&Entry) -> usize, lo: usize, hi: usize| {
        entries.iter().map(f).max().unwrap_or(lo).clamp(lo, hi) as u16
    };
    (
        widest(&|e| e.keys.chars().count(), 4, 16),
        widest(&|e| e.name.chars().count(), 7, 30),
    )
}

impl Widget for &Overlay {
    fn render(self, area: Rect, buf: &mut Buffer) {
        match self {
            Overlay::Help(h) => {
                // Descriptions wrap in their column (nothing cut off at 80 columns); more
                // commands than rows scroll, and the title says which are shown.
                let w = area.width.min(110);
                let (keys_w, name_w) = help_widths(&h.entries);
                let desc_w = w.saturating_sub(2 + keys_w + name_w + 2).max(10) as usize;
                let docs: Vec<Vec<String>> = h
                    .entries
                    .iter()
                    .map(|e| wrap(&entry_doc(e), desc_w))
                    .collect();
                let total: usize = docs.iter().map(Vec::len).sum();
                let r = centered(area, 110, (total as u16).saturating_add(3));
                Clear.render(r, buf);
                let avail = r.height.saturating_sub(3) as usize;
                // The last full page starts where the entries from the end stop fitting.
                let mut fit_rows = 0usize;
                let mut last_first = docs.len();
                for d in docs.iter().rev() {
                    if fit_rows + d.len() > avail && last_first < docs.len() {
                        break;
                    }
                    fit_rows += d.len();
                    last_first -= 1;
                }
                h.last_first.set(Some(last_first));
                let first = h.scroll.min(last_first);
                let mut rows = Vec::new();
                let (mut used, mut shown) = (0usize, first);
                for (e, doc) in h.entries.iter().zip(&docs).skip(first) {
                    if used + doc.len() > avail && !rows.is_empty() {
                        break;
                    }
                    used += doc.len();
                    shown += 1;
                    rows.push(entry_row(e, doc.join("\n"), doc.len() as u16));
                }
                let title = if first > 0 || shown < h.entries.len() {
                    format!(
                        " Help: {} {}-{} of {} (↑↓ scroll, Esc closes) ",
                        h.screen.name(),
                        first + 1,
                        shown,
                        h.entries.len()
                    )
                } else {
                    format!(" Help: {} screen (Esc closes) ", h.screen.name())
                };
                let widths = [
                    Constraint::Length(keys_w),
                    Constraint::Length(name_w),
                    Constraint::Min(10),
                ];
                let table = Table::new(rows, widths)
                    .header(Row::new(vec!["Keys", "Command", "What it does"]).bold())
                    .block(Block::bordered().title(title));
                Widget::render(table, r, buf);
            }
            Overlay::Palette(p) => {
                let matches = p.matches();
                let r = centered(area, 110, p.all.len() as u16 + 4);
                Clear.render(r, buf);
                let block = Block::bordered().title(" Command palette (Enter runs, Esc closes) ");
                let inner = block.inner(r);
                block.render(r, buf);
                let [input, list] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
                Line::from(format!(
                    ": {}▏",
                    clip(&p.filter, inner.width.saturating_sub(4) as usize)
                ))
                .bold()
                .render(input, buf);
                let mut ts = TableState::default()
                    .with_selected((!matches.is_empty()).then_some(p.selected));
                let (keys_w, name_w) = help_widths(&p.all);
                // Descriptions wrap like the help's: nothing cut off at 80 columns.
                let desc_w = list.width.saturating_sub(keys_w + name_w + 2).max(10) as usize;
                let table = Table::new(
                    matches.iter().map(|e| {
                        let doc = wrap(&entry_doc(e), desc_w);
                        entry_row(e, doc.join("\n"), doc.len() as u16)
                    }),
                    [
                        Constraint::Length(keys_w),
                        Constraint::Length(name_w),
                        Constraint::Min(10),
                    ],
                )
                .row_highlight_style(Style::new().reversed());
                StatefulWidget::render(table, list, buf, &mut ts);
            }
            Overlay::BreakGlass(b) => b.render(area, buf),
            Overlay::QueryForm(q) => q.render(area, buf),
            Overlay::Confirm(c) => {
                // The prompt wraps: the whole question is shown at 80 columns.
                let w = area.width.min(64);
                // Each line of the prompt wraps on its own (a listed item stays on its line).
                let inner = w.saturating_sub(2).max(10) as usize;
                let mut lines: Vec<Line> = c
                    .prompt
                    .lines()
                    .flat_map(|l| wrap(l, inner))
                    .map(Line::from)
                    .collect();
                lines.push(Line::from("y = yes, any other key = no").bold());
                let r = centered(area, w, lines.len() as u16 + 2);
                Clear.render(r, buf);
                Paragraph::new(lines)
                    .block(Block::bordered().title(" Confirm "))
                    .render(r, buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::from(c)
    }

    #[test]
    fn help_lists_exactly_the_screen_commands() {
        for &screen in ScreenId::ALL {
            let Overlay::Help(h) = Overlay::help(screen, &Ctx::default()) else {
                unreachable!()
            };
            let mut got: Vec<_> = h.entries.iter().map(|e| e.id).collect();
            let mut want: Vec<_> = commands::COMMANDS
                .iter()
                .filter(|c| c.screens.contains(&screen))
                .map(|c| c.id)
                .collect();
            got.sort_by_key(|c| c.ordinal());
            want.sort_by_key(|c| c.ordinal());
            assert_eq!(got, want, "{screen:?}");
        }
    }

    #[test]
    fn help_shows_disabled_reasons() {
        let Overlay::Help(h) = Overlay::help(ScreenId::Search, &Ctx::default()) else {
            unreachable!()
        };
        let open = h.entries.iter().find(|e| e.id == CommandId::OpenChart);
        assert_eq!(open.and_then(|e| e.disabled), Some("nothing is selected"));
    }

    #[test]
    fn palette_filters_by_name_or_description_and_runs() {
        let ctx = Ctx {
            selected: true,
            ..Ctx::default()
        };
        let mut o = Overlay::Palette(PaletteState::new(ScreenId::Chart, &ctx));
        for c in "encounter".chars() {
            let _ = update(&mut o, key(KeyCode::Char(c)), &ctx);
        }
        let Overlay::Palette(p) = &o else {
            unreachable!()
        };
        let names: Vec<_> = p.matches().iter().map(|e| e.name).collect();
        assert_eq!(names, ["previous_encounter", "next_encounter"]);
        // Both need more than one encounter: Enter reports why instead of running.
        assert_eq!(
            update(&mut o, key(KeyCode::Enter), &ctx),
            Effect::Status("previous_encounter: the chart has only one encounter".into())
        );
        let mut o = Overlay::Palette(PaletteState::new(ScreenId::Chart, &ctx));
        for c in "document".chars() {
            let _ = update(&mut o, key(KeyCode::Char(c)), &ctx);
        }
        assert_eq!(
            update(&mut o, key(KeyCode::Enter), &ctx),
            Effect::Run(CommandId::OpenDocument)
        );
        assert_eq!(
            update(&mut o, key(KeyCode::Esc), &ctx),
            Effect::CloseOverlay
        );
    }

    #[test]
    fn confirm_runs_only_on_yes() {
        let mut o = Overlay::Confirm(ConfirmState {
            prompt: "Sure?".into(),
            then: CommandId::Quit,
        });
        assert_eq!(
            update(&mut o, key(KeyCode::Char('n')), &Ctx::default()),
            Effect::CloseOverlay
        );
        assert_eq!(
            update(&mut o, key(KeyCode::Char('y')), &Ctx::default()),
            Effect::Run(CommandId::Quit)
        );
    }
}
