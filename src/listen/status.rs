//! The listener's status: a one-line summary or a JSON line, about once a second.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Counters;

/// How the status is shown (`--log` gives JSON lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFormat {
    Line,
    Json,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// `running`, or `stopped` for the last report.
    pub state: &'static str,
    pub uptime_s: f64,
    pub received: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub groups: u64,
    pub connections: u64,
    /// Messages answered per second over the last interval.
    pub msgs_per_s: f64,
    /// Messages received and waiting for the writer.
    pub queue_depth: usize,
    pub last_error: String,
}

impl Status {
    /// One line; text from the network is sanitised before it reaches the terminal.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {:.0}s: {:.0} msg/s, queue {}, {} received, {} applied, {} duplicates, {} rejected, {} connections",
            self.state,
            self.uptime_s,
            self.msgs_per_s,
            self.queue_depth,
            self.received,
            self.applied,
            self.duplicates,
            self.rejected,
            self.connections
        );
        if !self.last_error.is_empty() {
            s.push_str(&format!(
                "; last error: {}",
                crate::text::sanitize_line(&self.last_error)
            ));
        }
        s
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub(super) struct Sampler {
    started: Instant,
    last: Instant,
    last_done: u64,
}

impl Sampler {
    pub(super) fn new() -> Sampler {
        let now = Instant::now();
        Sampler {
            started: now,
            last: now,
            last_done: 0,
        }
    }

    /// A status when a second has passed since the last one (or always when `last`).
    pub(super) fn sample(&mut self, c: &Counters, last: bool) -> Option<Status> {
        let dt = self.last.elapsed();
        if !last && dt < Duration::from_secs(1) {
            return None;
        }
        let applied = c.applied.load(Ordering::Relaxed);
        let duplicates = c.duplicates.load(Ordering::Relaxed);
        let rejected = c.rejected.load(Ordering::Relaxed);
        let done = applied + duplicates + rejected;
        let rate = (done - self.last_done.min(done)) as f64 / dt.as_secs_f64().max(1e-3);
        self.last = Instant::now();
        self.last_done = done;
        Some(Status {
            state: if last { "stopped" } else { "running" },
            uptime_s: self.started.elapsed().as_secs_f64(),
            received: c.received.load(Ordering::Relaxed),
            applied,
            duplicates,
            rejected,
            groups: c.groups.load(Ordering::Relaxed),
            connections: c.connections.load(Ordering::Relaxed),
            msgs_per_s: rate,
            queue_depth: c.queue.load(Ordering::Relaxed),
            last_error: c.last_error.lock().map(|g| g.clone()).unwrap_or_default(),
        })
    }
}
