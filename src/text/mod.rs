//! The twitter-text port: X's weighted text length, as twitter-text v3 counts it:
//! `parseTweet` with the default `version3` configuration (scale 100, default weight 200, weight 100 for U+0000–U+10FF,
//! U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, every URL as 23, emoji parsing on).
//!
//! Every weight of that configuration is a multiple of its scale, so adding up the weights
//! already divided by the scale (1 or 2 per code point, 2 per emoji, 23 per URL) gives
//! exactly twitter-text's `floor(sum / scale)`.
//!
//! URLs, as twitter-text finds them in the common cases:
//! - `http://` and `https://` (scheme in any case) followed by a host of at least two
//!   dot-separated labels (any TLD, IPv4 addresses, internationalised labels), an optional
//!   `:port` and an optional path, query or fragment;
//! - bare hosts starting with `www.` and ending in an alphabetic label (`www.example.xyz`);
//! - bare domains ending in one of `COMMON_TLDS`, at the start of the text or after
//!   whitespace or an opening bracket or quote, followed by a `/path` or a boundary.
//!
//! Trailing sentence punctuation (`.`, `,`, `!`, `?`, `:`, `;`, quotes, an unbalanced `)`)
//! is left out of a URL, as twitter-text leaves it out.
//!
//! As twitter-text does, the text is NFC-normalised before it is weighed (a decomposed
//! accent counts as the one precomposed character X sees); URL ranges are found in the
//! text as written, since they point back into the configuration.
//!
//! Where this module knowingly differs from twitter-text:
//! - Emoji are recognised by a small grammar over a conservative code point predicate
//!   (see `emoji_sequence`) inside grapheme clusters, not by twemoji's generated regex.
//! - URLs are found by a hand-written scanner, not the full twitter-text regex: no
//!   userinfo, no IPv6 literals, no punycode length check on non-ASCII labels, and only
//!   the TLDs of `COMMON_TLDS` for bare domains.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// What X counts for each URL: the length of its t.co wrapper.
const URL_WEIGHT: usize = 23;
/// What X counts for each emoji, however many code points it is made of.
const EMOJI_WEIGHT: usize = 2;

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';
const COMBINING_KEYCAP: char = '\u{20E3}';
const CANCEL_TAG: char = '\u{E007F}';

/// X's weighted length of `text` (twitter-text v3): what X counts against a limit.
pub fn weighted_length(text: &str) -> usize {
    use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};
    // Nearly every text is NFC already: only the others are copied.
    if is_nfc_quick(text.chars()) != IsNormalized::Yes {
        let normalized: String = text.nfc().collect();
        return nfc_weighted_length(&normalized);
    }
    nfc_weighted_length(text)
}

/// [`weighted_length`] of a text already in NFC.
fn nfc_weighted_length(text: &str) -> usize {
    let mut total = 0;
    let mut start = 0;
    for url in find_urls(text) {
        total += plain_weight(&text[start..url.start]) + URL_WEIGHT;
        start = url.end;
    }
    total + plain_weight(&text[start..])
}

/// The number of Unicode code points in `text`, which is what users usually think of as its length.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// The URLs found in `text`, as byte ranges, in order (what counts as 23 each).
pub fn find_urls(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut urls = Vec::new();
    let mut pos = 0;
    // Every URL starts with an ASCII letter or digit that does not continue a word, so
    // only those positions are tried; they are also always on a char boundary.
    while let Some(offset) = bytes[pos..].iter().position(u8::is_ascii_alphanumeric) {
        let start = pos + offset;
        if start == 0 || !bytes[start - 1].is_ascii_alphanumeric() {
            let prev = text[..start].chars().next_back();
            if let Some(len) = url_at(&text[start..], prev) {
                urls.push(start..start + len);
                pos = start + len;
                continue;
            }
        }
        let word = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        pos = start + word;
    }
    urls
}

/// The weight of text that holds no URL.
///
/// Grapheme segmentation is the costly part, so it only runs on the stretches that need
/// it: between two "simple" characters (see `is_simple`) there is always a cluster
/// boundary, and no segmentation rule looks back across one, so text is cut there and a
/// simple character with boundaries on both sides is weighed directly.
fn plain_weight(text: &str) -> usize {
    // Reused across clusters so that multi-code-point clusters do not allocate each time.
    let mut buf = Vec::new();
    let mut total = 0;
    let mut stretch_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_simple(c) || chars.peek().is_some_and(|&(_, next)| !is_simple(next)) {
            continue;
        }
        let end = i + c.len_utf8();
        total += if stretch_start == i {
            char_weight(c)
        } else {
            segmented_weight(&text[stretch_start..end], &mut buf)
        };
        stretch_start = end;
    }
    total + segmented_weight(&text[stretch_start..], &mut buf)
}

/// Characters with a grapheme cluster boundary between any two of them, none of which
/// makes an emoji with a simple neighbour: no marks, joiners, variation selectors,
/// regional indicators, Hangul jamo, prepended characters or pictographs (a digit only
/// makes a keycap with U+20E3, which is not simple). Common scripts only: anything else
/// goes through segmentation, which is always right, just slower.
fn is_simple(c: char) -> bool {
    // ASCII is most text, and one comparison on its own.
    if c.is_ascii() {
        return true;
    }
    matches!(
        c,
        '\u{A0}'..='\u{A8}'
            | '\u{AA}'..='\u{AD}'
            | '\u{AF}'..='\u{24F}'
            | '\u{391}'..='\u{3C9}'
            | '\u{410}'..='\u{44F}'
            | '\u{2010}'..='\u{2027}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3041}'..='\u{3096}'
            | '\u{30A0}'..='\u{30FF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{FF01}'..='\u{FF5E}'
    )
}

/// The weight of a stretch of text, cluster by cluster.
fn segmented_weight(text: &str, buf: &mut Vec<char>) -> usize {
    text.graphemes(true)
        .map(|cluster| {
            let mut chars = cluster.chars();
            match (chars.next(), chars.next()) {
                // A lone code point is never an emoji that weighs other than its code point.
                (Some(c), None) => char_weight(c),
                _ => cluster_weight(cluster, buf),
            }
        })
        .sum()
}

/// The weight of one grapheme cluster of several code points.
///
/// The cluster only bounds the search: a cluster can hold an emoji followed by marks that
/// twitter-text counts separately (`😀` + U+0301 is 2 + 1), so emoji are matched greedily
/// inside it and anything left over is weighed code point by code point.
fn cluster_weight(cluster: &str, buf: &mut Vec<char>) -> usize {
    buf.clear();
    buf.extend(cluster.chars());
    let mut total = 0;
    let mut i = 0;
    while i < buf.len() {
        match emoji_sequence(&buf[i..]) {
            Some(len) => {
                total += EMOJI_WEIGHT;
                i += len;
            }
            None => {
                total += char_weight(buf[i]);
                i += 1;
            }
        }
    }
    total
}

/// twitter-text v3's weight of a code point outside emoji and URLs.
fn char_weight(c: char) -> usize {
    match c {
        '\u{0}'..='\u{10FF}'
        | '\u{2000}'..='\u{200D}'
        | '\u{2010}'..='\u{201F}'
        | '\u{2032}'..='\u{2037}' => 1,
        _ => 2,
    }
}

/// The number of code points of the emoji sequence at the start of `cps`, if there is one:
/// elements joined by U+200D ZWJ.
///
/// This approximates twemoji's list (which twitter-text uses) by a grammar over code point
/// ranges rather than the list of sequences Unicode has named: an unnamed but well-formed
/// ZWJ sequence counts as one emoji here. The ranges are Extended_Pictographic-ish and err
/// on the side of being small; a lone code point weighs 2 whether or not it is recognised
/// (see [`is_pictographic`]), so the predicate only matters for multi-code-point sequences.
fn emoji_sequence(cps: &[char]) -> Option<usize> {
    let mut len = emoji_element(cps)?;
    while cps.get(len) == Some(&ZWJ) {
        match emoji_element(&cps[len + 1..]) {
            Some(next) => len += 1 + next,
            None => break,
        }
    }
    Some(len)
}

/// The number of code points of one emoji at the start of `cps`: a flag (two regional
/// indicators), a keycap (`#`, `*` or a digit, optional U+FE0F, U+20E3), or a pictograph
/// with an optional U+FE0F or skin tone and an optional tag sequence (subdivision flags).
fn emoji_element(cps: &[char]) -> Option<usize> {
    let (&first, rest) = cps.split_first()?;
    let next = rest.first().copied();
    if is_regional_indicator(first) {
        return next.filter(|&c| is_regional_indicator(c)).map(|_| 2);
    }
    if matches!(first, '0'..='9' | '#' | '*') {
        let base = if next == Some(VS16) { 2 } else { 1 };
        return (cps.get(base) == Some(&COMBINING_KEYCAP)).then_some(base + 1);
    }
    let mut len = if is_pictographic(first) {
        match next {
            Some(c) if c == VS16 || is_skin_tone(c) => 2,
            _ => 1,
        }
    } else if is_text_style_pictograph(first) && next == Some(VS16) {
        2
    } else {
        return None;
    };
    let tags = cps[len..].iter().take_while(|&&c| is_tag(c)).count();
    if tags > 0 && cps.get(len + tags) == Some(&CANCEL_TAG) {
        len += tags + 1;
    }
    Some(len)
}

/// Code points that are emoji on their own: U+1F000–U+1FAFF (emoticons, symbols and
/// pictographs, transport, supplemental symbols, and more), U+2600–U+27BF (miscellaneous
/// symbols and dingbats) and U+2B00–U+2BFF (arrows and shapes such as ⬛ and ⭐).
fn is_pictographic(c: char) -> bool {
    matches!(c, '\u{1F000}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}' | '\u{2B00}'..='\u{2BFF}')
}

/// Code points that are emoji only when U+FE0F asks for emoji presentation: without it,
/// `©` is a plain Latin-1 character that counts 1.
fn is_text_style_pictograph(c: char) -> bool {
    matches!(
        c,
        '\u{A9}'
            | '\u{AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{2194}'..='\u{21AA}'
            | '\u{231A}'..='\u{23FF}'
            | '\u{24C2}'
            | '\u{25AA}'..='\u{25FE}'
            | '\u{2934}'
            | '\u{2935}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{3297}'
            | '\u{3299}'
    )
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

/// The TLDs that make a bare domain (without `http://` or `www.`) a URL: com, net, org,
/// edu, gov, info, biz, io, co, ai, app, dev, me, tv, ly, uk, us, ca, au, de, fr, es, it,
/// nl, be, ch, eu, jp, cn, in, br and ru. twitter-text knows every TLD; these are the ones
/// a bio is most likely to use.
const COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "info", "biz", "io", "co", "ai", "app", "dev", "me", "tv",
    "ly", "uk", "us", "ca", "au", "de", "fr", "es", "it", "nl", "be", "ch", "eu", "jp", "cn", "in",
    "br", "ru",
];

/// The byte length of the URL starting at the start of `rest`, if one does; `prev` is the
/// character before it.
fn url_at(rest: &str, prev: Option<char>) -> Option<usize> {
    let scheme = if may_precede_scheme(prev) {
        ["https://", "http://"]
            .into_iter()
            .find(|scheme| starts_with_ignore_ascii_case(rest, scheme))
    } else {
        None
    };
    match scheme {
        Some(scheme) => schemed_url(rest, scheme.len()),
        None if may_precede_bare(prev) => bare_url(rest),
        None => None,
    }
}

/// twitter-text does not link a URL glued to a word, a mention, a hashtag or a cashtag.
fn may_precede_scheme(prev: Option<char>) -> bool {
    prev.is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃')))
}

/// Bare domains are only taken as words of their own, so that `user@example.com` or
/// `file.name.de` inside a longer token does not turn into a URL.
fn may_precede_bare(prev: Option<char>) -> bool {
    prev.is_none_or(|c| {
        c.is_whitespace() || matches!(c, '(' | '[' | '{' | '<' | '"' | '\'' | '“' | '‘' | '«')
    })
}

fn starts_with_ignore_ascii_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// An `http://` or `https://` URL: any TLD will do, as long as there are two labels.
fn schemed_url(rest: &str, scheme_len: usize) -> Option<usize> {
    let after = &rest[scheme_len..];
    let labels = domain_labels(after, true);
    if labels.len() < 2 || !registrable_part_has_no_underscore(after, &labels) {
        return None;
    }
    let host_end = labels.last()?.end;
    Some(scheme_len + host_end + port_and_path(&after[host_end..]))
}

/// A bare `www.` host, or a bare domain ending in one of `COMMON_TLDS`.
fn bare_url(rest: &str) -> Option<usize> {
    let labels = domain_labels(rest, false);
    let text = |label: &Range<usize>| &rest[label.clone()];
    let is_www_host = labels.len() >= 3
        && text(&labels[0]).eq_ignore_ascii_case("www")
        && labels.last().is_some_and(|tld| {
            tld.len() >= 2 && text(tld).bytes().all(|b| b.is_ascii_alphabetic())
        });
    let count = if is_www_host {
        labels.len()
    } else {
        // The host ends at the last known TLD, so `example.com.zz` links `example.com`.
        let tld = labels.iter().rposition(|label| is_common_tld(text(label)));
        1 + tld.filter(|&i| i >= 1)?
    };
    let labels = &labels[..count];
    if !registrable_part_has_no_underscore(rest, labels) {
        return None;
    }
    let host_end = labels.last()?.end;
    // twitter-text's boundary after a TLD; letters, digits and hyphens cannot follow here,
    // they would have made the label longer.
    if rest[host_end..].starts_with(['@', '+']) {
        return None;
    }
    Some(host_end + port_and_path(&rest[host_end..]))
}

fn is_common_tld(label: &str) -> bool {
    COMMON_TLDS
        .iter()
        .any(|tld| label.eq_ignore_ascii_case(tld))
}

/// The dot-separated labels of the host at the start of `s`, as byte ranges, up to the
/// first empty or malformed one (so `example.com.` ends before its final dot).
fn domain_labels(s: &str, allow_unicode: bool) -> Vec<Range<usize>> {
    let run_end = s
        .find(|c| !is_host_char(c, allow_unicode))
        .unwrap_or(s.len());
    let run = &s[..run_end];
    // Spares an allocation for every word of the text that cannot be a host.
    if !run.contains('.') {
        return Vec::new();
    }
    let mut labels = Vec::new();
    let mut start = 0;
    for label in run.split('.').take_while(|label| !label.is_empty()) {
        labels.push(start..start + label.len());
        start += label.len() + 1;
    }
    // Where the last label switches between ASCII and other scripts, the host has most
    // likely run into the text after it (`https://example.com日本語`, `https://a.com😀`):
    // twitter-text ends the host at the TLD there. Done before the checks of the labels,
    // so that a long run of glued text does not make the label too long.
    if let Some(last) = labels.last_mut() {
        let label = &s[last.clone()];
        let ascii_first = label.starts_with(|c: char| c.is_ascii());
        if let Some(cut) = label.find(|c: char| c.is_ascii() != ascii_first) {
            last.end = last.start + cut;
        }
    }
    let valid = labels
        .iter()
        .take_while(|label| is_valid_label(&s[(*label).clone()]))
        .count();
    labels.truncate(valid);
    labels
}

fn is_host_char(c: char, allow_unicode: bool) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_')
        || (allow_unicode && is_unicode_domain_char(c))
}

/// Non-ASCII characters of internationalised labels (`☃.net`, `bücher.de`): anything but
/// spaces, controls, punctuation and variation selectors.
fn is_unicode_domain_char(c: char) -> bool {
    !c.is_ascii()
        && !c.is_whitespace()
        && !c.is_control()
        && !matches!(
            c,
            '\u{A0}'..='\u{BF}'
                | '\u{D7}'
                | '\u{F7}'
                | '\u{2000}'..='\u{206F}'
                | '\u{3000}'..='\u{303F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FF00}'..='\u{FF0F}'
                | '\u{FF1A}'..='\u{FF20}'
                | '\u{FF3B}'..='\u{FF40}'
                | '\u{FF5B}'..='\u{FF65}'
                | '\u{FFF0}'..='\u{FFFF}'
        )
}

/// DNS's rules for a label: 1 to 63 characters, no hyphen at either end.
fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// twitter-text accepts underscores in subdomains (`test_1.example.com`) but not in the
/// domain name or the TLD.
fn registrable_part_has_no_underscore(s: &str, labels: &[Range<usize>]) -> bool {
    labels
        .iter()
        .rev()
        .take(2)
        .all(|l| !s[l.clone()].contains('_'))
}

/// The byte length of the optional `:port` and path, query or fragment after a host.
fn port_and_path(s: &str) -> usize {
    let port = match s.strip_prefix(':') {
        Some(after) => {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 { 1 + digits } else { 0 }
        }
        None => 0,
    };
    let rest = &s[port..];
    if !rest.starts_with(['/', '?', '#']) {
        return port;
    }
    let path_end = rest.find(|c| !is_path_char(c)).unwrap_or(rest.len());
    port + trimmed_path_len(&rest[..path_end])
}

/// The characters twitter-text allows in a path or query: ASCII URL characters but quotes,
/// angle brackets and braces, and Latin and Cyrillic letters.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!*';:=+,.$/%#[]-_~|&@()?".contains(c)
        || is_path_letter(c)
        || c == '\u{2013}'
}

fn is_path_letter(c: char) -> bool {
    matches!(
        c,
        '\u{C0}'..='\u{D6}'
            | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{24F}'
            | '\u{300}'..='\u{36F}'
            | '\u{400}'..='\u{4FF}'
            | '\u{1E00}'..='\u{1EFF}'
    )
}

/// The length of `path` once the punctuation that ends a sentence rather than the URL is
/// cut off its end: a URL ends in a letter, a digit, one of `/=_#-+&`, or a `)` that closes
/// a `(` of the URL (`https://en.wikipedia.org/wiki/Rust_(language)`).
fn trimmed_path_len(path: &str) -> usize {
    let mut open = path.matches('(').count();
    let mut close = path.matches(')').count();
    let mut end = path.len();
    while let Some(c) = path[..end].chars().next_back() {
        match c {
            ')' if close <= open => break,
            ')' => close -= 1,
            '(' => open -= 1,
            c if c.is_ascii_alphanumeric() || "/=_#-+&".contains(c) || is_path_letter(c) => break,
            _ => {}
        }
        end -= c.len_utf8();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn plain_ascii_counts_one_per_character() {
        let text = "Customer care, 9am-5pm CET. DM us!";
        assert_eq!(weighted_length(text), text.len());
        assert_eq!(char_count(text), text.len());
        assert_eq!(weighted_length(""), 0);
    }

    #[test]
    fn latin1_and_accented_letters_count_one() {
        assert_eq!(weighted_length("Café crème brûlée, señor Müller"), 31);
        assert_eq!(weighted_length("ÿßøÆ"), 4);
        // Up to U+10FF: Greek, Cyrillic, Hebrew, Arabic, Devanagari, Thai, Georgian.
        assert_eq!(weighted_length("Ωжשعकกა"), 7);
        // The general punctuation X counts as 1 and the one it does not.
        assert_eq!(weighted_length("\u{2014}\u{2019}\u{2032}"), 3);
        assert_eq!(weighted_length("\u{2026}"), 2);
    }

    #[test]
    fn decomposed_text_counts_as_its_nfc_form() {
        // `e` + COMBINING ACUTE ACCENT is `é` once normalised: one character for X.
        assert_eq!(weighted_length("caf\u{65}\u{301}"), 4);
        assert_eq!(char_count("caf\u{65}\u{301}"), 5);
        assert_eq!(weighted_length("caf\u{e9} https://example.com"), 4 + 1 + 23);
    }

    #[test]
    fn cjk_counts_two() {
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(weighted_length("한국어"), 6);
        assert_eq!(weighted_length("Hi 你好"), 7);
        assert_eq!(char_count("Hi 你好"), 5);
    }

    #[test]
    fn single_emoji_counts_two() {
        assert_eq!(weighted_length("😀"), 2);
        assert_eq!(weighted_length("❤"), 2);
        assert_eq!(weighted_length("❤\u{FE0F}"), 2);
        assert_eq!(weighted_length("Hi 👋"), 5);
    }

    #[test]
    fn multi_code_point_emoji_count_two() {
        let family = "👨\u{200D}👩\u{200D}👧";
        let skin_tone = "👋🏽";
        let flag = "🇫🇷";
        let keycap = "1\u{FE0F}\u{20E3}";
        let england = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        let technologist = "🧑🏽\u{200D}💻";
        for emoji in [family, skin_tone, flag, keycap, england, technologist] {
            assert_eq!(weighted_length(emoji), 2, "{emoji:?}");
        }
        assert_eq!(char_count(family), 5);
        assert_eq!(weighted_length("1\u{20E3}"), 2, "keycap without U+FE0F");
        assert_eq!(
            weighted_length("🇫🇷🇩🇪🇯"),
            6,
            "two flags and a lone indicator"
        );
        assert_eq!(weighted_length(&family.repeat(80)), 160);
    }

    #[test]
    fn text_style_pictographs_need_vs16() {
        assert_eq!(weighted_length("©"), 1);
        assert_eq!(weighted_length("©\u{FE0F}"), 2);
        assert_eq!(weighted_length("1\u{FE0F}"), 3, "not a keycap");
        assert_eq!(
            weighted_length("😀\u{301}"),
            3,
            "a mark after an emoji counts"
        );
        assert_eq!(weighted_length("👨\u{200D}"), 3, "a dangling ZWJ counts");
    }

    /// Cases of twitter-text's own conformance suite (`validate.yml`, v3 with emoji).
    #[test]
    fn twitter_text_conformance_cases() {
        let flag = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        assert_eq!(
            weighted_length(&format!("Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; {flag}")),
            34
        );
        assert_eq!(weighted_length("Unicode 9.0 emoji: 🤠; 💃; 💃🏾"), 29);
        let spaces: String = ('\u{2000}'..='\u{200D}').collect();
        let punctuation = " ‐ ‑ ‒ – — ― ‖  ‗ ‘ ’ ‚ ‛ “ ” „ ‟ ′ ″ ‴ ‵ ‶ ‷";
        let text =
            format!("This is a tweet with general punctuation characters: {spaces}{punctuation}");
        assert_eq!(weighted_length(&text), 112);
        let test = "Test https://test.com test https://test.com test.com test";
        assert_eq!(weighted_length(test), 86);
        let directional = "\u{2066}\u{202A}http://foobar.پاکستان/\u{202C}\u{2069}";
        assert_eq!(weighted_length(directional), 31);
        let long_label = format!("{}s.com", "randomurl".repeat(7));
        assert_eq!(
            weighted_length(&long_label),
            68,
            "a 64-character label is no host"
        );
        assert_eq!(weighted_length(&"😷".repeat(160)), 320);
    }

    #[test]
    fn urls_count_23_whatever_their_length() {
        assert_eq!(weighted_length("https://t.co"), 23);
        assert_eq!(weighted_length("http://a.io"), 23);
        let long = format!("https://example.com/{}", "a".repeat(180));
        assert_eq!(char_count(&long), 200);
        assert_eq!(weighted_length(&long), 23);
        assert_eq!(weighted_length(&format!("See {long} now")), 4 + 23 + 4);
        assert_eq!(
            urls("HTTPS://www.ExaMPLE.COM/index.html"),
            ["HTTPS://www.ExaMPLE.COM/index.html"]
        );
        assert_eq!(
            urls("http://192.168.0.1:8080/x?src=a"),
            ["http://192.168.0.1:8080/x?src=a"]
        );
        assert_eq!(urls("http://☃.net/"), ["http://☃.net/"]);
        assert_eq!(
            urls("http://test_1.example.com"),
            ["http://test_1.example.com"]
        );
        assert_eq!(
            urls("http://example.com/Русские_слова"),
            ["http://example.com/Русские_слова"]
        );
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_the_url() {
        assert_eq!(weighted_length("https://example.com."), 24);
        assert_eq!(
            urls("Visit https://example.com/help."),
            ["https://example.com/help"]
        );
        for end in [",", "!", "?", ":", ";", "'", "\"", "...", "!?"] {
            let text = format!("at https://example.com/a{end}");
            assert_eq!(urls(&text), ["https://example.com/a"], "{text:?}");
        }
        assert_eq!(
            urls("(see https://example.com/a)"),
            ["https://example.com/a"]
        );
        assert_eq!(
            urls("https://en.wikipedia.org/wiki/Rust_(language)."),
            ["https://en.wikipedia.org/wiki/Rust_(language)"]
        );
        assert_eq!(
            urls("https://example.com/?q=1&x=-"),
            ["https://example.com/?q=1&x=-"]
        );
        assert_eq!(urls("https://example.com日本語"), ["https://example.com"]);
        assert_eq!(urls("https://example.com😀"), ["https://example.com"]);
        let glued = format!("https://example.com{}", "語".repeat(70));
        assert_eq!(urls(&glued), ["https://example.com"]);
        assert_eq!(urls("https://bücher.de/ü"), ["https://bücher.de/ü"]);
        assert_eq!(
            urls("https://example.com/“quoted”"),
            ["https://example.com/"]
        );
    }

    #[test]
    fn www_hosts_are_urls() {
        assert_eq!(urls("www.example.com"), ["www.example.com"]);
        assert_eq!(weighted_length("www.example.com"), 23);
        assert_eq!(urls("Go to www.example.xyz/a."), ["www.example.xyz/a"]);
        assert_eq!(urls("(www.example.com)"), ["www.example.com"]);
        assert!(urls("www.example").is_empty());
    }

    #[test]
    fn bare_domains_with_common_tlds_are_urls() {
        assert_eq!(urls("example.com/path"), ["example.com/path"]);
        assert_eq!(weighted_length("example.com/path"), 23);
        assert_eq!(
            urls("Shop at example.co.uk, or t.co."),
            ["example.co.uk", "t.co"]
        );
        assert_eq!(urls("example.com:8080/x"), ["example.com:8080/x"]);
        assert_eq!(urls("example.com.zz"), ["example.com"]);
        assert_eq!(urls("EXAMPLE.COM"), ["EXAMPLE.COM"]);
        for not_url in [
            "example.community",
            "example.xyz",
            "mail me@example.com",
            "v1.2.3",
            "index.html",
            "example.com-x",
            "example.com@host",
            "example.com+x",
            "my_shop.com",
            "a..com",
        ] {
            assert!(urls(not_url).is_empty(), "{not_url:?}");
        }
    }

    #[test]
    fn malformed_schemed_urls_are_not_urls() {
        for text in [
            "http://",
            "https://localhost",
            "http://-a.com",
            "http://a-.com",
            "ftp://example.com",
            "xhttp://example.com",
            "@http://example.com",
        ] {
            assert!(urls(text).is_empty(), "{text:?}");
        }
        assert_eq!(weighted_length("http://"), 7);
    }

    #[test]
    fn bio_exactly_at_the_limit() {
        let url = "https://example.com/a/very/long/path/that/is/still/one/url";
        let text = format!("{} 日本 😀 {url}", "a".repeat(128));
        assert_eq!(weighted_length(&text), 128 + 1 + 4 + 1 + 2 + 1 + 23);
        assert_eq!(weighted_length(&text), 160);
        assert_eq!(weighted_length(&format!("{text}!")), 161);
        assert_eq!(weighted_length(&"a".repeat(160)), 160);
    }

    #[test]
    fn long_input_is_counted() {
        let unit = "Hello 世界 👋🏽 https://example.com/x ";
        let text = unit.repeat(10_000 / unit.chars().count() + 1);
        assert!(char_count(&text) >= 10_000);
        let per_unit = 5 + 1 + 4 + 1 + 2 + 1 + 23 + 1;
        assert_eq!(
            weighted_length(&text),
            per_unit * text.matches(unit).count()
        );
        let glued = "http://".repeat(2_000);
        assert_eq!(weighted_length(&glued), 14_000);
        let parens = format!("http://a.com/{}", "(".repeat(5_000));
        assert_eq!(urls(&parens), ["http://a.com/"]);
    }

    /// xorshift64*: deterministic, so a failure names the same input on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_inputs_never_panic() {
        const ASCII: &[&str] = &[
            "a", "Z", "0", "9", " ", "\n", "\t", "\r", ".", ",", "/", ":", "?", "#", "@", "-", "_",
            "(", ")", "'", "\"", ":80",
        ];
        const URLISH: &[&str] = &[
            "http://", "https://", "HTTP://", "www.", ".com", ".co.uk", "ex",
        ];
        const VISIBLE: &[&str] = &[
            "é", "ß", "ж", "日", "한", "가", "…", "—", "«", "ー", "😀", "👨", "🏽", "🇫", "🇷", "©",
            "☃",
        ];
        const INVISIBLE: &[&str] = &[
            "\u{200D}",
            "\u{FE0F}",
            "\u{20E3}",
            "\u{E0067}",
            "\u{E007F}",
            "\u{301}",
            "\u{3099}",
            "\u{93F}",
            "\u{600}",
            "\u{1100}",
            "\u{1161}",
            "\u{11A8}",
            "\u{202A}",
            "\u{FFFF}",
            "\u{10FFFF}",
        ];
        let pieces = [ASCII, URLISH, VISIBLE, INVISIBLE].concat();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5_000 {
            let len = rng.below(40);
            let text: String = (0..len).map(|_| pieces[rng.below(pieces.len())]).collect();
            let found = find_urls(&text);
            let mut last_end = 0;
            for url in &found {
                assert!(
                    url.start >= last_end && url.start < url.end,
                    "{text:?}: {found:?}"
                );
                assert!(text.get(url.clone()).is_some(), "{text:?}: {url:?}");
                last_end = url.end;
            }
            assert_eq!(
                plain_weight(&text),
                segmented_weight(&text, &mut Vec::new()),
                "the shortcut past segmentation changes nothing: {text:?}"
            );
            let weighted = weighted_length(&text);
            let chars = char_count(&text);
            assert!(weighted <= 2 * chars + URL_WEIGHT * found.len(), "{text:?}");
            if found.is_empty() {
                assert!(weighted >= text.graphemes(true).count(), "{text:?}");
            }
        }
    }
}
