//! Manifest errors as miette diagnostics: each one names its file, underlines
//! the offending text and says what would be valid.
//!
//! A [`ManifestError`] carries every problem found in one run (as `related`
//! diagnostics), sorted by file, then by position, so that a user fixes them
//! all at once instead of one per run.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::spanned::Span;

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
        let offset = floor_char_boundary(&self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
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
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct Issue {
    message: String,
    #[source_code]
    src: NamedSource<Arc<String>>,
    /// The primary label first; others (e.g. "first defined here") after it.
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    #[help]
    help: Option<String>,
    /// Places in other files that the problem involves.
    #[related]
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
}

impl Issue {
    /// An issue whose primary label underlines `span` of `file`.
    pub fn new(
        file: &SourceFile,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let span = clamp(file, span);
        Issue {
            message: message.into(),
            src: file.named_source(),
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(label.into()),
                span.clone(),
            )],
            help: None,
            notes: Vec::new(),
            file: file.index,
            offset: span.start,
            location: Some(file.line_col(span.start)),
        }
    }

    /// An issue about a file as a whole (it cannot be read, ...): no snippet.
    pub fn whole_file(file: &SourceFile, message: impl Into<String>) -> Self {
        Issue {
            message: message.into(),
            src: file.named_source(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            file: file.index,
            offset: 0,
            location: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A second label in the same file.
    pub fn also(mut self, file: &SourceFile, span: Span, label: impl Into<String>) -> Self {
        self.labels.push(LabeledSpan::new_with_span(
            Some(label.into()),
            clamp(file, span),
        ));
        self
    }

    /// A pointer to a place in another file.
    pub fn note(
        mut self,
        file: &SourceFile,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.notes.push(Note {
            message: message.into(),
            src: file.named_source(),
            labels: vec![LabeledSpan::new_primary_with_span(
                Some(label.into()),
                clamp(file, span),
            )],
        });
        self
    }

    pub fn message(&self) -> &str {
        &self.message
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

    fn sort_key(&self) -> (usize, usize) {
        (self.file, self.offset)
    }
}

fn clamp(file: &SourceFile, span: Span) -> Span {
    let start = floor_char_boundary(&file.text, span.start);
    let end = floor_char_boundary(&file.text, span.end.max(start));
    start..end
}

/// Every problem found in a manifest (one file or several).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{summary}")]
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
