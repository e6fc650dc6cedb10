//! Manifest errors as miette diagnostics: each one names its file, underlines
//! the offending text and says what would be valid.
//!
//! A [`ManifestError`] carries every problem found in one run (as `related`
//! diagnostics), sorted by file, then by position, so that a user fixes them
//! all at once instead of one per run.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::spanned::{Span, Via, ViaKind};

/// One manifest file's name (as the user gave it) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Position in the load order: the first sort key of errors.
    pub index: usize,
    pub name: String,
    pub text: Arc<String>,
}

impl SourceFile {
    pub fn new(index: usize, name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            index,
            name: name.into(),
            text: Arc::new(text.into()),
        }
    }

    fn named_source(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(&self.name, Arc::clone(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col_in(&self.text, offset)
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One problem in a manifest.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Issue {
    message: String,
    /// A stable code per kind of problem, e.g. `manifest::unknown_field`.
    code: &'static str,
    src: NamedSource<Arc<String>>,
    /// The file's text, for line and column numbers of every label.
    file_text: Arc<String>,
    /// The primary label first; others (e.g. "first defined here") after it.
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    /// Places in other files that the problem involves.
    notes: Vec<Note>,
    file: usize,
    offset: usize,
    location: Option<(usize, usize)>,
}

/// A pointer to a second place that an [`Issue`] involves, possibly in
/// another file ("first declared here").
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(severity(Advice))]
pub struct Note {
    message: String,
    #[source_code]
    src: NamedSource<Arc<String>>,
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    file_text: Arc<String>,
}

impl Diagnostic for Issue {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.notes.is_empty() {
            None
        } else {
            Some(Box::new(self.notes.iter().map(|n| n as &dyn Diagnostic)))
        }
    }
}

impl Issue {
    /// An issue whose primary label underlines `span` of `file`. A span in
    /// a copy of an anchored node (an alias or a merge) also gets a label at
    /// the copy's use.
    pub fn new(
        file: &SourceFile,
        span: impl Into<Span>,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let span: Span = span.into();
        let range = clamp(file, span.range());
        let mut issue = Issue {
            message: message.into(),
            code: "manifest::invalid",
            src: file.named_source(),
            file_text: Arc::clone(&file.text),
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(label.into()),
                range.clone(),
            )],
            help: None,
            notes: Vec::new(),
            file: file.index,
            offset: range.start,
            location: Some(file.line_col(range.start)),
        };
        if let Some(via) = &span.via {
            issue = issue.via(file, via);
        }
        issue
    }

    /// An issue about a file as a whole (it cannot be read, ...): no snippet.
    pub fn whole_file(file: &SourceFile, message: impl Into<String>) -> Self {
        Issue {
            message: message.into(),
            code: "manifest::invalid",
            src: file.named_source(),
            file_text: Arc::clone(&file.text),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            file: file.index,
            offset: 0,
            location: None,
        }
    }

    /// Sets the diagnostic code: `manifest::KIND`.
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A second label in the same file.
    pub fn also(
        mut self,
        file: &SourceFile,
        span: impl Into<Span>,
        label: impl Into<String>,
    ) -> Self {
        let span: Span = span.into();
        self.labels.push(LabeledSpan::new_with_span(
            Some(label.into()),
            clamp(file, span.range()),
        ));
        if let Some(via) = &span.via {
            self = self.via(file, via);
        }
        self
    }

    /// The label at the use of an aliased or merged value.
    fn via(mut self, file: &SourceFile, via: &Via) -> Self {
        let range = clamp(file, via.span.clone());
        if self
            .labels
            .iter()
            .any(|l| l.offset() == range.start && l.len() == range.len())
        {
            return self;
        }
        let alias = file.text.get(range.clone()).unwrap_or("the alias");
        let label = match via.kind {
            ViaKind::Alias => format!("used here through `{alias}`"),
            ViaKind::Merge => format!("merged here through `{alias}`"),
        };
        self.labels
            .push(LabeledSpan::new_with_span(Some(label), range));
        self
    }

    /// A pointer to a place in another file.
    pub fn note(
        mut self,
        file: &SourceFile,
        span: impl Into<Span>,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let span: Span = span.into();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(label.into()),
            clamp(file, span.range()),
        )];
        if let Some(via) = &span.via {
            let range = clamp(file, via.span.clone());
            labels.push(LabeledSpan::new_with_span(
                Some("used here".to_string()),
                range,
            ));
        }
        self.notes.push(Note {
            message: message.into(),
            src: file.named_source(),
            labels,
            file_text: Arc::clone(&file.text),
        });
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The diagnostic code, e.g. `manifest::unknown_field`.
    pub fn code_str(&self) -> &'static str {
        self.code
    }

    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The file's name, as given.
    pub fn file_name(&self) -> &str {
        self.src.name()
    }

    /// 1-based line and column of the primary label, if the issue has one.
    /// The column counts characters, as editors do; miette's rendered header
    /// counts bytes, so the two differ on lines with non-ASCII text before
    /// the label.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        self.location
    }

    /// The byte offset of the primary label.
    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    fn sort_key(&self) -> (usize, usize) {
        (self.file, self.offset)
    }

    /// This issue as plain data (see [`DiagnosticData`]).
    pub fn data(&self) -> DiagnosticData {
        let (line, column) = self.location.unwrap_or((1, 1));
        let end = self.labels.first().map(|l| l.offset() + l.len());
        let (end_line, end_column) = match end {
            Some(end) => line_col_in(&self.file_text, end),
            None => (line, column),
        };
        let mut related = Vec::new();
        for label in self.labels.iter().skip(1) {
            related.push(RelatedLocation::new(
                label.label().unwrap_or(""),
                self.file_name(),
                &self.file_text,
                label.offset(),
            ));
        }
        for note in &self.notes {
            for label in &note.labels {
                let message = match label.label() {
                    Some(l) if label.primary() => format!("{}: {l}", note.message),
                    Some(l) => l.to_string(),
                    None => note.message.clone(),
                };
                related.push(RelatedLocation::new(
                    &message,
                    note.src.name(),
                    &note.file_text,
                    label.offset(),
                ));
            }
        }
        DiagnosticData {
            severity: "error".to_string(),
            code: self.code.to_string(),
            message: self.message.clone(),
            help: self.help.clone(),
            label: self
                .labels
                .first()
                .and_then(|l| l.label())
                .map(str::to_string),
            file: self.file_name().to_string(),
            line,
            column,
            end_line,
            end_column,
            related,
        }
    }
}

/// One manifest problem as plain data: what `--format json` and GitHub
/// workflow commands print.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiagnosticData {
    /// Always `"error"`.
    pub severity: String,
    /// A stable code per kind of problem, e.g. `manifest::unknown_field`.
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// The text under the underline, e.g. "unknown field".
    pub label: Option<String>,
    /// The file's name, as given.
    pub file: String,
    /// 1-based; characters, not bytes. 1:1 for a problem with a whole file.
    pub line: usize,
    pub column: usize,
    /// Where the underline ends (exclusive), 1-based, in characters.
    pub end_line: usize,
    pub end_column: usize,
    /// Other places the problem involves: a first declaration, the use of an
    /// aliased value, the anchor a merge comes from.
    pub related: Vec<RelatedLocation>,
}

/// A second place a [`DiagnosticData`] involves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelatedLocation {
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl RelatedLocation {
    fn new(message: &str, file: &str, text: &str, offset: usize) -> Self {
        let (line, column) = line_col_in(text, offset);
        RelatedLocation {
            message: message.to_string(),
            file: file.to_string(),
            line,
            column,
        }
    }
}

fn line_col_in(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn clamp(file: &SourceFile, span: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(&file.text, span.start);
    let end = floor_char_boundary(&file.text, span.end.max(start));
    start..end
}

/// Every problem found in a manifest (one file or several).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{summary}")]
#[diagnostic(code(manifest::invalid))]
pub struct ManifestError {
    summary: String,
    #[related]
    errors: Vec<Issue>,
}

impl ManifestError {
    /// Sorts the issues by file, then position, and drops exact repeats (an
    /// aliased node is checked once per use).
    pub fn new(mut errors: Vec<Issue>) -> Self {
        errors.sort_by_key(Issue::sort_key);
        errors.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
        let mut files: Vec<&str> = Vec::new();
        for issue in &errors {
            if !files.contains(&issue.file_name()) {
                files.push(issue.file_name());
            }
        }
        let count = match errors.len() {
            1 => "1 error".to_string(),
            n => format!("{n} errors"),
        };
        let summary = match files.len() {
            0 => format!("invalid manifest: {count}"),
            1..=3 => format!("invalid manifest: {count} in {}", files.join(", ")),
            n => format!("invalid manifest: {count} in {n} files"),
        };
        ManifestError { summary, errors }
    }

    pub fn errors(&self) -> &[Issue] {
        &self.errors
    }

    /// One error holding every problem of `errors` (e.g. one per stack).
    pub fn combine(errors: impl IntoIterator<Item = ManifestError>) -> ManifestError {
        ManifestError::new(errors.into_iter().flat_map(|e| e.errors).collect())
    }

    /// Every problem as plain data, in the order they are rendered.
    pub fn diagnostics(&self) -> Vec<DiagnosticData> {
        self.errors.iter().map(Issue::data).collect()
    }
}

/// Renders a diagnostic without colors, 100 columns wide: the output of
/// `--no-color`, and of the expected-output files of the tests.
pub fn render_plain(err: &dyn Diagnostic) -> String {
    let mut out = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    if handler.render_report(&mut out, err).is_err() {
        // Rendering only fails on a label outside its source, which `clamp`
        // rules out; fall back to the plain message all the same.
        out = err.to_string();
    }
    out
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let score = if c_lower == lower {
                2.0
            } else {
                strsim::jaro_winkler(&lower, &c_lower).max(
                    if strsim::levenshtein(&lower, &c_lower) <= 2 {
                        0.85
                    } else {
                        0.0
                    },
                )
            };
            (score, c)
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A dotted field path for messages: `rooms.lobby.tags["a b"]`.
#[derive(Debug, Clone, Default)]
pub struct Path(String);

impl Path {
    pub fn root() -> Self {
        Path(String::new())
    }

    pub fn child(&self, segment: &str) -> Self {
        let plain = !segment.is_empty()
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let mut s = self.0.clone();
        if plain {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(segment);
        } else {
            s.push_str(&format!("[{segment:?}]"));
        }
        Path(s)
    }

    pub fn index(&self, i: usize) -> Self {
        Path(format!("{}[{i}]", self.0))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("the top level")
        } else {
            f.write_str(&self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let fields = [
            "name",
            "maximumMessageLength",
            "maximumMessageRatePerSecond",
            "tags",
        ];
        assert_eq!(
            did_you_mean("maximumMessageLenght", fields),
            Some("maximumMessageLength")
        );
        assert_eq!(
            did_you_mean("maxMessageLength", fields),
            Some("maximumMessageLength")
        );
        assert_eq!(did_you_mean("Tags", fields), Some("tags"));
        assert_eq!(did_you_mean("colour", fields), None);
    }

    #[test]
    fn paths() {
        let p = Path::root()
            .child("rooms")
            .child("lobby")
            .child("tags")
            .child("a b");
        assert_eq!(p.to_string(), "rooms.lobby.tags[\"a b\"]");
        assert_eq!(Path::root().to_string(), "the top level");
        assert_eq!(Path::root().child("x").index(2).to_string(), "x[2]");
    }

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new(0, "f.yaml", "a: 1\né: x\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(5), (2, 1));
        assert_eq!(f.line_col(9), (2, 4));
    }
}
