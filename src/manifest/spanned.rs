//! A YAML document as a small tree of nodes that remember where they are.
//!
//! serde_yaml stops at the first error and forgets positions, and it never shows
//! duplicate keys to a struct. The validation pass needs all three, so it walks
//! this tree instead, built from `saphyr-parser`'s event stream.
//!
//! Invariants: every span is a byte range into the source text (saphyr counts
//! characters; they are converted here, once); mapping entries keep their source
//! order and their duplicates; aliases are expanded into copies of the anchored
//! node (whose spans still point at the anchor), within a node budget so that a
//! "billion laughs" file cannot exhaust memory.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as CharSpan, Tag};

pub use super::span::{Span, Via, ViaKind};

/// At most this many nodes per file, aliases expanded. A real manifest has a
/// few hundred.
const NODE_BUDGET: usize = 200_000;

/// At most this many nested collections.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// From the first character of the node (its anchor or tag included) to
    /// just after its last one.
    pub span: Span,
    /// The node's explicit tag, spelled `!!str` for core-schema tags.
    pub tag: Option<String>,
    /// A scalar whose text came from `${NAME}` variables: its value is the
    /// substituted text, read as whatever type its field expects.
    pub substituted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar { value: String, plain: bool },
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// Why a file could not be read as one YAML document.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    /// The text under the underline.
    pub label: &'static str,
    pub span: Span,
    pub help: String,
    /// The diagnostic code (`manifest::syntax`, ...).
    pub code: &'static str,
}

impl Node {
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// True for a single-line flow collection or any scalar: something worth
    /// underlining. A block collection spans many lines; labels go on its key.
    pub fn is_compact(&self, text: &str) -> bool {
        match &self.kind {
            NodeKind::Scalar { .. } => !self.span.is_empty(),
            _ => text
                .get(self.span.range())
                .is_some_and(|s| !s.trim_end().contains('\n') && !s.trim().is_empty()),
        }
    }

    /// The scalar's value, if the node is a scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// True for the merge key `<<` (plain, untagged or tagged `!!merge`).
    pub fn is_merge_key(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, plain: true } if value == "<<")
            && matches!(self.tag.as_deref(), None | Some("!!merge"))
    }

    /// Marks this node and everything under it as used through `via`.
    pub fn set_via(&mut self, via: &Arc<Via>) {
        self.span.via = Some(Arc::clone(via));
        match &mut self.kind {
            NodeKind::Scalar { .. } => {}
            NodeKind::Sequence(items) => items.iter_mut().for_each(|n| n.set_via(via)),
            NodeKind::Mapping(entries) => entries.iter_mut().for_each(|e| {
                e.key.set_via(via);
                e.value.set_via(via);
            }),
        }
    }
}

/// Parses one YAML document. `Ok(None)` for a file with no document at all
/// (empty, or only comments).
pub fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        offsets: &offsets,
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: 0,
        nodes: 0,
        root: None,
    };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => builder.on_event(event, span)?,
            Err(err) => {
                let at = offsets.byte(err.marker().index());
                if err.info().contains("tab") {
                    if let Some(tab) = indentation_tab(text, at) {
                        return Err(ParseError {
                            message: "invalid YAML: a tab is used for indentation".to_string(),
                            label: "tab here",
                            span: Span::new(tab, tab + 1),
                            help: syntax_help(err.info()),
                            code: "manifest::tab_indentation",
                        });
                    }
                }
                let at_line = at.min(text.len());
                let start = text[..at_line].rfind('\n').map_or(0, |i| i + 1);
                let end = text[at_line..]
                    .find('\n')
                    .map_or(text.len(), |i| at_line + i);
                let line = &text[start..end];
                let help = if line.contains("${") && (line.contains('{') || line.contains('[')) {
                    "inside a flow collection (`{...}`, `[...]`), quote a value that uses a \
                     variable: `\"logs-${ENV}\"`; `{` and `}` end a plain value there"
                        .to_string()
                } else {
                    syntax_help(err.info())
                };
                return Err(ParseError {
                    message: format!("invalid YAML: {}", err.info()),
                    label: "invalid YAML here",
                    span: Span::at(at),
                    help,
                    code: "manifest::syntax",
                });
            }
        }
    }
    Ok(builder.root)
}

/// The tab a tab error is about. saphyr reports a tab in indentation either
/// just after it (block indentation) or at the end of the line before
/// (while scanning a plain scalar): the tab is the first one in the leading
/// whitespace of the error's line, or else of a following line.
fn indentation_tab(text: &str, at: usize) -> Option<usize> {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let leading = |start: usize| -> Option<usize> {
        let line = &text[start..];
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        line[..indent].find('\t').map(|i| start + i)
    };
    if let Some(tab) = leading(line_start).filter(|t| *t < at) {
        return Some(tab);
    }
    let mut start = text[at..].find('\n').map(|i| at + i + 1)?;
    loop {
        if let Some(tab) = leading(start) {
            return Some(tab);
        }
        let line = &text[start..];
        // Only blank lines may lie between the error and the tab.
        if !line.split('\n').next().unwrap_or("").trim().is_empty() {
            return None;
        }
        start = line.find('\n').map(|i| start + i + 1)?;
    }
}

fn syntax_help(info: &str) -> String {
    if info.contains("tab") {
        "indent with spaces; YAML does not allow tabs for indentation".to_string()
    } else if info.contains("anchor") {
        "an alias `*name` must refer to an anchor `&name` defined before it".to_string()
    } else if info.contains("escape") {
        "in double quotes, write a backslash as `\\\\`, or use single quotes".to_string()
    } else {
        "check the indentation, and look for an unclosed `[`, `{` or quote above this point"
            .to_string()
    }
}

/// saphyr reports positions in characters; miette wants bytes.
struct CharOffsets {
    /// Byte offset of each character, plus the text length at the end. Empty
    /// when the text is ASCII (then offsets are equal).
    table: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .collect()
        };
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

enum Frame {
    Sequence {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Mapping {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    offsets: &'a CharOffsets,
    text: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    documents: usize,
    nodes: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn span(&self, span: CharSpan) -> Span {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index()).max(start);
        Span::new(start, end)
    }

    fn on_event(&mut self, event: Event<'_>, char_span: CharSpan) -> Result<(), ParseError> {
        let span = self.span(char_span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(ParseError {
                        message: "a manifest file holds a single YAML document".to_string(),
                        label: "a second document starts here",
                        span,
                        help: "remove the `---` separator; put another stack in its own file"
                            .to_string(),
                        code: "manifest::multiple_documents",
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let span = self.trim_quoted(span, style);
                let node = Node {
                    kind: NodeKind::Scalar {
                        value: value.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                    tag: tag.as_deref().map(tag_name),
                    substituted: false,
                };
                self.finish(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.deeper(&span)?;
                self.stack.push(Frame::Sequence {
                    start: span.start,
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.deeper(&span)?;
                self.stack.push(Frame::Mapping {
                    start: span.start,
                    anchor,
                    tag: tag.as_deref().map(tag_name),
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Sequence {
                        start,
                        anchor,
                        tag,
                        items,
                    }) => (
                        self.collection(NodeKind::Sequence(items), start, span.end, tag),
                        anchor,
                    ),
                    Some(Frame::Mapping {
                        start,
                        anchor,
                        tag,
                        entries,
                        key,
                    }) => {
                        // The parser always pairs keys with values (an empty
                        // value is an empty scalar), so `key` is None here.
                        debug_assert!(key.is_none());
                        (
                            self.collection(NodeKind::Mapping(entries), start, span.end, tag),
                            anchor,
                        )
                    }
                    None => return Ok(()),
                };
                self.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(ParseError {
                        message: "invalid YAML: an alias refers to the node that contains it"
                            .to_string(),
                        label: "alias of an enclosing node",
                        span,
                        help: "an alias `*name` must refer to a complete node defined before it"
                            .to_string(),
                        code: "manifest::syntax",
                    });
                };
                let mut copy = target.clone();
                self.count(count_nodes(&copy), &span)?;
                // The copy remembers its use; the outermost alias wins.
                copy.set_via(&Arc::new(Via {
                    span: span.range(),
                    kind: ViaKind::Alias,
                }));
                self.finish(copy, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn collection(&self, kind: NodeKind, start: usize, end: usize, tag: Option<String>) -> Node {
        // A block collection "ends" where the next token starts, past blank
        // lines and comments: trim that trailing whitespace.
        let end = end.max(start);
        let trimmed = self
            .text
            .get(start..end)
            .map_or(0, |s| s.len() - s.trim_end().len());
        Node {
            kind,
            span: Span::new(start, end - trimmed),
            tag,
            substituted: false,
        }
    }

    /// saphyr's span of a quoted scalar runs on to the next token (spaces
    /// and a comment included): end it at the closing quote instead.
    fn trim_quoted(&self, span: Span, style: ScalarStyle) -> Span {
        let quote = match style {
            ScalarStyle::SingleQuoted => '\'',
            ScalarStyle::DoubleQuoted => '"',
            _ => return span,
        };
        let Some(body) = self.text.get(span.range()) else {
            return span;
        };
        // Skip an anchor or tag written before the opening quote.
        let Some(open) = body.find(quote) else {
            return span;
        };
        let mut chars = body[open + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            if quote == '"' && c == '\\' {
                chars.next();
            } else if c == quote {
                // In single quotes, `''` is an escaped quote.
                if quote == '\'' && body[open + 1 + i + 1..].starts_with('\'') {
                    chars.next();
                    continue;
                }
                return Span::new(span.start, span.start + open + 1 + i + 1);
            }
        }
        span
    }

    /// Tree walks (clone, drop, checks) recurse: bound the depth so that no
    /// input can overflow the stack. A manifest is 6 levels deep.
    fn deeper(&self, span: &Span) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError {
                message: format!("the document is nested too deeply: more than {MAX_DEPTH} levels"),
                label: "too deep here",
                span: span.clone(),
                help: "a manifest is a few levels deep; look for runaway `[` or `{`".to_string(),
                code: "manifest::too_deep",
            });
        }
        Ok(())
    }

    fn count(&mut self, n: usize, span: &Span) -> Result<(), ParseError> {
        self.nodes += n;
        if self.nodes > NODE_BUDGET {
            return Err(ParseError {
                message: format!("the document is too large: more than {NODE_BUDGET} nodes"),
                label: "the limit is passed here",
                span: span.clone(),
                help: "aliases are expanded when read; avoid nesting aliases of aliases"
                    .to_string(),
                code: "manifest::too_large",
            });
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        self.count(1, &node.span)?;
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
                None => *key = Some(node),
            },
            None => self.root = Some(node),
        }
        Ok(())
    }
}

fn tag_name(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Scalar { .. } => 0,
        NodeKind::Sequence(items) => items.iter().map(count_nodes).sum(),
        NodeKind::Mapping(entries) => entries
            .iter()
            .map(|e| count_nodes(&e.key) + count_nodes(&e.value))
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(node: &Node) -> &str {
        match &node.kind {
            NodeKind::Scalar { value, .. } => value,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn spans_are_bytes_and_quotes_are_trimmed() {
        let text = "é: \"prod\"   # c\nb: [x, y]\n";
        let root = parse(text).unwrap().unwrap();
        let entries = root.as_mapping().unwrap();
        assert_eq!(&text[entries[0].key.span.range()], "é");
        assert_eq!(&text[entries[0].value.span.range()], "\"prod\"");
        assert_eq!(scalar(&entries[0].value), "prod");
        assert_eq!(&text[entries[1].value.span.range()], "[x, y]");
        assert!(entries[1].value.is_compact(text));
    }

    #[test]
    fn keeps_duplicate_keys_and_expands_aliases() {
        let text = "a: &x {k: 1}\na: *x\n";
        let root = parse(text).unwrap().unwrap();
        let entries = root.as_mapping().unwrap();
        assert_eq!(entries.len(), 2);
        let (anchored, copy) = (&entries[0].value, &entries[1].value);
        assert_eq!(copy.span.range(), anchored.span.range());
        assert_eq!(anchored.span.via, None);
        let via = copy.span.via.as_deref().expect("the copy knows its use");
        assert_eq!((&text[via.span.clone()], via.kind), ("*x", ViaKind::Alias));
        let inner = &copy.as_mapping().unwrap()[0].value;
        assert_eq!(inner.span.via.as_deref(), Some(via));
    }

    #[test]
    fn a_tab_error_points_at_the_tab() {
        for (text, line, col) in [
            ("rooms:\n\tlobby: {}\n", 2, 1),
            ("rooms:\n  lobby:\n  \tname: x\n", 3, 3),
            ("rooms:\n  lobby:\n    name: x\n\ttags: {}\n", 4, 1),
            ("tags:\n  a: b\n\n\tc: d\n", 4, 1),
        ] {
            let err = parse(text).unwrap_err();
            assert_eq!(err.code, "manifest::tab_indentation", "{text:?}: {err:?}");
            assert_eq!(&text[err.span.range()], "\t", "{text:?}");
            let before = &text[..err.span.start];
            let at = (
                before.matches('\n').count() + 1,
                before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
            );
            assert_eq!(at, (line, col), "{text:?}");
        }
    }

    #[test]
    fn reports_syntax_errors_and_extra_documents() {
        let err = parse("a: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{err:?}");
        let err = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(err.span.range(), 5..8);
        let err = parse("a: &x [*x]\n").unwrap_err();
        assert!(err.message.contains("alias"), "{err:?}");
        assert_eq!(parse("# nothing\n").unwrap(), None);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}", "[".repeat(100_000));
        assert!(parse(&text).is_err());
        let text = format!("a: {}", "[".repeat(100));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{err:?}");
        let ok = format!("a: {}{}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn alias_bombs_hit_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("too large"), "{err:?}");
    }
}
