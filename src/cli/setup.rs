//! Setting a database up: `init` (atomic creation, the facility name), `demo` (a fresh demo
//! database, then the TUI), `gen` (synthetic patients for benchmarks), and opening the TUI with
//! its start and stop audited.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{DemoArgs, GenArgs, InitArgs, data_dir, session};
use crate::audit::{Action, Actor, Event, Outcome, Subtype};
use crate::deficiency::ops::AnalyzeScope;
use crate::demo;
use crate::settings;
use crate::store::Store;
use crate::tui;

/// `chartdesk init`: create the database, or check that an existing one is current.
pub(super) fn init(path: PathBuf, args: InitArgs) -> Result<()> {
    let init = session::system(&path, "init")?;
    let facility = facility_name(args.facility.as_deref(), path.exists())?;
    if path.exists() {
        let mut store = Store::open_or_create(&path)?;
        let codes = crate::codes::load_embedded(&mut store, &init)?;
        println!(
            "{} is a chartdesk database at schema version {}",
            path.display(),
            crate::store::SCHEMA_VERSION
        );
        println!("{codes}");
        if let Some(name) = &facility {
            settings::set(&mut store, &init, "facility_name", name)?;
            println!("facility_name = {name}");
        }
    } else {
        let codes = init_new(&path)?;
        match &facility {
            Some(name) => {
                let mut store = Store::open(&path)?;
                settings::set(&mut store, &init, "facility_name", name)?;
                println!("facility_name = {name}");
            }
            None => println!(
                "facility name not set (letters print the default): chartdesk --db {} settings set facility_name \"NAME\", or init --facility NAME",
                path.display()
            ),
        }
        println!(
            "created {} (schema version {})",
            path.display(),
            crate::store::SCHEMA_VERSION
        );
        println!(
            "next: chartdesk --db {} user add NAME --role supervisor",
            path.display()
        );
        println!("{codes}");
    }
    Ok(())
}

/// `chartdesk demo`: build a fresh demo database, then open the TUI (or print where it is).
pub(super) fn demo(explicit_db: Option<PathBuf>, args: DemoArgs) -> Result<()> {
    let path = match explicit_db {
        Some(p) => p,
        None => data_dir()?.join("demo.db"),
    };
    let store = build_demo(&path, &args)?;
    if args.no_tui {
        println!("demo database ready: {}", path.display());
        for (u, _, p, _) in demo::DEMO_USERS {
            println!("  user {u:<12} password {p}");
        }
    } else {
        let creds = demo::DEMO_USERS
            .iter()
            .map(|(u, r, p, _)| (u.to_string(), r.label().to_string(), p.to_string()))
            .collect();
        run_tui(store, creds)?;
    }
    Ok(())
}

/// `chartdesk gen`: synthetic patients into the database (resuming an interrupted run).
pub(super) fn generate(path: PathBuf, args: GenArgs) -> Result<()> {
    let generator = session::system(&path, "gen")?;
    let mut store = Store::open_or_create(&path)?;
    // A killed run with the same seed and count is finished, with its own "today".
    let unfinished = demo::unfinished(store.conn())?.filter(|(u, _)| {
        u.seed == args.seed
            && u.encounters == args.encounters
            && args.today.is_none_or(|t| t == u.today)
    });
    let today = match (&unfinished, args.today) {
        (Some((u, _)), _) => u.today,
        (None, Some(t)) => t,
        (None, None) => crate::clock::FacilityClock::read(&store)?.today(),
    };
    let spec = demo::GenSpec {
        seed: args.seed,
        encounters: args.encounters,
        today,
    };
    if let Some((_, done)) = &unfinished {
        println!(
            "resuming the interrupted run (seed {}, {} encounters, today {today}): {done} already generated",
            spec.seed, spec.encounters
        );
    }
    let started = std::time::Instant::now();
    let summary = demo::generate(&mut store, &generator, &spec)?;
    // Incomplete charts get their deficiency rows as of their analysis time (issue
    // #15: incomplete ⇔ an open deficiency), as `demo` does.
    crate::deficiency::ops::analyze_batch(
        &mut store,
        &generator,
        crate::deficiency::ops::AnalyzeScope::Analyzed,
    )?;
    // The HIM desk states of issue #13 (orders, consults, cosign, re-review).
    demo::desk::seed(&mut store, &generator)?;
    println!(
        "generated {} encounters, {} patients, {} providers, {} documents into {} in {:.1} s",
        summary.encounters,
        summary.patients,
        summary.providers,
        summary.documents,
        path.display(),
        started.elapsed().as_secs_f64()
    );
    if let Some(f) = args.duplicates {
        let n = demo::duplicates::inject(&mut store, &generator, f, args.seed)?;
        println!("injected {n} duplicate patients (source gen-dup)");
    }
    Ok(())
}

/// Open the TUI; application start and stop are audited (AUD-06), a crash as a failed stop.
pub(super) fn run_tui(
    mut store: Store,
    demo_credentials: Vec<(String, String, String)>,
) -> Result<()> {
    let path = store.path().to_path_buf();
    record_system(&mut store, "tui", Subtype::AppStart, "application", "tui")?;
    let result = tui::run(store, tui::TuiOptions { demo_credentials });
    let mut store = Store::open(&path)?;
    let outcome = if result.is_ok() {
        Outcome::Success
    } else {
        Outcome::SeriousFailure
    };
    store.transact(&Actor::system("tui"), |_tx, audit| {
        let mut e =
            Event::new(Action::Execute, Subtype::AppStop, "application", "tui").outcome(outcome);
        if let Err(err) = &result {
            e = e.reason(format!("{err:#}"));
        }
        audit.record(e);
        Ok::<_, crate::CoreError>(())
    })?;
    result
}

/// The facility name for `init`: `--facility`, else asked when stdin is a terminal and the
/// database is new (an empty answer keeps the default). None: leave the setting as it is.
fn facility_name(flag: Option<&str>, exists: bool) -> Result<Option<String>> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Some(f) = flag {
        let f = f.trim();
        if f.is_empty() || f.chars().any(char::is_control) || f.chars().count() > 120 {
            bail!(
                "--facility: give the facility's name (1 to 120 characters, no control characters)"
            );
        }
        return Ok(Some(f.to_string()));
    }
    if exists || !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    print!("Facility name (printed on letters and packets): ");
    std::io::stdout().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the facility name")?;
    let name = line.trim();
    Ok((!name.is_empty() && !name.chars().any(char::is_control)).then(|| name.to_string()))
}

/// Create a new database atomically: it is built (schema, code sets, the creation event) in a
/// temporary file in the same folder and linked into place only when complete, so a failed or
/// killed `init` never leaves a half-built file at `path` (a later `init` just starts again).
/// On failure the temporary files are removed; ones left by a killed `init` (its process gone)
/// are removed by the next one.
fn init_new(path: &Path) -> Result<String> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            d.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let prefix = format!(".{name}.init-");
    remove_stale_init_files(&dir, &prefix);
    let temp = dir.join(format!("{prefix}{}", std::process::id()));
    let built = (|| -> Result<String> {
        let mut store = Store::open_or_create(&temp)?;
        let codes = crate::codes::load_embedded(&mut store, &Actor::system("init"))?;
        record_system(&mut store, "init", Subtype::Create, "database", "created")?;
        // Calendar days follow the facility's zone, not each user's: start from this
        // machine's zone, visible (and changeable) in `settings list`.
        if let Ok(zone) = iana_time_zone::get_timezone()
            && crate::clock::parse_zone(&zone).is_ok()
        {
            settings::set(
                &mut store,
                &Actor::system("init"),
                settings::Key::FacilityTimezone.name(),
                &zone,
            )?;
        }
        // Fold the WAL into the file so the one file is the whole database.
        store
            .checkpoint()
            .context("checkpointing the new database")?;
        drop(store);
        // A hard link never replaces a file that appeared at `path` meanwhile.
        std::fs::hard_link(&temp, path).with_context(|| {
            format!(
                "putting the new database in place at {} (does it exist now?)",
                path.display()
            )
        })?;
        Ok(codes.to_string())
    })();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = temp.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    built.with_context(|| format!("creating {} (nothing was left behind)", path.display()))
}

/// Remove `<prefix><pid>[-wal|-shm|-journal]` files whose process no longer runs.
fn remove_stale_init_files(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        // No way to tell a live process here: leave them.
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| p == std::process::id() || Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Record one system event in its own transaction (CLI actions that change nothing else).
fn record_system(
    store: &mut Store,
    context: &str,
    subtype: Subtype,
    entity: &str,
    id: &str,
) -> Result<()> {
    store.transact(&Actor::system(context), |_tx, audit| {
        audit.record(Event::new(Action::Execute, subtype, entity, id));
        Ok::<_, crate::CoreError>(())
    })?;
    Ok(())
}

/// A fresh demo database: an existing demo database at the path is replaced; any other
/// existing file is refused.
fn build_demo(path: &Path, args: &DemoArgs) -> Result<Store> {
    if path.exists() {
        let is_demo = Store::open(path)
            .ok()
            .and_then(|s| {
                s.conn()
                    .query_row(
                        "SELECT value FROM chartdesk_meta WHERE key = 'demo'",
                        [],
                        |r| r.get::<_, String>(0),
                    )
                    .ok()
            })
            .is_some_and(|v| v == "1");
        if !is_demo {
            bail!(
                "{} exists and is not a demo database; refusing to overwrite it (choose another --db)",
                path.display()
            );
        }
        for suffix in ["", "-wal", "-shm", ".anchors"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(PathBuf::from(&p)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "removing the old demo database {}",
                            PathBuf::from(&p).display()
                        )
                    });
                }
            }
        }
    }
    let mut store = Store::open_or_create(path)?;
    let actor = Actor::system("demo");
    // The demo marker (what lets a later `demo` replace this file) is a change like any other:
    // written through the one audited write path.
    store.transact(&actor, |tx, audit| {
        tx.execute(
            "INSERT OR REPLACE INTO chartdesk_meta(key, value) VALUES ('demo', '1')",
            [],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "chartdesk_meta", "demo")
                .reason("marked as a demo database (chartdesk demo)"),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    let spec = demo::GenSpec {
        seed: args.seed,
        encounters: args.encounters,
        today: crate::clock::FacilityClock::read(&store)?.today(),
    };
    crate::codes::load_embedded(&mut store, &actor)?;
    demo::generate(&mut store, &actor, &spec)?;
    // The generator marks older charts as analysed; give them their deficiency rows as of
    // their analysis time. Charts awaiting analysis stay in the technicians' queue.
    crate::deficiency::ops::analyze_batch(&mut store, &actor, AnalyzeScope::Analyzed)?;
    demo::create_demo_users(&mut store, &actor)?;
    demo::roi::seed(&mut store, &actor)?;
    demo::desk::seed(&mut store, &actor)?;
    // The MPI queue has work to show (issue #18): registration duplicates of 1 % of the
    // patients (nicknames, typos, swapped fields), found and queued by the matcher exactly as
    // `report duplicates --queue` does (MPI-01, MPI-02).
    demo::duplicates::inject(&mut store, &actor, 0.01, args.seed)?;
    crate::mpi::dup_report::report(
        &mut store,
        &actor,
        &crate::mpi::dup_report::DupOptions {
            include_review: false,
            enqueue: true,
            truth: false,
        },
    )?;
    Ok(store)
}
