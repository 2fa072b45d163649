//! A CSV export as a table: the header row, then rows each with the line
//! it starts on, read by the `csv` crate (quoted fields, embedded
//! newlines, `""` escapes). Columns are found by name without regard to
//! case, and a name may repeat (Jira writes one `Fix Version/s` column per
//! version).
//!
//! Every row must have as many fields as the header: a row that has not
//! is a problem naming the row, and is how an unterminated quote usually
//! shows (it swallows the rest of the file into one field). When that
//! field is the last one the header has, the lengths agree, and the `csv`
//! crate takes the end of the file as the end of the quote; the table
//! then checks for itself that no quote is left open ([`open_quote_line`]).

use vpm_model::Problem;

/// More columns than any tracker writes; a bound on hostile headers.
pub const MAX_COLUMNS: usize = 4_096;

pub struct Table {
    headers: Vec<String>,
    pub rows: Vec<Row>,
}

pub struct Row {
    /// 1-based line of the file the row starts on.
    pub line: u32,
    fields: Vec<String>,
}

impl Table {
    /// Reads `text` (the file at `path`); `None` after pushing a problem
    /// when it is not a table.
    pub fn read(text: &str, path: &str, problems: &mut Vec<Problem>) -> Option<Table> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
        let headers: Vec<String> = match records.next() {
            Some(Ok(record)) => record.iter().map(|h| h.trim().to_owned()).collect(),
            Some(Err(e)) => {
                problems.push(csv_problem(path, &e, 1));
                return None;
            }
            None => {
                problems.push(Problem::new(
                    "bad_export",
                    path,
                    Some(1),
                    "the export is empty; it must start with a header row",
                ));
                return None;
            }
        };
        if headers.len() > MAX_COLUMNS {
            problems.push(Problem::new(
                "bad_export",
                path,
                Some(1),
                format!(
                    "the header row has {} columns; at most {MAX_COLUMNS} are read",
                    headers.len()
                ),
            ));
            return None;
        }
        let mut rows = Vec::new();
        let (mut line, mut counted) = (1u64, 0usize);
        let mut last = 1;
        for (i, record) in records.enumerate() {
            let number = i + 2;
            last = number;
            match record {
                Ok(record) => {
                    // The crate's own line count skips newlines inside
                    // quoted fields; count them from the byte offset.
                    let byte = record
                        .position()
                        .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
                        .min(text.len());
                    // It points before blank lines skipped on the way.
                    let skipped = text.as_bytes()[byte..]
                        .iter()
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                    let byte = byte + skipped;
                    line += text.as_bytes()[counted..byte]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u64;
                    counted = byte.max(counted);
                    let line = u32::try_from(line).unwrap_or(u32::MAX);
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    rows.push(Row {
                        line,
                        fields: record.iter().map(str::to_owned).collect(),
                    });
                }
                Err(e) => {
                    problems.push(csv_problem(path, &e, number));
                    return None;
                }
            }
        }
        if let Some(opened) = open_quote_line(text) {
            problems.push(
                Problem::new(
                    "bad_export",
                    path,
                    Some(opened),
                    format!(
                        "row {last} has a quote opened on line {opened} that is never closed, \
                         so the rest of the file would be read as one field; close the quote"
                    ),
                )
                .with_value(format!("row {last}")),
            );
            return None;
        }
        Some(Table { headers, rows })
    }

    /// Whether a column of this name (any case) exists.
    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// The first non-empty value of the first of `names` that `row` has.
    pub fn get<'r>(&self, row: &'r Row, names: &[&str]) -> Option<&'r str> {
        names
            .iter()
            .find_map(|name| self.all(row, name).into_iter().next())
    }

    /// Every non-empty value of the columns named `name` (any case).
    pub fn all<'r>(&self, row: &'r Row, name: &str) -> Vec<&'r str> {
        self.headers
            .iter()
            .zip(&row.fields)
            .filter(|(h, _)| h.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// The line on which a quoted field opens that the file never closes, read
/// as the `csv` crate reads (RFC 4180: a quote opens a field only at its
/// start, `""` inside one is a quote, a quote inside an unquoted field is
/// text).
fn open_quote_line(text: &str) -> Option<u32> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let (mut state, mut line, mut opened) = (State::FieldStart, 1u32, 1u32);
    for &b in text.as_bytes() {
        state = match (state, b) {
            (State::FieldStart, b'"') => {
                opened = line;
                State::Quoted
            }
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',' | b'\n' | b'\r') => State::FieldStart,
            _ => State::Unquoted,
        };
        if b == b'\n' {
            line = line.saturating_add(1);
        }
    }
    matches!(state, State::Quoted).then_some(opened)
}

fn csv_problem(path: &str, e: &csv::Error, row: usize) -> Problem {
    let (line, message) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => (
            pos.as_ref().map(|p| p.line()),
            format!(
                "row {row} has {len} fields but the header has {expected_len}; a quote left \
                 open earlier takes the rest of the file into one field"
            ),
        ),
        csv::ErrorKind::Utf8 { pos, .. } => (
            pos.as_ref().map(|p| p.line()),
            format!("row {row} is not UTF-8; save the export as UTF-8"),
        ),
        _ => (None, format!("row {row} cannot be read as CSV: {e}")),
    };
    Problem::new(
        "bad_export",
        path,
        line.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
        message,
    )
    .with_value(format!("row {row}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_newlines_bom_and_repeated_columns() {
        let text = "\u{feff}Key,Summary,Fix Version/s,Fix Version/s\nA-1,\"Two\nlines, \"\"quoted\"\"\",v1,v2\n\nA-2,plain,,v3\n";
        let mut problems = Vec::new();
        let t = Table::read(text, "x.csv", &mut problems).unwrap();
        assert!(problems.is_empty());
        assert_eq!(t.rows.len(), 2);
        let (a, b) = (&t.rows[0], &t.rows[1]);
        assert_eq!(t.get(a, &["summary"]), Some("Two\nlines, \"quoted\""));
        assert_eq!(t.all(a, "Fix Version/s"), ["v1", "v2"]);
        assert_eq!(t.all(b, "fix version/s"), ["v3"]);
        assert_eq!((a.line, b.line), (2, 5));
    }

    #[test]
    fn an_unterminated_quote_is_a_problem_naming_the_row() {
        let text = "Key,Summary,Status\nA-1,ok,Done\nA-2,\"never closed,Done\nA-3,x,Done\n";
        let mut problems = Vec::new();
        assert!(Table::read(text, "x.csv", &mut problems).is_none());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "bad_export");
        assert_eq!(problems[0].value.as_deref(), Some("row 3"));
        assert_eq!(problems[0].line, Some(3));
    }

    /// The open quote in the last column: every row has the header's
    /// length, so only the table's own check sees it.
    #[test]
    fn an_open_quote_in_the_last_column_is_a_problem_naming_its_line() {
        for (text, line, row) in [
            ("Issue key,Summary\nQ-1,\"aaaa\n", 2, "row 2"),
            (
                "Issue key,Summary\nQ-1,ok\n\nQ-2,\"two\nlines\n\"\"still open\n",
                4,
                "row 3",
            ),
            ("Issue key,\"Summary\n", 1, "row 1"),
        ] {
            let mut problems = Vec::new();
            assert!(
                Table::read(text, "x.csv", &mut problems).is_none(),
                "{text:?}"
            );
            assert_eq!(problems.len(), 1, "{text:?}");
            assert_eq!(problems[0].line, Some(line), "{text:?}");
            assert_eq!(problems[0].value.as_deref(), Some(row), "{text:?}");
            assert!(problems[0].message.contains("never closed"));
        }
        // Closed quotes, escaped quotes and quotes inside unquoted text
        // (a 5" screen) are fine.
        for text in [
            "Key,Summary\nA-1,\"closed\"\n",
            "Key,Summary\nA-1,\"say \"\"hi\"\"\"\n",
            "Key,Summary\nA-1,a 5\" screen\n",
            "Key,Summary\nA-1,\"ends at the file's end\"",
        ] {
            let mut problems = Vec::new();
            assert!(
                Table::read(text, "x.csv", &mut problems).is_some(),
                "{text:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_million_columns_is_refused_quickly() {
        let header = "c,".repeat(1_000_000);
        let mut problems = Vec::new();
        assert!(Table::read(&header, "x.csv", &mut problems).is_none());
        assert!(problems[0].message.contains("columns"), "{problems:?}");
    }
}
