//! Graph API error objects, as Meta answers them.
//!
//! The shape `{"error": {"message", "type", "code", "error_subcode"?, "fbtrace_id"}}` is
//! the one documented on "Handling Errors" (Graph API,
//! <https://developers.facebook.com/docs/graph-api/guides/error-handling>) and on the
//! Messenger Platform's "Common Error Codes"
//! (<https://developers.facebook.com/docs/messenger-platform/error-codes>). Neither page
//! states the HTTP status; every Graph error observed in public reports of these calls
//! (invalid tokens, unknown paths, unsupported requests, `(#100)` parameter errors,
//! the `(#32)`/`(#613)` rate limits) comes with `400 Bad Request`, so every error here
//! is a 400 (see `docs/graph-emulator.md` for the reports).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One Graph API error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// the HTTP status (Meta answers 400 to all the errors emulated here)
    pub status: StatusCode,
    /// `error.message`
    pub message: String,
    /// `error.type`: `OAuthException` or `GraphMethodException`
    pub kind: &'static str,
    /// `error.code`
    pub code: u32,
    /// `error.error_subcode`, when Meta sends one
    pub subcode: Option<u32>,
}

/// The `OAuthException` type, which Graph uses for most errors, not only token ones.
const OAUTH: &str = "OAuthException";

impl GraphError {
    fn new(code: u32, kind: &'static str, message: impl Into<String>) -> GraphError {
        GraphError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            kind,
            code,
            subcode: None,
        }
    }

    /// Adds an `error_subcode`.
    pub fn with_subcode(mut self, subcode: u32) -> GraphError {
        self.subcode = Some(subcode);
        self
    }

    /// Code 190: a token Graph does not know. Message as on the Messenger Platform's
    /// "Common Error Codes" example.
    pub fn invalid_token() -> GraphError {
        GraphError::new(190, OAUTH, "Invalid OAuth access token.")
    }

    /// Code 104: no token on a request for a node that needs one (the answer Graph gives,
    /// reported e.g. in node-facebook/facebook-node-sdk#105).
    pub fn token_required() -> GraphError {
        GraphError::new(
            104,
            OAUTH,
            "An access token is required to request this resource.",
        )
    }

    /// Code 2500: `/me` without a token (fbsamples/messenger-platform-samples#125).
    pub fn me_needs_token() -> GraphError {
        GraphError::new(
            2500,
            OAUTH,
            "An active access token must be used to query information about the current user.",
        )
    }

    /// Code 2500: a path Graph does not route, such as a missing or malformed version
    /// prefix (koala#611, laravel-notification-channels/facebook#53).
    pub fn unknown_path(path: &str) -> GraphError {
        GraphError::new(2500, OAUTH, format!("Unknown path components: {path}"))
    }

    /// Code 100, subcode 33: an object that does not exist, that the token may not see,
    /// or that does not take this method. This is also what a token of another account
    /// gets (restfb#1075, flutter_facebook_login#44).
    pub fn unsupported(method: &str, id: &str) -> GraphError {
        GraphError::new(
            100,
            "GraphMethodException",
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
                method.to_ascii_lowercase()
            ),
        )
        .with_subcode(33)
    }

    /// Code 100: an edge or field the node type does not have
    /// (fbsamples/messenger-bot-samples#33).
    pub fn nonexisting_field(field: &str, node_type: &str) -> GraphError {
        GraphError::new(
            100,
            OAUTH,
            format!(
                "(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
            ),
        )
    }

    /// Code 100: an invalid parameter; `detail` follows the `(#100)` prefix.
    pub fn invalid_param(detail: impl AsRef<str>) -> GraphError {
        GraphError::new(100, OAUTH, format!("(#100) {}", detail.as_ref()))
    }

    /// Code 613: the Messenger Profile API's rate limit ("Calls to this API have
    /// exceeded the rate limit" on the Messenger Platform's Send API error codes).
    pub fn rate_limited() -> GraphError {
        GraphError::new(
            613,
            OAUTH,
            "(#613) Calls to this api have exceeded the rate limit.",
        )
    }

    /// Code 11: a nested persistent menu item, removed in Graph v8.0
    /// (fbsamples/original-coast-clothing#65).
    pub fn nested_menu() -> GraphError {
        GraphError::new(
            11,
            OAUTH,
            "(#11) Setting of Nested Persistent Menu has been deprecated for v8.0 and higher",
        )
    }

    /// Code 100: a persistent menu on a Page without a Get Started button
    /// (CasperLaiTW/laravel-fb-messenger#96).
    pub fn get_started_required() -> GraphError {
        GraphError::invalid_param(
            "You must set a Get Started button if you also wish to use persistent menu.",
        )
    }

    /// Code 100, subcode 2018063: a `web_url` with `messenger_extensions` on a domain
    /// the Page has not whitelisted (Yoctol/bottender#90).
    pub fn not_whitelisted() -> GraphError {
        GraphError::invalid_param(
            "The web URL provided is not whitelisted for messenger extensions",
        )
        .with_subcode(2018063)
    }

    /// Code 2: "An unexpected error has occurred. Please retry your request later."
    /// (Messenger Platform "Common Error Codes"), answered with 500 when the emulator
    /// could not write its state file.
    pub fn unexpected() -> GraphError {
        GraphError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..GraphError::new(
                2,
                OAUTH,
                "An unexpected error has occurred. Please retry your request later.",
            )
        }
    }

    /// The JSON body Meta sends, with a fresh `fbtrace_id`.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({
            "message": self.message,
            "type": self.kind,
            "code": self.code,
        });
        if let Some(sub) = self.subcode {
            error["error_subcode"] = json!(sub);
        }
        error["fbtrace_id"] = json!(trace_id());
        json!({ "error": error })
    }
}

/// An opaque support identifier of the length Graph uses (11 to 27 characters).
fn trace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    (0..23)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.body().to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        resp
    }
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let b = GraphError::unsupported("GET", "42").body();
        assert_eq!(b["error"]["code"], 100);
        assert_eq!(b["error"]["error_subcode"], 33);
        assert_eq!(b["error"]["type"], "GraphMethodException");
        assert!(
            b["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Unsupported get request. Object with ID '42'")
        );
        assert_eq!(b["error"]["fbtrace_id"].as_str().unwrap().len(), 23);
        let t = GraphError::invalid_token().body();
        assert!(t["error"].get("error_subcode").is_none());
        assert_eq!(t["error"]["type"], "OAuthException");
    }
}
