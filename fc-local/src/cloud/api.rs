//! FC 3.0's OpenAPI (version `2023-03-30`, ROA style, contract §12): building a
//! signed request, sending it over HTTP/1.1 (HTTPS through rustls with bundled
//! roots, or plain HTTP for a local stand-in), retrying idempotent reads, and
//! reading FC's error JSON (`Code`, `Message`, `RequestId`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::credentials::Credentials;
use super::signature;
use crate::client::{self, Body};

/// The API version every request names (`x-acs-version` and the path's first segment).
pub(crate) const VERSION: &str = "2023-03-30";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one exchange may take: a 100 MB upload, or a synchronous invocation.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(600);
/// Attempts of an idempotent read, and the pause before the second (doubled after).
const READ_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// Where requests go: `https://fcv3.<region>.aliyuncs.com` or `--endpoint URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) https: bool,
    /// Host name or address, without brackets for IPv6.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The `host` header: `host` or `host:port` when the port is not the scheme's.
    pub(crate) authority: String,
}

impl Endpoint {
    /// FC 3.0's public endpoint of `region` (the SDKs' endpoint map).
    pub(crate) fn for_region(region: &str) -> Result<Endpoint, String> {
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "`{region}` is not a region id (e.g. cn-hangzhou, ap-southeast-1)"
            ));
        }
        Endpoint::parse(&format!("https://fcv3.{region}.aliyuncs.com"))
    }

    /// An `http://` or `https://` URL with a host, an optional port and no path.
    pub(crate) fn parse(url: &str) -> Result<Endpoint, String> {
        let bad = |why: &str| format!("--endpoint {url}: {why}");
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("give an http:// or https:// URL"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(bad("give the endpoint alone, without a path or user"));
        }
        let default_port = if https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad("not a port"))?,
                None if after.is_empty() => default_port,
                None => return Err(bad("unexpected text after `]`")),
            };
            (host.to_owned(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((host, p)) => (host.to_owned(), p.parse().map_err(|_| bad("not a port"))?),
                None => (rest.to_owned(), default_port),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let shown_host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let authority = if port == default_port {
            shown_host
        } else {
            format!("{shown_host}:{port}")
        };
        Ok(Endpoint {
            https,
            host,
            port,
            authority,
        })
    }

    pub(crate) fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority
        )
    }
}

/// One call of the API.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// `GetFunction`, `CreateFunction`, … (`x-acs-action`).
    pub(crate) action: &'static str,
    pub(crate) method: Method,
    /// The path's raw segments after the version: `["functions", name]`.
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    /// Other headers (`x-fc-*`), signed too.
    pub(crate) headers: Vec<(String, String)>,
    /// The body and its content type.
    pub(crate) body: Option<(&'static str, Bytes)>,
}

impl Call {
    pub(crate) fn new(action: &'static str, method: Method, segments: &[&str]) -> Call {
        Call {
            action,
            method,
            segments: segments.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// A JSON body.
    pub(crate) fn json(mut self, body: &serde_json::Value) -> Call {
        self.body = Some((
            "application/json; charset=utf-8",
            Bytes::from(body.to_string()),
        ));
        self
    }

    /// The encoded path, `/2023-03-30/…`.
    pub(crate) fn path(&self) -> String {
        let mut segments = vec![VERSION];
        segments.extend(self.segments.iter().map(String::as_str));
        signature::path(&segments)
    }

    /// Path and query, as sent.
    pub(crate) fn target(&self) -> String {
        let query = signature::canonical_query(&self.query);
        if query.is_empty() {
            self.path()
        } else {
            format!("{}?{query}", self.path())
        }
    }

    /// Reads (GET) may be sent again; nothing else is.
    fn idempotent(&self) -> bool {
        self.method == Method::GET
    }

    /// The headers to send, signed, `Authorization` last.
    pub(crate) fn signed_headers(
        &self,
        endpoint: &Endpoint,
        credentials: &Credentials,
        date: &str,
        nonce: &str,
    ) -> Vec<(String, String)> {
        let body_hash =
            signature::sha256_hex(self.body.as_ref().map_or(&b""[..], |(_, b)| b.as_ref()));
        let mut headers = vec![
            ("host".to_owned(), endpoint.authority.clone()),
            ("x-acs-action".to_owned(), self.action.to_owned()),
            ("x-acs-version".to_owned(), VERSION.to_owned()),
            ("x-acs-date".to_owned(), date.to_owned()),
            ("x-acs-signature-nonce".to_owned(), nonce.to_owned()),
            ("x-acs-content-sha256".to_owned(), body_hash.clone()),
        ];
        if let Some((content_type, _)) = &self.body {
            headers.push(("content-type".to_owned(), (*content_type).to_owned()));
        }
        if let Some(token) = credentials.security_token() {
            headers.push((
                "x-acs-accesskey-id".to_owned(),
                credentials.access_key_id.clone(),
            ));
            headers.push(("x-acs-security-token".to_owned(), token.to_owned()));
        }
        headers.extend(self.headers.iter().cloned());
        let signed = signature::sign(
            self.method.as_str(),
            &self.path(),
            &self.query,
            &headers,
            &body_hash,
            credentials,
        );
        headers.push(("authorization".to_owned(), signed.authorization));
        headers
    }

    /// What `--dry-run` prints: the request line, the headers other than those
    /// made at send time (date, nonce, token, signature), and the body as `body`
    /// shows it (the zip's bytes are never printed).
    pub(crate) fn describe(&self, endpoint: &Endpoint, shown_body: Option<&str>) -> String {
        let mut text = format!(
            "{} {} {}{}\n  x-acs-action: {}\n  x-acs-version: {VERSION}",
            self.action,
            self.method,
            endpoint.url(),
            self.target(),
            self.action
        );
        for (name, value) in &self.headers {
            text.push_str(&format!("\n  {name}: {value}"));
        }
        text.push_str(
            "\n  (x-acs-date, x-acs-signature-nonce, x-acs-content-sha256, Authorization: \
             signed when sent)",
        );
        if let Some(body) = shown_body {
            for line in body.lines() {
                text.push_str("\n  ");
                text.push_str(line);
            }
        }
        text
    }
}

/// A whole answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What went wrong with a call.
#[derive(Debug)]
pub(crate) enum Failure {
    /// FC answered with an error: its `Code`, `Message`, `RequestId`.
    Platform {
        status: StatusCode,
        code: String,
        message: String,
        request_id: String,
    },
    /// No answer: connecting, TLS, or the exchange failed.
    Transport(String),
}

impl Failure {
    /// FC's error code, when it answered with one.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Failure::Platform { code, .. } => Some(code),
            Failure::Transport(_) => None,
        }
    }

    /// FC's error JSON in an answer.
    pub(crate) fn from_answer_pub(answer: &Answer) -> Failure {
        Failure::from_answer(answer)
    }

    fn from_answer(answer: &Answer) -> Failure {
        let json = answer.json();
        let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Failure::Platform {
            status: answer.status,
            code: text("Code")
                .or_else(|| text("code"))
                .unwrap_or_else(|| "(no Code)".to_owned()),
            message: text("Message")
                .or_else(|| text("message"))
                .unwrap_or_else(|| {
                    String::from_utf8_lossy(&answer.body[..answer.body.len().min(300)]).into_owned()
                }),
            request_id: text("RequestId")
                .or_else(|| text("requestId"))
                .or_else(|| answer.header("x-acs-request-id").map(str::to_owned))
                .or_else(|| answer.header("x-fc-request-id").map(str::to_owned))
                .unwrap_or_else(|| "(none)".to_owned()),
        }
    }

    /// Whether a read may be tried again: no answer, or a 5xx.
    fn retryable(&self) -> bool {
        match self {
            Failure::Transport(_) => true,
            Failure::Platform { status, .. } => status.is_server_error(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Platform {
                status,
                code,
                message,
                request_id,
            } => write!(
                f,
                "FC answered {}: {code}: {message} (RequestId {request_id})",
                status.as_u16()
            ),
            Failure::Transport(e) => f.write_str(e),
        }
    }
}

/// A client of one endpoint, with one set of credentials.
pub(crate) struct Client {
    pub(crate) endpoint: Endpoint,
    credentials: Credentials,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(endpoint: Endpoint, credentials: Credentials) -> Result<Client, String> {
        let tls = if endpoint.https {
            Some(tls_connector()?)
        } else {
            None
        };
        Ok(Client {
            endpoint,
            credentials,
            tls,
        })
    }

    /// Where the AccessKey came from (never the key itself).
    pub(crate) fn credentials_source(&self) -> &str {
        &self.credentials.source
    }

    /// Sends `call`: an answer with a 2xx status, or what went wrong. A read is sent
    /// up to three times, on no answer or a 5xx, with a short growing pause; other
    /// calls, and 4xx answers (authentication errors among them), are never repeated.
    pub(crate) async fn send(&self, call: &Call) -> Result<Answer, Failure> {
        let attempts = if call.idempotent() { READ_ATTEMPTS } else { 1 };
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let result = self.send_once(call).await;
            let failure = match result {
                Ok(answer) if answer.status.is_success() => return Ok(answer),
                Ok(answer) => Failure::from_answer(&answer),
                Err(e) => Failure::Transport(e),
            };
            if attempt >= attempts || !failure.retryable() {
                return Err(failure);
            }
            attempt += 1;
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }

    /// Sends `call` and returns any answer, error statuses included (InvokeFunction's
    /// failed invocation is an answer to show, not a platform error).
    pub(crate) async fn send_once(&self, call: &Call) -> Result<Answer, String> {
        let headers = call.signed_headers(&self.endpoint, &self.credentials, &utc_now(), &nonce());
        let mut request = http::Request::builder()
            .method(call.method.clone())
            .uri(call.target())
            .header(
                "user-agent",
                concat!("fc-local/", env!("CARGO_PKG_VERSION")),
            )
            .header("accept", "application/json");
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let body = call
            .body
            .as_ref()
            .map_or_else(Bytes::new, |(_, b)| b.clone());
        let request = request
            .body(client::full(body))
            .map_err(|e| format!("building the request: {e}"))?;
        let addr = (self.endpoint.host.as_str(), self.endpoint.port);
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| format!("connecting to {} timed out", self.endpoint.url()))?
            .map_err(|e| format!("cannot connect to {}: {e}", self.endpoint.url()))?;
        let _ = tcp.set_nodelay(true);
        let work = async {
            match &self.tls {
                Some(tls) => {
                    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(
                        self.endpoint.host.clone(),
                    )
                    .map_err(|e| format!("{}: {e}", self.endpoint.host))?;
                    let stream = tls
                        .connect(name, tcp)
                        .await
                        .map_err(|e| format!("TLS with {}: {e}", self.endpoint.url()))?;
                    exchange(stream, request).await
                }
                None => exchange(tcp, request).await,
            }
        };
        tokio::time::timeout(EXCHANGE_TIMEOUT, work)
            .await
            .map_err(|_| {
                format!(
                    "no answer from {} within {} s",
                    self.endpoint.url(),
                    EXCHANGE_TIMEOUT.as_secs()
                )
            })?
    }
}

async fn exchange<IO>(io: IO, request: http::Request<Body>) -> Result<Answer, String>
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?
        .to_bytes();
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// rustls on ring with Mozilla's roots (webpki-roots): no system OpenSSL or
/// certificate store needed.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS set-up: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

/// Now, as `x-acs-date` wants it: `YYYY-MM-DDThh:mm:ssZ`, UTC.
pub(crate) fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(secs)
}

/// `secs` after the Unix epoch as `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A nonce unique per request: a hash of the time, the process, a counter and a
/// per-process random seed.
pub(crate) fn nonce() -> String {
    use std::hash::{BuildHasher, RandomState};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = RandomState::new().hash_one(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let text = format!("{seed}-{nanos}-{}-{count}", std::process::id());
    signature::sha256_hex(text.as_bytes())[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_default_to_the_regions_fcv3_host() {
        let e = Endpoint::for_region("cn-hangzhou").expect("a region");
        assert_eq!(e.url(), "https://fcv3.cn-hangzhou.aliyuncs.com");
        assert_eq!((e.port, e.https), (443, true));
        assert!(Endpoint::for_region("cn hangzhou/x").is_err());
        assert!(Endpoint::for_region("").is_err());
    }

    #[test]
    fn endpoint_urls_are_parsed_or_refused() {
        let e = Endpoint::parse("http://127.0.0.1:8080").expect("parses");
        assert_eq!(
            (e.https, e.host.as_str(), e.port, e.authority.as_str()),
            (false, "127.0.0.1", 8080, "127.0.0.1:8080")
        );
        let e = Endpoint::parse("http://[::1]:9/").expect("parses");
        assert_eq!((e.host.as_str(), e.authority.as_str()), ("::1", "[::1]:9"));
        let e = Endpoint::parse("https://fc.example:443").expect("parses");
        assert_eq!(e.authority, "fc.example");
        for bad in [
            "ftp://x",
            "fcv3.cn-hangzhou.aliyuncs.com",
            "http://x/path",
            "http://:1",
            "http://x:port",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_are_utc_in_the_signatures_format() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_698_315_752), "2023-10-26T10:22:32Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }

    #[test]
    fn only_reads_are_retried_and_never_on_a_4xx() {
        let get = Call::new("GetFunction", Method::GET, &["functions", "f"]);
        let put = Call::new("UpdateFunction", Method::PUT, &["functions", "f"]);
        assert!(get.idempotent() && !put.idempotent());
        let platform = |status: u16| Failure::Platform {
            status: StatusCode::from_u16(status).expect("a status"),
            code: "X".into(),
            message: String::new(),
            request_id: String::new(),
        };
        assert!(platform(503).retryable());
        assert!(!platform(403).retryable() && !platform(404).retryable());
        assert!(Failure::Transport("refused".into()).retryable());
    }

    /// The HTTPS path: rustls on ring with the bundled roots sets up, sends its
    /// ClientHello, and a server that answers in plain HTTP is a clear TLS error
    /// (loopback only).
    #[tokio::test]
    async fn https_goes_through_rustls_and_a_plain_http_server_is_a_tls_error() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let port = listener.local_addr().expect("an address").port();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accepts");
            let mut hello = [0u8; 5];
            stream.read_exact(&mut hello).await.expect("reads");
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            hello
        });
        let endpoint = Endpoint::parse(&format!("https://127.0.0.1:{port}")).expect("parses");
        let client = Client::new(endpoint, Credentials::new("id", "secret", None)).expect("TLS");
        // A write: sent once, so the server's one accept is enough.
        let call = Call::new("UpdateFunction", Method::PUT, &["functions", "f"]);
        let e = tokio::time::timeout(Duration::from_secs(10), client.send(&call))
            .await
            .expect("in time")
            .expect_err("no TLS server");
        assert!(
            e.to_string().starts_with("TLS with https://127.0.0.1:"),
            "{e}"
        );
        let hello = server.await.expect("the server ran");
        assert_eq!(hello[0], 0x16, "a TLS handshake record came first");
    }

    #[test]
    fn the_sts_token_and_its_key_id_are_sent_and_signed() {
        let credentials = Credentials::new("STS.id", "s3cret", Some("tok".into()));
        let endpoint = Endpoint::parse("http://127.0.0.1:1").expect("parses");
        let call = Call::new("GetFunction", Method::GET, &["functions", "a b"]);
        let headers = call.signed_headers(&endpoint, &credentials, "2026-01-01T00:00:00Z", "n");
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("x-acs-security-token"), Some("tok"));
        assert_eq!(call.path(), "/2023-03-30/functions/a%20b");
        let authorization = get("authorization").expect("signed");
        assert!(
            authorization.contains("x-acs-security-token") && !authorization.contains("s3cret"),
            "{authorization}"
        );
    }
}
