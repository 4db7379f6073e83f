//! `[contacts]` and `[contact_attributes.<id>]`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// `[contacts]`: workspace-wide contact settings.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// The attribute that links one contact's conversations across channels.
    #[schemars(length(min = 1))]
    pub matching_attribute: Option<String>,
    /// Agents can mark and filter VIP contacts.
    pub vip: Option<bool>,
    /// Agents may edit CRM-managed attributes.
    pub crm_editing: Option<bool>,
    /// Display order of attributes, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<String>,
}

/// The type of a custom contact attribute.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Deserialize,
    Serialize,
    JsonSchema,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AttributeType {
    /// free text
    Text,
    /// one of a list of options
    Dropdown,
}

impl AttributeType {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `[contact_attributes.<id>]`: a custom attribute (with `type`) or a platform attribute (without).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAttribute {
    /// Label agents see; defaults to the id.
    #[schemars(length(min = 1))]
    pub label: Option<String>,
    /// `text` or `dropdown`; absent for a platform attribute.
    #[serde(rename = "type")]
    pub kind: Option<AttributeType>,
    /// Dropdown options: at least 2, unique.
    pub options: Option<Vec<String>>,
    /// Whether agents see the attribute.
    pub enabled: Option<bool>,
    /// Filled by a CRM; agents edit it only when `[contacts] crm_editing` is true.
    pub crm_managed: Option<bool>,
    /// Used to look the contact up in the CRM.
    pub lookup: Option<bool>,
}
