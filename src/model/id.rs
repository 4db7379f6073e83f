//! Identifiers of profiles, groups, contact attributes and proactive messages: the one
//! pattern and the one normalisation that turns a name into an id.

/// Identifier of profiles, groups, contact attributes and proactive messages.
pub const ID_PATTERN: &str = "^[a-z][a-z0-9_]{0,62}$";

/// Whether `s` is a valid id ([`ID_PATTERN`]).
pub fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && s.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A valid id made from a name: lower case, each run of other characters one `_`, none
/// at the ends (`Acme Air` → `acme_air`), `p` before a leading digit (`1st` → `p1st`),
/// at most 63 characters, `profile` when nothing is left. The names of live resources
/// (`import`), the sandbox's ids of connected accounts (`x_acmecare`) and the example of
/// an invalid id's help line all come from here.
pub fn from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    let mut out = if out.is_empty() {
        "profile".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("p{out}")
    } else {
        out.to_string()
    };
    out.truncate(63);
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_valid_ids() {
        // import's cases are its own test (`tools::import`); these are the others'.
        assert_eq!(from_name("Acme FB"), "acme_fb");
        assert_eq!(from_name("1st"), "p1st");
        assert_eq!(from_name("x_AcmeCare"), "x_acmecare");
        assert_eq!(from_name("facebook_123"), "facebook_123");
        for name in ["Acme Air", "1st", "Äöü", &"x".repeat(200), "a_", "_a"] {
            assert!(is_id(&from_name(name)), "{name}");
        }
    }

    #[test]
    fn is_id_is_the_pattern() {
        let re = |s: &str| {
            let mut c = s.chars();
            c.next().is_some_and(|c| c.is_ascii_lowercase())
                && s.chars().count() <= 63
                && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        };
        for s in [
            "a",
            "a_1",
            "A",
            "1a",
            "",
            "a-b",
            "é",
            &"a".repeat(63),
            &"a".repeat(64),
        ] {
            assert_eq!(is_id(s), re(s), "{s}");
        }
        assert_eq!(ID_PATTERN, "^[a-z][a-z0-9_]{0,62}$");
    }
}
