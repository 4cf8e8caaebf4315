//! The HTTP server's connection handling, with the limits an operator can
//! rely on against overload and slow or idle clients:
//! - at most [`Capacity::connections`] connections at once; the next waits
//!   in the kernel's accept queue until one closes;
//! - a request's head must arrive within [`HEADER_TIMEOUT`] of the
//!   connection opening or of the previous response, else the connection is
//!   closed: a slow sender of headers, or an idle keep-alive connection, is
//!   cut off;
//! - (in `cardhost_http`) a body must arrive within its own timeout, and
//!   requests beyond [`Capacity::in_flight`] are shed with 429.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// What the operator sizes to the machine (`max_connections`, `max_in_flight`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// Connections served at once.
    pub connections: usize,
    /// Requests handled at once; more are shed with 429.
    pub in_flight: usize,
}

impl Default for Capacity {
    fn default() -> Capacity {
        Capacity {
            connections: 10_000,
            in_flight: cardhost_http::DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// How long a request's head may take to arrive, idle time before it included.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connections still open at shutdown get to finish their request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// One accepted connection and what serving it takes; its place among the
/// `connections` is given up when it closes.
struct Connection {
    app: cardhost_http::App,
    builder: Arc<Builder<TokioExecutor>>,
    watcher: Watcher,
    slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(self, stream: TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        // hyper times the head of a request from the moment the connection
        // is idle; the first request's wait is timed here.
        let mut first = [0u8; 1];
        match tokio::time::timeout(HEADER_TIMEOUT, stream.peek(&mut first)).await {
            Ok(Ok(n)) if n > 0 => {}
            // Closed before its place is given up, so that the client sees it
            // closed before a waiting connection is served.
            _ => {
                drop(stream);
                drop(self.slot);
                return;
            }
        }
        let app = self.app;
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        });
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service);
        // A client that goes away or times out is no error of ours.
        let _ = self.watcher.watch(connection.into_owned()).await;
        drop(self.slot);
    }
}

/// Serves `app` on `listener`, at most `connections` at once, until
/// `shutdown` resolves, then lets open requests finish (at most
/// [`SHUTDOWN_GRACE`]).
pub async fn run(
    listener: TcpListener,
    app: cardhost_http::App,
    connections: usize,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // HTTP/1.1 only: telling it from HTTP/2 would wait for the client's first
    // bytes, outside the header timeout.
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            app: app.clone(),
            builder: builder.clone(),
            watcher: graceful.watcher(),
            slot,
        };
        tokio::spawn(connection.serve(stream, peer));
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open at shutdown were closed");
        }
    }
    Ok(())
}
