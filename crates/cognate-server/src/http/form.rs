//! `application/x-www-form-urlencoded` requests (query strings and bodies) and the redirects
//! the endpoints send.

use std::collections::HashMap;

/// A form's fields; a field sent twice is kept as a repeat (RFC 6749 3.1: parameters must not
/// be repeated).
#[derive(Default)]
pub(crate) struct Fields {
    values: HashMap<String, String>,
    /// The first field that was sent twice.
    pub repeated: Option<String>,
}

impl Fields {
    /// Parses a query string or a form body.
    pub(crate) fn parse(input: &[u8]) -> Fields {
        let mut out = Fields::default();
        for (k, v) in form_urlencoded::parse(input) {
            if out.values.contains_key(k.as_ref()) {
                out.repeated.get_or_insert_with(|| k.clone().into_owned());
                continue;
            }
            out.values.insert(k.into_owned(), v.into_owned());
        }
        out
    }

    /// A field, if sent (an empty value counts as absent).
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

impl Drop for Fields {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for v in self.values.values_mut() {
            v.zeroize();
        }
    }
}

/// `base` with `pairs` added to its query (`fragment`: to its fragment instead).
pub(crate) fn with_params(base: &str, pairs: &[(&str, String)], fragment: bool) -> String {
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        encoded.append_pair(k, v);
    }
    let encoded = encoded.finish();
    if encoded.is_empty() {
        return base.to_owned();
    }
    let sep = if fragment {
        '#'
    } else if base.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{base}{sep}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_noticed_and_redirects_keep_their_query() {
        let f = Fields::parse(b"a=1&b=x+y&a=2&c=");
        assert_eq!(f.get("a").as_deref(), Some("1"));
        assert_eq!(f.get("b").as_deref(), Some("x y"));
        assert_eq!(f.get("c"), None);
        assert_eq!(f.repeated.as_deref(), Some("a"));
        let pairs = [("code", "a b".to_owned()), ("state", "s&t".to_owned())];
        assert_eq!(
            with_params("https://app/cb?x=1", &pairs, false),
            "https://app/cb?x=1&code=a+b&state=s%26t"
        );
        assert_eq!(
            with_params("https://app/cb", &pairs, true),
            "https://app/cb#code=a+b&state=s%26t"
        );
    }
}
