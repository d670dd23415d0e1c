//! WebSocket streams to the API (`port-forward` today): the HTTP upgrade
//! through the client's own connection settings (TLS, token), the
//! handshake checked as RFC 6455 says; the framing is then the caller's
//! (tokio-tungstenite over the upgraded connection).

use super::{Client, ClientError, Result};
use crate::api::status::Status;
use base64::Engine;

impl Client {
    /// Opens a WebSocket on `path` with `query`, offering `protocol`.
    pub async fn websocket(
        &self,
        path: &str,
        query: &[(&str, String)],
        protocol: &str,
    ) -> Result<reqwest::Upgraded> {
        let key = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes());
        let resp = self
            .request(reqwest::Method::GET, path)
            .query(query)
            .header(reqwest::header::CONNECTION, "Upgrade")
            .header(reqwest::header::UPGRADE, "websocket")
            .header("Sec-WebSocket-Version", "13")
            .header("Sec-WebSocket-Key", &key)
            .header("Sec-WebSocket-Protocol", protocol)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let code = resp.status().as_u16();
        if resp.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
            let text = resp.text().await.unwrap_or_default();
            return Err(match serde_json::from_str::<Status>(&text) {
                Ok(s) if s.code != 0 => ClientError::Api(Box::new(s)),
                _ => ClientError::Api(Box::new(Status::failure(
                    code,
                    "",
                    format!("{path}: HTTP {code}: {}", text.trim()),
                ))),
            });
        }
        let accept = resp
            .headers()
            .get("Sec-WebSocket-Accept")
            .map(|v| v.as_bytes().to_vec());
        let expected = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        if accept.as_deref() != Some(expected.as_bytes()) {
            return Err(ClientError::Protocol {
                url: path.to_string(),
                message: "the server's WebSocket handshake does not answer ours".into(),
            });
        }
        resp.upgrade().await.map_err(|e| self.unreachable(&e))
    }
}
