//! Many patterns against one event at once (a bus's rules, a benchmark): each distinct field
//! path is looked up once per event and its values shared by every pattern that tests it.

use smallvec::SmallVec;

use super::compile::{Cond, Field};
use super::event::{EventJson, Leaf, Needs, with_needed_event};
use super::matcher::Matcher;
use super::{Pattern, any_leaf};

pub struct PatternSet {
    patterns: Vec<Pattern>,
    /// The distinct field paths of all the patterns; a field's `slot` indexes this.
    paths: Vec<String>,
    needs: Needs,
}

impl PatternSet {
    pub fn new(patterns: impl IntoIterator<Item = Pattern>) -> PatternSet {
        let mut paths: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = patterns.into_iter().collect();
        for p in &mut patterns {
            assign_slots(&mut p.root, &mut paths);
        }
        let needs = Needs::of(paths.iter().map(String::as_str));
        PatternSet {
            patterns,
            paths,
            needs,
        }
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The indices of the patterns `event` matches, in order, into `out` (cleared first).
    pub fn matches<E: EventJson>(&self, event: &E, out: &mut Vec<usize>) {
        out.clear();
        let mut values = Values {
            event,
            paths: &self.paths,
            leaves: SmallVec::new(),
            ranges: smallvec::smallvec![None; self.paths.len()],
        };
        for (i, p) in self.patterns.iter().enumerate() {
            if eval(&p.root, &mut values) && p.consistent(event) {
                out.push(i);
            }
        }
    }

    /// As [`PatternSet::matches`], for a body as it arrived (read only as far as needed).
    pub fn matches_body(&self, body: &[u8], out: &mut Vec<usize>) {
        out.clear();
        let mut found = Vec::new();
        with_needed_event(body, &self.needs, &mut |v| self.matches(v, &mut found));
        out.append(&mut found);
    }
}

fn assign_slots(cond: &mut Cond, paths: &mut Vec<String>) {
    match cond {
        Cond::All(c) | Cond::Any(c) => c.iter_mut().for_each(|c| assign_slots(c, paths)),
        Cond::Field(f) => {
            f.slot = match paths.iter().position(|p| *p == f.path) {
                Some(i) => i,
                None => {
                    paths.push(f.path.clone());
                    paths.len() - 1
                }
            };
        }
    }
}

/// The values at each path of one event, looked up the first time a pattern asks.
struct Values<'e, 'p, E> {
    event: &'e E,
    paths: &'p [String],
    // On the stack for the usual few paths: no allocation per event.
    leaves: SmallVec<[Leaf<'e>; 16]>,
    ranges: SmallVec<[Option<(usize, usize)>; 32]>,
}

impl<'e, E: EventJson> Values<'e, '_, E> {
    fn at(&mut self, slot: usize) -> &[Leaf<'e>] {
        let (a, b) = match self.ranges[slot] {
            Some(r) => r,
            None => {
                let start = self.leaves.len();
                let leaves = &mut self.leaves;
                any_leaf(self.event, &self.paths[slot], &mut |l| {
                    leaves.push(l);
                    false
                });
                let r = (start, self.leaves.len());
                self.ranges[slot] = Some(r);
                r
            }
        };
        &self.leaves[a..b]
    }
}

fn eval<E: EventJson>(cond: &Cond, values: &mut Values<'_, '_, E>) -> bool {
    match cond {
        Cond::All(all) => all.iter().all(|c| eval(c, values)),
        Cond::Any(any) => any.iter().any(|c| eval(c, values)),
        // `exists: false` may be decided per array element: as a lone pattern decides it.
        Cond::Field(f) if f.absent_ok => super::field_matches(f, values.event),
        Cond::Field(f) => field(f, values.at(f.slot)),
    }
}

fn field(f: &Field, leaves: &[Leaf<'_>]) -> bool {
    if leaves.is_empty() {
        return f.absent_ok;
    }
    leaves.iter().any(|l| {
        f.matchers
            .iter()
            .any(|m| *m != Matcher::Exists(false) && m.matches(*l))
    })
}
