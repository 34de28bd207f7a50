//! Pattern text → a tree of conditions, checked the way EventBridge checks it. Errors carry
//! EventBridge's own reason texts (as tests/data/eventbridge-patterns records them) and
//! the byte offset of the offending value.

use std::net::IpAddr;

use super::json::{Json, Node};
use super::matcher::{AnythingBut, Bound, Matcher, fold};
use super::wildcard::wildcard;

/// A compiled pattern: fields ANDed, `$or` branches as alternatives.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Field(Field),
}

/// One field path with its match list (ORed).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Keys from the root joined with `.` (EventBridge joins dotted keys the same way).
    pub path: String,
    pub matchers: Vec<Matcher>,
    /// Each matcher as written in the pattern (for explanations).
    pub written: Vec<String>,
    /// The list holds `{"exists": false}`: a missing field matches.
    pub absent_ok: bool,
    /// This field's number in a [`super::PatternSet`] (0 in a lone pattern).
    pub id: usize,
    /// Where its list starts in the pattern text: of two lists for one path, the later wins.
    pub at: usize,
}

/// Why a pattern is not valid: EventBridge's reason, and where in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub reason: String,
    pub at: Option<usize>,
}

type Result<T> = std::result::Result<T, Invalid>;

fn invalid<T>(reason: impl Into<String>, at: usize) -> Result<T> {
    Err(Invalid {
        reason: reason.into(),
        at: Some(at),
    })
}

/// EventBridge's default limit on a pattern's length (adjustable with Service Quotas).
pub const MAX_PATTERN_CHARS: usize = 2048;
/// EventBridge's limit on the combinations `$or` expands to.
pub const MAX_OR_COMBINATIONS: u64 = 1000;

/// Names that are operators, refused as field names inside `$or`.
const RESERVED: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

pub fn compile(root: &Node, text: &str) -> Result<Cond> {
    let Json::Object(members) = &root.value else {
        return invalid("Filter is not an object", root.at);
    };
    if members.is_empty() {
        return invalid("Empty objects are not allowed", root.at);
    }
    let mut scope = Scope::default();
    object(members, "", &mut scope, false, text)?;
    let combinations = scope.combinations();
    if combinations > MAX_OR_COMBINATIONS {
        return invalid(
            format!(
                "The pattern's $or expands to {combinations} combinations; EventBridge allows at most {MAX_OR_COMBINATIONS}"
            ),
            root.at,
        );
    }
    let chars = text.chars().count();
    if chars > MAX_PATTERN_CHARS {
        return Err(Invalid {
            reason: format!(
                "The pattern is {chars} characters long; EventBridge's default limit is {MAX_PATTERN_CHARS} (a Service Quotas increase allows more)"
            ),
            at: None,
        });
    }
    Ok(scope.into_cond())
}

/// Fields of one object level (and its nested objects), plus its `$or` groups.
#[derive(Clone, Default)]
struct Scope {
    fields: Vec<Field>,
    ors: Vec<Vec<Scope>>,
}

impl Scope {
    /// A repeated path keeps its place and takes the list written later (EventBridge: last wins).
    fn set(&mut self, field: Field) {
        match self.fields.iter_mut().find(|f| f.path == field.path) {
            Some(existing) if existing.at <= field.at => *existing = field,
            Some(_) => {}
            None => self.fields.push(field),
        }
    }

    fn combinations(&self) -> u64 {
        self.ors.iter().fold(1u64, |acc, branches| {
            let n: u64 = branches.iter().map(Scope::combinations).sum();
            acc.saturating_mul(n)
        })
    }

    fn into_cond(self) -> Cond {
        self.into_cond_within(Vec::new())
    }

    /// As event-ruler builds a pattern (its default, `withOverriding`): each `$or` branch is the
    /// enclosing fields plus the branch's own, and of two lists for one key the one written later
    /// in the text replaces the other in that branch (`{"name": ["a"], "$or": [{"name":
    /// [{"anything-but": "a"}]}, {"c": ["x"]}]}` matches `{"name": "c"}` through its first
    /// branch; a key written after the `$or` replaces the branches' own). `enclosing` are the
    /// fields of outer levels.
    fn into_cond_within(self, enclosing: Vec<Field>) -> Cond {
        let Scope { fields, ors } = self;
        // Of an enclosing list and this level's for one path, the one written later wins.
        let mut base = Scope {
            fields: enclosing,
            ors: Vec::new(),
        };
        for f in fields {
            base.set(f);
        }
        let base = base.fields;
        let renames = ors
            .iter()
            .flatten()
            .any(|branch| base.iter().any(|f| branch.names(&f.path)));
        if !renames {
            // The usual case: the branches are alternatives beside the fields.
            let mut all: Vec<Cond> = base.into_iter().map(Cond::Field).collect();
            for branches in ors {
                all.push(Cond::Any(
                    branches.into_iter().map(Scope::into_cond).collect(),
                ));
            }
            return Cond::All(all);
        }
        // A branch renames an enclosing key: every combination of branches (one from each `$or`
        // at this level; EventBridge limits them to 1,000) gets the fields it inherits.
        let mut combinations: Vec<Scope> = vec![Scope::default()];
        for branches in ors {
            let mut next = Vec::with_capacity(combinations.len() * branches.len());
            for combination in &combinations {
                for branch in &branches {
                    let mut both = combination.clone();
                    for f in &branch.fields {
                        both.set(f.clone());
                    }
                    both.ors.extend(branch.ors.iter().cloned());
                    next.push(both);
                }
            }
            combinations = next;
        }
        Cond::Any(
            combinations
                .into_iter()
                .map(|c| c.into_cond_within(base.clone()))
                .collect(),
        )
    }

    /// Whether this scope or one of its branches names `path`.
    fn names(&self, path: &str) -> bool {
        self.fields.iter().any(|f| f.path == path)
            || self.ors.iter().flatten().any(|b| b.names(path))
    }
}

fn object(
    members: &[(String, Node)],
    prefix: &str,
    scope: &mut Scope,
    in_or: bool,
    text: &str,
) -> Result<()> {
    for (key, node) in members {
        if key == "$or" {
            let Json::Array(items) = &node.value else {
                return invalid("It must be an Array followed with $or.", node.at);
            };
            if items.len() < 2 {
                return invalid(
                    "There must have at least 2 Objects in $or relationship.",
                    node.at,
                );
            }
            let mut branches = Vec::with_capacity(items.len());
            for item in items {
                let Json::Object(m) = &item.value else {
                    return invalid(
                        "Only JSON object is allowed in array of $or relationship.",
                        item.at,
                    );
                };
                if m.is_empty() {
                    return invalid("Empty objects are not allowed", item.at);
                }
                let mut branch = Scope::default();
                object(m, prefix, &mut branch, true, text)?;
                branches.push(branch);
            }
            scope.ors.push(branches);
            continue;
        }
        if in_or && RESERVED.contains(&key.as_str()) {
            return invalid(
                format!("{key} is Ruler reserved fieldName which cannot be used inside $or."),
                node.at,
            );
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match &node.value {
            Json::Object(m) if m.is_empty() => {
                return invalid("Empty objects are not allowed", node.at);
            }
            Json::Object(m) => object(m, &path, scope, in_or, text)?,
            Json::Array(items) if items.is_empty() => {
                return invalid("Empty arrays are not allowed", node.at);
            }
            Json::Array(items) => {
                let mut matchers = Vec::with_capacity(items.len());
                let mut written = Vec::with_capacity(items.len());
                for item in items {
                    matchers.push(element(item)?);
                    written.push(text.get(item.at..item.end).unwrap_or("").to_string());
                }
                scope.set(Field {
                    path,
                    absent_ok: matchers.contains(&Matcher::Exists(false)),
                    id: 0,
                    at: node.at,
                    matchers,
                    written,
                });
            }
            _ => return invalid(format!("\"{key}\" must be an object or an array"), node.at),
        }
    }
    Ok(())
}

/// One element of a match list.
fn element(node: &Node) -> Result<Matcher> {
    match &node.value {
        Json::String(s) => Ok(Matcher::String(s.clone())),
        Json::Number(t) => Ok(number_literal(t)),
        Json::Bool(b) => Ok(Matcher::Bool(*b)),
        Json::Null => Ok(Matcher::Null),
        Json::Array(_) => invalid(
            "Match value must be String, number, true, false, or null",
            node.at,
        ),
        Json::Object(m) => {
            let Some((name, value)) = m.first() else {
                return invalid("Match expression name not found", node.at);
            };
            let matcher = operator(name, value)?;
            if m.len() > 1 {
                let reason = if matches!(name.as_str(), "numeric" | "anything-but") {
                    "Too many elements in numeric expression"
                } else {
                    "Only one key allowed in match expression"
                };
                return invalid(reason, m[1].1.at);
            }
            Ok(matcher)
        }
    }
}

fn operator(name: &str, v: &Node) -> Result<Matcher> {
    let string = |reason: &str| match &v.value {
        Json::String(s) => Ok(s.clone()),
        _ => invalid(reason, v.at),
    };
    match name {
        "prefix" | "suffix" => affix(name, v),
        "equals-ignore-case" => Ok(Matcher::EqualsIgnoreCase(fold(&string(
            "equals-ignore-case match pattern must be a string",
        )?))),
        "exactly" => Ok(Matcher::String(string(
            "exact match pattern must be a string",
        )?)),
        "anything-but" => anything_but(v).map(Matcher::AnythingBut),
        "numeric" => numeric(v),
        "cidr" => cidr(&string("prefix match pattern must be a string")?, v.at),
        "exists" => match v.value {
            Json::Bool(b) => Ok(Matcher::Exists(b)),
            _ => invalid("exists match pattern must be either true or false.", v.at),
        },
        "wildcard" => Ok(Matcher::Wildcard(wildcard(
            &string("wildcard match pattern must be a string")?,
            v.at,
        )?)),
        other => invalid(format!("Unrecognized match type {other}"), v.at),
    }
}

/// `prefix` / `suffix`: a string, or `{"equals-ignore-case": "…"}`.
fn affix(name: &str, v: &Node) -> Result<Matcher> {
    let prefix = name == "prefix";
    match &v.value {
        Json::String(s) if prefix => Ok(Matcher::Prefix(s.clone())),
        Json::String(s) => Ok(Matcher::Suffix(s.clone())),
        Json::Object(m) => {
            let title = if prefix { "Prefix" } else { "Suffix" };
            let Some((key, inner)) = m.first() else {
                return invalid(format!("{title} expression name not found"), v.at);
            };
            if key != "equals-ignore-case" {
                return invalid(format!("Unsupported {name} pattern: {key}"), inner.at);
            }
            let Json::String(s) = &inner.value else {
                return invalid(
                    "equals-ignore-case match pattern must be a string",
                    inner.at,
                );
            };
            if m.len() > 1 {
                return invalid("Only one key allowed in match expression", m[1].1.at);
            }
            Ok(if prefix {
                Matcher::PrefixIgnoreCase(fold(s))
            } else {
                Matcher::SuffixIgnoreCase(fold(s))
            })
        }
        _ => invalid(format!("{name} match pattern must be a string"), v.at),
    }
}

const ANYTHING_BUT_VALUE: &str =
    "Value of anything-but must be an array or single string/number value.";
const ANYTHING_BUT_MIXED: &str =
    "Inside anything but list, either all values are number or string, mixed type is not supported";

fn anything_but(v: &Node) -> Result<AnythingBut> {
    match &v.value {
        Json::String(s) => Ok(AnythingBut::Strings(vec![s.clone()])),
        Json::Number(t) => Ok(AnythingBut::Numbers(vec![comparable(t, v.at)?])),
        Json::Array(items) => {
            let Some(first) = items.first() else {
                return invalid(ANYTHING_BUT_MIXED, v.at);
            };
            let strings = matches!(first.value, Json::String(_));
            let (mut texts, mut numbers) = (Vec::new(), Vec::new());
            for item in items {
                match &item.value {
                    Json::String(s) if strings => texts.push(s.clone()),
                    Json::Number(t) if !strings => numbers.push(comparable(t, item.at)?),
                    Json::String(_) | Json::Number(_) => {
                        return invalid(ANYTHING_BUT_MIXED, item.at);
                    }
                    _ => {
                        return invalid(
                            "Inside anything but list, start|null|boolean is not supported.",
                            item.at,
                        );
                    }
                }
            }
            Ok(if strings {
                AnythingBut::Strings(texts)
            } else {
                AnythingBut::Numbers(numbers)
            })
        }
        Json::Object(m) => {
            let Some((key, inner)) = m.first() else {
                return invalid("Anything-But expression name not found", v.at);
            };
            let form = match key.as_str() {
                "prefix" | "suffix" => {
                    let list =
                        strings_of(inner, "prefix/suffix match pattern must be a string", {
                            |s: &str, at| {
                                if s.is_empty() {
                                    invalid("Null prefix/suffix not allowed", at)
                                } else {
                                    Ok(s.to_string())
                                }
                            }
                        })?;
                    if key == "prefix" {
                        AnythingBut::Prefixes(list)
                    } else {
                        AnythingBut::Suffixes(list)
                    }
                }
                "equals-ignore-case" => AnythingBut::IgnoreCase(strings_of(
                    inner,
                    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                    |s, _| Ok(fold(s)),
                )?),
                "wildcard" => AnythingBut::Wildcards(strings_of(
                    inner,
                    "wildcard match pattern must be a string",
                    wildcard,
                )?),
                other => {
                    return invalid(
                        format!("Unsupported anything-but pattern: {other}"),
                        inner.at,
                    );
                }
            };
            if m.len() > 1 {
                return invalid("Too many elements in numeric expression", m[1].1.at);
            }
            Ok(form)
        }
        Json::Null | Json::Bool(_) => invalid(ANYTHING_BUT_VALUE, v.at),
    }
}

/// A string or a list of strings, each turned into `T`; an object is the wrong shape entirely.
fn strings_of<T>(
    v: &Node,
    not_string: &str,
    each: impl Fn(&str, usize) -> Result<T>,
) -> Result<Vec<T>> {
    match &v.value {
        Json::String(s) => Ok(vec![each(s, v.at)?]),
        Json::Array(items) => items
            .iter()
            .map(|item| match &item.value {
                Json::String(s) => each(s, item.at),
                _ => invalid(not_string, item.at),
            })
            .collect(),
        Json::Object(_) => invalid(ANYTHING_BUT_VALUE, v.at),
        _ => invalid(not_string, v.at),
    }
}

fn number_literal(text: &str) -> Matcher {
    Matcher::Number {
        value: exact_f64(text),
        text: text.to_string(),
    }
}

/// The number as f64 when f64 holds it exactly enough to compare (integers up to 2^53).
fn exact_f64(text: &str) -> Option<f64> {
    let x: f64 = text.parse().ok().filter(|x: &f64| x.is_finite())?;
    let integer = !text.contains(['.', 'e', 'E']);
    if integer && x.abs() > (1u64 << 53) as f64 {
        return None;
    }
    Some(x)
}

/// An operand of `numeric` or numeric `anything-but`.
fn comparable(text: &str, at: usize) -> Result<f64> {
    exact_f64(text).map_or_else(
        || invalid(format!("Cannot compare number : {text}"), at),
        Ok,
    )
}

fn token(n: &Node) -> String {
    match &n.value {
        Json::String(s) => s.clone(),
        Json::Number(t) => t.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Null => "null".into(),
        Json::Array(_) => "[".into(),
        Json::Object(_) => "{".into(),
    }
}

fn numeric(v: &Node) -> Result<Matcher> {
    let Json::Array(items) = &v.value else {
        return invalid("Value of numeric must be an array.", v.at);
    };
    let operand = |i: usize, op: &str| -> Result<f64> {
        let name = if op == "=" { "equals" } else { op };
        match items.get(i).map(|n| &n.value) {
            Some(Json::Number(t)) => comparable(t, items[i].at),
            _ => invalid(
                format!("Value of {name} must be numeric"),
                items.get(i).map_or(v.end.saturating_sub(1), |n| n.at),
            ),
        }
    };
    let Some(first) = items.first() else {
        return invalid(
            "Invalid member in numeric match: ]",
            v.end.saturating_sub(1),
        );
    };
    let Json::String(op) = &first.value else {
        return invalid(
            format!("Invalid member in numeric match: {}", token(first)),
            first.at,
        );
    };
    let too_many = |from: usize| -> Result<()> {
        match items.get(from) {
            Some(n) => invalid("Too many elements in numeric expression", n.at),
            None => Ok(()),
        }
    };
    let bound = |value, inclusive| Some(Bound { value, inclusive });
    match op.as_str() {
        "=" => {
            let x = operand(1, "=")?;
            too_many(2)?;
            Ok(Matcher::Numeric {
                lower: bound(x, true),
                upper: bound(x, true),
            })
        }
        "<" | "<=" => {
            let x = operand(1, op)?;
            too_many(2)?;
            Ok(Matcher::Numeric {
                lower: None,
                upper: bound(x, op == "<="),
            })
        }
        ">" | ">=" => {
            let low = operand(1, op)?;
            let lower = bound(low, op == ">=");
            let Some(second) = items.get(2) else {
                return Ok(Matcher::Numeric { lower, upper: None });
            };
            let Json::String(op2) = &second.value else {
                return invalid(
                    format!("Bad value in numeric range: {}", token(second)),
                    second.at,
                );
            };
            if op2 != "<" && op2 != "<=" {
                return invalid(format!("Bad numeric range operator: {op2}"), second.at);
            }
            let high = operand(3, op2)?;
            if let Some(n) = items.get(4) {
                return invalid("Too many terms in numeric range expression", n.at);
            }
            if low >= high {
                return invalid("Bottom must be less than top", items[3].at);
            }
            Ok(Matcher::Numeric {
                lower,
                upper: bound(high, op2 == "<="),
            })
        }
        other => invalid(
            format!("Unrecognized numeric range operator: {other}"),
            first.at,
        ),
    }
}

fn cidr(text: &str, at: usize) -> Result<Matcher> {
    let no_location = |reason: String| {
        Err(Invalid {
            reason,
            at: Some(at),
        })
    };
    let parts: Vec<&str> = text.split('/').collect();
    let [ip, mask] = parts.as_slice() else {
        return no_location("Malformed CIDR, one '/' required".into());
    };
    let Ok(bits) = mask.parse::<i64>() else {
        return no_location("Malformed CIDR, mask bits must be an integer".into());
    };
    if bits < 0 {
        return no_location("Malformed CIDR, mask bits must not be negative".into());
    }
    let ip_like = ip.chars().all(|c| c.is_ascii_digit() || c == '.')
        || (ip.contains(':')
            && ip
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'));
    if !ip_like || ip.is_empty() {
        return no_location(format!("Nonstandard IP address: {ip}"));
    }
    let Ok(network) = ip.parse::<IpAddr>() else {
        return no_location(format!("Invalid IP address: {ip}"));
    };
    let max = if network.is_ipv4() { 32 } else { 128 };
    if bits >= max {
        let family = if network.is_ipv4() { "IPv4" } else { "IPv6" };
        return no_location(format!("{family} mask bits must be < {max}"));
    }
    Ok(Matcher::Cidr {
        network,
        bits: u8::try_from(bits).unwrap_or(0),
    })
}
