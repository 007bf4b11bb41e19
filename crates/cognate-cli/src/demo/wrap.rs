//! The demo's narration at most 100 columns wide.

/// The narration's width, in columns.
pub const WIDTH: usize = 100;

/// `line` in lines of at most `width` characters: broken between words, continuation lines
/// indented three more than the first; a word too long for a line (a JSON body) is cut into
/// pieces.
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_owned()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let follow = " ".repeat((indent + 3).min(width / 2));
    let mut lines = Vec::new();
    let mut current = " ".repeat(indent);
    let mut empty = true;
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let used = current.chars().count();
        let len = word.chars().count();
        if !empty && used + 1 + len <= width {
            current.push(' ');
            current.push_str(word);
            continue;
        }
        if empty && used + len <= width {
            current.push_str(word);
            empty = false;
            continue;
        }
        if !empty {
            lines.push(std::mem::replace(&mut current, follow.clone()));
        }
        // The word starts a line; cut it while it is too long for one (after a comma where
        // there is one: a JSON body).
        let mut rest: Vec<char> = word.chars().collect();
        loop {
            let room = width.saturating_sub(current.chars().count()).max(1);
            if rest.len() <= room {
                current.extend(rest.iter());
                break;
            }
            let cut = rest[..room]
                .iter()
                .rposition(|&c| c == ',')
                .map_or(room, |i| i + 1);
            current.extend(rest.drain(..cut));
            lines.push(std::mem::replace(&mut current, follow.clone()));
        }
        empty = false;
    }
    lines.push(current);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn lines_fit_and_keep_their_words() {
        assert_eq!(wrap("   short  line", 100), ["   short  line"]);
        let json = format!("   → 200 {{\"a\":\"{}\",\"b\":1}}", "x".repeat(25));
        let pieces = [
            "   → 200".to_owned(),
            format!("      {{\"a\":\"{}\",", "x".repeat(25)),
            "      \"b\":1}".to_owned(),
        ];
        assert_eq!(wrap(&json, 40), pieces);
        let long = format!("   GET /v1/me → 200 {}", "x".repeat(150));
        let lines = wrap(&long, 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert!(
            lines[1..].iter().all(|l| l.starts_with("      ")),
            "{lines:?}"
        );
        let joined: String = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        assert_eq!(joined.replace(' ', ""), long.replace(' ', ""));
        let words = "one two three four five six seven eight nine ten";
        assert_eq!(
            wrap(words, 20),
            [
                "one two three four",
                "   five six seven",
                "   eight nine ten"
            ]
        );
    }
}
