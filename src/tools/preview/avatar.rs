//! Avatars: never a remote image. A placeholder with initials (drawn as inline SVG by the
//! template), or a small local image file of the configuration inlined as a `data:` URI.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use serde::Serialize;

/// The largest local image inlined into the page; larger files get a placeholder.
pub const INLINE_MAX_BYTES: u64 = 256 * 1024;

/// Colours of placeholders for profiles without a valid `color`.
const PALETTE: &[&str] = &[
    "#5B6C8F", "#7A5C99", "#3D7A6B", "#9A5B4B", "#4B6E9A", "#7F7A3A", "#6B4B7A", "#3F6F8F",
];

/// An avatar as the template draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Avatar {
    /// up to two letters for the placeholder
    pub initials: String,
    /// the placeholder's colour, `#RRGGBB`
    pub color: String,
    /// an inlined local image (`data:image/...;base64,...`), when there is one
    pub data_uri: Option<String>,
    /// the image the configuration names, shown as text when it is not inlined
    pub source: Option<String>,
    /// why the image is not shown, when there is one
    pub note: Option<String>,
}

/// Up to two initials of a name: the first letter or digit of its first two words.
pub fn initials(name: &str) -> String {
    let mut out: String = name
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if out.is_empty() {
        out.push('?');
    }
    out
}

/// `color` when it is `#RRGGBB`, else a colour picked from the name.
pub fn color_for(name: &str, color: Option<&str>) -> String {
    match color {
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            c.to_string()
        }
        _ => {
            let h = name.bytes().fold(0usize, |h, b| {
                h.wrapping_mul(31).wrapping_add(usize::from(b))
            });
            PALETTE[h % PALETTE.len()].to_string()
        }
    }
}

/// A placeholder, with the image the configuration names (if any) as text.
pub fn placeholder(name: &str, color: Option<&str>, source: Option<&str>) -> Avatar {
    Avatar {
        initials: initials(name),
        color: color_for(name, color),
        data_uri: None,
        source: source.map(str::to_string),
        note: source.map(|_| "Remote image, not loaded by the preview".to_string()),
    }
}

fn is_remote(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.contains("://")
        || l.starts_with("//")
}

/// An avatar given as a URL or as a path relative to the configuration directory `dir`:
/// a local image is inlined when it is a regular file inside `dir` (links resolved), at
/// most [`INLINE_MAX_BYTES`], and a PNG, JPEG, GIF or WebP by its content; anything else
/// is a placeholder that says why.
pub fn avatar(name: &str, color: Option<&str>, value: &str, dir: &Path) -> Avatar {
    let mut a = placeholder(name, color, Some(value));
    if is_remote(value) || value.starts_with("data:") {
        return a;
    }
    match inline_local(value, dir) {
        Ok(uri) => {
            a.data_uri = Some(uri);
            a.note = None;
        }
        Err(why) => a.note = Some(why.to_string()),
    }
    a
}

fn inline_local(value: &str, dir: &Path) -> Result<String, &'static str> {
    let rel = Path::new(value);
    if rel.is_absolute() {
        return Err("Not inlined: an absolute path is outside the configuration directory");
    }
    let root = dir
        .canonicalize()
        .map_err(|_| "Not inlined: the configuration directory cannot be resolved")?;
    let path = root
        .join(rel)
        .canonicalize()
        .map_err(|_| "Not inlined: no such file")?;
    if !path.starts_with(&root) {
        return Err("Not inlined: the file is outside the configuration directory");
    }
    let meta = std::fs::metadata(&path).map_err(|_| "Not inlined: the file cannot be read")?;
    if !meta.is_file() {
        return Err("Not inlined: not a regular file");
    }
    if meta.len() > INLINE_MAX_BYTES {
        return Err("Not inlined: larger than 256 KiB");
    }
    let file = std::fs::File::open(&path).map_err(|_| "Not inlined: the file cannot be read")?;
    let mut bytes = Vec::new();
    file.take(INLINE_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| "Not inlined: the file cannot be read")?;
    if bytes.len() as u64 > INLINE_MAX_BYTES {
        return Err("Not inlined: larger than 256 KiB");
    }
    let mime = sniff(&bytes).ok_or("Not inlined: not a PNG, JPEG, GIF or WebP image")?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}

/// The image type of `bytes` by their signature (never by the file name: an SVG, which
/// can carry scripts, is never inlined).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn initials_and_colours() {
        assert_eq!(initials("Acme Air Baggage Desk"), "AA");
        assert_eq!(initials("élodie"), "É");
        assert_eq!(initials("  "), "?");
        assert_eq!(color_for("x", Some("#1877F2")), "#1877F2");
        assert!(color_for("x", Some("red;background:url(x)")).starts_with('#'));
        assert_eq!(color_for("x", Some("red;background:url(x)")).len(), 7);
    }

    #[test]
    fn local_files_inlined_only_when_safe() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("config");
        std::fs::create_dir_all(dir.join("img")).unwrap();
        std::fs::write(dir.join("img/a.png"), PNG).unwrap();
        std::fs::write(dir.join("img/fake.png"), b"<svg onload=alert(1)>").unwrap();
        std::fs::write(
            dir.join("img/big.png"),
            vec![0u8; INLINE_MAX_BYTES as usize + 1],
        )
        .unwrap();
        std::fs::write(root.path().join("outside.png"), PNG).unwrap();

        let ok = avatar("Desk", None, "img/a.png", &dir);
        assert!(
            ok.data_uri
                .as_deref()
                .unwrap()
                .starts_with("data:image/png;base64,")
        );
        assert!(ok.note.is_none());

        for (value, why) in [
            ("img/fake.png", "not a png"),
            ("img/big.png", "larger than"),
            ("../outside.png", "outside"),
            ("img/missing.png", "no such file"),
            ("img", "not a regular file"),
            ("https://cdn.example/a.png", "remote"),
        ] {
            let a = avatar("Desk", None, value, &dir);
            assert!(a.data_uri.is_none(), "{value}");
            assert!(
                a.note.as_deref().unwrap().to_lowercase().contains(why),
                "{value}: {:?}",
                a.note
            );
            assert_eq!(a.source.as_deref(), Some(value));
        }
        let abs = root.path().join("outside.png");
        assert!(
            avatar("D", None, abs.to_str().unwrap(), &dir)
                .data_uri
                .is_none()
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("outside.png"), dir.join("link.png"))
                .unwrap();
            assert!(avatar("D", None, "link.png", &dir).data_uri.is_none());
        }
    }
}
