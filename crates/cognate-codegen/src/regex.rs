//! The model's patterns are Java regular expressions, matched against the whole value
//! (`String.matches`). This translates one into the syntax of the `regex` crate, anchored:
//!
//! - `\w`, `\d`, `\s` and their negations are ASCII-only in Java (without
//!   `UNICODE_CHARACTER_CLASS`) and Unicode-aware in `regex`: they become explicit ASCII
//!   classes (nested classes where they stand inside a class);
//! - escaped punctuation that `regex` would not take as an escape loses its backslash;
//! - a `-` right after a range inside a class (`[0-9-_]`) is a literal in Java: escaped;
//! - `&&`, `--` and `~~` inside a class are set operators in `regex` only: escaped;
//! - the one lookbehind shape the models use, `[C]*(?<!x)` before the end, becomes
//!   `(?:[C]*[C without x])?` (lookaround does not exist in `regex`);
//! - anything else unsupported is an error, so a new model cannot slip through untranslated.

const WORD: &str = "[0-9A-Za-z_]";
const NOT_WORD: &str = "[^0-9A-Za-z_]";
const DIGIT: &str = "[0-9]";
const NOT_DIGIT: &str = "[^0-9]";
const SPACE: &str = r"[\t\n\x0B\x0C\r ]";
const NOT_SPACE: &str = r"[^\t\n\x0B\x0C\r ]";
/// Characters that stay escaped: what `regex` treats as syntax, in or out of a class.
const META: &str = r"\.+*?()|[]{}^$#&-~";

/// Translates Java pattern `java` to an anchored pattern for the `regex` crate.
pub fn java_to_rust(java: &str) -> Result<String, String> {
    let java = rewrite_lookbehind(java)?;
    let chars: Vec<char> = java.chars().collect();
    let mut out = String::with_capacity(java.len() + 16);
    let mut depth = 0usize; // class nesting
    let mut class_items = 0usize; // items seen in the current class
    let mut after_range = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err("trailing backslash".into());
                };
                i += 2;
                let class = match e {
                    'w' => Some(WORD),
                    'W' => Some(NOT_WORD),
                    'd' => Some(DIGIT),
                    'D' => Some(NOT_DIGIT),
                    's' => Some(SPACE),
                    'S' => Some(NOT_SPACE),
                    _ => None,
                };
                if let Some(class) = class {
                    out.push_str(class);
                } else if e == 'p' || e == 'P' || e == 'x' {
                    // \p{..} and \xHH: same syntax in both.
                    out.push('\\');
                    out.push(e);
                    if chars.get(i) == Some(&'{') {
                        while i < chars.len() {
                            out.push(chars[i]);
                            i += 1;
                            if chars[i - 1] == '}' {
                                break;
                            }
                        }
                    } else if e == 'x' {
                        for _ in 0..2 {
                            if let Some(&h) = chars.get(i) {
                                out.push(h);
                                i += 1;
                            }
                        }
                    }
                } else if matches!(e, 't' | 'n' | 'r' | 'f' | 'b' | 'B') {
                    out.push('\\');
                    out.push(e);
                } else if e.is_ascii_alphanumeric() {
                    return Err(format!("unsupported escape \\{e}"));
                } else if META.contains(e) {
                    out.push('\\');
                    out.push(e);
                } else {
                    out.push(e);
                }
                after_range = false;
                class_items += 1;
                continue;
            }
            '[' => {
                if depth > 0 && chars.get(i + 1) != Some(&'^') && chars.get(i + 1) != Some(&'[') {
                    // A nested class in Java is a union, as in `regex`.
                }
                depth += 1;
                class_items = 0;
                after_range = false;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                i += 1;
                continue;
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
                after_range = false;
                i += 1;
                continue;
            }
            '-' if depth > 0 => {
                let at_edge = class_items == 0 || chars.get(i + 1) == Some(&']');
                if at_edge || after_range || chars.get(i + 1) == Some(&'-') {
                    out.push_str(r"\-");
                    after_range = false;
                    class_items += 1;
                    i += 1;
                    continue;
                }
                // A range: copy the next item and remember it ended a range.
                out.push('-');
                i += 1;
                if chars.get(i) == Some(&'\\') {
                    out.push('\\');
                    if let Some(&n) = chars.get(i + 1) {
                        out.push(n);
                    }
                    i += 2;
                } else if let Some(&n) = chars.get(i) {
                    out.push(n);
                    i += 1;
                }
                after_range = true;
                continue;
            }
            '&' | '~' if depth > 0 && chars.get(i + 1) == Some(&c) => {
                for _ in 0..2 {
                    out.push('\\');
                    out.push(c);
                }
                after_range = false;
                class_items += 2;
                i += 2;
                continue;
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                match chars.get(i + 2) {
                    Some(':') | Some('s') | Some('i') | Some('m') | Some('x') => {}
                    _ => return Err("unsupported group construct (lookaround?)".into()),
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        if depth > 0 {
            after_range = false;
            class_items += 1;
        }
        i += 1;
    }
    if depth != 0 {
        return Err("unclosed character class".into());
    }
    Ok(format!("^(?:{out})$"))
}

/// `[C]*(?<!x)` followed by `$` or the end → `(?:[C]*[C'])?`, where `C'` is `C` without `x`.
fn rewrite_lookbehind(java: &str) -> Result<String, String> {
    let Some(at) = java.find("(?<!") else {
        return Ok(java.to_owned());
    };
    let rest = &java[at + 4..];
    let close = rest.find(')').ok_or("unclosed lookbehind")?;
    let body = &rest[..close];
    let after = &rest[close + 1..];
    if !(after.is_empty() || after == "$") {
        return Err("lookbehind not at the end".into());
    }
    let before = java[..at]
        .strip_suffix('*')
        .ok_or("lookbehind not after a starred class")?;
    let open = before.rfind('[').ok_or("lookbehind not after a class")?;
    let class = &before[open..];
    if !class.ends_with(']') || class.starts_with("[^") {
        return Err("lookbehind not after a plain class".into());
    }
    let inner = &class[1..class.len() - 1];
    if !inner.contains(body) {
        return Err("lookbehind of a character not in the class".into());
    }
    let without = inner.replace(body, "");
    Ok(format!(
        "{}(?:{class}*[{without}])?{after}",
        &before[..open]
    ))
}

#[cfg(test)]
mod tests {
    use super::java_to_rust;

    #[test]
    fn translations() {
        assert_eq!(
            java_to_rust(r"[\w-]+_[0-9a-zA-Z]+").as_deref(),
            Ok(r"^(?:[[0-9A-Za-z_]\-]+_[0-9a-zA-Z]+)$")
        );
        assert_eq!(
            java_to_rust(r"[\S]+").as_deref(),
            Ok(r"^(?:[[^\t\n\x0B\x0C\r ]]+)$")
        );
        assert_eq!(
            java_to_rust(r"[A-Za-z0-9-_+/=.]+").as_deref(),
            Ok(r"^(?:[A-Za-z0-9\-_+/=.]+)$")
        );
        assert_eq!(
            java_to_rust(r"^[0-9A-Za-z\.\-_]*(?<!\.)$").as_deref(),
            Ok(r"^(?:^(?:[0-9A-Za-z\.\-_]*[0-9A-Za-z\-_])?$)$")
        );
        assert!(java_to_rust(r"(?=x)").is_err());
        assert_eq!(java_to_rust(r"a\:b").as_deref(), Ok(r"^(?:a:b)$"));
    }
}
