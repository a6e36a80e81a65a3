//! What `start` and `invoke` share: the template read and its warnings printed, DynamoDB
//! reached (DynamoDB Local started unless `AWS_ENDPOINT_URL_DYNAMODB` is set), the tables
//! created, the functions built for the host and set up with Lambda's environment.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use ferrodyn_local::template::{Options, Template};

use super::args::Common;
use super::build::{build, Built};
use super::functions::Managed;
use super::tables;

/// A template brought up locally.
pub(crate) struct Stack {
    pub(crate) template: Template,
    pub(crate) endpoint: String,
    /// By function name.
    pub(crate) functions: BTreeMap<String, Arc<Managed>>,
    /// By binary name, as last built.
    pub(crate) built: HashMap<String, Built>,
    /// Where the template lives: `.ferrodyn-local/` goes there.
    pub(crate) dir: PathBuf,
}

/// The region functions and ARNs use: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1.
fn region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// Brings the template up: every table, and every function (or only `only`, by logical id or
/// name). `log` receives the functions' output lines, prefixed with their names.
pub(crate) async fn prepare(
    common: &Common,
    only: Option<&str>,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<Stack, String> {
    let options = Options {
        region: region(),
        table_prefix: common.table_prefix.clone(),
        parameters: common.parameters.clone(),
        ..Options::default()
    };
    let mut template = Template::read(&common.template, &options).map_err(|e| e.to_string())?;
    for warning in &template.warnings {
        eprintln!("{warning}");
    }
    let endpoint = ferrodyn_testing::shared_endpoint().map_err(|e| e.to_string())?.to_owned();
    eprintln!("DynamoDB at {endpoint}");
    let client = tables::client(&endpoint, template.region());
    let mut stream_arns = Vec::new();
    for table in &template.tables {
        let (stream_arn, created) = tables::create(&client, table).await?;
        let what = if created { "created" } else { "exists, kept as it is" };
        eprintln!("table {} ({}): {what}", table.name, table.logical_id);
        if let Some(arn) = stream_arn {
            stream_arns.push((table.logical_id.clone(), arn));
        }
    }
    for (table, arn) in stream_arns {
        template.set_stream_arn(&table, arn);
    }
    let wanted: Vec<_> = template
        .functions
        .iter()
        .filter(|f| only.is_none_or(|o| f.logical_id == o || f.name == o))
        .cloned()
        .collect();
    if let (Some(only), true) = (only, wanted.is_empty()) {
        return Err(format!("the template has no Rust function {only}"));
    }
    let mut by_dir: BTreeMap<PathBuf, Vec<&str>> = BTreeMap::new();
    for function in &wanted {
        by_dir.entry(function.code_dir.clone()).or_default().push(&function.binary);
    }
    let mut built = HashMap::new();
    for (dir, binaries) in &by_dir {
        built.extend(build(dir, binaries)?);
    }
    let mut functions = BTreeMap::new();
    for function in wanted {
        let (variables, warnings) = template.environment(&function);
        for warning in warnings {
            eprintln!("{warning}");
        }
        let region = template.region().to_owned();
        let mut env = vec![
            ("AWS_REGION".to_owned(), region.clone()),
            ("AWS_DEFAULT_REGION".to_owned(), region),
            // DynamoDB Local accepts any key id made of letters and digits only.
            ("AWS_ACCESS_KEY_ID".to_owned(), "ferrodynlocal".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "ferrodynlocal".to_owned()),
            ("AWS_SESSION_TOKEN".to_owned(), "ferrodynlocal".to_owned()),
            (ferrodyn_testing::ENDPOINT_ENV.to_owned(), endpoint.clone()),
        ];
        if let Some(format) = &function.log_format {
            env.push(("AWS_LAMBDA_LOG_FORMAT".to_owned(), format.clone()));
        }
        if let Some(level) = &function.log_level {
            env.push(("AWS_LAMBDA_LOG_LEVEL".to_owned(), level.clone()));
        }
        env.extend(variables);
        let program =
            built.get(&function.binary).map(|b| b.executable.clone()).ok_or_else(|| {
                format!("{}: binary {} was not built", function.logical_id, function.binary)
            })?;
        let name = function.name.clone();
        functions.insert(name, Arc::new(Managed::new(function, program, env, Arc::clone(&log))));
    }
    let dir = common
        .template
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    Ok(Stack { template, endpoint, functions, built, dir })
}
