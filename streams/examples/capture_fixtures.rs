//! Regenerates `tests/fixtures/*.json` (all but the hand-made poison records): runs each write
//! scenario against DynamoDB Local and captures the table's stream as the Lambda event the local
//! stream poller builds. Run with `cargo run -p ferrodyn-streams --example capture_fixtures`.

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for (name, event) in common::capture().await? {
        let path = common::fixture_path(name);
        let mut text = serde_json::to_string_pretty(&event)?;
        text.push('\n');
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
