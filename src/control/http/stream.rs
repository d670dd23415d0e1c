//! exec, attach and port-forward as kubectl ≥ 1.30 asks for them: `GET`
//! upgraded to a WebSocket ([`crate::api::remotecommand`] says what the
//! messages are). The control daemon translates each to what the pod's
//! node daemon serves:
//!
//! - exec: the node's exec stream ([`crate::api::exec`] frames), opened
//!   once the WebSocket is up; the command's exit code comes back as the
//!   `Status` kubectl takes its own exit code from;
//! - attach: the container's output from now on (the node's followed log);
//!   ork's runtimes keep no container's standard input, so `-i` is refused;
//! - port-forward: one node connection per forwarded connection
//!   (`POST /portforward/{uid}?port=N` on the node), either inside SPDY
//!   streams tunnelled through the WebSocket (kubectl, [`super::spdy`]) or
//!   on a pair of channels per port (`ork port-forward`).
//!
//! Requests the pod cannot serve (no such pod or container, not scheduled,
//! a missing command) fail before the upgrade with a `Status`; failures on
//! the node after it arrive on the error channel, as the kubelet sends them.
//! kubectl older than 1.30 (1.31 for port-forward) speaks SPDY over plain
//! HTTP, which ork does not serve: they get a `Status` saying so.
//!
//! This module imports `api` and its siblings' node plumbing only.

use super::nodes::{locate, node_client};
use super::spdy::{self, Codec, Frame as SpdyFrame};
use super::{ApiError, App};
use crate::api::Pod;
use crate::api::exec::{Frame, UPGRADE_PROTOCOL};
use crate::api::remotecommand::{self as rc, ClientMessage, StreamQuery};
use crate::api::wire::{ExecParams, LogParams};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route("/api/v1/namespaces/{ns}/pods/{name}/exec", get(exec))
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/attach",
            get(attach).post(attach_spdy),
        )
        .route(
            "/api/v1/namespaces/{ns}/pods/{name}/portforward",
            get(portforward).post(portforward_spdy),
        )
}

async fn attach_spdy(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
) -> ApiError {
    refuse_spdy(&app, &ns, &name, "attach")
}

async fn portforward_spdy(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
) -> ApiError {
    refuse_spdy(&app, &ns, &name, "port-forward")
}

/// What kubectl older than the WebSocket streams gets.
fn spdy_refused(what: &str, since: &str) -> ApiError {
    let ork = match what {
        "exec" | "port-forward" => format!(", or `ork {what}`"),
        _ => String::new(),
    };
    ApiError::bad_request(format!(
        "{what} needs a WebSocket upgrade (GET with `Upgrade: websocket`); ork does not serve SPDY streams, which kubectl before {since} uses: use kubectl {since} or newer{ork}"
    ))
}

/// Answers a request for a WebSocket that came without one.
fn need_websocket(what: &str, since: &str, e: WebSocketUpgradeRejection) -> ApiError {
    tracing::debug!(error = %e, "{what} without a WebSocket upgrade");
    spdy_refused(what, since)
}

/// `POST .../{exec,attach,portforward}` with `Upgrade: SPDY/3.1`, as kubectl
/// sends after a refused WebSocket or before 1.30: the checks of the pod
/// first (so their message is the one kubectl shows), then why not SPDY.
pub(super) fn refuse_spdy(app: &App, ns: &str, name: &str, what: &str) -> ApiError {
    if let Err(e) = locate_any(app, ns, name, what) {
        return e;
    }
    let since = if what == "port-forward" {
        "1.31"
    } else {
        "1.30"
    };
    spdy_refused(what, since)
}

/// Locates a pod by any of its containers (port-forward names none).
fn locate_any(
    app: &App,
    ns: &str,
    name: &str,
    what: &str,
) -> Result<(Arc<Pod>, String, String), ApiError> {
    let first = app
        .store
        .get::<Pod>(ns, name)
        .and_then(|p| p.spec.containers.first().map(|c| c.name.clone()));
    locate(app, ns, name, first.as_deref(), what)
}

/// Closes a WebSocket normally (what kubectl reads as the end of output).
fn close_normally() -> Message {
    Message::Close(Some(CloseFrame {
        code: 1000,
        reason: "".into(),
    }))
}

/// Opens an upgraded connection to the node; errors are messages for the client.
async fn open_node(
    req: reqwest::RequestBuilder,
    protocol: &'static str,
    node: &str,
) -> Result<reqwest::Upgraded, String> {
    let resp = req
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, protocol)
        .send()
        .await
        .map_err(|e| format!("reaching node {node:?}: {e}"))?;
    if resp.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
        let text = resp.text().await.unwrap_or_default();
        return Err(format!("node {node:?}: {}", text.trim()));
    }
    resp.upgrade()
        .await
        .map_err(|e| format!("upgrading the connection to node {node:?}: {e}"))
}

fn negotiate(
    ws: WebSocketUpgrade,
    protocols: &[&'static str],
    what: &str,
) -> Result<(WebSocketUpgrade, String), ApiError> {
    let ws = ws.protocols(protocols.to_vec());
    let chosen = ws
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .map(str::to_string);
    match chosen {
        Some(p) => Ok((ws, p)),
        None => Err(ApiError::bad_request(format!(
            "{what} speaks the WebSocket protocols {}: offer one in Sec-WebSocket-Protocol (kubectl 1.30 or newer does)",
            protocols.join(", ")
        ))),
    }
}

/// `GET .../pods/{name}/exec?command=..&container=..&stdin=..&stdout=..&stderr=..&tty=..`.
pub async fn exec(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let q = StreamQuery::parse(query.as_deref().unwrap_or(""));
    let (pod, container, base) = locate(&app, &ns, &name, q.container.as_deref(), "exec")?;
    if q.command.is_empty() {
        return Err(ApiError::bad_request(
            "exec needs a command: ?command=sh&command=-c&command=... (kubectl exec POD -- COMMAND)",
        ));
    }
    let ws = ws.map_err(|e| need_websocket("exec", "1.30", e))?;
    let (ws, _) = negotiate(ws, &rc::EXEC_PROTOCOLS, "exec")?;
    let client = node_client(&app, &pod)?;
    let node = pod.spec.node_name.clone();
    let url = format!("{base}/exec/{}/{}", pod.metadata.uid, container);
    let params = ExecParams::new(None, &q.command, q.stdin, q.tty);
    Ok(ws.on_upgrade(move |mut socket| async move {
        let req = client.post(&url).query(&params);
        match open_node(req, UPGRADE_PROTOCOL, &node).await {
            Ok(io) => relay_exec(socket, io, q).await,
            Err(msg) => {
                let _ = socket
                    .send(Message::Binary(
                        rc::status_frame(&rc::error_status(msg)).into(),
                    ))
                    .await;
                let _ = socket.send(close_normally()).await;
            }
        }
    }))
}

/// Moves an exec's bytes between kubectl's WebSocket and the node's exec
/// stream until the command ends, then sends its `Status` and closes.
async fn relay_exec(socket: WebSocket, node: reqwest::Upgraded, q: StreamQuery) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (mut node_rd, mut node_wr) = tokio::io::split(node);
    let mut input = tokio::spawn(async move {
        while let Some(Ok(msg)) = ws_rx.next().await {
            let frame = match msg {
                Message::Binary(b) => match ClientMessage::decode(&b) {
                    ClientMessage::Stdin(d) => Frame::Stdin(d),
                    ClientMessage::Resize { width, height } => Frame::Resize {
                        cols: width,
                        rows: height,
                    },
                    ClientMessage::Close(rc::STDIN) => Frame::StdinEof,
                    _ => continue,
                },
                Message::Close(_) => break,
                _ => continue,
            };
            if node_wr.write_all(&frame.encode()).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![];
    let mut chunk = vec![0u8; 32 * 1024];
    let status = 'relay: loop {
        loop {
            let out = match Frame::decode(&mut buf) {
                Ok(Some(Frame::Stdout(b))) if q.stdout || q.tty => rc::frame(rc::STDOUT, &b),
                Ok(Some(Frame::Stderr(b))) if q.stderr => rc::frame(rc::STDERR, &b),
                Ok(Some(Frame::Exit(code))) => break 'relay rc::exit_status(code),
                Ok(Some(Frame::Error(m))) => break 'relay rc::error_status(m),
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(e) => break 'relay rc::error_status(format!("from the node: {e}")),
            };
            if ws_tx.send(Message::Binary(out.into())).await.is_err() {
                input.abort();
                return;
            }
        }
        let read = tokio::select! {
            r = node_rd.read(&mut chunk) => r,
            // The client went away (or the node stopped reading): dropping
            // the node's stream ends the command there.
            _ = &mut input => return,
        };
        match read {
            Ok(0) | Err(_) => {
                break rc::error_status("the node closed the exec stream before the command ended");
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let _ = ws_tx
        .send(Message::Binary(rc::status_frame(&status).into()))
        .await;
    let _ = ws_tx.send(close_normally()).await;
    input.abort();
}

/// `GET .../pods/{name}/attach?container=..&stdin=..&stdout=..&stderr=..&tty=..`:
/// the container's output from now on, until it exits.
pub async fn attach(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let q = StreamQuery::parse(query.as_deref().unwrap_or(""));
    let (pod, container, base) = locate(&app, &ns, &name, q.container.as_deref(), "attach")?;
    let ws = ws.map_err(|e| need_websocket("attach", "1.30", e))?;
    let (ws, _) = negotiate(ws, &rc::EXEC_PROTOCOLS, "attach")?;
    if q.stdin {
        // Said on the error channel: a refused upgrade would only make
        // kubectl retry with SPDY and show that refusal instead.
        let msg = format!(
            "ork keeps no container's standard input, so attach only shows output: drop -i/--stdin (kubectl attach {name}), or run a command with `kubectl exec -i`"
        );
        return Ok(ws.on_upgrade(move |mut socket| async move {
            let frame = rc::status_frame(&rc::error_status(msg));
            let _ = socket.send(Message::Binary(frame.into())).await;
            let _ = socket.send(close_normally()).await;
        }));
    }
    let client = node_client(&app, &pod)?;
    let node = pod.spec.node_name.clone();
    let url = format!("{base}/logs/{}/{}", pod.metadata.uid, container);
    let params = LogParams {
        container: None,
        follow: true,
        tail_lines: Some(0),
        previous: false,
        ..Default::default()
    };
    Ok(ws.on_upgrade(move |socket| async move {
        let (mut ws_tx, mut ws_rx) = socket.split();
        let status = match client.get(&url).query(&params).send().await {
            Ok(resp) if resp.status().is_success() => {
                let mut body = resp.bytes_stream();
                loop {
                    tokio::select! {
                        chunk = body.next() => match chunk {
                            Some(Ok(b)) => {
                                let out = rc::frame(rc::STDOUT, &b);
                                if ws_tx.send(Message::Binary(out.into())).await.is_err() {
                                    return;
                                }
                            }
                            Some(Err(e)) => break rc::error_status(format!("reading the output from node {node:?}: {e}")),
                            None => break rc::exit_status(0),
                        },
                        msg = ws_rx.next() => match msg {
                            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                            _ => {}
                        },
                    }
                }
            }
            Ok(resp) => {
                let text = resp.text().await.unwrap_or_default();
                rc::error_status(format!("node {node:?}: {}", text.trim()))
            }
            Err(e) => rc::error_status(format!("reaching node {node:?}: {e}")),
        };
        let _ = ws_tx
            .send(Message::Binary(rc::status_frame(&status).into()))
            .await;
        let _ = ws_tx.send(close_normally()).await;
    }))
}

/// Opens connections to one pod's ports through its node.
struct Opener {
    client: reqwest::Client,
    url: String,
    node: String,
}

impl Opener {
    async fn open(&self, port: u16) -> Result<reqwest::Upgraded, String> {
        let req = self.client.post(&self.url).query(&[("port", port)]);
        open_node(req, rc::PORTFORWARD_UPGRADE, &self.node).await
    }
}

/// `GET .../pods/{name}/portforward`: SPDY tunnelled in the WebSocket
/// (kubectl), or channels for the ports of `?ports=` (`ork port-forward`).
pub async fn portforward(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let (pod, _, base) = locate_any(&app, &ns, &name, "port-forward")?;
    let ws = ws.map_err(|e| need_websocket("port-forward", "1.31", e))?;
    let (ws, protocol) = negotiate(
        ws,
        &[rc::PORTFORWARD_SPDY_TUNNEL, rc::PORTFORWARD_CHANNELS],
        "port-forward",
    )?;
    let opener = Arc::new(Opener {
        client: node_client(&app, &pod)?,
        url: format!("{base}/portforward/{}", pod.metadata.uid),
        node: pod.spec.node_name.clone(),
    });
    if protocol == rc::PORTFORWARD_SPDY_TUNNEL {
        return Ok(ws.on_upgrade(move |socket| spdy_session(socket, opener)));
    }
    let ports = rc::parse_ports(query.as_deref().unwrap_or("")).map_err(ApiError::bad_request)?;
    if rc::port_channels(ports.len() - 1).is_none() {
        return Err(ApiError::bad_request(
            "at most 128 ports fit one port-forward connection; open several",
        ));
    }
    Ok(ws.on_upgrade(move |socket| channel_session(socket, opener, ports)))
}

/// What the client sent for a forwarded connection.
enum Input {
    Data(Vec<u8>),
    /// The client's side is done sending.
    Fin,
}

/// One forwarded connection's pair of streams, as they are opened.
#[derive(Default)]
struct Pair {
    error: Option<u32>,
    data: Option<u32>,
    port: Option<String>,
}

/// Serves SPDY streams inside the WebSocket: each connection kubectl
/// accepts opens an error stream and a data stream with the same
/// `requestid` and `port`; once both are open, the node connects to the
/// port and the data stream carries its bytes. The error stream carries a
/// message when that fails, and its end (FIN) tells kubectl the connection
/// is over.
async fn spdy_session(socket: WebSocket, opener: Arc<Opener>) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(64);
    let writer = tokio::spawn(async move {
        while let Some(b) = out_rx.recv().await {
            if ws_tx.send(Message::Binary(b.into())).await.is_err() {
                return;
            }
        }
        let _ = ws_tx.send(close_normally()).await;
    });
    let mut codec = Codec::new();
    let mut buf = vec![];
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    let mut inputs: HashMap<u32, mpsc::Sender<Input>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    'read: while let Some(Ok(msg)) = ws_rx.next().await {
        let b = match msg {
            Message::Binary(b) => b,
            Message::Close(_) => break,
            _ => continue,
        };
        buf.extend_from_slice(&b);
        loop {
            let frame = match codec.decode(&mut buf) {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, "port-forward: bad SPDY from the client");
                    break 'read;
                }
            };
            match frame {
                SpdyFrame::SynStream {
                    stream_id, headers, ..
                } => {
                    if out_tx.send(codec.syn_reply(stream_id)).await.is_err() {
                        break 'read;
                    }
                    let kind = SpdyFrame::header(&headers, "streamtype").unwrap_or_default();
                    // Clients before request ids paired streams by id: data = error + 2.
                    let key = SpdyFrame::header(&headers, "requestid").unwrap_or_else(|| {
                        let base = if kind == "data" {
                            stream_id.saturating_sub(2)
                        } else {
                            stream_id
                        };
                        format!("stream-{base}")
                    });
                    let pair = pairs.entry(key.clone()).or_default();
                    match kind.as_str() {
                        "error" => pair.error = Some(stream_id),
                        "data" => pair.data = Some(stream_id),
                        _ => {
                            let _ = out_tx
                                .send(spdy::rst_stream(stream_id, spdy::RST_PROTOCOL_ERROR))
                                .await;
                            continue;
                        }
                    }
                    if pair.port.is_none() {
                        pair.port = SpdyFrame::header(&headers, "port");
                    }
                    let (Some(error), Some(data)) = (pair.error, pair.data) else {
                        continue;
                    };
                    let port = pairs.remove(&key).and_then(|p| p.port).unwrap_or_default();
                    let (in_tx, in_rx) = mpsc::channel(16);
                    inputs.insert(data, in_tx);
                    tasks.spawn(forward_stream(
                        opener.clone(),
                        port,
                        error,
                        data,
                        in_rx,
                        out_tx.clone(),
                    ));
                }
                SpdyFrame::Data {
                    stream_id,
                    fin,
                    data,
                } => {
                    if let Some(tx) = inputs.get(&stream_id) {
                        if !data.is_empty() {
                            let _ = tx.send(Input::Data(data)).await;
                        }
                        if fin {
                            let _ = tx.send(Input::Fin).await;
                        }
                    }
                }
                SpdyFrame::RstStream { stream_id, .. } => {
                    inputs.remove(&stream_id);
                }
                SpdyFrame::Ping(id) => {
                    if out_tx.send(spdy::ping(id)).await.is_err() {
                        break 'read;
                    }
                }
                SpdyFrame::GoAway => break 'read,
                SpdyFrame::Ignored => {}
            }
            while tasks.try_join_next().is_some() {}
        }
    }
    tasks.abort_all();
    drop(inputs);
    drop(out_tx);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
}

/// One forwarded connection over SPDY: the node's connection to `port`
/// on stream `data`, a failure as text on stream `error`.
async fn forward_stream(
    opener: Arc<Opener>,
    port: String,
    error: u32,
    data: u32,
    mut input: mpsc::Receiver<Input>,
    out: mpsc::Sender<Vec<u8>>,
) {
    let opened = match port.parse::<u16>() {
        Ok(p) if p > 0 => opener.open(p).await,
        _ => Err(format!(
            "port {port:?} is not a port number (1-65535) in the port-forward request"
        )),
    };
    let node = match opened {
        Ok(io) => io,
        Err(msg) => {
            let _ = out.send(spdy::data(error, msg.as_bytes(), true)).await;
            let _ = out.send(spdy::data(data, &[], true)).await;
            return;
        }
    };
    let (mut rd, mut wr) = tokio::io::split(node);
    let (reset_tx, reset_rx) = tokio::sync::oneshot::channel::<()>();
    let up = tokio::spawn(async move {
        while let Some(i) = input.recv().await {
            match i {
                Input::Data(d) => {
                    if wr.write_all(&d).await.is_err() {
                        break;
                    }
                }
                Input::Fin => {
                    let _ = wr.shutdown().await;
                    // Only a reset (the sender gone) ends the connection now.
                    while input.recv().await.is_some() {}
                    break;
                }
            }
        }
        let _ = reset_tx.send(());
    });
    let down = async {
        let mut chunk = vec![0u8; 32 * 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if out
                        .send(spdy::data(data, &chunk[..n], false))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
        let _ = out.send(spdy::data(data, &[], true)).await;
    };
    tokio::select! {
        _ = down => {}
        _ = reset_rx => {}
    }
    up.abort();
    let _ = out.send(spdy::data(error, &[], true)).await;
}

/// Serves the channel form: port `i` of `ports` on channels `2i` (data) and
/// `2i+1` (errors); the WebSocket closes once every port's connection has
/// ended.
async fn channel_session(socket: WebSocket, opener: Arc<Opener>, ports: Vec<u16>) {
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Vec<u8>>(64);
    let mut writers = HashMap::new();
    let mut downs = tokio::task::JoinSet::new();
    let mut opened = Vec::with_capacity(ports.len());
    for (i, port) in ports.iter().enumerate() {
        let Some((d, e)) = rc::port_channels(i) else {
            break;
        };
        opened.push((d, e, *port, opener.open(*port).await));
    }
    let writer = tokio::spawn(async move {
        while let Some(b) = out_rx.recv().await {
            if ws_tx.send(Message::Binary(b.into())).await.is_err() {
                return;
            }
        }
        let _ = ws_tx.send(close_normally()).await;
    });
    for (d, e, port, conn) in opened {
        let _ = out_tx.send(rc::port_prefix(d, port)).await;
        let _ = out_tx.send(rc::port_prefix(e, port)).await;
        match conn {
            Err(msg) => {
                let _ = out_tx.send(rc::frame(e, msg.as_bytes())).await;
            }
            Ok(io) => {
                let (mut rd, wr) = tokio::io::split(io);
                writers.insert(d, wr);
                let out = out_tx.clone();
                downs.spawn(async move {
                    let mut chunk = vec![0u8; 32 * 1024];
                    loop {
                        match rd.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                if out.send(rc::frame(d, &chunk[..n])).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        }
    }
    while !downs.is_empty() {
        tokio::select! {
            msg = ws_rx.next() => match msg {
                Some(Ok(Message::Binary(b))) => {
                    if let Some((&channel, data)) = b.split_first()
                        && let Some(w) = writers.get_mut(&channel)
                        && w.write_all(data).await.is_err()
                    {
                        writers.remove(&channel);
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                _ => {}
            },
            _ = downs.join_next() => {}
        }
    }
    downs.abort_all();
    drop(writers);
    drop(out_tx);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), writer).await;
}
