//! Many patterns against one event at once (a bus's rules, several `--pattern`s): one shared
//! index, so that adding patterns costs almost nothing. The event is walked once along a trie of
//! all the patterns' field paths (a key shared by many paths is looked up once); each value
//! found is looked up in its path's hash maps (exact strings and numbers, prefixes
//! by their length) and tried against the few matchers that cannot be hashed (ranges,
//! `anything-but`, wildcards, …). That marks the fields an event satisfies; only the patterns
//! owning a marked field (or able to match with none) are then decided, each by its own
//! `$or`/and structure over the marks and the array-consistency check of a lone pattern, so a
//! set answers exactly what its patterns answer one by one (see the tests).

use foldhash::HashMap;
use smallvec::SmallVec;

use super::compile::{Cond, Field};
use super::event::{EventJson, Leaf, Name, Needs, with_needed_event, with_needed_event_of_json};
use super::matcher::Matcher;
use super::{Pattern, any_leaf};

pub struct PatternSet {
    patterns: Vec<Pattern>,
    /// The distinct field paths of all the patterns, each with the index of its values.
    paths: Vec<PathIndex>,
    /// The same paths as a trie of their keys, for one walk over the event.
    trie: Trie,
    /// For each field (by `Field::id`), the pattern it belongs to.
    owner: Vec<usize>,
    /// For each pattern that is only "all of these fields" (no `$or`, no `exists: false`), the
    /// one field of it that is indexed (the one whose values the fewest other fields share): a
    /// value marking it makes the pattern a candidate, and its other fields are then tried on
    /// the event directly. `None` for the other patterns, whose fields are all indexed and which
    /// are decided by walking their conditions over the marks.
    trigger: Vec<Option<usize>>,
    /// Patterns that may match with none of their fields marked (`exists: false` and the like):
    /// decided for every event.
    always: Vec<usize>,
    needs: Needs,
}

/// What the indexed fields at one path want of its values.
#[derive(Default)]
struct PathIndex {
    path: String,
    strings: HashMap<Box<str>, SmallVec<[usize; 2]>>,
    /// Numbers by their f64 bits (0 for -0): those a JSON number equals exactly.
    numbers: HashMap<u64, SmallVec<[usize; 2]>>,
    /// Prefixes by their bytes, and the distinct lengths to cut a value at.
    prefixes: HashMap<Box<[u8]>, SmallVec<[usize; 2]>>,
    prefix_lengths: Vec<usize>,
    /// The rest, tried one by one.
    others: Vec<(Matcher, usize)>,
}

impl PatternSet {
    pub fn new(patterns: impl IntoIterator<Item = Pattern>) -> PatternSet {
        let mut patterns: Vec<Pattern> = patterns.into_iter().collect();
        let mut owner = Vec::new();
        for (i, p) in patterns.iter_mut().enumerate() {
            number_fields(&mut p.root, i, &mut owner);
        }
        let mut fields: Vec<&Field> = Vec::with_capacity(owner.len());
        for p in &patterns {
            collect_fields(&p.root, &mut fields);
        }
        // How many fields want each hashable value at each path: a rare one makes a good trigger.
        let mut shared: HashMap<(&str, Hashed<'_>), usize> = HashMap::default();
        for f in &fields {
            for h in f.matchers.iter().filter_map(Hashed::of) {
                *shared.entry((f.path.as_str(), h)).or_default() += 1;
            }
        }
        let cost = |f: &Field| {
            f.matchers
                .iter()
                .map(|m| Hashed::of(m).map_or(usize::MAX, |h| shared[&(f.path.as_str(), h)]))
                .max()
                .unwrap_or(usize::MAX)
        };
        let trigger: Vec<Option<usize>> = patterns
            .iter()
            .map(|p| {
                let mut own = Vec::new();
                collect_fields(&p.root, &mut own);
                conjunction(&p.root)
                    .then(|| own.iter().min_by_key(|f| cost(f)).map(|f| f.id))
                    .flatten()
            })
            .collect();
        let mut paths: Vec<PathIndex> = Vec::new();
        for f in fields
            .iter()
            .filter(|f| trigger[owner[f.id]].is_none_or(|t| t == f.id))
        {
            let at = match paths.iter().position(|p| p.path == f.path) {
                Some(at) => at,
                None => {
                    paths.push(PathIndex {
                        path: f.path.clone(),
                        ..PathIndex::default()
                    });
                    paths.len() - 1
                }
            };
            for m in &f.matchers {
                paths[at].add(m, f.id);
            }
        }
        let mut trie = Trie::default();
        for (slot, p) in paths.iter().enumerate() {
            trie.insert(&p.path, slot);
        }
        // Every path of every pattern is read, the untriggered ones for trying fields directly.
        let needs = Needs::of(fields.iter().map(|f| f.path.as_str()));
        let always = (0..patterns.len())
            .filter(|i| may_match_unmarked(&patterns[*i].root))
            .collect();
        drop(fields);
        PatternSet {
            patterns,
            paths,
            trie,
            owner,
            trigger,
            always,
            needs,
        }
    }

    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The indices of the patterns `event` matches, in order, into `out` (cleared first).
    pub fn matches<E: EventJson>(&self, event: &E, out: &mut Vec<usize>) {
        out.clear();
        let mut marked = Bits::new(self.owner.len());
        let mut candidates = Bits::new(self.patterns.len());
        for &p in &self.always {
            candidates.set(p);
        }
        self.trie.walk(event, &mut |slot, leaf| {
            self.paths[slot].mark(leaf, &mut |field| {
                marked.set(field);
                candidates.set(self.owner[field]);
            });
        });
        for p in candidates.iter() {
            let pattern = &self.patterns[p];
            let fields_agree = match self.trigger[p] {
                Some(t) => all_but(&pattern.root, t, event),
                None => decide(&pattern.root, &marked, event),
            };
            if fields_agree && pattern.consistent(event) {
                out.push(p);
            }
        }
    }

    /// As [`PatternSet::matches`], for a body as it arrived (read only as far as needed).
    pub fn matches_body(&self, body: &[u8], out: &mut Vec<usize>) {
        out.clear();
        with_needed_event(body, &self.needs, &mut |v| self.matches(v, out));
    }

    /// As [`PatternSet::matches_body`], for a decoded event's body (see `Pattern::matches_event`).
    pub fn matches_event(&self, event: &crate::event::TicketEvent, out: &mut Vec<usize>) {
        if !event.raw_is_json {
            return self.matches_body(&event.raw, out);
        }
        out.clear();
        with_needed_event_of_json(&event.raw, &self.needs, &mut |v| self.matches(v, out));
    }
}

impl PathIndex {
    fn add(&mut self, m: &Matcher, field: usize) {
        match m {
            // Never satisfied by a value: decided by the field (see `decide`).
            Matcher::Exists(false) => {}
            Matcher::String(s) => self
                .strings
                .entry(s.as_str().into())
                .or_default()
                .push(field),
            Matcher::Number { value: Some(x), .. } => {
                self.numbers.entry(number_key(*x)).or_default().push(field)
            }
            Matcher::Prefix(p) => {
                self.prefixes
                    .entry(p.as_bytes().into())
                    .or_default()
                    .push(field);
                if let Err(at) = self.prefix_lengths.binary_search(&p.len()) {
                    self.prefix_lengths.insert(at, p.len());
                }
            }
            other => self.others.push((other.clone(), field)),
        }
    }

    /// Calls `mark` with each field one of whose matchers `leaf` satisfies.
    fn mark(&self, leaf: Leaf<'_>, mark: &mut impl FnMut(usize)) {
        let mut each = |fields: Option<&SmallVec<[usize; 2]>>| {
            fields.into_iter().flatten().for_each(|f| mark(*f));
        };
        match leaf {
            Leaf::String(v) => {
                if !self.strings.is_empty() {
                    each(self.strings.get(v));
                }
                for &n in &self.prefix_lengths {
                    match v.as_bytes().get(..n) {
                        Some(cut) => each(self.prefixes.get(cut)),
                        None => break,
                    }
                }
            }
            Leaf::Number(n) if !self.numbers.is_empty() => {
                // As `Matcher::Number` compares: equal as f64, and exactly what f64 holds.
                if let Some(x) = n.as_f64().filter(|_| super::matcher::exactly_f64(n)) {
                    each(self.numbers.get(&number_key(x)));
                }
            }
            _ => {}
        }
        for (m, field) in &self.others {
            if m.matches(leaf) {
                mark(*field);
            }
        }
    }
}

/// Field paths as a trie of keys. A path with an empty key in it (`a..b`, `a.`) is looked up
/// on its own, as a lone pattern looks it up; so is everything under an object with a key that
/// contains a dot (it may stand for several keys of a path).
#[derive(Default)]
struct Trie {
    children: Vec<(Name, Trie)>,
    /// The path ending here.
    slot: Option<usize>,
    /// Every path through here: its slot and the rest of it from here.
    below: Vec<(usize, String)>,
    /// Paths with empty keys, from the root.
    odd: Vec<(usize, String)>,
}

impl Trie {
    fn insert(&mut self, path: &str, slot: usize) {
        if path.split('.').any(str::is_empty) {
            self.odd.push((slot, path.to_string()));
            return;
        }
        let mut node = self;
        let mut rest = path;
        loop {
            node.below.push((slot, rest.to_string()));
            let (key, after) = rest.split_once('.').unwrap_or((rest, ""));
            let at = match node.children.iter().position(|(k, _)| k.as_str() == key) {
                Some(at) => at,
                None => {
                    node.children.push((Name::new(key), Trie::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[at].1;
            if after.is_empty() {
                node.slot = Some(slot);
                return;
            }
            rest = after;
        }
    }

    /// Calls `found` with each leaf value at each path (by slot): what [`any_leaf`] finds for each.
    fn walk<'e, E: EventJson>(&self, event: &'e E, found: &mut impl FnMut(usize, Leaf<'e>)) {
        for (slot, path) in &self.odd {
            any_leaf(event, path, &mut |l| {
                found(*slot, l);
                false
            });
        }
        self.walk_node(event, found);
    }

    fn walk_node<'e, E: EventJson>(&self, v: &'e E, found: &mut impl FnMut(usize, Leaf<'e>)) {
        // Array elements sit at the same path.
        if let Some(items) = v.elements() {
            return items.iter().for_each(|item| self.walk_node(item, found));
        }
        if !v.is_object() {
            if let (Some(slot), Some(leaf)) = (self.slot, v.leaf()) {
                found(slot, leaf);
            }
            return;
        }
        if v.has_dotted_keys() {
            for (slot, rest) in &self.below {
                any_leaf(v, rest, &mut |l| {
                    found(*slot, l);
                    false
                });
            }
            return;
        }
        for (key, child) in &self.children {
            if let Some(c) = v.member_named(key) {
                child.walk_node(c, found);
            }
        }
    }
}

fn number_key(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// A matcher answered by a hash lookup (see [`PathIndex`]), as a key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Hashed<'m> {
    String(&'m str),
    Number(u64),
    Prefix(&'m str),
}

impl<'m> Hashed<'m> {
    fn of(m: &'m Matcher) -> Option<Hashed<'m>> {
        match m {
            Matcher::String(s) => Some(Hashed::String(s)),
            Matcher::Number { value: Some(x), .. } => Some(Hashed::Number(number_key(*x))),
            Matcher::Prefix(p) => Some(Hashed::Prefix(p)),
            _ => None,
        }
    }
}

/// Gives each field of pattern `owner` its number.
fn number_fields(cond: &mut Cond, owner: usize, owners: &mut Vec<usize>) {
    match cond {
        Cond::All(c) | Cond::Any(c) => c.iter_mut().for_each(|c| number_fields(c, owner, owners)),
        Cond::Field(f) => {
            f.id = owners.len();
            owners.push(owner);
        }
    }
}

fn collect_fields<'c>(cond: &'c Cond, out: &mut Vec<&'c Field>) {
    match cond {
        Cond::All(c) | Cond::Any(c) => c.iter().for_each(|c| collect_fields(c, out)),
        Cond::Field(f) => out.push(f),
    }
}

/// Whether a pattern is only "all of these fields", none of them `exists: false`.
fn conjunction(cond: &Cond) -> bool {
    match cond {
        Cond::Field(f) => !f.absent_ok,
        Cond::All(c) => !c.is_empty() && c.iter().all(conjunction),
        Cond::Any(_) => false,
    }
}

/// Every field of a conjunction but its trigger (marked already), tried on the event.
fn all_but<E: EventJson>(cond: &Cond, trigger: usize, event: &E) -> bool {
    match cond {
        Cond::Field(f) => f.id == trigger || super::field_matches(f, event),
        Cond::All(c) => c.iter().all(|c| all_but(c, trigger, event)),
        Cond::Any(c) => c.iter().any(|c| all_but(c, trigger, event)),
    }
}

/// Whether a pattern could match an event that marks none of its fields: only through
/// `exists: false` (a field that may be absent).
fn may_match_unmarked(cond: &Cond) -> bool {
    match cond {
        Cond::All(c) => c.iter().all(may_match_unmarked),
        Cond::Any(c) => c.iter().any(may_match_unmarked),
        Cond::Field(f) => f.absent_ok,
    }
}

/// A pattern's answer from the marks: as [`super::eval`], with each field's leaves already tried.
fn decide<E: EventJson>(cond: &Cond, marked: &Bits, event: &E) -> bool {
    match cond {
        Cond::All(all) => all.iter().all(|c| decide(c, marked, event)),
        Cond::Any(any) => any.iter().any(|c| decide(c, marked, event)),
        // `exists: false` may be decided per array element: as a lone pattern decides it.
        Cond::Field(f) if f.absent_ok => super::field_matches(f, event),
        Cond::Field(Field { id, .. }) => marked.get(*id),
    }
}

/// A set of small numbers, on the stack for up to 512 of them.
struct Bits(SmallVec<[u64; 8]>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(smallvec::smallvec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    /// The members in increasing order.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + bit
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hashed matchers' edges (zero's sign, numbers f64 cannot hold, prefixes cut inside a
    /// character, one value wanted by several fields) against each pattern alone.
    #[test]
    fn hashed_values_answer_as_each_pattern_alone() {
        let texts = [
            r#"{"a": [0]}"#,
            r#"{"a": [-0]}"#,
            r#"{"a": [300, "300"]}"#,
            r#"{"a": [12345678901234567890]}"#,
            r#"{"a": [{"prefix": "é"}, {"prefix": "ab"}]}"#,
            r#"{"a": [{"prefix": "abc"}], "b": [{"exists": false}]}"#,
            r#"{"a": ["x"], "$or": [{"b": ["y"]}, {"c": [{"prefix": ""}]}]}"#,
            r#"{"a": ["x", {"anything-but": "z"}]}"#,
            r#"{"b": [{"exists": true}]}"#,
            r#"{"a.b": ["x"], "a": {"c": [1]}}"#,
            r#"{"a": {"b": {"c": ["y"]}}}"#,
            r#"{"a": {"": ["x"]}}"#,
            r#"{"": ["x"]}"#,
            r#"{"a": {"b": [{"exists": false}]}, "c": ["x"]}"#,
        ];
        let patterns: Vec<Pattern> = texts.iter().map(|t| Pattern::compile(t).unwrap()).collect();
        let set = PatternSet::new(patterns.clone());
        let events = [
            json!({"a": 0}),
            json!({"a": -0.0}),
            json!({"a": 0.0}),
            json!({"a": 300.0}),
            json!({"a": "300"}),
            json!({"a": 12345678901234567890u64}),
            json!({"a": "éa"}),
            json!({"a": "\u{e8}"}),
            json!({"a": "abcd", "b": 1}),
            json!({"a": ["abc", "x"]}),
            json!({"a": "x", "c": ""}),
            json!({"a": "x", "b": "y"}),
            json!({"a": "z"}),
            json!({"b": null}),
            json!({}),
            json!({"a.b": "x", "a": {"c": 1}}),
            json!({"a": {"b": "x", "c": 1}}),
            json!({"a": {"b.c": "y", "b": "x", "c": [2, 1]}}),
            json!({"a": [{"b": "x"}, {"b.c": "y"}, {"c": 1}]}),
            json!({"a.b.c": "y"}),
            json!({"a": "x", "": "x"}),
            json!({"a": {"": "x"}, "c": "x"}),
        ];
        let mut found = Vec::new();
        for e in &events {
            let alone: Vec<usize> = (0..patterns.len())
                .filter(|i| patterns[*i].matches(e))
                .collect();
            set.matches(e, &mut found);
            assert_eq!(found, alone, "{e}");
        }
        set.matches(&json!({"a": -0.0}), &mut found);
        assert_eq!(found, [0, 1, 7], "zero is zero whatever its sign");
        set.matches(
            &json!({"a": [{"b": "x"}, {"b.c": "y"}, {"c": 1}]}),
            &mut found,
        );
        assert_eq!(found, [10], "a key with a dot, in one element of an array");
    }
}
