//! Errors for programs: the `--format json` error document and GitHub
//! workflow commands (`--format github`). docs/plan-format.md, "Errors",
//! describes both.
//!
//! A manifest error becomes its list of located diagnostics; any other
//! error (an API call that failed, a refusal, a file that cannot be read)
//! becomes one error object with its code, message and help. Nothing here
//! prints: the caller writes the text where it belongs.

use crate::aws::ApiError;
use crate::manifest::{DiagnosticData, ManifestError};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

/// The version of the error document (the same as the plan document's).
pub const FORMAT_VERSION: &str = "1";

/// How a command reports an error (from its `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    /// A miette report on stderr.
    #[default]
    Human,
    /// One JSON document on stdout (and nothing on stderr).
    Json,
    /// GitHub workflow commands on stdout, the report on stderr too.
    Github,
}

/// Set once a command has written its JSON document on stdout: an error
/// that comes after (a refusal after the plan) then goes to stderr, so that
/// stdout keeps exactly one document.
static DOCUMENT_WRITTEN: AtomicBool = AtomicBool::new(false);

/// Records that stdout holds the command's JSON document.
pub fn document_written() {
    DOCUMENT_WRITTEN.store(true, Ordering::SeqCst);
}

/// Whether stdout already holds the command's JSON document.
pub fn is_document_written() -> bool {
    DOCUMENT_WRITTEN.load(Ordering::SeqCst)
}

/// The `--format json` document of a failed command.
#[derive(Debug, Serialize)]
pub struct ErrorDocument {
    pub format_version: &'static str,
    /// False when the manifest broke a rule (then `diagnostics` says where).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<DiagnosticData>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorObject>,
}

/// Any error other than a manifest's.
#[derive(Debug, Serialize)]
pub struct ErrorObject {
    /// A stable code per kind of error, e.g. `ivsctl::api::service`.
    pub code: String,
    /// The whole message, as the human report's first line(s).
    pub message: String,
    pub help: Option<String>,
    /// For a failed API call: the operation, e.g. `ListRooms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// For a failed API call: the service's error code, e.g.
    /// `AccessDeniedException`, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_error_code: Option<String>,
    /// For a failed API call: the HTTP status, when there was an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// For a failed API call: the endpoint called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// The document for `report`.
pub fn document(report: &miette::Report) -> ErrorDocument {
    if let Some(manifest) = report.downcast_ref::<ManifestError>() {
        return ErrorDocument {
            format_version: FORMAT_VERSION,
            valid: Some(false),
            diagnostics: Some(manifest.diagnostics()),
            error: None,
        };
    }
    let api = find_api_error(report);
    ErrorDocument {
        format_version: FORMAT_VERSION,
        valid: None,
        diagnostics: None,
        error: Some(ErrorObject {
            code: report
                .code()
                .map(|c| c.to_string())
                .unwrap_or_else(|| "ivsctl::error".to_string()),
            message: message(report),
            help: report.help().map(|h| h.to_string()),
            operation: api.map(|a| a.operation().to_string()),
            api_error_code: api.and_then(|a| a.code().map(str::to_string)),
            http_status: api.and_then(ApiError::status),
            endpoint: api.and_then(|a| a.endpoint().map(str::to_string)),
        }),
    }
}

/// The JSON text of [`document`], pretty-printed, with a trailing newline.
pub fn to_json(report: &miette::Report) -> String {
    let mut text = serde_json::to_string_pretty(&document(report))
        .unwrap_or_else(|_| format!("{{\"format_version\": \"{FORMAT_VERSION}\"}}"));
    text.push('\n');
    text
}

/// GitHub workflow commands for `report`: one `::error` per manifest
/// diagnostic, on its file, line and column (a pull request shows it on
/// that line), or one `::error` for any other error.
pub fn github_commands(report: &miette::Report) -> String {
    let mut out = String::new();
    if let Some(manifest) = report.downcast_ref::<ManifestError>() {
        for d in manifest.diagnostics() {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            out.push_str(&format!(
                "::error file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&d.file),
                d.line,
                d.column,
                d.end_line,
                d.end_column,
                property(&d.code),
                data(&text),
            ));
        }
        return out;
    }
    let mut text = message(report);
    if let Some(help) = report.help() {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let title = report
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "ivsctl".to_string());
    out.push_str(&format!(
        "::error title={}::{}\n",
        property(&title),
        data(&text)
    ));
    out
}

/// The report's message with its causes (`a: b`), as one text. An API
/// error's own message is complete: the SDK's layers below it are not
/// repeated.
fn message(report: &miette::Report) -> String {
    if let Some(api) = report.downcast_ref::<ApiError>() {
        return api.to_string();
    }
    let mut text = report.to_string();
    let mut cur = report.source();
    while let Some(cause) = cur {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
        cur = cause.source();
    }
    text
}

fn find_api_error(report: &miette::Report) -> Option<&ApiError> {
    report.chain().find_map(|e| e.downcast_ref::<ApiError>())
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_does() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn an_api_error_is_one_error_object() {
        let err = ApiError::Service {
            operation: "ListRooms",
            code: Some("AccessDeniedException".into()),
            status: Some(403),
            message: "denied".into(),
            endpoint: Some("https://ivschat.us-east-1.amazonaws.com".into()),
            source: None,
        };
        let report = miette::Report::new(err);
        let doc = serde_json::to_value(document(&report)).unwrap();
        assert_eq!(doc["format_version"], "1");
        assert_eq!(doc["error"]["code"], "ivsctl::api::service");
        assert_eq!(doc["error"]["operation"], "ListRooms");
        assert_eq!(doc["error"]["api_error_code"], "AccessDeniedException");
        assert_eq!(doc["error"]["http_status"], 403);
        assert!(doc.get("diagnostics").is_none());
        let gh = github_commands(&report);
        assert!(
            gh.starts_with("::error title=ivsctl%3A%3Aapi%3A%3Aservice::ListRooms failed: denied"),
            "{gh}"
        );
        assert!(gh.contains("%0Ahelp: the credentials in use"), "{gh}");
    }
}
