//! Text from input, made safe to show on a terminal.
//!
//! A terminal obeys the control characters it is sent: `ESC [ 2 J` clears
//! the screen, other sequences set the window title or move the cursor, a
//! carriage return or newline can forge a line, and the bidirectional
//! overrides (U+202A–U+202E, U+2066–U+2069) make text read differently
//! from what it is. Log lines written for a person (see
//! [`crate::telemetry`]) quote request paths and file names, and the CLI
//! prints problems found in a project's files, so both show those
//! characters as escapes (`\x1b`, `\n`, `\u{202e}`) instead of sending
//! them.

use std::borrow::Cow;
use std::fmt::Write as _;

/// C0 and C1 controls, DEL, and the bidirectional embedding, override and
/// isolate characters: what a terminal would act on rather than show.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character [`needs_escape`] finds escaped, except those
/// `keep` keeps (given the character and the next one).
pub fn escape(text: &str, keep: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !needs_escape(c) || keep(c, chars.peek().copied()) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// `text` for one line of terminal output: every control character
/// escaped, including CR and LF; a tab is kept.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |c, _| c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_not_sent() {
        assert_eq!(line("plain text\tok"), "plain text\tok");
        assert_eq!(line("a\x1b[2Jb\nc\r"), "a\\x1b[2Jb\\nc\\r");
        assert_eq!(line("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
    }
}
