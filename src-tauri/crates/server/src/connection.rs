//! Accepting and serving connections with bounds on what a client can hold open.
//!
//! hyper serves each connection with a timer, so a request head must arrive within the header
//! timeout (hyper starts that clock whenever the connection waits for a request, so it also
//! closes idle keep-alive connections); the socket is wrapped so a connection on which no byte
//! moves either way for the idle timeout is closed (half-sent bodies, clients that stop reading
//! their response); request bodies are bounded in time by the body extractor. At most
//! `max_connections` are served at once: further clients wait in the listen backlog until one
//! closes, which a slow client can delay by no more than the timeouts above.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::settings;

/// Bounds on connections, from the settings or the `serve` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A complete request head must arrive within this, counted from when the connection
    /// starts waiting for a request (so idle keep-alive connections close after it too).
    pub header_timeout: Duration,
    /// A connection on which nothing is read or written for this long is closed.
    pub idle_timeout: Duration,
    /// A whole request body must arrive within this.
    pub body_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

impl ConnectionLimits {
    /// The limits the stored settings ask for; defaults where a setting is absent.
    pub fn from_settings(all: &[(String, String)]) -> Self {
        let d = ConnectionLimits::default();
        let get = |k: &str| {
            all.iter()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.parse::<u64>().ok())
                .filter(|v| *v > 0)
        };
        ConnectionLimits {
            header_timeout: get(settings::HEADER_TIMEOUT)
                .map_or(d.header_timeout, Duration::from_secs),
            idle_timeout: get(settings::IDLE_TIMEOUT).map_or(d.idle_timeout, Duration::from_secs),
            body_timeout: get(settings::BODY_TIMEOUT).map_or(d.body_timeout, Duration::from_secs),
            max_connections: get(settings::MAX_CONNECTIONS)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(d.max_connections),
        }
    }
}

/// The peer of a connection, as the TCP socket reports it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// How long in-flight requests may take to finish once shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets in-flight requests finish
/// (for at most [`DRAIN`]).
pub(crate) async fn serve<S>(
    listener: TcpListener,
    app: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<
            Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_read_timeout(Some(limits.idle_timeout));
        io.set_write_timeout(Some(limits.idle_timeout));
        let io = TokioIo::new(Box::pin(io));
        let app = app.clone();
        let body_timeout = limits.body_timeout;
        let service = tower::service_fn(move |req: Request<hyper::body::Incoming>| {
            let app = app.clone();
            async move {
                let (mut parts, body) = req.into_parts();
                parts.extensions.insert(Peer(peer));
                let body = Arc::new(std::sync::Mutex::new(Some(body)));
                let req = Request::from_parts(parts, axum::body::Body::new(Unread(body.clone())));
                let mut resp = app.oneshot(req).await?;
                let left = body.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(left) = left {
                    finish_body(left, &mut resp, body_timeout).await;
                }
                Ok::<_, std::convert::Infallible>(resp)
            }
        });
        let conn = http.serve_connection(io, TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Timeouts and resets end connections with an error; nothing to do about either.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running at shutdown were cut off");
    }
}

/// The request body as the application sees it. What the application leaves unread stays
/// behind for [`finish_body`]: answering a request (a 401, a 404, a GET that carried a body)
/// without reading its body would otherwise end the connection with unread bytes, which the
/// kernel turns into a reset that can cost the client this answer or the next one.
struct Unread(Arc<std::sync::Mutex<Option<hyper::body::Incoming>>>);

impl hyper::body::Body for Unread {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match body.as_mut() {
            Some(b) => std::pin::Pin::new(b).poll_frame(cx),
            None => std::task::Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_none_or(hyper::body::Body::is_end_stream)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(hyper::body::Body::size_hint)
            .unwrap_or_default()
    }
}

/// Bytes of an unread body read and dropped, at most, before answering: an oversized body
/// (refused with 413 unread) is still taken in up to this much, so the client, which is busy
/// sending it, gets to read the answer instead of a reset (a lingering close, as web servers do).
const LINGER_BYTES: u64 = 16 * crate::MAX_BODY_BYTES as u64;

/// Reads and drops what is left of a request body — within the body timeout — so the answer
/// reaches the client; when the rest was at most [`crate::MAX_BODY_BYTES`] the connection can
/// carry the next request, otherwise (or past [`LINGER_BYTES`]) the answer says
/// `Connection: close`.
async fn finish_body(
    mut body: hyper::body::Incoming,
    resp: &mut axum::response::Response,
    timeout: Duration,
) {
    use http_body_util::BodyExt;
    use hyper::body::Body as _;
    if body.is_end_stream() {
        return;
    }
    let limit = crate::MAX_BODY_BYTES as u64;
    let declared = body.size_hint().lower();
    let read = tokio::time::timeout(timeout, async {
        let mut read = 0u64;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return None;
            };
            read += frame.data_ref().map_or(0, |d| d.len() as u64);
            if read > LINGER_BYTES {
                return None;
            }
        }
        Some(read)
    })
    .await
    .ok()
    .flatten();
    let reusable = declared <= limit && read.is_some_and(|n| n <= limit);
    if !reusable {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
}
