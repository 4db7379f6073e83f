//! Renderers of diagnostics: human (miette), JSON, GitHub workflow annotations.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Label, Severity, Sources};

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
            props.push(format!("file={}", gh_prop(&file)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        props.push(format!("title={}", gh_prop(d.code.as_str())));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            gh_data(&message)
        ));
    }
    out
}

/// A diagnostic as miette sees it: the labels that fall in one file, and the others as
/// related reports of their own files.
struct Report<'a> {
    diag: &'a Diagnostic,
    title: String,
    source: Option<NamedSource<String>>,
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
        self.diag
            .help
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

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span =
        SourceSpan::from(label.span.range.start..label.span.range.end.max(label.span.range.start));
    let text = (!label.text.is_empty()).then(|| label.text.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

fn named_source(sources: &Sources, file: super::FileId) -> NamedSource<String> {
    let f = sources.get(file);
    NamedSource::new(f.name.clone(), f.text.clone()).with_language("toml")
}

fn report<'a>(d: &'a Diagnostic, sources: &Sources) -> Report<'a> {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut rep = Report {
        diag: d,
        title: d.message.clone(),
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
    rep.source = Some(named_source(sources, file));
    rep.labels.push(labeled(primary, true));
    for other in &d.secondary {
        if other.span.file == file {
            rep.labels.push(labeled(other, false));
        } else {
            rep.related.push(Report {
                diag: d,
                title: if other.text.is_empty() {
                    "see also".into()
                } else {
                    other.text.clone()
                },
                source: Some(named_source(sources, other.span.file)),
                labels: vec![labeled(other, false)],
                related: Vec::new(),
                severity: miette::Severity::Advice,
                show_code_help: false,
            });
        }
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
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let rep = report(d, sources);
        if handler.render_report(&mut out, &rep).is_err() {
            out.push_str(&format!(
                "{}[{}]: {}\n",
                d.severity.as_str(),
                d.code.as_str(),
                d.message
            ));
        }
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
