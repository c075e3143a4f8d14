//! The MLLP listener on loopback: thousands of messages over several connections, ACK only
//! after commit, duplicates re-ACKed, malformed frames and messages NAKed with an ERR segment
//! while the listener lives, kill -9 and resend, SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chartdesk::audit::Actor;
use chartdesk::store::Store;

fn adt(i: usize, control: &str, family: &str) -> String {
    format!(
        "MSH|^~\\&|FEED|FAC|CD|HIM|20261101080000||ADT^A01|{control}|P|2.5\rEVN|A01|20261101080000\r\
         PID|1||L{i:07}^^^FAC^MR||{family}^TEST||19700101|F\r\
         PV1|1|I|W1^1^1||||1234^HOUSE^GREG|||MED|||||||||LV{i:07}|||||||||||||||||||||||||20261101080000|\r"
    )
}

fn frame(m: &[u8]) -> Vec<u8> {
    let mut v = vec![0x0b];
    v.extend_from_slice(m);
    v.extend_from_slice(&[0x1c, 0x0d]);
    v
}

/// Read one ACK frame's text (None at end of stream).
fn read_ack(r: &mut impl Read) -> Option<String> {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        out.push(b[0]);
        if out.ends_with(&[0x1c, 0x0d]) {
            return Some(String::from_utf8_lossy(&out[1..out.len() - 2]).into_owned());
        }
    }
}

fn msa(ack: &str) -> (String, String) {
    let seg = ack
        .split('\r')
        .find(|s| s.starts_with("MSA|"))
        .unwrap_or("");
    let f: Vec<&str> = seg.split('|').collect();
    (
        f.get(1).unwrap_or(&"").to_string(),
        f.get(2).unwrap_or(&"").to_string(),
    )
}

struct Running {
    addr: SocketAddr,
    stop: &'static AtomicBool,
    handle: std::thread::JoinHandle<()>,
}

fn start(db: &Path) -> Running {
    let store = Store::open_or_create(db).expect("open");
    let stop: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        chartdesk::listen::listen(
            store,
            &Actor::system("listen-test"),
            "127.0.0.1:0",
            stop,
            |a| {
                let _ = tx.send(a);
            },
            &mut |_| {},
        )
        .expect("listener");
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).expect("bound");
    Running { addr, stop, handle }
}

impl Running {
    fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("listener thread");
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    let s = Store::open(db).expect("open");
    s.conn().query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn thousands_of_messages_over_four_connections_all_acked_and_applied_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("l.db");
    let l = start(&db);
    let per = 600;
    let senders: Vec<_> = (0..4)
        .map(|c| {
            let addr = l.addr;
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).expect("connect");
                let mut w = s.try_clone().expect("clone");
                // Pipelined: a window of messages in flight, ACKs read in order.
                let reader = std::thread::spawn(move || {
                    let mut r = BufReader::new(s);
                    (0..per)
                        .map(|_| read_ack(&mut r).expect("ack"))
                        .collect::<Vec<_>>()
                });
                for k in 0..per {
                    let i = c * per + k;
                    w.write_all(&frame(adt(i, &format!("C{i}"), "LOOP").as_bytes()))
                        .expect("send");
                }
                let acks = reader.join().expect("reader");
                for (k, a) in acks.iter().enumerate() {
                    assert_eq!(msa(a), ("AA".into(), format!("C{}", c * per + k)), "{a}");
                }
            })
        })
        .collect();
    for s in senders {
        s.join().expect("sender");
    }
    l.finish();
    assert_eq!(count(&db, "SELECT count(*) FROM patients"), 4 * per as i64);
    assert_eq!(
        count(&db, "SELECT count(*) FROM encounters"),
        4 * per as i64
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM feed_messages"),
        4 * per as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'patient' AND action = 'C'"
        ),
        4 * per as i64
    );
}

#[test]
fn a_control_id_seen_before_is_acked_again_not_reapplied() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("d.db");
    let l = start(&db);
    let mut s = TcpStream::connect(l.addr).expect("connect");
    s.write_all(&frame(adt(1, "X1", "FIRST").as_bytes()))
        .expect("send");
    assert_eq!(msa(&read_ack(&mut s).expect("ack")).0, "AA");
    // Same sender and control id, other content (a resend after a lost ACK, edited): AA, and
    // nothing changes.
    s.write_all(&frame(adt(1, "X1", "CHANGED").as_bytes()))
        .expect("send");
    assert_eq!(
        msa(&read_ack(&mut s).expect("ack")),
        ("AA".into(), "X1".into())
    );
    drop(s);
    l.finish();
    let st = Store::open(&db).expect("open");
    let family: String = st
        .conn()
        .query_row("SELECT family_name FROM patients", [], |r| r.get(0))
        .expect("patient");
    assert_eq!(family, "FIRST");
    assert_eq!(count(&db, "SELECT count(*) FROM feed_messages"), 1);
}

fn data_dir() -> Option<PathBuf> {
    let d = PathBuf::from("/work/shared/data/hl7v2");
    if d.is_dir() {
        return Some(d);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "test data {} missing under CI",
        d.display()
    );
    eprintln!("skipping: {} not present", d.display());
    None
}

#[test]
fn malformed_frames_and_messages_get_naks_with_err_and_the_listener_lives() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("m.db");
    let l = start(&db);
    let mut s = TcpStream::connect(l.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut nak = |bytes: Vec<u8>, what: &str| {
        s.write_all(&bytes).expect("send");
        let a = read_ack(&mut s).expect("ack");
        let (code, _) = msa(&a);
        assert!(code == "AE" || code == "AR", "{what}: {a}");
        assert!(a.contains("\rERR|"), "{what}: {a}");
        a
    };
    // Bytes outside a frame.
    nak(b"hello\x0b".to_vec(), "junk");
    // (The 0x0B above started a frame: end it with a message missing PID.)
    let a = nak(
        b"MSH|^~\\&|FEED|FAC|CD|HIM|20261101080000||ADT^A01|M2|P|2.5\rEVN|A01|20261101\x1c\r"
            .to_vec(),
        "missing PID",
    );
    assert!(a.contains("MSA|AE|M2|"), "{a}");
    assert!(a.contains("ERR||PID|"), "{a}");
    // A field error names segment and field.
    let bad_pv1 = adt(9, "M3", "X").replace("|I|W1", "|Z|W1");
    let a = nak(frame(bad_pv1.as_bytes()), "bad class");
    assert!(a.contains("ERR||PV1^1^2|"), "{a}");
    // Two messages in one frame.
    let two = format!("{}{}", adt(10, "M4", "A"), adt(11, "M5", "B"));
    nak(frame(two.as_bytes()), "two in one frame");
    if let Some(d) = data_dir() {
        let mut n = 0;
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if name.starts_with("derived_malformed_") {
                let bytes = std::fs::read(&p).expect("fixture");
                let a = nak(frame(&bytes), &name);
                assert!(!a.is_empty());
                n += 1;
            }
        }
        assert_eq!(n, 4, "the four malformed fixtures");
    }
    // Still alive, on the same connection: a good message is applied.
    s.write_all(&frame(adt(20, "OK1", "GOOD").as_bytes()))
        .expect("send");
    assert_eq!(
        msa(&read_ack(&mut s).expect("ack")),
        ("AA".into(), "OK1".into())
    );
    drop(s);
    l.finish();
    assert_eq!(count(&db, "SELECT count(*) FROM patients"), 1);
}

fn spawn_listener(db: &Path) -> (std::process::Child, SocketAddr) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chartdesk"))
        .arg("--db")
        .arg(db)
        .args(["listen", "hl7", "--bind", "127.0.0.1:0", "--log"])
        .env_remove("CHARTDESK_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn listener");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let first = lines.next().expect("first line").expect("read");
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|r| r.split(' ').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {first}"));
    // Keep draining the JSON status lines so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// Send messages `range` pipelined on one connection; returns the control ids ACKed AA
/// before the connection ended.
fn send_until_cut(addr: SocketAddr, range: std::ops::Range<usize>) -> Vec<usize> {
    let Ok(s) = TcpStream::connect(addr) else {
        return Vec::new();
    };
    let mut w = s.try_clone().expect("clone");
    let ids: Vec<usize> = range.collect();
    let expect = ids.clone();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(s);
        let mut acked = Vec::new();
        for i in expect {
            match read_ack(&mut r) {
                Some(a) => {
                    assert_eq!(msa(&a), ("AA".into(), format!("K{i}")), "{a}");
                    acked.push(i);
                }
                None => break,
            }
        }
        acked
    });
    for &i in &ids {
        if w.write_all(&frame(adt(i, &format!("K{i}"), "KILL").as_bytes()))
            .is_err()
        {
            break;
        }
    }
    reader.join().expect("reader")
}

#[test]
fn kill_9_at_random_points_then_resend_every_acked_message_is_there_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("k.db");
    drop(Store::open_or_create(&db).expect("create"));
    let total = 1500;
    let mut acked_ever = std::collections::BTreeSet::new();
    // Deterministic "random" kill points.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..3 {
        let (mut child, addr) = spawn_listener(&db);
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(20 + (seed >> 33) % 200);
        let sender = std::thread::spawn(move || send_until_cut(addr, 0..total));
        std::thread::sleep(delay);
        child.kill().expect("kill -9");
        child.wait().expect("wait");
        let acked = sender.join().expect("sender");
        // Every message ACKed so far is in the database with its audit row.
        for &i in &acked {
            let mrn = format!("L{i:07}");
            assert_eq!(
                count(
                    &db,
                    &format!("SELECT count(*) FROM patients WHERE mrn = '{mrn}'")
                ),
                1,
                "round {round}: ACKed message K{i} is missing"
            );
            assert_eq!(
                count(
                    &db,
                    &format!(
                        "SELECT count(*) FROM audit_log WHERE patient_mrn = '{mrn}' AND entity_type = 'patient'"
                    )
                ),
                1,
                "round {round}: K{i} audit row"
            );
        }
        acked_ever.extend(acked);
    }
    // A final run receives everything again: nothing is applied twice.
    let (mut child, addr) = spawn_listener(&db);
    let acked = send_until_cut(addr, 0..total);
    assert_eq!(acked.len(), total);
    // SIGTERM: finishes and exits cleanly.
    // SAFETY: signalling our own child process by its id.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM patients"), total as i64);
    assert_eq!(
        count(&db, "SELECT count(*) FROM feed_messages"),
        total as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE entity_type = 'patient'"
        ),
        total as i64,
        "one patient audit row each: none applied twice"
    );
    assert!(!acked_ever.is_empty() || total > 0);
}

#[test]
fn sigterm_finishes_in_flight_messages_and_acks_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("t.db");
    drop(Store::open_or_create(&db).expect("create"));
    let (mut child, addr) = spawn_listener(&db);
    let s = TcpStream::connect(addr).expect("connect");
    let mut w = s.try_clone().expect("clone");
    let n = 300;
    let mut all = Vec::new();
    for i in 0..n {
        all.extend(frame(adt(i, &format!("T{i}"), "TERM").as_bytes()));
    }
    w.write_all(&all).expect("send");
    // SAFETY: signalling our own child process by its id.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let mut r = BufReader::new(s);
    let mut acks = 0;
    while let Some(a) = read_ack(&mut r) {
        assert_eq!(msa(&a).0, "AA", "{a}");
        acks += 1;
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    // Every message ACKed is committed; those the listener read before the stop were all ACKed.
    assert_eq!(count(&db, "SELECT count(*) FROM patients"), acks as i64);
    assert!(
        acks > 0,
        "messages already sent when SIGTERM came are answered"
    );
}

#[test]
fn the_listener_stores_pid13_phone_digits_and_only_the_ssn_last_four() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("p.db");
    let l = start(&db);
    let mut s = TcpStream::connect(l.addr).expect("connect");
    // PID-13 home phone, PID-19 SSN (fields 13 and 19 of the same ADT the other tests send).
    let m = adt(5, "PH1", "PHONE").replace(
        "||19700101|F\r",
        "||19700101|F|||||(937) 555-0100^PRN^PH||||||078-05-1120\r",
    );
    s.write_all(&frame(m.as_bytes())).expect("send");
    assert_eq!(msa(&read_ack(&mut s).expect("ack")).0, "AA");
    drop(s);
    l.finish();
    let st = Store::open(&db).expect("open");
    let (phone, ssn4): (String, String) = st
        .conn()
        .query_row("SELECT phone, ssn_last4 FROM patients", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("patient");
    assert_eq!((phone.as_str(), ssn4.as_str()), ("9375550100", "1120"));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE detail LIKE '%07805%' OR reason LIKE '%07805%' \
             OR detail LIKE '%078-05%'"
        ),
        0
    );
}

/// Serve `db` in a thread with `hook` run before each WAL sync; returns the address, the stop
/// flag and the listener's result.
fn start_with_sync_hook(
    db: &Path,
    hook: chartdesk::listen::durable::SyncHook,
) -> (
    SocketAddr,
    &'static AtomicBool,
    std::thread::JoinHandle<Result<(), chartdesk::CoreError>>,
) {
    let store = Store::open_or_create(db).expect("open");
    let mut opts = chartdesk::listen::ListenOptions::from_settings(&store).expect("options");
    opts.sync_hook = Some(hook);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let stop: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let handle = std::thread::spawn(move || {
        let counters = chartdesk::listen::Counters::default();
        chartdesk::listen::serve(
            store,
            &Actor::system("listen-test"),
            listener,
            &opts,
            stop,
            &counters,
            &mut |_| {},
        )
    });
    (addr, stop, handle)
}

#[test]
fn the_ack_waits_for_the_wal_sync_not_just_the_commit() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("d.db");
    // The first sync announces itself and waits for the test's go.
    let (entered_tx, entered_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let gate = std::sync::Mutex::new(Some((entered_tx, go_rx)));
    let hook: chartdesk::listen::durable::SyncHook = std::sync::Arc::new(move || {
        if let Some((entered, go)) = gate.lock().expect("gate").take() {
            entered.send(()).expect("entered");
            go.recv().expect("go");
        }
        Ok(())
    });
    let (addr, stop, handle) = start_with_sync_hook(&db, hook);
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(&frame(adt(1, "W1", "WAITS").as_bytes()))
        .expect("send");
    entered_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the sync thread started a sync");
    // Committed (another connection sees it) but not yet synced: no ACK may arrive.
    assert_eq!(count(&db, "SELECT count(*) FROM feed_messages"), 1);
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut b = [0u8; 1];
    let early = s.read(&mut b);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "nothing may be read before the sync finished: {early:?}"
    );
    go_tx.send(()).expect("go");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    assert_eq!(
        msa(&read_ack(&mut s).expect("ack after the sync")),
        ("AA".into(), "W1".into())
    );
    drop(s);
    stop.store(true, Ordering::SeqCst);
    handle.join().expect("listener thread").expect("listener");
}

#[test]
fn a_failed_wal_sync_sends_no_ack_and_stops_the_listener() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("d.db");
    let hook: chartdesk::listen::durable::SyncHook =
        std::sync::Arc::new(|| Err(std::io::Error::other("injected EIO")));
    let (addr, _stop, handle) = start_with_sync_hook(&db, hook);
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(&frame(adt(1, "F1", "FAILS").as_bytes()))
        .expect("send");
    // The connection closes without any ACK (no AA, and no NAK either: the message may be in
    // the database), and the listener stops on its own with the error.
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(
        rest.is_empty(),
        "no ACK after a failed sync: {:?}",
        String::from_utf8_lossy(&rest)
    );
    let err = handle
        .join()
        .expect("listener thread")
        .expect_err("the listener stops");
    assert!(
        err.to_string().contains("WAL could not be synced")
            && err.to_string().contains("injected EIO"),
        "{err}"
    );
    assert!(
        TcpStream::connect(addr).is_err(),
        "the listener no longer accepts connections"
    );
}
