//! The DNS server of a node (hickory-server): answers names of the cluster
//! domain from the current [`Table`], and forwards every other question,
//! as it came, to the node's own resolvers (`/etc/resolv.conf` at start, or
//! `--dns-upstream`), over UDP or TCP as it was asked.
//!
//! A CNAME (ExternalName) is followed for A/AAAA questions: inside the
//! cluster domain from the table, outside it through the resolvers, so
//! clients get addresses in one answer as from any recursive server.
//!
//! One [`Dns`] is shared by every socket the node serves: the host address
//! (`127.77.0.10:53` by default) and, per Docker pod, a socket inside the
//! pod's own network namespace (see [`super::netns`]).

use super::records::{Answer, QType, Rec, TTL, Table};
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{
    Header, HeaderCounts, Message, Metadata, OpCode, Query, ResponseCode,
};
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, SRV};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one upstream may take to answer before the next is asked.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a TCP client may stay idle.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);

/// The records and where other names go; cheap to clone.
#[derive(Clone)]
pub struct Dns {
    table: Arc<RwLock<Arc<Table>>>,
    upstreams: Arc<Vec<SocketAddr>>,
}

impl Dns {
    pub fn new(table: Table, upstreams: Vec<SocketAddr>) -> Dns {
        Dns {
            table: Arc::new(RwLock::new(Arc::new(table))),
            upstreams: Arc::new(upstreams),
        }
    }

    /// Replaces the records (answers already being sent keep the old ones).
    pub fn set_table(&self, t: Table) {
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(t);
    }

    pub fn table(&self) -> Arc<Table> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A server on `udp` and `tcp`; it stops when dropped.
    pub fn serve(
        &self,
        udp: tokio::net::UdpSocket,
        tcp: Option<tokio::net::TcpListener>,
    ) -> hickory_server::Server<Handler> {
        let mut s = hickory_server::Server::new(Handler(self.clone()));
        s.register_socket(udp);
        if let Some(t) = tcp {
            s.register_listener(t, TCP_TIMEOUT, 64);
        }
        s
    }
}

/// The nameservers of a `resolv.conf`, at port 53, leaving out `skip` (the
/// cluster DNS itself, which must not forward to itself).
pub fn nameservers(resolv_conf: &str, skip: &[std::net::IpAddr]) -> Vec<SocketAddr> {
    resolv_conf
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == "nameserver").then_some(())?;
            // A scoped IPv6 address (`fe80::1%eth0`) keeps only the address.
            let ip: std::net::IpAddr = w.next()?.split('%').next()?.parse().ok()?;
            (!skip.contains(&ip)).then(|| SocketAddr::new(ip, 53))
        })
        .collect()
}

fn qtype(t: RecordType) -> QType {
    match t {
        RecordType::A => QType::A,
        RecordType::AAAA => QType::Aaaa,
        RecordType::CNAME => QType::Cname,
        RecordType::SRV => QType::Srv,
        RecordType::ANY => QType::Any,
        _ => QType::Other,
    }
}

fn fqdn(n: &str) -> Option<Name> {
    Name::from_ascii(format!("{n}.")).ok()
}

fn record(owner: &Name, r: &Rec) -> Option<Record> {
    let data = match r {
        Rec::A(ip) => RData::A(A(*ip)),
        Rec::Aaaa(ip) => RData::AAAA(AAAA(*ip)),
        Rec::Cname(t) => RData::CNAME(CNAME(fqdn(t)?)),
        Rec::Srv { port, target } => RData::SRV(SRV::new(0, 100, *port, fqdn(target)?)),
    };
    Some(Record::from_rdata(owner.clone(), TTL, data))
}

/// Sends `raw` (a whole DNS message) to `to` and returns its answer.
async fn exchange(raw: &[u8], to: SocketAddr, tcp: bool) -> std::io::Result<Vec<u8>> {
    let id = raw.get(..2).map(|b| [b[0], b[1]]);
    if tcp {
        let mut s = tokio::net::TcpStream::connect(to).await?;
        let len = u16::try_from(raw.len()).map_err(std::io::Error::other)?;
        let mut buf = len.to_be_bytes().to_vec();
        buf.extend_from_slice(raw);
        s.write_all(&buf).await?;
        let n = s.read_u16().await?;
        let mut out = vec![0; usize::from(n)];
        s.read_exact(&mut out).await?;
        return Ok(out);
    }
    let bind: SocketAddr = if to.is_ipv4() {
        "0.0.0.0:0".parse().map_err(std::io::Error::other)?
    } else {
        "[::]:0".parse().map_err(std::io::Error::other)?
    };
    let s = tokio::net::UdpSocket::bind(bind).await?;
    s.connect(to).await?;
    s.send(raw).await?;
    let mut out = vec![0; 65535];
    loop {
        let n = s.recv(&mut out).await?;
        // Only the answer to this question (a connected socket hears only `to`).
        if out.get(..2).map(|b| [b[0], b[1]]) == id {
            out.truncate(n);
            return Ok(out);
        }
    }
}

impl Dns {
    /// Asks the upstreams in turn; the first answer wins.
    async fn forward(&self, raw: &[u8], tcp: bool) -> Option<Message> {
        for up in self.upstreams.iter() {
            match tokio::time::timeout(UPSTREAM_TIMEOUT, exchange(raw, *up, tcp)).await {
                Ok(Ok(bytes)) => match Message::from_vec(&bytes) {
                    Ok(m) => return Some(m),
                    Err(e) => {
                        tracing::debug!(upstream = %up, error = %e, "bad answer from upstream")
                    }
                },
                Ok(Err(e)) => tracing::debug!(upstream = %up, error = %e, "upstream DNS failed"),
                Err(_) => tracing::debug!(upstream = %up, "upstream DNS timed out"),
            }
        }
        None
    }

    /// Records for `target` (a CNAME's), type `t`: from the table inside
    /// the cluster domain, else from the upstreams.
    async fn chase(&self, target: &str, t: RecordType, tcp: bool) -> Vec<Record> {
        let table = self.table();
        match table.answer(target, qtype(t)) {
            Answer::Records(recs) => {
                let Some(owner) = fqdn(target) else {
                    return vec![];
                };
                recs.iter().filter_map(|r| record(&owner, r)).collect()
            }
            Answer::NxDomain => vec![],
            Answer::Forward => {
                let Some(name) = fqdn(target) else {
                    return vec![];
                };
                let mut m = Message::query();
                m.metadata.id = rand_id();
                m.metadata.recursion_desired = true;
                m.add_query(Query::query(name, t));
                let Ok(raw) = m.to_vec() else {
                    return vec![];
                };
                self.forward(&raw, tcp)
                    .await
                    .map(|m| m.answers)
                    .unwrap_or_default()
            }
        }
    }
}

fn rand_id() -> u16 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (n ^ (n >> 16)) as u16
}

/// The hickory request handler over a [`Dns`].
pub struct Handler(Dns);

fn info(metadata: Metadata) -> ResponseInfo {
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

async fn error<R: ResponseHandler>(
    request: &Request,
    mut rh: R,
    code: ResponseCode,
) -> ResponseInfo {
    let resp =
        MessageResponseBuilder::from_message_request(request).error_msg(&request.metadata, code);
    let mut m = Metadata::response_from_request(&request.metadata);
    m.response_code = code;
    rh.send_response(resp).await.unwrap_or_else(|_| info(m))
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut rh: R,
    ) -> ResponseInfo {
        let dns = &self.0;
        let tcp = request.protocol() == Protocol::Tcp;
        let queries = request.queries.queries();
        if request.metadata.op_code != OpCode::Query || queries.len() != 1 {
            return error(request, rh, ResponseCode::NotImp).await;
        }
        let q = &queries[0];
        let name = q.name().to_string();
        let table = dns.table();
        let mut meta = Metadata::response_from_request(&request.metadata);
        meta.recursion_available = true;
        let records: Vec<Record> = match table.answer(&name, qtype(q.query_type())) {
            Answer::Forward => {
                let Some(up) = dns.forward(request.as_slice(), tcp).await else {
                    return error(request, rh, ResponseCode::ServFail).await;
                };
                let mut m = up.metadata;
                m.id = request.metadata.id;
                let mut b = MessageResponseBuilder::from_message_request(request);
                if let Some(e) = &request.edns {
                    b.edns(e);
                }
                let resp = b.build(
                    m,
                    up.answers.iter(),
                    up.authorities.iter(),
                    [],
                    up.additionals.iter(),
                );
                return rh.send_response(resp).await.unwrap_or_else(|_| info(m));
            }
            Answer::NxDomain => {
                meta.authoritative = true;
                meta.response_code = ResponseCode::NXDomain;
                vec![]
            }
            Answer::Records(recs) => {
                meta.authoritative = true;
                let owner = q.original().name().clone();
                let mut out: Vec<Record> = recs.iter().filter_map(|r| record(&owner, r)).collect();
                if let [Rec::Cname(target)] = recs.as_slice()
                    && matches!(q.query_type(), RecordType::A | RecordType::AAAA)
                {
                    out.extend(dns.chase(target, q.query_type(), tcp).await);
                }
                out
            }
        };
        let mut b = MessageResponseBuilder::from_message_request(request);
        if let Some(e) = &request.edns {
            b.edns(e);
        }
        let resp = b.build(meta, records.iter(), [], [], []);
        rh.send_response(resp).await.unwrap_or_else(|_| info(meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_come_from_resolv_conf_without_the_cluster_dns() {
        let conf = "# comment\nsearch example.com\nnameserver 10.0.0.2\nnameserver 127.77.0.10\nnameserver fe80::1%eth0\noptions ndots:1\n";
        let skip = ["127.77.0.10".parse().unwrap()];
        assert_eq!(
            nameservers(conf, &skip),
            vec![
                "10.0.0.2:53".parse::<SocketAddr>().unwrap(),
                "[fe80::1]:53".parse().unwrap()
            ]
        );
    }
}
