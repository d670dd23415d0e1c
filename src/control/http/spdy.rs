//! SPDY/3.1 framing, as much of it as a port-forward server needs (what
//! kubectl's client, Docker's spdystream, sends): the client opens streams
//! (SYN_STREAM with headers), the server answers each (SYN_REPLY), both send
//! data frames and half-close with FIN, either may reset a stream
//! (RST_STREAM); pings are echoed. Header blocks are zlib-compressed with
//! the SPDY dictionary, one compression context per direction for the whole
//! connection, so the [`Codec`] is stateful.
//!
//! Pure: bytes in, frames out, and back; no I/O. It imports nothing of ours.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Largest frame payload accepted from a client (kubectl writes 32 KiB).
pub const MAX_FRAME: usize = 1 << 20;
/// Largest decompressed header block accepted.
const MAX_HEADERS: usize = 64 * 1024;
const VERSION: u16 = 3;
const FLAG_FIN: u8 = 0x01;

const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const PING: u16 = 6;
const GOAWAY: u16 = 7;
const HEADERS: u16 = 8;

/// RST_STREAM status codes used here.
pub const RST_PROTOCOL_ERROR: u32 = 1;

/// A frame from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    SynStream {
        stream_id: u32,
        fin: bool,
        /// Header names lower-case, as SPDY requires.
        headers: Vec<(String, String)>,
    },
    Data {
        stream_id: u32,
        fin: bool,
        data: Vec<u8>,
    },
    RstStream {
        stream_id: u32,
        status: u32,
    },
    Ping(u32),
    GoAway,
    /// SETTINGS, WINDOW_UPDATE, HEADERS, a reply: nothing a server acts on.
    Ignored,
}

impl Frame {
    /// The value of header `name` of a SYN_STREAM.
    pub fn header(headers: &[(String, String)], name: &str) -> Option<String> {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Why bytes are not SPDY.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpdyError {
    #[error("SPDY frame of {0} bytes is larger than {MAX_FRAME}")]
    TooLarge(usize),
    #[error("SPDY version {0} is not 3")]
    Version(u16),
    #[error("malformed SPDY frame: {0}")]
    Malformed(&'static str),
    #[error("SPDY header block: {0}")]
    Headers(String),
}

/// One connection's compression state, both directions.
pub struct Codec {
    inflate: Decompress,
    deflate: Compress,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::new()
    }
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, SpdyError> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(SpdyError::Malformed("truncated"))
}

impl Codec {
    pub fn new() -> Codec {
        let mut deflate = Compress::new(Compression::default(), true);
        // Fails only for a stream already started; this one is new.
        let _ = deflate.set_dictionary(HEADER_DICTIONARY);
        Codec {
            inflate: Decompress::new(true),
            deflate,
        }
    }

    /// Takes one whole frame off the front of `buf`, if there is one.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, SpdyError> {
        if buf.len() < 8 {
            return Ok(None);
        }
        let len = (u32_at(buf, 4)? & 0x00ff_ffff) as usize;
        if len > MAX_FRAME {
            return Err(SpdyError::TooLarge(len));
        }
        if buf.len() < 8 + len {
            return Ok(None);
        }
        let head: Vec<u8> = buf.drain(..8 + len).collect();
        let flags = head[4];
        let body = &head[8..];
        if head[0] & 0x80 == 0 {
            let stream_id = u32_at(&head, 0)? & 0x7fff_ffff;
            return Ok(Some(Frame::Data {
                stream_id,
                fin: flags & FLAG_FIN != 0,
                data: body.to_vec(),
            }));
        }
        let version = u16::from_be_bytes([head[0], head[1]]) & 0x7fff;
        if version != VERSION {
            return Err(SpdyError::Version(version));
        }
        let kind = u16::from_be_bytes([head[2], head[3]]);
        let frame = match kind {
            SYN_STREAM => {
                let stream_id = u32_at(body, 0)? & 0x7fff_ffff;
                // Associated stream (4), priority and slot (2), then the block.
                let block = body
                    .get(10..)
                    .ok_or(SpdyError::Malformed("short SYN_STREAM"))?;
                let headers = parse_block(&self.inflate_block(block)?)?;
                Frame::SynStream {
                    stream_id,
                    fin: flags & FLAG_FIN != 0,
                    headers,
                }
            }
            // Their header blocks still feed the shared decompression context.
            SYN_REPLY | HEADERS => {
                if let Some(block) = body.get(4..) {
                    self.inflate_block(block)?;
                }
                Frame::Ignored
            }
            RST_STREAM => Frame::RstStream {
                stream_id: u32_at(body, 0)? & 0x7fff_ffff,
                status: u32_at(body, 4)?,
            },
            PING => Frame::Ping(u32_at(body, 0)?),
            GOAWAY => Frame::GoAway,
            _ => Frame::Ignored,
        };
        Ok(Some(frame))
    }

    fn inflate_block(&mut self, block: &[u8]) -> Result<Vec<u8>, SpdyError> {
        let err = |e: &dyn std::fmt::Display| SpdyError::Headers(e.to_string());
        let mut out = Vec::with_capacity(block.len() * 4 + 64);
        let mut used = 0;
        loop {
            out.reserve(1024);
            let (in0, out0) = (self.inflate.total_in(), out.len());
            let r = self
                .inflate
                .decompress_vec(&block[used..], &mut out, FlushDecompress::Sync);
            used += (self.inflate.total_in() - in0) as usize;
            match r {
                Ok(_) => {}
                Err(e) if e.needs_dictionary().is_some() => {
                    self.inflate
                        .set_dictionary(HEADER_DICTIONARY)
                        .map_err(|e| err(&e))?;
                    continue;
                }
                Err(e) => return Err(err(&e)),
            }
            if out.len() > MAX_HEADERS {
                return Err(SpdyError::Headers("too large".into()));
            }
            let progressed = self.inflate.total_in() > in0 || out.len() > out0;
            if (used >= block.len() && out.len() < out.capacity()) || !progressed {
                break;
            }
        }
        Ok(out)
    }

    fn deflate_block(&mut self, raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(raw.len() + 64);
        let mut used = 0;
        loop {
            out.reserve(256);
            let in0 = self.deflate.total_in();
            match self
                .deflate
                .compress_vec(&raw[used..], &mut out, FlushCompress::Sync)
            {
                Ok(Status::Ok | Status::BufError | Status::StreamEnd) => {}
                Err(_) => break,
            }
            used += (self.deflate.total_in() - in0) as usize;
            if used >= raw.len() && out.len() < out.capacity() {
                break;
            }
        }
        out
    }

    /// The server's answer to a SYN_STREAM (no headers).
    pub fn syn_reply(&mut self, stream_id: u32) -> Vec<u8> {
        let block = self.deflate_block(&0u32.to_be_bytes());
        let mut body = stream_id.to_be_bytes().to_vec();
        body.extend_from_slice(&block);
        control(SYN_REPLY, 0, &body)
    }
}

fn control(kind: u16, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    out.extend_from_slice(&(0x8000 | VERSION).to_be_bytes());
    out.extend_from_slice(&kind.to_be_bytes());
    out.push(flags);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// A data frame (FIN half-closes the stream from the server's side).
pub fn data(stream_id: u32, data: &[u8], fin: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + data.len());
    out.extend_from_slice(&(stream_id & 0x7fff_ffff).to_be_bytes());
    out.push(if fin { FLAG_FIN } else { 0 });
    out.extend_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(data);
    out
}

/// Resets a stream.
pub fn rst_stream(stream_id: u32, status: u32) -> Vec<u8> {
    let mut body = stream_id.to_be_bytes().to_vec();
    body.extend_from_slice(&status.to_be_bytes());
    control(RST_STREAM, 0, &body)
}

/// The answer to a ping (the same id back).
pub fn ping(id: u32) -> Vec<u8> {
    control(PING, 0, &id.to_be_bytes())
}

fn parse_block(b: &[u8]) -> Result<Vec<(String, String)>, SpdyError> {
    let bad = || SpdyError::Headers("truncated header block".into());
    let n = u32_at(b, 0).map_err(|_| bad())? as usize;
    let mut at = 4;
    let mut out = Vec::with_capacity(n.min(64));
    let take = |at: &mut usize| -> Result<String, SpdyError> {
        let len = u32_at(b, *at).map_err(|_| bad())? as usize;
        let s = b.get(*at + 4..*at + 4 + len).ok_or_else(bad)?;
        *at += 4 + len;
        Ok(String::from_utf8_lossy(s).into_owned())
    };
    for _ in 0..n {
        let name = take(&mut at)?.to_ascii_lowercase();
        let value = take(&mut at)?;
        out.push((name, value));
    }
    Ok(out)
}

/// The dictionary of SPDY/3 header compression (draft-mbelshe-httpbis-spdy-00, 2.6.10.1).
const HEADER_DICTIONARY: &[u8; 1423] = b"\
    \0\0\0\x07options\0\0\0\x04head\0\0\0\x04post\0\0\0\x03put\0\0\0\x06delete\0\0\0\x05trac\
    e\0\0\0\x06accept\0\0\0\x0eaccept-charset\0\0\0\x0faccept-encoding\0\0\0\x0faccept-langu\
    age\0\0\0\x0daccept-ranges\0\0\0\x03age\0\0\0\x05allow\0\0\0\x0dauthorization\0\0\0\x0dc\
    ache-control\0\0\0\x0aconnection\0\0\0\x0ccontent-base\0\0\0\x10content-encoding\0\0\0\
    \x10content-language\0\0\0\x0econtent-length\0\0\0\x10content-location\0\0\0\x0bcontent-\
    md5\0\0\0\x0dcontent-range\0\0\0\x0ccontent-type\0\0\0\x04date\0\0\0\x04etag\0\0\0\x06ex\
    pect\0\0\0\x07expires\0\0\0\x04from\0\0\0\x04host\0\0\0\x08if-match\0\0\0\x11if-modified\
    -since\0\0\0\x0dif-none-match\0\0\0\x08if-range\0\0\0\x13if-unmodified-since\0\0\0\x0dla\
    st-modified\0\0\0\x08location\0\0\0\x0cmax-forwards\0\0\0\x06pragma\0\0\0\x12proxy-authe\
    nticate\0\0\0\x13proxy-authorization\0\0\0\x05range\0\0\0\x07referer\0\0\0\x0bretry-afte\
    r\0\0\0\x06server\0\0\0\x02te\0\0\0\x07trailer\0\0\0\x11transfer-encoding\0\0\0\x07upgra\
    de\0\0\0\x0auser-agent\0\0\0\x04vary\0\0\0\x03via\0\0\0\x07warning\0\0\0\x10www-authenti\
    cate\0\0\0\x06method\0\0\0\x03get\0\0\0\x06status\0\0\0\x06200 OK\0\0\0\x07version\0\0\0\
    \x08HTTP/1.1\0\0\0\x03url\0\0\0\x06public\0\0\0\x0aset-cookie\0\0\0\x0akeep-alive\0\0\0\
    \x06origin100101201202205206300302303304305306307402405406407408409410411412413414415416\
    417502504505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad \
    Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implem\
    ented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mo\
    n, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,appl\
    ication/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,d\
    eflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

#[cfg(test)]
mod tests {
    use super::*;

    const RST_CANCEL: u32 = 5;

    /// A client's side of the compression, as spdystream sets it up.
    fn client_syn_stream(deflate: &mut Compress, id: u32, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut raw = (headers.len() as u32).to_be_bytes().to_vec();
        for (k, v) in headers {
            raw.extend_from_slice(&(k.len() as u32).to_be_bytes());
            raw.extend_from_slice(k.as_bytes());
            raw.extend_from_slice(&(v.len() as u32).to_be_bytes());
            raw.extend_from_slice(v.as_bytes());
        }
        let mut block = Vec::with_capacity(raw.len() + 128);
        deflate
            .compress_vec(&raw, &mut block, FlushCompress::Sync)
            .unwrap();
        let mut body = id.to_be_bytes().to_vec();
        body.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(&block);
        control(SYN_STREAM, 0, &body)
    }

    fn client_deflate() -> Compress {
        let mut d = Compress::new(Compression::best(), true);
        d.set_dictionary(HEADER_DICTIONARY).unwrap();
        d
    }

    #[test]
    fn the_dictionary_is_spdy3s() {
        // Its adler32 is what a zlib stream with a preset dictionary names.
        let (mut a, mut b) = (1u32, 0u32);
        for &c in HEADER_DICTIONARY {
            a = (a + u32::from(c)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!((b << 16) | a, 0xe3c6_a7c2);
    }

    #[test]
    fn streams_opened_by_a_client_decode_with_their_headers_across_frames() {
        let mut client = client_deflate();
        let mut bytes = client_syn_stream(
            &mut client,
            1,
            &[("streamtype", "error"), ("port", "80"), ("requestid", "0")],
        );
        bytes.extend(client_syn_stream(
            &mut client,
            3,
            &[("streamtype", "data"), ("port", "80"), ("requestid", "0")],
        ));
        bytes.extend(data(3, b"GET / HTTP/1.0\r\n\r\n", true));
        bytes.extend(ping(7));
        bytes.extend(rst_stream(3, RST_CANCEL));
        let mut codec = Codec::new();
        let mut buf = vec![];
        let mut got = vec![];
        // Fed in small pieces, the frames come out whole and in order.
        for chunk in bytes.chunks(5) {
            buf.extend_from_slice(chunk);
            while let Some(f) = codec.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        let Frame::SynStream { headers, .. } = &got[1] else {
            panic!("{got:?}")
        };
        assert_eq!(
            Frame::header(headers, "streamtype").as_deref(),
            Some("data")
        );
        assert_eq!(Frame::header(headers, "requestid").as_deref(), Some("0"));
        assert_eq!(
            got[2..],
            [
                Frame::Data {
                    stream_id: 3,
                    fin: true,
                    data: b"GET / HTTP/1.0\r\n\r\n".to_vec()
                },
                Frame::Ping(7),
                Frame::RstStream {
                    stream_id: 3,
                    status: RST_CANCEL
                }
            ]
        );
    }

    #[test]
    fn replies_inflate_with_the_dictionary_on_the_clients_side() {
        let mut codec = Codec::new();
        let mut inflate = Decompress::new(true);
        for id in [1u32, 3] {
            let reply = codec.syn_reply(id);
            assert_eq!(u16::from_be_bytes([reply[2], reply[3]]), SYN_REPLY);
            assert_eq!(u32_at(&reply, 8).unwrap(), id);
            let mut out = Vec::with_capacity(64);
            let block = &reply[12..];
            let before = inflate.total_in();
            let r = inflate.decompress_vec(block, &mut out, FlushDecompress::Sync);
            if r.is_err() {
                inflate.set_dictionary(HEADER_DICTIONARY).unwrap();
                let used = (inflate.total_in() - before) as usize;
                inflate
                    .decompress_vec(&block[used..], &mut out, FlushDecompress::Sync)
                    .unwrap();
            }
            assert_eq!(out, [0, 0, 0, 0], "an empty header block");
        }
    }

    #[test]
    fn hostile_frames_are_errors() {
        let mut codec = Codec::new();
        let mut big = vec![0, 0, 0, 1, 0, 0xff, 0xff, 0xff];
        assert_eq!(codec.decode(&mut big), Err(SpdyError::TooLarge(0xff_ffff)));
        let mut v2 = control(PING, 0, &[0, 0, 0, 1]);
        v2[1] = 2;
        assert_eq!(codec.decode(&mut v2), Err(SpdyError::Version(2)));
        let mut garbage = control(SYN_STREAM, 0, &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert!(matches!(
            codec.decode(&mut garbage),
            Err(SpdyError::Headers(_))
        ));
    }
}
