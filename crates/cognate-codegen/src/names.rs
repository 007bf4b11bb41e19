//! Rust names for model names: snake-case fields the way the AWS SDK for Rust spells them, and
//! enum variants for wire values.

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `UserPoolId` → `user_pool_id`, `MFAOptions` → `mfa_options`, `SMSMfaSettings` →
/// `sms_mfa_settings`, `Type` → `r#type`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some('_') => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push('_');
        }
    }
    if KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// `USER_SRP_AUTH` → `UserSrpAuth`, `email` → `Email`, `SignInWithApple` → `SignInWithApple`.
pub fn variant_name(value: &str) -> String {
    let has_lower = value.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = value.chars().any(|c| c.is_ascii_uppercase());
    let mut out = String::new();
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = word.chars();
        let Some(first) = cs.next() else { continue };
        out.push(first.to_ascii_uppercase());
        if has_lower
            && has_upper
            && !word.contains('_')
            && word.chars().any(|c| c.is_ascii_lowercase())
        {
            // Already camel case (`SignInWithApple`): keep the inner capitals.
            out.extend(cs);
        } else {
            out.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_the_sdk() {
        assert_eq!(snake_case("UserPoolId"), "user_pool_id");
        assert_eq!(snake_case("MFAOptions"), "mfa_options");
        assert_eq!(snake_case("SMSMfaSettings"), "sms_mfa_settings");
        assert_eq!(snake_case("AllowedOAuthFlows"), "allowed_o_auth_flows");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("Type"), "r#type");
        assert_eq!(snake_case("message"), "message");
        assert_eq!(snake_case("CSVHeader"), "csv_header");
    }

    #[test]
    fn variants_are_camel_case() {
        assert_eq!(variant_name("USER_SRP_AUTH"), "UserSrpAuth");
        assert_eq!(variant_name("email"), "Email");
        assert_eq!(variant_name("SignInWithApple"), "SignInWithApple");
        assert_eq!(variant_name("OFF"), "Off");
        assert_eq!(variant_name("3DES"), "V3des");
    }
}
