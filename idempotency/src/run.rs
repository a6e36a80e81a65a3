//! The idempotent invocation: the local cache, the conditional put that takes the key, the
//! handler, and the record's completion or deletion.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ferrodyn::limits::{MAX_ITEM_BYTES, MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::cache::Cached;
use crate::config::Idempotency;
use crate::error::{IdempotencyError, PersistenceError, PersistenceErrorKind};
use crate::hash::{hash, is_missing};
use crate::persistence::{InProgress, State, Stored};

/// Conditional puts per invocation: a record can change between a failed condition and its
/// reading only in the rare case of a clock step, and Powertools retries twice then too.
const PUT_ATTEMPTS: usize = 3;

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn secs(t: SystemTime) -> i64 {
    millis(t).div_euclid(1000)
}

fn expiry_secs(expiry: Duration) -> i64 {
    i64::try_from(expiry.as_secs()).unwrap_or(i64::MAX / 2)
}

impl Idempotency {
    /// Runs `handler` at most once per key: what the configured key selects in `payload` (the
    /// whole payload by default) names a record of `<function>.<handler_name>`. A completed
    /// record's response is returned without running `handler`; a record in progress elsewhere
    /// gives [`IdempotencyError::AlreadyInProgress`].
    ///
    /// `deadline` is the invocation's (`lambda_runtime::Context::deadline()`): an `INPROGRESS`
    /// record holds its key until then, or for the in-progress timeout without one.
    ///
    /// ```no_run
    /// # async fn charge(_: &Payment) -> Result<Receipt, std::io::Error> { unimplemented!() }
    /// # #[derive(serde::Serialize)] struct Payment { id: String }
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Receipt;
    /// # async fn example(idem: ferrodyn_idempotency::Idempotency, payment: Payment) {
    /// let receipt = idem
    ///     .run("charge", &payment, None, || async { charge(&payment).await })
    ///     .await;
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`IdempotencyError`]: the handler's own error (its record deleted), a key in progress, a
    /// payload that fails validation, a missing key (when that raises), a failed request.
    pub async fn run<P, R, E, F, Fut>(
        &self,
        handler_name: &str,
        payload: &P,
        deadline: Option<SystemTime>,
        handler: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        P: Serialize + ?Sized,
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let function = self.record_prefix(handler_name);
        let event = encode(&function, payload)?;
        let key = self.inner.key.select(&event);
        self.run_selected(function, key, Some(&event), deadline, handler).await
    }

    /// [`run`](Self::run) with the key already selected; `event` is what validation selects
    /// from (needed only when validation is on).
    pub(crate) async fn run_selected<R, E, F, Fut>(
        &self,
        function: String,
        key: Value,
        event: Option<&Value>,
        deadline: Option<SystemTime>,
        handler: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let inner = &self.inner;
        if is_missing(&key) {
            let path = inner.key.path();
            if inner.raise_on_missing_key {
                return Err(IdempotencyError::MissingKey { function, path });
            }
            tracing::warn!(
                function = %function,
                key_path = path.as_deref().unwrap_or(""),
                "no idempotency key found in the event: running without idempotency"
            );
            return handler().await.map_err(IdempotencyError::Handler);
        }
        let id = format!("{function}#{}", hash(&key));
        let (limit, which) = match inner.store.sort_key {
            Some(_) => (MAX_SORT_KEY_BYTES, "sort key"),
            None => (MAX_PARTITION_KEY_BYTES, "partition key"),
        };
        if id.len() > limit {
            return Err(IdempotencyError::Persistence(PersistenceError::new(
                "PutItem",
                &function,
                PersistenceErrorKind::Limit,
                format!(
                    "the record id is {} bytes, over DynamoDB's {limit} for a {which} value: \
                     shorten the function or handler name, or set a key prefix",
                    id.len()
                ),
            )));
        }
        let validation = inner
            .validation
            .as_ref()
            .map(|selector| hash(&event.map_or(Value::Null, |e| selector.select(e))));

        if let Some(cache) = &inner.cache {
            let hit = lock(cache).get(&id, secs(self.now()));
            if let Some(hit) = hit {
                tracing::debug!(function = %function, "idempotency record found in the local cache");
                self.check_validation(&function, validation.as_deref(), hit.validation.as_deref())?;
                return decode(&function, hit.data.as_deref());
            }
        }

        let mut taken = None;
        for _ in 0..PUT_ATTEMPTS {
            let now = self.now();
            let in_progress_expiration = match deadline {
                Some(deadline) => millis(deadline),
                None => millis(now + inner.in_progress_timeout),
            };
            let record = InProgress {
                id: &id,
                expiration: secs(now).saturating_add(expiry_secs(inner.expiry)),
                in_progress_expiration,
                validation: validation.as_deref(),
            };
            let stored = inner
                .store
                .put_in_progress(&function, &record, secs(now), millis(now))
                .await
                .map_err(IdempotencyError::Persistence)?;
            let Some(stored) = stored else {
                taken = Some(record);
                break;
            };
            if let Some(response) =
                self.replay(&function, &id, &stored, validation.as_deref(), now)?
            {
                return Ok(response);
            }
        }
        let Some(record) = taken else {
            return Err(IdempotencyError::Persistence(PersistenceError::new(
                "PutItem",
                &function,
                PersistenceErrorKind::InvalidRecord,
                "the record changed state between its conditional put and its reading, every attempt",
            )));
        };

        match handler().await {
            Err(e) => {
                if let Err(delete) = inner.store.delete(&function, &id).await {
                    tracing::warn!(
                        function = %function,
                        error = %delete,
                        "the handler failed and its idempotency record could not be deleted: \
                         it holds the key until its in-progress expiry"
                    );
                }
                if let Some(cache) = &inner.cache {
                    lock(cache).remove(&id);
                }
                Err(IdempotencyError::Handler(e))
            }
            Ok(response) => {
                // Serialized before any await: the response need not be `Sync`.
                let data = serde_json::to_string(&response).ok();
                self.complete(&function, &record, data).await;
                Ok(response)
            }
        }
    }

    /// What a record that holds the key means: `Some` response to replay, `None` to try the put
    /// again (the record expired between the put and now), or an error.
    fn replay<R: DeserializeOwned, E>(
        &self,
        function: &str,
        id: &str,
        stored: &Stored,
        validation: Option<&str>,
        now: SystemTime,
    ) -> Result<Option<R>, IdempotencyError<E>> {
        // Before the status, as Powertools: a different payload under the same key is an error
        // even while the first is in progress.
        self.check_validation(function, validation, stored.validation.as_deref())?;
        let state = stored.state(secs(now)).map_err(|()| {
            IdempotencyError::Persistence(PersistenceError::new(
                "read record",
                function,
                PersistenceErrorKind::InvalidRecord,
                "the record's status is none of INPROGRESS, COMPLETED, EXPIRED",
            ))
        })?;
        match state {
            State::Expired => Ok(None),
            State::InProgress
                if stored.in_progress_expiration.is_some_and(|at| at < millis(now)) =>
            {
                Ok(None)
            }
            State::InProgress => {
                Err(IdempotencyError::AlreadyInProgress { function: function.to_owned() })
            }
            State::Completed => {
                let response = decode(function, stored.data.as_deref())?;
                if let Some(cache) = &self.inner.cache {
                    let cached = Cached {
                        expiration: stored.expiration.unwrap_or(i64::MAX),
                        data: stored.data.clone(),
                        validation: stored.validation.clone(),
                    };
                    lock(cache).put(id.to_owned(), cached);
                }
                Ok(Some(response))
            }
        }
    }

    fn check_validation<E>(
        &self,
        function: &str,
        ours: Option<&str>,
        stored: Option<&str>,
    ) -> Result<(), IdempotencyError<E>> {
        match ours {
            Some(ours) if stored != Some(ours) => {
                Err(IdempotencyError::Validation { function: function.to_owned() })
            }
            _ => Ok(()),
        }
    }

    /// Stores the response. Never fails the invocation: the handler has run, and its response
    /// is what the caller must get. A record that cannot be completed stays `INPROGRESS` until its
    /// in-progress expiry; one too large to store is deleted.
    async fn complete(&self, function: &str, record: &InProgress<'_>, data: Option<String>) {
        let inner = &self.inner;
        let data = match data {
            Some(data) => data,
            None => {
                tracing::warn!(
                    function = %function,
                    "the response does not serialize to JSON: not stored, idempotency record deleted"
                );
                self.delete_quietly(function, record.id).await;
                return;
            }
        };
        let expiration = secs(self.now()).saturating_add(expiry_secs(inner.expiry));
        let size = inner.store.completed_size(record, expiration, &data);
        if size > MAX_ITEM_BYTES {
            tracing::warn!(
                function = %function,
                size,
                limit = MAX_ITEM_BYTES,
                "the response is too large for an idempotency record ({size} bytes, DynamoDB's \
                 item limit is {MAX_ITEM_BYTES}): not stored, idempotency record deleted"
            );
            self.delete_quietly(function, record.id).await;
            return;
        }
        match inner.store.complete(function, record.id, &data, expiration, record.validation).await
        {
            Ok(()) => {
                if let Some(cache) = &inner.cache {
                    let cached = Cached {
                        expiration,
                        data: Some(data),
                        validation: record.validation.map(str::to_owned),
                    };
                    lock(cache).put(record.id.to_owned(), cached);
                }
            }
            Err(e) => tracing::warn!(
                function = %function,
                error = %e,
                "the response could not be stored: its idempotency record stays INPROGRESS until \
                 its in-progress expiry, then the key can be taken again"
            ),
        }
    }

    async fn delete_quietly(&self, function: &str, id: &str) {
        if let Err(e) = self.inner.store.delete(function, id).await {
            tracing::warn!(
                function = %function,
                error = %e,
                "the idempotency record could not be deleted: it holds the key until its in-progress expiry"
            );
        }
    }
}

/// The event as JSON, for selecting its key and its validated part. The serializer's message is
/// left out: a custom one may quote the value.
pub(crate) fn encode<P: Serialize + ?Sized, E>(
    function: &str,
    payload: &P,
) -> Result<Value, IdempotencyError<E>> {
    serde_json::to_value(payload).map_err(|_| {
        IdempotencyError::Persistence(PersistenceError::new(
            "encode event",
            function,
            PersistenceErrorKind::Encoding,
            "the event does not serialize to JSON",
        ))
    })
}

/// The stored response as the handler's type; a record without one (Powertools stores `null`
/// for an empty response) reads as JSON `null`.
fn decode<R: DeserializeOwned, E>(
    function: &str,
    data: Option<&str>,
) -> Result<R, IdempotencyError<E>> {
    let data = data.filter(|d| !d.is_empty()).unwrap_or("null");
    serde_json::from_str(data).map_err(|e| {
        IdempotencyError::Persistence(PersistenceError::new(
            "read record",
            function,
            PersistenceErrorKind::InvalidRecord,
            // Not serde_json's message: an invalid type's names the value found.
            format!(
                "the stored response does not decode as the handler's response type ({:?} error \
                 at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        ))
    })
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
