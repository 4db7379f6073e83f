//! One diagnostic type for every problem socialform finds, the source files it points
//! into, and its renderers. Nothing here prints: renderers return strings.

mod codes;
mod render;
pub mod suggest;
pub mod text;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use codes::Code;
pub use render::{Format, render};

/// How serious a diagnostic is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    /// fails the command
    Error,
    /// fails only with `--deny-warnings`
    Warning,
    /// worth knowing, never fails
    Info,
}

impl Severity {
    /// The spelling in reports (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Index of a file in a [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// the file
    pub file: FileId,
    /// byte range in the file's text
    pub range: Range<usize>,
}

/// A labelled span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// where
    pub span: Span,
    /// what to say there (may be empty)
    pub text: String,
}

/// One problem: a stable code, a severity, a message, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// stable code, such as `limits::too_long`
    pub code: Code,
    /// severity (the code's own)
    pub severity: Severity,
    /// what is wrong
    pub message: String,
    /// the offending value (absent only when no file is involved)
    pub primary: Option<Label>,
    /// other places involved (the first definition of a duplicate, a cycle's members)
    pub secondary: Vec<Label>,
    /// how to fix it
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's severity, pointing nowhere yet.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Points the diagnostic at `span` with a label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            text: label.into(),
        });
        self
    }

    /// Adds another labelled place.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            text: label.into(),
        });
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this diagnostic fails a run (`deny_warnings` counts warnings too).
    pub fn is_failure(&self, deny_warnings: bool) -> bool {
        match self.severity {
            Severity::Error => true,
            Severity::Warning => deny_warnings,
            Severity::Info => false,
        }
    }
}

/// The diagnostics a command shows: without the codes the configuration (or the command
/// line) allows, and without info notes unless `infos` (only `validate` shows them).
/// Errors are never left out: an error code cannot be allowed.
pub fn shown(
    diags: &[Diagnostic],
    allowed: &std::collections::HashSet<Code>,
    infos: bool,
) -> Vec<Diagnostic> {
    diags
        .iter()
        .filter(|d| match d.severity {
            Severity::Error => true,
            Severity::Warning => !allowed.contains(&d.code),
            Severity::Info => infos && !allowed.contains(&d.code),
        })
        .cloned()
        .collect()
}

/// Sorts diagnostics by file, position, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.primary
                .as_ref()
                .map(|l| (l.span.file, l.span.range.start))
        };
        key(a)
            .cmp(&key(b))
            .then(a.code.as_str().cmp(b.code.as_str()))
    });
}

/// One source file: its name as shown to users, its text and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// path as shown in diagnostics (relative to the working directory when possible)
    pub name: String,
    /// path on disk
    pub path: PathBuf,
    /// the text
    pub text: String,
    line_starts: Vec<usize>,
    /// how many characters start before each [`CHAR_BLOCK`]-byte block, so that a column
    /// costs a bounded count whatever the length of the line (one line can hold the whole
    /// file, and thousands of diagnostics)
    char_marks: Vec<usize>,
}

/// The stride of [`SourceFile`]'s character index.
const CHAR_BLOCK: usize = 256;

/// Characters that start in `bytes`: every byte that does not continue a UTF-8 sequence.
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

impl SourceFile {
    /// A source file from its text.
    pub fn new(name: String, path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut char_marks = Vec::with_capacity(text.len() / CHAR_BLOCK + 1);
        let mut total = 0;
        for block in text.as_bytes().chunks(CHAR_BLOCK) {
            char_marks.push(total);
            total += chars_in(block);
        }
        char_marks.push(total);
        SourceFile {
            name,
            path,
            text,
            line_starts,
            char_marks,
        }
    }

    /// 0-based index of the line holding a byte offset (clamped to the text).
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Byte range of a 0-based line, without its line break; `None` past the last line.
    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line)?;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        Some(start..end.max(start))
    }

    /// How many lines the text has (a final line break starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Characters that start before a byte offset.
    fn chars_before(&self, offset: usize) -> usize {
        let block = offset / CHAR_BLOCK;
        self.char_marks[block] + chars_in(&self.text.as_bytes()[block * CHAR_BLOCK..offset])
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts[line];
        let col = self.chars_before(offset) - self.chars_before(start);
        (line + 1, col + 1)
    }
}

/// Every source file of a run.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: String, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(name, path, text));
        FileId(self.files.len() - 1)
    }

    /// The file of an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// The id of a file by its path on disk.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(FileId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_in_characters() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\nçd = 1\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // `ç` is two bytes: the `d` is the second character of line 2.
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(999), (3, 1));
    }

    #[test]
    fn columns_of_a_long_line_count_characters() {
        let text = format!("a = \"{}x\"\n", "é".repeat(1000));
        let f = SourceFile::new("a".into(), "a".into(), text.clone());
        let x = text.find('x').unwrap();
        assert_eq!(f.line_col(x), (1, 1006));
        assert_eq!(f.line_col(x + 1), (1, 1007));
        assert_eq!(f.line_range(0), Some(0..text.len() - 1));
        assert_eq!(f.line_range(1), Some(text.len()..text.len()));
        assert_eq!(f.line_range(2), None);
        assert_eq!(f.line_count(), 2);
    }
}
