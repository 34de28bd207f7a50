//! Wildcard values (`dir/*.png`): parsed once (`\*` is a literal star, `\\` a backslash),
//! matched against whole strings, and refused when too complex, as EventBridge does.

use super::compile::Invalid;

/// How many of a wildcard's `*`s may be alive at once; above this EventBridge calls a rule too
/// complex. (`*:*:*:*:*:event-bus/*` keeps five alive on `:::::` and is refused; a long literal
/// after one `*`, `/Users/*/dir/dir/dir/dir/dir/doc.txt`, is accepted.) The limit AWS applies is
/// not published: this one agrees with the recorded cases.
const MAX_WILDCARD_STATES: usize = 4;

/// A wildcard value split at its unescaped `*`s: `a*b*c` → `["a", "b", "c"]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Wildcard {
    pub parts: Vec<String>,
}

impl Wildcard {
    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let parts = &self.parts;
        let Some((first, rest)) = parts.split_first() else {
            return text.is_empty();
        };
        let Some(mut rest_text) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return rest_text.is_empty();
        };
        for part in middle {
            match rest_text.find(part.as_str()) {
                Some(i) => rest_text = &rest_text[i + part.len()..],
                None => return false,
            }
        }
        rest_text.len() >= last.len() && rest_text.ends_with(last.as_str())
    }
}

/// A wildcard value: `*` any run, `\*` a literal star, `\\` a literal backslash.
pub(super) fn wildcard(value: &str, at: usize) -> Result<Wildcard, Invalid> {
    let mut parts = vec![String::new()];
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // EventBridge counts positions with the opening quote included.
        let pos = i + 1;
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('*' | '\\'))) => parts.last_mut().map_or((), |p| p.push(e)),
                _ => return invalid_at(format!("Invalid escape character at pos {pos}"), at),
            },
            '*' => {
                if chars.peek().is_some_and(|(_, n)| *n == '*') {
                    return invalid_at(format!("Consecutive wildcard characters at pos {pos}"), at);
                }
                parts.push(String::new());
            }
            c => parts.last_mut().map_or((), |p| p.push(c)),
        }
    }
    let w = Wildcard { parts };
    if wildcard_states(&w) > MAX_WILDCARD_STATES {
        return Err(Invalid {
            reason: "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character".into(),
            at: Some(at),
        });
    }
    Ok(w)
}

/// The most `*` positions of the wildcard's automaton alive at once on an adversarial input
/// (each character of the pattern repeated, and each literal run repeated, also after the
/// leading literal). Many alive at once is what EventBridge refuses as "too complex".
pub(super) fn wildcard_states(w: &Wildcard) -> usize {
    // Positions: literal characters, with a star before every part but the first.
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    for (i, part) in w.parts.iter().enumerate() {
        if i > 0 {
            toks.push(Tok::Star);
        }
        toks.extend(part.chars().map(Tok::Char));
    }
    let close = |set: &mut Vec<usize>| {
        let mut i = 0;
        while i < set.len() {
            let p = set[i];
            if toks.get(p) == Some(&Tok::Star) && !set.contains(&(p + 1)) {
                set.push(p + 1);
            }
            i += 1;
        }
    };
    let run = |input: &mut dyn Iterator<Item = char>| -> usize {
        let mut set = vec![0usize];
        close(&mut set);
        let mut most = 0;
        for c in input {
            let mut next = Vec::new();
            for &p in &set {
                let to = match toks.get(p) {
                    Some(Tok::Star) => p,
                    Some(Tok::Char(x)) if *x == c => p + 1,
                    _ => continue,
                };
                if !next.contains(&to) {
                    next.push(to);
                }
            }
            close(&mut next);
            let stars = next
                .iter()
                .filter(|p| toks.get(**p) == Some(&Tok::Star))
                .count();
            most = most.max(stars);
            set = next;
            if set.is_empty() {
                break;
            }
        }
        most
    };
    let length = toks.len() + 2;
    let mut most = 1;
    let mut inputs: Vec<String> = Vec::new();
    for part in &w.parts {
        for c in part.chars() {
            inputs.push(std::iter::repeat_n(c, length).collect());
        }
        if !part.is_empty() {
            inputs.push(part.repeat(length));
        }
    }
    // Inputs that follow the pattern's own text, so the first part's prefix is passed.
    let mut guided: Vec<String> = Vec::new();
    for input in &inputs {
        guided.push(format!("{}{}", w.parts[0], input));
    }
    for input in inputs.iter().chain(&guided) {
        most = most.max(run(&mut input.chars()));
    }
    most
}

fn invalid_at<T>(reason: String, at: usize) -> Result<T, Invalid> {
    Err(Invalid {
        reason,
        at: Some(at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(parts: &[&str]) -> Wildcard {
        Wildcard {
            parts: parts.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn wildcards_match_whole_strings() {
        assert!(w(&["dir/", ".png"]).matches("dir/a/b.png"));
        assert!(w(&["dir/", ".png"]).matches("dir/.png"));
        assert!(!w(&["dir/", ".png"]).matches("dir.png"));
        assert!(w(&["", ""]).matches(""));
        assert!(w(&["a", "a"]).matches("aa"));
        assert!(!w(&["ab", "ba"]).matches("aba"), "parts do not overlap");
        assert!(w(&["", "x", ""]).matches("axb"));
        assert!(w(&[""]).matches(""));
        assert!(!w(&[""]).matches("x"));
    }
}
