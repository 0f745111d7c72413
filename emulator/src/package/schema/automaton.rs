//! Content models as automata: a model compiles to a small NFA over child-element names, which
//! a validator steps through child by child. Bounded repeats (`choice maxOccurs="11"`) are
//! unrolled; `unbounded` ones loop.
//!
//! The NFA also answers what .NET's messages list as "possible elements expected": the element
//! particles that may come next, in the order their names first appear in the schema, then the
//! wildcard — as .NET's content validators order them.

use super::model::{ComplexType, Compositor, Group, Particle, UNBOUNDED};

/// What a transition consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Symbol {
    /// An element particle, by index into [`Automaton::elements`].
    Element(usize),
    Any,
}

#[derive(Debug, Default)]
struct State {
    epsilon: Vec<usize>,
    edges: Vec<(Symbol, usize)>,
}

/// A compiled content model.
#[derive(Debug)]
pub struct Automaton {
    states: Vec<State>,
    start: usize,
    accept: usize,
    /// Element particles by name, in order of first appearance in the model.
    elements: Vec<(&'static str, &'static ComplexType)>,
}

/// Where a child was matched.
#[derive(Clone, Copy, Debug)]
pub enum Matched {
    Element(&'static ComplexType),
    /// A wildcard: the child's subtree is not validated.
    Any,
}

// Types are compared by identity: they refer to each other in cycles.
impl PartialEq for Matched {
    fn eq(&self, other: &Matched) -> bool {
        match (self, other) {
            (Matched::Element(a), Matched::Element(b)) => std::ptr::eq(*a, *b),
            (Matched::Any, Matched::Any) => true,
            _ => false,
        }
    }
}

/// The states an automaton may be in after the children so far.
#[derive(Clone, Debug)]
pub struct Position(Vec<usize>);

/// What may come next, for messages: element names in schema order, and whether any element
/// would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub names: Vec<&'static str>,
    pub any: bool,
}

impl Expected {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && !self.any
    }
}

impl Automaton {
    pub fn compile(group: &'static Group) -> Automaton {
        let mut builder = Builder { states: vec![State::default()], elements: Vec::new() };
        let start = 0;
        let accept = builder.group(group, start);
        Automaton { states: builder.states, start, accept, elements: builder.elements }
    }

    pub fn start(&self) -> Position {
        Position(self.closure(vec![self.start]))
    }

    /// Steps over a child element named `name` (already known to be in the model's namespace).
    pub fn step(&self, at: &Position, name: &str) -> Option<(Position, Matched)> {
        let element = self.elements.iter().position(|(n, _)| *n == name);
        let mut next = Vec::new();
        let mut matched = None;
        for &state in &at.0 {
            for &(symbol, target) in &self.states[state].edges {
                let hit = match symbol {
                    Symbol::Element(i) => Some(i) == element,
                    Symbol::Any => true,
                };
                if hit {
                    // A named particle wins over the wildcard, as in .NET.
                    matched = match (matched, symbol) {
                        (_, Symbol::Element(i)) => Some(Matched::Element(self.elements[i].1)),
                        (None, Symbol::Any) => Some(Matched::Any),
                        (kept, Symbol::Any) => kept,
                    };
                    next.push(target);
                }
            }
        }
        matched.map(|m| (Position(self.closure(next)), m))
    }

    /// Whether the children so far complete the model.
    pub fn accepts(&self, at: &Position) -> bool {
        at.0.contains(&self.accept)
    }

    pub fn expected(&self, at: &Position) -> Expected {
        let mut indices: Vec<usize> = Vec::new();
        let mut any = false;
        for &state in &at.0 {
            for &(symbol, _) in &self.states[state].edges {
                match symbol {
                    Symbol::Element(i) if !indices.contains(&i) => indices.push(i),
                    Symbol::Element(_) => {}
                    Symbol::Any => any = true,
                }
            }
        }
        indices.sort_unstable();
        Expected { names: indices.into_iter().map(|i| self.elements[i].0).collect(), any }
    }

    fn closure(&self, mut pending: Vec<usize>) -> Vec<usize> {
        let mut seen = vec![false; self.states.len()];
        let mut out = Vec::new();
        while let Some(state) = pending.pop() {
            if std::mem::replace(&mut seen[state], true) {
                continue;
            }
            out.push(state);
            pending.extend(self.states[state].epsilon.iter().copied());
        }
        out.sort_unstable();
        out
    }
}

struct Builder {
    states: Vec<State>,
    elements: Vec<(&'static str, &'static ComplexType)>,
}

impl Builder {
    fn new_state(&mut self) -> usize {
        self.states.push(State::default());
        self.states.len() - 1
    }

    fn epsilon(&mut self, from: usize, to: usize) {
        self.states[from].epsilon.push(to);
    }

    /// Builds `min..max` repetitions of `body`, starting at `from`; returns the end state.
    fn repeat(&mut self, from: usize, min: u32, max: u32, body: &mut dyn FnMut(&mut Builder, usize) -> usize) -> usize {
        let mut at = from;
        for _ in 0..min {
            at = body(self, at);
        }
        if max == UNBOUNDED {
            let loop_start = self.new_state();
            self.epsilon(at, loop_start);
            let end = body(self, loop_start);
            self.epsilon(end, loop_start);
            return loop_start;
        }
        let exit = self.new_state();
        for _ in min..max {
            self.epsilon(at, exit);
            at = body(self, at);
        }
        self.epsilon(at, exit);
        exit
    }

    fn group(&mut self, group: &'static Group, from: usize) -> usize {
        self.repeat(from, group.min, group.max, &mut |b, at| match group.kind {
            Compositor::Sequence => group.particles.iter().fold(at, |at, p| b.particle(p, at)),
            Compositor::Choice => {
                let join = b.new_state();
                for particle in group.particles {
                    let end = b.particle(particle, at);
                    b.epsilon(end, join);
                }
                join
            }
        })
    }

    fn particle(&mut self, particle: &'static Particle, from: usize) -> usize {
        match particle {
            Particle::Group(group) => self.group(group, from),
            Particle::Element { name, ty, min, max } => {
                let index = match self.elements.iter().position(|(n, _)| n == name) {
                    Some(i) => i,
                    None => {
                        self.elements.push((name, ty));
                        self.elements.len() - 1
                    }
                };
                self.repeat(from, *min, *max, &mut |b, at| b.edge(at, Symbol::Element(index)))
            }
            Particle::Any { min, max } => self.repeat(from, *min, *max, &mut |b, at| b.edge(at, Symbol::Any)),
        }
    }

    fn edge(&mut self, from: usize, symbol: Symbol) -> usize {
        let to = self.new_state();
        self.states[from].edges.push((symbol, to));
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::schema::model::{ANY_CHILDREN, Content, choice, element, empty, sequence};

    static LEAF: ComplexType = empty("Leaf", &[]);
    static SEQ: Group =
        sequence(1, 1, &[element("A", &LEAF, 0, 1), element("B", &LEAF, 1, 1), element("C", &LEAF, 0, UNBOUNDED)]);
    static REPEATED_CHOICE: Group = choice(0, 3, &[element("X", &LEAF, 0, 1), element("Y", &LEAF, 0, 1)]);

    fn run(automaton: &Automaton, children: &[&str]) -> Result<Position, (usize, Expected)> {
        let mut at = automaton.start();
        for (i, child) in children.iter().enumerate() {
            match automaton.step(&at, child) {
                Some((next, _)) => at = next,
                None => return Err((i, automaton.expected(&at))),
            }
        }
        Ok(at)
    }

    #[test]
    fn sequences_list_what_may_come_next_in_schema_order() {
        let automaton = Automaton::compile(&SEQ);
        assert_eq!(automaton.expected(&automaton.start()).names, ["A", "B"]);
        let after_a = run(&automaton, &["A"]).unwrap();
        assert_eq!(automaton.expected(&after_a).names, ["B"]);
        assert!(!automaton.accepts(&after_a), "B is required");
        assert!(automaton.accepts(&run(&automaton, &["B", "C", "C"]).unwrap()));
        assert_eq!(run(&automaton, &["B", "A"]).unwrap_err(), (1, Expected { names: vec!["C"], any: false }));
    }

    #[test]
    fn repeated_choices_take_any_order_up_to_their_bound() {
        let automaton = Automaton::compile(&REPEATED_CHOICE);
        assert!(automaton.accepts(&run(&automaton, &["Y", "X", "Y"]).unwrap()));
        let (at, expected) = run(&automaton, &["X", "X", "X", "Y"]).unwrap_err();
        assert_eq!((at, expected.is_empty()), (3, true), "a fourth child is one too many");
    }

    #[test]
    fn wildcards_match_anything_after_names() {
        static ANY: ComplexType =
            ComplexType { name: "Any", attributes: &[], any_attribute: false, content: ANY_CHILDREN };
        let Content::Elements(group) = &ANY.content else { unreachable!() };
        let automaton = Automaton::compile(group);
        let (_, matched) = automaton.step(&automaton.start(), "Whatever").unwrap();
        assert_eq!(matched, Matched::Any);
        assert_eq!(automaton.expected(&automaton.start()), Expected { names: vec![], any: true });
    }
}
