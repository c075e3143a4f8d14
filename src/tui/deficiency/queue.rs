//! The deficiency queue: charts awaiting analysis or incomplete, sorted and filtered, read one
//! keyset page at a time. `starts` is the stack of page starts (`None` = the first page), so
//! going back re-reads the page exactly as it began; nothing is paged by offset.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use crate::deficiency::KINDS;
use crate::deficiency::lifecycle::{aging_bucket, days_between};
use crate::deficiency::queue::{PageKey, QueueFilter, QueueRow, QueueSort, QueueTab};
use crate::text::sanitize_line;
use crate::tui::chrome::clip;
use crate::tui::deficiency::form::{Form, FormOutcome, Picker, form_key};
use crate::tui::deficiency::rereview::RereviewList;
use crate::tui::{CommandId, Ctx, DefAction, Effect, Msg};

fn line(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// A queue row, sanitised for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowView {
    pub encounter_id: i64,
    pub visit: String,
    pub mrn: String,
    pub patient: String,
    pub kind: String,
    pub service: String,
    pub discharged: String,
    /// Days since discharge (facility-local calendar days; discharge day is day 0).
    pub days: Option<i64>,
    pub attending_id: Option<i64>,
    pub attending: String,
    pub open: i64,
    pub claimed_by: String,
    pub key: PageKey,
}

#[derive(Clone, Debug)]
pub struct QueueState {
    pub tab: QueueTab,
    pub sort: QueueSort,
    pub filter: QueueFilter,
    pub rows: Vec<RowView>,
    pub selected: usize,
    /// Start of every page visited, the current one last; never empty.
    pub starts: Vec<Option<PageKey>>,
    /// Where the next page starts, when there is one.
    pub next: Option<PageKey>,
    /// The page size of the last request.
    pub limit: usize,
    /// DEL-06 bucket edges for the aging colour.
    pub edges: [i64; 3],
    /// Today (facility-local) when the page was read.
    pub today: Option<NaiveDate>,
    pub form: Option<Form>,
    pub loaded: bool,
    /// Service names and providers `(id, name)` the filter text is matched against.
    pub services: Vec<String>,
    pub providers: Vec<(i64, String)>,
    /// The analysis desk's open re-review flags: the third list (`t`), and the `R` mark.
    pub flags: RereviewList,
}

impl QueueState {
    pub fn new(edges: [i64; 3]) -> QueueState {
        QueueState {
            tab: QueueTab::AwaitingAnalysis,
            sort: QueueSort::Oldest,
            filter: QueueFilter::default(),
            rows: Vec::new(),
            selected: 0,
            starts: vec![None],
            next: None,
            limit: 10,
            edges,
            today: None,
            form: None,
            loaded: false,
            services: Vec::new(),
            providers: Vec::new(),
            flags: RereviewList::default(),
        }
    }

    pub fn selected_row(&self) -> Option<&RowView> {
        self.rows.get(self.selected)
    }

    /// A row or flag is selected in the list shown (the guards' `selected`).
    pub fn has_selection(&self) -> bool {
        if self.flags.on {
            self.flags.selected_flag().is_some()
        } else {
            self.selected_row().is_some()
        }
    }

    /// Read the current page again (after a tab, sort or filter change `starts` is reset).
    pub fn reload(&mut self, ctx: &Ctx) -> Effect {
        self.limit = ctx.page_rows.max(1);
        Effect::Deficiency(DefAction::LoadQueue {
            tab: self.tab,
            sort: self.sort,
            filter: self.filter.clone(),
            after: self.starts.last().cloned().flatten(),
            limit: self.limit,
        })
    }

    fn restart(&mut self, ctx: &Ctx) -> Effect {
        self.starts = vec![None];
        self.selected = 0;
        self.reload(ctx)
    }

    pub fn has_prev(&self) -> bool {
        self.starts.len() > 1
    }

    fn filter_form(&self) -> Form {
        let kinds = KINDS.iter().map(|(k, d)| (k.to_string(), d.to_string()));
        let mut items = vec![("(any)".to_string(), "Every deficiency type".to_string())];
        items.extend(kinds);
        let mut picker = Picker::new(items);
        // The form starts empty each time (x clears the filter in force).
        picker = picker.preselect("(any)");
        let mut f = Form::picker(
            "Filter the queue",
            "Deficiency type from the list. Then Tab: the start of a service, and/or '#' and \
             a provider's name or id, any case: card, card #wil, #12.",
            picker,
        )
        .with_text("Service #provider", 0);
        f.text = Some(String::new());
        f
    }
}

fn next_sort(s: QueueSort) -> QueueSort {
    match s {
        QueueSort::Oldest => QueueSort::Newest,
        QueueSort::Newest => QueueSort::Service,
        QueueSort::Service => QueueSort::Attending,
        QueueSort::Attending => QueueSort::Oldest,
    }
}

pub fn sort_label(s: QueueSort) -> &'static str {
    match s {
        QueueSort::Oldest => "oldest discharge first",
        QueueSort::Newest => "newest discharge first",
        QueueSort::Service => "by service",
        QueueSort::Attending => "by attending",
    }
}

/// The one name `typed` picks: an exact match (any case), else the only name starting with
/// it, else the only name with a word starting with it; several or none is an error naming
/// them.
fn pick_name<'a>(what: &str, typed: &str, names: &'a [String]) -> Result<&'a str, String> {
    let t = typed.to_lowercase();
    if let Some(n) = names.iter().find(|n| n.to_lowercase() == t) {
        return Ok(n);
    }
    let starts: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().starts_with(&t))
        .collect();
    let hits = if starts.is_empty() {
        names
            .iter()
            .filter(|n| {
                n.to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.starts_with(&t))
            })
            .collect()
    } else {
        starts
    };
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("no {what} starts with {typed:?}")),
        many => Err(format!(
            "{typed:?} matches {} {what}s: {}",
            many.len(),
            many.iter()
                .take(4)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Parse the filter form's text: `Service`, `Service #provider` or `#provider`, where the
/// service is matched by its start and the provider by id or name (any case).
fn parse_service_provider(
    text: &str,
    services: &[String],
    providers: &[(i64, String)],
) -> Result<(Option<String>, Option<i64>), String> {
    let (svc, prov) = match text.split_once('#') {
        Some((s, p)) => (s.trim(), Some(p.trim())),
        None => (text.trim(), None),
    };
    let provider = match prov {
        None | Some("") => None,
        Some(p) => match p.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let names: Vec<String> = providers.iter().map(|(_, n)| n.clone()).collect();
                let name = pick_name("provider", p, &names)?;
                providers.iter().find(|(_, n)| n == name).map(|(id, _)| *id)
            }
        },
    };
    let service = match svc {
        "" => None,
        s if services.is_empty() => Some(s.to_string()),
        s => Some(pick_name("service", s, services)?.to_string()),
    };
    Ok((service, provider))
}

fn row_view(r: QueueRow, today: NaiveDate) -> RowView {
    let discharged = NaiveDateTime::parse_from_str(&r.discharge_at, "%Y-%m-%dT%H:%M:%S").ok();
    RowView {
        encounter_id: r.encounter_id,
        visit: line(&r.visit_number),
        mrn: line(&r.mrn),
        patient: line(&r.patient),
        kind: line(&r.kind),
        service: line(&r.service),
        discharged: line(&r.discharge_at).chars().take(10).collect(),
        days: discharged.map(|d| days_between(d, today)),
        attending_id: r.attending_id,
        attending: r
            .attending
            .as_deref()
            .map(line)
            .unwrap_or_else(|| "—".into()),
        open: r.open_deficiencies,
        claimed_by: r.claimed_by.as_deref().map(line).unwrap_or_default(),
        key: r.key,
    }
}

pub fn update(s: &mut QueueState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some(f), Msg::Key(k)) = (&mut s.form, &msg) {
        match form_key(f, k) {
            FormOutcome::Pending => {}
            FormOutcome::Cancel => s.form = None,
            FormOutcome::Submit { code, text } => {
                match parse_service_provider(&text, &s.services, &s.providers) {
                    Err(e) => f.error = Some(e),
                    Ok((service, provider_id)) => {
                        s.filter = QueueFilter {
                            service,
                            kind: code.filter(|c| c != "(any)"),
                            provider_id,
                        };
                        s.form = None;
                        return s.restart(ctx);
                    }
                }
            }
        }
        return Effect::None;
    }
    let last = s.rows.len().saturating_sub(1);
    // The re-review list (third tab): movement, Enter and R act on its flags.
    if s.flags.on
        && let Msg::Command(c) = &msg
    {
        if s.flags.movement(*c) {
            return Effect::None;
        }
        match c {
            C::OpenWork => {
                return match s.flags.selected_flag() {
                    Some(f) => Effect::Deficiency(DefAction::OpenWork {
                        encounter_id: f.encounter_id,
                        mrn: f.mrn.clone(),
                        attending_id: None,
                    }),
                    None => Effect::None,
                };
            }
            C::ClearRereview => return RereviewList::clear(s.flags.selected_flag()),
            _ => {}
        }
    }
    match msg {
        Msg::Command(C::ToggleQueueTab) => {
            // Awaiting analysis → incomplete → re-review → awaiting analysis.
            if s.flags.on {
                s.flags.on = false;
                s.tab = QueueTab::AwaitingAnalysis;
            } else if s.tab == QueueTab::Incomplete {
                s.flags.on = true;
                s.flags.selected = 0;
                return s.reload(ctx);
            } else {
                s.tab = QueueTab::Incomplete;
            }
            return s.restart(ctx);
        }
        Msg::Command(C::ClearRereview) => {
            let flag = s
                .selected_row()
                .and_then(|r| s.flags.on_encounter(r.encounter_id));
            return RereviewList::clear(flag);
        }
        Msg::RereviewFlags(rows) => s.flags.set(rows),
        Msg::Command(C::CycleSort) => {
            s.sort = next_sort(s.sort);
            return s.restart(ctx);
        }
        Msg::Command(C::FilterQueue) => s.form = Some(s.filter_form()),
        Msg::Command(C::ClearFilter) => {
            s.filter = QueueFilter::default();
            return s.restart(ctx);
        }
        Msg::Command(C::NextPage) => {
            if let Some(k) = s.next.take() {
                s.starts.push(Some(k));
                s.selected = 0;
                return s.reload(ctx);
            }
        }
        Msg::Command(C::PrevPage) if s.has_prev() => {
            s.starts.pop();
            s.selected = 0;
            return s.reload(ctx);
        }
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::OpenWork) => {
            if let Some(r) = s.selected_row() {
                return Effect::Deficiency(DefAction::OpenWork {
                    encounter_id: r.encounter_id,
                    mrn: r.mrn.clone(),
                    attending_id: r.attending_id,
                });
            }
        }
        // Back to the screen this was opened from (Home, or the dashboard tile).
        Msg::Command(C::Back) => return Effect::Back,
        Msg::QueuePage(mut rows) => {
            let today = crate::clock::facility_date(ctx.now);
            s.next = None;
            if rows.len() > s.limit {
                rows.truncate(s.limit);
                s.next = rows.last().map(|r| r.key.clone());
            }
            s.rows = rows.into_iter().map(|r| row_view(r, today)).collect();
            s.selected = s.selected.min(s.rows.len().saturating_sub(1));
            s.today = Some(today);
            s.loaded = true;
        }
        _ => {}
    }
    Effect::None
}

/// DEL-06 aging colour of a chart by days since discharge.
fn aging_style(days: Option<i64>, edges: [i64; 3]) -> Style {
    match days.map(|d| aging_bucket(d, edges)) {
        Some("0-7") => Style::new().fg(Color::Green),
        Some("8-14") => Style::new().fg(Color::Yellow),
        Some("15-30") => Style::new().fg(Color::LightRed),
        Some(_) => Style::new().fg(Color::Red).bold(),
        None => Style::new(),
    }
}

fn tab_label(t: QueueTab) -> &'static str {
    match t {
        QueueTab::AwaitingAnalysis => "Awaiting analysis",
        QueueTab::Incomplete => "Incomplete",
    }
}

impl Widget for &QueueState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [tabs, table] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
        let w = area.width as usize;
        let mut spans = Vec::new();
        for t in [QueueTab::AwaitingAnalysis, QueueTab::Incomplete] {
            let label = format!(" {} ", tab_label(t));
            spans.push(if t == self.tab && !self.flags.on {
                ratatui::text::Span::styled(label, Style::new().reversed().bold())
            } else {
                ratatui::text::Span::raw(label)
            });
            spans.push(ratatui::text::Span::raw(" "));
        }
        let rr = format!(" Re-review {} ", self.flags.rows.len());
        spans.push(if self.flags.on {
            ratatui::text::Span::styled(rr, Style::new().reversed().bold())
        } else {
            ratatui::text::Span::raw(rr)
        });
        // At 80 columns the sort is named short, so the page number stays on screen.
        let sort = if area.width >= 100 {
            format!("sort: {}", sort_label(self.sort))
        } else {
            match self.sort {
                QueueSort::Oldest => "oldest first",
                QueueSort::Newest => "newest first",
                QueueSort::Service => "by service",
                QueueSort::Attending => "by attending",
            }
            .to_string()
        };
        spans.push(ratatui::text::Span::raw(format!(
            " {sort} · page {}",
            self.starts.len()
        )));
        let mut filters = Vec::new();
        if let Some(s) = &self.filter.service {
            filters.push(format!("service {}", line(s)));
        }
        if let Some(k) = &self.filter.kind {
            filters.push(format!("type {}", line(k)));
        }
        if let Some(p) = self.filter.provider_id {
            filters.push(format!("provider #{p}"));
        }
        let filter_line = if filters.is_empty() {
            "filter: none".to_string()
        } else {
            format!("filter: {}", filters.join(", "))
        };
        // The flag of the selected chart, named in full, in place of the filter line.
        let flag = if self.flags.on {
            self.flags.selected_flag()
        } else {
            self.selected_row()
                .and_then(|r| self.flags.on_encounter(r.encounter_id))
        };
        let second = match flag {
            Some(f) => Line::from(clip(&RereviewList::describe(f), w)).yellow(),
            None => Line::from(clip(&filter_line, w)).dim(),
        };
        Paragraph::new(vec![Line::from(spans), second]).render(tabs, buf);
        if self.flags.on {
            self.flags.render("Re-review after analysis", table, buf);
            return;
        }

        let (with_type, wide) = (area.width >= 110, area.width >= 90);
        // Narrower screens drop the encounter type, then the discharge date (the days remain).
        let mut header = vec!["Visit", "MRN", "Patient"];
        // Identifiers are never cut: a truncated MRN can name a different patient.
        let visit_w = self
            .rows
            .iter()
            .map(|r| r.visit.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let mrn_w = self
            .rows
            .iter()
            .map(|r| r.mrn.chars().count())
            .max()
            .unwrap_or(0)
            .max(3);
        // Fixed columns first; the patient, attending and claimed columns share what is left,
        // so the layout never has to shrink an identifier.
        let ncols = 7 + usize::from(with_type) + usize::from(wide);
        let avail = (area.width as usize).saturating_sub(2 + ncols.saturating_sub(1));
        let fixed = visit_w
            + mrn_w
            + 11
            + 4
            + 4
            + if with_type { 10 } else { 0 }
            + if wide { 10 } else { 0 };
        let mut rest = avail.saturating_sub(fixed);
        let claimed = 8.min(rest.saturating_sub(16));
        rest -= claimed;
        let attending = 13.min(rest.saturating_sub(8));
        rest -= attending;
        let patient = rest;
        let len = |n: usize| Constraint::Length(n as u16);
        // Identifiers as `Min`: it outranks `Length` in the solver, so rounding never takes a
        // column from them; the lengths above already sum to the width, so they do not grow.
        let mut widths = vec![
            Constraint::Min(visit_w as u16),
            Constraint::Min(mrn_w as u16),
            len(patient),
        ];
        if with_type {
            header.push("Type");
            widths.push(len(10));
        }
        header.push("Service");
        widths.push(len(11));
        if wide {
            header.push("Discharged");
            widths.push(len(10));
        }
        header.extend(["Days", "Attending", "Open", "Claimed"]);
        widths.extend([len(4), len(attending), len(4), len(claimed)]);
        let rows = self.rows.iter().map(|r| {
            let days = r.days.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
            let mut cells = vec![
                Cell::from(r.visit.clone()),
                Cell::from(r.mrn.clone()),
                Cell::from(r.patient.clone()),
            ];
            if with_type {
                cells.push(Cell::from(r.kind.clone()));
            }
            cells.push(Cell::from(r.service.clone()));
            if wide {
                cells.push(Cell::from(r.discharged.clone()));
            }
            cells.extend([
                Cell::from(format!("{days:>4}")).style(aging_style(r.days, self.edges)),
                Cell::from(r.attending.clone()),
                Cell::from(if self.flags.on_encounter(r.encounter_id).is_some() {
                    format!("{:>3}R", r.open)
                } else {
                    format!("{:>4}", r.open)
                }),
                Cell::from(r.claimed_by.clone()),
            ]);
            Row::new(cells)
        });
        let more = if self.next.is_some() {
            " · more →"
        } else {
            ""
        };
        let title = format!(
            " {} ({} on this page{more}) ",
            tab_label(self.tab),
            self.rows.len()
        );
        let block = Block::bordered().title(title);
        if self.loaded && self.rows.is_empty() {
            Paragraph::new("No charts in this queue.")
                .block(block)
                .render(table, buf);
        } else {
            let t = Table::new(rows, widths)
                .header(Row::new(header).bold())
                .row_highlight_style(Style::new().reversed())
                .block(block);
            let mut ts = TableState::default()
                .with_selected((!self.rows.is_empty()).then_some(self.selected));
            StatefulWidget::render(t, table, buf, &mut ts);
        }
        if let Some(f) = &self.form {
            f.render(area, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            page_rows: 2,
            ..Ctx::default()
        }
    }

    fn qrow(id: i64) -> QueueRow {
        QueueRow {
            encounter_id: id,
            visit_number: format!("V{id}"),
            mrn: format!("MRN{id}"),
            patient: "Doe, \u{1b}[31mJane".into(),
            kind: "inpatient".into(),
            service: "Medicine".into(),
            discharge_at: "2026-10-05T11:00:00".into(),
            attending_id: Some(1),
            attending: Some("House, Greg".into()),
            open_deficiencies: 2,
            claimed_by: None,
            key: PageKey {
                service: "Medicine".into(),
                attending_id: Some(1),
                discharge_at: "2026-10-05T11:00:00".into(),
                id,
            },
        }
    }

    /// Identifiers are never truncated, even at 80 columns with long MRNs and visit numbers.
    #[test]
    fn long_mrn_and_visit_numbers_are_drawn_whole() {
        let mut s = QueueState::new([7, 14, 30]);
        let mut r = qrow(7);
        r.mrn = "MRN0010432999".into();
        r.visit_number = "V00101423777".into();
        let _ = update(&mut s, Msg::QueuePage(vec![r]), &ctx());
        for width in [80u16, 100, 140] {
            let area = ratatui::layout::Rect::new(0, 0, width, 12);
            let mut buf = ratatui::buffer::Buffer::empty(area);
            ratatui::widgets::Widget::render(&s, area, &mut buf);
            let text: String = (0..area.height)
                .map(|y| {
                    (0..area.width)
                        .map(|x| buf[(x, y)].symbol().to_string())
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(text.contains("MRN0010432999"), "{width}: {text}");
            assert!(text.contains("V00101423777"), "{width}: {text}");
        }
    }

    fn after(e: &Effect) -> Option<PageKey> {
        match e {
            Effect::Deficiency(DefAction::LoadQueue { after, .. }) => after.clone(),
            other => panic!("not a load: {other:?}"),
        }
    }

    #[test]
    fn tab_toggle_and_sort_cycle_restart_at_the_first_page() {
        let mut s = QueueState::new([7, 14, 30]);
        s.starts.push(Some(qrow(5).key));
        let e = update(&mut s, Msg::Command(CommandId::ToggleQueueTab), &ctx());
        assert_eq!(s.tab, QueueTab::Incomplete);
        assert_eq!(after(&e), None);
        assert_eq!(s.starts, vec![None]);
        let mut seen = Vec::new();
        for _ in 0..4 {
            let _ = update(&mut s, Msg::Command(CommandId::CycleSort), &ctx());
            seen.push(s.sort);
        }
        assert_eq!(
            seen,
            [
                QueueSort::Newest,
                QueueSort::Service,
                QueueSort::Attending,
                QueueSort::Oldest
            ]
        );
    }

    #[test]
    fn paging_keeps_a_stack_of_page_starts() {
        let mut s = QueueState::new([7, 14, 30]);
        let _ = s.reload(&ctx());
        let _ = update(
            &mut s,
            Msg::QueuePage(vec![qrow(1), qrow(2), qrow(3)]),
            &ctx(),
        );
        assert_eq!(s.rows.len(), 2, "the extra row only says there is more");
        assert_eq!(s.rows[0].patient, "Doe, Jane", "sanitised on entry");
        assert_eq!(s.next.as_ref().map(|k| k.id), Some(2));
        let e = update(&mut s, Msg::Command(CommandId::NextPage), &ctx());
        assert_eq!(after(&e).map(|k| k.id), Some(2));
        let _ = update(
            &mut s,
            Msg::QueuePage(vec![qrow(3), qrow(4), qrow(5)]),
            &ctx(),
        );
        let e = update(&mut s, Msg::Command(CommandId::NextPage), &ctx());
        assert_eq!(after(&e).map(|k| k.id), Some(4));
        let _ = update(&mut s, Msg::QueuePage(vec![qrow(5)]), &ctx());
        assert_eq!(s.next, None, "last page");
        assert_eq!(s.starts.len(), 3);
        let e = update(&mut s, Msg::Command(CommandId::PrevPage), &ctx());
        assert_eq!(
            after(&e).map(|k| k.id),
            Some(2),
            "back to the page after row 2"
        );
        let e = update(&mut s, Msg::Command(CommandId::PrevPage), &ctx());
        assert_eq!(after(&e), None, "back to the first page");
        assert!(!s.has_prev());
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::PrevPage), &ctx()),
            Effect::None
        );
    }

    #[test]
    fn filter_form_sets_kind_service_and_provider() {
        let mut s = QueueState::new([7, 14, 30]);
        let _ = update(&mut s, Msg::Command(CommandId::FilterQueue), &ctx());
        let key = |c| Msg::Key(crossterm::event::KeyEvent::from(c));
        use crossterm::event::KeyCode;
        for c in "miss_ds".chars() {
            let _ = update(&mut s, key(KeyCode::Char(c)), &ctx());
        }
        let _ = update(&mut s, key(KeyCode::Tab), &ctx());
        for c in "Cardiology #x".chars() {
            let _ = update(&mut s, key(KeyCode::Char(c)), &ctx());
        }
        assert_eq!(update(&mut s, key(KeyCode::Enter), &ctx()), Effect::None);
        assert!(s.form.as_ref().and_then(|f| f.error.as_ref()).is_some());
        let _ = update(&mut s, key(KeyCode::Backspace), &ctx());
        let _ = update(&mut s, key(KeyCode::Char('1')), &ctx());
        let e = update(&mut s, key(KeyCode::Enter), &ctx());
        assert!(s.form.is_none());
        assert_eq!(
            s.filter,
            QueueFilter {
                service: Some("Cardiology".into()),
                kind: Some("MISS_DS".into()),
                provider_id: Some(1)
            }
        );
        assert_eq!(after(&e), None);
        let _ = update(&mut s, Msg::Command(CommandId::ClearFilter), &ctx());
        assert_eq!(s.filter, QueueFilter::default());
    }

    #[test]
    fn filter_names_match_by_start_in_any_case_and_ambiguity_is_named() {
        let services = vec!["Cardiology".to_string(), "Cardiac surgery".to_string()];
        let providers = vec![
            (1, "House, Greg".to_string()),
            (2, "Wilson, James".to_string()),
        ];
        let p = |t: &str| parse_service_provider(t, &services, &providers);
        assert_eq!(p("cardiology"), Ok((Some("Cardiology".into()), None)));
        assert_eq!(p("CARDIOL #wil"), Ok((Some("Cardiology".into()), Some(2))));
        assert_eq!(p("#james"), Ok((None, Some(2))), "any word of the name");
        assert_eq!(p("#12"), Ok((None, Some(12))), "an id is taken as typed");
        let e = p("card").expect_err("two services start with card");
        assert!(
            e.contains("Cardiology") && e.contains("Cardiac surgery"),
            "{e}"
        );
        assert_eq!(p("#zz"), Err("no provider starts with \"zz\"".into()));
    }

    #[test]
    fn enter_asks_to_claim_the_selected_chart() {
        let mut s = QueueState::new([7, 14, 30]);
        let _ = s.reload(&ctx());
        let _ = update(&mut s, Msg::QueuePage(vec![qrow(1), qrow(2)]), &ctx());
        let _ = update(&mut s, Msg::Command(CommandId::MoveDown), &ctx());
        assert_eq!(
            update(&mut s, Msg::Command(CommandId::OpenWork), &ctx()),
            Effect::Deficiency(DefAction::OpenWork {
                encounter_id: 2,
                mrn: "MRN2".into(),
                attending_id: Some(1)
            })
        );
    }
}
