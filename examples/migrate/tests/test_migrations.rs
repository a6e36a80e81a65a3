//! The example's migrations against DynamoDB Local: the backfill sets a tier on the customers
//! without one, leaves the others, and the rollback removes what it set.

use ferrodyn::migrate::MigrationStatus;
use ferrodyn_testing::TestDb;
use migrate::{migrations, Customer};

#[tokio::test]
async fn the_tier_backfill_runs_once_and_rolls_back() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table::<Customer>().await.unwrap();
    for i in 0..40 {
        let tier = (i % 10 == 0).then(|| "gold".to_owned());
        db.put(&Customer { id: format!("c{i:02}"), name: format!("C{i}"), tier }).await.unwrap();
    }
    let report = migrations(&db).run().await.unwrap();
    assert_eq!(report.applied, ["0001_customer_tier"]);
    let tiers = |customers: Vec<Customer>| {
        let mut t: Vec<Option<String>> = customers.into_iter().map(|c| c.tier).collect();
        t.sort();
        t.dedup();
        t
    };
    let all = db.scan::<Customer>().all().await.unwrap();
    assert_eq!(all.len(), 40);
    assert_eq!(tiers(all), [Some("gold".to_owned()), Some("standard".to_owned())]);
    assert!(migrations(&db).run().await.unwrap().applied.is_empty());

    migrations(&db).rollback().await.unwrap();
    let status = migrations(&db).status().await.unwrap();
    assert_eq!(status[0].1, MigrationStatus::Pending);
    assert_eq!(tiers(db.scan::<Customer>().all().await.unwrap()), [None]);
}
