//! `channel = "whatsapp"`: the WhatsApp Business profile and its rules.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::config::DocPath;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::{Ctx, limits, limits::*};

/// A WhatsApp business category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Vertical {
    Undefined,
    Other,
    Auto,
    Beauty,
    Apparel,
    Edu,
    Entertain,
    EventPlan,
    Finance,
    Grocery,
    Govt,
    Hotel,
    Health,
    Nonprofit,
    ProfServices,
    Retail,
    Travel,
    Restaurant,
    NotABiz,
}

/// `channel = "whatsapp"`.
#[skip_serializing_none]
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsappProfile {
    /// The connected phone number id, digits.
    #[schemars(pattern(DIGITS_PATTERN))]
    pub account: String,
    /// The in-app colour agents see, `#RRGGBB`.
    #[schemars(pattern(COLOR_PATTERN))]
    pub color: Option<String>,
    /// About text, 1 to 139 characters.
    #[schemars(length(min = WA_ABOUT_MIN, max = WA_ABOUT))]
    pub about: Option<String>,
    /// Profile picture URL; WhatsApp recommends a 640x640 JPEG of at most 63 KB.
    #[schemars(pattern(URL_PATTERN))]
    pub avatar_url: Option<String>,
    /// Business address, at most 256 characters; required on `sandbox` and `http`.
    #[schemars(length(max = WA_ADDRESS))]
    pub address: Option<String>,
    /// Business description: required and at most 256 characters on `sandbox` and
    /// `http`, optional and at most 512 on `meta`.
    pub description: Option<String>,
    /// Contact e-mail, at most 128 characters.
    #[schemars(length(max = WA_EMAIL), pattern(EMAIL_PATTERN))]
    pub email: Option<String>,
    /// Business category; required on `sandbox` and `http`.
    pub vertical: Option<Vertical>,
    /// At most 2 http(s) URLs of at most 256 characters each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = WA_WEBSITES), inner(length(max = WA_WEBSITE), pattern(URL_PATTERN)))]
    pub websites: Vec<String>,
}

pub(super) fn check(ctx: &mut Ctx<'_>, at: &DocPath, p: &WhatsappProfile) {
    let target = ctx.target();
    if limits::rules_of(target).whatsapp_details_required {
        let required = [
            ("address", p.address.is_some(), "the business address"),
            (
                "description",
                p.description.is_some(),
                "the business description",
            ),
            ("vertical", p.vertical.is_some(), "the business category"),
        ];
        for (key, set, what) in required {
            // A key written with a bad value is reported by the schema, not as missing.
            if !set && ctx.input.tree.at(&at.key(key)).is_none() {
                let d = Diagnostic::new(
                    Code::MissingKey,
                    format!("`{at}` is missing the required key `{key}`"),
                )
                .at(ctx.key_span(at), format!("`{key}` is required here"))
                .help(format!(
                    "add `{key} = ...`: {what}, required on {} ({}); optional on `meta`",
                    limits::Targets::Platform.describe(),
                    limits::rules_of(target).whatsapp_source
                ));
                ctx.push(d);
            }
        }
    }
    if let (Some(text), Some(l)) = (
        &p.description,
        limits::for_target("whatsapp.description", target),
    ) {
        super::messenger::too_long(ctx, &at.key("description"), text, l);
    }
    if let Some(url) = &p.avatar_url {
        let bare = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        // On Meta, `apply` uploads the picture itself, and the Cloud API takes PNG too.
        let png_too = target == crate::model::Target::Meta;
        let jpeg = bare.ends_with(".jpg") || bare.ends_with(".jpeg");
        if !(jpeg || (png_too && bare.ends_with(".png"))) {
            let (label, help) = if png_too {
                (
                    "not `.jpg`, `.jpeg` or `.png`",
                    "on `meta`, `apply` downloads the picture and uploads it to WhatsApp, which takes a JPEG or PNG (at most 5 MB; a 640x640 JPEG is recommended)",
                )
            } else {
                (
                    "not `.jpg` or `.jpeg`",
                    "WhatsApp recommends a 640x640 JPEG of at most 63 KB",
                )
            };
            let d = Diagnostic::new(
                Code::AvatarNotJpeg,
                "the WhatsApp avatar does not look like a JPEG",
            )
            .at(ctx.span(&at.key("avatar_url")), label)
            .help(help);
            ctx.push(d);
        }
    }
    let sites: Vec<(DocPath, &str)> = p
        .websites
        .iter()
        .enumerate()
        .map(|(i, w)| (at.key("websites").idx(i), w.as_str()))
        .collect();
    ctx.unique(Code::DuplicateValue, "website", sites);
}
