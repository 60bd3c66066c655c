//! Money, exact: amounts are integer euro cents, never floats, so that totals add up to the cent.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

use crate::fr::DIGIT_GROUP_SEPARATOR;
use crate::DomainError;

/// An amount in euro cents.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    /// Zero euro.
    pub const ZERO: Cents = Cents(0);

    /// An amount of whole euros.
    pub const fn euros(euros: i64) -> Cents {
        Cents(euros * 100)
    }

    /// Parses an amount as spreadsheets and people write it: `1200000`, `1 200 000`, `1 200 000,50`,
    /// `1200000.5`, `1 200 000 €`, `1,2 M€`, `850 k€`, `2 millions d'euros`, `1,5 Md€`, `300 000 EUR`.
    /// The arithmetic is exact (`1,2 M€` is 120,000,000 cents); negative amounts and fractions of a cent
    /// are refused.
    pub fn parse(field: &'static str, value: &str) -> Result<Cents, DomainError> {
        const EXPECTED: &str =
            "un montant positif en euros (ex. 1 200 000, 1200000,50, 1,2 M€ ou 850 k€)";
        let invalid = || DomainError::invalid(field, value, EXPECTED);
        let lower = value.trim().to_lowercase();
        let (number, exponent) = split_scale(&lower);
        let cleaned: String = number
            .chars()
            .filter(|c| !matches!(*c, ' ' | '\u{a0}' | DIGIT_GROUP_SEPARATOR))
            .collect();
        let (whole, fraction) = match cleaned.split_once([',', '.']) {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        // A fraction finer than the cent is refused: `1,234` may be an English thousand, not 1.234 €;
        // under a scale the cent is further right (`1,234567 M€` is 1,234,567 €).
        let cent_digits = exponent + 2;
        if whole.is_empty()
            || !digits(whole)
            || !digits(fraction)
            || fraction.len() > cent_digits as usize
            || whole.trim_start_matches('0').len() + exponent as usize > 15
        {
            return Err(invalid());
        }
        let scale = 10_i64.pow(cent_digits - fraction.len() as u32);
        let joined: i64 = format!("{whole}{fraction}")
            .parse()
            .map_err(|_| invalid())?;
        Ok(Cents(joined * scale))
    }

    /// The amount rounded to the nearest euro (half up), as bilans print it.
    pub fn rounded(self) -> Cents {
        Cents((self.0 + 50).div_euclid(100) * 100)
    }

    /// The amount in euros as a decimal number with a point, for CSV cells: `1200000.50`.
    pub fn decimal(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        format!(
            "{sign}{}.{:02}",
            self.0.unsigned_abs() / 100,
            self.0.unsigned_abs() % 100
        )
    }

    /// The amount in euros as a float, only for spreadsheet cells and chart geometry, never for sums.
    pub fn as_euros_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// A short form for chart labels: `108,2 M€`, `250 k€`, `900 €`.
    pub fn short(self) -> String {
        let euros = self.0 / 100;
        if euros.abs() >= 1_000_000 {
            let tenths = (euros + 50_000) / 100_000;
            if tenths % 10 == 0 {
                format!("{}\u{a0}M€", crate::fr::integer(tenths / 10))
            } else {
                format!(
                    "{},{}\u{a0}M€",
                    crate::fr::integer(tenths / 10),
                    (tenths % 10).abs()
                )
            }
        } else if euros.abs() >= 1_000 {
            format!("{}\u{a0}k€", (euros + 500) / 1_000)
        } else {
            format!("{euros}\u{a0}€")
        }
    }
}

impl fmt::Display for Cents {
    /// French form: `1 200 000 €`, with cents only when there are some: `1 200 000,50 €`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let euros = crate::fr::integer(self.0 / 100);
        match (self.0 % 100).abs() {
            0 => write!(f, "{euros}\u{a0}€"),
            cents => write!(f, "{euros},{cents:02}\u{a0}€"),
        }
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, rhs: Cents) -> Cents {
        Cents(self.0 + rhs.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, rhs: Cents) {
        self.0 += rhs.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, rhs: Cents) -> Cents {
        Cents(self.0 - rhs.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

/// Splits a typed amount (lower case) into its number and the power of ten its scale word gives:
/// `1,2 m€` → (`1,2`, 6); `850 k€` → (`850`, 3); `2 millions d'euros` → (`2`, 6); `300 000 €` → (`300 000`, 0).
fn split_scale(typed: &str) -> (&str, u32) {
    let mut rest = typed.trim_end();
    for currency in ["d'euros", "d’euros", "euros", "euro", "eur", "€"] {
        if let Some(r) = rest.strip_suffix(currency) {
            rest = r.trim_end();
            break;
        }
    }
    const SCALES: [(&str, u32); 8] = [
        ("milliards", 9),
        ("milliard", 9),
        ("mds", 9),
        ("md", 9),
        ("millions", 6),
        ("million", 6),
        ("m", 6),
        ("k", 3),
    ];
    for (word, exponent) in SCALES {
        if let Some(number) = rest.strip_suffix(word) {
            return (number.trim_end(), exponent);
        }
    }
    (rest, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_as_people_write_them() {
        assert_eq!(
            Cents::parse("m", "1200000").unwrap(),
            Cents::euros(1_200_000)
        );
        assert_eq!(
            Cents::parse("m", "1 200 000 €").unwrap(),
            Cents::euros(1_200_000)
        );
        assert_eq!(
            Cents::parse("m", "1\u{202F}200\u{202F}000").unwrap(),
            Cents::euros(1_200_000)
        );
        assert_eq!(Cents::parse("m", "1200000,5").unwrap(), Cents(120_000_050));
        assert_eq!(Cents::parse("m", "0.07").unwrap(), Cents(7));
        for (typed, euros) in [
            ("1,2 M€", 1_200_000),
            ("1,2M€", 1_200_000),
            ("850 k€", 850_000),
            ("850K€", 850_000),
            ("2 millions d'euros", 2_000_000),
            ("2 Millions d’euros", 2_000_000),
            ("1,5 Md€", 1_500_000_000),
            ("300 000 EUR", 300_000),
            ("45 euros", 45),
            ("1,234567 M€", 1_234_567),
        ] {
            assert_eq!(
                Cents::parse("m", typed).unwrap(),
                Cents::euros(euros),
                "{typed}"
            );
        }
        assert_eq!(Cents::parse("m", "12,3456 k€").unwrap(), Cents(1_234_560));
        for bad in [
            "",
            "-5",
            "1,234",
            "12,345",
            "1e6",
            "douze",
            "1 200,00,00",
            "1,234567891 M€",
            "M€",
            "k€",
            "5 000 000 Md€",
            "1,2 M$",
        ] {
            let err = Cents::parse("montant_engage", bad).unwrap_err();
            assert!(
                err.to_string().starts_with("montant_engage"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn amounts_print_the_french_way() {
        assert_eq!(
            Cents::euros(1_200_000).to_string(),
            "1\u{202F}200\u{202F}000\u{a0}€"
        );
        assert_eq!(
            Cents(120_000_050).to_string(),
            "1\u{202F}200\u{202F}000,50\u{a0}€"
        );
        assert_eq!(Cents(120_000_050).decimal(), "1200000.50");
        assert_eq!(
            Cents(120_000_050).rounded().to_string(),
            "1\u{202F}200\u{202F}001\u{a0}€"
        );
        assert_eq!(Cents(149).rounded(), Cents(100));
        assert_eq!(Cents::euros(108_240_000).short(), "108,2\u{a0}M€");
        assert_eq!(Cents::euros(2_000_000).short(), "2\u{a0}M€");
        assert_eq!(Cents::euros(250_400).short(), "250\u{a0}k€");
    }

    #[test]
    fn sums_are_exact() {
        let total: Cents = std::iter::repeat_n(Cents(10), 10).sum();
        assert_eq!(total, Cents(100));
    }
}
