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

/// The French name of a month: `janvier`.
pub fn month_name(month: Month) -> &'static str {
    match month {
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
    }
}

/// The abbreviation of a month the French way (Imprimerie nationale): `janv.`, `mai`, `sept.`.
pub fn month_short(month: Month) -> &'static str {
    match month {
        Month::January => "janv.",
        Month::February => "févr.",
        Month::March => "mars",
        Month::April => "avr.",
        Month::May => "mai",
        Month::June => "juin",
        Month::July => "juil.",
        Month::August => "août",
        Month::September => "sept.",
        Month::October => "oct.",
        Month::November => "nov.",
        Month::December => "déc.",
    }
}

/// French typography in running text: a no-break space before `:` and a narrow no-break space before
/// `;`, `!` and `?` (and inside « guillemets »), replacing the ordinary space typed there.
pub fn typography(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            (' ', Some(':')) => out.push('\u{a0}'),
            (' ', Some(';' | '!' | '?' | '»')) => out.push('\u{202F}'),
            ('«', Some(' ')) => {
                out.push('«');
                out.push('\u{202F}');
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// [`typography`] applied to the text of an HTML page, never inside tags (attributes, URLs) nor inside
/// `<script>`, `<style>`, `<pre>`, `<code>` and `<textarea>`, whose text is code or user input.
pub fn typography_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    let mut raw_until: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        let (text, tail) = rest.split_at(open);
        if raw_until.is_some() {
            out.push_str(text);
        } else {
            out.push_str(&typography(text));
        }
        let close = tail.find('>').map_or(tail.len(), |i| i + 1);
        let tag = &tail[..close];
        let name: String = tag
            .trim_start_matches('<')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect::<String>()
            .to_ascii_lowercase();
        match raw_until {
            Some(end) if name == end => raw_until = None,
            None => {
                raw_until = match name.as_str() {
                    "script" => Some("/script"),
                    "style" => Some("/style"),
                    "pre" => Some("/pre"),
                    "code" => Some("/code"),
                    "textarea" => Some("/textarea"),
                    _ => None,
                }
            }
            Some(_) => {}
        }
        out.push_str(tag);
        rest = &tail[close..];
    }
    out.push_str(&typography(rest));
    out
}

/// Formats a date in French prose: `19 novembre 2019`, `1er janvier 2024`.
pub fn long_date(date: Date) -> String {
    let month = month_name(date.month());
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

/// A count with its noun agreed: `1 projet`, `0 projet`, `3 projets` (French takes the singular below 2).
pub fn count(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", integer(n), if n.abs() < 2 { one } else { many })
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
    fn typography_puts_no_break_spaces_where_french_wants_them() {
        assert_eq!(
            typography("Source : ANCT ; voir ?"),
            "Source\u{a0}: ANCT\u{202F}; voir\u{202F}?"
        );
        assert_eq!(typography("« test »"), "«\u{202F}test\u{202F}»");
        let html = r#"<p title="a : b">Total : <a href="/x?a=1">3</a></p><code>a : b</code> fin !"#;
        assert_eq!(
            typography_html(html),
            "<p title=\"a : b\">Total\u{a0}: <a href=\"/x?a=1\">3</a></p><code>a : b</code> fin\u{202F}!"
        );
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "projet", "projets"), "0 projet");
        assert_eq!(count(1, "projet", "projets"), "1 projet");
        assert_eq!(count(1_200, "projet", "projets"), "1\u{202F}200 projets");
    }

    #[test]
    fn percent_rounds_and_refuses_empty_wholes() {
        assert_eq!(percent(13, 15).as_deref(), Some("87\u{a0}%"));
        assert_eq!(percent(2, 15).as_deref(), Some("13\u{a0}%"));
        assert_eq!(percent(1, 0), None);
    }
}
