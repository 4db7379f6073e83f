//! "Did you mean" suggestions.

/// Words and candidates longer than this many bytes are never compared: a name that
/// long is no typo of a name, and comparing two costs the product of their lengths.
pub const MAX_WORD: usize = 128;

/// How many candidate comparisons one run of the rules (or of the live checks) spends on
/// suggestions. A real configuration spends a few thousand; one with thousands of unknown
/// names among thousands of candidates would otherwise spend their product.
pub const BUDGET: usize = 200_000;

/// The candidate closest to `word`, when one is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    Budget::new(usize::MAX).closest(word, candidates)
}

/// A budget of comparisons shared by the suggestions of one run: once spent, names get
/// no "did you mean" (their help falls back to naming what exists).
#[derive(Debug, Clone)]
pub struct Budget {
    left: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(BUDGET)
    }
}

impl Budget {
    /// A budget of `comparisons`.
    pub fn new(comparisons: usize) -> Self {
        Budget { left: comparisons }
    }

    /// The candidate closest to `word`, when one is close enough to be a likely typo
    /// and the budget allows looking.
    pub fn closest<'a>(
        &mut self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if word.len() > MAX_WORD {
            return None;
        }
        let word_l = word.to_lowercase();
        let mut best: Option<(f64, &'a str)> = None;
        for c in candidates {
            if self.left == 0 {
                return None;
            }
            self.left -= 1;
            if c.len() > MAX_WORD {
                continue;
            }
            let score = strsim::jaro_winkler(&word_l, &c.to_lowercase());
            if score >= 0.85 && best.is_none_or(|(b, _)| score >= b) {
                best = Some((score, c));
            }
        }
        best.map(|(_, c)| c)
    }
}

/// At most this many names are listed in a help line.
pub const LIST_MAX: usize = 20;

/// Names for a help line, back-quoted and comma-separated: at most [`LIST_MAX`], then how
/// many more there are (only those shown are read).
pub fn list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let shown: Vec<String> = names
        .take(LIST_MAX)
        .map(|n| format!("`{}`", crate::diagnostics::text::clip(n)))
        .collect();
    let mut out = shown.join(", ");
    if total > shown.len() {
        out.push_str(&format!(" and {} more", total - shown.len()));
    }
    out
}

/// A valid id close to `word`, for help lines.
pub fn as_id(word: &str) -> String {
    let mut out: String = word
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'p');
    }
    out.truncate(63);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("greting", ["greeting", "get_started"]),
            Some("greeting")
        );
        assert_eq!(closest("zzz", ["greeting"]), None);
        // On a tie, the last candidate (as `max_by` does).
        assert_eq!(closest("abcd", ["abcx", "abcy"]), Some("abcy"));
        assert_eq!(as_id("Acme FB"), "acme_fb");
        assert_eq!(as_id("1st"), "p1st");
    }

    #[test]
    fn a_spent_budget_suggests_nothing() {
        let mut b = Budget::new(3);
        assert_eq!(b.closest("greting", ["a", "greeting"]), Some("greeting"));
        assert_eq!(b.closest("greting", ["a", "greeting"]), None);
        assert_eq!(
            closest(&"a".repeat(MAX_WORD + 1), [&*"a".repeat(MAX_WORD + 1)]),
            None
        );
    }

    #[test]
    fn lists_are_cut() {
        assert_eq!(list(["a", "b"].into_iter()), "`a`, `b`");
        let names: Vec<String> = (0..25).map(|i| format!("n{i}")).collect();
        let l = list(names.iter().map(String::as_str));
        assert!(l.ends_with("`n19` and 5 more"), "{l}");
    }
}
