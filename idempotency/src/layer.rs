//! The `tower` form (feature `layer`): [`IdempotencyLayer`] wraps a `lambda_runtime` service so
//! that each invocation runs through [`Idempotency`], the deadline taken from its `Context`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaEvent;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::config::Idempotency;
use crate::error::IdempotencyError;
use crate::run::encode;

type EventKeyFn<E> = dyn Fn(&E) -> Option<Value> + Send + Sync;

/// A `tower::Layer` that makes a `lambda_runtime` service idempotent; records are named
/// `<function>.<handler_name>#<hash>`.
pub struct IdempotencyLayer<E> {
    idempotency: Idempotency,
    handler_name: Arc<str>,
    event_key: Option<Arc<EventKeyFn<E>>>,
}

impl<E> Clone for IdempotencyLayer<E> {
    fn clone(&self) -> Self {
        IdempotencyLayer {
            idempotency: self.idempotency.clone(),
            handler_name: self.handler_name.clone(),
            event_key: self.event_key.clone(),
        }
    }
}

impl<E> fmt::Debug for IdempotencyLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyLayer")
            .field("idempotency", &self.idempotency)
            .field("handler_name", &self.handler_name)
            .field("event_key", &self.event_key.as_ref().map(|_| "closure"))
            .finish()
    }
}

impl<E> IdempotencyLayer<E> {
    /// A layer for the handler called `handler_name` in record ids.
    pub fn new(idempotency: &Idempotency, handler_name: impl Into<String>) -> Self {
        IdempotencyLayer {
            idempotency: idempotency.clone(),
            handler_name: handler_name.into().into(),
            event_key: None,
        }
    }

    /// The key is what `select` returns for the typed event (`None`: no key), instead of the
    /// configured key path on its JSON.
    #[must_use]
    pub fn event_key(
        mut self,
        select: impl Fn(&E) -> Option<Value> + Send + Sync + 'static,
    ) -> Self {
        self.event_key = Some(Arc::new(select));
        self
    }
}

impl Idempotency {
    /// A [`IdempotencyLayer`] for the handler called `handler_name` in record ids.
    pub fn layer<E>(&self, handler_name: impl Into<String>) -> IdempotencyLayer<E> {
        IdempotencyLayer::new(self, handler_name)
    }
}

impl<S, E> Layer<S> for IdempotencyLayer<E> {
    type Service = Idempotent<S, E>;

    fn layer(&self, inner: S) -> Self::Service {
        Idempotent { inner, layer: self.clone() }
    }
}

/// A `lambda_runtime` service made idempotent by [`IdempotencyLayer`].
pub struct Idempotent<S, E> {
    inner: S,
    layer: IdempotencyLayer<E>,
}

impl<S: Clone, E> Clone for Idempotent<S, E> {
    fn clone(&self) -> Self {
        Idempotent { inner: self.inner.clone(), layer: self.layer.clone() }
    }
}

impl<S, E> fmt::Debug for Idempotent<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotent").field("layer", &self.layer).finish_non_exhaustive()
    }
}

impl<S, E> Service<LambdaEvent<E>> for Idempotent<S, E>
where
    S: Service<LambdaEvent<E>> + Clone + Send + 'static,
    S::Future: Send,
    S::Response: Serialize + DeserializeOwned + Send,
    S::Error: Send,
    E: Serialize + Send + 'static,
{
    type Response = S::Response;
    type Error = IdempotencyError<S::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(IdempotencyError::Handler)
    }

    fn call(&mut self, event: LambdaEvent<E>) -> Self::Future {
        // The service that was polled ready is the one called; a clone stays for the next call.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let layer = self.layer.clone();
        Box::pin(async move {
            let idempotency = &layer.idempotency;
            let function = idempotency.record_prefix(&layer.handler_name);
            // `lambda_runtime` leaves the deadline at 0 when it has none (a hand-made Context).
            let deadline = (event.context.deadline > 0).then(|| event.context.deadline());
            let needs_json = layer.event_key.is_none() || idempotency.inner.validation.is_some();
            let json = if needs_json { Some(encode(&function, &event.payload)?) } else { None };
            let key = match (&layer.event_key, &json) {
                (Some(select), _) => select(&event.payload).unwrap_or(Value::Null),
                (None, Some(json)) => idempotency.inner.key.select(json),
                (None, None) => Value::Null,
            };
            idempotency
                .run_selected(function, key, json.as_ref(), deadline, move || inner.call(event))
                .await
        })
    }
}
