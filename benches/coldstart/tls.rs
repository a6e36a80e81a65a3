//! DynamoDB over HTTPS on loopback for the cold-start benchmark: a test certificate authority
//! generated at run time, a certificate bundle of the system roots plus that authority (what a
//! function trusts through `SSL_CERT_FILE`), and a TLS-terminating proxy in front of DynamoDB
//! Local's plain-HTTP port.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use super::BoxError;

/// Where Linux distributions keep the system's root certificates as one PEM file, in the
/// order rustls-native-certs (through openssl-probe) looks for them.
const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// A certificate authority made for one benchmark run and a server certificate it signed for
/// `localhost` and `127.0.0.1`.
#[derive(Debug)]
pub struct TestCa {
    ca_pem: String,
    server: Arc<ServerConfig>,
}

impl TestCa {
    /// Generates the authority and the server certificate.
    ///
    /// # Errors
    /// Key generation or signing failed.
    pub fn generate() -> Result<TestCa, BoxError> {
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name.push(DnType::CommonName, "ferrodyn benchmark test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate()?;
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let chain = vec![CertificateDer::from(server_cert.der().to_vec())];
        // The provider named, not the process default: with both rustls providers compiled in
        // (ring through ferrodyn-lambda, aws-lc through this crate's rcgen and tokio-rustls) there
        // is no default.
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let server = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(TestCa { ca_pem: ca_cert.pem(), server: Arc::new(server) })
    }

    /// The authority's certificate, PEM-encoded.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The server side of the TLS configuration.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server)
    }
}

/// The system's root bundle, if this machine has one where rustls-native-certs looks.
pub fn system_bundle() -> Option<PathBuf> {
    SYSTEM_BUNDLES.iter().map(PathBuf::from).find(|path| path.is_file())
}

/// A PEM bundle of `system` (the system roots, when there is a bundle) followed by `ca_pem`:
/// `SSL_CERT_FILE` replaces the system roots instead of adding to them, so a function that
/// trusts the test authority this way still trusts what it trusted before.
///
/// # Errors
/// The system bundle could not be read.
pub fn bundle(system: Option<&Path>, ca_pem: &str) -> io::Result<String> {
    let mut bundle = match system {
        Some(path) => std::fs::read_to_string(path)?,
        None => String::new(),
    };
    if !bundle.is_empty() && !bundle.ends_with('\n') {
        bundle.push('\n');
    }
    bundle.push_str(ca_pem);
    Ok(bundle)
}

/// A TLS-terminating proxy on a loopback port: each connection's TLS is accepted here and its
/// plain bytes are copied to and from `upstream`. Runs on a runtime of its own, stopped on drop.
#[derive(Debug)]
pub struct TlsProxy {
    address: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsProxy {
    /// Listens on `127.0.0.1` on a free port.
    ///
    /// # Errors
    /// The runtime or the listener could not start.
    pub fn start(config: Arc<ServerConfig>, upstream: SocketAddr) -> io::Result<TlsProxy> {
        // One worker: the proxy serves one function at a time, and a second worker would only
        // compete with the function for the machine's cores.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tls-proxy")
            .enable_io()
            .build()?;
        // Bound without `block_on`, so that the proxy can also start inside another runtime.
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let address = std_listener.local_addr()?;
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let acceptor = TlsAcceptor::from(config);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A failed handshake or a reset is the client's business; the benchmark
                    // sees it as a failed request.
                    let _ = forward(acceptor, client, upstream).await;
                });
            }
        });
        Ok(TlsProxy { address, runtime: Some(runtime) })
    }

    /// Where the proxy listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn forward(acceptor: TlsAcceptor, client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
    client.set_nodelay(true)?;
    let mut tls = acceptor.accept(client).await?;
    let mut server = TcpStream::connect(upstream).await?;
    server.set_nodelay(true)?;
    tokio::io::copy_bidirectional(&mut tls, &mut server).await?;
    Ok(())
}
