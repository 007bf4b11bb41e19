//! Doc comments from the model's HTML documentation: its first sentence as plain text.

/// The first sentence of an HTML documentation string, tags removed, entities decoded,
/// whitespace collapsed, at most about 300 characters; `None` when there is no text.
pub fn first_sentence(html: Option<&str>) -> Option<String> {
    let html = html?;
    let mut text = String::with_capacity(html.len().min(2048));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            _ => text.push(c),
        }
        if text.len() > 4096 {
            break;
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        let ends = word.ends_with('.') && !word.ends_with("e.g.") && !word.ends_with("i.e.");
        if ends || out.len() > 300 {
            break;
        }
    }
    // Keep rustdoc from reading markup: no code fences, no HTML, no link brackets.
    let out = out
        .replace("```", "'")
        .replace('<', "‹")
        .replace('>', "›")
        .replace('[', "(")
        .replace(']', ")")
        .replace(" .", ".")
        .replace(" ,", ",");
    let out = out.trim().to_owned();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_of_html() {
        assert_eq!(
            first_sentence(Some("<p>Creates a <code>user</code>. More text.</p>")).as_deref(),
            Some("Creates a user.")
        );
        assert_eq!(first_sentence(Some("<p></p>")), None);
        assert_eq!(first_sentence(None), None);
    }
}
