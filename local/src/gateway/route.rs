//! Route selection as API Gateway does it: the routes checked once when the server starts (a
//! greedy variable only last, whole-segment variables, no route twice), then for each request
//! the most specific route matching its path and method, or `$default`, or why none matched.

use std::cmp::Ordering;
use std::io;

use super::event::percent_decode;
use super::{PayloadVersion, Route};

/// The route key of the catch-all route.
pub(super) const DEFAULT_ROUTE: &str = "$default";

/// One segment of a path template, in order of precedence: a literal beats a variable beats a
/// greedy variable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Variable(String),
    Greedy(String),
}

impl Segment {
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Variable(_) => 1,
            Segment::Greedy(_) => 2,
        }
    }
}

#[derive(Debug)]
struct Compiled {
    route: Route,
    /// Upper-case; `None` is `ANY`.
    method: Option<String>,
    /// `None` is `$default`.
    segments: Option<Vec<Segment>>,
    key: String,
}

/// The route a request selected, with the path variables it bound (decoded).
#[derive(Debug)]
pub(super) struct Selected<'a> {
    pub(super) route: &'a Route,
    pub(super) key: &'a str,
    pub(super) path_parameters: Vec<(String, String)>,
}

/// The outcome of route selection.
#[derive(Debug)]
pub(super) enum Selection<'a> {
    Route(Selected<'a>),
    /// No route matched; `payload` is the format of the route whose path matched under another
    /// method, if any, else of the API as a whole (2.0 if it has any HTTP API route).
    NoRoute {
        payload: PayloadVersion,
        method_mismatch: bool,
    },
}

/// The routes of one local API.
#[derive(Debug)]
pub(super) struct RouteTable {
    routes: Vec<Compiled>,
}

impl RouteTable {
    /// Checks and compiles the routes.
    ///
    /// # Errors
    /// A route's path or method is not one API Gateway accepts, or two routes share a key.
    pub(super) fn new(routes: Vec<Route>) -> io::Result<Self> {
        let mut compiled: Vec<Compiled> = Vec::with_capacity(routes.len());
        for route in routes {
            let method = normalise_method(&route)?;
            // A REST API has no `$default`, but an HTTP API route may send payload 1.0: the
            // catch-all is served whatever its payload.
            let segments = if route.path != DEFAULT_ROUTE {
                Some(parse_path(&route)?)
            } else if method.is_some() {
                return Err(invalid(&route, "`$default` takes every method: give none, or `ANY`"));
            } else {
                None
            };
            let key = match (&segments, &method) {
                (None, _) => DEFAULT_ROUTE.to_owned(),
                (Some(_), Some(method)) => format!("{method} {}", route.path),
                (Some(_), None) => format!("ANY {}", route.path),
            };
            if let Some(other) = compiled.iter().find(|other| other.key == key) {
                return Err(invalid(
                    &route,
                    format_args!(
                        "route `{key}` is already served by function `{}`",
                        other.route.function
                    ),
                ));
            }
            compiled.push(Compiled { route, method, segments, key });
        }
        Ok(RouteTable { routes: compiled })
    }

    /// The route a request for `method` and `path` (raw, without the query string) selects.
    pub(super) fn select(&self, method: &str, path: &str) -> Selection<'_> {
        let request: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let mut best: Option<(&Compiled, Vec<(String, String)>)> = None;
        let mut path_only: Option<&Compiled> = None;
        for compiled in &self.routes {
            let Some(segments) = &compiled.segments else { continue };
            let Some(parameters) = match_path(segments, &request) else { continue };
            let method_matches = compiled.method.as_deref().is_none_or(|m| m == method);
            if !method_matches {
                if path_only.is_none_or(|other| more_specific(compiled, other).is_lt()) {
                    path_only = Some(compiled);
                }
                continue;
            }
            if best.as_ref().is_none_or(|(other, _)| more_specific(compiled, other).is_lt()) {
                best = Some((compiled, parameters));
            }
        }
        if let Some((compiled, path_parameters)) = best {
            return Selection::Route(Selected {
                route: &compiled.route,
                key: &compiled.key,
                path_parameters,
            });
        }
        if let Some(default) = self.routes.iter().find(|c| c.segments.is_none()) {
            return Selection::Route(Selected {
                route: &default.route,
                key: &default.key,
                path_parameters: Vec::new(),
            });
        }
        match path_only {
            Some(compiled) => {
                Selection::NoRoute { payload: compiled.route.payload, method_mismatch: true }
            }
            None => {
                let any_http_api = self.routes.is_empty()
                    || self.routes.iter().any(|c| c.route.payload == PayloadVersion::V2);
                let payload = if any_http_api { PayloadVersion::V2 } else { PayloadVersion::V1 };
                Selection::NoRoute { payload, method_mismatch: false }
            }
        }
    }
}

/// `Less` if `a` is the more specific route: segment kinds compared from the left (literal,
/// variable, greedy), then a named method before `ANY`.
fn more_specific(a: &Compiled, b: &Compiled) -> Ordering {
    let ranks =
        |c: &Compiled| -> Vec<u8> { c.segments.iter().flatten().map(Segment::rank).collect() };
    ranks(a).cmp(&ranks(b)).then_with(|| b.method.is_some().cmp(&a.method.is_some()))
}

/// The decoded path variables if `request` matches the template, else `None`. A greedy variable
/// takes one or more segments, and must not end up empty.
fn match_path(segments: &[Segment], request: &[&str]) -> Option<Vec<(String, String)>> {
    let mut parameters = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Literal(literal) => {
                if request.get(i).is_none_or(|part| percent_decode(part, false) != *literal) {
                    return None;
                }
            }
            Segment::Variable(name) => {
                let part = request.get(i).filter(|part| !part.is_empty())?;
                parameters.push((name.clone(), percent_decode(part, false)));
            }
            Segment::Greedy(name) => {
                let rest = request.get(i..).map(|rest| rest.join("/")).unwrap_or_default();
                if rest.is_empty() {
                    return None;
                }
                parameters.push((name.clone(), percent_decode(&rest, false)));
                return Some(parameters);
            }
        }
    }
    (request.len() == segments.len()).then_some(parameters)
}

fn normalise_method(route: &Route) -> io::Result<Option<String>> {
    let Some(method) = &route.method else { return Ok(None) };
    let method = method.to_ascii_uppercase();
    if method == "ANY" {
        return Ok(None);
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(route, format_args!("`{method}` is not an HTTP method")));
    }
    Ok(Some(method))
}

fn parse_path(route: &Route) -> io::Result<Vec<Segment>> {
    let Some(rest) = route.path.strip_prefix('/') else {
        return Err(invalid(route, "the path must start with `/` or be `$default`"));
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let mut segments = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => match name.strip_suffix('+') {
                Some(name) if i + 1 != parts.len() => {
                    return Err(invalid(
                        route,
                        format_args!(
                            "the greedy path variable `{{{name}+}}` must be the last segment"
                        ),
                    ))
                }
                Some(name) => Segment::Greedy(check_variable(route, name)?),
                None => Segment::Variable(check_variable(route, name)?),
            },
            None if part.contains(['{', '}']) => {
                return Err(invalid(
                    route,
                    format_args!("segment `{part}`: a path variable must be a whole segment"),
                ))
            }
            None => Segment::Literal((*part).to_owned()),
        };
        segments.push(segment);
    }
    Ok(segments)
}

fn check_variable(route: &Route, name: &str) -> io::Result<String> {
    if name.is_empty() || name.contains(['{', '}', '+']) {
        return Err(invalid(route, format_args!("`{{{name}}}` is not a path variable name")));
    }
    Ok(name.to_owned())
}

fn invalid(route: &Route, detail: impl std::fmt::Display) -> io::Error {
    let method = route.method.as_deref().unwrap_or("ANY");
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "API Gateway route `{method} {}` of function `{}`: {detail}",
            route.path, route.function
        ),
    )
}
