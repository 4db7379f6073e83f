//! The locales the Messenger Platform supports, in one place: the rules (`locales` keys
//! of facebook and instagram profiles) and the Graph emulator both read this list.
//!
//! Source: "Supported Locales", Messenger Platform (updated Jul 25, 2023),
//! <https://developers.facebook.com/documentation/business-messaging/messenger-platform/messenger-profile/supported-locales>.
//! The page lists the locales of messenger.com and of Messenger on Android; this is
//! their union. The stored copy of the page was cut after `pa_IN` in the Android list;
//! the rest of that list (`pl_PL` to `zh_TW`) was read from a transcription of the same
//! page (nombanafi/bot-messenger-php, `src/Types/MessengerAndroidLocales.php`). Whether
//! the page lists further locales (an iOS list) could not be read: see
//! `docs/graph-emulator.md`.
//!
//! Greetings, ice breakers and persistent menus take these codes, plus `default`.

/// The `locale` value of the entry every localised property must have.
pub const DEFAULT: &str = "default";

/// Every supported locale code, sorted.
pub const SUPPORTED: &[&str] = &[
    "af_ZA", "ar_AR", "bn_IN", "cs_CZ", "da_DK", "de_DE", "el_GR", "en_GB", "en_US", "es_ES",
    "es_LA", "fi_FI", "fr_FR", "gu_IN", "he_IL", "hi_IN", "hr_HR", "hu_HU", "id_ID", "it_IT",
    "ja_JP", "kn_IN", "ko_KR", "ml_IN", "mr_IN", "ms_MY", "nb_NO", "nl_NL", "pa_IN", "pl_PL",
    "pt_BR", "pt_PT", "ro_RO", "ru_RU", "sk_SK", "sv_SE", "ta_IN", "te_IN", "th_TH", "tl_PH",
    "tr_TR", "uk_UA", "vi_VN", "zh_CN", "zh_HK", "zh_TW",
];

/// Whether `locale` may key a localised entry (`default` or a supported code).
pub fn is_valid(locale: &str) -> bool {
    locale == DEFAULT || SUPPORTED.binary_search(&locale).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_looked_up() {
        assert!(
            SUPPORTED.windows(2).all(|w| w[0] < w[1]),
            "keep the list sorted"
        );
        assert!(is_valid("default"));
        assert!(is_valid("fr_FR"));
        assert!(is_valid("zh_TW"));
        assert!(!is_valid("fr"));
        assert!(!is_valid("fr-FR"));
        assert!(!is_valid("xx_XX"));
    }
}
