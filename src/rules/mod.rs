//! The offline rules: every limit and reference the JSON Schema cannot express. Each
//! area has its own file; all of them read the typed configuration and point into the
//! spanned tree by path.

pub mod allow;
mod backend;
mod caps;
mod contacts;
mod groups;
pub mod limits;
pub mod map;
mod messaging;
pub mod proactive;
mod profiles;
mod reply;
pub mod suggest;

use std::path::Path as FsPath;

use std::collections::HashMap;

use crate::config::{Config, Node, Path};
use crate::diagnostics::{Code, Diagnostic, Sources, Span, text};

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
        suggest: suggest::Budget::default(),
    };
    caps::check(&mut ctx);
    allow::check(&mut ctx);
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
    /// the comparisons "did you mean" may still spend in this run
    pub suggest: suggest::Budget,
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
        self.sub_spans(path, std::iter::once(range))
            .pop()
            .unwrap_or_else(|| self.span(path))
    }

    /// The spans of several byte ranges of the string value at `path`, in one walk of
    /// the string when the ranges come in order (a greeting can hold thousands of
    /// tokens: mapping each from the start of the string was quadratic).
    pub fn sub_spans(
        &self,
        path: &Path,
        ranges: impl IntoIterator<Item = std::ops::Range<usize>>,
    ) -> Vec<Span> {
        let span = self.span(path);
        let text = &self.input.sources.get(span.file).text;
        let mut walker = SubSpans::new(text, &span);
        ranges.into_iter().map(|r| walker.map(r)).collect()
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

    /// Whether `id` is declared under a namespace table, whether or not it decoded.
    pub fn is_declared(&self, namespace: &str, id: &str) -> bool {
        self.input
            .tree
            .get(namespace)
            .and_then(Node::as_table)
            .is_some_and(|t| t.contains_key(id))
    }

    /// Reports every value that repeats an earlier one, pointing at both.
    pub fn unique<'s>(
        &mut self,
        code: Code,
        what: &str,
        items: impl IntoIterator<Item = (Path, &'s str)>,
    ) {
        let mut seen: HashMap<&str, Path> = HashMap::new();
        for (path, value) in items {
            match seen.get(value) {
                Some(first) => {
                    let d = Diagnostic::new(
                        code,
                        format!("{what} `{}` appears twice", text::clip(value)),
                    )
                    .at(self.span(&path), "repeated here")
                    .also(self.span(first), "first here")
                    .help(format!("each {what} must be unique: remove or rename one"));
                    self.push(d);
                }
                None => {
                    seen.insert(value, path);
                }
            }
        }
    }
}

/// Maps a byte range of a decoded string value to the source, walking the string token
/// so escapes and quotes are accounted for. Falls back to the whole value.
pub fn string_sub_span(text: &str, span: &Span, range: std::ops::Range<usize>) -> Span {
    SubSpans::new(text, span).map(range)
}

/// Maps byte ranges of a decoded string value to the source, one after the other: the
/// walk of the string token resumes where the previous range left it, so ranges in order
/// cost one walk of the token in all (a range before the previous one starts again).
pub struct SubSpans<'t> {
    token: &'t str,
    span: Span,
    literal: bool,
    /// where the value starts in the token (after the quotes)
    body: usize,
    /// the walk: a byte of the token and the decoded byte it starts
    src: usize,
    decoded: usize,
}

impl<'t> SubSpans<'t> {
    /// A walker over the string value written at `span` of `text`.
    pub fn new(text: &'t str, span: &Span) -> Self {
        let token = text.get(span.range.clone()).unwrap_or("");
        let (open, literal) = if token.starts_with("\'\'\'") {
            (3, true)
        } else if token.starts_with("\"\"\"") {
            (3, false)
        } else if token.starts_with('\'') {
            (1, true)
        } else if token.starts_with('"') {
            (1, false)
        } else {
            (0, true)
        };
        let mut body = open;
        // A newline right after a multi-line opening delimiter is trimmed from the value.
        if open == 3 {
            if token[body..].starts_with("\r\n") {
                body += 2;
            } else if token[body..].starts_with('\n') {
                body += 1;
            }
        }
        SubSpans {
            token: if open == 0 { "" } else { token },
            span: span.clone(),
            literal,
            body,
            src: body,
            decoded: 0,
        }
    }

    /// Advances the walk to decoded byte `target` (or the end); the token byte there.
    fn advance(&mut self, target: usize) -> Option<usize> {
        if target < self.decoded {
            self.src = self.body;
            self.decoded = 0;
        }
        let bytes = self.token.as_bytes();
        while self.src < self.token.len() {
            if self.decoded >= target {
                return (self.decoded == target).then_some(self.src);
            }
            let ch = self.token[self.src..].chars().next()?;
            if !self.literal && ch == '\\' {
                let esc = bytes.get(self.src + 1).copied().unwrap_or(b' ');
                let hex = |len: usize| {
                    self.token
                        .get(self.src + 2..self.src + 2 + len)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                        .map_or(1, char::len_utf8)
                };
                let (src_len, out_len) = match esc {
                    b'u' => (6, hex(4)),
                    b'U' => (10, hex(8)),
                    _ => (2, 1),
                };
                self.src += src_len;
                self.decoded += out_len;
            } else {
                self.src += ch.len_utf8();
                self.decoded += ch.len_utf8();
            }
        }
        None
    }

    /// The span of decoded bytes `range`; the whole value when the walk cannot place it.
    pub fn map(&mut self, range: std::ops::Range<usize>) -> Span {
        let whole = self.span.clone();
        if self.token.is_empty() {
            return whole;
        }
        let Some(start) = self.advance(range.start) else {
            return whole;
        };
        let base = self.span.range.start;
        let end = self.advance(range.end.max(range.start));
        let range = match end {
            Some(e) => base + start..base + e,
            // The range runs to the end of the value (an unclosed token): one byte.
            None => base + start..(base + self.token.len()).min(base + start + 1),
        };
        Span {
            file: self.span.file,
            range,
        }
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

    #[test]
    fn sub_spans_in_order_walk_once_and_out_of_order_start_again() {
        let text = r#"g = "a\u00e9{{x}} \"{{y}}""#;
        let span = Span {
            file: FileId(0),
            range: 4..text.len(),
        };
        // decoded: a é {{x}} space " {{y}} ; é is 2 bytes
        let mut w = SubSpans::new(text, &span);
        let x = w.map(3..8);
        let y = w.map(10..15);
        assert_eq!(&text[x.range.clone()], "{{x}}");
        assert_eq!(&text[y.range], "{{y}}");
        assert_eq!(&text[w.map(3..8).range], "{{x}}");
        // Past the end: the whole value.
        assert_eq!(w.map(40..41).range, span.range);
    }
}
