//! How many unfinished tasks wait on each task, directly or through others.
//!
//! Counting every task's descendants exactly is the transitive-closure
//! problem: no known algorithm does it in linear time, and the direct way
//! (a search from every task) is quadratic — minutes at 100,000 tasks. So
//! counts are computed with bottom-k sketches (E. Cohen, "Size-estimation
//! framework with applications to transitive closure and reachability",
//! JCSS 1997):
//!
//! * every task gets a pseudo-random 64-bit rank, the XXH3 hash of its id
//!   (so a task's rank depends on nothing but its id: not on input order,
//!   platform or run);
//! * in reverse topological order, the sketch of a task is the
//!   [`SKETCH_SIZE`] smallest ranks among itself and everything waiting on
//!   it — the union of its unfinished dependents' sketches plus its own rank;
//! * the union of the dependents' sketches holds *every* waiting task when
//!   there are fewer than [`SKETCH_SIZE`] of them, so small counts (up to
//!   63) are **exact**; for larger ones the count is estimated as
//!   `(k - 1) / u_k`, where `u_k` is the k-th smallest rank scaled to (0, 1],
//!   with a relative standard error of about `1/sqrt(k - 2)` ≈ 13 %, and is
//!   flagged as estimated.
//!
//! Time is `O(k · (tasks + dependencies))`; a sketch is freed as soon as
//! every task that reads it has, so memory stays near the graph's width.
//! Only unfinished tasks take part: a finished task waits on nothing, and a
//! task reached only through a finished one does not wait on this one.

use vpm_model::graph::TaskGraph;
use xxhash_rust::xxh3::xxh3_64;

/// Ranks kept per sketch: counts below this are exact.
pub const SKETCH_SIZE: usize = 64;

/// How many unfinished tasks wait on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WaitingCount {
    pub count: u32,
    /// The count is an estimate (it is at least [`SKETCH_SIZE`]).
    pub estimated: bool,
}

/// The waiting count of every node; finished nodes count 0.
///
/// `order` is a topological order of `graph` (dependencies first) and
/// `finished[t]` says whether task `t` is done.
pub fn waiting_counts(
    graph: &TaskGraph<'_>,
    order: &[usize],
    finished: &[bool],
) -> Vec<WaitingCount> {
    let n = graph.len();
    let unfinished_total = finished.iter().filter(|f| !**f).count();
    let mut counts = vec![WaitingCount::default(); n];
    let mut sketches: Vec<Vec<u64>> = vec![Vec::new(); n];
    // How many unfinished tasks still have to read each sketch.
    let mut readers: Vec<u32> = (0..n)
        .map(|t| graph.deps(t).iter().filter(|&&d| !finished[d]).count() as u32)
        .collect();
    let mut union = Vec::with_capacity(SKETCH_SIZE);
    let mut scratch = Vec::with_capacity(SKETCH_SIZE);
    for &t in order.iter().rev() {
        if finished[t] {
            continue;
        }
        union.clear();
        for &s in graph.dependents(t) {
            if finished[s] {
                continue;
            }
            merge_into(&union, &sketches[s], &mut scratch);
            std::mem::swap(&mut union, &mut scratch);
            readers[s] = readers[s].saturating_sub(1);
            if readers[s] == 0 {
                sketches[s] = Vec::new();
            }
        }
        counts[t] = estimate(&union, unfinished_total.saturating_sub(1));
        if readers[t] > 0 {
            let own = [xxh3_64(graph.id(t).as_bytes())];
            merge_into(&union, &own, &mut scratch);
            sketches[t] = scratch.clone();
        }
    }
    counts
}

/// `out` = the `SKETCH_SIZE` smallest distinct values of two sorted lists.
fn merge_into(a: &[u64], b: &[u64], out: &mut Vec<u64>) {
    out.clear();
    let (mut i, mut j) = (0, 0);
    while out.len() < SKETCH_SIZE {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(&x), Some(&y)) if y < x => {
                j += 1;
                y
            }
            (Some(&x), Some(_)) => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        out.push(next);
    }
}

fn estimate(union: &[u64], at_most: usize) -> WaitingCount {
    if union.len() < SKETCH_SIZE {
        return WaitingCount {
            count: union.len() as u32,
            estimated: false,
        };
    }
    // The k-th smallest of n uniform ranks sits near k / n.
    let kth = (union[SKETCH_SIZE - 1] as f64 + 1.0) / 18_446_744_073_709_551_616.0; // 2^64
    let estimate = ((SKETCH_SIZE - 1) as f64 / kth).round();
    let clamped = estimate.clamp(SKETCH_SIZE as f64, at_most.max(SKETCH_SIZE) as f64);
    WaitingCount {
        count: clamped.min(f64::from(u32::MAX)) as u32,
        estimated: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The exact count, by a search from every node: quadratic, for tests.
    fn exact(graph: &TaskGraph<'_>, finished: &[bool]) -> Vec<u32> {
        (0..graph.len())
            .map(|t| {
                if finished[t] {
                    return 0;
                }
                let mut seen = vec![false; graph.len()];
                let mut stack = vec![t];
                let mut count = 0;
                while let Some(v) = stack.pop() {
                    for &s in graph.dependents(v) {
                        if !finished[s] && !seen[s] {
                            seen[s] = true;
                            count += 1;
                            stack.push(s);
                        }
                    }
                }
                count
            })
            .collect()
    }

    fn build(names: &[String], deps: &[Vec<usize>]) -> TaskGraph<'static> {
        let names: Vec<&'static str> = names
            .iter()
            .map(|n| &*Box::leak(n.clone().into_boxed_str()))
            .collect();
        TaskGraph::new(
            names
                .iter()
                .zip(deps)
                .map(|(n, d)| (*n, d.iter().map(|&i| names[i]).collect::<Vec<_>>())),
        )
        .0
    }

    proptest! {
        /// Small graphs never reach the sketch size: every count is exact.
        #[test]
        fn small_counts_are_exact(
            n in 1usize..60,
            edges in proptest::collection::vec((0usize..60, 0usize..60), 0..200),
            done in proptest::collection::vec(any::<bool>(), 60),
        ) {
            let names: Vec<String> = (0..n).map(|i| format!("T-{i}")).collect();
            let mut deps = vec![Vec::new(); n];
            for (a, b) in edges {
                let (a, b) = (a % n, b % n);
                if a > b { deps[a].push(b); }
            }
            let g = build(&names, &deps);
            let order = g.topological_order().unwrap();
            let finished = &done[..n];
            let got = waiting_counts(&g, &order, finished);
            let want = exact(&g, finished);
            for t in 0..n {
                prop_assert!(!got[t].estimated);
                prop_assert_eq!(got[t].count, want[t], "task {}", t);
            }
        }
    }

    #[test]
    fn large_counts_are_estimated_close_to_the_truth() {
        // 3000 tasks in a diamond-rich layered graph: every task waits on
        // T-0, and many wait on hundreds of others through several paths.
        let n = 3000;
        let names: Vec<String> = (0..n).map(|i| format!("T-{i}")).collect();
        let deps: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                if i == 0 {
                    vec![]
                } else {
                    vec![(i - 1) / 2, (i - 1) / 3]
                }
            })
            .collect();
        let g = build(&names, &deps);
        let order = g.topological_order().unwrap();
        let finished = vec![false; n];
        let got = waiting_counts(&g, &order, &finished);
        let want = exact(&g, &finished);
        let mut errors = Vec::new();
        for t in 0..n {
            if want[t] >= SKETCH_SIZE as u32 {
                assert!(got[t].estimated, "T-{t} has {} waiting", want[t]);
                errors.push(
                    (f64::from(got[t].count) - f64::from(want[t])).abs() / f64::from(want[t]),
                );
            } else {
                assert_eq!(
                    got[t],
                    WaitingCount {
                        count: want[t],
                        estimated: false
                    }
                );
            }
        }
        assert!(errors.len() > 20, "the test must exercise estimates");
        let mean = errors.iter().sum::<f64>() / errors.len() as f64;
        assert!(mean < 0.2, "mean relative error {mean}");
        assert!(
            got[0].count <= 2999 && got[0].count > 2000,
            "T-0: {}",
            got[0].count
        );
    }
}
