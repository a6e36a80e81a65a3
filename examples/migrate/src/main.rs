//! Runs the shop table's migrations: as a Lambda when started by the Lambda runtime (the event
//! `{"action": "run" | "status" | "rollback"}`), otherwise once from the command line
//! (`migrate run|status|rollback`). Both read the table and endpoint from the environment
//! (`TABLE_NAME`, `AWS_ENDPOINT_URL_DYNAMODB`, ...: ferrodyn-lambda's settings).

use ferrodyn::migrate::Migrations;
use ferrodyn_lambda::LambdaDb;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::Deserialize;
use serde_json::{json, Value};

/// What an invocation asks for.
#[derive(Debug, Deserialize)]
struct Request {
    action: String,
}

async fn act(migrations: &Migrations, action: &str) -> Result<Value, Error> {
    Ok(match action {
        "run" => {
            let r = migrations.run().await?;
            json!({"applied": r.applied, "resumed": r.resumed, "already_applied": r.already_applied,
                   "waited_for_lease": r.waited_for_lease})
        }
        "status" => {
            let status = migrations.status().await?;
            let status: Vec<Value> = status
                .iter()
                .map(|(name, s)| json!({"name": name, "status": format!("{s:?}")}))
                .collect();
            json!({ "migrations": status })
        }
        "rollback" => json!({ "rolled_back": migrations.rollback().await? }),
        other => return Err(format!("unknown action `{other}`: run, status or rollback").into()),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    ferrodyn_lambda::init_tracing();
    let db = LambdaDb::builder().single_table("shop").init().await?;
    let migrations = migrate::migrations(db.db());
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        let action = std::env::args().nth(1).unwrap_or_else(|| "run".to_owned());
        println!("{}", act(&migrations, &action).await?);
        return Ok(());
    }
    let migrations = &migrations;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        act(migrations, &event.payload.action).await
    }))
    .await
}
