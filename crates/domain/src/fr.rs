//! Dates and numbers the French way: ISO dates in files and URLs, "19 novembre 2019" and "1 200 000" on
//! screen and paper.

use time::{Date, Month};

use crate::DomainError;

const ISO: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses an ISO 8601 calendar date (`2019-11-19`); `field` names the field in the error.
pub fn parse_date(field: &'static str, value: &str) -> Result<Date, DomainError> {
    Date::parse(value.trim(), ISO)
        .map_err(|_| DomainError::invalid(field, value, "une date AAAA-MM-JJ"))
}

/// Formats a date as ISO 8601, the form stored and exchanged.
pub fn iso_date(date: Date) -> String {
    date.format(ISO).expect("a calendar date always formats")
}

/// Formats a date in French prose: `19 novembre 2019`, `1er janvier 2024`.
pub fn long_date(date: Date) -> String {
    let month = match date.month() {
        Month::January => "janvier",
        Month::February => "février",
        Month::March => "mars",
        Month::April => "avril",
        Month::May => "mai",
        Month::June => "juin",
        Month::July => "juillet",
        Month::August => "août",
        Month::September => "septembre",
        Month::October => "octobre",
        Month::November => "novembre",
        Month::December => "décembre",
    };
    let day = match date.day() {
        1 => "1er".to_owned(),
        d => d.to_string(),
    };
    format!("{day} {month} {}", date.year())
}

/// The narrow no-break space French typography puts between groups of digits (what `Intl.NumberFormat`
/// gives for `fr-FR`).
pub const DIGIT_GROUP_SEPARATOR: char = '\u{202F}';

/// Formats an integer with French digit grouping: `1 200 000`.
pub fn integer(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(DIGIT_GROUP_SEPARATOR);
        }
        out.push(c);
    }
    out
}

/// Formats a share as a French percentage with no decimals: `87 %`. `None` when the whole is zero.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    (whole > 0).then(|| format!("{}\u{a0}%", (part * 100 + whole / 2) / whole))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn dates_round_trip_and_read_in_french() {
        let d = parse_date("date", "2019-11-19").unwrap();
        assert_eq!(d, date!(2019 - 11 - 19));
        assert_eq!(iso_date(d), "2019-11-19");
        assert_eq!(long_date(d), "19 novembre 2019");
        assert_eq!(long_date(date!(2024 - 01 - 01)), "1er janvier 2024");
        let err = parse_date("date", "19/11/2019").unwrap_err();
        assert!(err.to_string().contains("AAAA-MM-JJ"), "{err}");
    }

    #[test]
    fn integers_are_grouped_by_three() {
        assert_eq!(integer(0), "0");
        assert_eq!(integer(999), "999");
        assert_eq!(integer(1_200_000), "1\u{202F}200\u{202F}000");
        assert_eq!(integer(-27_250), "-27\u{202F}250");
    }

    #[test]
    fn percent_rounds_and_refuses_empty_wholes() {
        assert_eq!(percent(13, 15).as_deref(), Some("87\u{a0}%"));
        assert_eq!(percent(2, 15).as_deref(), Some("13\u{a0}%"));
        assert_eq!(percent(1, 0), None);
    }
}
