//! `--open`: show a file in the person's browser.
//!
//! `$BROWSER` first, as `man`, `git web--browse` and Python's `webbrowser`
//! read it: a `:`-separated list of commands tried in order, each split on
//! whitespace (no shell), with `%s` replaced by the file or, without `%s`,
//! the file appended. Without `$BROWSER`, the desktop's opener: `xdg-open`
//! on Linux and the BSDs, `open` on macOS.
//!
//! The command is waited for: a terminal browser (`w3m`, `lynx`) needs the
//! terminal until it quits, and a desktop opener returns at once.

use std::path::Path;
use std::process::Command;

/// Opens `file`; the error says every command tried and how it failed.
pub fn open(file: &Path) -> Result<(), String> {
    let target = file.display().to_string();
    let commands: Vec<Vec<String>> = match std::env::var("BROWSER") {
        Ok(list) if !list.trim().is_empty() => list
            .split(':')
            .map(|entry| expand(entry, &target))
            .filter(|argv| !argv.is_empty())
            .collect(),
        _ => vec![vec![default_opener().to_owned(), target.clone()]],
    };
    let mut tried = Vec::new();
    for argv in commands {
        let shown = argv.join(" ");
        match Command::new(&argv[0]).args(&argv[1..]).status() {
            Ok(status) if status.success() => return Ok(()),
            Ok(status) => tried.push(format!("`{shown}` exited with {status}")),
            Err(e) => tried.push(format!("`{shown}` could not run: {e}")),
        }
    }
    Err(tried.join("; "))
}

/// One `$BROWSER` entry as a command line for `target`.
fn expand(entry: &str, target: &str) -> Vec<String> {
    let mut argv: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
    if argv.is_empty() {
        return argv;
    }
    if argv.iter().any(|a| a.contains("%s")) {
        for arg in &mut argv {
            *arg = arg.replace("%s", target);
        }
    } else {
        argv.push(target.to_owned());
    }
    argv
}

fn default_opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_entries_take_the_file_in_place_of_percent_s_or_at_the_end() {
        assert_eq!(
            expand("firefox --new-tab", "/t/a.html"),
            ["firefox", "--new-tab", "/t/a.html"]
        );
        assert_eq!(
            expand("w3m -dump %s", "/t/a.html"),
            ["w3m", "-dump", "/t/a.html"]
        );
        assert!(expand("  ", "/t/a.html").is_empty());
    }
}
