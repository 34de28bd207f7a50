//! Array consistency, as EventBridge's matcher (aws/event-ruler) has it: when a pattern names
//! two or more fields inside the objects of one event array, they must be satisfied by the same
//! element. `{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}` does not match
//! `{"employees": [{"firstName": "Anna", "lastName": "Smith"}, {"firstName": "John", "lastName": "Jones"}]}`.
//! event-ruler records, for each value, the arrays it sits in and its index in each
//! (`ArrayMembership`), and accepts a set of values only when they agree on every array they
//! share. The same here, for every operator, nested arrays included; `exists: false` holds when
//! the field is missing from the element(s) that satisfy the others.
//!
//! The loose check (each field on its own) runs first and decides alone when no value of the
//! pattern's paths sits in an array, which is nearly always; only then is this search needed.

use smallvec::SmallVec;

use super::compile::{Cond, Field};
use super::event::{EventJson, Leaf};
use super::matcher::Matcher;

/// The arrays a value sits in (each by its address while the event is borrowed) and its index
/// in each, outermost first.
pub type Membership = SmallVec<[(usize, u32); 2]>;

/// The pattern's `$or`s multiplied out: each alternative is the fields that must all hold.
/// (EventBridge limits the combinations to 1,000.)
pub fn alternatives(cond: &Cond) -> Vec<Vec<Field>> {
    match cond {
        Cond::Field(f) => vec![vec![f.clone()]],
        Cond::Any(branches) => branches.iter().flat_map(alternatives).collect(),
        Cond::All(conds) => conds.iter().fold(vec![Vec::new()], |acc, c| {
            let next = alternatives(c);
            acc.iter()
                .flat_map(|a| {
                    next.iter().map(move |n| {
                        let mut both = a.clone();
                        both.extend(n.iter().cloned());
                        both
                    })
                })
                .collect()
        }),
    }
}

/// Every leaf at the dot-joined `path` with its array membership (see [`super::each_step`] for
/// how paths and dotted keys are followed).
pub fn leaves<'e, E: EventJson>(
    v: &'e E,
    path: &str,
    inside: &mut Membership,
    found: &mut dyn FnMut(Leaf<'e>, &Membership),
) {
    if let Some(items) = v.elements() {
        let array = items.as_ptr() as usize;
        for (i, item) in items.iter().enumerate() {
            inside.push((array, u32::try_from(i).unwrap_or(u32::MAX)));
            leaves(item, path, inside, found);
            inside.pop();
        }
        return;
    }
    if !v.is_object() {
        if path.is_empty() {
            if let Some(leaf) = v.leaf() {
                found(leaf, inside);
            }
        }
        return;
    }
    if path.is_empty() {
        return;
    }
    super::each_step(v, path, |child, rest| {
        leaves(child, rest, inside, found);
        false
    });
}

/// One field's values: those that satisfy it, and (for `exists: false`) all of them.
struct Candidates {
    absent_ok: bool,
    matching: Vec<Membership>,
    present: Vec<Membership>,
}

/// The outcome of the search for one alternative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// No value sits in an array: nothing to agree on.
    NoArrays,
    /// Some set of values agrees on every array: the elements they came from.
    Agrees(Membership),
    /// Each field has values, but none that agree.
    Disagrees,
    /// A field has no value at all that satisfies it.
    Unmatched,
}

/// Steps the search may take before it gives up and accepts (a pathological event with huge
/// arrays must not stall the monitor; events are at most 256 KB, so this is never reached by
/// any Zendesk event).
const BUDGET: usize = 100_000;

pub fn check<E: EventJson>(fields: &[Field], event: &E) -> Consistency {
    let mut all = Vec::with_capacity(fields.len());
    let mut arrays = false;
    for f in fields {
        let mut c = Candidates {
            absent_ok: f.absent_ok,
            matching: Vec::new(),
            present: Vec::new(),
        };
        leaves(event, &f.path, &mut Membership::new(), &mut |leaf, m| {
            arrays |= !m.is_empty();
            if f.matchers
                .iter()
                .any(|x| *x != Matcher::Exists(false) && x.matches(leaf))
            {
                c.matching.push(m.clone());
            }
            c.present.push(m.clone());
        });
        if c.matching.is_empty() && !c.absent_ok {
            return Consistency::Unmatched;
        }
        all.push(c);
    }
    if !arrays {
        return Consistency::NoArrays;
    }
    // Fields that must have a value first; those that may be absent last, when the elements are
    // chosen.
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|&i| all[i].absent_ok);
    let mut chosen = Membership::new();
    let mut budget = BUDGET;
    if search(&order, &all, &mut chosen, &mut budget) || budget == 0 {
        Consistency::Agrees(chosen)
    } else {
        Consistency::Disagrees
    }
}

fn agrees(chosen: &Membership, m: &Membership) -> bool {
    m.iter().all(|(array, index)| {
        chosen
            .iter()
            .find(|(a, _)| a == array)
            .is_none_or(|(_, i)| i == index)
    })
}

fn search(
    order: &[usize],
    all: &[Candidates],
    chosen: &mut Membership,
    budget: &mut usize,
) -> bool {
    let Some((&first, rest)) = order.split_first() else {
        return true;
    };
    let c = &all[first];
    for m in &c.matching {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if !agrees(chosen, m) {
            continue;
        }
        let before = chosen.len();
        for entry in m {
            if !chosen.iter().any(|(a, _)| *a == entry.0) {
                chosen.push(*entry);
            }
        }
        if search(rest, all, chosen, budget) {
            return true;
        }
        chosen.truncate(before);
    }
    // `exists: false`: no value of the field in the elements chosen so far.
    c.absent_ok && !c.present.iter().any(|m| agrees(chosen, m)) && search(rest, all, chosen, budget)
}

/// The arrays met along `paths`, each by address with the path that leads to it, to name the
/// elements of a [`Membership`] (`employees[0]`).
pub fn array_names<E: EventJson>(event: &E, paths: &[&str]) -> Vec<(usize, String)> {
    fn walk<E: EventJson>(v: &E, at: &str, rest: &str, out: &mut Vec<(usize, String)>) {
        if let Some(items) = v.elements() {
            let address = items.as_ptr() as usize;
            if !out.iter().any(|(a, _)| *a == address) {
                out.push((address, at.to_string()));
            }
            for item in items {
                walk(item, at, rest, out);
            }
            return;
        }
        if rest.is_empty() {
            return;
        }
        let (key, next) = rest.split_once('.').unwrap_or((rest, ""));
        if let Some(child) = v.member(key) {
            let here = if at.is_empty() {
                key.to_string()
            } else {
                format!("{at}.{key}")
            };
            walk(child, &here, next, out);
        }
    }
    let mut out = Vec::new();
    for path in paths {
        walk(event, "", path, &mut out);
    }
    out
}

/// `employees[0]`, `orders[2].items[1]`: the elements a membership names.
pub fn describe(m: &Membership, names: &[(usize, String)]) -> String {
    m.iter()
        .map(|(array, index)| {
            let name = names
                .iter()
                .find(|(a, _)| a == array)
                .map_or("(array)", |(_, n)| n.as_str());
            format!("{name}[{index}]")
        })
        .collect::<Vec<_>>()
        .join(", ")
}
