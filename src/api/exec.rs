//! The framing of an exec stream (`ork exec`): once the HTTP connection is
//! upgraded, both sides send frames of `[channel u8][length u32 BE][payload]`.
//! The client sends stdin, stdin's end and terminal resizes; the node sends
//! stdout, stderr, then the exit code (or an error) and closes.
//!
//! Pure encoding and decoding (and the check of the `Upgrade` header), no I/O.

/// The protocol name in the `Upgrade` header.
pub const UPGRADE_PROTOCOL: &str = "ork-exec";

/// Whether a request's `Upgrade` header (its bytes, if any) asks for an
/// exec stream; the protocol name is matched without regard to case.
pub fn wants_exec_stream(upgrade: Option<&[u8]>) -> bool {
    upgrade.is_some_and(|v| v.eq_ignore_ascii_case(UPGRADE_PROTOCOL.as_bytes()))
}

/// Largest payload a frame may carry.
pub const MAX_FRAME: usize = 1 << 20;

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Stdin(Vec<u8>),
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// The command ended with this code.
    Exit(i32),
    /// The terminal is now `cols` × `rows`.
    Resize {
        cols: u16,
        rows: u16,
    },
    /// No more stdin.
    StdinEof,
    /// The exec failed; the message says why.
    Error(String),
}

/// Why bytes are not a frame.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("unknown exec frame channel {0}")]
    Channel(u8),
    #[error("exec frame of {0} bytes is larger than {MAX_FRAME}")]
    TooLarge(usize),
    #[error("malformed exec frame on channel {0}")]
    Malformed(u8),
}

impl Frame {
    fn channel(&self) -> u8 {
        match self {
            Frame::Stdin(_) => 0,
            Frame::Stdout(_) => 1,
            Frame::Stderr(_) => 2,
            Frame::Exit(_) => 3,
            Frame::Resize { .. } => 4,
            Frame::StdinEof => 5,
            Frame::Error(_) => 6,
        }
    }

    /// The frame as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let payload: Vec<u8> = match self {
            Frame::Stdin(b) | Frame::Stdout(b) | Frame::Stderr(b) => b.clone(),
            Frame::Exit(c) => c.to_be_bytes().to_vec(),
            Frame::Resize { cols, rows } => [cols.to_be_bytes(), rows.to_be_bytes()].concat(),
            Frame::StdinEof => vec![],
            Frame::Error(m) => m.as_bytes().to_vec(),
        };
        let mut out = Vec::with_capacity(5 + payload.len());
        out.push(self.channel());
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Takes one whole frame off the front of `buf`, if there is one.
    pub fn decode(buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        if buf.len() < 5 {
            return Ok(None);
        }
        let chan = buf[0];
        let len = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]) as usize;
        if len > MAX_FRAME {
            return Err(FrameError::TooLarge(len));
        }
        if buf.len() < 5 + len {
            return Ok(None);
        }
        let payload: Vec<u8> = buf[5..5 + len].to_vec();
        buf.drain(..5 + len);
        let frame = match chan {
            0 => Frame::Stdin(payload),
            1 => Frame::Stdout(payload),
            2 => Frame::Stderr(payload),
            3 => {
                let b: [u8; 4] = payload
                    .as_slice()
                    .try_into()
                    .map_err(|_| FrameError::Malformed(chan))?;
                Frame::Exit(i32::from_be_bytes(b))
            }
            4 => {
                let b: [u8; 4] = payload
                    .as_slice()
                    .try_into()
                    .map_err(|_| FrameError::Malformed(chan))?;
                Frame::Resize {
                    cols: u16::from_be_bytes([b[0], b[1]]),
                    rows: u16::from_be_bytes([b[2], b[3]]),
                }
            }
            5 => Frame::StdinEof,
            6 => Frame::Error(String::from_utf8_lossy(&payload).into_owned()),
            c => return Err(FrameError::Channel(c)),
        };
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_upgrade_to_ork_exec_asks_for_an_exec_stream() {
        assert!(!wants_exec_stream(None));
        assert!(!wants_exec_stream(Some(b"websocket")));
        assert!(wants_exec_stream(Some(b"ORK-Exec")));
    }

    #[test]
    fn frames_round_trip_even_when_split() {
        let frames = vec![
            Frame::Stdin(b"echo hi\n".to_vec()),
            Frame::Stdout(vec![0, 1, 2]),
            Frame::Stderr(vec![]),
            Frame::Exit(-3),
            Frame::Resize {
                cols: 160,
                rows: 48,
            },
            Frame::StdinEof,
            Frame::Error("no such container".into()),
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(|f| f.encode()).collect();
        // Fed one byte at a time, the decoder yields exactly the frames sent.
        let mut buf = vec![];
        let mut got = vec![];
        for b in bytes {
            buf.push(b);
            while let Some(f) = Frame::decode(&mut buf).expect("valid") {
                got.push(f);
            }
        }
        assert_eq!(got, frames);
        assert!(buf.is_empty());
    }

    #[test]
    fn hostile_frames_are_errors() {
        let mut big = vec![1, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            Frame::decode(&mut big),
            Err(FrameError::TooLarge(0xffff_ffff))
        );
        let mut bad = vec![9, 0, 0, 0, 0];
        assert_eq!(Frame::decode(&mut bad), Err(FrameError::Channel(9)));
        let mut short_exit = vec![3, 0, 0, 0, 1, 7];
        assert_eq!(
            Frame::decode(&mut short_exit),
            Err(FrameError::Malformed(3))
        );
    }
}
