//! CSV answers (`Accept: text/csv`) for the reports: RFC 4180 quoting, and no cell a
//! spreadsheet would run as a formula (OWASP "CSV injection").

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// Whether the caller asked for CSV rather than JSON.
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            part.split(';')
                .next()
                .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/csv"))
        })
}

/// One cell: a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed
/// with `'` so that a spreadsheet shows it as text instead of running it; then quoted when it
/// holds a comma, a quote or a line break.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A whole document: the header line, then one line per row, CRLF-terminated.
pub fn document(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = String>, out: &mut String| {
        out.push_str(&cells.collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(&mut header.iter().map(|h| cell(h)), &mut out);
    for row in rows {
        line(&mut row.iter().map(|c| cell(c)), &mut out);
    }
    out
}

/// A CSV answer, offered as a download.
pub fn respond(filename: &str, header: &[&str], rows: &[Vec<String>]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(document(header, rows))
}

/// A percentage for a cell, to one decimal ("92.6", "60.0"); an absent one is an empty cell.
pub fn pct(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("Team, North"), "\"Team, North\"");
        assert_eq!(cell("92.6"), "92.6");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn documents_end_lines_with_crlf() {
        let doc = document(&["a", "b"], &[vec!["1".into(), "=2".into()]]);
        assert_eq!(doc, "a,b\r\n1,'=2\r\n");
    }
}
