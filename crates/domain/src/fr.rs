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

/// Reads a yes or no as people, spreadsheets, forms and JSON write it — `oui`/`non`, `o`/`n`,
/// `vrai`/`faux`, `true`/`false`, `1`/`0`, a ticked box's `on` (`off`), case aside; `None` when blank.
/// Anything else is refused with its value: a typo must not silently mean « non ».
pub fn read_yes_no(
    field: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<Option<bool>, DomainError> {
    match value.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "oui" | "o" | "vrai" | "true" | "1" | "on" => Ok(Some(true)),
        "non" | "n" | "faux" | "false" | "0" | "off" => Ok(Some(false)),
        _ => Err(DomainError::invalid(field, value, expected)),
    }
}

/// Reads a date as people and spreadsheets write it: ISO (`2019-11-19`), `19/11/2019` (or `19-11-2019`,
/// `19.11.2019`), `19 novembre 2019` (`1er mars 2020`, case and accents ignored), or an Excel serial day
/// number (`43788`, what a date cell holds when its format is lost). `field` names the field in the error.
pub fn read_date(field: &'static str, value: &str) -> Result<Date, DomainError> {
    const EXPECTED: &str = "une date (AAAA-MM-JJ, JJ/MM/AAAA ou « 19 novembre 2019 »)";
    let invalid = || DomainError::invalid(field, value, EXPECTED);
    let v = value.trim();
    if let Ok(date) = Date::parse(v, ISO) {
        return Ok(date);
    }
    let ymd = |y: i32, m: u8, d: u8| {
        Month::try_from(m)
            .ok()
            .and_then(|m| Date::from_calendar_date(y, m, d).ok())
            .ok_or_else(invalid)
    };
    let number = |s: &str| s.parse::<u32>().ok();
    // 19/11/2019, 19-11-2019, 19.11.2019
    let parts: Vec<&str> = v.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts[..] {
        return match (number(d), number(m), number(y)) {
            (Some(d), Some(m), Some(y)) if (1000..10_000).contains(&y) && d < 32 && m < 13 => {
                ymd(y as i32, m as u8, d as u8)
            }
            _ => Err(invalid()),
        };
    }
    // 19 novembre 2019, 1er mars 2020
    let words: Vec<String> = crate::search::search_key(v)
        .split(' ')
        .map(str::to_owned)
        .collect();
    if let [d, m, y] = &words[..] {
        let d = number(d.strip_suffix("er").unwrap_or(d));
        let m = (1..=12u8).find(|&n| {
            Month::try_from(n).is_ok_and(|month| crate::search::search_key(month_name(month)) == *m)
        });
        return match (d, m, number(y)) {
            (Some(d), Some(m), Some(y)) if d < 32 && (1000..10_000).contains(&y) => {
                ymd(y as i32, m, d as u8)
            }
            _ => Err(invalid()),
        };
    }
    // An Excel serial, read only within 1955–2119 where no other number is likely.
    if let Some(n) = number(v).filter(|n| (20_000..80_000).contains(n)) {
        return excel_date(i64::from(n)).ok_or_else(invalid);
    }
    Err(invalid())
}

/// The day of a spreadsheet serial date: days since 1899-12-30 (so that 60, Excel's phantom 29 February
/// 1900, is skipped); `None` beyond the calendar.
pub fn excel_date(serial: i64) -> Option<Date> {
    time::macros::date!(1899 - 12 - 30).checked_add(time::Duration::days(serial))
}

/// A whole number as French spreadsheets write it: thousands grouped by spaces (plain, no-break or narrow
/// no-break), or a spreadsheet's `.0` after it; `None` for anything else.
pub fn read_whole_number(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits: String = text
        .strip_suffix(".0")
        .unwrap_or(text)
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    digits.parse().ok()
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
    fn yes_and_no_read_in_every_way_people_write_them_and_nothing_else() {
        for yes in ["oui", "OUI", " Oui ", "o", "vrai", "true", "1", "on"] {
            assert_eq!(read_yes_no("f", yes, "oui ou non"), Ok(Some(true)), "{yes}");
        }
        for no in ["non", "N", "faux", "false", "0", "off"] {
            assert_eq!(read_yes_no("f", no, "oui ou non"), Ok(Some(false)), "{no}");
        }
        assert_eq!(read_yes_no("f", "  ", "oui ou non"), Ok(None));
        for typo in ["ouii", "peut-être", "2", "yes"] {
            assert!(read_yes_no("f", typo, "oui ou non").is_err(), "{typo}");
        }
    }

    #[test]
    fn dates_read_as_people_and_spreadsheets_write_them() {
        for typed in [
            "2019-11-19",
            "19/11/2019",
            " 19-11-2019 ",
            "19.11.2019",
            "19 novembre 2019",
            "19 Novembre 2019",
            "43788",
        ] {
            assert_eq!(
                read_date("date", typed).unwrap(),
                date!(2019 - 11 - 19),
                "{typed}"
            );
        }
        assert_eq!(
            read_date("date", "1er février 2020").unwrap(),
            date!(2020 - 02 - 01)
        );
        assert_eq!(
            read_date("date", "1 fevrier 2020").unwrap(),
            date!(2020 - 02 - 01)
        );
        for bad in [
            "31/02/2024",
            "19 brumaire 2019",
            "2019",
            "11/19/2019",
            "123",
            "19/11/19",
            "",
        ] {
            let err = read_date("date_demande", bad).unwrap_err().to_string();
            assert!(err.starts_with("date_demande"), "{bad}: {err}");
        }
    }

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
