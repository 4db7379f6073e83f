//! Planning without I/O: desired resources against hand-made live snapshots.

use serde_json::json;

use super::*;
use crate::catalog::Catalog;
use crate::model::{Kind, Resource};
use crate::model::{LiveResource, LiveState};

use crate::model::testing::{applied as managed, resource as res};

fn unmanaged(r: Resource, version: u64) -> LiveResource {
    crate::model::testing::live(r, version, false)
}

fn plan(desired: &[Resource], live: Vec<LiveResource>, prune: bool) -> Planned {
    let live = LiveState {
        catalog: Catalog::default(),
        resources: live,
    };
    let hashes: Vec<String> = desired.iter().map(Resource::hash).collect();
    build(&Input {
        workspace: "w",
        prune,
        config_path: "cfg".into(),
        config_hash: "h".into(),
        config_id: "test/w",
        desired,
        hashes: &hashes,
        live: &live,
    })
}

fn chat(id: &str, flow: &str) -> Resource {
    res(
        &format!("profile.{id}"),
        Kind::Profile,
        json!({"channel": "live_chat", "start_flow": flow}),
    )
}

fn group(id: &str, profiles: &[&str], groups: &[&str]) -> Resource {
    res(
        &format!("group.{id}"),
        Kind::Group,
        json!({"name": id, "profiles": profiles, "groups": groups}),
    )
}

fn addresses(p: &Planned) -> Vec<(String, Action)> {
    p.plan
        .changes
        .iter()
        .map(|c| (c.address.clone(), c.action))
        .collect()
}

#[test]
fn nothing_to_do_when_live_matches() {
    let d = vec![chat("a", "welcome"), group("g", &["a"], &[])];
    let live = d
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| managed(r, i as u64 + 1))
        .collect();
    let p = plan(&d, live, false);
    assert!(p.plan.changes.is_empty(), "{:?}", p.plan.changes);
    assert_eq!(p.managed, 2);
}

#[test]
fn one_field_change_is_exactly_one_field() {
    let live = vec![managed(chat("a", "welcome"), 1)];
    let p = plan(&[chat("a", "orders")], live, false);
    assert_eq!(p.plan.changes.len(), 1);
    let c = &p.plan.changes[0];
    assert_eq!((c.action, c.drift), (Action::Update, false));
    assert_eq!(
        c.fields,
        vec![FieldChange {
            path: "start_flow".into(),
            before: json!("welcome"),
            after: json!("orders")
        }]
    );
    assert_eq!(p.steps[0].writes[0].expected_version, Some(1));
    assert!(p.steps[0].config_changed);
}

#[test]
fn creates_in_dependency_order_and_deletes_in_reverse() {
    // Desired, written in an unhelpful order: outer group first, then inner, then profiles.
    let d = vec![
        group("outer", &[], &["inner"]),
        group("inner", &["a"], &[]),
        chat("a", "w"),
    ];
    let p = plan(&d, vec![], false);
    let order: Vec<String> = addresses(&p).into_iter().map(|(a, _)| a).collect();
    assert_eq!(order, ["profile.a", "group.inner", "group.outer"]);

    // Everything removed from the configuration: deleted holders first.
    let live = d
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, r)| managed(r, i as u64 + 1))
        .collect();
    let p = plan(&[], live, false);
    assert_eq!(
        addresses(&p),
        [
            ("group.outer".to_string(), Action::Delete),
            ("group.inner".to_string(), Action::Delete),
            ("profile.a".to_string(), Action::Delete)
        ]
    );
}

#[test]
fn updates_come_before_deletes() {
    let live = vec![
        managed(chat("a", "w"), 1),
        managed(chat("b", "w"), 2),
        managed(group("g", &["a", "b"], &[]), 3),
    ];
    let p = plan(&[chat("a", "w"), group("g", &["a"], &[])], live, false);
    assert_eq!(
        addresses(&p),
        [
            ("group.g".to_string(), Action::Update),
            ("profile.b".to_string(), Action::Delete)
        ]
    );
}

#[test]
fn attribute_type_change_is_a_destructive_replace() {
    let before = res(
        "contact_attribute.tier",
        Kind::ContactAttribute,
        json!({"label": "Tier", "type": "text"}),
    );
    let after = res(
        "contact_attribute.tier",
        Kind::ContactAttribute,
        json!({"label": "Tier", "type": "dropdown", "options": ["Gold", "Silver"]}),
    );
    let p = plan(&[after], vec![managed(before, 4)], false);
    let c = &p.plan.changes[0];
    assert_eq!((c.action, c.destructive), (Action::Replace, true));
    assert_eq!(p.steps[0].writes.len(), 2);
    assert_eq!(p.plan.summary.replace, 1);
}

#[test]
fn drift_unmanaged_and_prune() {
    // Managed, then edited by hand: its fields no longer hash to the applied hash.
    let mut edited = managed(chat("a", "w"), 1);
    edited
        .resource
        .fields
        .insert("start_flow".into(), json!("hand"));
    let stranger = unmanaged(chat("stranger", "w"), 2);
    let account = unmanaged(
        res(
            "profile.facebook_1",
            Kind::Profile,
            json!({"channel": "facebook", "account": "1", "display_name": "Acme"}),
        ),
        3,
    );
    let p = plan(
        &[chat("a", "w")],
        vec![edited.clone(), stranger.clone(), account.clone()],
        false,
    );
    assert_eq!(p.plan.changes.len(), 1);
    let c = &p.plan.changes[0];
    assert!(c.drift);
    assert!(
        !p.steps[0].config_changed,
        "the configuration still asks for what was applied"
    );
    assert_eq!(p.plan.unmanaged, ["profile.stranger", "profile.facebook_1"]);

    // prune deletes the stranger, never the connected account.
    let p = plan(&[chat("a", "w")], vec![edited, stranger, account], true);
    assert_eq!(
        addresses(&p)[1],
        ("profile.stranger".to_string(), Action::Delete)
    );
    assert_eq!(p.plan.unmanaged, ["profile.facebook_1"]);
}

#[test]
fn bound_profiles_are_adopted_by_account() {
    let account = unmanaged(
        res(
            "profile.facebook_1",
            Kind::Profile,
            json!({"channel": "facebook", "account": "1", "display_name": "Acme"}),
        ),
        3,
    );
    let d = res(
        "profile.acme_fb",
        Kind::Profile,
        json!({"channel": "facebook", "account": "1", "greeting": "Hi"}),
    );
    let p = plan(std::slice::from_ref(&d), vec![account], false);
    let c = &p.plan.changes[0];
    assert_eq!(
        (c.address.as_str(), c.action),
        ("profile.acme_fb", Action::Update)
    );
    assert_eq!(
        c.fields.len(),
        1,
        "display_name is the platform's: {:?}",
        c.fields
    );
    assert!(p.plan.unmanaged.is_empty());
}

#[test]
fn stale_plans_are_refused() {
    let live = vec![managed(chat("a", "w"), 1)];
    let saved = plan(&[chat("a", "x")], live.clone(), false);
    assert_eq!(check_fresh(&saved.plan, &saved), Ok(()));
    let moved = plan(&[chat("a", "x")], vec![managed(chat("a", "w"), 2)], false);
    assert!(matches!(
        check_fresh(&saved.plan, &moved),
        Err(Stale::LiveMoved(_))
    ));
    let mut other = saved.clone();
    other.plan.basis.config_hash = "other".into();
    assert_eq!(check_fresh(&saved.plan, &other), Err(Stale::ConfigChanged));
}

#[test]
fn mass_deletes_need_allowing() {
    let live: Vec<LiveResource> = (0..10)
        .map(|i| managed(chat(&format!("p{i}"), "w"), i + 1))
        .collect();
    let keep: Vec<Resource> = (0..7).map(|i| chat(&format!("p{i}"), "w")).collect();
    assert!(
        safety::check_deletes(&plan(&keep, live.clone(), false), false).is_ok(),
        "30% is allowed"
    );
    let keep: Vec<Resource> = (0..6).map(|i| chat(&format!("p{i}"), "w")).collect();
    let p = plan(&keep, live, false);
    assert_eq!(
        safety::check_deletes(&p, false),
        Err(safety::TooManyDeletes {
            deletes: 4,
            managed: 10
        })
    );
    assert!(safety::check_deletes(&p, true).is_ok());
}
