//! Texts as the page shows them: word diffs between the two sides of a change, greeting
//! tokens filled with a sample name, URLs as t.co shows them, and the human words for
//! durations, verticals and schedules.

use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// The sample customer whose name fills the greeting tokens.
pub const SAMPLE_FIRST_NAME: &str = "Alex";
/// The sample customer's last name.
pub const SAMPLE_LAST_NAME: &str = "Martin";

/// How long one word diff may take: past it, the diff is coarser, never slower.
const DIFF_TIMEOUT: Duration = Duration::from_millis(100);

/// Which side of a change a text is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// the live resource, before the plan is applied
    Before,
    /// the configuration's resource, after the plan is applied
    After,
    /// a resource the plan does not change (or no plan)
    Current,
}

impl Side {
    /// The spelling in the page's `data-side` attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Before => "before",
            Side::After => "after",
            Side::Current => "current",
        }
    }
}

/// One run of a text: unchanged, removed (on the before side) or added (on the after side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seg {
    /// `eq`, `del` or `ins`
    pub k: &'static str,
    /// the run's text
    pub s: String,
}

/// A text as shown on one side, in runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// the runs, in order
    pub segs: Vec<Seg>,
    /// whether any run is removed or added
    pub changed: bool,
}

impl Text {
    /// A text with nothing highlighted.
    pub fn plain(s: impl Into<String>) -> Text {
        Text {
            segs: vec![Seg {
                k: "eq",
                s: s.into(),
            }],
            changed: false,
        }
    }

    /// The text as read, without highlighting.
    pub fn as_plain(&self) -> String {
        self.segs.iter().map(|s| s.s.as_str()).collect()
    }
}

/// What the other side of a change holds for the same text.
#[derive(Debug, Clone, Copy)]
pub enum Other<'a> {
    /// there is no other side (no plan, an unchanged resource, a create or a delete)
    None,
    /// the other side has no such text
    Missing,
    /// the other side's text
    Text(&'a str),
}

/// `this` as shown on `side`, with the words that differ from the other side highlighted:
/// removed words on the before side, added ones on the after side.
pub fn compare(this: &str, other: Other<'_>, side: Side) -> Text {
    let whole = |k: &'static str| Text {
        segs: vec![Seg {
            k,
            s: this.to_string(),
        }],
        changed: true,
    };
    match (other, side) {
        (Other::None, _) | (_, Side::Current) => Text::plain(this),
        (Other::Missing, Side::Before) => whole("del"),
        (Other::Missing, Side::After) => whole("ins"),
        (Other::Text(o), _) if o == this => Text::plain(this),
        (Other::Text(o), Side::Before) => word_diff(this, o, ChangeTag::Delete, "del"),
        (Other::Text(o), Side::After) => word_diff(o, this, ChangeTag::Insert, "ins"),
    }
}

/// The runs of one side of a word diff of `before` and `after`: the unchanged words and
/// those with `keep` (removed or inserted), consecutive runs of one kind merged.
fn word_diff(before: &str, after: &str, keep: ChangeTag, kind: &'static str) -> Text {
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_unicode_words(before, after);
    let mut segs: Vec<Seg> = Vec::new();
    let mut changed = false;
    for change in diff.iter_all_changes() {
        let k = match change.tag() {
            ChangeTag::Equal => "eq",
            tag if tag == keep => {
                changed = true;
                kind
            }
            _ => continue,
        };
        match segs.last_mut() {
            Some(last) if last.k == k => last.s.push_str(change.value()),
            _ => segs.push(Seg {
                k,
                s: change.value().to_string(),
            }),
        }
    }
    // White space between two changed words belongs to the change: one run reads best.
    let mut merged: Vec<Seg> = Vec::with_capacity(segs.len());
    let mut i = 0;
    while i < segs.len() {
        let bridge = segs[i].k == "eq"
            && segs[i].s.chars().all(char::is_whitespace)
            && merged.last().is_some_and(|l| l.k == kind)
            && segs.get(i + 1).is_some_and(|n| n.k == kind);
        if bridge {
            let (gap, next) = (segs[i].s.clone(), segs[i + 1].s.clone());
            if let Some(last) = merged.last_mut() {
                last.s.push_str(&gap);
                last.s.push_str(&next);
            }
            i += 2;
        } else {
            merged.push(segs[i].clone());
            i += 1;
        }
    }
    let segs = merged;
    // A change made only of white space is still a change: highlight it whole.
    if !changed {
        return Text {
            segs: vec![Seg {
                k: kind,
                s: if keep == ChangeTag::Delete {
                    before
                } else {
                    after
                }
                .to_string(),
            }],
            changed: true,
        };
    }
    Text { segs, changed }
}

/// A greeting as a customer named Alex Martin reads it: the Messenger tokens filled.
pub fn fill_greeting(greeting: &str) -> String {
    let full = format!("{SAMPLE_FIRST_NAME} {SAMPLE_LAST_NAME}");
    greeting
        .replace("{{user_first_name}}", SAMPLE_FIRST_NAME)
        .replace("{{user_last_name}}", SAMPLE_LAST_NAME)
        .replace("{{user_full_name}}", &full)
}

/// How many characters of a URL X shows before it cuts it with an ellipsis.
const TCO_DISPLAY_CHARS: usize = 26;

/// A URL as X shows it (its t.co `display_url`): without the scheme, `www.` and a bare
/// trailing slash, cut after 26 characters with an ellipsis.
pub fn tco_display(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let mut rest = url;
    for scheme in ["https://", "http://"] {
        if lower.starts_with(scheme) {
            rest = &url[scheme.len()..];
            break;
        }
    }
    if let (Some(head), Some(tail)) = (rest.get(..4), rest.get(4..))
        && head.eq_ignore_ascii_case("www.")
    {
        rest = tail;
    }
    if let Some(host) = rest.strip_suffix('/')
        && !host.contains('/')
    {
        rest = host;
    }
    if rest.chars().count() > TCO_DISPLAY_CHARS {
        let cut: String = rest.chars().take(TCO_DISPLAY_CHARS).collect();
        format!("{cut}…")
    } else {
        rest.to_string()
    }
}

/// An X bio with every URL in it shown as t.co shows it.
pub fn bio_display(bio: &str) -> String {
    let mut out = String::with_capacity(bio.len());
    let mut at = 0;
    for range in crate::text::find_urls(bio) {
        let (Some(before), Some(url)) = (bio.get(at..range.start), bio.get(range.clone())) else {
            continue;
        };
        out.push_str(before);
        out.push_str(&tco_display(url));
        at = range.end;
    }
    out.push_str(bio.get(at..).unwrap_or_default());
    out
}

/// `"1m30s"` as `"1 min 30 s"`; what does not parse is shown as written.
pub fn duration_words(after: &str) -> String {
    match crate::rules::proactive::parse_duration(after) {
        Some(secs) => {
            let (m, s) = (secs / 60, secs % 60);
            match (m, s) {
                (0, s) => format!("{s} s"),
                (m, 0) => format!("{m} min"),
                (m, s) => format!("{m} min {s} s"),
            }
        }
        None => after.to_string(),
    }
}

/// When a proactive message is sent, in words: "after 1 min 30 s on a page view, during
/// the business hours of 'EMEA office hours', once per visit".
pub fn schedule_words(
    event: Option<&str>,
    after: Option<&str>,
    send: Option<&str>,
    schedule: Option<&str>,
    frequency: Option<&str>,
) -> String {
    let mut parts = Vec::new();
    let mut first = String::new();
    if let Some(after) = after {
        first.push_str(&format!("after {}", duration_words(after)));
    }
    if let Some(event) = event {
        let what = match event {
            "page_view" => "on a page view".to_string(),
            "help_center_page_view" => "on a help center page view".to_string(),
            other => format!("on {other}"),
        };
        if !first.is_empty() {
            first.push(' ');
        }
        first.push_str(&what);
    }
    if !first.is_empty() {
        parts.push(first);
    }
    let schedule = schedule.map(|s| format!("'{s}'"));
    let schedule = schedule.as_deref().unwrap_or("(no schedule)");
    match send.unwrap_or("always") {
        "always" => parts.push("at any time".to_string()),
        "business_hours" => parts.push(format!("during the business hours of {schedule}")),
        "outside_business_hours" => parts.push(format!("outside the business hours of {schedule}")),
        other => parts.push(other.to_string()),
    }
    if let Some(f) = frequency {
        parts.push(
            match f {
                "once_per_customer" => "once per customer",
                "once_per_visit" => "once per visit",
                "every_time" => "every time",
                other => other,
            }
            .to_string(),
        );
    }
    parts.join(", ")
}

/// A WhatsApp business category as WhatsApp names it to customers.
pub fn vertical_label(vertical: &str) -> String {
    match vertical {
        "undefined" => "No category",
        "other" => "Other",
        "auto" => "Automotive",
        "beauty" => "Beauty, spa and salon",
        "apparel" => "Clothing and apparel",
        "edu" => "Education",
        "entertain" => "Entertainment",
        "event_plan" => "Event planning and service",
        "finance" => "Finance and banking",
        "grocery" => "Food and grocery",
        "govt" => "Public service",
        "hotel" => "Hotel and lodging",
        "health" => "Medical and health",
        "nonprofit" => "Non-profit",
        "prof_services" => "Professional services",
        "retail" => "Shopping and retail",
        "travel" => "Travel and transportation",
        "restaurant" => "Restaurant",
        "not_a_biz" => "Not a business",
        other => other,
    }
    .to_string()
}

/// The human name of a channel.
pub fn channel_label(channel: &str) -> &str {
    match channel {
        "x" => "X",
        "facebook" => "Facebook",
        "instagram" => "Instagram",
        "whatsapp" => "WhatsApp",
        "live_chat" => "Live chat",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(t: &Text) -> String {
        t.segs
            .iter()
            .map(|s| match s.k {
                "del" => format!("[-{}-]", s.s),
                "ins" => format!("{{+{}+}}", s.s),
                _ => s.s.clone(),
            })
            .collect()
    }

    #[test]
    fn word_diff_per_side() {
        let before = "Welcome to Acme Air, ask about baggage";
        let after = "Welcome aboard Acme Air, ask about bags";
        let b = compare(before, Other::Text(after), Side::Before);
        let a = compare(after, Other::Text(before), Side::After);
        assert_eq!(shown(&b), "Welcome [-to-] Acme Air, ask about [-baggage-]");
        assert_eq!(shown(&a), "Welcome {+aboard+} Acme Air, ask about {+bags+}");
        assert!(a.changed && b.changed);
        assert_eq!(a.as_plain(), after);
        assert!(!compare(after, Other::Text(after), Side::After).changed);
        assert!(!compare(after, Other::None, Side::After).changed);
        assert_eq!(shown(&compare("x", Other::Missing, Side::After)), "{+x+}");
        assert_eq!(shown(&compare("x", Other::Missing, Side::Before)), "[-x-]");
        // a change of white space alone is still shown as a change
        assert!(compare("a b", Other::Text("a  b"), Side::After).changed);
        // the space between two changed words is part of the change
        let a = compare(
            "Chat with an agent",
            Other::Text("Talk to an agent"),
            Side::After,
        );
        assert_eq!(shown(&a), "{+Chat with+} an agent");
    }

    #[test]
    fn greeting_tokens() {
        assert_eq!(
            fill_greeting("Hi {{user_first_name}} ({{user_full_name}}, {{user_last_name}})"),
            "Hi Alex (Alex Martin, Martin)"
        );
    }

    #[test]
    fn urls_as_tco_shows_them() {
        assert_eq!(
            tco_display("https://www.acme-air.example/"),
            "acme-air.example"
        );
        assert_eq!(tco_display("http://acme.example/help"), "acme.example/help");
        assert_eq!(tco_display("https://é.example"), "é.example");
        assert_eq!(tco_display("wwé"), "wwé");
        assert_eq!(
            tco_display("https://www.acme-air.example/help/baggage/lost-and-found"),
            "acme-air.example/help/bagg…"
        );
        assert_eq!(
            bio_display("Care team. https://www.acme-air.example/help daily"),
            "Care team. acme-air.example/help daily"
        );
    }

    #[test]
    fn schedules_in_words() {
        assert_eq!(
            schedule_words(
                Some("page_view"),
                Some("1m30s"),
                Some("business_hours"),
                Some("EMEA office hours"),
                Some("once_per_visit")
            ),
            "after 1 min 30 s on a page view, during the business hours of 'EMEA office hours', once per visit"
        );
        assert_eq!(
            schedule_words(
                Some("help_center_page_view"),
                Some("45s"),
                None,
                None,
                Some("once_per_customer")
            ),
            "after 45 s on a help center page view, at any time, once per customer"
        );
        assert_eq!(duration_words("2m"), "2 min");
        assert_eq!(vertical_label("prof_services"), "Professional services");
    }
}
