//! The start-up phases and how instructions are attributed to them: each phase is the inclusive
//! cost (from `callgrind_annotate --inclusive=yes`) of the functions that do its work, less the
//! phases nested in it; what no phase claims (main's own work, tokio, allocation outside the
//! phases) is the first row.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::HandshakeCount;
use crate::coldstart::{BoxError, Transport};

/// A phase: the functions whose inclusive costs make it, and the phase it is nested in.
#[derive(Debug, Clone, Copy)]
pub struct Phase {
    /// The row's name.
    pub name: &'static str,
    /// Substrings of `callgrind_annotate`'s `file:function` entries. Each pattern counts once, at
    /// its largest match (a function and its closures or monomorphic copies nest in one another);
    /// the patterns of a phase must name disjoint calls.
    pub patterns: &'static [&'static str],
    /// Functions called inside the patterns' but counted by another top-level phase.
    pub excluding: &'static [&'static str],
    /// The phase whose functions call this one's, whose row this one's instructions leave.
    pub within: Option<&'static str>,
}

/// The name of the row for what no phase claims.
pub const REST: &str =
    "rest: main's own work, tokio, allocation, Runtime API `/next` after the answer";

const CLIENT: &str = "client construction (aws-sdk-dynamodb `Client::from_conf`)";
const REQUESTS: &str =
    "requests: SDK orchestrator, serialisation, hyper (GetItem, and the prewarm's when it is on)";
const HANDSHAKE: &str = "TLS connect: TCP, rustls handshake, rest";
const GET_ITEM: &str = "ferrodyn::operation::get::GetItem<M>::send::{{closure}}";

/// The phases, outer ones before the phases nested in them.
pub const PHASES: [Phase; 12] = [
    Phase {
        name: "process start (dynamic loader, before main)",
        patterns: &["rtld.c:_dl_start "],
        excluding: &[],
        within: None,
    },
    Phase {
        name: "Lambda runtime (Runtime API client, event, response)",
        patterns: &["lambda_runtime::runtime::Runtime<S>::run::{{closure}}"],
        excluding: &[GET_ITEM],
        within: None,
    },
    Phase {
        name: "tracing set-up (ferrodyn_lambda::logging, tracing-subscriber)",
        patterns: &["ferrodyn_lambda::logging::", "tracing_subscriber::fmt::"],
        excluding: &[],
        within: None,
    },
    Phase {
        name: "configuration (environment; no aws-config)",
        patterns: &["ferrodyn_lambda::config::LambdaConfig::from_env", "aws_config::"],
        excluding: &[],
        within: None,
    },
    Phase { name: CLIENT, patterns: &["aws_sdk_dynamodb::client::Client::from_conf"], excluding: &[], within: None },
    Phase {
        name: "root certificates: read + PEM decode (ferrodyn_lambda::tls::roots)",
        patterns: &["ferrodyn_lambda::tls::roots::certificates"],
        excluding: &[],
        within: Some(CLIENT),
    },
    Phase {
        name: "root certificates: parse into trust anchors (webpki)",
        patterns: &["webpki::trust_anchor::anchor_from_trusted_cert"],
        excluding: &[],
        within: Some(CLIENT),
    },
    Phase {
        name: REQUESTS,
        patterns: &["DescribeEndpointsFluentBuilder as aws_sdk_dynamodb::client::customize::internal::CustomizableSend", GET_ITEM],
        excluding: &[],
        within: None,
    },
    Phase {
        name: "endpoint resolution",
        patterns: &["DefaultResolver as aws_sdk_dynamodb::config::endpoint::ResolveEndpoint>::resolve_endpoint"],
        excluding: &[],
        within: Some(REQUESTS),
    },
    Phase {
        name: "signing (aws_sigv4)",
        patterns: &["aws_sigv4::http_request::sign::sign "],
        excluding: &[],
        within: Some(REQUESTS),
    },
    Phase {
        name: "decoding (SDK response deserialisers)",
        patterns: &[
            "GetItemResponseDeserializer as aws_smithy_runtime_api::client::ser_de::DeserializeResponse>::deserialize_nonstreaming",
            "DescribeEndpointsResponseDeserializer as aws_smithy_runtime_api::client::ser_de::DeserializeResponse>::deserialize_nonstreaming",
        ],
        excluding: &[],
        within: Some(REQUESTS),
    },
    Phase {
        name: HANDSHAKE,
        patterns: &["HttpsConnector<T> as tower_service::Service<http::uri::Uri>>::call::{{closure}}"],
        excluding: &[],
        within: Some(REQUESTS),
    },
];

/// Phases nested in the handshake, attributed after [`PHASES`] so that the table reads top-down.
pub const HANDSHAKE_PHASES: [Phase; 2] = [
    Phase {
        name: "TLS: certificate chain + CertificateVerify signature (webpki, ring ECDSA/RSA)",
        patterns: &[
            "WebPkiServerVerifier as rustls::verify::ServerCertVerifier>::verify_server_cert",
            "WebPkiServerVerifier as rustls::verify::ServerCertVerifier>::verify_tls13_signature",
            "WebPkiServerVerifier as rustls::verify::ServerCertVerifier>::verify_tls12_signature",
        ],
        excluding: &[],
        within: Some(HANDSHAKE),
    },
    Phase {
        name: "TLS: key exchange (ring X25519)",
        patterns: &[
            "KxGroup as rustls::crypto::SupportedKxGroup>::start",
            "KeyExchange as rustls::crypto::ActiveKeyExchange>::complete",
        ],
        excluding: &[],
        within: Some(HANDSHAKE),
    },
];

/// The inclusive costs `callgrind_annotate --inclusive=yes` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inclusive {
    /// `PROGRAM TOTALS`.
    pub total: u64,
    /// Each function's inclusive instructions and `file:function [object]` entry.
    pub entries: Vec<(u64, String)>,
}

impl Inclusive {
    /// The largest inclusive cost of an entry containing `pattern` (0 when none does).
    pub fn largest(&self, pattern: &str) -> u64 {
        self.entries
            .iter()
            .filter(|(_, entry)| entry.contains(pattern))
            .map(|(cost, _)| *cost)
            .max()
            .unwrap_or(0)
    }

    /// The cost of `phase`: its patterns' largest matches, summed, less its exclusions'.
    pub fn phase(&self, phase: &Phase) -> u64 {
        let own: u64 = phase.patterns.iter().map(|pattern| self.largest(pattern)).sum();
        let excluded: u64 = phase.excluding.iter().map(|pattern| self.largest(pattern)).sum();
        own.saturating_sub(excluded)
    }
}

/// Reads `callgrind_annotate` output: `1,234 (12.34%)  file:function [object]` lines and the
/// `PROGRAM TOTALS` line.
///
/// # Errors
/// No `PROGRAM TOTALS` line.
pub fn parse_inclusive(text: &str) -> Result<Inclusive, BoxError> {
    let mut total = None;
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some((count, rest)) = line.split_once(' ') else { continue };
        let Ok(cost) = count.replace(',', "").parse::<u64>() else { continue };
        let Some(rest) = rest.trim_start().strip_prefix('(') else { continue };
        let Some((_, entry)) = rest.split_once(')') else { continue };
        let entry = entry.trim();
        if entry == "PROGRAM TOTALS" {
            total = Some(cost);
        } else {
            entries.push((cost, entry.to_owned()));
        }
    }
    let total = total.ok_or("no PROGRAM TOTALS line in the callgrind_annotate output")?;
    Ok(Inclusive { total, entries })
}

/// Instructions per phase, exclusive of nested phases, [`REST`] first; they sum to the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// All instructions of the run.
    pub total: u64,
    /// `(phase, instructions)`, [`REST`] then the phases in order.
    pub rows: Vec<(&'static str, u64)>,
}

/// Attributes `inclusive`'s instructions to [`PHASES`] and [`HANDSHAKE_PHASES`].
pub fn attribute(inclusive: &Inclusive) -> Attribution {
    let phases: Vec<Phase> = PHASES.iter().chain(&HANDSHAKE_PHASES).copied().collect();
    attribute_to(inclusive, &phases)
}

/// Attributes `inclusive`'s instructions to `phases`: each phase's cost less that of the phases
/// directly within it; what the top-level phases leave of the total is [`REST`].
pub fn attribute_to(inclusive: &Inclusive, phases: &[Phase]) -> Attribution {
    let own: Vec<u64> = phases.iter().map(|phase| inclusive.phase(phase)).collect();
    let rows: Vec<(&'static str, u64)> = phases
        .iter()
        .zip(&own)
        .map(|(phase, &cost)| {
            let nested: u64 = phases
                .iter()
                .zip(&own)
                .filter(|(inner, _)| inner.within == Some(phase.name))
                .map(|(_, &c)| c)
                .sum();
            (phase.name, cost.saturating_sub(nested))
        })
        .collect();
    let outer: u64 =
        phases.iter().zip(&own).filter(|(phase, _)| phase.within.is_none()).map(|(_, &c)| c).sum();
    let mut all = vec![(REST, inclusive.total.saturating_sub(outer))];
    all.extend(rows);
    Attribution { total: inclusive.total, rows: all }
}

/// One transport's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportProfile {
    /// Which transport.
    pub transport: Transport,
    /// TLS handshakes the proxy completed during the run.
    pub handshakes: usize,
    /// The instructions per phase.
    pub phases: Attribution,
}

/// The whole profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The TLS set-up's name (`COLDSTART_TLS`).
    pub cert: &'static str,
    /// HTTPS, then HTTP.
    pub transports: Vec<TransportProfile>,
    /// The native handshake counts, prewarm on then off.
    pub handshakes: Vec<HandshakeCount>,
}

fn percent(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 * 100.0 / total as f64
    }
}

/// The profile as Markdown: the phase table (instructions and share per transport) and the
/// handshake counts.
pub fn markdown(profile: &Profile) -> String {
    let mut out = String::from("| phase |");
    for t in &profile.transports {
        let _ = write!(out, " {} instructions | % |", t.transport.name().to_uppercase());
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|---:|".repeat(profile.transports.len()));
    out.push('\n');
    let names: Vec<&str> = profile
        .transports
        .first()
        .map(|t| t.phases.rows.iter().map(|(name, _)| *name).collect())
        .unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        let _ = write!(out, "| {name} |");
        for t in &profile.transports {
            let cost = t.phases.rows.get(i).map_or(0, |(_, c)| *c);
            let _ = write!(out, " {} | {:.1}% |", thousands(cost), percent(cost, t.phases.total));
        }
        out.push('\n');
    }
    out.push_str("| **total (exec → first response)** |");
    for t in &profile.transports {
        let _ = write!(out, " **{}** | 100% |", thousands(t.phases.total));
    }
    out.push('\n');
    let _ =
        write!(out, "\nTLS set-up `{}`; handshakes at the proxy under callgrind:", profile.cert);
    for t in &profile.transports {
        let _ = write!(out, " {} {},", t.transport.name(), t.handshakes);
    }
    out.pop();
    out.push_str(".\n\n| native run, HTTPS | handshakes during init | during the first invocation |\n|---|---:|---:|\n");
    for h in &profile.handshakes {
        let _ = writeln!(
            out,
            "| FERRODYN_PREWARM={} | {} | {} |",
            h.prewarm, h.during_init, h.during_first_invocation
        );
    }
    out
}

/// The profile as JSON.
pub fn to_json(profile: &Profile) -> Value {
    json!({
        "tls": profile.cert,
        "transports": profile.transports.iter().map(|t| json!({
            "transport": t.transport.name(),
            "total_instructions": t.phases.total,
            "tls_handshakes": t.handshakes,
            "phases": t.phases.rows.iter().map(|(name, cost)| json!({
                "phase": name,
                "instructions": cost,
                "percent": (percent(*cost, t.phases.total) * 10.0).round() / 10.0,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "native_handshakes_https": profile.handshakes.iter().map(|h| json!({
            "prewarm": h.prewarm,
            "during_init": h.during_init,
            "during_first_invocation": h.during_first_invocation,
        })).collect::<Vec<_>>(),
    })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
