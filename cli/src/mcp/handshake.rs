//! The transport as the server sees it before the handshake. A newer client may send a
//! request before `initialize` (the 2026 SDKs probe with `server/discover`): it is
//! answered "method not found", which makes the client fall back to `initialize`,
//! where rmcp alone would end the session. And an `initialize` that asks for a protocol
//! version this server does not implement is answered with the newest one it does.

use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, ErrorCode, ErrorData, JsonRpcMessage, ProtocolVersion,
    ServerJsonRpcMessage,
};
use rmcp::service::{RoleServer, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use std::future::Future;

/// The protocol versions this server implements, oldest first.
pub const IMPLEMENTED: [ProtocolVersion; 4] = [
    ProtocolVersion::V_2024_11_05,
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
];

/// A transport that guards the handshake, then passes everything through.
pub struct Handshake<T> {
    inner: T,
    initialized: bool,
}

impl<T> Handshake<T> {
    /// Guards `inner`'s handshake.
    pub fn new(inner: T) -> Handshake<T> {
        Handshake {
            inner,
            initialized: false,
        }
    }
}

/// What to do with a message that arrives before the handshake.
enum Early {
    /// Hand it to rmcp: `initialize` (its version made one we implement) or `ping`.
    Pass(ClientJsonRpcMessage),
    /// Answer it with this error.
    Refuse(ServerJsonRpcMessage),
    /// A notification or a response: nothing to answer.
    Drop,
}

fn early(message: ClientJsonRpcMessage) -> Early {
    let JsonRpcMessage::Request(mut request) = message else {
        return Early::Drop;
    };
    match &mut request.request {
        ClientRequest::InitializeRequest(init) => {
            let asked = &mut init.params.protocol_version;
            if !IMPLEMENTED.contains(asked) {
                *asked = IMPLEMENTED[IMPLEMENTED.len() - 1].clone();
            }
            Early::Pass(JsonRpcMessage::Request(request))
        }
        ClientRequest::PingRequest(_) => Early::Pass(JsonRpcMessage::Request(request)),
        other => Early::Refuse(ServerJsonRpcMessage::error(
            ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!(
                    "{} is not implemented; start with initialize",
                    other.method()
                ),
                None,
            ),
            Some(request.id),
        )),
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for Handshake<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let message = self.inner.receive().await?;
            if self.initialized {
                return Some(message);
            }
            match early(message) {
                Early::Pass(m) => {
                    self.initialized = matches!(
                        &m,
                        JsonRpcMessage::Request(r)
                            if matches!(r.request, ClientRequest::InitializeRequest(_))
                    );
                    return Some(m);
                }
                Early::Refuse(answer) => {
                    // A client gone meanwhile shows as the end of the input next.
                    let _ = self.inner.send(answer).await;
                }
                Early::Drop => {}
            }
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ClientJsonRpcMessage {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_request_before_initialize_is_method_not_found() {
        let m = parse(
            r#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"protocolVersion":"2026-07-28"}}"#,
        );
        let Early::Refuse(answer) = early(m) else {
            panic!("not refused")
        };
        let v = serde_json::to_value(answer).unwrap();
        assert_eq!(v["id"], 1);
        assert_eq!(v["error"]["code"], -32601);
    }

    #[test]
    fn initialize_asks_only_for_a_version_we_implement() {
        for (asked, answered) in [
            ("2026-07-28", "2025-11-25"),
            ("2099-01-01", "2025-11-25"),
            ("2025-06-18", "2025-06-18"),
            ("2024-11-05", "2024-11-05"),
        ] {
            let m = parse(&format!(
                r#"{{"jsonrpc":"2.0","id":2,"method":"initialize","params":{{"protocolVersion":"{asked}","capabilities":{{}},"clientInfo":{{"name":"t","version":"0"}}}}}}"#
            ));
            let Early::Pass(m) = early(m) else {
                panic!("not passed")
            };
            let v = serde_json::to_value(m).unwrap();
            assert_eq!(v["params"]["protocolVersion"], answered, "{asked}");
        }
    }

    #[test]
    fn notifications_before_initialize_are_dropped() {
        let m = parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        assert!(matches!(early(m), Early::Drop));
    }
}
