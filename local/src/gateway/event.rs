//! The event a Lambda proxy integration sends for a request: payload format 2.0 ([`v2_event`], an
//! HTTP API's) and 1.0 ([`v1_event`], a REST API's), built from the request as it arrived
//! ([`Incoming`]), with the decoding and encoding rules API Gateway applies to its parts.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::route::Selected;

/// The account id and API id the events carry (SAM's local values).
const ACCOUNT_ID: &str = "123456789012";
const API_ID: &str = "1234567890";
/// The stage of a REST API that SAM creates implicitly for `Api` events.
const REST_STAGE: &str = "Prod";

/// A request as it reached the gateway.
#[derive(Debug)]
pub(super) struct Incoming {
    pub(super) method: String,
    /// The path as sent, still percent-encoded.
    pub(super) raw_path: String,
    /// The query string as sent, without the `?`.
    pub(super) raw_query: String,
    /// In arrival order, names lower-cased.
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
    pub(super) source_ip: String,
    pub(super) protocol: String,
    pub(super) request_id: String,
    pub(super) received: SystemTime,
}

impl Incoming {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn domain_name(&self) -> String {
        let host = self.header("host").unwrap_or("localhost");
        // `host:port`, or `[v6]:port`.
        match host.rfind(':') {
            Some(colon) if !host[colon..].contains(']') => host[..colon].to_owned(),
            _ => host.to_owned(),
        }
    }

    fn epoch_millis(&self) -> u128 {
        self.received.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
    }
}

/// The payload format 2.0 event for `request` and the route it selected.
pub(super) fn v2_event(request: &Incoming, selected: &Selected<'_>) -> Value {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in &request.headers {
        if name == "cookie" {
            cookies
                .extend(value.split(';').map(str::trim).filter(|c| !c.is_empty()).map(Value::from));
            continue;
        }
        match headers.iter_mut().find(|(n, _)| n == name) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            None => headers.push((name.clone(), value.clone())),
        }
    }
    let domain_name = request.domain_name();
    let mut event = Map::new();
    event.insert("version".into(), "2.0".into());
    event.insert("routeKey".into(), selected.key.into());
    event.insert("rawPath".into(), request.raw_path.clone().into());
    event.insert("rawQueryString".into(), request.raw_query.clone().into());
    if !cookies.is_empty() {
        event.insert("cookies".into(), Value::Array(cookies));
    }
    event.insert("headers".into(), object(headers));
    let query = query_parameters(&request.raw_query);
    if !query.is_empty() {
        let joined = query.into_iter().map(|(name, values)| (name, values.join(","))).collect();
        event.insert("queryStringParameters".into(), object(joined));
    }
    if !selected.path_parameters.is_empty() {
        event.insert("pathParameters".into(), object(selected.path_parameters.clone()));
    }
    event.insert(
        "requestContext".into(),
        json!({
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_prefix(&domain_name),
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent").unwrap_or(""),
            },
            "requestId": request.request_id,
            "routeKey": selected.key,
            "stage": "$default",
            "time": clf_time(request.received),
            "timeEpoch": request.epoch_millis() as u64,
        }),
    );
    let mut is_base64 = false;
    if !request.body.is_empty() {
        let text = std::str::from_utf8(&request.body)
            .ok()
            .filter(|_| is_text(request.header("content-type")));
        let body = match text {
            Some(text) => text.to_owned(),
            None => {
                is_base64 = true;
                base64::engine::general_purpose::STANDARD.encode(&request.body)
            }
        };
        event.insert("body".into(), body.into());
    }
    event.insert("isBase64Encoded".into(), is_base64.into());
    Value::Object(event)
}

/// The payload format 1.0 event for `request` and the REST API route it selected; `binary`
/// says the request's content type is one of the API's binary media types.
pub(super) fn v1_event(request: &Incoming, selected: &Selected<'_>, binary: bool) -> Value {
    let mut multi_headers: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in &request.headers {
        match multi_headers.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(value.clone()),
            None => multi_headers.push((name.clone(), vec![value.clone()])),
        }
    }
    let query = query_parameters(&request.raw_query);
    let (query_single, query_multi) = if query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (last_values(&query), multi_values(query))
    };
    let path_parameters = if selected.path_parameters.is_empty() {
        Value::Null
    } else {
        object(selected.path_parameters.clone())
    };
    let (body, is_base64) = if request.body.is_empty() {
        (Value::Null, false)
    } else {
        match std::str::from_utf8(&request.body) {
            Ok(body) if !binary => (Value::from(body), false),
            _ => (base64::engine::general_purpose::STANDARD.encode(&request.body).into(), true),
        }
    };
    let domain_name = request.domain_name();
    json!({
        "version": "1.0",
        "resource": selected.route.path,
        "path": request.raw_path,
        "httpMethod": request.method,
        "headers": last_values(&multi_headers),
        "multiValueHeaders": multi_values(multi_headers),
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": path_parameters,
        "stageVariables": null,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_prefix(&domain_name),
            "extendedRequestId": request.request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": null,
                "accountId": null,
                "caller": null,
                "cognitoAuthenticationProvider": null,
                "cognitoAuthenticationType": null,
                "cognitoIdentityId": null,
                "cognitoIdentityPoolId": null,
                "principalOrgId": null,
                "sourceIp": request.source_ip,
                "user": null,
                "userAgent": request.header("user-agent"),
                "userArn": null,
            },
            "path": request.raw_path,
            "protocol": request.protocol,
            "requestId": request.request_id,
            "requestTime": clf_time(request.received),
            "requestTimeEpoch": request.epoch_millis() as u64,
            "resourceId": null,
            "resourcePath": selected.route.path,
            "stage": REST_STAGE,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// Whether API Gateway (HTTP API) passes a body of this content type as text rather than
/// base64: `text/*`, `application/json`, `application/xml` and `application/javascript` only.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else { return false };
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media.starts_with("text/")
        || matches!(
            media.as_str(),
            "application/json" | "application/xml" | "application/javascript"
        )
}

/// The query string's parameters, decoded, each with its values in order.
fn query_parameters(raw: &str) -> Vec<(String, Vec<String>)> {
    let mut parameters: Vec<(String, Vec<String>)> = Vec::new();
    for pair in raw.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decode(name, true), percent_decode(value, true));
        match parameters.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => parameters.push((name, vec![value])),
        }
    }
    parameters
}

/// Decodes `%XX` escapes (and `+` as a space where `plus_is_space`, as in a query string); an
/// invalid escape, or bytes that are not UTF-8, are kept as they are.
pub(super) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    if !text.contains(['%', '+']) {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)),
            _ => None,
        };
        match (escape, bytes[i]) {
            (Some((high, low)), _) => {
                decoded.push(high * 16 + low);
                i += 3;
                continue;
            }
            (None, b'+') if plus_is_space => decoded.push(b' '),
            (None, byte) => decoded.push(byte),
        }
        i += 1;
    }
    String::from_utf8(decoded).unwrap_or_else(|_| text.to_owned())
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|digit| digit as u8)
}

fn object(pairs: Vec<(String, String)>) -> Value {
    Value::Object(pairs.into_iter().map(|(name, value)| (name, Value::from(value))).collect())
}

fn last_values(pairs: &[(String, Vec<String>)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .filter_map(|(name, values)| Some((name.clone(), Value::from(values.last()?.clone()))))
            .collect(),
    )
}

fn multi_values(pairs: Vec<(String, Vec<String>)>) -> Value {
    Value::Object(pairs.into_iter().map(|(name, values)| (name, Value::from(values))).collect())
}

fn domain_prefix(domain_name: &str) -> &str {
    domain_name.split('.').next().unwrap_or(domain_name)
}

/// `12/Mar/2020:19:03:58 +0000`, the time format of `requestContext.time`.
fn clf_time(time: SystemTime) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let seconds = time.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{day:02}/{}/{year:04}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_is_in_common_log_format() {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(1_583_348_638_390);
        assert_eq!(clf_time(time), "04/Mar/2020:19:03:58 +0000");
        assert_eq!(clf_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
        let leap_day = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400);
        assert_eq!(clf_time(leap_day), "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9", true), "café");
        assert_eq!(percent_decode("%FF", true), "%FF");
    }
}
