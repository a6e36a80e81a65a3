//! The cold-start report in three forms: a Markdown table of medians and ratios (printed, and
//! pasted into the README), a JSON document with every sample (committed under
//! `benches/results/`), and an SVG bar chart of the medians drawn by hand.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use super::functions::INVOCATION_PAYLOAD_LIMIT;
use super::{batch, Function, Metric, Report, Sample, Transport};

/// What a goal compares: a metric's medians over a transport, or the stripped binary sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The medians of a metric over a transport.
    Metric(Metric, Transport),
    /// The stripped sizes.
    Size,
}

/// A goal: `numerator / denominator` of `measure` at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    /// What is compared.
    pub measure: Measure,
    /// The function held to the goal.
    pub numerator: Function,
    /// The one it is held against.
    pub denominator: Function,
    /// The largest ratio that meets it.
    pub limit: f64,
}

const fn goal(measure: Measure, numerator: Function, denominator: Function, limit: f64) -> Goal {
    Goal { measure, numerator, denominator, limit }
}

/// The goals the report checks: the first round's against the baseline, this round's against
/// the floor, and the orders API as shipped against the baseline and the ferrodyn bootstrap.
pub const GOALS: [Goal; 16] = {
    use Function::{Baseline, Ferrodyn, Floor, OrdersApi};
    use Measure::{Metric as M, Size};
    use Metric::{ColdResponse, CpuFirstResponse, PeakRss};
    use Transport::{Http, Https};
    [
        goal(M(CpuFirstResponse, Https), Ferrodyn, Baseline, 0.5),
        goal(M(CpuFirstResponse, Http), Ferrodyn, Baseline, 0.5),
        goal(M(ColdResponse, Https), Ferrodyn, Baseline, 0.6),
        goal(M(PeakRss, Https), Ferrodyn, Baseline, 0.75),
        goal(M(CpuFirstResponse, Https), Ferrodyn, Floor, 2.0),
        goal(M(CpuFirstResponse, Http), Ferrodyn, Floor, 1.6),
        goal(M(ColdResponse, Http), Ferrodyn, Floor, 2.5),
        goal(M(PeakRss, Https), Ferrodyn, Floor, 2.0),
        goal(M(PeakRss, Http), Ferrodyn, Floor, 2.0),
        goal(Size, Ferrodyn, Baseline, 0.5),
        goal(M(ColdResponse, Https), OrdersApi, Baseline, 0.75),
        goal(M(ColdResponse, Http), OrdersApi, Baseline, 0.75),
        goal(M(PeakRss, Https), OrdersApi, Baseline, 0.75),
        goal(M(PeakRss, Http), OrdersApi, Baseline, 0.75),
        goal(M(CpuFirstResponse, Https), OrdersApi, Ferrodyn, 1.3),
        goal(M(CpuFirstResponse, Http), OrdersApi, Ferrodyn, 1.3),
    ]
};

/// The ratios every transport's table and JSON show, as (numerator, denominator).
pub const RATIOS: [(Function, Function); 4] = [
    (Function::Ferrodyn, Function::Baseline),
    (Function::Ferrodyn, Function::Floor),
    (Function::OrdersApi, Function::Baseline),
    (Function::OrdersApi, Function::Ferrodyn),
];

fn ratio_name((numerator, denominator): (Function, Function)) -> String {
    format!("{}/{}", numerator.name(), denominator.name())
}

impl Goal {
    /// The measured ratio, if both sides were measured.
    pub fn value(&self, report: &Report) -> Option<f64> {
        match self.measure {
            Measure::Metric(metric, transport) => report
                .transports
                .iter()
                .find(|t| t.transport == transport)?
                .ratio(metric, self.numerator, self.denominator),
            Measure::Size => super::stats::ratio(
                report.size(self.numerator)? as f64,
                report.size(self.denominator)? as f64,
            ),
        }
    }

    /// "<what> <numerator>/<denominator>".
    pub fn label(&self) -> String {
        let what = match self.measure {
            Measure::Metric(metric, transport) => {
                format!("{} over {}", metric.label(), transport.name().to_uppercase())
            }
            Measure::Size => "binary size, stripped".to_owned(),
        };
        format!("{what}, {}", ratio_name((self.numerator, self.denominator)))
    }
}

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

/// The report as JSON: settings, binary sizes, per transport each function's medians and
/// samples and the [`RATIOS`], the [`GOALS`], and the large batch.
pub fn to_json(report: &Report) -> Value {
    let binaries: Vec<Value> = report
        .binaries
        .iter()
        .map(|b| json!({ "function": b.function.name(), "bytes": b.bytes, "stripped_bytes": b.stripped_bytes }))
        .collect();
    let size_ratio = |(a, b): (Function, Function)| {
        super::stats::ratio(report.size(a)? as f64, report.size(b)? as f64).map(round3)
    };
    let mut size_ratios = Map::new();
    for pair in RATIOS {
        size_ratios.insert(ratio_name(pair), json!(size_ratio(pair)));
    }
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
            let mut ratios = Map::new();
            for (a, b) in RATIOS {
                ratios.insert(ratio_name((a, b)), metrics_json(|m| t.ratio(m, a, b)));
            }
            json!({ "transport": t.transport.name(), "functions": functions, "ratios": ratios })
        })
        .collect();
    let goals: Vec<Value> = GOALS
        .iter()
        .map(|g| {
            let value = g.value(report);
            json!({
                "goal": g.label(),
                "limit": g.limit,
                "ratio": value.map(round3),
                "met": value.map(|v| v <= g.limit),
            })
        })
        .collect();
    let batches: Vec<Value> = report
        .batches
        .iter()
        .map(|runs| {
            json!({
                "function": runs.function.name(),
                "records": runs.records,
                "bytes": runs.bytes,
                "runs": runs.samples.len(),
                "median": {
                    "duration_ms": runs.median(batch::duration_ms).map(round3),
                    "cpu_ms": runs.median(batch::cpu_ms).map(round3),
                    "peak_rss_mib": runs.median(batch::peak_rss_mib).map(round3),
                },
                "samples": runs.samples.iter().map(|s| json!({
                    "duration_ms": round3(batch::duration_ms(s)),
                    "cpu_ms": round3(batch::cpu_ms(s)),
                    "peak_rss_mib": round3(batch::peak_rss_mib(s)),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "benchmark": "coldstart",
        "rounds": report.rounds,
        "cpus": report.cpus,
        "profile": report.profile,
        "binaries": binaries,
        "binary_size_ratios": size_ratios,
        "transports": transports,
        "goals": goals,
        "batch": {
            "batch_size": report.batch_records,
            "payload_limit": INVOCATION_PAYLOAD_LIMIT,
            "transport": "https",
            "functions": batches,
        },
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

/// The header and rule of a table with a column per function and per ratio.
fn header(out: &mut String, first: &str) {
    let mut columns = vec![first.to_owned()];
    columns.extend(Function::ALL.iter().map(|f| f.name().to_owned()));
    columns.extend(RATIOS.iter().map(|&pair| ratio_name(pair)));
    let _ = writeln!(out, "| {} |", columns.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(columns.len()));
}

/// One row: `label`, each function's value, and the [`RATIOS`] of the values.
fn row(out: &mut String, label: &str, unit: &str, value: impl Fn(Function) -> Option<f64>) {
    let mut cells = vec![label.to_owned()];
    cells.extend(Function::ALL.iter().map(|&f| cell(value(f), unit)));
    cells.extend(
        RATIOS
            .iter()
            .map(|&(a, b)| times(value(a).and_then(|a| super::stats::ratio(a, value(b)?)))),
    );
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// A Markdown table per transport of the medians and the ratios, the binary sizes, the large
/// batch, and the goals with whether this run met them.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cold start: medians of {} interleaved runs per function and transport ({} CPUs, {} profile)\n",
        report.rounds, report.cpus, report.profile
    );
    for t in &report.transports {
        let _ = writeln!(out, "DynamoDB over {}:\n", t.transport.name().to_uppercase());
        header(&mut out, "metric");
        for metric in Metric::ALL {
            row(&mut out, metric.label(), metric.unit(), |f| {
                t.function(f).and_then(|runs| runs.median(metric))
            });
        }
        let _ = writeln!(out);
    }
    header(&mut out, "binary");
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
        row(&mut out, label, "MiB", |f| size(f, stripped).map(mib));
    }
    if !report.batches.is_empty() {
        let _ = writeln!(
            out,
            "\nthe stream batch Lambda sends for a batch size of {} (at most {} bytes), as a fresh \
             process's first invocation, over HTTPS (medians of {} runs):\n",
            report.batch_records,
            INVOCATION_PAYLOAD_LIMIT,
            report.batches.iter().map(|b| b.samples.len()).min().unwrap_or(0)
        );
        let _ = writeln!(out, "| function | records | event | spawn → response | CPU | peak RSS |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for runs in &report.batches {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                runs.function.name(),
                runs.records,
                cell(Some(mib(runs.bytes as u64)), "MiB"),
                cell(runs.median(batch::duration_ms), "ms"),
                cell(runs.median(batch::cpu_ms), "ms"),
                cell(runs.median(batch::peak_rss_mib), "MiB"),
            );
        }
    }
    let _ = writeln!(out, "\ngoals:");
    for goal in GOALS {
        let value = goal.value(report);
        let verdict = match value {
            Some(v) if v <= goal.limit => "met",
            Some(_) => "missed",
            None => "not measured",
        };
        let _ = writeln!(
            out,
            "- {}: {} (goal ≤ {:.2}×): {verdict}",
            goal.label(),
            times(value),
            goal.limit
        );
    }
    out
}

/// The functions' colours in the chart.
fn colour(function: Function) -> &'static str {
    match function {
        Function::Floor => "#9aa5b1",
        Function::Baseline => "#e07b39",
        Function::Ferrodyn => "#2f6fb3",
        Function::Idempotency => "#7fa7d6",
        Function::OrdersApi => "#3d9a5b",
        Function::OrderStream => "#9bcf9f",
    }
}

/// Text safe inside SVG markup.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One group of bars in the chart: its label, each function's value, the unit.
type Group = (String, Vec<(Function, Option<f64>)>, &'static str);

/// A horizontal bar chart: one group per metric and transport (plus the binary size), a bar per
/// function in each group, scaled to the group's largest median and labelled with their values.
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

    let group_height = Function::ALL.len() as f64 * BAR + GAP + 16.0;
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
        x += 8.0 * f.name().len() as f64 + 30.0;
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
