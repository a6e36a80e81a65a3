//! DynamoDB over HTTPS on loopback (feature `tls`): a test certificate authority generated at run
//! time, a certificate bundle of the system roots plus that authority (what a function trusts
//! through `SSL_CERT_FILE`), and a TLS-terminating proxy in front of DynamoDB Local's plain-HTTP
//! port, which can add a delay per round trip and counts the handshakes it completes. The server
//! certificate's key is ECDSA P-256 or RSA-2048. The HTTPS tests of ferrodyn-lambda and the
//! cold-start benchmarks use it.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// A failure to generate the test authority.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where Linux distributions keep the system's root certificates as one PEM file, in the
/// order rustls-native-certs (through openssl-probe) looks for them.
const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The key type of the test authority and of the server certificate it signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// ECDSA P-256 with SHA-256 (rcgen's default; what the harness has always used).
    P256,
    /// RSA-2048 with PKCS#1 v1.5 SHA-256 signatures (what most public endpoints still serve).
    Rsa,
}

impl CertKind {
    /// Both, the default first.
    pub const ALL: [CertKind; 2] = [CertKind::P256, CertKind::Rsa];

    /// Its name in reports (`p256`, `rsa`).
    pub fn name(self) -> &'static str {
        match self {
            CertKind::P256 => "p256",
            CertKind::Rsa => "rsa",
        }
    }

    fn key_pair(self) -> Result<KeyPair, rcgen::Error> {
        match self {
            CertKind::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            CertKind::Rsa => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            }
        }
    }
}

/// A certificate authority made for one run and a server certificate it signed for
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
        TestCa::generate_for(CertKind::P256)
    }

    /// Generates the authority and the server certificate with keys of `kind`.
    ///
    /// # Errors
    /// Key generation or signing failed.
    pub fn generate_for(kind: CertKind) -> Result<TestCa, BoxError> {
        let ca_key = kind.key_pair()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.distinguished_name.push(DnType::CommonName, "ferrodyn test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = kind.key_pair()?;
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = server_params.signed_by(&server_key, &issuer)?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let chain = vec![CertificateDer::from(server_cert.der().to_vec())];
        // The provider named, not the process default: with both rustls providers compiled in
        // (ring through ferrodyn-lambda, aws-lc through rcgen and tokio-rustls here) there
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
/// plain bytes are copied to and from `upstream`, optionally after a delay per round trip. Runs on
/// a runtime of its own, stopped on drop.
#[derive(Debug)]
pub struct TlsProxy {
    address: SocketAddr,
    handshakes: Arc<AtomicUsize>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsProxy {
    /// Listens on `127.0.0.1` on a free port.
    ///
    /// # Errors
    /// The runtime or the listener could not start.
    pub fn start(config: Arc<ServerConfig>, upstream: SocketAddr) -> io::Result<TlsProxy> {
        TlsProxy::start_with_rtt(config, upstream, Duration::ZERO)
    }

    /// Like [`start`](Self::start), with `rtt` added to each round trip a network would cost:
    /// once before the server's handshake answer (TLS 1.3's one round trip; the TCP connect
    /// completes in the kernel and gets none) and once per request/response exchange, before the
    /// request's first bytes go upstream.
    ///
    /// # Errors
    /// The runtime or the listener could not start.
    pub fn start_with_rtt(
        config: Arc<ServerConfig>,
        upstream: SocketAddr,
        rtt: Duration,
    ) -> io::Result<TlsProxy> {
        // One worker: the proxy serves one function at a time, and a second worker would only
        // compete with the function for the machine's cores.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tls-proxy")
            .enable_io()
            .enable_time()
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
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&handshakes);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    // A failed handshake or a reset is the client's business; it sees a failed
                    // request.
                    let _ = forward(acceptor, client, upstream, rtt, &counter).await;
                });
            }
        });
        Ok(TlsProxy { address, handshakes, runtime: Some(runtime) })
    }

    /// The TLS handshakes completed so far.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
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

async fn forward(
    acceptor: TlsAcceptor,
    client: TcpStream,
    upstream: SocketAddr,
    rtt: Duration,
    handshakes: &AtomicUsize,
) -> io::Result<()> {
    client.set_nodelay(true)?;
    if rtt.is_zero() {
        let mut tls = acceptor.accept(client).await?;
        handshakes.fetch_add(1, Ordering::SeqCst);
        let mut server = TcpStream::connect(upstream).await?;
        server.set_nodelay(true)?;
        tokio::io::copy_bidirectional(&mut tls, &mut server).await?;
        return Ok(());
    }
    // The ClientHello waits in the socket for a round trip before the server answers it.
    client.readable().await?;
    tokio::time::sleep(rtt).await;
    let tls = acceptor.accept(client).await?;
    handshakes.fetch_add(1, Ordering::SeqCst);
    let server = TcpStream::connect(upstream).await?;
    server.set_nodelay(true)?;
    let (mut from_client, mut to_client) = tokio::io::split(tls);
    let (mut from_server, mut to_server) = server.into_split();
    // Set when the server has answered since the last request bytes: the next bytes from the
    // client begin a new exchange, which costs a round trip.
    let answered = Arc::new(AtomicBool::new(true));
    let answered_by_server = Arc::clone(&answered);
    let requests = async move {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = from_client.read(&mut buffer).await?;
            if n == 0 {
                return to_server.shutdown().await;
            }
            if answered.swap(false, Ordering::SeqCst) {
                tokio::time::sleep(rtt).await;
            }
            to_server.write_all(&buffer[..n]).await?;
        }
    };
    let responses = async move {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = from_server.read(&mut buffer).await?;
            if n == 0 {
                return to_client.shutdown().await;
            }
            answered_by_server.store(true, Ordering::SeqCst);
            to_client.write_all(&buffer[..n]).await?;
        }
    };
    tokio::try_join!(requests, responses)?;
    Ok(())
}
