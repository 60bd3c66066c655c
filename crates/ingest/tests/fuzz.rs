//! The spreadsheet readers over generated and mutated files (property tests: no coverage-guided fuzzer
//! runs on the stable toolchain here) and over the corpus kept in `tests/corpus/`: whatever the bytes, a
//! reader answers — the rows, or problems that name a place and quote at most an excerpt — and never panics.

use std::path::Path;

use proptest::prelude::*;
use territoires_ingest::portfolio::{export, read_portfolio_file, PortfolioFile};
use territoires_ingest::IngestError;

/// The longest message a problem may have: a sentence, the columns expected and excerpts of cells, never a
/// whole cell.
const LONGEST_MESSAGE: usize = 1_500;

/// Reads `bytes` as a file named `name`, and checks that a refusal is well formed.
fn read(name: &str, bytes: &[u8]) -> Result<PortfolioFile, IngestError> {
    let result = read_portfolio_file(Path::new(name), bytes, &Default::default());
    if let Err(e) = &result {
        let problems = e.problems();
        assert!(!problems.is_empty(), "{name}: a refusal says why");
        for p in problems {
            assert!(
                p.message.chars().count() < LONGEST_MESSAGE,
                "{name}: a message quotes too much: {}",
                p.message
            );
        }
    }
    result
}

/// A small valid workbook, as the download writes it.
fn workbook() -> Vec<u8> {
    let csv = "code;phase;territoires;titre;axes;cout_total;en_preparation;engage\n\
               W-1;2018-2022;ti-4415;Scierie;innover;1,2 M€;19/11/2019;2020-03-01\n\
               W-2;2023-2027;ti-4401|ti-4402;Campus;competences;;2024-01-15;\n";
    let file =
        read_portfolio_file(Path::new("w.csv"), csv.as_bytes(), &Default::default()).unwrap();
    export::workbook(&file.portfolio).unwrap()
}

/// Headers a person might write: the columns, some synonyms, typos and strangers.
const HEADERS: &[&str] = &[
    "code",
    "Code projet",
    "phase",
    "territoires",
    "Territoire",
    "titre",
    "Intitulé",
    "intitule",
    "axes",
    "cout_total",
    "Coût du projet",
    "en_preparation",
    "engagé",
    "porteur_type",
    "porteur_id",
    "source",
    "colonne inconnue",
    "",
];

/// Cells a person might type, and some no one would.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("ti-4415".to_owned()),
        Just("2018-2022".to_owned()),
        Just("19 novembre 2019".to_owned()),
        Just("1,2 M€".to_owned()),
        Just("=HYPERLINK(\"x\")".to_owned()),
        "[A-Za-z0-9 éè'|;,\"-]{0,24}",
        any::<String>(),
    ]
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Failing cases are kept in the repository and replayed first on every run.
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/regressions/fuzz.txt"),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..4096), workbook in any::<bool>()) {
        let name = if workbook { "x.xlsx" } else { "x.csv" };
        let _ = read(name, &bytes);
    }

    #[test]
    fn any_grid_of_cells_is_read_or_refused(
        header in proptest::collection::vec(proptest::sample::select(HEADERS), 1..8),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..9), 0..12),
        separator in proptest::sample::select(&[b';', b',', b'\t'][..]),
    ) {
        let mut out = Vec::new();
        {
            let mut w = csv::WriterBuilder::new().delimiter(separator).flexible(true).from_writer(&mut out);
            w.write_record(&header).unwrap();
            for row in &rows {
                w.write_record(row).unwrap();
            }
        }
        if let Ok(file) = read("grille.csv", &out) {
            // What is read passes the checks a fiche's values must pass.
            for p in &file.portfolio.projects {
                prop_assert!(p.validate_values().is_ok());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(120))]

    #[test]
    fn a_damaged_workbook_is_read_or_refused(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = workbook();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let _ = read("abime.xlsx", &bytes);
    }
}

#[test]
fn the_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let result = read(&name, &bytes);
        if name.starts_with("ok-") {
            let file = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!file.portfolio.projects.is_empty(), "{name}");
        } else {
            assert!(
                name.starts_with("refused-"),
                "{name}: named ok-… or refused-…"
            );
            assert!(result.is_err(), "{name} is refused");
        }
        seen += 1;
    }
    assert!(seen >= 10, "the corpus is there: {seen} files");
}

#[test]
fn the_corpus_reads_what_it_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let read_ok = |name: &str| read(name, &std::fs::read(dir.join(name)).unwrap()).unwrap();
    let apostrophe = read_ok("ok-formula-apostrophe.csv");
    assert_eq!(
        apostrophe.portfolio.projects[0].title, "=HYPERLINK(\"http://x\")",
        "the apostrophe a spreadsheet puts before a formula is not part of the text"
    );
    let latin1 = read_ok("ok-latin1-title-rows.csv");
    assert_eq!(latin1.portfolio.projects[0].title, "Scierie de l'été");
    let long = read(
        "refused-long-cell.csv",
        &std::fs::read(dir.join("refused-long-cell.csv")).unwrap(),
    )
    .unwrap_err();
    assert!(long.to_string().contains("…"), "an excerpt: {long}");
}
