//! The SDK client behind a [`MockDb`](super::MockDb): aws-smithy-mocks' interceptor and HTTP
//! client, with one rule per DynamoDB operation whose answer the mock's own interceptor prepares.
//!
//! aws-smithy-mocks computes an answer from the request only on an operation's first attempt; a
//! retried attempt is served by the same rule without the request. So the mock decides every
//! attempt itself: [`Dispatch`] runs just before aws-smithy-mocks' interceptor in the same
//! synchronous hook, reads which request the attempt belongs to from the attempt's config bag,
//! and leaves the answer in a thread-local slot that the rule's response function takes. The
//! SDK's own retries (of throttling, say) then behave as against DynamoDB.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{create_mock_http_client, mock, MockResponseInterceptor, Rule, RuleMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use super::wire::{Parsed, Reply};
use super::State;

/// The attempts the SDK makes of one request, as its standard retry mode does by default.
pub const MAX_ATTEMPTS: u32 = 3;

thread_local! {
    /// The answer to the attempt being prepared on this thread, set by [`Dispatch`] and taken by
    /// the operation's rule in the same hook.
    static PENDING: RefCell<Option<Reply>> = const { RefCell::new(None) };
}

/// Which recorded request an operation is, and how many attempts of it were sent.
#[derive(Debug, Clone, Copy)]
struct Invocation {
    index: usize,
    transmits: usize,
}

impl Storable for Invocation {
    type Storer = StoreReplace<Invocation>;
}

/// Records each request and prepares the answer to each of its attempts.
#[derive(Debug)]
struct Dispatch(Arc<Mutex<State>>);

impl Intercept for Dispatch {
    fn name(&self) -> &'static str {
        "ferrodyn_testing::mock::Dispatch"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown operation", Metadata::name);
        let parsed = Parsed::from_input(context.input());
        let mut state = super::lock(&self.0);
        let index = state.begin(operation, parsed);
        let reply = state.attempt(index);
        drop(state);
        PENDING.with(|pending| *pending.borrow_mut() = Some(reply));
        cfg.interceptor_state().store_put(Invocation { index, transmits: 0 });
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(mut invocation) = cfg.load::<Invocation>().copied() else {
            return Ok(());
        };
        // The first attempt's answer was prepared with the request.
        if invocation.transmits > 0 {
            let reply = super::lock(&self.0).attempt(invocation.index);
            PENDING.with(|pending| *pending.borrow_mut() = Some(reply));
        }
        invocation.transmits += 1;
        cfg.interceptor_state().store_put(invocation);
        Ok(())
    }
}

/// Takes the prepared answer; without one (a hook order this crate does not expect) the request
/// fails with a message saying so rather than with a wrong answer.
fn take_pending() -> Response {
    PENDING
        .with(|pending| pending.borrow_mut().take())
        .unwrap_or_else(|| {
            Reply::error(400, "MockNoAnswer", "ferrodyn-testing: the mock prepared no answer")
        })
        .to_http()
}

/// One rule per operation of the DynamoDB client, each answering with the prepared answer.
fn rules() -> Vec<Rule> {
    macro_rules! rules {
        ($($operation:ident),* $(,)?) => {
            vec![$(mock!(Client::$operation).then_http_response(take_pending)),*]
        };
    }
    rules![
        get_item,
        put_item,
        update_item,
        delete_item,
        query,
        scan,
        batch_get_item,
        batch_write_item,
        transact_get_items,
        transact_write_items,
        create_table,
        delete_table,
        describe_table,
        update_table,
        list_tables,
        describe_time_to_live,
        update_time_to_live,
    ]
}

/// A client whose every request is answered by `state`, retrying as the SDK's standard mode
/// does ([`MAX_ATTEMPTS`] attempts) without waiting.
pub(crate) fn client(state: Arc<Mutex<State>>) -> Client {
    let mut mocks = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for rule in &rules() {
        mocks = mocks.with_rule(rule);
    }
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("mock", "mock", None, None, "ferrodyn-testing"))
        .http_client(create_mock_http_client())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
        // Before aws-smithy-mocks' interceptor: hooks run in the order interceptors were added.
        .interceptor(Dispatch(state))
        .interceptor(mocks)
        .build();
    Client::from_conf(config)
}
