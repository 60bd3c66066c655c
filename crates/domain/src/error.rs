//! The one error type of the domain: a value that does not parse or a rule that is broken.

/// What went wrong, in words a user can act on (French, as shown in the UI and in import reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A value does not have the expected form.
    #[error(
        "{field} : « {} » invalide, attendu {expected}",
        excerpt(value, EXCERPT)
    )]
    Invalid {
        /// The field or column the value came from.
        field: &'static str,
        /// The rejected value, as given.
        value: String,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// A business rule forbids the operation.
    #[error("{0}")]
    Rule(String),
}

/// How many characters of a value a message quotes.
pub const EXCERPT: usize = 80;

/// At most `max` characters of `text`, then `…`: a message never echoes a whole pasted text or cell. A
/// character that does not show as itself (a control, a bidirectional override that would make the
/// message read otherwise) is written as its code, `\u{202e}`; a line break or a tab as a space.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if matches!(c, '\n' | '\r' | '\t') {
            out.push(' ');
        } else if crate::text::hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

impl DomainError {
    /// The field or column a value's error names; `None` for a broken rule, which names none.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            DomainError::Invalid { field, .. } => Some(field),
            DomainError::Rule(_) => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, value: &str, expected: &'static str) -> Self {
        Self::Invalid {
            field,
            value: value.to_owned(),
            expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_quotes_an_excerpt_of_a_long_value_never_all_of_it() {
        let cell = "é".repeat(10_000);
        let message = DomainError::invalid("titre", &cell, "un titre").to_string();
        assert_eq!(
            message,
            format!(
                "titre : « {}… » invalide, attendu un titre",
                "é".repeat(EXCERPT)
            )
        );
        assert_eq!(excerpt("court", EXCERPT), "court");
    }

    #[test]
    fn an_excerpt_shows_what_would_hide_or_reverse_the_message() {
        assert_eq!(
            excerpt("fichier\u{202E}fdp.exe", EXCERPT),
            "fichier\\u{202e}fdp.exe"
        );
        assert_eq!(excerpt("a\0b\u{2066}", EXCERPT), "a\\u{0}b\\u{2066}");
        assert_eq!(excerpt("deux\nlignes\tici", EXCERPT), "deux lignes ici");
        assert_eq!(
            excerpt("\u{202E}abc", 2),
            "\\u{202e}a…",
            "counted as one character"
        );
    }
}
