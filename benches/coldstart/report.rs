//! The cold-start report in three forms: a Markdown table of medians and ratios (printed, and
//! pasted into the README), a JSON document with every sample (committed under
//! `benches/results/`), and an SVG bar chart of the medians drawn by hand.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::{Function, Metric, Report, Sample, Transport};

/// The goals the report checks, as `(metric, transport, limit of ferrodyn / baseline)`;
/// `None` as metric stands for the binary size.
pub const GOALS: [(Option<Metric>, Option<Transport>, f64); 5] = [
    (Some(Metric::CpuFirstResponse), Some(Transport::Https), 0.5),
    (Some(Metric::CpuFirstResponse), Some(Transport::Http), 0.5),
    (Some(Metric::ColdResponse), Some(Transport::Https), 0.6),
    (Some(Metric::PeakRss), Some(Transport::Https), 0.75),
    (None, None, 0.8),
];

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn sample_json(sample: &Sample) -> Value {
    let mut object = Map::new();
    for metric in Metric::ALL {
        object.insert(metric.key().into(), json!(round3(metric.value(sample))));
    }
    Value::Object(object)
}

fn metrics_json(value: impl Fn(Metric) -> Option<f64>) -> Value {
    let mut object = Map::new();
    for metric in Metric::ALL {
        object.insert(metric.key().into(), json!(value(metric).map(round3)));
    }
    Value::Object(object)
}

/// The report as JSON: settings, binary sizes, then per transport each function's medians and
/// samples and the ratios ferrodyn/baseline and ferrodyn/floor.
pub fn to_json(report: &Report) -> Value {
    let binaries: Vec<Value> = report
        .binaries
        .iter()
        .map(|b| json!({ "function": b.function.name(), "bytes": b.bytes, "stripped_bytes": b.stripped_bytes }))
        .collect();
    let size_ratio = |a: Function, b: Function| {
        super::stats::ratio(report.size(a)? as f64, report.size(b)? as f64).map(round3)
    };
    let transports: Vec<Value> = report
        .transports
        .iter()
        .map(|t| {
            let functions: Vec<Value> = t
                .functions
                .iter()
                .map(|runs| {
                    json!({
                        "function": runs.function.name(),
                        "runs": runs.samples.len(),
                        "median": metrics_json(|m| runs.median(m)),
                        "samples": runs.samples.iter().map(sample_json).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "transport": t.transport.name(),
                "functions": functions,
                "ratios": {
                    "ferrodyn/baseline": metrics_json(|m| t.ratio(m, Function::Ferrodyn, Function::Baseline)),
                    "ferrodyn/floor": metrics_json(|m| t.ratio(m, Function::Ferrodyn, Function::Floor)),
                },
            })
        })
        .collect();
    json!({
        "benchmark": "coldstart",
        "rounds": report.rounds,
        "cpus": report.cpus,
        "profile": report.profile,
        "binaries": binaries,
        "binary_size_ratios": {
            "ferrodyn/baseline": size_ratio(Function::Ferrodyn, Function::Baseline),
            "ferrodyn/floor": size_ratio(Function::Ferrodyn, Function::Floor),
        },
        "transports": transports,
    })
}

fn cell(value: Option<f64>, unit: &str) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1} {unit}"))
}

fn times(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}×"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A Markdown table per transport of the medians, the two ratios, the binary sizes, and the
/// goals with whether this run met them.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cold start: medians of {} interleaved runs per function and transport ({} CPUs, {} profile)\n",
        report.rounds, report.cpus, report.profile
    );
    for t in &report.transports {
        let _ = writeln!(out, "DynamoDB over {}:\n", t.transport.name().to_uppercase());
        let _ = writeln!(
            out,
            "| metric | floor | baseline | ferrodyn | ferrodyn/baseline | ferrodyn/floor |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for metric in Metric::ALL {
            let median = |f: Function| t.function(f).and_then(|runs| runs.median(metric));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                metric.label(),
                cell(median(Function::Floor), metric.unit()),
                cell(median(Function::Baseline), metric.unit()),
                cell(median(Function::Ferrodyn), metric.unit()),
                times(t.ratio(metric, Function::Ferrodyn, Function::Baseline)),
                times(t.ratio(metric, Function::Ferrodyn, Function::Floor)),
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "| binary | floor | baseline | ferrodyn | ferrodyn/baseline | ferrodyn/floor |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    let size = |f: Function, stripped: bool| {
        report.binaries.iter().find(|b| b.function == f).and_then(|b| {
            if stripped {
                b.stripped_bytes
            } else {
                Some(b.bytes)
            }
        })
    };
    for (label, stripped) in [("size", false), ("size, stripped", true)] {
        let ratio =
            |a, b| super::stats::ratio(size(a, stripped)? as f64, size(b, stripped)? as f64);
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            cell(size(Function::Floor, stripped).map(mib), "MiB"),
            cell(size(Function::Baseline, stripped).map(mib), "MiB"),
            cell(size(Function::Ferrodyn, stripped).map(mib), "MiB"),
            times(ratio(Function::Ferrodyn, Function::Baseline)),
            times(ratio(Function::Ferrodyn, Function::Floor)),
        );
    }
    let _ = writeln!(out, "\ngoals (ferrodyn/baseline):");
    for (metric, transport, limit) in GOALS {
        let (label, value) = match (metric, transport) {
            (Some(metric), Some(transport)) => (
                format!("{} over {}", metric.label(), transport.name().to_uppercase()),
                report
                    .transports
                    .iter()
                    .find(|t| t.transport == transport)
                    .and_then(|t| t.ratio(metric, Function::Ferrodyn, Function::Baseline)),
            ),
            _ => (
                "binary size".to_owned(),
                super::stats::ratio(
                    report.size(Function::Ferrodyn).unwrap_or(0) as f64,
                    report.size(Function::Baseline).unwrap_or(0) as f64,
                ),
            ),
        };
        let verdict = match value {
            Some(v) if v <= limit => "met",
            Some(_) => "missed",
            None => "not measured",
        };
        let _ = writeln!(out, "- {label}: {} (goal ≤ {limit:.2}×): {verdict}", times(value));
    }
    out
}

/// The three functions' colours in the chart.
fn colour(function: Function) -> &'static str {
    match function {
        Function::Floor => "#9aa5b1",
        Function::Baseline => "#e07b39",
        Function::Ferrodyn => "#2f6fb3",
    }
}

/// Text safe inside SVG markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One group of bars in the chart: its label, each function's value, the unit.
type Group = (String, Vec<(Function, Option<f64>)>, &'static str);

/// A horizontal bar chart: one group per metric and transport (plus the binary size), three bars
/// per group scaled to the group's largest median and labelled with their values.
pub fn svg(report: &Report) -> String {
    const WIDTH: f64 = 820.0;
    const LABEL: f64 = 300.0;
    const BAR: f64 = 14.0;
    const GAP: f64 = 12.0;
    const BAR_SPACE: f64 = WIDTH - LABEL - 110.0;

    let mut groups: Vec<Group> = Vec::new();
    for metric in [
        Metric::ColdResponse,
        Metric::Init,
        Metric::CpuFirstResponse,
        Metric::Warm,
        Metric::PeakRss,
    ] {
        for t in &report.transports {
            let bars = Function::ALL
                .iter()
                .map(|&f| (f, t.function(f).and_then(|runs| runs.median(metric))))
                .collect();
            groups.push((
                format!("{}, {}", metric.label(), t.transport.name().to_uppercase()),
                bars,
                metric.unit(),
            ));
        }
    }
    groups.push((
        "binary size (stripped)".to_owned(),
        Function::ALL.iter().map(|&f| (f, report.size(f).map(mib))).collect(),
        "MiB",
    ));

    let group_height = 3.0 * BAR + GAP + 16.0;
    let top = 56.0;
    let height = top + groups.len() as f64 * group_height + 10.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        out,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">Lambda cold start: medians of {} interleaved runs ({} profile)</text>"#,
        report.rounds,
        escape(&report.profile)
    );
    let mut x = 10.0;
    for f in Function::ALL {
        let _ = writeln!(
            out,
            r#"<rect x="{x}" y="32" width="12" height="12" fill="{}"/><text x="{}" y="43">{}</text>"#,
            colour(f),
            x + 16.0,
            f.name()
        );
        x += 100.0;
    }
    for (i, (label, bars, unit)) in groups.iter().enumerate() {
        let y0 = top + i as f64 * group_height;
        let _ = writeln!(out, r#"<text x="10" y="{}">{}</text>"#, y0 + 12.0 + BAR, escape(label));
        let max = bars.iter().filter_map(|(_, v)| *v).fold(0.0_f64, f64::max);
        for (j, (function, value)) in bars.iter().enumerate() {
            let y = y0 + j as f64 * BAR;
            let width = match value {
                Some(v) if max > 0.0 => (v / max * BAR_SPACE).max(1.0),
                _ => 0.0,
            };
            let text = value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1} {unit}"));
            let _ = writeln!(
                out,
                r#"<rect x="{LABEL}" y="{y}" width="{width:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                BAR - 2.0,
                colour(*function),
                LABEL + width + 4.0,
                y + BAR - 3.0,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
