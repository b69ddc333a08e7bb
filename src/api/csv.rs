//! CSV answers (`Accept: text/csv`) for the reports: RFC 4180 quoting, and no cell a
//! spreadsheet would run as a formula (OWASP "CSV injection"), however it is disguised.

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

/// Characters that, first in a cell, make a spreadsheet read a formula (`=`, `+`, `-`, `@`),
/// a DDE call (`|`), or the same in fullwidth form, which some spreadsheets fold to ASCII.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '|', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}', '\u{FF5C}',
];

/// Characters that, first in a cell, hide what follows or are trimmed away by an importer:
/// tab, carriage return, zero-width space and the byte order mark.
const HIDING_STARTS: [char; 4] = ['\t', '\r', '\u{200B}', '\u{FEFF}'];

/// Whether a spreadsheet could take `value` for something to run: it starts with a formula
/// character or a hiding character, or with blanks (any white space, zero-width characters)
/// and then a formula character (`  =1+1`), since importers trim leading blanks.
fn needs_neutralising(value: &str) -> bool {
    if value.starts_with(FORMULA_STARTS) || value.starts_with(HIDING_STARTS) {
        return true;
    }
    let blank = |c: char| {
        c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
    };
    value.starts_with(blank) && value.trim_start_matches(blank).starts_with(FORMULA_STARTS)
}

/// One cell: a text a spreadsheet could run (see [`needs_neutralising`]) is prefixed with `'`
/// so that it shows as text; then quoted when it holds a comma, a quote or a line break.
pub fn cell(value: &str) -> String {
    let neutral = if needs_neutralising(value) {
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
    fn hidden_and_fullwidth_formula_starts_are_neutralised() {
        assert_eq!(cell("\u{200B}=1+1"), "'\u{200B}=1+1");
        assert_eq!(cell("\u{FEFF}=1+1"), "'\u{FEFF}=1+1");
        assert_eq!(cell("\u{200B}plain"), "'\u{200B}plain");
        assert_eq!(cell("\u{FF1D}1+1"), "'\u{FF1D}1+1");
        assert_eq!(cell("\u{FF0B}1"), "'\u{FF0B}1");
        assert_eq!(cell("\u{FF0D}1"), "'\u{FF0D}1");
        assert_eq!(cell("\u{FF20}SUM(A1)"), "'\u{FF20}SUM(A1)");
        assert_eq!(cell("|calc"), "'|calc");
        assert_eq!(cell("\u{FF5C}calc"), "'\u{FF5C}calc");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        // Blanks before a formula character: importers trim them.
        assert_eq!(cell(" =1+1"), "' =1+1");
        assert_eq!(cell("\u{A0}\u{A0}@SUM(A1)"), "'\u{A0}\u{A0}@SUM(A1)");
        assert_eq!(cell("\u{200D} -1"), "'\u{200D} -1");
        assert_eq!(cell("\n=1"), "\"'\n=1\"");
        // Blanks before ordinary text, and formula characters further in, are left alone.
        assert_eq!(cell(" North"), " North");
        assert_eq!(cell("Team = North | South"), "Team = North | South");
        assert_eq!(cell("A+B"), "A+B");
    }

    #[test]
    fn documents_end_lines_with_crlf() {
        let doc = document(&["a", "b"], &[vec!["1".into(), "=2".into()]]);
        assert_eq!(doc, "a,b\r\n1,'=2\r\n");
    }
}
