//! When will each goal finish at the pace the team has shown? A Monte
//! Carlo forecast, seeded so anyone can recompute it from the signed record.
//!
//! **Throughput** is counted in effort days ([`ThroughputUnit::EffortDays`]):
//! a done task adds its planned effort (S 1, M 3, L 8) to the week of its
//! done date. Weeks end on the as-of date: week *k* (0 = this week) covers
//! `as_of − 7k − 6 ..= as_of − 7k`. The observed weeks run from the week of
//! the earliest done date (at most [`WEEKS_OBSERVED`] weeks back; older done
//! dates and done dates after the as-of date are not counted) to this
//! week, weeks with nothing done included. Tasks without a done date are
//! not counted.
//!
//! **Too little history.** With fewer than [`MIN_WEEKS`] observed weeks, or
//! nothing done in them, no date is given: every open goal says why
//! (`insufficient`) instead of guessing.
//!
//! **Remaining work** of a goal is the effort of its open tasks. Done goals
//! are left out of the forecast (they need none). An open goal with no open
//! task (only unmet criteria) gets no date: its remaining work has no effort
//! to forecast.
//!
//! **Order.** The team is assumed to finish the open goals one after the
//! other, by due date (undated last), then by id: a goal's finish counts
//! the remaining work of every goal before it.
//!
//! **One trial** draws each future week's throughput uniformly from the
//! observed weeks (a bootstrap) and burns the cumulative remaining work
//! week by week. A goal finishes in the week its cumulative remaining work
//! is reached, interpolated within that week: with `W` whole weeks before,
//! `r` effort days still to go at the start of that week and `t` drawn for
//! it, the finish is `as_of + 7W + ⌈7r / t⌉` days (exact integer
//! arithmetic). So a constant throughput `c` forecasts exactly
//! `as_of + ⌈7R / c⌉` for the first goal. A trial stops after
//! [`MAX_WEEKS`] weeks; a goal not finished by then does not finish in
//! that trial.
//!
//! **Percentiles.** Over the trials' finish dates sorted ascending (a trial
//! that never finishes sorts last), P*p* is the one at 1-based rank
//! ⌈*p* · N / 100⌉ (the nearest-rank rule). When it falls on a trial that
//! never finished, the date is absent and `insufficient` says so. The
//! on-time probability is the share of trials finishing on or before the
//! goal's due date.
//!
//! **Seed.** The first 8 bytes, big-endian, of SHA-256(`"vpm-forecast-v1\0"`
//! ‖ project id ‖ `"\0"` ‖ as-of date as `YYYY-MM-DD`), written as 16 hex
//! digits; the generator is SplitMix64 with Lemire's unbiased bounded draws
//! (`rng.rs`), trial after trial, week after week.

use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};
use vpm_model::history::{Forecast, GoalForecast, TaskLine, TaskState, ThroughputUnit};
use vpm_model::plan::GoalStatus;
use vpm_model::snapshot::GoalView;

use crate::rng::SplitMix64;

/// Trials of a snapshot's forecast.
pub const DEFAULT_TRIALS: u32 = 10_000;
/// Done dates older than this many weeks are not counted.
pub const WEEKS_OBSERVED: usize = 26;
/// Fewer observed weeks than this give no forecast.
pub const MIN_WEEKS: usize = 3;
/// A trial stops after this many weeks (ten years).
pub const MAX_WEEKS: u32 = 520;

/// The Monte Carlo forecast of every open goal of `goals` (the snapshot's
/// goal views), from the done dates and open work of `ledger`. `None` when
/// no goal is open. See the module documentation for the model.
pub fn forecast(
    project_id: &str,
    as_of: NaiveDate,
    ledger: &[TaskLine],
    goals: &[&GoalView],
    trials: u32,
) -> Option<Forecast> {
    let mut open: Vec<&GoalView> = goals
        .iter()
        .copied()
        .filter(|g| g.status != GoalStatus::Done)
        .collect();
    if open.is_empty() {
        return None;
    }
    open.sort_by(|a, b| match (a.due, b.due) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    });
    open.dedup_by(|a, b| a.id == b.id);

    let weekly = weekly_throughput(as_of, ledger);
    let remaining: Vec<u64> = open
        .iter()
        .map(|g| remaining_effort(ledger, &g.id))
        .collect();
    let seed = seed(project_id, as_of);

    let too_little = too_little_history(&weekly, trials);
    let mut forecasts: Vec<GoalForecast> = open
        .iter()
        .zip(&remaining)
        .map(|(goal, &left)| GoalForecast {
            goal: goal.id.clone(),
            remaining: left as f64,
            p50: None,
            p85: None,
            on_time_probability: None,
            insufficient: too_little.clone().or_else(|| {
                (left == 0).then(|| {
                    "no open task: what remains (acceptance criteria) has no effort to forecast"
                        .to_owned()
                })
            }),
        })
        .collect();

    if too_little.is_none() {
        let finishes = simulate(&weekly, &remaining, trials, seed);
        for ((forecast, goal), mut days) in forecasts.iter_mut().zip(&open).zip(finishes) {
            if forecast.insufficient.is_some() {
                continue;
            }
            let due_in = goal.due.map(|due| (due - as_of).num_days());
            if let Some(due_in) = due_in {
                let on_time = days
                    .iter()
                    .filter(|&&d| d != NEVER && i64::from(d) <= due_in)
                    .count();
                forecast.on_time_probability = Some(on_time as f64 / f64::from(trials));
            }
            let p50 = percentile(&mut days, 50);
            let p85 = percentile(&mut days, 85);
            forecast.p50 = p50.and_then(|d| as_of.checked_add_days(Days::new(u64::from(d))));
            forecast.p85 = p85.and_then(|d| as_of.checked_add_days(Days::new(u64::from(d))));
            if forecast.p50.is_none() || forecast.p85.is_none() {
                let share = if forecast.p50.is_none() { 50 } else { 15 };
                forecast.insufficient = Some(format!(
                    "in at least {share}% of runs it does not finish within {MAX_WEEKS} weeks at this pace"
                ));
            }
        }
    }

    Some(Forecast {
        unit: ThroughputUnit::EffortDays,
        weekly_throughput: weekly.iter().map(|&t| t as f64).collect(),
        trials: if too_little.is_some() { 0 } else { trials },
        seed: format!("{seed:016x}"),
        order: open.iter().map(|g| g.id.clone()).collect(),
        goals: forecasts,
    })
}

/// Why there can be no forecast, or `None` when there can.
fn too_little_history(weekly: &[u64], trials: u32) -> Option<String> {
    let weeks = weekly.len();
    if weeks < MIN_WEEKS {
        let of = if weeks == 1 { "week" } else { "weeks" };
        return Some(format!("{weeks} {of} of done dates, {MIN_WEEKS} needed"));
    }
    if weekly.iter().all(|&t| t == 0) {
        return Some(format!("nothing was done in the last {weeks} weeks"));
    }
    if trials == 0 {
        return Some("no trials were asked for".to_owned());
    }
    None
}

/// Effort days done per week, oldest first, the last week ending on `as_of`.
fn weekly_throughput(as_of: NaiveDate, ledger: &[TaskLine]) -> Vec<u64> {
    let mut weeks = [0u64; WEEKS_OBSERVED];
    let mut oldest: Option<usize> = None;
    for line in ledger {
        if line.state != TaskState::Done {
            continue;
        }
        let Some(done_on) = line.done_on else {
            continue;
        };
        let back = (as_of - done_on).num_days();
        if back < 0 {
            continue;
        }
        let week = (back / 7) as usize;
        if week >= WEEKS_OBSERVED {
            continue;
        }
        weeks[week] = weeks[week].saturating_add(u64::from(line.effort_days));
        oldest = Some(oldest.map_or(week, |o: usize| o.max(week)));
    }
    match oldest {
        None => Vec::new(),
        Some(oldest) => weeks[..=oldest].iter().rev().copied().collect(),
    }
}

fn remaining_effort(ledger: &[TaskLine], goal: &str) -> u64 {
    ledger
        .iter()
        .filter(|l| l.goal == goal && l.state != TaskState::Done)
        .fold(0u64, |sum, l| sum.saturating_add(u64::from(l.effort_days)))
}

/// The forecast's seed (see the module documentation).
pub fn seed(project_id: &str, as_of: NaiveDate) -> u64 {
    let mut hash = Sha256::new();
    hash.update(b"vpm-forecast-v1\0");
    hash.update(project_id.as_bytes());
    hash.update(b"\0");
    hash.update(as_of.format("%Y-%m-%d").to_string().as_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// A trial in which the goal did not finish within [`MAX_WEEKS`].
const NEVER: u32 = u32::MAX;

/// Days from the as-of date to each goal's finish, per goal, per trial.
/// Goals with nothing remaining are simulated too (they finish with the
/// goal before them) but their results are not used.
fn simulate(weekly: &[u64], remaining: &[u64], trials: u32, seed: u64) -> Vec<Vec<u32>> {
    let goals = remaining.len();
    // Cumulative remaining work: goal i is done when this much is burnt.
    let mut targets = Vec::with_capacity(goals);
    let mut sum = 0u64;
    for &r in remaining {
        sum = sum.saturating_add(r);
        targets.push(sum);
    }
    let mut finishes: Vec<Vec<u32>> = (0..goals)
        .map(|_| Vec::with_capacity(trials as usize))
        .collect();
    let mut rng = SplitMix64::new(seed);
    let weeks = weekly.len() as u64;
    for _ in 0..trials {
        let mut burnt = 0u64;
        let mut next = 0;
        let mut week = 0u32;
        while next < goals && targets[next] <= burnt {
            finishes[next].push(0);
            next += 1;
        }
        while next < goals && week < MAX_WEEKS {
            let drawn = weekly.get(rng.below(weeks) as usize).copied().unwrap_or(0);
            let after = burnt.saturating_add(drawn);
            while next < goals && targets[next] <= after {
                // drawn > 0 here: targets[next] > burnt.
                let to_go = targets[next] - burnt;
                let within = (7 * u128::from(to_go)).div_ceil(u128::from(drawn.max(1)));
                let days = u128::from(week) * 7 + within;
                finishes[next].push(u32::try_from(days).unwrap_or(NEVER));
                next += 1;
            }
            burnt = after;
            week += 1;
        }
        for unfinished in finishes.iter_mut().skip(next) {
            unfinished.push(NEVER);
        }
    }
    finishes
}

/// The nearest-rank percentile: the value at 1-based rank ⌈p·N/100⌉ of the
/// sorted values; `None` when that is a trial that never finished.
fn percentile(days: &mut [u32], p: u64) -> Option<u32> {
    let n = days.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).max(1);
    let index = usize::try_from(rank - 1).ok()?;
    let (_, value, _) = days.select_nth_unstable(index);
    (*value != NEVER).then_some(*value)
}

/// The sentence a goal's status reasons gain from the forecast, e.g.
/// "forecast: P50 2026-12-11, P85 2026-12-18, 6 days after the due date
/// (on time in 42% of 10,000 runs)", or "no forecast yet: 1 week of done
/// dates, 3 needed". `None` when the forecast does not cover the goal.
pub fn forecast_reason(forecast: &Forecast, goal: &GoalView) -> Option<String> {
    let entry = forecast.goals.iter().find(|g| g.goal == goal.id)?;
    let runs = thousands(forecast.trials);
    match (entry.p50, entry.p85) {
        (Some(p50), Some(p85)) => {
            let Some(due) = goal.due else {
                return Some(format!("forecast: P50 {p50}, P85 {p85} ({runs} runs)"));
            };
            let gap = (p85 - due).num_days();
            let against = match gap {
                0 => "on the due date".to_owned(),
                1 => "1 day after the due date".to_owned(),
                -1 => "1 day before the due date".to_owned(),
                d if d > 0 => format!("{d} days after the due date"),
                d => format!("{} days before the due date", d.unsigned_abs()),
            };
            let share = entry
                .on_time_probability
                .map(|p| format!(" (on time in {} of {runs} runs)", percent(p)))
                .unwrap_or_default();
            Some(format!("forecast: P50 {p50}, P85 {p85}, {against}{share}"))
        }
        (Some(p50), None) => Some(format!(
            "forecast: P50 {p50}; no P85: {}",
            entry.insufficient.as_deref().unwrap_or("too uncertain")
        )),
        _ => Some(format!(
            "no forecast yet: {}",
            entry
                .insufficient
                .as_deref()
                .unwrap_or("too little history")
        )),
    }
}

/// A share as a whole percentage that never rounds a possibility away.
fn percent(p: f64) -> String {
    let rounded = (p * 100.0).round();
    if p > 0.0 && rounded < 1.0 {
        "less than 1%".to_owned()
    } else if p < 1.0 && rounded > 99.0 {
        "more than 99%".to_owned()
    } else if p.is_finite() {
        format!("{}%", rounded.clamp(0.0, 100.0) as u32)
    } else {
        "an unknown share".to_owned()
    }
}

/// 10000 → "10,000".
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
