//! Properties of what people type, over generated values: every amount and date the platform writes
//! (French text, a CSV cell, a spreadsheet number or serial) reads back as itself, and no text, however
//! odd, makes a reader panic.

use proptest::prelude::*;
use territoires_domain::fr::{excel_date, iso_date, long_date, read_date};
use territoires_domain::money::Cents;
use time::Date;

/// Amounts up to ten thousand billion euros, in cents.
fn amounts() -> impl Strategy<Value = Cents> {
    (0i64..1_000_000_000_000_000).prop_map(Cents)
}

/// Days from 1955 to 2118, where every form of date is read (a spreadsheet serial only from 20,000 to
/// 80,000: 1954 to 2119).
fn days() -> impl Strategy<Value = Date> {
    (0i64..59_900).prop_map(|n| {
        time::macros::date!(1955 - 01 - 01)
            .checked_add(time::Duration::days(n))
            .unwrap()
    })
}

proptest! {
    // Failing cases are kept in the repository and replayed first on every run.
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/regressions/properties.txt"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_amount_reads_back_from_every_form_it_is_written_in(a in amounts()) {
        // As pages print it (1 200 000,50 €), as CSV exports write it (1200000,50), as a point decimal.
        prop_assert_eq!(Cents::parse("montant", &a.to_string()).unwrap(), a);
        prop_assert_eq!(Cents::parse("montant", &a.decimal().replace('.', ",")).unwrap(), a);
        prop_assert_eq!(Cents::parse("montant", &a.decimal()).unwrap(), a);
        // As a spreadsheet number: the workbook export writes euros as a float, a reader gets its
        // shortest decimal form back.
        prop_assert_eq!(Cents::parse("montant", &a.as_euros_f64().to_string()).unwrap(), a);
    }

    #[test]
    fn a_date_reads_back_from_every_form_it_is_written_in(d in days()) {
        prop_assert_eq!(read_date("date", &iso_date(d)).unwrap(), d);
        prop_assert_eq!(read_date("date", &long_date(d)).unwrap(), d);
        let slashed = format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
        prop_assert_eq!(read_date("date", &slashed).unwrap(), d);
        let serial = (d - time::macros::date!(1899 - 12 - 30)).whole_days();
        prop_assert_eq!(excel_date(serial), Some(d));
        prop_assert_eq!(read_date("date", &serial.to_string()).unwrap(), d);
    }

    #[test]
    fn no_text_makes_the_readers_panic_and_errors_quote_a_short_excerpt(s in any::<String>()) {
        for result in [
            Cents::parse("montant", &s).map(|_| ()),
            read_date("date", &s).map(|_| ()),
        ] {
            if let Err(e) = result {
                prop_assert!(e.to_string().chars().count() < 400, "{}", e);
            }
        }
    }

    #[test]
    fn amount_like_text_never_panics(s in "[0-9 ,.\u{a0}\u{202f}€kKmM-]{0,40}") {
        let _ = Cents::parse("montant", &s);
    }
}
