//! `socialform export groups`: the profile groups of the live platform as a table, one
//! row per group and individual profile, nested groups expanded, in CSV or XLSX. The ids
//! in it are the platform's, read from live state ([`platform_id`]). Nothing here prints.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::model::{Address, Kind};
use crate::model::{LiveResource, LiveState};

/// The column headers, in order.
pub const HEADER: [&str; 5] = [
    "group_id",
    "group_name",
    "profile",
    "profile_id",
    "profile_display_name",
];

/// One row of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// the group's platform id ([`platform_id`])
    pub group_id: String,
    /// the group's display name
    pub group_name: String,
    /// the profile's id in the configuration (empty on the row of an empty group)
    pub profile: String,
    /// the profile's platform id (empty when the profile is not live)
    pub profile_id: String,
    /// the name the platform shows for the profile
    pub profile_display_name: String,
}

impl Row {
    /// The cells, in [`HEADER`] order.
    pub fn cells(&self) -> [&str; 5] {
        [
            &self.group_id,
            &self.group_name,
            &self.profile,
            &self.profile_id,
            &self.profile_display_name,
        ]
    }
}

/// Why an export could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// the CSV writer failed
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    /// the XLSX writer failed
    #[error("cannot write XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The id under which the platform knows a live resource: [`crate::model::Resource::key`].
/// A profile of a connected account is the account itself (`account:facebook:1234567890`)
/// whatever its id in a configuration; every other resource is known by its address
/// (`group.social`, `profile.web_chat`).
pub fn platform_id(live: &LiveResource) -> String {
    live.resource.key()
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn field<'a>(r: &'a LiveResource, key: &str) -> Option<&'a str> {
    r.resource
        .fields
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// The name the platform shows for a live profile: its connected account's display name,
/// else its own `name` (X), else its id (live chat); empty when the profile is not live.
fn display_name<'a>(profile: Option<&'a LiveResource>, id: &'a str) -> &'a str {
    match profile {
        Some(p) => field(p, "display_name")
            .or_else(|| field(p, "name"))
            .unwrap_or(id),
        None => "",
    }
}

/// The rows of every live profile group, groups sorted by id. A group's rows list its
/// profiles, then those of its nested groups (depth first, each profile once per group);
/// a group without any profile has one row with empty profile cells.
pub fn group_rows(live: &LiveState) -> Vec<Row> {
    let mut groups: HashMap<&str, &LiveResource> = HashMap::new();
    let mut profiles: HashMap<&str, &LiveResource> = HashMap::new();
    // The first resource of an address wins, as a scan would have found it.
    for r in &live.resources {
        let address = r.resource.address.as_str();
        match r.resource.kind {
            Kind::Group => {
                if let Some(id) = address.strip_prefix("group.") {
                    groups.entry(id).or_insert(r);
                }
            }
            Kind::Profile => {
                profiles.entry(address).or_insert(r);
            }
            _ => {}
        }
    }
    let mut sorted: Vec<(&str, &LiveResource)> = live
        .resources
        .iter()
        .filter(|r| r.resource.kind == Kind::Group)
        .filter_map(|r| Some((r.resource.address.strip_prefix("group.")?, r)))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut rows = Vec::new();
    for (id, group) in sorted {
        let group_id = platform_id(group);
        let group_name = field(group, "name").unwrap_or(id).to_string();
        // Profiles reached from this group, depth first in declaration order (a group's
        // own profiles, then each nested group's in turn), each once; nested groups once
        // each, which also stops a cycle a hand edit may have made. The walk keeps its
        // own stack: the platform's nesting may be as deep as it likes.
        let mut members: Vec<&str> = Vec::new();
        let mut seen_members: HashSet<&str> = HashSet::new();
        let mut seen_groups: HashSet<&str> = HashSet::from([id]);
        let mut stack: Vec<(Vec<&str>, usize)> = Vec::new();
        fn enter<'a>(
            g: &'a LiveResource,
            members: &mut Vec<&'a str>,
            seen_members: &mut HashSet<&'a str>,
        ) {
            for p in strings(g.resource.fields.get("profiles")) {
                if seen_members.insert(p) {
                    members.push(p);
                }
            }
        }
        enter(group, &mut members, &mut seen_members);
        stack.push((strings(group.resource.fields.get("groups")), 0));
        while let Some((subgroups, next)) = stack.last_mut() {
            let Some(sub) = subgroups.get(*next).copied() else {
                stack.pop();
                continue;
            };
            *next += 1;
            if seen_groups.insert(sub)
                && let Some(s) = groups.get(sub).copied()
            {
                enter(s, &mut members, &mut seen_members);
                stack.push((strings(s.resource.fields.get("groups")), 0));
            }
        }
        if members.is_empty() {
            rows.push(Row {
                group_id,
                group_name,
                profile: String::new(),
                profile_id: String::new(),
                profile_display_name: String::new(),
            });
            continue;
        }
        for m in members {
            let profile = profiles
                .get(Address::profile(m).to_string().as_str())
                .copied();
            rows.push(Row {
                group_id: group_id.clone(),
                group_name: group_name.clone(),
                profile: m.to_string(),
                profile_id: profile.map(platform_id).unwrap_or_default(),
                profile_display_name: display_name(profile, m).to_string(),
            });
        }
    }
    rows
}

/// The rows as CSV (RFC 4180, with a header row).
pub fn csv(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for r in rows {
        w.write_record(r.cells())?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Csv(csv::Error::from(e.into_error())))
}

/// The rows as an XLSX workbook: one sheet, a bold frozen header row, every cell text.
pub fn xlsx(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Profile groups")?;
    for (col, h) in (0u16..).zip(HEADER) {
        sheet.write_string_with_format(0, col, h, &bold)?;
    }
    for (row, r) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(r.cells()) {
            sheet.write_string(row, col, cell)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::model::testing;
    use serde_json::json;

    fn res(address: &str, kind: Kind, fields: Value) -> LiveResource {
        testing::live(testing::resource(address, kind, fields), 1, false)
    }

    fn state() -> LiveState {
        LiveState {
            catalog: Catalog::default(),
            resources: vec![
                res(
                    "profile.acme_fb",
                    Kind::Profile,
                    json!({"channel": "facebook", "account": "123", "display_name": "Acme Air"}),
                ),
                res(
                    "profile.acme_x",
                    Kind::Profile,
                    json!({"channel": "x", "account": "@Acme", "name": "Acme on X"}),
                ),
                res(
                    "profile.chat",
                    Kind::Profile,
                    json!({"channel": "live_chat"}),
                ),
                res(
                    "group.social",
                    Kind::Group,
                    json!({"name": "Social", "profiles": ["acme_fb", "acme_x"], "groups": []}),
                ),
                res(
                    "group.all",
                    Kind::Group,
                    json!({"name": "All \"of\" it", "profiles": ["chat", "acme_fb"], "groups": ["social", "loop"]}),
                ),
                res(
                    "group.loop",
                    Kind::Group,
                    json!({"name": "Loop", "profiles": ["gone"], "groups": ["all"]}),
                ),
                res(
                    "group.empty",
                    Kind::Group,
                    json!({"name": "Empty", "profiles": [], "groups": []}),
                ),
            ],
        }
    }

    fn brief(rows: &[Row]) -> Vec<String> {
        rows.iter().map(|r| r.cells().join("|")).collect()
    }

    #[test]
    fn nested_groups_are_expanded_each_profile_once() {
        let rows = group_rows(&state());
        assert_eq!(
            brief(&rows),
            [
                "group.all|All \"of\" it|chat|profile.chat|chat",
                "group.all|All \"of\" it|acme_fb|account:facebook:123|Acme Air",
                "group.all|All \"of\" it|acme_x|account:x:@Acme|Acme on X",
                "group.all|All \"of\" it|gone||",
                "group.empty|Empty|||",
                "group.loop|Loop|gone||",
                "group.loop|Loop|chat|profile.chat|chat",
                "group.loop|Loop|acme_fb|account:facebook:123|Acme Air",
                "group.loop|Loop|acme_x|account:x:@Acme|Acme on X",
                "group.social|Social|acme_fb|account:facebook:123|Acme Air",
                "group.social|Social|acme_x|account:x:@Acme|Acme on X",
            ]
        );
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let rows = group_rows(&state());
        let text = String::from_utf8(csv(&rows[..1]).unwrap()).unwrap();
        assert_eq!(
            text,
            "group_id,group_name,profile,profile_id,profile_display_name\n\
             group.all,\"All \"\"of\"\" it\",chat,profile.chat,chat\n"
        );
    }

    #[test]
    fn csv_keeps_any_cell_as_data_and_reads_back() {
        let evil = "a,\"b\"\r\nc\u{1b}[31m;\t=cmd|' /C calc'!A0 ";
        let rows = vec![Row {
            group_id: "group.g".into(),
            group_name: evil.into(),
            profile: "\n".into(),
            profile_id: String::new(),
            profile_display_name: " lead and trail ".into(),
        }];
        let bytes = csv(&rows).unwrap();
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        let back: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let cells: Vec<String> = rows[0].cells().iter().map(|c| c.to_string()).collect();
        assert_eq!(back, vec![cells]);
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = xlsx(&group_rows(&state())).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
