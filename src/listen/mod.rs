//! `chartdesk listen hl7`: a live HL7 v2 feed over MLLP.
//!
//! Threads: one accept loop; per connection a reader (frames, parsing and interpretation:
//! pure work) and an ACK writer (ACKs in the order the messages came); one database writer
//! doing group commit.
//!
//! Invariants:
//! - Only the writer thread touches the database, through `import::hl7_feed::apply_feed` (the
//!   same interpretation and writes as `import hl7`, inside `Store::transact`).
//! - `MSA|AA` is sent only after the message's group committed (`synchronous=FULL`). When the
//!   database fails, the group's messages get no ACK at all: their connections are closed so
//!   the sender resends, and the control-id ledger makes the resend safe.
//! - A bad frame or message gets `AE`/`AR` with an ERR segment, and the connection goes on.
//! - Group commit: a group takes the messages already queued, at most `mllp_group_max` of them,
//!   and stops taking more after `mllp_group_ms`; it never waits for input while holding the
//!   write lock.
//! - Stop (SIGTERM/SIGINT): no new connections; each connection reads what the peer had
//!   already sent (until the line is quiet, and a frame being received, for a short grace
//!   period), applies and ACKs it, then the listener returns.

pub mod mllp;
mod status;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use crate::audit::Actor;
use crate::domain::Perm;
use crate::error::CoreError;
use crate::import::ImportError;
use crate::import::hl7::Hl7Reader;
use crate::import::hl7_feed::{FeedMessage, FeedOutcome, FeedReject, Nak, apply_feed};
use crate::store::Store;
use mllp::{Deframer, Frame, Header};

pub use status::{Status, StatusFormat};

/// Messages waiting for the writer, across all connections (back-pressure beyond this).
const QUEUE: usize = 8192;
/// How often blocked threads look at the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// After a stop, how long a connection may take to finish a frame it has started.
const GRACE: Duration = Duration::from_secs(2);

/// Listener settings (from facility settings, see `settings.rs`: `mllp_*`).
#[derive(Debug, Clone)]
pub struct ListenOptions {
    pub group_max: usize,
    pub group_window: Duration,
    pub max_frame: usize,
}

impl ListenOptions {
    pub fn from_settings(store: &Store) -> Result<ListenOptions, CoreError> {
        let get = |k| crate::settings::get_i64(store.conn(), k);
        Ok(ListenOptions {
            group_max: get(crate::settings::Key::MllpGroupMax)?.clamp(1, 5000) as usize,
            group_window: Duration::from_millis(
                get(crate::settings::Key::MllpGroupMs)?.clamp(1, 250) as u64,
            ),
            max_frame: get(crate::settings::Key::MllpMaxFrameKb)?.clamp(16, 65536) as usize * 1024,
        })
    }
}

/// Running counts, shared by every thread (and read by the status line).
#[derive(Default, Debug)]
pub struct Counters {
    pub received: AtomicU64,
    pub applied: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected: AtomicU64,
    pub groups: AtomicU64,
    pub connections: AtomicU64,
    pub queue: AtomicUsize,
    pub last_error: Mutex<String>,
    /// Per group (the first [`PROFILE_GROUPS`]): where an ACK's time goes, for the bench.
    pub profile: Mutex<Vec<GroupTiming>>,
}

/// Groups profiled (a bounded record, so a long-running listener does not grow).
pub const PROFILE_GROUPS: usize = 100_000;

/// One group's timing: the oldest message's wait in the queue before the writer took it
/// (the previous group's commit), the gathering, and apply + commit (including the fsync).
#[derive(Debug, Clone, Copy)]
pub struct GroupTiming {
    pub messages: usize,
    pub queued: Duration,
    pub gather: Duration,
    pub commit: Duration,
}

impl Counters {
    fn error(&self, e: impl std::fmt::Display) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = e.to_string();
        }
    }
}

/// Where one message's ACK goes: its header (echoed) and its connection's slot.
type Reply = (Header, SyncSender<Vec<u8>>);

/// One message on its way to the writer, with where its ACK goes.
struct Job {
    msg: FeedMessage,
    header: Header,
    reply: SyncSender<Vec<u8>>,
    /// When the reader queued it.
    at: Instant,
}

/// Set by SIGTERM or SIGINT once [`stop_on_signals`] ran.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Install SIGTERM/SIGINT handlers that ask the listener to stop; returns the flag.
pub fn stop_on_signals() -> &'static AtomicBool {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
    &STOP
}

/// Serve a bound listener until `stop` is set and every received message is answered.
/// `report` is called about once a second with the status, and once at the end.
pub fn serve(
    mut store: Store,
    actor: &Actor,
    listener: TcpListener,
    opts: &ListenOptions,
    stop: &AtomicBool,
    counters: &Counters,
    report: &mut (dyn FnMut(&Status) + Send),
) -> Result<(), CoreError> {
    crate::accounts::authorize(&mut store, actor, Perm::Administer, "listen", "hl7")?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let source = format!("mllp {local}");
    listener
        .set_nonblocking(true)
        .map_err(|e| CoreError::invalid("--bind", format!("listener {local}: {e}")))?;
    let writer_done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(QUEUE);
        let max_frame = opts.max_frame;
        let source = source.as_str();
        s.spawn(move || {
            loop {
                // Connections the kernel accepted before a stop are still served.
                let stopping = stop.load(Ordering::SeqCst);
                match listener.accept() {
                    Ok((stream, peer)) => {
                        counters.connections.fetch_add(1, Ordering::Relaxed);
                        let jobs = jobs_tx.clone();
                        s.spawn(move || {
                            connection(s, stream, peer, source, jobs, max_frame, stop, counters)
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if stopping {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) if stopping => break,
                    Err(e) => {
                        counters.error(format!("accept: {e}"));
                        std::thread::sleep(TICK);
                    }
                }
            }
            // jobs_tx drops here: the writer ends once every connection's reader has.
        });
        let done = &writer_done;
        // Checkpoints off the commit path: a commit that crosses the WAL's auto-checkpoint
        // size copies the WAL into the database and fsyncs it before returning, a tail-latency
        // spike for every ACK of its group. A second connection checkpoints (PASSIVE: never
        // blocks the writer) every TICK, so the writer's WAL restarts small and its commits
        // only append. Best effort: on any failure the writer's own auto-checkpoint remains.
        if let Ok(side) = Store::open(store.path()) {
            s.spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    std::thread::sleep(TICK);
                    if side
                        .conn()
                        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        s.spawn(move || {
            let mut st = status::Sampler::new();
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(TICK);
                if let Some(status) = st.sample(counters, false) {
                    report(&status);
                }
            }
            if let Some(status) = st.sample(counters, true) {
                report(&status);
            }
        });
        let r = writer(&mut store, actor, source, jobs_rx, opts, counters);
        writer_done.store(true, Ordering::SeqCst);
        r
    })
}

/// Bind `addr` and serve it (see [`serve`]); `bound` hears the actual address first.
pub fn listen(
    store: Store,
    actor: &Actor,
    addr: &str,
    stop: &AtomicBool,
    bound: impl FnOnce(SocketAddr),
    report: &mut (dyn FnMut(&Status) + Send),
) -> Result<(), CoreError> {
    let opts = ListenOptions::from_settings(&store)?;
    let listener = TcpListener::bind(addr)
        .map_err(|e| CoreError::invalid("--bind", format!("cannot listen on {addr}: {e}")))?;
    if let Ok(a) = listener.local_addr() {
        bound(a);
    }
    let counters = Counters::default();
    serve(store, actor, listener, &opts, stop, &counters, report)
}

/// The database writer: group commit until every connection is gone.
fn writer(
    store: &mut Store,
    actor: &Actor,
    source: &str,
    jobs: Receiver<Job>,
    opts: &ListenOptions,
    counters: &Counters,
) -> Result<(), CoreError> {
    let mut ack_seq: u64 = 0;
    loop {
        let first = match jobs.recv_timeout(TICK) {
            Ok(j) => j,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        let started = Instant::now();
        let queued = started.saturating_duration_since(first.at);
        let mut group = vec![first];
        while group.len() < opts.group_max && started.elapsed() < opts.group_window {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        counters.queue.fetch_sub(group.len(), Ordering::Relaxed);
        let gathered = Instant::now();
        let messages = group.len();
        let (batch, rest): (Vec<FeedMessage>, Vec<Reply>) = group
            .into_iter()
            .map(|j| (j.msg, (j.header, j.reply)))
            .unzip();
        let applied = apply_feed(store, actor, source, &batch);
        if let Ok(mut p) = counters.profile.lock()
            && p.len() < PROFILE_GROUPS
        {
            p.push(GroupTiming {
                messages,
                queued,
                gather: gathered - started,
                commit: gathered.elapsed(),
            });
        }
        match applied {
            Ok(outcomes) => {
                counters.groups.fetch_add(1, Ordering::Relaxed);
                let now = store.now().format("%Y%m%d%H%M%S").to_string();
                for (o, (header, reply)) in outcomes.iter().zip(rest) {
                    let reject = match o {
                        FeedOutcome::Applied => {
                            counters.applied.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                        FeedOutcome::Duplicate => {
                            counters.duplicates.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                        FeedOutcome::Rejected(r) => {
                            counters.rejected.fetch_add(1, Ordering::Relaxed);
                            counters.error(format!(
                                "control id {}: {}{} {}",
                                header.control_id,
                                r.segment,
                                r.field.map(|f| format!("-{f}")).unwrap_or_default(),
                                r.reason
                            ));
                            Some(r)
                        }
                    };
                    ack_seq += 1;
                    let bytes = mllp::ack(&header, reject, &now, &format!("CD{ack_seq}"));
                    // A closed connection just loses its ACK; the message is durable.
                    let _ = reply.send(bytes);
                }
            }
            Err(e) => {
                // Nothing was committed: no ACK. Dropping the replies closes the connections,
                // and the sender resends.
                counters.error(format!("database: {e}"));
                drop(rest);
                std::thread::sleep(TICK);
            }
        }
    }
}

/// One connection: this thread reads frames, parses and interprets each message; a second
/// one writes the ACKs in order.
#[allow(clippy::too_many_arguments)]
fn connection<'s>(
    s: &'s std::thread::Scope<'s, '_>,
    stream: TcpStream,
    peer: SocketAddr,
    source: &'s str,
    jobs: SyncSender<Job>,
    max_frame: usize,
    stop: &'s AtomicBool,
    counters: &'s Counters,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(TICK));
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let (acks_tx, acks_rx) = sync_channel::<Receiver<Vec<u8>>>(QUEUE);
    s.spawn(move || {
        for pending in acks_rx {
            let Ok(bytes) = pending.recv() else {
                // The writer failed this message: close so the sender resends.
                break;
            };
            if out.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = out.shutdown(std::net::Shutdown::Both);
    });
    let peer = peer.to_string();
    let mut reader = stream;
    let mut d = Deframer::new(max_frame);
    let mut scratch = vec![0u8; 64 * 1024];
    let mut stopping_since: Option<Instant> = None;
    // The last read found nothing within TICK: what the peer sent before a stop is all read.
    let mut idle = false;
    'read: loop {
        if stop.load(Ordering::SeqCst) {
            let since = *stopping_since.get_or_insert_with(Instant::now);
            if (idle && !d.partial()) || since.elapsed() > GRACE {
                break;
            }
        }
        match reader.read(&mut scratch) {
            Ok(0) => break,
            Ok(n) => {
                idle = false;
                d.push(&scratch[..n]);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                idle = true;
                continue;
            }
            Err(_) => break,
        }
        while let Some(frame) = d.next_frame() {
            counters.received.fetch_add(1, Ordering::Relaxed);
            let (reply, pending) = sync_channel(1);
            match frame {
                Frame::Malformed(why) => {
                    counters.rejected.fetch_add(1, Ordering::Relaxed);
                    counters.error(format!("{peer}: {why}"));
                    let r = FeedReject {
                        code: Nak::Ar,
                        segment: String::new(),
                        field: None,
                        reason: why,
                    };
                    let now = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
                    let _ = reply.send(mllp::ack(&Header::default(), Some(&r), &now, "CD0"));
                }
                Frame::Message(bytes) => {
                    let header = Header::sniff(&bytes);
                    // Parsed and interpreted here (pure work): the writer only writes.
                    let msg = FeedMessage::prepare(parse_frame(&bytes), peer.clone(), source);
                    counters.queue.fetch_add(1, Ordering::Relaxed);
                    let job = Job {
                        msg,
                        header,
                        reply,
                        at: Instant::now(),
                    };
                    if jobs.send(job).is_err() {
                        break 'read;
                    }
                }
            }
            if acks_tx.send(pending).is_err() {
                break 'read;
            }
        }
    }
}

/// One frame holds one message: parse it, or say why not.
fn parse_frame(bytes: &[u8]) -> Result<crate::import::Hl7Message, ImportError> {
    let mut it = Hl7Reader::new(bytes, "mllp");
    let first = it
        .next()
        .unwrap_or_else(|| Err(ImportError::new("mllp", "", "empty frame: no HL7 message")))?;
    if it.next().is_some() {
        return Err(ImportError::new(
            "mllp",
            "message 2 (MSH)",
            "a frame holds one message; this one holds more (send each in its own frame)",
        ));
    }
    Ok(first)
}
