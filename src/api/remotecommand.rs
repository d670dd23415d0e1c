//! Kubernetes' streaming protocols over WebSocket, as kubectl and client-go
//! speak them: exec and attach (`v5.channel.k8s.io`, `v4.channel.k8s.io`)
//! and port-forward (`SPDY/3.1+portforward.k8s.io`, which carries SPDY
//! inside the WebSocket, and the channel form `v4.channel.k8s.io` with a
//! `ports` query, which `ork port-forward` uses).
//!
//! In the channel protocols every binary message starts with a channel byte:
//! 0 stdin, 1 stdout, 2 stderr, 3 the final `Status` (JSON), 4 terminal
//! resizes (`{"Width":..,"Height":..}`); v5 adds 255, "this channel is
//! closed" (the client's end of stdin). For port-forward, port `i` of the
//! query has data on channel `2i` and errors on `2i+1`, and the first message
//! the server sends on each starts with the port (two bytes, little-endian).
//!
//! Pure encoding, decoding and query parsing; no I/O. It imports nothing of ours
//! but [`super::status`].

use super::status::{Status, StatusCause, StatusDetails};

/// Exec and attach protocols the server speaks, preferred first.
pub const EXEC_PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
/// The one exec protocol with the close signal (channel 255).
pub const EXEC_V5: &str = "v5.channel.k8s.io";
/// Port-forward as kubectl ≥ 1.31 asks for it: SPDY inside the WebSocket.
pub const PORTFORWARD_SPDY_TUNNEL: &str = "SPDY/3.1+portforward.k8s.io";
/// Port-forward as channels (one pair per port of the `ports` query).
pub const PORTFORWARD_CHANNELS: &str = "v4.channel.k8s.io";
/// The `Upgrade` protocol between the control daemon and a node for one
/// forwarded connection (`POST /portforward/{pod uid}?port=N`): after the
/// 101, the connection carries the pod port's bytes as they are.
pub const PORTFORWARD_UPGRADE: &str = "ork-portforward";

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;
pub const ERROR: u8 = 3;
pub const RESIZE: u8 = 4;
pub const CLOSE: u8 = 255;

/// What an exec or attach request asks for, from its query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamQuery {
    /// `command` parameters in order (exec only).
    pub command: Vec<String>,
    pub container: Option<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

fn truthy(v: &str) -> bool {
    matches!(v, "true" | "1" | "True" | "TRUE")
}

impl StreamQuery {
    /// Reads `command=a&command=b&container=c&stdin=true&stdout=true&stderr=true&tty=true`.
    pub fn parse(query: &str) -> StreamQuery {
        let mut q = StreamQuery::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "command" => q.command.push(v.into_owned()),
                "container" if !v.is_empty() => q.container = Some(v.into_owned()),
                "stdin" => q.stdin = truthy(&v),
                "stdout" => q.stdout = truthy(&v),
                "stderr" => q.stderr = truthy(&v),
                "tty" => q.tty = truthy(&v),
                _ => {}
            }
        }
        q
    }
}

/// The ports of a port-forward request (`ports=80,8080` or `ports=80&ports=8080`);
/// none or a bad one is an error that says what to send.
pub fn parse_ports(query: &str) -> Result<Vec<u16>, String> {
    let mut ports = vec![];
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != "ports" {
            continue;
        }
        for p in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match p.parse::<u16>() {
                Ok(n) if n > 0 => ports.push(n),
                _ => {
                    return Err(format!(
                        "port {p:?} is not a port number (1-65535); send ports=80,8080"
                    ));
                }
            }
        }
    }
    if ports.is_empty() {
        return Err("no port to forward: send ports=PORT (several: ports=80,8080)".into());
    }
    Ok(ports)
}

/// A message from the client of an exec or attach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMessage {
    Stdin(Vec<u8>),
    /// The terminal is now `width` columns by `height` rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// The client closed this channel (v5): for stdin, the input ended.
    Close(u8),
    /// Nothing the server acts on (an empty message, an unknown channel, a
    /// resize that is not JSON).
    Ignored,
}

#[derive(serde::Deserialize)]
struct Size {
    #[serde(rename = "Width", default)]
    width: u16,
    #[serde(rename = "Height", default)]
    height: u16,
}

impl ClientMessage {
    /// Decodes one binary WebSocket message.
    pub fn decode(msg: &[u8]) -> ClientMessage {
        let Some((&channel, data)) = msg.split_first() else {
            return ClientMessage::Ignored;
        };
        match channel {
            STDIN if !data.is_empty() => ClientMessage::Stdin(data.to_vec()),
            RESIZE => match serde_json::from_slice::<Size>(data) {
                Ok(s) => ClientMessage::Resize {
                    width: s.width,
                    height: s.height,
                },
                Err(_) => ClientMessage::Ignored,
            },
            CLOSE => data
                .first()
                .map_or(ClientMessage::Ignored, |c| ClientMessage::Close(*c)),
            _ => ClientMessage::Ignored,
        }
    }
}

/// One message on `channel`.
pub fn frame(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + data.len());
    out.push(channel);
    out.extend_from_slice(data);
    out
}

/// The `Status` an exec ends with, as the kubelet sends it on the error
/// channel: `Success` for 0; otherwise `NonZeroExitCode` with the code as
/// an `ExitCode` cause, from which kubectl takes its own exit code.
pub fn exit_status(code: i32) -> Status {
    if code == 0 {
        return Status {
            status: "Success".into(),
            ..Status::default()
        };
    }
    Status {
        status: "Failure".into(),
        message: format!("command terminated with non-zero exit code: exit status {code}"),
        reason: "NonZeroExitCode".into(),
        details: Some(StatusDetails {
            causes: vec![StatusCause {
                reason: "ExitCode".into(),
                message: code.to_string(),
                field: String::new(),
            }],
            ..StatusDetails::default()
        }),
        ..Status::default()
    }
}

/// The `Status` of a stream that failed before or while running; kubectl
/// prints its message.
pub fn error_status(message: impl Into<String>) -> Status {
    Status {
        status: "Failure".into(),
        message: message.into(),
        reason: "InternalError".into(),
        code: 500,
        ..Status::default()
    }
}

/// The error-channel message carrying `status`.
pub fn status_frame(status: &Status) -> Vec<u8> {
    frame(
        ERROR,
        &serde_json::to_vec(status).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

/// The first message on a port-forward channel: the port, little-endian.
pub fn port_prefix(channel: u8, port: u16) -> Vec<u8> {
    frame(channel, &port.to_le_bytes())
}

/// The data and error channels of the `i`th port of a port-forward.
pub fn port_channels(i: usize) -> Option<(u8, u8)> {
    let data = u8::try_from(i.checked_mul(2)?).ok()?;
    Some((data, data.checked_add(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectls_exec_query_is_read_with_every_command_word_in_order() {
        let q = StreamQuery::parse(
            "command=sh&command=-c&command=echo+%22a+b%22&container=web&stdin=true&stdout=true&stderr=false&tty=1",
        );
        assert_eq!(q.command, ["sh", "-c", "echo \"a b\""]);
        assert_eq!(q.container.as_deref(), Some("web"));
        assert!(q.stdin && q.stdout && !q.stderr && q.tty);
        assert_eq!(StreamQuery::parse(""), StreamQuery::default());
    }

    #[test]
    fn ports_come_comma_separated_or_repeated_and_bad_ones_are_errors() {
        assert_eq!(parse_ports("ports=80,8080").unwrap(), [80, 8080]);
        assert_eq!(parse_ports("ports=80&ports=81").unwrap(), [80, 81]);
        assert!(parse_ports("").unwrap_err().contains("ports=PORT"));
        assert!(parse_ports("ports=0").is_err());
        assert!(parse_ports("ports=70000").is_err());
        assert!(parse_ports("ports=http").is_err());
    }

    #[test]
    fn client_messages_decode_by_channel() {
        assert_eq!(
            ClientMessage::decode(&[0, b'h', b'i']),
            ClientMessage::Stdin(b"hi".to_vec())
        );
        assert_eq!(
            ClientMessage::decode(b"\x04{\"Width\":120,\"Height\":40}"),
            ClientMessage::Resize {
                width: 120,
                height: 40
            }
        );
        assert_eq!(ClientMessage::decode(&[255, 0]), ClientMessage::Close(0));
        assert_eq!(ClientMessage::decode(&[]), ClientMessage::Ignored);
        assert_eq!(ClientMessage::decode(&[0]), ClientMessage::Ignored);
        assert_eq!(ClientMessage::decode(b"\x04nope"), ClientMessage::Ignored);
        assert_eq!(ClientMessage::decode(&[9, 1]), ClientMessage::Ignored);
    }

    #[test]
    fn a_non_zero_exit_carries_its_code_as_kubectl_reads_it() {
        let ok = serde_json::to_value(exit_status(0)).unwrap();
        assert_eq!(ok["status"], "Success");
        let failed = serde_json::to_value(exit_status(3)).unwrap();
        assert_eq!(failed["status"], "Failure");
        assert_eq!(failed["reason"], "NonZeroExitCode");
        assert_eq!(failed["details"]["causes"][0]["reason"], "ExitCode");
        assert_eq!(failed["details"]["causes"][0]["message"], "3");
        let frame = status_frame(&exit_status(3));
        assert_eq!(frame[0], ERROR);
    }

    #[test]
    fn port_forward_channels_pair_up_and_start_with_the_port() {
        assert_eq!(port_channels(0), Some((0, 1)));
        assert_eq!(port_channels(2), Some((4, 5)));
        assert_eq!(port_channels(200), None);
        assert_eq!(port_prefix(1, 8080), vec![1, 0x90, 0x1f]);
    }
}
