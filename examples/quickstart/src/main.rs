//! ferrodyn quick start: models → table → create, get, update, failed condition, delete.

use std::io::IsTerminal;

use ferrodyn::{Attribute, Db, Model, Update};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Attribute)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pending,
    Paid,
}

#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(table = "shop", entity = "Customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
    name: String,
    email: String,
    order_count: u32,
}

#[derive(Debug, Serialize, Deserialize, Model)]
#[ferrodyn(
    table = "shop",
    entity = "Order",
    pk = "CUSTOMER#{customer_id}",
    sk = "ORDER#{order_id}",
    index(name = "gsi1", pk = "STATUS#{status}", sk = "{created_at}")
)]
struct Order {
    customer_id: String,
    order_id: String,
    status: Status,
    total_cents: i64,
    created_at: String,
    note: Option<String>,
    #[ferrodyn(version)]
    version: u64,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "AWS".into());
    println!("ferrodyn quick start against {endpoint}\n");
    let db = Db::from_env().await.with_table_prefix(format!("quickstart-{}-", std::process::id()));

    step("create table `shop` from the Customer and Order models");
    db.create_table_for(&[Customer::META, Order::META]).await?;
    let schema = ferrodyn::schema::TableSchema::from_models(&[Customer::META, Order::META])?;
    println!(
        "   keys: {:?}, {:?}; indexes: {:?}",
        schema.partition_key,
        schema.sort_key,
        schema.indexes.keys().collect::<Vec<_>>()
    );

    step("create customer c-1");
    let ada = Customer {
        id: "c-1".into(),
        name: "Ada".into(),
        email: "ada@example.com".into(),
        order_count: 0,
    };
    db.create(&ada).await?;
    println!("   key: {}", ada.primary_key());

    step("create order o-1 for c-1");
    let order = Order {
        customer_id: "c-1".into(),
        order_id: "o-1".into(),
        status: Status::Pending,
        total_cents: 4_250,
        created_at: "2026-11-21T10:00:00Z".into(),
        note: None,
        version: 0,
    };
    db.create(&order).await?;
    let item = db.get(Order::key("c-1", "o-1")).send_item().await?.unwrap_or_default();
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    println!("   stored attributes: {names:?}");

    step("get order o-1");
    let got = db.get(Order::key("c-1", "o-1")).consistent_read(true).await?;
    println!("   {got:?}");

    step("update: status → paid, total + 750, note set (the gsi1 key follows the status)");
    let f = Order::FIELDS;
    let updated = db
        .update(
            Order::key("c-1", "o-1"),
            Update::new()
                .set(f.status, Status::Paid)
                .add(f.total_cents, 750)
                .set(f.note, "gift wrap"),
        )
        .condition(Order::FIELDS.status.eq(Status::Pending))
        .send_returning_new()
        .await?;
    println!("   {updated:?}");

    step("create order o-1 again (must fail: it exists)");
    match db.create(&order).await {
        Err(e) if e.is_condition_failed() => println!("   refused as expected: {e}"),
        Err(e) => return Err(e.into()),
        Ok(()) => return Err("the write succeeded but should have failed its condition".into()),
    }

    step("update with a stale condition (status is no longer pending)");
    let stale = db
        .update(Order::key("c-1", "o-1"), Update::new().set(Order::FIELDS.status, Status::Pending))
        .condition(Order::FIELDS.status.eq(Status::Pending))
        .await;
    match stale {
        Err(e) if e.is_condition_failed() => println!("   refused as expected: {e}"),
        Err(e) => return Err(e.into()),
        Ok(()) => return Err("the write succeeded but should have failed its condition".into()),
    }

    step("optimistic locking: two writers read the same version, both try to update");
    let read = db.get(Order::key("c-1", "o-1")).consistent_read(true).await?;
    let seen = read.map_or(0, |o| o.version);
    println!("   both read version {seen}");
    db.update(Order::key("c-1", "o-1"), Update::new().set(Order::FIELDS.note, "first writer"))
        .expect_version(seen)
        .await?;
    println!("   first writer: ok (version is now {})", seen + 1);
    let second = db
        .update(Order::key("c-1", "o-1"), Update::new().set(Order::FIELDS.note, "second writer"))
        .expect_version(seen)
        .await;
    match second {
        Err(e) if e.is_version_conflict() => println!("   second writer refused: {e}"),
        Err(e) => return Err(e.into()),
        Ok(()) => return Err("the stale write succeeded".into()),
    }

    step("batch write 1,000 orders for customer c-2 (BatchWriteItem, 25 per request)");
    let orders: Vec<Order> = (0..1_000)
        .map(|i| Order {
            customer_id: "c-2".into(),
            order_id: format!("b-{i:04}"),
            status: if i % 3 == 0 { Status::Paid } else { Status::Pending },
            total_cents: 100 + i,
            created_at: format!("2026-11-21T11:{:02}:{:02}Z", i / 60 % 60, i % 60),
            note: None,
            version: 0,
        })
        .collect();
    let terminal = std::io::stdout().is_terminal();
    db.batch_write()
        .put_all(&orders)
        .progress(move |done, total| {
            let filled = done * 40 / total.max(1);
            let bar =
                format!("[{}{}] {done:>4}/{total}", "#".repeat(filled), ".".repeat(40 - filled));
            // Redraw in place on a terminal; in a log, one line per 200 items.
            if terminal {
                print!("\r   {bar}");
                if done == total {
                    println!();
                }
            } else if done % 200 == 0 || done == total {
                println!("   {bar}");
            }
        })
        .await?;
    let keys = ["b-0000", "b-0999", "b-5000"].map(|id| Order::key("c-2", id));
    let got = db.batch_get(keys).send().await?;
    let found: Vec<&str> = got.found().map(|o| o.order_id.as_str()).collect();
    println!("   batch get of 3 keys: found {found:?}, missing {}", got.missing().count());

    step("paginated query of index gsi1: paid orders, newest first, 100 per page");
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut seen = 0;
    loop {
        let mut query = db.query(Order::gsi1_partition(Status::Paid)).descending().limit(100);
        if let Some(c) = &cursor {
            query = query.cursor(c);
        }
        let page = query.page().await?;
        pages += 1;
        seen += page.items.len();
        if pages <= 2 {
            let first = page.items.first().map(|o| o.created_at.as_str()).unwrap_or("-");
            let next =
                page.cursor.as_deref().map_or("none".to_owned(), |c| format!("{} chars", c.len()));
            println!(
                "   page {pages}: {} orders, newest {first}, next cursor {next}",
                page.items.len()
            );
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let counted = db.query(Order::gsi1_partition(Status::Paid)).count().await?;
    println!("   {pages} pages, {seen} paid orders (Select COUNT says {})", counted.count);

    step("transaction: create order o-2 and count it on the customer, atomically");
    let o2 = Order {
        customer_id: "c-1".into(),
        order_id: "o-2".into(),
        status: Status::Pending,
        total_cents: 990,
        created_at: "2026-11-21T12:00:00Z".into(),
        note: None,
        version: 0,
    };
    let count_it = Update::new().increment(Customer::FIELDS.order_count, 1u32);
    db.transaction()
        .create(db.create(&o2))
        .update(db.update(Customer::key("c-1"), count_it.clone()))
        .await?;
    let customer = db.get(Customer::key("c-1")).consistent_read(true).await?;
    println!("   committed; customer order_count = {:?}", customer.map(|c| c.order_count));

    step("the same transaction again: o-2 exists, so DynamoDB cancels every action");
    match db
        .transaction()
        .create(db.create(&o2))
        .update(db.update(Customer::key("c-1"), count_it))
        .await
    {
        Err(e) if e.is_transaction_canceled() => {
            for reason in e.cancellation_reasons().unwrap_or_default() {
                println!(
                    "   action {} ({} {} {}): {}",
                    reason.index(),
                    reason.operation(),
                    reason.model(),
                    reason.key(),
                    reason.code()
                );
            }
        }
        Err(e) => return Err(e.into()),
        Ok(()) => return Err("the transaction should have been canceled".into()),
    }
    let customer = db.get(Customer::key("c-1")).consistent_read(true).await?;
    println!("   customer order_count still {:?}", customer.map(|c| c.order_count));

    step("delete order o-1");
    let old = db.delete(Order::key("c-1", "o-1")).send_returning_old().await?;
    println!("   deleted: {old:?}");
    let gone = db.get(Order::key("c-1", "o-1")).await?;
    println!("   get after delete: {gone:?}");

    println!("\nquick start finished");
    Ok(())
}

fn step(text: &str) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STEP: AtomicUsize = AtomicUsize::new(1);
    println!("{}. {text}", STEP.fetch_add(1, Ordering::Relaxed));
}
