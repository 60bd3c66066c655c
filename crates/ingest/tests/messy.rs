//! Spreadsheets as people write them, built here: each case of the corpus is read into the right values,
//! with what the reader noticed, or refused with a sentence that names what is wrong — quickly and within
//! bounded memory for the hostile ones.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use territoires_domain::money::Cents;
use territoires_domain::portfolio::project::Axis;
use territoires_ingest::portfolio::read_portfolio;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// What a French Excel saves as "CSV (séparateur : point-virgule)"… or, here, with commas: Windows-1252,
/// a title and a date above the header, headers without accents, synonyms and a typo, empty lines, amounts
/// in M€ and dates in words.
#[test]
fn a_windows_1252_csv_with_title_rows_and_loose_headers_reads_right() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Plan d'actions Vosges,,,,,,\n\
                Mis à jour le 3 mars 2024,,,,,,\n\
                ,,,,,,\n\
                Code projet,Phase,Territoire,Intitulé,Axe,Coût du projet,En préparation\n\
                EPI-1,2018-2022,ti-4415,Campus de l'été,recruter,\"1,2 M€\",19 novembre 2019\n\
                ,,,,,,\n\
                EPI-2,2018-2022,ti-4415,Scierie,innover,850 k€,01/02/2020\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    let path = write(dir.path(), "plan.csv", &bytes);
    let file = read_portfolio(&path, &Default::default()).unwrap();
    let p = &file.portfolio;
    assert_eq!(p.projects.len(), 2);
    assert_eq!(p.projects[0].title, "Campus de l'été", "accents decoded");
    assert_eq!(p.projects[0].total_cost, Some(Cents::euros(1_200_000)));
    assert_eq!(p.projects[1].total_cost, Some(Cents::euros(850_000)));
    assert_eq!(p.projects[0].axes, [Axis::Recruit]);
    assert_eq!(
        p.projects[0].history[0].on,
        time::macros::date!(2019 - 11 - 19)
    );
    assert!(
        file.notes.iter().any(|n| n.contains("windows-1252")),
        "{:?}",
        file.notes
    );
}

/// A workbook with a title row, a formula and a hidden sheet: values read, the formula and the hidden
/// sheet reported.
#[test]
fn a_workbook_with_a_title_row_a_formula_and_a_hidden_sheet_reads_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Projets").unwrap();
    sheet.write(0, 0, "Fiches actions du territoire").unwrap();
    for (c, h) in [
        "CODE",
        "phase",
        "Territoires",
        "Titre",
        "axes",
        "cout total",
    ]
    .iter()
    .enumerate()
    {
        sheet.write(2, c as u16, *h).unwrap();
    }
    for (c, v) in ["EPI-1", "2018-2022", "ti-4415", "Campus", "recruter"]
        .iter()
        .enumerate()
    {
        sheet.write(3, c as u16, *v).unwrap();
    }
    sheet
        .write_formula(
            3,
            5,
            rust_xlsxwriter::Formula::new("=1000*2").set_result("2000"),
        )
        .unwrap();
    let hidden = workbook.add_worksheet().set_name("brouillon").unwrap();
    hidden.write(0, 0, "notes").unwrap();
    hidden.set_hidden(true);
    let path = dir.path().join("plan.xlsx");
    workbook.save(&path).unwrap();

    let file = read_portfolio(&path, &Default::default()).unwrap();
    assert_eq!(file.portfolio.projects.len(), 1);
    assert_eq!(
        file.portfolio.projects[0].total_cost,
        Some(Cents::euros(2000)),
        "the formula's value"
    );
    let notes = file.notes.join(" | ");
    assert!(
        notes.contains("1 cellule(s)") && notes.contains("formule"),
        "{notes}"
    );
    assert!(
        notes.contains("masquée(s) non lue(s) : brouillon"),
        "{notes}"
    );
}

/// A 50 MB sheet of zeros zipped into some 50 KB: refused from the zip directory, at once.
#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bombe.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let zeros = vec![b'0'; 1024 * 1024];
    for _ in 0..50 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 200 * 1024, "{size}");

    let started = Instant::now();
    let err = read_portfolio(&path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("bombe zip"), "{err}");
    assert!(err.len() < 400, "the message never echoes content: {err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn what_is_not_a_spreadsheet_or_holds_nothing_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("vide.csv", b"", "fichier vide"),
        ("blancs.csv", b"\n;;\n  \n", "fichier vide"),
        (
            "image.xlsx",
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "pas un fichier texte",
        ),
        (
            "faux.xlsx",
            b"PK\x03\x04 pas une archive",
            "classeur illisible",
        ),
        (
            "inconnu.csv",
            b"code;phase;couleur\nA;2018-2022;bleu\n",
            "colonne inconnue « couleur »",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = write(dir.path(), name, bytes);
        let err = read_portfolio(&path, &Default::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains(name), "{name}: the file is named: {err}");
    }
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .set_name("Feuil1")
        .unwrap()
        .write(0, 0, "x")
        .unwrap();
    let path = dir.path().join("autre.xlsx");
    workbook.save(&path).unwrap();
    let err = read_portfolio(&path, &Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("aucune feuille attendue"), "{err}");
}
