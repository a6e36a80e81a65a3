//! The SDK's HTTP client interface on hyper's HTTP/1.1 client, with or without rustls.
//!
//! ferrodyn-lambda has its own instead of `aws-smithy-http-client`'s, whose TLS set-up always
//! reads the root certificates through rustls-native-certs' decoder (`super::pem` says why that
//! matters) and offers no way to hand it a connector. What a DynamoDB client needs of it is here:
//! the connect and read timeouts of the SDK's settings, connection reuse, poisoning of a
//! connection the retry layer distrusts, and errors classified as the SDK's client classifies
//! them (I/O and timeouts retried, the rest not). It speaks HTTP/1.1 only, as DynamoDB does, and
//! uses no proxy, as the SDK's client does unless it is given one.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connection::{CaptureSmithyConnection, ConnectionMetadata};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;
use hyper_util::client::legacy::connect::{
    capture_connection, CaptureConnection, Connect, HttpConnector as TcpConnector, HttpInfo,
};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The timeouts a connector is built for.
type Timeouts = (Option<Duration>, Option<Duration>);

/// An HTTP client for the SDK: with TLS (`tls_config`, built once per process), or plain HTTP.
pub(crate) struct HyperClient {
    tls: bool,
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

impl HyperClient {
    /// A client for `https://` and `http://` URLs (the latter for the container credential
    /// endpoint).
    pub(crate) fn https() -> Self {
        Self { tls: true, connectors: Mutex::new(Vec::new()) }
    }

    /// A client for `http://` URLs only, which never builds a TLS configuration.
    pub(crate) fn http() -> Self {
        Self { tls: false, connectors: Mutex::new(Vec::new()) }
    }

    fn connector(&self, (connect, read): Timeouts) -> SharedHttpConnector {
        let mut tcp = TcpConnector::new();
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect);
        if !self.tls {
            return SharedHttpConnector::new(Adapter::new(tcp, read));
        }
        tcp.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls_config()).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        SharedHttpConnector::new(Adapter::new(https, read))
    }
}

impl fmt::Debug for HyperClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperClient").field("tls", &self.tls).finish_non_exhaustive()
    }
}

impl HttpClient for HyperClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors =
            self.connectors.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, connector)) = connectors.iter().find(|(key, _)| *key == timeouts) {
            return connector.clone();
        }
        let connector = self.connector(timeouts);
        connectors.push((timeouts, connector.clone()));
        connector
    }

    /// Builds the TLS configuration (reading the root certificates) when the SDK client is
    /// built, that is during a function's init, rather than in its first request.
    fn validate_base_client_config(
        &self,
        _: &RuntimeComponentsBuilder,
        _: &ConfigBag,
    ) -> Result<(), BoxError> {
        if self.tls {
            tls_config();
        }
        Ok(())
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        Some(ConnectorMetadata::new("hyper", Some(Cow::Borrowed("1.x"))))
    }
}

/// One connector: a hyper client over `C` and the read timeout (request sent → response head).
struct Adapter<C> {
    client: Client<C, SdkBody>,
    read_timeout: Option<Duration>,
}

impl<C: Connect + Clone + Send + Sync + 'static> Adapter<C> {
    fn new(connector: C, read_timeout: Option<Duration>) -> Self {
        let client =
            Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(connector);
        Self { client, read_timeout }
    }
}

impl<C> fmt::Debug for Adapter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adapter").field("read_timeout", &self.read_timeout).finish_non_exhaustive()
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> HttpConnector for Adapter<C> {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(error) => {
                return HttpConnectorFuture::ready(Err(ConnectorError::user(error.into())))
            }
        };
        let captured = capture_connection(&mut request);
        if let Some(smithy) = request.extensions().get::<CaptureSmithyConnection>() {
            smithy.set_connection_retriever(move || connection_metadata(&captured));
        }
        let response = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                Some(limit) => match tokio::time::timeout(limit, response).await {
                    Ok(response) => response,
                    Err(_) => {
                        let message = format!("no response within the read timeout ({limit:?})");
                        return Err(ConnectorError::timeout(message.into()));
                    }
                },
                None => response.await,
            };
            match response {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|error| ConnectorError::other(error.into(), None)),
                Err(error) => Err(classify(error)),
            }
        })
    }
}

/// What the retry layer sees of the connection a request went out on, with the means to poison it.
fn connection_metadata(captured: &CaptureConnection) -> Option<ConnectionMetadata> {
    let connected = captured.connection_metadata();
    let connected = connected.as_ref()?;
    let mut extras = http::Extensions::new();
    connected.get_extras(&mut extras);
    let info = extras.get::<HttpInfo>();
    let captured = captured.clone();
    let mut builder = ConnectionMetadata::builder().proxied(false).poison_fn(move || {
        if let Some(connected) = captured.connection_metadata().as_ref() {
            connected.poison();
        }
    });
    builder
        .set_local_addr(info.map(HttpInfo::local_addr))
        .set_remote_addr(info.map(HttpInfo::remote_addr));
    Some(builder.build())
}

/// A hyper failure as the SDK's retry layer expects it: connection and I/O failures are
/// retryable I/O errors, hyper's timeouts are timeouts, a truncated response is transient,
/// misuse is a user error and anything else is not retried.
fn classify(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let hyper = find::<hyper::Error>(&error);
    let io = find::<std::io::Error>(&error).is_some();
    match hyper {
        Some(hyper) if hyper.is_timeout() => ConnectorError::timeout(error.into()),
        Some(hyper) if hyper.is_user() => ConnectorError::user(error.into()),
        Some(hyper) if hyper.is_closed() || hyper.is_canceled() => ConnectorError::io(error.into()),
        Some(hyper) if hyper.is_incomplete_message() => {
            ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
        }
        _ if error.is_connect() || io => ConnectorError::io(error.into()),
        _ => ConnectorError::other(error.into(), None),
    }
}

fn find<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
    std::iter::successors(Some(error), |&error| error.source())
        .find_map(|error| error.downcast_ref())
}

/// The TLS configuration of every HTTPS client in the process: rustls on ring with the roots of
/// [`super::roots`], built once.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports TLS 1.2 and 1.3")
                .with_root_certificates(super::roots::root_store())
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::{Adapter, TcpConnector};
    use aws_smithy_runtime_api::client::http::HttpConnector;
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    async fn send(url: &str, read_timeout: Option<Duration>) -> Result<u16, ConnectorError> {
        let adapter = Adapter::new(TcpConnector::new(), read_timeout);
        let request = http::Request::builder().uri(url).body(SdkBody::empty()).unwrap();
        let response = adapter.call(HttpRequest::try_from(request).unwrap()).await?;
        Ok(response.status().as_u16())
    }

    /// A loopback server that reads a request and then does `answer` with the connection.
    async fn server(answer: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                if answer == b"silence" {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                let _ = socket.write_all(answer).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn a_response_comes_back_with_its_status() {
        let url = server(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        assert_eq!(send(&url, Some(Duration::from_secs(5))).await.unwrap(), 204);
    }

    #[tokio::test]
    async fn no_answer_within_the_read_timeout_is_a_timeout() {
        let url = server(b"silence").await;
        let error = send(&url, Some(Duration::from_millis(100))).await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_retryable_io_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let error = send(&url, None).await.unwrap_err();
        assert!(error.is_io(), "{error:?}");
    }

    #[tokio::test]
    async fn a_response_cut_short_is_retryable() {
        let url = server(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n").await;
        let error = send(&url, None).await.unwrap_err();
        assert!(
            error.is_io()
                || error.as_other() == Some(aws_smithy_types::retry::ErrorKind::TransientError),
            "{error:?}"
        );
    }
}
