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

#[cfg(test)]
mod tests {
    use super::*;

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
