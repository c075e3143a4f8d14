//! `chartdesk listen hl7`: a live HL7 v2 feed over MLLP.
//!
//! Threads: one accept loop; per connection a reader (frames, parsing and interpretation:
//! pure work) and an ACK writer (ACKs in the order the messages came); one database writer
//! doing group commit.
//!
//! Invariants:
//! - Only the writer thread touches the database, through `import::hl7_feed::apply_feed` (the
//!   same interpretation and writes as `import hl7`, inside `Store::transact`).
//! - `MSA|AA` is sent only after the message's group committed and the WAL holding it was
//!   synced to disk. The writer commits with `synchronous=NORMAL` and goes on with the next
//!   group while a sync thread fdatasyncs the WAL and only then releases the group's ACKs
//!   ([`durable`] says why that is as durable as `FULL`). When the database fails, the group's
//!   messages get no ACK at all: their connections are closed so the sender resends, and the
//!   control-id ledger makes the resend safe. When the sync fails, the listener stops (no ACK
//!   for that group or any later one; `serve` returns the error).
//! - A bad frame or message gets `AE`/`AR` with an ERR segment, and the connection goes on.
//! - Group commit: a group takes the messages already queued, at most `mllp_group_max` of them,
//!   and stops taking more after `mllp_group_ms`; it never waits for input while holding the
//!   write lock.
//! - Stop (SIGTERM/SIGINT): no new connections; each connection reads what the peer had
//!   already sent (until the line is quiet, and a frame being received, for a short grace
//!   period), applies and ACKs it, then the listener returns.

pub mod durable;
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
use crate::store::{Store, StoreError};
use durable::{SyncHook, WalSync};
use mllp::{Deframer, Frame, Header};

pub use status::{Status, StatusFormat};

/// Messages waiting for the writer, across all connections (back-pressure beyond this).
const QUEUE: usize = 8192;
/// How often blocked threads look at the stop flag.
const TICK: Duration = Duration::from_millis(50);
/// After a stop, how long a connection may take to finish a frame it has started.
const GRACE: Duration = Duration::from_secs(2);

/// Listener settings (from facility settings, see `settings.rs`: `mllp_*`).
#[derive(Clone)]
pub struct ListenOptions {
    pub group_max: usize,
    pub group_window: Duration,
    pub max_frame: usize,
    /// Run before each WAL sync, its error failing the sync (tests; `None` in service).
    pub sync_hook: Option<SyncHook>,
}

impl std::fmt::Debug for ListenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListenOptions")
            .field("group_max", &self.group_max)
            .field("group_window", &self.group_window)
            .field("max_frame", &self.max_frame)
            .field("sync_hook", &self.sync_hook.is_some())
            .finish()
    }
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
            sync_hook: None,
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
    /// Per WAL sync (the first [`PROFILE_GROUPS`]): the groups it made durable and how long
    /// it took (off the writer's path).
    pub syncs: Mutex<Vec<(usize, Duration)>>,
}

/// Groups profiled (a bounded record, so a long-running listener does not grow).
pub const PROFILE_GROUPS: usize = 100_000;

/// One group's timing: the oldest message's wait in the queue before the writer took it
/// (the previous group's commit), the gathering, and apply + commit (the WAL sync is not in
/// it: see [`Counters::syncs`]).
#[derive(Debug, Clone, Copy)]
pub struct GroupTiming {
    pub messages: usize,
    pub queued: Duration,
    pub gather: Duration,
    pub commit: Duration,
    /// The writer thread's CPU time in apply + commit (what a loaded machine does not
    /// inflate, unlike `commit`, which includes waiting for a core).
    pub cpu: Duration,
}

/// This thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`); zero if unavailable.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only to the timespec it is given.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
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
    // Set when the WAL sync failed: every thread stops at once (nothing more may be ACKed).
    let halt = AtomicBool::new(false);
    let halt = &halt;
    std::thread::scope(|s| {
        let (jobs_tx, jobs_rx) = sync_channel::<Job>(QUEUE);
        let max_frame = opts.max_frame;
        let source = source.as_str();
        s.spawn(move || {
            loop {
                // Connections the kernel accepted before a stop are still served.
                let halted = halt.load(Ordering::SeqCst);
                let stopping = stop.load(Ordering::SeqCst) || halted;
                match listener.accept() {
                    Ok(_) if halted => break,
                    Ok((stream, peer)) => {
                        counters.connections.fetch_add(1, Ordering::Relaxed);
                        let jobs = jobs_tx.clone();
                        let flags = Flags { stop, halt };
                        s.spawn(move || {
                            connection(s, stream, peer, source, jobs, max_frame, flags, counters)
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
        if r.is_err() {
            halt.store(true, Ordering::SeqCst);
        }
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

/// A committed group on its way to the sync thread: each message's ACK, where it goes, and
/// what it counts as once durable.
struct Committed {
    acks: Vec<(Vec<u8>, SyncSender<Vec<u8>>, Counted)>,
}

#[derive(Clone, Copy)]
enum Counted {
    Applied,
    Duplicate,
    Rejected,
}

/// Groups committed but not yet synced, at most (back-pressure on the writer beyond this).
const UNSYNCED: usize = 64;

/// The database writer: group commit until every connection is gone. Commits are not
/// fsynced here (`synchronous=NORMAL` on this connection only); the sync thread makes them
/// durable and only then sends their ACKs, while this thread applies the next group.
fn writer(
    store: &mut Store,
    actor: &Actor,
    source: &str,
    jobs: Receiver<Job>,
    opts: &ListenOptions,
    counters: &Counters,
) -> Result<(), CoreError> {
    store
        .set_pragma(crate::store::ConnPragma::Synchronous, 1)
        .map_err(StoreError::from)?;
    let mut wal = WalSync::new(store.path(), opts.sync_hook.clone());
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let sync_failed = AtomicBool::new(false);
    let r = std::thread::scope(|s| {
        let (synced_tx, synced_rx) = sync_channel::<Committed>(UNSYNCED);
        let (failed, sync_failed) = (&failed, &sync_failed);
        s.spawn(move || sync_then_ack(&mut wal, synced_rx, counters, failed, sync_failed));
        write_groups(
            store,
            actor,
            source,
            jobs,
            opts,
            counters,
            synced_tx,
            sync_failed,
        )
    });
    // Back to every connection's default for whoever uses this Store next.
    let restored = store.set_pragma(crate::store::ConnPragma::Synchronous, 2);
    if let Some(e) = failed.lock().ok().and_then(|g| g.clone()) {
        return Err(CoreError::invalid(
            "listen",
            format!(
                "the WAL could not be synced to disk ({e}); the listener stopped without acknowledging the messages since the last sync — the senders resend them after a restart"
            ),
        ));
    }
    r?;
    restored.map_err(StoreError::from)?;
    Ok(())
}

/// The sync thread: take every committed group waiting, sync the WAL once, then send their
/// ACKs (in commit order). After a failed sync nothing more is ACKed (see [`durable`]).
fn sync_then_ack(
    wal: &mut WalSync,
    groups: Receiver<Committed>,
    counters: &Counters,
    failed: &Mutex<Option<String>>,
    sync_failed: &AtomicBool,
) {
    while let Ok(first) = groups.recv() {
        let mut batch = vec![first];
        while let Ok(g) = groups.try_recv() {
            batch.push(g);
        }
        if sync_failed.load(Ordering::SeqCst) {
            // Dropping the replies closes the connections without an ACK.
            continue;
        }
        let started = Instant::now();
        if let Err(e) = wal.sync() {
            sync_failed.store(true, Ordering::SeqCst);
            counters.error(format!("WAL sync: {e}"));
            if let Ok(mut f) = failed.lock() {
                *f = Some(e.to_string());
            }
            continue;
        }
        if let Ok(mut p) = counters.syncs.lock()
            && p.len() < PROFILE_GROUPS
        {
            p.push((batch.len(), started.elapsed()));
        }
        for group in batch {
            counters.groups.fetch_add(1, Ordering::Relaxed);
            for (bytes, reply, counted) in group.acks {
                let c = match counted {
                    Counted::Applied => &counters.applied,
                    Counted::Duplicate => &counters.duplicates,
                    Counted::Rejected => &counters.rejected,
                };
                c.fetch_add(1, Ordering::Relaxed);
                // A closed connection just loses its ACK; the message is durable.
                let _ = reply.send(bytes);
            }
        }
    }
}

/// Gather, apply and commit groups; hand each committed group to the sync thread.
#[allow(clippy::too_many_arguments)]
fn write_groups(
    store: &mut Store,
    actor: &Actor,
    source: &str,
    jobs: Receiver<Job>,
    opts: &ListenOptions,
    counters: &Counters,
    synced: SyncSender<Committed>,
    sync_failed: &AtomicBool,
) -> Result<(), CoreError> {
    let mut ack_seq: u64 = 0;
    loop {
        if sync_failed.load(Ordering::SeqCst) {
            return Ok(());
        }
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
        let cpu_before = thread_cpu();
        let applied = apply_feed(store, actor, source, &batch);
        let cpu = thread_cpu().saturating_sub(cpu_before);
        if let Ok(mut p) = counters.profile.lock()
            && p.len() < PROFILE_GROUPS
        {
            p.push(GroupTiming {
                messages,
                queued,
                gather: gathered - started,
                commit: gathered.elapsed(),
                cpu,
            });
        }
        match applied {
            Ok(outcomes) => {
                let now = store.now().format("%Y%m%d%H%M%S").to_string();
                let mut acks = Vec::with_capacity(outcomes.len());
                for (o, (header, reply)) in outcomes.iter().zip(rest) {
                    let (reject, counted) = match o {
                        FeedOutcome::Applied => (None, Counted::Applied),
                        FeedOutcome::Duplicate => (None, Counted::Duplicate),
                        FeedOutcome::Rejected(r) => {
                            counters.error(format!(
                                "control id {}: {}{} {}",
                                header.control_id,
                                r.segment,
                                r.field.map(|f| format!("-{f}")).unwrap_or_default(),
                                r.reason
                            ));
                            (Some(r), Counted::Rejected)
                        }
                    };
                    ack_seq += 1;
                    let bytes = mllp::ack(&header, reject, &now, &format!("CD{ack_seq}"));
                    acks.push((bytes, reply, counted));
                }
                if synced.send(Committed { acks }).is_err() {
                    return Ok(());
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

/// What stops a connection: a stop asked for (it finishes what the peer sent), or a halt
/// (the WAL sync failed: it closes at once).
#[derive(Clone, Copy)]
struct Flags<'a> {
    stop: &'a AtomicBool,
    halt: &'a AtomicBool,
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
    flags: Flags<'s>,
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
        if flags.halt.load(Ordering::SeqCst) {
            break;
        }
        if flags.stop.load(Ordering::SeqCst) {
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
