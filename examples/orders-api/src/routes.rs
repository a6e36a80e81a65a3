//! Routing, request validation and the DynamoDB calls behind each route. Every outcome is a
//! JSON response with the status the API promises: bad input of any kind is a 4xx, never a 500.

use std::convert::Infallible;

use ferrodyn::{Db, Page};
use ferrodyn_idempotency::Idempotency;
use ferrodyn_lambda::LambdaDb;
use futures_util::future::join_all;
use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::models::{
    Customer, CustomerStats, Line, NewCustomer, NewOrder, Order, Status, StatusChange,
};

/// Request bodies larger than this are refused with 413 before parsing. API Gateway itself
/// accepts up to 10 MB; an order of 100 lines is under 10 KB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The page size when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 20;
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 100;
/// The most lines an order may have.
pub const MAX_LINES: usize = 100;

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// The Lambda handler: never fails, every error is a response. Without `idempotency` (no
/// idempotency table configured) a request with an `Idempotency-Key` header is refused.
///
/// # Errors
/// None; the `Result` is what lambda_http expects.
pub async fn handle(
    db: LambdaDb,
    idempotency: Option<Idempotency>,
    request: Request,
) -> Result<Response<Body>, Infallible> {
    Ok(respond(&db, idempotency.as_ref(), &request).await)
}

/// The response to one request.
pub async fn respond(
    db: &Db,
    idempotency: Option<&Idempotency>,
    request: &Request,
) -> Response<Body> {
    let path = match request.raw_http_path() {
        "" => request.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let method = request.method().clone();
    // Sizes, never contents: a body is a customer's name and email.
    tracing::trace!(method = %method, body_bytes = request.body().len(), "routing a request");
    let outcome = route(db, idempotency, request, &method, &path).await;
    let status = match &outcome {
        Ok((status, _)) => *status,
        Err(error) => error.status,
    };
    // Ids are not item contents, but the route template is enough to read the log.
    tracing::info!(method = %method, status = status.as_u16(), "handled a request");
    match outcome {
        Ok((status, body)) => json_response(status, body.as_ref(), None),
        Err(error) => {
            json_response(error.status, Some(&json!({ "error": error.message })), Some(&error))
        }
    }
}

pub(crate) type Outcome = Result<(StatusCode, Option<serde_json::Value>)>;

async fn route(
    db: &Db,
    idempotency: Option<&Idempotency>,
    request: &Request,
    method: &Method,
    path: &str,
) -> Outcome {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["customers"] => match *method {
            Method::POST => create_customer(db, request).await,
            _ => Err(ApiError::method_not_allowed("POST")),
        },
        ["customers", id] => match *method {
            Method::GET => get_customer(db, id).await,
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["customers", id, "stats"] => match *method {
            Method::GET => customer_stats(db, id).await,
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        ["customers", id, "orders"] => match *method {
            Method::POST => crate::idempotency::create_order(db, idempotency, request, id).await,
            Method::GET => customer_orders(db, request, id).await,
            _ => Err(ApiError::method_not_allowed("GET, POST")),
        },
        ["customers", id, "orders", order_id] => match *method {
            Method::PATCH => change_status(db, request, id, order_id).await,
            Method::DELETE => delete_order(db, id, order_id).await,
            _ => Err(ApiError::method_not_allowed("PATCH, DELETE")),
        },
        ["orders"] => match *method {
            Method::GET => orders_by_status(db, request).await,
            _ => Err(ApiError::method_not_allowed("GET")),
        },
        _ => Err(ApiError::not_found("no such route")),
    }
}

fn json_response(
    status: StatusCode,
    body: Option<&serde_json::Value>,
    error: Option<&ApiError>,
) -> Response<Body> {
    let mut builder = Response::builder().status(status);
    if let Some(allow) = error.and_then(|e| e.allow) {
        builder = builder.header(header::ALLOW, allow);
    }
    if let Some(seconds) = error.and_then(|e| e.retry_after) {
        builder = builder.header(header::RETRY_AFTER, seconds);
    }
    let body = match body {
        Some(value) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::Text(value.to_string())
        }
        None => Body::Empty,
    };
    // Infallible: the status is a `StatusCode` and the header values are static ASCII or a
    // number.
    builder.body(body).unwrap_or_default()
}

fn to_json(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "encoding a response");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    })
}

/// The JSON body, refusing oversize, empty and malformed ones and wrong field types.
fn parse_body<T: DeserializeOwned>(request: &Request) -> Result<T> {
    from_object(parse_object(request)?)
}

/// The JSON body as a JSON object, refusing oversize, empty and malformed ones.
pub(crate) fn parse_object(request: &Request) -> Result<serde_json::Value> {
    let bytes: &[u8] = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {MAX_BODY_BYTES} bytes"),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("request body must be a JSON object"));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?;
    // serde would also read a struct from an array of its fields.
    if !value.is_object() {
        return Err(ApiError::bad_request("request body must be a JSON object"));
    }
    Ok(value)
}

/// A parsed body as `T`, refusing wrong field types.
fn from_object<'de, T: Deserialize<'de>>(
    value: impl serde::Deserializer<'de, Error = serde_json::Error>,
) -> Result<T> {
    T::deserialize(value).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

/// Whether a path segment can be an id at all (ULIDs, or ids that tests and tools chose);
/// anything else cannot name an item, and is not sent to DynamoDB.
fn plausible_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn customer_not_found() -> ApiError {
    ApiError::not_found("customer not found")
}

fn order_not_found() -> ApiError {
    ApiError::not_found("order not found")
}

async fn create_customer(db: &Db, request: &Request) -> Outcome {
    let input: NewCustomer = parse_body(request)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("name must be 1 to 200 characters"));
    }
    let email = normalise_email(&input.email)
        .ok_or_else(|| ApiError::bad_request("email must be an address like name@example.com"))?;
    let customer =
        Customer { id: String::new(), name: name.to_owned(), email, created_at: String::new() };
    match db.create(&customer).send_returning_new().await {
        Ok(created) => Ok((StatusCode::CREATED, Some(to_json(&created)?))),
        Err(e) if e.is_unique_violation() => {
            Err(ApiError::conflict("a customer with this email already exists"))
        }
        Err(e) => Err(ApiError::internal(&e)),
    }
}

/// Trimmed and lower-cased, so that uniqueness ignores case; `None` unless it looks like
/// `local@domain.tld`.
fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(email)
}

async fn get_customer(db: &Db, id: &str) -> Outcome {
    Ok((StatusCode::OK, Some(to_json(&find_customer(db, id).await?)?)))
}

async fn find_customer(db: &Db, id: &str) -> Result<Customer> {
    if !plausible_id(id) {
        return Err(customer_not_found());
    }
    match db.get(Customer::key(id)).await {
        Ok(Some(customer)) => Ok(customer),
        Ok(None) => Err(customer_not_found()),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

/// The figures the order-stream consumer keeps; zeros until it has seen an order (they follow
/// the stream, so they lag writes by the stream's delay).
async fn customer_stats(db: &Db, id: &str) -> Outcome {
    let customer = find_customer(db, id).await?;
    let stats =
        db.get(CustomerStats::key(&customer.id)).await.map_err(|e| ApiError::internal(&e))?;
    let (order_count, total_cents) = stats.map_or((0, 0), |s| (s.order_count, s.total_cents));
    Ok((StatusCode::OK, Some(json!({ "order_count": order_count, "total_cents": total_cents }))))
}

/// `POST /customers/{id}/orders` without an `Idempotency-Key`.
pub(crate) async fn create_order(db: &Db, request: &Request, customer_id: &str) -> Outcome {
    let body = parse_object(request)?;
    Ok((StatusCode::CREATED, Some(create_order_from(db, &body, customer_id).await?)))
}

/// Creates the order `body` (a parsed JSON object) describes: the new order as JSON.
pub(crate) async fn create_order_from(
    db: &Db,
    body: &serde_json::Value,
    customer_id: &str,
) -> Result<serde_json::Value> {
    // The body first: a bad body is a 400 whether or not the customer exists.
    let input: NewOrder = from_object(body)?;
    let lines = validate_lines(input)?;
    let total_cents = lines
        .iter()
        .try_fold(0u64, |total, line| {
            u64::from(line.qty).checked_mul(line.price_cents)?.checked_add(total)
        })
        .ok_or_else(|| ApiError::bad_request("the order total is too large"))?;
    let customer = find_customer(db, customer_id).await?;
    let order = Order {
        order_id: String::new(),
        customer_id: customer.id,
        status: Status::Pending,
        total_cents,
        version: 0,
        created_at: String::new(),
        lines,
    };
    match db.create(&order).send_returning_new().await {
        Ok(created) => to_json(&created),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

fn validate_lines(input: NewOrder) -> Result<Vec<Line>> {
    if input.lines.is_empty() {
        return Err(ApiError::bad_request("an order needs at least one line"));
    }
    if input.lines.len() > MAX_LINES {
        return Err(ApiError::bad_request(format!("an order has at most {MAX_LINES} lines")));
    }
    input
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let sku = line.sku.trim();
            if sku.is_empty() || sku.len() > 64 {
                return Err(ApiError::bad_request(format!("lines[{i}].sku must be 1 to 64 bytes")));
            }
            let qty = u32::try_from(line.qty).ok().filter(|qty| *qty >= 1).ok_or_else(|| {
                ApiError::bad_request(format!("lines[{i}].qty must be at least 1"))
            })?;
            let price_cents = u64::try_from(line.price_cents).map_err(|_| {
                ApiError::bad_request(format!("lines[{i}].price_cents must be at least 0"))
            })?;
            Ok(Line { sku: sku.to_owned(), qty, price_cents })
        })
        .collect()
}

/// `limit` and `cursor` from the query string.
fn paging(request: &Request) -> Result<(u32, Option<String>)> {
    let params = request.query_string_parameters();
    let limit = match params.first("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => {
            text.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                ApiError::bad_request(format!("limit must be an integer from 1 to {MAX_LIMIT}"))
            })?
        }
    };
    let cursor = params.first("cursor").filter(|c| !c.is_empty()).map(str::to_owned);
    Ok((limit, cursor))
}

fn page_json(page: Page<Order>) -> Result<serde_json::Value> {
    Ok(json!({ "items": to_json(&page.items)?, "cursor": page.cursor }))
}

/// A query error: a cursor that ferrodyn refuses before sending is the client's mistake.
fn query_error(e: &ferrodyn::Error, cursor: Option<&String>) -> ApiError {
    if cursor.is_some() && e.is_local_validation() {
        ApiError::bad_request("invalid cursor")
    } else {
        ApiError::internal(e)
    }
}

async fn customer_orders(db: &Db, request: &Request, customer_id: &str) -> Outcome {
    let (limit, cursor) = paging(request)?;
    if !plausible_id(customer_id) {
        return Err(customer_not_found());
    }
    // The relation's query from the customer's partition (`begins_with(sk, "ORDER#")`), without
    // reading the customer first.
    let mut query = db
        .related_in(Customer::partition(customer_id), Customer::ORDERS)
        // ULIDs sort by creation time: newest first.
        .descending()
        .limit(limit);
    if let Some(cursor) = &cursor {
        query = query.cursor(cursor);
    }
    let page = query.page().await.map_err(|e| query_error(&e, cursor.as_ref()))?;
    // An empty first page costs one read more to tell "no orders" from "no customer".
    if page.items.is_empty() && cursor.is_none() {
        find_customer(db, customer_id).await?;
    }
    Ok((StatusCode::OK, Some(page_json(page)?)))
}

async fn orders_by_status(db: &Db, request: &Request) -> Outcome {
    let (limit, cursor) = paging(request)?;
    let params = request.query_string_parameters();
    let status = params.first("status").ok_or_else(|| {
        ApiError::bad_request("status is required: pending, paid, shipped or cancelled")
    })?;
    let status = Status::parse(status).ok_or_else(|| {
        ApiError::bad_request("status must be pending, paid, shipped or cancelled")
    })?;
    let mut query = db.query(Order::gsi1_partition(status)).descending().limit(limit);
    if let Some(cursor) = &cursor {
        query = query.cursor(cursor);
    }
    let page = query.page().await.map_err(|e| query_error(&e, cursor.as_ref()))?;
    // Each order gains its customer's name: the page's loads coalesce into one BatchGetItem of
    // its distinct customers (a page holds at most 100 orders), not a GetItem per order.
    let loader = db.loader();
    let customers =
        join_all(page.items.iter().map(|order| loader.load(Customer::key(&order.customer_id))))
            .await;
    let mut items = Vec::with_capacity(page.items.len());
    for (order, customer) in page.items.iter().zip(customers) {
        let customer = customer.map_err(|e| ApiError::internal(&e))?;
        let mut item = to_json(order)?;
        // A customer deleted since the order was placed has no name to show.
        item["customer_name"] = customer.map_or(serde_json::Value::Null, |c| json!(c.name));
        items.push(item);
    }
    let stats = loader.stats();
    tracing::info!(
        orders = page.items.len(),
        requests = stats.requests,
        requests_saved = stats.requests_saved(),
        "loaded the page's customers"
    );
    Ok((StatusCode::OK, Some(json!({ "items": items, "cursor": page.cursor }))))
}

async fn change_status(db: &Db, request: &Request, customer_id: &str, order_id: &str) -> Outcome {
    let change: StatusChange = parse_body(request)?;
    if change.version == 0 {
        return Err(ApiError::bad_request("version must be at least 1"));
    }
    if !plausible_id(customer_id) || !plausible_id(order_id) {
        return Err(order_not_found());
    }
    let conflict =
        || ApiError::conflict("the order has changed since this version: read it again and retry");
    let before = db
        .get(Order::key(customer_id, order_id))
        .send()
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(order_not_found)?;
    if before.version != change.version {
        return Err(conflict());
    }
    let after = Order { status: change.status, ..before.clone() };
    // Writes only what changed (the status, its index key, the version), checked against the
    // version read: a write in between is a conflict, not a lost update.
    match db.save(&before, &after).send_returning_new().await {
        Ok(order) => Ok((StatusCode::OK, Some(to_json(&order)?))),
        Err(e) if e.is_not_found() => Err(order_not_found()),
        Err(e) if e.is_version_conflict() => Err(conflict()),
        Err(e) => Err(ApiError::internal(&e)),
    }
}

async fn delete_order(db: &Db, customer_id: &str, order_id: &str) -> Outcome {
    if !plausible_id(customer_id) || !plausible_id(order_id) {
        return Err(order_not_found());
    }
    match db.delete(Order::key(customer_id, order_id)).send_returning_old().await {
        Ok(Some(_)) => Ok((StatusCode::NO_CONTENT, None)),
        Ok(None) => Err(order_not_found()),
        Err(e) => Err(ApiError::internal(&e)),
    }
}
