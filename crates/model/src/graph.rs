//! The task dependency graph: indices, topological order and cycles.
//!
//! Shared by the curator (which rejects cycles with their locations) and
//! the planner (which orders, ranks and finds critical paths). Everything
//! here is linear in tasks + edges, and deterministic: ties are broken by
//! the order tasks were given in, never by hashing.

use std::collections::HashMap;

/// Tasks as nodes `0..n`, with edges from a task to each task it depends on.
#[derive(Debug, Clone)]
pub struct TaskGraph<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// `deps[t]`: the tasks `t` depends on, in the order written.
    deps: Vec<Vec<usize>>,
    /// `dependents[t]`: the tasks that depend on `t`.
    dependents: Vec<Vec<usize>>,
}

/// A `depends_on` entry naming no known task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDependency<'a> {
    /// The task whose `depends_on` names it.
    pub task: usize,
    /// Position in that task's `depends_on` list.
    pub position: usize,
    pub missing: &'a str,
}

impl<'a> TaskGraph<'a> {
    /// Builds the graph from `(id, depends_on)` pairs.
    ///
    /// The first task with a given id wins (duplicates are the caller's to
    /// report). Unknown dependencies are left out of the graph and returned;
    /// a dependency listed twice counts once.
    pub fn new<I, D>(tasks: I) -> (Self, Vec<UnknownDependency<'a>>)
    where
        I: IntoIterator<Item = (&'a str, D)>,
        D: IntoIterator<Item = &'a str>,
    {
        let tasks: Vec<(&'a str, Vec<&'a str>)> = tasks
            .into_iter()
            .map(|(id, deps)| (id, deps.into_iter().collect()))
            .collect();
        let mut index = HashMap::with_capacity(tasks.len());
        let mut ids = Vec::with_capacity(tasks.len());
        // `first[i]`: whether input position `i` is the first with its id.
        let mut first = Vec::with_capacity(tasks.len());
        for (id, _) in &tasks {
            let mut is_first = false;
            index.entry(*id).or_insert_with(|| {
                is_first = true;
                ids.push(*id);
                ids.len() - 1
            });
            first.push(is_first);
        }
        let mut deps = vec![Vec::new(); ids.len()];
        let mut dependents = vec![Vec::new(); ids.len()];
        let mut unknown = Vec::new();
        let mut seen = vec![false; ids.len()];
        for ((id, task_deps), is_first) in tasks.iter().zip(first) {
            if !is_first {
                continue; // a later duplicate of an id already placed
            }
            let t = index[id];
            for (position, dep) in task_deps.iter().enumerate() {
                match index.get(dep) {
                    Some(&d) if !seen[d] => {
                        seen[d] = true;
                        deps[t].push(d);
                        dependents[d].push(t);
                    }
                    Some(_) => {}
                    None => unknown.push(UnknownDependency {
                        task: t,
                        position,
                        missing: dep,
                    }),
                }
            }
            for &d in &deps[t] {
                seen[d] = false;
            }
        }
        (
            Self {
                ids,
                index,
                deps,
                dependents,
            },
            unknown,
        )
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn id(&self, node: usize) -> &'a str {
        self.ids[node]
    }

    pub fn node(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn deps(&self, node: usize) -> &[usize] {
        &self.deps[node]
    }

    pub fn dependents(&self, node: usize) -> &[usize] {
        &self.dependents[node]
    }

    /// Dependencies before dependents (Kahn's algorithm, FIFO in input
    /// order). `Err` carries the cycles when there is no such order.
    pub fn topological_order(&self) -> Result<Vec<usize>, Vec<Vec<usize>>> {
        let mut remaining: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut queue: std::collections::VecDeque<usize> =
            (0..self.len()).filter(|&t| remaining[t] == 0).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(t) = queue.pop_front() {
            order.push(t);
            for &next in &self.dependents[t] {
                remaining[next] -= 1;
                if remaining[next] == 0 {
                    queue.push_back(next);
                }
            }
        }
        if order.len() == self.len() {
            Ok(order)
        } else {
            Err(self.cycles())
        }
    }

    /// One cycle per strongly connected component that has one, each as
    /// the list of tasks `[a, b, c]` meaning a depends on b, b on c, and c
    /// on a. Each cycle starts at its component's first task (input order)
    /// and is a shortest way back to it; components are in input order.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let components = self.strongly_connected_components();
        let mut cycles = Vec::new();
        for component in components {
            let start = component[0];
            if component.len() == 1 && !self.deps[start].contains(&start) {
                continue;
            }
            cycles.push(self.shortest_cycle_through(start, &component));
        }
        cycles.sort_by_key(|c| c[0]);
        cycles
    }

    /// Breadth-first from `start` along dependency edges, staying inside
    /// `component`, until an edge leads back to `start`.
    fn shortest_cycle_through(&self, start: usize, component: &[usize]) -> Vec<usize> {
        let mut inside = HashMap::with_capacity(component.len());
        for &c in component {
            inside.insert(c, ());
        }
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(t) = queue.pop_front() {
            for &d in &self.deps[t] {
                if d == start {
                    let mut path = vec![t];
                    let mut at = t;
                    while at != start {
                        at = parent[&at];
                        path.push(at);
                    }
                    path.reverse();
                    return path;
                }
                if inside.contains_key(&d) && !parent.contains_key(&d) {
                    parent.insert(d, t);
                    queue.push_back(d);
                }
            }
        }
        // Unreachable for a real component; a lone node is its own cycle.
        vec![start]
    }

    /// Tarjan's algorithm, iterative (no recursion to overflow on long
    /// chains). Each component is sorted in input order.
    fn strongly_connected_components(&self) -> Vec<Vec<usize>> {
        const UNVISITED: usize = usize::MAX;
        let n = self.len();
        let mut index = vec![UNVISITED; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut components = Vec::new();
        let mut counter = 0;
        // (node, next edge to look at)
        let mut work: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if index[root] != UNVISITED {
                continue;
            }
            work.push((root, 0));
            while let Some(&mut (v, ref mut edge)) = work.last_mut() {
                if *edge == 0 && index[v] == UNVISITED {
                    index[v] = counter;
                    low[v] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if let Some(&w) = self.deps[v].get(*edge) {
                    *edge += 1;
                    if index[w] == UNVISITED {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    component.sort_unstable();
                    components.push(component);
                }
            }
        }
        components.sort_by_key(|c| c[0]);
        components
    }
}

/// The heaviest chain of work ending at each node of a DAG, from
/// [`TaskGraph::heaviest_chains`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaviestChains {
    /// `weight[t]`: total weight of the heaviest chain ending at `t`
    /// (including `t`); 0 for nodes of weight 0, which are on no chain.
    weight: Vec<u64>,
    /// `previous[t]`: the dependency before `t` on that chain.
    previous: Vec<Option<usize>>,
}

impl HeaviestChains {
    /// Total weight of the heaviest chain ending at `node`.
    pub fn weight(&self, node: usize) -> u64 {
        self.weight[node]
    }

    /// The heaviest chain ending at `node`, first node first; empty when
    /// `node` has weight 0.
    pub fn chain_to(&self, node: usize) -> Vec<usize> {
        if self.weight[node] == 0 {
            return Vec::new();
        }
        let mut chain = vec![node];
        let mut at = node;
        while let Some(before) = self.previous[at] {
            chain.push(before);
            at = before;
        }
        chain.reverse();
        chain
    }

    /// The node before `node` on the heaviest chain ending at it; `None`
    /// at the first node of a chain (and for nodes of weight 0).
    pub fn previous(&self, node: usize) -> Option<usize> {
        self.previous[node]
    }

    /// The node where the heaviest chain among `candidates` ends: the
    /// heaviest, the first given among equals; `None` if all weigh 0.
    pub fn heaviest_end(&self, candidates: impl IntoIterator<Item = usize>) -> Option<usize> {
        let mut best: Option<usize> = None;
        for c in candidates {
            if self.weight[c] > 0 && best.is_none_or(|b| self.weight[c] > self.weight[b]) {
                best = Some(c);
            }
        }
        best
    }
}

impl TaskGraph<'_> {
    /// For every node, the heaviest chain of dependencies ending at it, where
    /// only nodes of positive `weight` count (a finished task is weight 0: it
    /// neither adds to a chain nor links two pieces of one). This is the
    /// critical path method on a DAG: one pass in topological `order`, linear
    /// in nodes + edges. Among equally heavy predecessors the one with the
    /// lowest node number (earliest in input order) is chosen.
    ///
    /// `order` must be a topological order of this graph (see
    /// [`TaskGraph::topological_order`]).
    pub fn heaviest_chains(
        &self,
        order: &[usize],
        weight: impl Fn(usize) -> u64,
    ) -> HeaviestChains {
        let n = self.len();
        let mut total = vec![0u64; n];
        let mut previous = vec![None; n];
        for &t in order {
            let own = weight(t);
            if own == 0 {
                continue;
            }
            let mut best: Option<usize> = None;
            for &d in &self.deps[t] {
                if total[d] > 0
                    && best.is_none_or(|b| total[d] > total[b] || (total[d] == total[b] && d < b))
                {
                    best = Some(d);
                }
            }
            previous[t] = best;
            total[t] = own.saturating_add(best.map_or(0, |b| total[b]));
        }
        HeaviestChains {
            weight: total,
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn graph<'a>(tasks: &'a [(&'a str, Vec<&'a str>)]) -> TaskGraph<'a> {
        TaskGraph::new(tasks.iter().map(|(id, deps)| (*id, deps.iter().copied()))).0
    }

    fn ids<'a>(g: &TaskGraph<'a>, nodes: &[usize]) -> Vec<&'a str> {
        nodes.iter().map(|&n| g.id(n)).collect()
    }

    #[test]
    fn orders_dependencies_first_and_keeps_input_order_among_equals() {
        let tasks = [
            ("deploy", vec!["build", "test"]),
            ("build", vec![]),
            ("test", vec!["build"]),
            ("docs", vec![]),
        ];
        let g = graph(&tasks);
        let order = g.topological_order().unwrap();
        assert_eq!(ids(&g, &order), ["build", "docs", "test", "deploy"]);
    }

    #[test]
    fn reports_unknown_dependencies_with_their_position() {
        let tasks = [("a", vec!["b", "ghost"]), ("b", vec![])];
        let (g, unknown) =
            TaskGraph::new(tasks.iter().map(|(id, deps)| (*id, deps.iter().copied())));
        assert_eq!(
            unknown,
            [UnknownDependency {
                task: 0,
                position: 1,
                missing: "ghost"
            }]
        );
        assert_eq!(g.deps(0), [1]);
    }

    #[test]
    fn names_every_cycle_whole() {
        let tasks = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec![]),
            ("e", vec!["e"]),
            ("f", vec!["a"]),
        ];
        let g = graph(&tasks);
        let cycles = g.topological_order().unwrap_err();
        let named: Vec<Vec<&str>> = cycles.iter().map(|c| ids(&g, c)).collect();
        assert_eq!(named, [vec!["a", "b", "c"], vec!["e"]]);
    }

    #[test]
    fn a_later_duplicate_id_adds_no_edges() {
        let tasks = [("a", vec![]), ("b", vec![]), ("a", vec!["b", "ghost"])];
        let (g, unknown) =
            TaskGraph::new(tasks.iter().map(|(id, deps)| (*id, deps.iter().copied())));
        assert_eq!(g.len(), 2);
        assert!(g.deps(0).is_empty(), "the first `a` depends on nothing");
        assert!(
            unknown.is_empty(),
            "the duplicate's dependencies are not read"
        );
    }

    #[test]
    fn heaviest_chain_skips_finished_work_and_prefers_heavier_branches() {
        // ship <- (build <- design) and ship <- docs; design is finished.
        let tasks = [
            ("design", vec![]),
            ("build", vec!["design"]),
            ("docs", vec![]),
            ("ship", vec!["build", "docs"]),
        ];
        let g = graph(&tasks);
        let order = g.topological_order().unwrap();
        let weight = |t: usize| match g.id(t) {
            "design" => 0,
            "build" => 8,
            "docs" => 3,
            _ => 1,
        };
        let chains = g.heaviest_chains(&order, weight);
        let ship = g.node("ship").unwrap();
        assert_eq!(chains.weight(ship), 9);
        assert_eq!(ids(&g, &chains.chain_to(ship)), ["build", "ship"]);
        assert!(chains.chain_to(g.node("design").unwrap()).is_empty());
        assert_eq!(chains.heaviest_end(0..g.len()), Some(ship));
    }

    #[test]
    fn heaviest_chain_breaks_ties_by_input_order() {
        let tasks = [("x", vec![]), ("y", vec![]), ("z", vec!["y", "x"])];
        let g = graph(&tasks);
        let order = g.topological_order().unwrap();
        let chains = g.heaviest_chains(&order, |_| 2);
        assert_eq!(ids(&g, &chains.chain_to(2)), ["x", "z"]);
        assert_eq!(
            chains.heaviest_end([1, 0]),
            Some(1),
            "first given among equals"
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let names: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
        let tasks: Vec<(&str, Vec<&str>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.as_str(),
                    if i == 0 {
                        vec![names[names.len() - 1].as_str()]
                    } else {
                        vec![names[i - 1].as_str()]
                    },
                )
            })
            .collect();
        let g = graph(&tasks);
        let cycles = g.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), 200_000);
    }

    proptest! {
        /// Edges only from later to earlier tasks make a DAG: there must be
        /// an order, and it must put every dependency first. Adding one edge
        /// back from the earliest to the latest of a chain closes a loop,
        /// which must be reported.
        #[test]
        fn dags_order_and_closed_loops_are_found(n in 2usize..40, edges in proptest::collection::vec((0usize..40, 0usize..40), 0..120)) {
            let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
            let mut deps: Vec<Vec<&str>> = vec![Vec::new(); n];
            for (a, b) in edges {
                let (a, b) = (a % n, b % n);
                if a > b { deps[a].push(names[b].as_str()); }
            }
            let tasks: Vec<(&str, Vec<&str>)> = names.iter().map(String::as_str).zip(deps.clone()).collect();
            let g = graph(&tasks);
            let order = g.topological_order().unwrap();
            let mut position = vec![0; n];
            for (i, &t) in order.iter().enumerate() { position[t] = i; }
            for t in 0..n { for &d in g.deps(t) { prop_assert!(position[d] < position[t]); } }

            // Close a loop: if t_last transitively depends on t_0... make t_0 depend on t_{n-1}
            // and t_{n-1} depend on t_0 directly, so the loop exists whatever the random edges.
            let mut looped = deps;
            looped[n - 1].push(names[0].as_str());
            looped[0].push(names[n - 1].as_str());
            let tasks: Vec<(&str, Vec<&str>)> = names.iter().map(String::as_str).zip(looped).collect();
            let g = graph(&tasks);
            let cycles = g.topological_order().unwrap_err();
            prop_assert!(!cycles.is_empty());
            for cycle in &cycles {
                for (i, &t) in cycle.iter().enumerate() {
                    let next = cycle[(i + 1) % cycle.len()];
                    prop_assert!(g.deps(t).contains(&next), "cycle edge {} -> {} not in graph", g.id(t), g.id(next));
                }
            }
        }
    }
}
