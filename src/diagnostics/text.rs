//! Text from the configuration or the platform, made safe to show: control characters
//! (and the invisible characters that reorder or break lines) escaped visibly, and values
//! clipped where a message quotes them. Every renderer for people goes through here, so a
//! value can never move the cursor, recolour a terminal or hide text in a review.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or a markdown page as it is: C0 and C1 control
/// characters, DEL, the bidirectional controls (which can make a review show text in
/// another order than the one that applies), and the Unicode line and paragraph
/// separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The visible form of an unsafe character: `\n`, `\r`, `\t`, or `\u{1b}`.
pub fn escape_char(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` with every unsafe character escaped visibly (borrowed when there is none).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe)
}

/// `s` with the characters `unsafe_` selects escaped visibly.
pub fn escape_where(s: &str, unsafe_: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.find(&unsafe_) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if unsafe_(c) {
            escape_char(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// How many characters of a value a message quotes before cutting it with `…`.
pub const QUOTE_MAX: usize = 80;

/// A value as a message quotes it: at most [`QUOTE_MAX`] characters, then `…`. The value
/// itself is in the file, at the diagnostic's span; a message only needs to name it.
pub fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(QUOTE_MAX) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_visibly() {
        assert_eq!(escape("plain é 世界"), "plain é 世界");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("l1\nl2\r\t"), "l1\\nl2\\r\\t");
        assert_eq!(escape("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape("\u{2028}"), "\\u{2028}");
    }

    #[test]
    fn clip_cuts_long_values_on_a_character() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(QUOTE_MAX + 5);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), QUOTE_MAX + 1);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip(&"x".repeat(QUOTE_MAX)), "x".repeat(QUOTE_MAX));
    }
}
