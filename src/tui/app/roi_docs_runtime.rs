//! The ROI desk's amendment queue (164.526) and a request's letters: reading them for their
//! screens and running their steps (each one audited call of the core).

use super::App;
use crate::CoreError;
use crate::audit::Actor;
use crate::roi::request;
use crate::tui::ScreenId;
use crate::tui::roi::amendments::{AmendState, AmendStep};
use crate::tui::roi::letters::LettersState;

impl App {
    /// The amendment queue with the 60-day clock on the facility's today.
    pub(super) fn load_amendments(&mut self, status: Option<String>) {
        let conn = self.store.conn();
        let now = self.store.now();
        let today = crate::clock::FacilityClock::at(conn, now)
            .map(|c| c.today())
            .unwrap_or_else(|_| crate::clock::facility_date(now));
        match crate::roi::amendment::queue(conn) {
            Ok(list) => {
                let keep = self.amendments.as_ref().map(|a| a.selected);
                let open: Vec<i64> = list
                    .iter()
                    .filter(|a| a.status == "open")
                    .map(|a| a.id)
                    .collect();
                let mut a = AmendState::new(list, today);
                for id in open {
                    if let Ok(known) = crate::roi::amendment::would_tell(conn, id, &[]) {
                        a.set_would_tell(id, &known);
                    }
                }
                a.selected = keep.unwrap_or(0).min(a.rows.len().saturating_sub(1));
                self.amendments = Some(a);
                self.enter(ScreenId::Amendments);
                if let Some(m) = status {
                    self.status = Some(m);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Run one amendment step (one audited transaction in the core); the status line says
    /// what was done (and, for an acceptance, who must be told).
    pub(super) fn amend(&mut self, actor: &Actor, step: AmendStep) -> Result<String, CoreError> {
        use crate::roi::amendment as am;
        let st = &mut self.store;
        Ok(match step {
            AmendStep::Log {
                mrn,
                received,
                requested_by,
                address,
                change,
                reason,
                documents,
            } => {
                let a = am::log(
                    st,
                    actor,
                    &mrn,
                    received,
                    &requested_by,
                    &address,
                    &change,
                    &reason,
                    &documents,
                )?;
                format!("{} logged, due {} (164.526(b)(2))", a.label, a.due)
            }
            AmendStep::Extend { id, days, reason } => {
                let due = am::extend(st, actor, id, days, &reason)?;
                format!(
                    "{} extended to {due}; notice letter written",
                    am::amendment_label(id)
                )
            }
            AmendStep::Accept {
                id,
                text,
                documents,
                named,
            } => {
                let a = am::accept_documents(st, actor, id, &text, &documents, &named)?;
                let known: Vec<&str> = a.notify["known_recipients"]
                    .as_array()
                    .map(|v| v.iter().filter_map(|x| x.as_str()).collect())
                    .unwrap_or_default();
                let mut tell: Vec<&str> = named.iter().map(String::as_str).collect();
                tell.extend(known.iter().copied());
                format!(
                    "{} accepted for documents {:?}; tell (164.526(c)(3)): {}",
                    a.label,
                    a.document_ids,
                    if tell.is_empty() {
                        "nobody known".to_string()
                    } else {
                        tell.join("; ")
                    }
                )
            }
            AmendStep::Deny { id, code, note } => {
                let a = am::deny(st, actor, id, &code, &note)?;
                format!("{} denied ({code}); denial letter written", a.label)
            }
            AmendStep::Statement { id, kind, text } => {
                let a = am::file_statement(st, actor, id, &kind, &text)?;
                format!("{}: {kind} filed; later releases carry it", a.label)
            }
        })
    }

    /// The letters of request `id`: those sent, and each template filled for it today.
    pub(super) fn load_letters(&mut self, id: i64, status: Option<String>) {
        let Some(s) = &self.session else { return };
        let actor = s.actor();
        let conn = self.store.conn();
        let now = self.store.now();
        let today = crate::clock::FacilityClock::at(conn, now)
            .map(|c| c.today())
            .unwrap_or_else(|_| crate::clock::facility_date(now));
        let loaded = (|| {
            let rec = request::load(conn, id)?;
            let staff = crate::letters::staff_name(conn, &actor)?;
            let sent = crate::letters::list(conn, id)?;
            let previews = crate::letters::templates(conn)?
                .into_iter()
                .map(
                    |t| match crate::letters::preview(conn, &rec, &t.kind, today, &staff) {
                        Ok((_title, to, _address, text)) => {
                            (t.kind.clone(), format!("{} to {to}", t.kind), text)
                        }
                        Err(e) => (
                            t.kind.clone(),
                            format!("{} · cannot be filled", t.kind),
                            e.to_string(),
                        ),
                    },
                )
                .collect::<Vec<_>>();
            Ok::<_, CoreError>((sent, previews))
        })();
        match loaded {
            Ok((sent, previews)) => {
                let keep = self
                    .letters
                    .as_ref()
                    .filter(|l| l.request_id == id)
                    .map(|l| l.selected);
                let mut l = LettersState::new(id, request::request_label(id), sent, previews);
                l.selected = keep.unwrap_or(0).min(l.previews.len().saturating_sub(1));
                self.letters = Some(l);
                self.enter(ScreenId::Letters);
                if let Some(m) = status {
                    self.status = Some(m);
                }
            }
            Err(e) => self.fail(e),
        }
    }
}
