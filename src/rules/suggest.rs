//! "Did you mean" suggestions.

/// The candidate closest to `word`, when one is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word_l, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
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
        assert_eq!(as_id("Acme FB"), "acme_fb");
        assert_eq!(as_id("1st"), "p1st");
    }
}
