//! The command line, read by hand: `start`, `invoke` and `generate-event` with their flags.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

/// The usage text printed by `--help` and after a mistake.
pub(crate) const USAGE: &str = "\
ferrodyn-local: run a SAM template's Rust functions, HTTP API and DynamoDB stream consumers locally

USAGE:
    ferrodyn-local start [--template FILE] [--host ADDR] [--port N] [--watch]
                         [--table-prefix PREFIX] [--parameter-overrides KEY=VALUE...]
    ferrodyn-local invoke FUNCTION --event FILE [--template FILE] [--table-prefix PREFIX]
                         [--parameter-overrides KEY=VALUE...]
    ferrodyn-local generate-event dynamodb|http|rest

OPTIONS:
    --template FILE        the SAM template (default template.yaml)
    --host ADDR            the address the HTTP API listens on (default 127.0.0.1)
    --port N               its port (default 3000; 0 picks a free one)
    --watch                rebuild and restart a function when its sources change
    --table-prefix PREFIX  put before every local table name (to share one DynamoDB)
    --parameter-overrides  template parameter values, over their Defaults
    --event FILE           the event to invoke with (`-` reads standard input)

DynamoDB Local is started unless AWS_ENDPOINT_URL_DYNAMODB names an endpoint to use.
";

/// What to do.
#[derive(Debug)]
pub(crate) enum Command {
    Start(Common, Start),
    Invoke(Common, String, PathBuf),
    GenerateEvent(String),
    Help,
}

/// Flags `start` and `invoke` share.
#[derive(Debug)]
pub(crate) struct Common {
    pub(crate) template: PathBuf,
    pub(crate) table_prefix: String,
    pub(crate) parameters: HashMap<String, String>,
}

/// `start`'s own flags.
#[derive(Debug)]
pub(crate) struct Start {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) watch: bool,
}

/// Reads the arguments after the program name.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.into_string().map_err(|a| format!("argument {a:?} is not UTF-8")))
        .collect::<Result<_, _>>()?;
    let Some((command, rest)) = args.split_first() else { return Ok(Command::Help) };
    let mut common = Common {
        template: PathBuf::from("template.yaml"),
        table_prefix: String::new(),
        parameters: HashMap::new(),
    };
    let mut start = Start { host: "127.0.0.1".to_owned(), port: 3000, watch: false };
    let mut positional = Vec::new();
    let mut event = None;
    let mut iter = rest.iter().peekable();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| iter.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--template" | "-t" => common.template = PathBuf::from(value("--template")?),
            "--table-prefix" => common.table_prefix = value("--table-prefix")?,
            "--host" => start.host = value("--host")?,
            "--port" | "-p" => {
                let port = value("--port")?;
                start.port = port.parse().map_err(|_| format!("--port {port:?} is not a port"))?;
            }
            "--watch" => start.watch = true,
            "--event" | "-e" => event = Some(PathBuf::from(value("--event")?)),
            "--parameter-overrides" => {
                let first = value("--parameter-overrides")?;
                let mut pairs = vec![first];
                while let Some(next) = iter.peek().filter(|a| !a.starts_with("--")) {
                    pairs.push((*next).clone());
                    iter.next();
                }
                for pair in pairs.iter().flat_map(|p| p.split_whitespace()) {
                    let (key, value) = pair.split_once('=').ok_or_else(|| {
                        format!("--parameter-overrides takes KEY=VALUE, not {pair:?}")
                    })?;
                    common.parameters.insert(key.to_owned(), value.to_owned());
                }
            }
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unknown option {other}"))
            }
            _ => positional.push(arg.clone()),
        }
    }
    match (command.as_str(), positional.as_slice()) {
        ("help" | "-h" | "--help", _) => Ok(Command::Help),
        ("start", []) => Ok(Command::Start(common, start)),
        ("invoke", [function]) => {
            let event = event.ok_or("invoke needs --event FILE")?;
            Ok(Command::Invoke(common, function.clone(), event))
        }
        ("invoke", _) => Err("invoke takes one function name".to_owned()),
        ("generate-event", [kind]) => Ok(Command::GenerateEvent(kind.clone())),
        ("generate-event", _) => Err("generate-event takes dynamodb, http or rest".to_owned()),
        (command, _) => Err(format!("unknown command or stray argument after {command}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn start_reads_its_flags() {
        let Ok(Command::Start(common, start)) =
            parse(args("start --template t.yaml --port=0 --watch --parameter-overrides A=1 B=2"))
        else {
            panic!("not a start");
        };
        assert_eq!(common.template, PathBuf::from("t.yaml"));
        assert_eq!((start.port, start.watch), (0, true));
        assert_eq!(common.parameters.get("B").map(String::as_str), Some("2"));
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(parse(args("start --port x")).unwrap_err(), "--port \"x\" is not a port");
        assert!(parse(args("invoke F")).unwrap_err().contains("--event"));
        assert!(parse(args("start --bogus")).unwrap_err().contains("--bogus"));
    }
}
