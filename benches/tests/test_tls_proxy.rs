//! The loopback TLS proxy's round-trip delay and handshake count, and both certificate kinds,
//! with a client that trusts only the generated test CA and a plain TCP upstream.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrodyn_benches::coldstart::tls::{CertKind, TestCa, TlsProxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

type Result<T> = std::result::Result<T, ferrodyn_benches::coldstart::BoxError>;

/// An upstream that answers each read with the bytes upper-cased, for any number of connections.
async fn upper_case_upstream() -> Result<std::net::SocketAddr> {
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = upstream.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = upstream.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 64];
                while let Ok(n @ 1..) = socket.read(&mut buffer).await {
                    if socket.write_all(&buffer[..n].to_ascii_uppercase()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(address)
}

fn connector(ca: &TestCa) -> Result<tokio_rustls::TlsConnector> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca.ca_pem().as_bytes())?)?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// Connects, then sends `exchanges` requests one after the other; the time of the handshake and
/// of each exchange.
async fn exchanges(
    proxy: &TlsProxy,
    ca: &TestCa,
    exchanges: usize,
) -> Result<(Duration, Vec<Duration>)> {
    let started = Instant::now();
    let tcp = tokio::net::TcpStream::connect(proxy.address()).await?;
    let mut tls = connector(ca)?.connect(ServerName::try_from("localhost")?, tcp).await?;
    let handshake = started.elapsed();
    let mut times = Vec::new();
    for _ in 0..exchanges {
        let started = Instant::now();
        tls.write_all(b"hello").await?;
        let mut answer = [0u8; 5];
        tls.read_exact(&mut answer).await?;
        assert_eq!(&answer, b"HELLO");
        times.push(started.elapsed());
    }
    Ok((handshake, times))
}

#[test]
fn each_round_trip_takes_at_least_the_delay() -> Result<()> {
    let rtt = Duration::from_millis(40);
    let ca = TestCa::generate()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let proxy =
            TlsProxy::start_with_rtt(ca.server_config(), upper_case_upstream().await?, rtt)?;
        let (handshake, times) = exchanges(&proxy, &ca, 3).await?;
        assert!(handshake >= rtt, "handshake took {handshake:?}, less than {rtt:?}");
        for time in &times {
            assert!(*time >= rtt, "an exchange took {time:?}, less than {rtt:?}");
        }
        // Without the delay the same exchanges are faster than it (loopback, one core is enough).
        let direct = TlsProxy::start(ca.server_config(), upper_case_upstream().await?)?;
        let (_, times) = exchanges(&direct, &ca, 3).await?;
        assert!(times.iter().any(|t| *t < rtt), "undelayed exchanges took {times:?}");
        Ok(())
    })
}

#[test]
fn proxy_counts_handshakes_with_both_certificate_kinds() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    for kind in CertKind::ALL {
        let ca = TestCa::generate_for(kind)?;
        runtime.block_on(async {
            let proxy = TlsProxy::start(ca.server_config(), upper_case_upstream().await?)?;
            assert_eq!(proxy.handshakes(), 0);
            exchanges(&proxy, &ca, 2).await?;
            exchanges(&proxy, &ca, 1).await?;
            // The count is taken after the server's side completes; give its task the moment.
            let deadline = Instant::now() + Duration::from_secs(5);
            while proxy.handshakes() < 2 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            assert_eq!(proxy.handshakes(), 2, "{}", kind.name());
            Ok::<(), ferrodyn_benches::coldstart::BoxError>(())
        })?;
    }
    Ok(())
}
