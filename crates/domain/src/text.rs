//! What typed text may hold: codes, which go into addresses, file names and spreadsheets as they are, and
//! texts people read (names, titles, descriptions), which must display as they are stored.

use crate::DomainError;

/// The longest code.
pub const CODE_MAX: usize = 64;

/// Checks a code (a fiche action's, a funder's, a scheme's, an envelope's): 1 to [`CODE_MAX`] characters
/// among ASCII letters, digits, `-`, `_` and `.`, not starting with `.` — `/projets/{code}` must name one
/// fiche, and `..` or `/` in it another address.
pub fn check_code(field: &'static str, value: &str) -> Result<(), DomainError> {
    let fits = !value.is_empty()
        && value.len() <= CODE_MAX
        && !value.starts_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fits {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            value,
            "un code de 1 à 64 caractères : lettres sans accent, chiffres, « - », « _ » ou « . »",
        ))
    }
}

/// Whether `c` does not show as itself: a control character (line breaks and tabs included) or a
/// bidirectional control.
pub fn hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a text people read (a name, a title, a description): at most `max` characters, no control
/// character but line breaks and tabs, no bidirectional control (U+202A–U+202E, U+2066–U+2069: they make
/// a text display otherwise than it is stored, a file name « fichier<U+202E>fdp.exe » reads « fichierexe.pdf »).
pub fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            value,
            match max {
                60 => "60 caractères au plus",
                200 => "200 caractères au plus",
                300 => "300 caractères au plus",
                _ => "un texte plus court",
            },
        ));
    }
    let hidden = |c: char| hidden(c) && !matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(hidden) {
        return Err(DomainError::invalid(
            field,
            value,
            "un texte sans caractère de contrôle (NUL, inversion de sens d'écriture…)",
        ));
    }
    Ok(())
}

/// A text encoded twice (UTF-8 read as Latin-1 then written as UTF-8 again: « dâ\u{80}\u{99}habitat » for
/// « d’habitat »), decoded back; `None` when `text` does not read so (some character beyond Latin-1, or
/// bytes that are not UTF-8, or nothing that the second encoding would have changed).
pub fn undo_double_encoding(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    let decoded = String::from_utf8(bytes?).ok()?;
    (decoded != text).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twice_encoded_text_is_decoded_and_a_right_one_left_alone() {
        assert_eq!(
            undo_double_encoding(
                "zone mixte \u{c3}\u{a0} vocation dominante d\u{e2}\u{80}\u{99}habitat"
            )
            .as_deref(),
            Some("zone mixte à vocation dominante d’habitat")
        );
        assert_eq!(
            undo_double_encoding("zone mixte à vocation d’habitat"),
            None
        );
        assert_eq!(undo_double_encoding("Épinal"), None);
        assert_eq!(undo_double_encoding("plain"), None);
    }

    #[test]
    fn codes_are_plain_enough_for_an_address() {
        for code in [
            "GE2019-4415-HYDROGENE",
            "fonds-acceleration",
            "fa_44",
            "v1.2",
        ] {
            assert!(check_code("code", code).is_ok(), "{code}");
        }
        for code in [
            "",
            "a/b",
            "..",
            ".cache",
            "été",
            "a b",
            "<b>",
            "a\0b",
            &"x".repeat(65),
        ] {
            let err = check_code("code", code).unwrap_err();
            assert_eq!(err.field(), Some("code"), "{code}");
        }
    }

    #[test]
    fn texts_are_bounded_and_display_as_stored() {
        assert!(check_text("titre", "Scierie des Vosges <b>bis</b>\nsuite", 300).is_ok());
        assert!(check_text("titre", &"é".repeat(300), 300).is_ok());
        let long = check_text("titre", &"é".repeat(301), 300).unwrap_err();
        assert!(
            long.to_string().contains("300 caractères au plus"),
            "{long}"
        );
        for hostile in [
            "a\u{0}b",
            "fichier\u{202E}fdp.exe",
            "x\u{2066}y",
            "bell\u{7}",
        ] {
            let err = check_text("nom", hostile, 300).unwrap_err();
            assert!(
                err.to_string().contains("sans caractère de contrôle"),
                "{err}"
            );
        }
    }
}
