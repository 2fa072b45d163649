//! Curation time and throughput for a generated project of 10,000 tasks
//! (with dependencies) and about 1 MB of Markdown (state note and weekly
//! reports, English and Japanese, with repeated and reworded statements).
//!
//! ```text
//! cargo run --release -p curator --example bench_curator [-- RUNS]
//! ```
//!
//! Prints a Markdown table: the median, fastest and slowest of RUNS runs
//! (default 9) of `curator::curate` on one thread, for the whole project and
//! for its YAML and Markdown halves alone. Besides wall-clock time it shows
//! the thread's CPU time, which a busy machine (other builds sharing the
//! cores) inflates much less.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]
// One call to clock_gettime(2), for the CPU time of this thread.
#![allow(unsafe_code)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use curator::{Limits, curate};
use vpm_model::bundle::BundleVersion;
use vpm_model::{Bundle, SourceFile};

const TASKS: usize = 10_000;
const GOALS: usize = 20;
const DECISIONS: usize = 50;
const MARKDOWN_BYTES: usize = 1_000_000;

/// xorshift64*: a fixed, dependency-free sequence, so every run and every
/// machine benchmarks the same project.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn project_yaml() -> String {
    let mut s =
        String::from("id: bench\nname: Generated benchmark project\nas_of: 2026-11-23\ngoals:\n");
    for g in 1..=GOALS {
        let _ = write!(
            s,
            "  - id: G{g}\n    title: Goal number {g}\n    horizon: {}\n    due: 2027-0{}-15\n    acceptance:\n",
            if g % 2 == 0 { "mid" } else { "short" },
            1 + g % 9
        );
        for c in 1..=4 {
            let _ = writeln!(
                s,
                "      - \"{}Criterion {c} of goal {g} holds\"",
                if c == 1 { "[x] " } else { "" }
            );
        }
    }
    s
}

fn tasks_yaml(rng: &mut Rng) -> String {
    const STATUSES: &[&str] = &["todo", "in_progress", "done", "blocked"];
    const LEVELS: &[&str] = &["high", "medium", "low"];
    const EFFORTS: &[&str] = &["S", "M", "L"];
    const OWNERS: &[&str] = &["Aiko", "Kenji", "Jonas", "Mira", "Yuki", "佐藤", "Lena"];
    let mut s = String::from("tasks:\n");
    for t in 1..=TASKS {
        let _ = write!(
            s,
            "  - id: T{t}\n    title: Task {t}, part of the {} work\n    goal: G{}\n    status: {}\n",
            ["sync", "map", "billing", "onboarding", "翻訳"][t % 5],
            1 + rng.below(GOALS),
            rng.pick(STATUSES)
        );
        // Up to three dependencies on earlier tasks: a DAG, like a real plan.
        let deps: Vec<String> = (0..rng.below(4))
            .filter(|_| t > 1)
            .map(|_| format!("T{}", 1 + rng.below(t - 1)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !deps.is_empty() {
            let _ = writeln!(s, "    depends_on: [{}]", deps.join(", "));
        }
        let _ = write!(
            s,
            "    criticality: {}\n    effort: {}\n    risk: {}\n    due: 2027-{:02}-{:02}\n    owner: {}\n",
            rng.pick(LEVELS),
            rng.pick(EFFORTS),
            rng.pick(LEVELS),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.pick(OWNERS)
        );
    }
    s
}

/// A lexicon of pseudo-words and a pool of Japanese characters, drawn with
/// a Zipf-like skew (a few words very common, most rare), so that unrelated
/// generated statements share about as little as unrelated real ones do.
struct Lexicon {
    words: Vec<String>,
    kana_kanji: Vec<char>,
}

impl Lexicon {
    fn new(rng: &mut Rng) -> Self {
        const SYLLABLES: &[&str] = &[
            "ka", "to", "ri", "en", "sta", "ing", "mo", "der", "lu", "pro", "sy", "nc", "map",
            "ti", "le", "ber", "lin", "ko", "ver", "ex", "port", "al", "de", "mi", "ra", "on",
            "ship", "fix", "test", "ed",
        ];
        const COMMON: &[&str] = &[
            "the", "of", "and", "to", "in", "is", "for", "on", "with", "we", "it", "this", "that",
            "now", "still", "not", "be", "by", "as", "at",
        ];
        let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
        while words.len() < 6_000 {
            let n = 1 + rng.below(3);
            words.push((0..n).map(|_| rng.pick(SYLLABLES)).collect());
        }
        let kana_kanji = "のにはをたがでてとしれさあいうえおかきくけこ同期地図翻訳共有決済検索写真音声通知設定完了遅延修正確認予定問題改善追加削除変更対応開始終了担当残件東京大阪"
            .chars()
            .collect();
        Self { words, kana_kanji }
    }

    /// An index skewed towards 0: the square of a uniform draw.
    fn skewed(rng: &mut Rng, n: usize) -> usize {
        let u = rng.below(n);
        u * u / n
    }

    fn sentence(&self, rng: &mut Rng) -> String {
        if rng.below(5) == 0 {
            let n = 12 + rng.below(30);
            let mut s: String = (0..n)
                .map(|_| self.kana_kanji[Self::skewed(rng, self.kana_kanji.len())])
                .collect();
            s.push('。');
            return s;
        }
        let n = 6 + rng.below(14);
        let mut words: Vec<&str> = (0..n)
            .map(|_| self.words[Self::skewed(rng, self.words.len())].as_str())
            .collect();
        if rng.below(3) == 0 {
            words.push("T-");
        }
        let mut s = words.join(" ");
        if s.ends_with("T-") {
            s.push_str(&rng.below(10_000).to_string());
        }
        s.push('.');
        s
    }
}

fn markdown(rng: &mut Rng, lexicon: &Lexicon) -> Vec<SourceFile> {
    const SECTIONS: &[&str] = &[
        "Done",
        "In progress",
        "Risks and blockers",
        "Next week",
        "リスク",
    ];
    let mut files = Vec::new();
    let mut recent: Vec<String> = Vec::new();
    let mut total = 0;
    let mut week = 0;
    while total < MARKDOWN_BYTES {
        week += 1;
        let date =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(7 * week);
        let mut text = format!("---\ndate: {date}\nauthor: bench\n---\n# Weekly report {week}\n");
        for section in SECTIONS {
            let _ = write!(text, "\n## {section}\n\n");
            for _ in 0..8 {
                let line = match rng.below(20) {
                    // Repeated verbatim from an earlier week: merged.
                    0 if !recent.is_empty() => recent[rng.below(recent.len())].clone(),
                    // Reworded slightly: flagged as a near-duplicate.
                    1 if !recent.is_empty() => {
                        let earlier = &recent[rng.below(recent.len())];
                        format!("{earlier} (still)")
                    }
                    _ => lexicon.sentence(rng),
                };
                let _ = writeln!(text, "- {line}");
                recent.push(line);
                if recent.len() > 200 {
                    recent.remove(0);
                }
            }
            let _ = writeln!(
                text,
                "\n{} {}",
                lexicon.sentence(rng),
                lexicon.sentence(rng)
            );
        }
        total += text.len();
        files.push(SourceFile {
            path: format!("reports/{date}.md"),
            content: text,
        });
    }
    let mut state = String::from("---\ndate: 2026-11-23\n---\n# State\n");
    for g in 1..=GOALS {
        let _ = write!(
            state,
            "\n## Goal {g}\n\n- {}\n- {}\n",
            lexicon.sentence(rng),
            lexicon.sentence(rng)
        );
    }
    files.push(SourceFile {
        path: "state.md".to_owned(),
        content: state,
    });
    files
}

fn decisions(rng: &mut Rng, lexicon: &Lexicon) -> Vec<SourceFile> {
    (1..=DECISIONS)
        .map(|d| SourceFile {
            path: format!("decisions/{d:04}.yaml"),
            content: format!(
                "id: D{d}\ndate: 2026-0{}-1{}\ndecision: {}\nrationale: {}\nlinks: [G{}, T{}]\n",
                1 + d % 9,
                d % 10,
                lexicon.sentence(rng),
                lexicon.sentence(rng),
                1 + rng.below(GOALS),
                1 + rng.below(TASKS)
            ),
        })
        .collect()
}

fn bundle(sources: Vec<SourceFile>) -> Bundle {
    Bundle {
        schema_version: BundleVersion::Current,
        project_id: "bench".to_owned(),
        as_of: None,
        sources,
    }
}

struct Row {
    name: &'static str,
    bytes: usize,
    times: Vec<Duration>,
    cpu: Vec<Duration>,
    facts: String,
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which `ts` is.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn measure(name: &'static str, bundle: &Bundle, runs: usize) -> Row {
    let limits = Limits::default();
    let bytes = bundle.sources.iter().map(|s| s.content.len()).sum();
    let set = curate(bundle, "0af7651916cd43dd8448eb211c80319c", &limits)
        .expect("the generated project is valid");
    let near = set
        .warnings
        .iter()
        .filter(|w| w.code == "near_duplicate")
        .count();
    let merged: usize = set.statements.iter().map(|s| s.sources.len() - 1).sum();
    let facts = format!(
        "{} tasks, {} relations, {} statements ({merged} merged, {near} near-dup.)",
        set.tasks.len(),
        set.relations.len(),
        set.statements.len()
    );
    let (mut times, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..runs)
        .map(|_| {
            let (started, cpu_started) = (Instant::now(), thread_cpu_time());
            let set = curate(bundle, "0af7651916cd43dd8448eb211c80319c", &limits);
            let elapsed = (started.elapsed(), thread_cpu_time() - cpu_started);
            assert!(set.is_ok());
            elapsed
        })
        .unzip();
    times.sort();
    cpu.sort();
    Row {
        name,
        bytes,
        times,
        cpu,
        facts,
    }
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let project = SourceFile {
        path: "project.yaml".to_owned(),
        content: project_yaml(),
    };
    let tasks = SourceFile {
        path: "tasks.yaml".to_owned(),
        content: tasks_yaml(&mut rng),
    };
    let lexicon = Lexicon::new(&mut rng);
    let markdown = markdown(&mut rng, &lexicon);
    let decisions = decisions(&mut rng, &lexicon);

    let mut all = vec![project.clone(), tasks.clone()];
    all.extend(decisions.iter().cloned());
    all.extend(markdown.iter().cloned());
    let mut yaml_only = vec![project.clone(), tasks];
    yaml_only.extend(decisions);
    let mut markdown_only = vec![project];
    markdown_only.extend(markdown);

    let rows = [
        measure("whole project", &bundle(all), runs),
        measure(
            "YAML only (project, tasks, decisions)",
            &bundle(yaml_only),
            runs,
        ),
        measure(
            "Markdown only (state, reports)",
            &bundle(markdown_only),
            runs,
        ),
    ];
    println!("curator::curate, {runs} runs each, one thread\n");
    println!(
        "| input | bytes | median | fastest | slowest | CPU (median) | throughput (median) | facts |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        let median = row.times[row.times.len() / 2];
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} MB/s | {} |",
            row.name,
            row.bytes,
            ms(median),
            ms(row.times[0]),
            ms(row.times[row.times.len() - 1]),
            ms(row.cpu[row.cpu.len() / 2]),
            row.bytes as f64 / 1e6 / median.as_secs_f64(),
            row.facts
        );
    }
}
