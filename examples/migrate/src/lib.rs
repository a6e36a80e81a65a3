//! The shop table's data migrations: the models they touch and the ordered set, shared by the
//! binary (a shell command or a Lambda) and its tests.

use std::time::Duration;

use ferrodyn::migrate::{Migration, Migrations};
use ferrodyn::{Db, Model};
use serde::{Deserialize, Serialize};

/// A customer profile; `tier` was added after customers had been written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
pub struct Customer {
    /// The customer's id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// `standard` or `gold`; missing on customers written before the tier existed.
    pub tier: Option<String>,
}

/// The set's migrations, in order. Each backfill may be stopped and run again: it resumes.
pub fn migrations(db: &Db) -> Migrations {
    Migrations::new::<Customer>(db, "shop")
        // A Lambda has at most 15 minutes: a lease that outlives a killed invocation by a
        // minute at most.
        .lease_duration(Duration::from_secs(60))
        .with(
            Migration::new("0001_customer_tier")
                .up(|ctx| async move {
                    let progress = ctx
                        .backfill::<Customer>()
                        .segments(4)
                        .on_progress(|p| {
                            eprintln!("tier: {} seen, {} written", p.seen, p.written);
                            std::ops::ControlFlow::Continue(())
                        })
                        .run(|mut c: Customer| {
                            // Customers with a tier already are left alone.
                            let tier = c.tier.get_or_insert_with(|| "standard".into());
                            (tier == "standard").then_some(c)
                        })
                        .await?;
                    eprintln!("tier: done, {progress:?}");
                    Ok(())
                })
                .down(|ctx| async move {
                    let untier = |mut c: Customer| c.tier.take().map(|_| c);
                    ctx.backfill::<Customer>().run(untier).await.map(drop)
                }),
        )
}
