//! The line each item of a JSON export starts on, so an imported task can
//! cite `exports/issues.json:212` as well as its URL.
//!
//! `serde_json` decodes the items straight into typed values but keeps no
//! positions; this scan walks the same text once more, counting only
//! brackets, strings and newlines, and records where each element of the
//! wanted array opens. It allocates nothing per item but the line, and
//! nesting costs nothing: it keeps a depth counter, not a stack.

/// The 1-based line of each element of the list of items: the top-level
/// array when `key` is `None`, else the array that is the value of `key`
/// in the top-level object (Jira's `{"issues": [...]}`). Elements are
/// counted in order, so the n-th line belongs to the n-th decoded item.
pub fn element_lines(text: &str, key: Option<&str>) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut line = 1u32;
    let mut depth = 0usize;
    // The depth of the wanted array's elements, once it has opened.
    let mut target: Option<usize> = None;
    let mut expect_element = false;
    // The last string read at depth 1, and the key whose value comes next.
    let mut last_string: Option<(usize, usize)> = None;
    let mut last_key: Option<(usize, usize)> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => line = line.saturating_add(1),
            b'"' => {
                let start = i + 1;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'"' => break,
                        b'\n' => line = line.saturating_add(1),
                        _ => {}
                    }
                    i += 1;
                }
                if expect_element && target == Some(depth) {
                    lines.push(line);
                    expect_element = false;
                }
                if depth == 1 {
                    last_string = Some((start, i.min(bytes.len())));
                }
            }
            b'[' | b'{' => {
                if expect_element && target == Some(depth) {
                    lines.push(line);
                    expect_element = false;
                }
                depth += 1;
                if b == b'[' && target.is_none() {
                    let wanted = match key {
                        None => depth == 1,
                        Some(k) => {
                            depth == 2
                                && last_key
                                    .and_then(|(s, e)| text.get(s..e))
                                    .is_some_and(|found| found == k)
                        }
                    };
                    if wanted {
                        target = Some(depth);
                        expect_element = true;
                    }
                }
            }
            b']' | b'}' => {
                if target == Some(depth) && b == b']' {
                    target = Some(usize::MAX); // done: later arrays are not it
                    expect_element = false;
                }
                depth = depth.saturating_sub(1);
            }
            b',' if target == Some(depth) => expect_element = true,
            b':' if depth == 1 => last_key = last_string.take(),
            b',' if depth == 1 => last_key = None,
            b' ' | b'\t' | b'\r' | b':' | b',' => {}
            _ => {
                // A number, true, false or null as an element.
                if expect_element && target == Some(depth) {
                    lines.push(line);
                    expect_element = false;
                }
            }
        }
        i += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_element_of_the_top_level_array_has_its_line() {
        let text =
            "[\n  {\"a\": [1, {\"b\": \"x\\\"]\"}]},\n  {\n    \"c\": \"line\\nbreak\"\n  },\n{}]";
        assert_eq!(element_lines(text, None), [2, 3, 6]);
        assert_eq!(element_lines("[]", None), Vec::<u32>::new());
        assert_eq!(element_lines("[1,\n2]", None), [1, 2]);
    }

    #[test]
    fn the_array_under_a_key_is_found_at_the_top_level_only() {
        let text = "{\"names\": {\"issues\": [9]}, \"x\": \"issues\", \"y\": [7],\n \"issues\": [\n {\"key\": \"A-1\"},\n {\"key\": \"A-2\"}\n ],\n \"more\": [{}]}";
        assert_eq!(element_lines(text, Some("issues")), [3, 4]);
    }

    #[test]
    fn hostile_nesting_costs_no_stack() {
        let deep = "[".repeat(1_000_000) + &"]".repeat(1_000_000);
        assert_eq!(element_lines(&deep, None), [1]);
    }
}
