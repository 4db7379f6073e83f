//! Renderers of diagnostics: human (miette), JSON, GitHub workflow annotations.

use std::fmt;
use std::ops::Range;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::{Diagnostic, Label, Severity, SourceFile, Sources, text};

/// How diagnostics are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical report, with source snippets and labels
    Human {
        /// ANSI colours
        color: bool,
        /// wrap width
        width: usize,
    },
    /// a JSON array of `{code, severity, message, file, line, column, help}`
    Json,
    /// GitHub Actions workflow commands (`::error file=...`)
    Github,
}

/// Renders diagnostics in a format; the caller decides where the text goes.
pub fn render(diags: &[Diagnostic], sources: &Sources, format: Format) -> String {
    match format {
        Format::Human { color, width } => human(diags, sources, color, width),
        Format::Json => json(diags, sources),
        Format::Github => github(diags, sources),
    }
}

fn location(
    sources: &Sources,
    label: Option<&Label>,
) -> (Option<String>, Option<usize>, Option<usize>) {
    match label {
        Some(l) => {
            let file = sources.get(l.span.file);
            let (line, col) = file.line_col(l.span.range.start);
            (Some(file.name.clone()), Some(line), Some(col))
        }
        None => (None, None, None),
    }
}

#[derive(serde::Serialize)]
struct JsonDiag<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<&'a str>,
}

fn json(diags: &[Diagnostic], sources: &Sources) -> String {
    let items: Vec<JsonDiag> = diags
        .iter()
        .map(|d| {
            let (file, line, column) = location(sources, d.primary.as_ref());
            JsonDiag {
                code: d.code.as_str(),
                severity: d.severity,
                message: &d.message,
                file,
                line,
                column,
                help: d.help.as_deref(),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}

/// Escapes a workflow command's message (data) part.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let (Some(file), Some(line), Some(col)) = location(sources, d.primary.as_ref()) {
            props.push(format!("file={}", gh_prop(&text::escape(&file))));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        props.push(format!("title={}", gh_prop(d.code.as_str())));
        // A workflow command is one line of the log: the message's own control
        // characters are escaped visibly, and only the help's line break is encoded.
        let mut message = shown(&d.message);
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&shown(help));
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            gh_data(&message)
        ));
    }
    out
}

/// Lines longer than this many bytes are shown as windows around their labels: miette
/// prints a line whole and cannot place a label past column 65,535.
const LONG_LINE: usize = 400;
/// Characters of a long line shown on each side of a label.
const WINDOW_CONTEXT: usize = 40;
/// Characters of a label shown on a long line; the rest of the label is cut.
const WINDOW_LABEL: usize = 80;
/// Characters shown of a long line that holds no label (a context line).
const WINDOW_PLAIN: usize = 80;
/// Lines shown of a label that spans more.
const LABEL_LINES: usize = 40;
/// Labels of one file at most this many lines apart share one excerpt, so miette may
/// show them in one snippet as it would with the whole file; farther ones get their own.
const GAP_LINES: usize = 100;
/// Labels shown per diagnostic (the message still names everything).
const MAX_LABELS: usize = 20;
/// Characters of a message, label or help line shown; a message quoting a huge value
/// must not make the report huge.
const MESSAGE_MAX: usize = 1_000;
/// miette's context lines above and below a label (its default, which `human` keeps).
const CONTEXT_LINES: usize = 1;

/// A message, label or help line as shown: control characters escaped, length bounded.
fn shown(s: &str) -> String {
    let escaped = text::escape(s);
    match escaped.char_indices().nth(MESSAGE_MAX) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped.into_owned(),
    }
}

/// Whether a character of a source line must be escaped (tabs are miette's to expand).
fn unsafe_in_source(c: char) -> bool {
    c != '\t' && text::is_unsafe(c)
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte offset `n` characters after `from` (or the end of `limit`).
fn chars_forward(s: &str, from: usize, n: usize, limit: usize) -> usize {
    s[from..limit]
        .char_indices()
        .nth(n)
        .map_or(limit, |(i, _)| from + i)
}

/// The byte offset `n` characters before `to` (or `limit`).
fn chars_back(s: &str, to: usize, n: usize, limit: usize) -> usize {
    if n == 0 {
        return to;
    }
    s[limit..to]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(limit, |(i, _)| limit + i)
}

/// One stretch of a line as shown: real bytes `real`, written at `virt` in the excerpt.
struct Piece {
    real: Range<usize>,
    virt: usize,
}

/// One line of an excerpt: where it starts in the excerpt, and, when it is not copied
/// as it is, the pieces it is shown as.
struct ShownLine {
    real_start: usize,
    virt_start: usize,
    pieces: Option<Vec<Piece>>,
}

/// Consecutive lines of a file, as miette reads them: copied, or windowed and escaped.
struct Excerpt {
    /// the excerpt's first byte in the virtual text the labels point into
    virt_start: usize,
    /// 0-based number of its first line in the file
    first_line: usize,
    text: String,
    lines: Vec<ShownLine>,
}

/// The part of a file one diagnostic shows, as a miette source: a few excerpts, each
/// with its true line numbers, in a virtual text of their own. Building it costs what is
/// shown, not the size of the file, so a report is linear in its number of diagnostics.
struct Snippet {
    name: String,
    excerpts: Vec<Excerpt>,
    /// the true byte column of each label start (miette's header names it)
    columns: Vec<(usize, usize)>,
}

/// A label clipped to what is shown: real byte range, lines it spans.
struct Clipped {
    range: Range<usize>,
    first: usize,
    last: usize,
}

impl Snippet {
    /// The excerpts of `file` that show `labels`, and the labels moved into them.
    fn new(file: &SourceFile, labels: &[(&Label, bool)]) -> (Snippet, Vec<LabeledSpan>) {
        let text = file.text.as_str();
        let clipped: Vec<Clipped> = labels
            .iter()
            .map(|(l, _)| {
                let start = floor_boundary(text, l.span.range.start);
                let mut end = floor_boundary(text, l.span.range.end.max(start));
                let first = file.line_index(start);
                let limit = first + LABEL_LINES - 1;
                if let Some(r) = file.line_range(limit)
                    && end > r.end
                {
                    end = r.end;
                }
                let last = if end > start {
                    file.line_index(end - 1)
                } else {
                    first
                };
                Clipped {
                    range: start..end,
                    first,
                    last,
                }
            })
            .collect();
        // Line ranges to show, merged when close.
        let last_line = file.line_count() - 1;
        let mut ranges: Vec<(usize, usize)> = clipped
            .iter()
            .map(|c| {
                (
                    c.first.saturating_sub(CONTEXT_LINES),
                    (c.last + CONTEXT_LINES).min(last_line),
                )
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in ranges {
            match merged.last_mut() {
                Some(m) if a <= m.1 + GAP_LINES => m.1 = m.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let mut excerpts = Vec::new();
        let mut virt = 0;
        for (a, b) in merged {
            let ex = Excerpt::build(file, a, b, &clipped, virt);
            virt = ex.virt_start + ex.text.len();
            excerpts.push(ex);
        }
        let mut snippet = Snippet {
            name: shown(&file.name),
            excerpts,
            columns: Vec::new(),
        };
        let mut spans = Vec::new();
        for ((label, primary), c) in labels.iter().zip(&clipped) {
            let start = snippet.virt(file, c.range.start);
            let end = snippet.virt(file, c.range.end).max(start);
            let line_start = file.line_range(c.first).map_or(0, |r| r.start);
            snippet.columns.push((start, c.range.start - line_start));
            let span = SourceSpan::from(start..end);
            let text = (!label.text.is_empty()).then(|| shown(&label.text));
            spans.push(if *primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            });
        }
        (snippet, spans)
    }

    /// Where a real byte offset of a label is shown.
    fn virt(&self, file: &SourceFile, real: usize) -> usize {
        let line = file.line_index(real);
        for ex in &self.excerpts {
            let Some(shown) = line
                .checked_sub(ex.first_line)
                .and_then(|i| ex.lines.get(i))
            else {
                continue;
            };
            return match &shown.pieces {
                None => shown.virt_start + (real - shown.real_start),
                Some(pieces) => {
                    // The piece holding the offset, or the last one before it (a label
                    // cut at the end of its window).
                    let piece = pieces
                        .iter()
                        .rev()
                        .find(|p| p.real.start <= real)
                        .or(pieces.first());
                    match piece {
                        Some(p) => {
                            let upto = real.clamp(p.real.start, p.real.end);
                            p.virt + escaped_len(&file.text[p.real.start..upto])
                        }
                        None => shown.virt_start,
                    }
                }
            };
        }
        // Past the last shown line: the end of the excerpt that ends there.
        self.excerpts
            .iter()
            .find(|ex| ex.first_line + ex.lines.len() == line)
            .map_or(0, |ex| ex.virt_start + ex.text.len())
    }
}

/// The length of `s` once its unsafe characters are escaped.
fn escaped_len(s: &str) -> usize {
    text::escape_where(s, unsafe_in_source).len()
}

impl Excerpt {
    /// Lines `a..=b` of `file`, each copied, or (when long or holding a control
    /// character) shown as escaped windows around the labels that touch it.
    fn build(
        file: &SourceFile,
        a: usize,
        b: usize,
        labels: &[Clipped],
        virt_start: usize,
    ) -> Excerpt {
        let src = file.text.as_str();
        let mut out = String::new();
        let mut lines = Vec::with_capacity(b - a + 1);
        for line in a..=b {
            let Some(range) = file.line_range(line) else {
                break;
            };
            let has_break = line + 1 < file.line_count();
            let (content_end, terminator) = if has_break && src[..range.end].ends_with('\r') {
                (range.end - 1, "\r\n")
            } else if has_break {
                (range.end, "\n")
            } else {
                (range.end, "")
            };
            let content = &src[range.start..content_end];
            let virt = virt_start + out.len();
            let verbatim = content.len() <= LONG_LINE && !content.contains(unsafe_in_source);
            if verbatim {
                out.push_str(content);
                out.push_str(terminator);
                lines.push(ShownLine {
                    real_start: range.start,
                    virt_start: virt,
                    pieces: None,
                });
                continue;
            }
            let windows = if content.len() <= LONG_LINE {
                std::iter::once(range.start..content_end).collect()
            } else {
                windows(src, range.start..content_end, labels)
            };
            let mut pieces = Vec::with_capacity(windows.len());
            let mut at = range.start;
            for w in windows {
                if w.start > at {
                    out.push('…');
                }
                pieces.push(Piece {
                    real: w.clone(),
                    virt: virt_start + out.len(),
                });
                out.push_str(&text::escape_where(&src[w.clone()], unsafe_in_source));
                at = w.end;
            }
            if at < content_end {
                out.push('…');
            }
            out.push_str(terminator);
            lines.push(ShownLine {
                real_start: range.start,
                virt_start: virt,
                pieces: Some(pieces),
            });
        }
        Excerpt {
            virt_start,
            first_line: a,
            text: out,
            lines,
        }
    }
}

/// The stretches of a long line worth showing: each label that touches it (cut to
/// [`WINDOW_LABEL`] characters) with [`WINDOW_CONTEXT`] characters on each side, merged
/// when they overlap; the line's start when no label touches it.
fn windows(src: &str, line: Range<usize>, labels: &[Clipped]) -> Vec<Range<usize>> {
    let mut found: Vec<Range<usize>> = labels
        .iter()
        .filter(|l| l.range.start <= line.end && l.range.end >= line.start)
        .map(|l| {
            let start = l.range.start.max(line.start);
            let end = l.range.end.clamp(start, line.end);
            let end = end.min(chars_forward(src, start, WINDOW_LABEL, line.end));
            let from = chars_back(src, start, WINDOW_CONTEXT, line.start);
            let to = chars_forward(src, end, WINDOW_CONTEXT, line.end);
            from..to
        })
        .collect();
    if found.is_empty() {
        let end = chars_forward(src, line.start, WINDOW_PLAIN, line.end);
        return std::iter::once(line.start..end).collect();
    }
    found.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(found.len());
    for r in found {
        match merged.last_mut() {
            Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        let ex = self
            .excerpts
            .iter()
            .find(|ex| ex.virt_start <= start && end <= ex.virt_start + ex.text.len())
            .ok_or(miette::MietteError::OutOfBounds)?;
        let local = SourceSpan::from((start - ex.virt_start, span.len()));
        let inner =
            ex.text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let column = match (
            context_lines_before,
            self.columns.iter().find(|c| c.0 == start),
        ) {
            (0, Some(&(_, real))) => real,
            _ => inner.column(),
        };
        let contents = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::from((inner.span().offset() + ex.virt_start, inner.span().len())),
            inner.line() + ex.first_line,
            column,
            inner.line_count() + ex.first_line,
        )
        .with_language("toml");
        Ok(Box::new(contents))
    }
}

/// A diagnostic as miette sees it: the labels that fall in one file, and the others as
/// related reports of their own files.
struct Report<'a> {
    diag: &'a Diagnostic,
    title: String,
    help: Option<String>,
    source: Option<Snippet>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
    severity: miette::Severity,
    show_code_help: bool,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.show_code_help
            .then(|| Box::new(self.diag.code.as_str()) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.show_code_help {
            return None;
        }
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn report<'a>(d: &'a Diagnostic, sources: &Sources) -> Report<'a> {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut rep = Report {
        diag: d,
        title: shown(&d.message),
        help: d.help.as_deref().map(shown),
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
        severity,
        show_code_help: true,
    };
    let Some(primary) = &d.primary else {
        return rep;
    };
    let file = primary.span.file;
    let mut here: Vec<(&Label, bool)> = vec![(primary, true)];
    let mut elsewhere: Vec<&Label> = Vec::new();
    for other in d.secondary.iter().take(MAX_LABELS - 1) {
        if other.span.file == file {
            here.push((other, false));
        } else {
            elsewhere.push(other);
        }
    }
    let (snippet, labels) = Snippet::new(sources.get(file), &here);
    rep.source = Some(snippet);
    rep.labels = labels;
    for other in elsewhere {
        let (snippet, labels) = Snippet::new(sources.get(other.span.file), &[(other, false)]);
        rep.related.push(Report {
            diag: d,
            title: if other.text.is_empty() {
                "see also".into()
            } else {
                shown(&other.text)
            },
            help: None,
            source: Some(snippet),
            labels,
            related: Vec::new(),
            severity: miette::Severity::Advice,
            show_code_help: false,
        });
    }
    rep
}

fn human(diags: &[Diagnostic], sources: &Sources, color: bool, width: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    for d in diags {
        let rep = report(d, sources);
        let mut one = String::new();
        if handler.render_report(&mut one, &rep).is_err() {
            one = format!(
                "{}[{}]: {}\n",
                d.severity.as_str(),
                d.code.as_str(),
                shown(&d.message)
            );
        }
        out.push_str(&one);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Code, Span};

    fn sample() -> (Vec<Diagnostic>, Sources) {
        let mut sources = Sources::default();
        let a = sources.add(
            "a.toml".into(),
            "a.toml".into(),
            "[profiles.x]\nname = \"one, two\"\n".into(),
        );
        let d = Diagnostic::new(Code::TooLong, "name is too long: 60 > 50")
            .at(
                Span {
                    file: a,
                    range: 20..30,
                },
                "60 characters",
            )
            .help("shorten it");
        (vec![d], sources)
    }

    #[test]
    fn json_has_the_spec_fields() {
        let (d, s) = sample();
        let v: serde_json::Value = serde_json::from_str(&render(&d, &s, Format::Json)).unwrap();
        assert_eq!(v[0]["code"], "limits::too_long");
        assert_eq!(v[0]["severity"], "error");
        assert_eq!(v[0]["file"], "a.toml");
        assert_eq!(v[0]["line"], 2);
        assert_eq!(v[0]["column"], 8);
        assert_eq!(v[0]["help"], "shorten it");
    }

    #[test]
    fn github_annotations_escape_properties() {
        let (d, s) = sample();
        let out = render(&d, &s, Format::Github);
        assert_eq!(
            out,
            "::error file=a.toml,line=2,col=8,title=limits%3A%3Atoo_long::name is too long: 60 > 50%0Ahelp: shorten it\n"
        );
    }

    fn human_text(d: &[Diagnostic], s: &Sources) -> String {
        render(
            d,
            s,
            Format::Human {
                color: false,
                width: 100,
            },
        )
    }

    fn one_file(text: String) -> (Sources, crate::diagnostics::FileId) {
        let mut sources = Sources::default();
        let id = sources.add("a.toml".into(), "a.toml".into(), text);
        (sources, id)
    }

    #[test]
    fn a_label_far_into_a_long_line_is_shown_in_a_window() {
        let text = format!(
            "[workspace]\nname = \"{}{{{{bad}}}}{}\"\n",
            "a".repeat(70_000),
            "b".repeat(5_000)
        );
        let start = text.find("{{bad}}").unwrap();
        let (s, file) = one_file(text);
        let d = Diagnostic::new(Code::GreetingToken, "`{{bad}}` is not a greeting token").at(
            Span {
                file,
                range: start..start + 7,
            },
            "unsupported token",
        );
        let out = human_text(&[d], &s);
        assert!(out.contains("a.toml:2:70009"), "{out}");
        assert!(out.contains("…aaaa"), "{out}");
        assert!(out.contains("{{bad}}bbbb"), "{out}");
        assert!(out.contains("unsupported token"), "{out}");
        // A window, not the line.
        assert!(out.len() < 2_000, "{} bytes", out.len());
    }

    #[test]
    fn control_characters_never_reach_the_report() {
        let (s, file) = one_file("a = 1\nb = \"x\u{1b}[2Jy\u{9b}z\r\"\n".into());
        let d = Diagnostic::new(Code::TooLong, "value `x\u{1b}[2Jy` is bad")
            .at(
                Span {
                    file,
                    range: 10..13,
                },
                "here \u{1b}]8;;",
            )
            .help("help \u{7}");
        let out = human_text(std::slice::from_ref(&d), &s);
        for bad in ['\u{1b}', '\u{9b}', '\u{7}', '\r'] {
            assert!(!out.contains(bad), "{bad:?} in {out}");
        }
        assert!(out.contains("x\\u{1b}[2Jy\\u{9b}z\\r"), "{out}");
        assert!(out.contains("value `x\\u{1b}[2Jy` is bad"), "{out}");
        let gh = render(&[d], &s, Format::Github);
        assert!(!gh.contains('\u{1b}') && !gh.contains('\u{7}'), "{gh}");
    }

    #[test]
    fn labels_far_apart_keep_their_line_numbers() {
        let mut text = String::from("first = \"a\"\n");
        for i in 0..500 {
            text.push_str(&format!("k{i} = {i}\n"));
        }
        text.push_str("last = \"a\"\n");
        let last = text.find("last").unwrap();
        let (s, file) = one_file(text);
        let d = Diagnostic::new(Code::DuplicateValue, "`a` appears twice")
            .at(
                Span {
                    file,
                    range: last + 7..last + 10,
                },
                "repeated here",
            )
            .also(Span { file, range: 8..11 }, "first here");
        let out = human_text(&[d], &s);
        assert!(out.contains("a.toml:502:8"), "{out}");
        assert!(out.contains(" 1 │ first = \"a\""), "{out}");
        assert!(out.contains("502 │ last = \"a\""), "{out}");
        assert!(!out.contains("k250"), "{out}");
    }

    #[test]
    fn many_diagnostics_on_one_line_cost_what_they_show() {
        let n = 2_000;
        let line: String = (0..n).map(|i| format!("{{{{b{i:04}}}}} ")).collect();
        let text = format!("greeting = \"{line}\"\n");
        let (s, file) = one_file(text.clone());
        let diags: Vec<Diagnostic> = (0..n)
            .map(|i| {
                let at = text.find(&format!("{{{{b{i:04}}}}}")).unwrap();
                Diagnostic::new(Code::GreetingToken, "bad token").at(
                    Span {
                        file,
                        range: at..at + 9,
                    },
                    "unsupported token",
                )
            })
            .collect();
        let out = human_text(&diags, &s);
        assert_eq!(out.matches("unsupported token").count(), n);
        // Each report shows a window of the line, never the line itself.
        assert!(out.len() < n * 1_000, "{} bytes for {n} reports", out.len());
    }

    #[test]
    fn human_shows_code_label_and_help() {
        let (d, s) = sample();
        let out = render(
            &d,
            &s,
            Format::Human {
                color: false,
                width: 100,
            },
        );
        assert!(out.contains("limits::too_long"), "{out}");
        assert!(out.contains("60 characters"), "{out}");
        assert!(out.contains("shorten it"), "{out}");
        assert!(out.contains("a.toml:2:8"), "{out}");
    }
}
