//! Turning a file's bytes into text. Bank files come as UTF-8 with or without a byte-order mark,
//! as UTF-16 (with a mark, or without one but recognizable by its NUL bytes), and very often in
//! Windows code page 1252 or Latin-1, which OFX 1.x headers announce as `CHARSET:1252`.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::error::{FormatError, FormatErrorKind};

/// Decodes a file's bytes: a byte-order mark decides first; then UTF-16 recognized by NUL bytes
/// in every other position; then UTF-8 when the bytes are valid UTF-8; otherwise the charset
/// the file declares (OFX `CHARSET:`, XML `encoding="..."`), and cp1252 (a superset of Latin-1's
/// printable characters) when it declares none. NUL padding at the end is dropped.
pub fn decode(bytes: &[u8]) -> Result<String, FormatError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(single_byte_or_utf8(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, UTF_16LE);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, UTF_16BE);
    }
    if let Some(encoding) = utf16_by_nuls(bytes) {
        return utf16(bytes, encoding);
    }
    Ok(single_byte_or_utf8(bytes))
}

fn single_byte_or_utf8(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let bytes = bytes.get(..end).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let encoding = declared_encoding(bytes).unwrap_or(WINDOWS_1252);
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            text.into_owned()
        }
    }
}

fn utf16(bytes: &[u8], encoding: &'static Encoding) -> Result<String, FormatError> {
    // Drop NUL padding at the end (whole code units only).
    let mut end = bytes.len() - bytes.len() % 2;
    while end >= 2 && bytes.get(end - 2..end) == Some(&[0, 0][..]) {
        end -= 2;
    }
    let body = bytes.get(..end).unwrap_or_default();
    match encoding.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) if bytes.len().is_multiple_of(2) => Ok(text.into_owned()),
        _ => Err(FormatError::new(
            FormatErrorKind::Encoding,
            format!(
                "the file looks like {} text but is not valid {} (cut short, or a broken character): export it again",
                encoding.name(),
                encoding.name()
            ),
        )),
    }
}

/// UTF-16 without a byte-order mark: ASCII-heavy text then has a NUL in every other byte.
fn utf16_by_nuls(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = bytes.get(..bytes.len().min(1024))?;
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_nuls = sample.iter().step_by(2).take(pairs).filter(|&&b| b == 0).count();
    let odd_nuls = sample.iter().skip(1).step_by(2).take(pairs).filter(|&&b| b == 0).count();
    // Most code units are ASCII in a bank file; allow some that are not.
    if odd_nuls * 10 >= pairs * 7 && even_nuls * 10 <= pairs {
        Some(UTF_16LE)
    } else if even_nuls * 10 >= pairs * 7 && odd_nuls * 10 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The charset a file declares in its first kilobyte: OFX 1.x `CHARSET:1252`, or an XML
/// declaration's `encoding="ISO-8859-1"`.
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..bytes.len().min(1024)).unwrap_or(bytes);
    let head: String = head.iter().map(|&b| if b.is_ascii() { b as char } else { ' ' }).collect();
    let upper = head.to_ascii_uppercase();
    let label = if let Some(at) = upper.find("CHARSET:") {
        head.get(at + "CHARSET:".len()..)?.lines().next()?.trim().to_owned()
    } else if let Some(at) = upper.find("ENCODING=") {
        let rest = head.get(at + "ENCODING=".len()..)?;
        let quote = rest.chars().next()?;
        rest.get(1..)?.split(quote).next()?.trim().to_owned()
    } else {
        return None;
    };
    let label = label.to_ascii_lowercase();
    match label.as_str() {
        "" | "none" | "utf-8" | "utf8" | "csunicode" | "unicode" => None,
        "8859-1" | "latin-1" | "latin1" => Some(WINDOWS_1252),
        digits if digits.len() == 4 && digits.starts_with("125") => {
            Encoding::for_label(format!("windows-{digits}").as_bytes())
        }
        other => Encoding::for_label(other.as_bytes()),
    }
}

/// Trims and collapses runs of whitespace into one space: how payees and memos are stored.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`clean`], and `None` when nothing is left.
pub(crate) fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(clean).filter(|s| !s.is_empty())
}
