//! The offline rules: every limit and reference the JSON Schema cannot express. Each
//! area has its own file; all of them read the typed configuration and point into the
//! spanned tree by path.

mod backend;
mod contacts;
mod groups;
pub mod limits;
mod messaging;
pub mod proactive;
mod profiles;
mod reply;
pub mod suggest;
pub mod x_text;

use std::path::Path as FsPath;

use crate::config::{Config, Node, Path};
use crate::diagnostics::{Code, Diagnostic, Sources, Span};

/// What the rules read.
pub struct Input<'a> {
    /// the merged document, for spans
    pub tree: &'a Node,
    /// the typed configuration
    pub config: &'a Config,
    /// the files, for spans inside strings
    pub sources: &'a Sources,
    /// the configuration directory, for local files such as avatars
    pub dir: &'a FsPath,
}

/// Runs every offline rule.
pub fn check(input: &Input<'_>) -> Vec<Diagnostic> {
    let mut ctx = Ctx {
        input,
        diags: Vec::new(),
    };
    backend::check(&mut ctx);
    profiles::check(&mut ctx);
    groups::check(&mut ctx);
    reply::check(&mut ctx);
    contacts::check(&mut ctx);
    messaging::check(&mut ctx);
    proactive::check(&mut ctx);
    ctx.diags
}

/// The rules' working state: what they read and what they found.
pub(crate) struct Ctx<'a> {
    pub input: &'a Input<'a>,
    pub diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub fn config(&self) -> &Config {
        self.input.config
    }

    /// The span of the value at a path.
    pub fn span(&self, path: &Path) -> Span {
        self.input.tree.span_of(path)
    }

    /// The span of the key naming the value at a path.
    pub fn key_span(&self, path: &Path) -> Span {
        self.input.tree.key_span_of(path)
    }

    /// The span of bytes `range` of the string value at `path`.
    pub fn sub_span(&self, path: &Path, range: std::ops::Range<usize>) -> Span {
        let span = self.span(path);
        let text = &self.input.sources.get(span.file).text;
        string_sub_span(text, &span, range)
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The ids declared under a namespace table, whether or not they decoded.
    pub fn declared(&self, namespace: &str) -> Vec<String> {
        self.input
            .tree
            .get(namespace)
            .and_then(Node::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Reports every value that repeats an earlier one, pointing at both.
    pub fn unique<'s>(
        &mut self,
        code: Code,
        what: &str,
        items: impl IntoIterator<Item = (Path, &'s str)>,
    ) {
        let mut seen: Vec<(Path, &str)> = Vec::new();
        for (path, value) in items {
            if let Some((first, _)) = seen.iter().find(|(_, v)| *v == value) {
                let d = Diagnostic::new(code, format!("{what} `{value}` appears twice"))
                    .at(self.span(&path), "repeated here")
                    .also(self.span(first), "first here")
                    .help(format!("each {what} must be unique: remove or rename one"));
                self.push(d);
            } else {
                seen.push((path, value));
            }
        }
    }
}

/// Maps a byte range of a decoded string value to the source, walking the string token
/// so escapes and quotes are accounted for. Falls back to the whole value.
pub fn string_sub_span(text: &str, span: &Span, range: std::ops::Range<usize>) -> Span {
    let whole = span.clone();
    let Some(token) = text.get(span.range.clone()) else {
        return whole;
    };
    let (open, literal) = if token.starts_with("'''") {
        (3, true)
    } else if token.starts_with("\"\"\"") {
        (3, false)
    } else if token.starts_with('\'') {
        (1, true)
    } else if token.starts_with('"') {
        (1, false)
    } else {
        return whole;
    };
    let mut src = open;
    // A newline right after a multi-line opening delimiter is trimmed from the value.
    if open == 3 {
        if token[src..].starts_with("\r\n") {
            src += 2;
        } else if token[src..].starts_with('\n') {
            src += 1;
        }
    }
    let mut decoded = 0usize;
    let mut start = None;
    let mut end = None;
    let bytes = token.as_bytes();
    while src < token.len() {
        if decoded == range.start && start.is_none() {
            start = Some(src);
        }
        if decoded == range.end {
            end = Some(src);
            break;
        }
        let Some(ch) = token[src..].chars().next() else {
            break;
        };
        if !literal && ch == '\\' {
            let esc = bytes.get(src + 1).copied().unwrap_or(b' ');
            let (src_len, out_len) = match esc {
                b'u' => (
                    6,
                    token
                        .get(src + 2..src + 6)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .map_or(1, char::len_utf8),
                ),
                b'U' => (
                    10,
                    token
                        .get(src + 2..src + 10)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .map_or(1, char::len_utf8),
                ),
                _ => (2, 1),
            };
            src += src_len;
            decoded += out_len;
        } else {
            src += ch.len_utf8();
            decoded += ch.len_utf8();
        }
    }
    let base = span.range.start;
    match (start, end) {
        (Some(s), Some(e)) => Span {
            file: span.file,
            range: base + s..base + e,
        },
        (Some(s), None) => Span {
            file: span.file,
            range: base + s..(base + token.len()).min(base + s + 1).max(base + s),
        },
        _ => whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::FileId;

    #[test]
    fn sub_spans_account_for_quotes_and_escapes() {
        let text = r#"a = "x\"yz""#;
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        // decoded value: x"yz ; bytes 2..4 are "yz"
        let s = string_sub_span(text, &span, 2..4);
        assert_eq!(&text[s.range], "yz");
        let text = "a = 'lit {{bad}}'";
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        let s = string_sub_span(text, &span, 4..11);
        assert_eq!(&text[s.range], "{{bad}}");
    }
}
