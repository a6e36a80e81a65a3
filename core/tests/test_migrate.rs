//! Data migrations against DynamoDB Local: two runners started together, a backfill stopped or
//! dropped halfway and rerun (every item migrated exactly once, counted on the items), rollback
//! with `down`, and a lease left by a dead runner taken over once it expires.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferrodyn::migrate::{Migration, MigrationStatus, Migrations, Progress};
use ferrodyn::{ErrorKind, Model};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

/// `migrated` counts the transforms applied to the item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "accounts", entity = "Account", pk = "ACCOUNT#{id}", sk = "PROFILE")]
struct Account {
    id: String,
    tier: Option<String>,
    migrated: u32,
}

/// A versioned model in the same table: its writes are checked against the version read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "accounts", entity = "Ledger", pk = "LEDGER#{id}", sk = "LEDGER")]
struct Ledger {
    id: String,
    balance: i64,
    migrated: u32,
    #[ferrodyn(version)]
    version: u64,
}

async fn setup() -> TestDb {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table_for(&[Account::META, Ledger::META]).await.expect("accounts table");
    db
}

async fn seed_accounts(db: &TestDb, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let writes = chunk.iter().map(|i| {
            let a = Account { id: format!("{i:04}"), tier: None, migrated: 0 };
            async move { db.create(&a).await }
        });
        futures_util::future::try_join_all(writes).await.unwrap();
    }
}

/// An `up` (or `down`) that counts its runs and sleeps a little, so that runs overlap.
fn counted(
    counter: &Arc<AtomicUsize>,
) -> impl Fn(
    ferrodyn::migrate::Context,
) -> futures_util::future::BoxFuture<'static, ferrodyn::Result<()>>
       + Send
       + Sync
       + 'static {
    let counter = Arc::clone(counter);
    move |_ctx| {
        let counter = Arc::clone(&counter);
        Box::pin(async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_started_together_apply_each_migration_once() {
    let db = setup().await;
    let (first, second) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let set = || {
        Migrations::new::<Account>(&db, "accounts")
            .with(Migration::new("0001_first").up(counted(&first)))
            .with(Migration::new("0002_second").up(counted(&second)))
    };
    let (a, b) = (set(), set());
    let (a, b) = tokio::join!(a.run(), b.run());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(first.load(Ordering::SeqCst), 1);
    assert_eq!(second.load(Ordering::SeqCst), 1);
    let both = vec!["0001_first".to_owned(), "0002_second".to_owned()];
    // One runner applied both; the other waited for the lease and found them applied.
    let (ran, waited) = if a.applied.is_empty() { (b, a) } else { (a, b) };
    assert_eq!((ran.applied, ran.already_applied), (both.clone(), vec![]));
    assert_eq!((waited.applied, waited.already_applied), (vec![], both.clone()));
    assert!(waited.waited_for_lease);
    let status = set().status().await.unwrap();
    assert!(status.iter().all(|(_, s)| *s == MigrationStatus::Applied), "{status:?}");
    // A third run finds nothing to do, without waiting.
    let again = set().run().await.unwrap();
    assert_eq!((again.already_applied, again.waited_for_lease), (both, false));
    assert_eq!(first.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_stopped_halfway_and_rerun_migrates_every_item_once() {
    let db = setup().await;
    seed_accounts(&db, 260).await;
    let stop = Arc::new(AtomicBool::new(true));
    let last = Arc::new(Mutex::new(Progress::default()));
    let set = || {
        let (stop, last) = (Arc::clone(&stop), Arc::clone(&last));
        Migrations::new::<Account>(&db, "accounts").with(Migration::new("0001_tier").up(
            move |ctx| {
                let (stop, last) = (Arc::clone(&stop), Arc::clone(&last));
                async move {
                    ctx.backfill::<Account>()
                        .segments(3)
                        .page_size(10)
                        .on_progress(move |p| {
                            *last.lock().unwrap() = *p;
                            if stop.load(Ordering::SeqCst) && p.seen >= 120 {
                                return ControlFlow::Break(());
                            }
                            ControlFlow::Continue(())
                        })
                        .run(|mut a: Account| {
                            a.migrated += 1;
                            a.tier = Some("basic".into());
                            Some(a)
                        })
                        .await
                        .map(drop)
                }
            },
        ))
    };
    let err = set().run().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Stopped, "{err}");
    // The stop comes when 120 items have been seen across the 3 segments. A segment counts an
    // item as seen before it writes it, so each of the 2 others may have one seen and unwritten
    // when the stopping segment ends the run: at least 118 are migrated, and never all.
    let done = db.scan::<Account>().all().await.unwrap();
    let done = done.iter().filter(|a| a.migrated == 1).count() as u64;
    assert!((118..260).contains(&done), "{done}");
    assert_eq!(set().status().await.unwrap()[0].1, MigrationStatus::Running);

    stop.store(false, Ordering::SeqCst);
    let report = set().run().await.unwrap();
    assert_eq!(report.resumed, ["0001_tier"]);
    let second = *last.lock().unwrap();
    // The rerun read only the items the first run had not migrated: those of finished pages lie
    // before the checkpoint, and those of unfinished pages carry the run's mark.
    assert_eq!((second.seen, second.written), (260 - done, 260 - done), "{second:?}");

    let accounts = db.scan::<Account>().all().await.unwrap();
    assert_eq!(accounts.len(), 260);
    for a in &accounts {
        assert_eq!((a.migrated, a.tier.as_deref()), (1, Some("basic")), "account {}", a.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_dropped_mid_page_and_rerun_writes_every_versioned_item_once() {
    let db = setup().await;
    for chunk in (0..250).collect::<Vec<_>>().chunks(50) {
        let writes = chunk.iter().map(|i| {
            let l = Ledger { id: format!("{i:04}"), balance: 100, migrated: 0, version: 0 };
            let db = &db;
            async move { db.create(&l).await }
        });
        futures_util::future::try_join_all(writes).await.unwrap();
    }
    let transforms = Arc::new(AtomicUsize::new(0));
    let set = || {
        let transforms = Arc::clone(&transforms);
        Migrations::new::<Ledger>(&db, "accounts").lease_duration(Duration::from_secs(1)).with(
            Migration::new("0001_cents").up(move |ctx| {
                let transforms = Arc::clone(&transforms);
                async move {
                    let backfill = ctx.backfill::<Ledger>().segments(4).page_size(7);
                    let progress = backfill
                        .run(|mut l: Ledger| {
                            transforms.fetch_add(1, Ordering::SeqCst);
                            l.balance *= 100;
                            l.migrated += 1;
                            Some(l)
                        })
                        .await?;
                    assert!(progress.seen <= 250);
                    Ok(())
                }
            }),
        )
    };
    // The runner dies in the middle of a page: its future is dropped, nothing is released.
    let dying = set();
    let mut run = Box::pin(dying.run());
    loop {
        tokio::select! {
            _ = &mut run => panic!("the first run finished before it was dropped"),
            () = tokio::time::sleep(Duration::from_millis(5)) => {
                if transforms.load(Ordering::SeqCst) >= 131 { break; }
            }
        }
    }
    drop(run);
    let before_rerun = transforms.load(Ordering::SeqCst);
    assert!(before_rerun < 250, "{before_rerun}");

    let report = set().run().await.unwrap();
    assert!(report.waited_for_lease, "the dead runner's lease had to expire first");
    assert_eq!(report.resumed, ["0001_cents"]);
    let ledgers = db.scan::<Ledger>().all().await.unwrap();
    assert_eq!(ledgers.len(), 250);
    for l in &ledgers {
        // One write per item: created at version 1, migrated once to version 2.
        assert_eq!((l.migrated, l.balance, l.version), (1, 10_000, 2), "ledger {}", l.id);
    }
}

#[tokio::test]
async fn down_rolls_back_the_last_migration_and_a_rerun_applies_it_again() {
    let db = setup().await;
    seed_accounts(&db, 30).await;
    let (ups, downs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let plain = Arc::new(AtomicUsize::new(0));
    let set = || {
        let (ups, downs) = (Arc::clone(&ups), Arc::clone(&downs));
        Migrations::new::<Account>(&db, "accounts")
            .with(Migration::new("0001_plain").up(counted(&plain)))
            .with(
                Migration::new("0002_tier")
                    .up(move |ctx| {
                        ups.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let tier = |mut a: Account| {
                                a.tier = Some("gold".into());
                                Some(a)
                            };
                            ctx.backfill::<Account>().page_size(8).run(tier).await.map(drop)
                        }
                    })
                    .down(move |ctx| {
                        downs.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let untier = |mut a: Account| {
                                a.tier = None;
                                Some(a)
                            };
                            ctx.backfill::<Account>().page_size(8).run(untier).await.map(drop)
                        }
                    }),
            )
    };
    let tiers = || async {
        let accounts = db.scan::<Account>().all().await.unwrap();
        assert_eq!(accounts.len(), 30);
        accounts.into_iter().map(|a| a.tier).collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(set().run().await.unwrap().applied.len(), 2);
    assert_eq!(tiers().await, [Some("gold".to_owned())].into());

    let no_down = set().down("0001_plain").await.unwrap_err();
    assert!(
        no_down.is_local_validation() && no_down.to_string().contains("no `down`"),
        "{no_down}"
    );
    let unknown = set().down("0009_none").await.unwrap_err();
    assert!(unknown.is_local_validation(), "{unknown}");

    set().down("0002_tier").await.unwrap();
    assert_eq!(downs.load(Ordering::SeqCst), 1);
    assert_eq!(tiers().await, [None].into());
    let status = set().status().await.unwrap();
    assert_eq!(status[1], ("0002_tier".to_owned(), MigrationStatus::Pending));
    assert_eq!(status[0].1, MigrationStatus::Applied);

    // Applied again, it migrates every item again (a new run id), and `rollback` undoes it.
    let report = set().run().await.unwrap();
    assert_eq!(
        (report.applied, report.already_applied),
        (vec!["0002_tier".to_owned()], vec!["0001_plain".to_owned()])
    );
    assert_eq!((ups.load(Ordering::SeqCst), plain.load(Ordering::SeqCst)), (2, 1));
    assert_eq!(tiers().await, [Some("gold".to_owned())].into());
    assert_eq!(set().rollback().await.unwrap().as_deref(), Some("0002_tier"));
    assert_eq!(tiers().await, [None].into());
    // 0001 has no `down`: the next rollback is refused and leaves it applied.
    assert!(set().rollback().await.unwrap_err().is_local_validation());
    assert_eq!(set().status().await.unwrap()[0].1, MigrationStatus::Applied);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_left_by_a_dead_runner_is_taken_over_after_it_expires() {
    let db = setup().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let hang = Arc::new(AtomicBool::new(true));
    let lease = Duration::from_millis(1500);
    let set = || {
        let (runs, hang) = (Arc::clone(&runs), Arc::clone(&hang));
        Migrations::new::<Account>(&db, "accounts").lease_duration(lease).with(
            Migration::new("0001_slow").up(move |_ctx| {
                runs.fetch_add(1, Ordering::SeqCst);
                let hang = hang.load(Ordering::SeqCst);
                async move {
                    if hang {
                        std::future::pending::<()>().await;
                    }
                    Ok(())
                }
            }),
        )
    };
    // The first runner takes the lease, starts the migration and dies (its future is dropped).
    let dying = set();
    let died = tokio::time::timeout(Duration::from_millis(400), dying.run()).await;
    assert!(died.is_err(), "the hanging run cannot finish");
    let died_at = Instant::now();
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // A runner that will not wait is refused while the lease lasts.
    let impatient = set().max_wait(Duration::ZERO).run().await.unwrap_err();
    assert_eq!(impatient.kind(), ErrorKind::LeaseHeld, "{impatient}");

    hang.store(false, Ordering::SeqCst);
    let report = set().run().await.unwrap();
    assert!(died_at.elapsed() >= Duration::from_millis(900), "{:?}", died_at.elapsed());
    assert!(report.waited_for_lease);
    assert_eq!(report.resumed, ["0001_slow"]);
    assert_eq!(report.applied, ["0001_slow"]);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(set().status().await.unwrap()[0].1, MigrationStatus::Applied);
}

#[tokio::test]
async fn invalid_sets_are_refused_before_any_request() {
    let db = setup().await;
    let sent = db.requests_sent();
    let no_up = Migrations::new::<Account>(&db, "accounts").with(Migration::new("0001"));
    assert!(no_up.run().await.unwrap_err().is_local_validation());
    let twice = Migrations::new::<Account>(&db, "accounts")
        .with(Migration::new("0001").up(|_| async { Ok(()) }))
        .with(Migration::new("0001").up(|_| async { Ok(()) }));
    assert!(twice.run().await.unwrap_err().to_string().contains("two migrations"));
    let hash = Migrations::new::<Account>(&db, "a#b")
        .with(Migration::new("0001").up(|_| async { Ok(()) }));
    assert!(hash.run().await.unwrap_err().is_local_validation());
    let lease = Migrations::new::<Account>(&db, "accounts")
        .with(Migration::new("LEASE").up(|_| async { Ok(()) }));
    assert!(lease.run().await.unwrap_err().is_local_validation());
    assert_eq!(db.requests_sent(), sent);
}
