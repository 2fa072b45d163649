//! YAML front matter at the top of a Markdown file:
//!
//! ```text
//! ---
//! date: 2026-11-23
//! author: Aiko
//! ---
//! # Weekly report
//! ```
//!
//! The block starts with a `---` line that is the file's first line and ends
//! at the next line that is `---` or `...` (the Jekyll/Hugo convention). A
//! first line `---` with no closing line is CommonMark's thematic break, so
//! the file is read as Markdown and the caller warns.

/// A Markdown file cut into its front matter and its body.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences, and its first line in the file (1-based).
    pub yaml: Option<(&'a str, u32)>,
    /// The Markdown after the closing fence (the whole file if none).
    pub body: &'a str,
    /// Byte offset of `body` in the file.
    pub body_offset: usize,
    /// An opening `---` was found but never closed.
    pub unclosed: bool,
}

pub fn split(text: &str) -> Split<'_> {
    let whole = Split {
        yaml: None,
        body: text,
        body_offset: 0,
        unclosed: false,
    };
    let mut lines = line_spans(text);
    let Some((_, first)) = lines.next() else {
        return whole;
    };
    if first.trim_end() != "---" {
        return whole;
    }
    let yaml_start = first.len() + line_break_len(text, first.len());
    for (start, line) in lines {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            let end = start + line.len();
            let body_offset = end + line_break_len(text, end);
            return Split {
                yaml: Some((&text[yaml_start..start], 2)),
                body: &text[body_offset..],
                body_offset,
                unclosed: false,
            };
        }
    }
    Split {
        unclosed: true,
        ..whole
    }
}

/// Each line's byte offset and text, without its line break.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']))
    })
}

fn line_break_len(text: &str, at: usize) -> usize {
    let rest = &text.as_bytes()[at.min(text.len())..];
    if rest.starts_with(b"\r\n") {
        2
    } else if rest.starts_with(b"\n") {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_fenced_block_from_the_body() {
        let text = "---\ndate: 2026-11-23\n---\n# Title\n";
        let s = split(text);
        assert_eq!(s.yaml, Some(("date: 2026-11-23\n", 2)));
        assert_eq!(s.body, "# Title\n");
        assert_eq!(&text[s.body_offset..], s.body);
        let crlf = split("---\r\ndate: x\r\n...\r\nbody");
        assert_eq!(crlf.yaml, Some(("date: x\r\n", 2)));
        assert_eq!(crlf.body, "body");
    }

    #[test]
    fn no_front_matter_unless_the_first_line_opens_it() {
        let s = split("# Title\n---\nx: 1\n---\n");
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_offset, 0);
        let open = split("---\nno end\n");
        assert!(open.unclosed);
        assert_eq!(open.body, "---\nno end\n");
        assert_eq!(split("").yaml, None);
    }
}
