//! Texts compared word by word, and the choice between a word diff and the two texts in
//! full: a word diff reads well while few words changed; once more than a third of them
//! did ([`is_rewrite`]), the reader is better served by the before and the after whole.

use similar::{ChangeTag, TextDiff};

/// Texts longer than this many bytes (on either side) are shown before and after in
/// full rather than as a word diff: the diff costs the product of the two lengths.
pub const WORD_DIFF_MAX: usize = 2_000;

/// A run of text that is kept, removed or added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// kept (`Equal`), removed (`Delete`) or added (`Insert`)
    pub tag: ChangeTag,
    /// the text of the run, as written (not escaped)
    pub text: String,
}

/// A word diff: the runs in reading order, and how many words each side has and how many
/// of them were removed or added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordDiff {
    /// the runs, consecutive tokens of one tag merged
    pub runs: Vec<Run>,
    /// words of the old text
    pub before_words: usize,
    /// words of the new text
    pub after_words: usize,
    /// words removed from the old text plus words added in the new one
    pub changed_words: usize,
}

impl WordDiff {
    /// Whether so many words changed (more than a third of the words of both texts) that
    /// the two texts read better whole than as a word diff.
    pub fn is_rewrite(&self) -> bool {
        self.changed_words * 3 > self.before_words + self.after_words
    }
}

/// A token that counts as a word: one with a letter or a digit (not white space nor
/// punctuation alone).
fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// Compares two texts word by word, or `None` when either is over [`WORD_DIFF_MAX`].
pub fn diff(before: &str, after: &str) -> Option<WordDiff> {
    if before.len() > WORD_DIFF_MAX || after.len() > WORD_DIFF_MAX {
        return None;
    }
    let diff = TextDiff::from_unicode_words(before, after);
    let mut out = WordDiff {
        runs: Vec::new(),
        before_words: 0,
        after_words: 0,
        changed_words: 0,
    };
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        let token = change.value();
        if is_word(token) {
            match tag {
                ChangeTag::Equal => {
                    out.before_words += 1;
                    out.after_words += 1;
                }
                ChangeTag::Delete => {
                    out.before_words += 1;
                    out.changed_words += 1;
                }
                ChangeTag::Insert => {
                    out.after_words += 1;
                    out.changed_words += 1;
                }
            }
        }
        match out.runs.last_mut() {
            Some(run) if run.tag == tag => run.text.push_str(token),
            _ => out.runs.push(Run {
                tag,
                text: token.to_string(),
            }),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_not_spaces_or_punctuation() {
        let d = diff("Hello there, how are you", "Hello friend, how are you").unwrap();
        assert_eq!((d.before_words, d.after_words, d.changed_words), (5, 5, 2));
        assert!(!d.is_rewrite());
        let tags: Vec<(ChangeTag, &str)> =
            d.runs.iter().map(|r| (r.tag, r.text.as_str())).collect();
        assert_eq!(
            tags,
            [
                (ChangeTag::Equal, "Hello "),
                (ChangeTag::Delete, "there"),
                (ChangeTag::Insert, "friend"),
                (ChangeTag::Equal, ", how are you"),
            ]
        );
    }

    #[test]
    fn a_third_is_the_threshold() {
        // 3 of 9 words replaced: a third exactly, still a word diff.
        let d = diff("a b c d e f g h i", "a b c d e f x y z").unwrap();
        assert_eq!(d.changed_words, 6);
        assert!(!d.is_rewrite());
        // 4 of 9: a rewrite.
        assert!(
            diff("a b c d e f g h i", "a b c d e w x y z")
                .unwrap()
                .is_rewrite()
        );
        assert!(
            diff("Welcome aboard", "Hi, thanks for flying with us")
                .unwrap()
                .is_rewrite()
        );
    }

    #[test]
    fn over_the_bound_is_not_diffed() {
        let long = "word ".repeat(WORD_DIFF_MAX / 5 + 1);
        assert!(diff(&long, "word").is_none());
        assert!(diff("word", &long).is_none());
    }
}
