//! `ferrodyn-local`: run a SAM template's Rust functions, HTTP API and DynamoDB stream
//! consumers on this machine, against DynamoDB Local (see the crate's README).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main(std::env::args_os().skip(1))
}
