//! A WhatsApp profile picture: downloaded from the configured `avatar_url` (bounded in
//! size and time, checked to be a JPEG or PNG by its first bytes), then given to Meta
//! through the Resumable Upload API, whose handle the business profile POST takes as
//! `profile_picture_handle`.
//!
//! 1. `GET /{ver}/app`: the token's app (once per token and run);
//! 2. `POST /{ver}/{app-id}/uploads?file_length=&file_type=&file_name=`: a session,
//!    `{"id": "upload:…"}`;
//! 3. `POST /{ver}/upload:…` with `Authorization: OAuth <token>` ("You must include the
//!    access token in the header"), `file_offset: 0` and the bytes: `{"h": "<handle>"}`.
//!
//! The download never carries a token (it is not a Graph request) and follows at most
//! [`MAX_REDIRECTS`] redirects, to http(s) URLs only.
//!
//! Sources: Graph API "Upload a file" / "Resumable Upload API"
//! (<https://developers.facebook.com/docs/graph-api/guides/upload>), "Application
//! Uploads" (<https://developers.facebook.com/docs/graph-api/reference/application/uploads/>),
//! WhatsApp "Profile photo" (at most 5 MB; JPEG or PNG).

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::graph::{Body, Call, Graph, Problem, Scheme, Token, read_bounded, short};

/// The largest picture taken: 5 MB (5 × 1024 × 1024 bytes), WhatsApp's limit.
pub const MAX_PICTURE: usize = 5 * 1024 * 1024;

/// How long the download may take, body included.
pub const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// The most redirects the download follows.
pub const MAX_REDIRECTS: usize = 5;

/// A picture type WhatsApp takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG (`FF D8 FF`)
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`)
    Png,
}

impl ImageKind {
    /// The type of `bytes`, by their magic number.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageKind::Png)
        } else {
            None
        }
    }

    /// The `file_type` of the upload session.
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
        }
    }
}

/// A downloaded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// its bytes
    pub bytes: Vec<u8>,
    /// its type
    pub kind: ImageKind,
    /// the `file_name` given to Meta
    pub name: String,
}

/// The client that downloads pictures: bounded in time, few redirects, http(s) only.
pub fn download_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(DOWNLOAD_TIMEOUT)
        .connect_timeout(super::graph::CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if !matches!(attempt.url().scheme(), "http" | "https") {
                attempt.error("a redirect to a URL that is not http(s)")
            } else {
                attempt.follow()
            }
        }))
        .user_agent(concat!("socialform/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the download client: {e}"))
}

/// The `file_name` of a picture: the URL's last path segment, reduced to safe
/// characters, with the extension of its type.
fn file_name(url: &url::Url, kind: ImageKind) -> String {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default();
    let stem: String = last
        .rsplit_once('.')
        .map_or(last, |(s, _)| s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    let stem = if stem.is_empty() { "profile" } else { &stem };
    format!("{stem}.{}", kind.extension())
}

/// Downloads the picture at `url`.
pub async fn download(client: &reqwest::Client, url: &str) -> Result<Picture, String> {
    let parsed = url::Url::parse(url).map_err(|_| "is not a URL".to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("is not an http(s) URL".into());
    }
    let resp = client.get(parsed.clone()).send().await.map_err(|e| {
        let why = if e.is_redirect() {
            "redirects too often or to a URL that is not http(s)"
        } else {
            short(&e)
        };
        format!("cannot be downloaded: {why}")
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!(
            "cannot be downloaded: the server answered HTTP {}",
            status.as_u16()
        ));
    }
    let bytes = read_bounded(resp, MAX_PICTURE).await.map_err(|e| match e {
        super::graph::BodyError::TooLarge(_) => {
            format!(
                "is larger than {MAX_PICTURE} bytes (5 MB), WhatsApp's limit for a profile picture"
            )
        }
        super::graph::BodyError::Broken(s) => format!("cannot be downloaded: {s}"),
    })?;
    let kind = ImageKind::sniff(&bytes).ok_or_else(|| {
        "is neither a JPEG nor a PNG (judged by its first bytes): WhatsApp takes only those"
            .to_string()
    })?;
    Ok(Picture {
        name: file_name(&parsed, kind),
        bytes,
        kind,
    })
}

/// Where an upload failed: the request and the problem.
pub type Failed = (String, Problem);

/// Sends `call`; answers the string at `key` of its answer.
async fn send(graph: &Graph, call: Call<'_>, key: &str) -> Result<String, Failed> {
    let step = call.step();
    let v = graph.send(&call).await.map_err(|p| (step.clone(), p))?;
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| (step, Problem::Answer(format!("no `{key}` in the answer"))))
}

/// `GET /app`: the id of the token's app.
pub async fn app_id(graph: &Graph, token: &Token) -> Result<String, Failed> {
    let call = Call {
        method: Method::GET,
        path: "/app".into(),
        query: vec![("fields", "id".into())],
        body: Body::Empty,
        token,
        scheme: Scheme::Bearer,
        idempotent: true,
    };
    let step = call.step();
    let id = send(graph, call, "id").await?;
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        let id = super::graph::quote(token, &id);
        return Err((
            step,
            Problem::Answer(format!("the app id `{id}` is not a number")),
        ));
    }
    Ok(id)
}

/// Uploads `picture` to the app `app`; answers the handle.
pub async fn upload(
    graph: &Graph,
    token: &Token,
    app: &str,
    picture: &Picture,
) -> Result<String, Failed> {
    let start = Call {
        method: Method::POST,
        path: format!("/{app}/uploads"),
        query: vec![
            ("file_length", picture.bytes.len().to_string()),
            ("file_type", picture.kind.mime().into()),
            ("file_name", picture.name.clone()),
        ],
        body: Body::Empty,
        token,
        scheme: Scheme::Bearer,
        // A second session is harmless: it is never used.
        idempotent: true,
    };
    let step = start.step();
    let session = send(graph, start, "id").await?;
    // Meta's session ids may carry their own query (`upload:…?sig=…`): kept verbatim, but
    // nothing that would leave the path or the URL.
    if !session.starts_with("upload:")
        || session
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '#' | '/' | '\\'))
    {
        return Err((
            step,
            Problem::Answer(format!(
                "the session id `{}` is not an upload session",
                super::graph::quote(token, &session)
            )),
        ));
    }
    let transfer = Call {
        method: Method::POST,
        path: format!("/{session}"),
        query: vec![],
        body: Body::Bytes {
            data: picture.bytes.clone(),
            headers: vec![("file_offset", "0".into())],
        },
        token,
        scheme: Scheme::OAuth,
        idempotent: false,
    };
    send(graph, transfer, "h").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_and_names() {
        assert_eq!(
            ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(ImageKind::sniff(b"GIF89a"), None);
        assert_eq!(ImageKind::sniff(b""), None);
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert_eq!(
            file_name(&u("https://cdn.example/a/acme logo.JPG"), ImageKind::Jpeg),
            "acme20logo.jpg"
        );
        assert_eq!(
            file_name(&u("https://cdn.example/"), ImageKind::Png),
            "profile.png"
        );
        assert_eq!(
            file_name(&u("https://cdn.example/x.png?v=2"), ImageKind::Png),
            "x.png"
        );
    }

    #[test]
    fn only_http_urls_are_downloaded() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = download_client().unwrap();
        for bad in [
            "file:///etc/passwd",
            "ftp://cdn.example/a.jpg",
            "not a url",
            "https://",
        ] {
            let e = rt.block_on(download(&client, bad)).unwrap_err();
            assert!(e.contains("URL"), "{bad}: {e}");
        }
    }
}
