//! A layered (Sugiyama-style) layout of a directed acyclic graph, for the
//! task graph on the HTML page.
//!
//! 1. **Layers** by longest path: a task with no remaining dependency is in
//!    layer 0, any other one layer after its latest dependency, so every
//!    edge points forward and a chain of work reads left to right.
//! 2. **Dummy vertices** split an edge that spans several layers into
//!    one-layer steps, so it can be routed around the tasks in between
//!    and take part in crossing reduction.
//! 3. **Ordering** within layers: start in input order, then [`SWEEPS`]
//!    rounds of the barycenter heuristic (each vertex moves to the mean
//!    position of its neighbours in the previous layer; down, then up),
//!    keeping the ordering with the fewest edge crossings seen. Ties keep
//!    the current order, so the result is deterministic. With groups (the
//!    task graph's goals), a layer is ordered by group first, so each
//!    group's vertices stay together.
//!
//! Cost: O(V + E) for layers, O(SWEEPS · (V + E) log V) for the ordering
//! and crossing counts, with V including dummies. The caller bounds the
//! graph ([`crate::graph::MAX_DRAWN_TASKS`]).

/// Barycenter rounds (each a downward and an upward sweep).
pub const SWEEPS: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Vertices `0..real` are the graph's nodes; the rest are dummies.
    pub real: usize,
    /// Each vertex's layer.
    pub layer: Vec<usize>,
    /// The vertices of each layer, in their final order.
    pub layers: Vec<Vec<usize>>,
    /// For each input edge that was laid out: the vertices from the
    /// dependency to the dependent, through the dummies between them.
    pub chains: Vec<Vec<usize>>,
    /// Edge crossings of the chosen ordering.
    pub crossings: usize,
}

impl Layout {
    /// Position of `vertex` within its layer.
    pub fn position(&self, vertex: usize) -> usize {
        self.layers[self.layer[vertex]]
            .iter()
            .position(|&v| v == vertex)
            .unwrap_or(0)
    }
}

/// Lays out `n` nodes with `edges` `(from, to)` (from before to).
///
/// Edges that would point backwards — only possible if the input has a
/// cycle, which the consistency check refuses — are left out rather than
/// looping the layout.
pub fn layered(n: usize, edges: &[(usize, usize)]) -> Layout {
    layered_in_groups(n, edges, &[])
}

/// [`layered`], keeping the nodes of each group together within every
/// layer (groups in ascending order; `group[v]`, 0 when absent). The task
/// graph groups by goal, so a goal's work reads as one band.
pub fn layered_in_groups(n: usize, edges: &[(usize, usize)], group: &[usize]) -> Layout {
    let layer_of = longest_path_layers(n, edges);
    let mut layer = layer_of.clone();
    let mut group: Vec<usize> = (0..n).map(|v| group.get(v).copied().unwrap_or(0)).collect();
    let mut chains = Vec::new();
    for &(from, to) in edges {
        if from >= n || to >= n || layer_of[to] <= layer_of[from] {
            continue;
        }
        let mut chain = vec![from];
        for l in layer_of[from] + 1..layer_of[to] {
            layer.push(l);
            group.push(group[to]);
            chain.push(layer.len() - 1);
        }
        chain.push(to);
        chains.push(chain);
    }
    let vertices = layer.len();
    let mut predecessors = vec![Vec::new(); vertices];
    let mut successors = vec![Vec::new(); vertices];
    for chain in &chains {
        for step in chain.windows(2) {
            successors[step[0]].push(step[1]);
            predecessors[step[1]].push(step[0]);
        }
    }
    let layer_count = layer.iter().max().map_or(0, |m| m + 1);
    let mut layers = vec![Vec::new(); layer_count];
    for (v, &l) in layer.iter().enumerate() {
        layers[l].push(v);
    }
    for vs in &mut layers {
        // Stable: input order within a group.
        vs.sort_by_key(|&v| group[v]);
    }
    let mut position = vec![0usize; vertices];
    let index = |layers: &Vec<Vec<usize>>, position: &mut Vec<usize>| {
        for vs in layers {
            for (p, &v) in vs.iter().enumerate() {
                position[v] = p;
            }
        }
    };
    index(&layers, &mut position);
    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, &successors, &position);
    for _ in 0..SWEEPS {
        for layer in layers.iter_mut().skip(1) {
            reorder(layer, &predecessors, &group, &mut position);
        }
        for layer in layers.iter_mut().rev().skip(1) {
            reorder(layer, &successors, &group, &mut position);
        }
        let c = crossings(&layers, &successors, &position);
        if c < best_crossings {
            best_crossings = c;
            best = layers.clone();
        }
        if best_crossings == 0 {
            break;
        }
    }
    Layout {
        real: n,
        layer,
        layers: best,
        chains,
        crossings: best_crossings,
    }
}

/// Layer 0 for sources, else one more than the deepest dependency.
fn longest_path_layers(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indegree = vec![0usize; n];
    let mut out = vec![Vec::new(); n];
    for &(from, to) in edges {
        if from < n && to < n && from != to {
            out[from].push(to);
            indegree[to] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut done = vec![false; n];
    let mut queue: std::collections::VecDeque<usize> =
        (0..n).filter(|&v| indegree[v] == 0).collect();
    while let Some(v) = queue.pop_front() {
        done[v] = true;
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    // Vertices on a cycle never reach indegree 0: put them after the rest.
    let mut next = layer.iter().max().map_or(0, |m| m + 1);
    for v in 0..n {
        if !done[v] {
            layer[v] = next;
            next += 1;
        }
    }
    layer
}

/// Sorts one layer by the barycenter of each vertex's `neighbours`
/// (vertices without neighbours keep their position as their key).
fn reorder(
    vertices: &mut [usize],
    neighbours: &[Vec<usize>],
    group: &[usize],
    position: &mut [usize],
) {
    let key = |v: usize| -> f64 {
        let ns = &neighbours[v];
        if ns.is_empty() {
            position[v] as f64
        } else {
            ns.iter().map(|&u| position[u] as f64).sum::<f64>() / ns.len() as f64
        }
    };
    let mut keyed: Vec<(usize, f64, usize, usize)> = vertices
        .iter()
        .map(|&v| (group[v], key(v), position[v], v))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (p, (_, _, _, v)) in keyed.into_iter().enumerate() {
        vertices[p] = v;
        position[v] = p;
    }
}

/// Edge crossings between all adjacent layers: for each pair of layers,
/// the inversions among the edges' lower ends once sorted by their upper
/// ends, counted with a Fenwick tree.
fn crossings(layers: &[Vec<usize>], successors: &[Vec<usize>], position: &[usize]) -> usize {
    let mut total = 0;
    for (l, upper) in layers.iter().enumerate() {
        let Some(lower) = layers.get(l + 1) else {
            break;
        };
        let mut ends: Vec<(usize, usize)> = upper
            .iter()
            .flat_map(|&u| {
                successors[u]
                    .iter()
                    .map(move |&w| (position[u], position[w]))
            })
            .collect();
        ends.sort_unstable();
        let mut tree = vec![0usize; lower.len() + 1];
        for (seen, &(_, p)) in ends.iter().enumerate() {
            // Edges seen so far that end at or left of p.
            let mut at_or_left = 0;
            let mut i = p + 1;
            while i > 0 {
                at_or_left += tree[i];
                i &= i - 1;
            }
            total += seen - at_or_left;
            let mut i = p + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_follow_the_longest_path() {
        // 0 → 1 → 2, and 0 → 2 directly: 2 must sit after 1.
        let layout = layered(3, &[(0, 1), (1, 2), (0, 2)]);
        assert_eq!(&layout.layer[..3], &[0, 1, 2]);
        // The long edge 0 → 2 got one dummy.
        assert_eq!(layout.layer.len(), 4);
        assert!(layout.chains.iter().any(|c| c.len() == 3));
        for chain in &layout.chains {
            for step in chain.windows(2) {
                assert_eq!(layout.layer[step[1]], layout.layer[step[0]] + 1);
            }
        }
    }

    #[test]
    fn barycenter_sweeps_remove_an_avoidable_crossing() {
        // Input order puts 2 above 3, but 0 → 3 and 1 → 2: crossed as given.
        let layout = layered(4, &[(0, 3), (1, 2)]);
        assert_eq!(layout.crossings, 0);
        assert!(layout.position(3) < layout.position(2));
    }

    #[test]
    fn groups_stay_together_within_a_layer() {
        // Four sources, alternating groups 1, 0, 1, 0.
        let layout = layered_in_groups(4, &[], &[1, 0, 1, 0]);
        assert_eq!(layout.layers[0], vec![1, 3, 0, 2]);
    }

    #[test]
    fn crossings_are_counted() {
        // K(2,2) cannot be drawn without one crossing between two layers.
        let layout = layered(4, &[(0, 2), (0, 3), (1, 2), (1, 3)]);
        assert_eq!(layout.crossings, 1);
    }

    #[test]
    fn the_layout_is_deterministic() {
        let edges: Vec<(usize, usize)> = (0..30)
            .flat_map(|i| [(i, (i * 7 + 3) % 40 + 40), (i, i + 1)])
            .filter(|(a, b)| a < b && *b < 70)
            .collect();
        assert_eq!(layered(70, &edges), layered(70, &edges));
    }

    #[test]
    fn a_cycle_does_not_loop_and_edges_still_point_forward() {
        let layout = layered(3, &[(0, 1), (1, 2), (2, 1)]);
        assert!(layout.chains.len() < 3, "the back edge is left out");
        for chain in &layout.chains {
            for step in chain.windows(2) {
                assert_eq!(layout.layer[step[1]], layout.layer[step[0]] + 1);
            }
        }
    }
}
