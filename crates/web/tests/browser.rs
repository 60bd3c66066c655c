//! Browser tests: Debian's headless Chromium, driven through chromedriver, against the real server.
//! `scripts/test` installs both when missing.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use calamine::Reader;
use fantoccini::{Client, ClientBuilder, Locator};

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser() -> (Driver, Client) {
    browser_downloading_to(None).await
}

/// A browser; downloads land in `downloads` when given.
async fn browser_downloading_to(downloads: Option<&std::path::Path>) -> (Driver, Client) {
    // The test build links two TLS providers (the WebDriver client's and the site's ProConnect client's):
    // rustls asks the process to choose one. Already chosen by another test of this binary: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver not found: run the suite with scripts/test, which installs chromium and chromium-driver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,1600"]
        }
    });
    let mut capabilities = capabilities.as_object().unwrap().clone();
    if let Some(dir) = downloads {
        capabilities["goog:chromeOptions"]["prefs"] = serde_json::json!({
            "download.default_directory": dir.display().to_string(),
            "download.prompt_for_download": false,
        });
    }
    for _ in 0..100 {
        if let Ok(client) = ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on {}", driver.url);
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_user_finds_a_territory_and_reads_its_past() {
    let base = common::spawn_app().await;
    let (_driver, c) = browser().await;

    // Home: the programme in figures and a map.
    c.goto(&format!("{base}/")).await.unwrap();
    let body = text(&c, "main").await;
    assert!(body.contains("149") && body.contains("183"), "{body}");
    let territories_on_map = c
        .find_all(Locator::Css(".ti-map .territories a"))
        .await
        .unwrap();
    assert_eq!(
        territories_on_map.len(),
        149,
        "the map opens on the phase holding data (the demo's phase 1)"
    );

    // List: search ignoring accents and case, with a phase filter.
    c.goto(&format!("{base}/territoires")).await.unwrap();
    c.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("EPERNAY")
        .await
        .unwrap();
    c.find(Locator::Css("#phase option[value='2018-2022']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("filtrer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("nb-resultats"))
        .await
        .unwrap();
    assert!(
        text(&c, "#nb-resultats").await.starts_with("1 territoire"),
        "{}",
        text(&c, "#nb-resultats").await
    );
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("q=EPERNAY"));

    // Territory page.
    c.find(Locator::LinkText(
        "Epernay - Bassin sézannais - Portes de Romilly",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Id("nom-territoire"))
        .await
        .unwrap();
    assert_eq!(
        text(&c, "#nom-territoire").await,
        "Epernay - Bassin sézannais - Portes de Romilly"
    );
    // DSFR badges are upper-cased by CSS; WebDriver reads the rendered text.
    assert_eq!(
        text(&c, "#statut").await.to_lowercase(),
        "protocole ou contrat signé"
    );
    assert!(text(&c, "#regions").await.contains("Grand Est"));
    assert!(text(&c, "#autre-phase")
        .await
        .contains("Pays d'Epernay Terres de Champagne"));
    assert!(text(&c, "#membres")
        .await
        .contains("CA Epernay, Coteaux et Plaine de Champagne"));
    assert!(
        c.find(Locator::Css(".ti-map--detail path")).await.is_ok(),
        "its contour is drawn"
    );

    // The same page the day before the signatures.
    c.execute("document.getElementById('date').value = '2019-11-18'; document.getElementById('date').form.submit();", vec![])
        .await
        .unwrap();
    c.wait()
        .for_url(&url_with(
            &base,
            "/territoires/2018-2022/ti-4405?date=2019-11-18",
        ))
        .await
        .unwrap();
    let status = text(&c, "#statut").await.to_lowercase();
    assert!(
        status.starts_with("labellisé"),
        "labelled, nothing recorded yet: {status}"
    );
    assert!(
        text(&c, "#etapes").await.contains("Non renseigné"),
        "the page says what is not recorded"
    );
    assert!(text(&c, "#jalons")
        .await
        .to_lowercase()
        .contains("postérieur à la date affichée"));
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_grand_est_page_shows_13_of_15_action_plans_on_19_november_2019() {
    let base = common::spawn_app().await;
    let (_driver, c) = browser().await;
    c.goto(&format!(
        "{base}/regions/44?phase=2018-2022&date=2019-11-19"
    ))
    .await
    .unwrap();
    assert!(
        text(&c, "#plan-valide").await.starts_with("13 / 15"),
        "{}",
        text(&c, "#plan-valide").await
    );
    c.goto(&format!(
        "{base}/regions/44?phase=2018-2022&date=2019-11-18"
    ))
    .await
    .unwrap();
    assert!(
        text(&c, "#plan-valide").await.starts_with("2 / 15"),
        "{}",
        text(&c, "#plan-valide").await
    );
    // Clicking a territory on the region's map opens its page.
    let first = c
        .find(Locator::Css(".ti-map .territories a"))
        .await
        .unwrap();
    let href = first.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/territoires/2018-2022/ti-44"), "{href}");
    c.goto(&format!("{base}{href}")).await.unwrap();
    assert!(!text(&c, "#nom-territoire").await.is_empty());
    c.close().await.unwrap();
}

/// A Grand Est territory's land observatory, chosen in the form, then the brownfields its count lists.
#[tokio::test]
async fn a_grand_est_territorys_land_observatory_leads_to_its_brownfields() {
    let (base, dir) = common::spawn_app_with_own_database().await;
    let data = territoires_ingest::DataDir::open(territoires_ingest::default_data_dir()).unwrap();
    territoires_ingest::land::brownfields::load_cartofriches(
        &common::own_store(&dir).await,
        &data,
        "test",
    )
    .await
    .unwrap();
    let (_driver, c) = browser().await;
    c.goto(&format!("{base}/foncier")).await.unwrap();
    c.find(Locator::Css("#perimetre"))
        .await
        .unwrap()
        .select_by_value("territoire:ti-4415")
        .await
        .unwrap();
    c.find(Locator::Css("#date"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    c.find(Locator::Css("#afficher-foncier"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, "ti-4415").await;
    let title = text(&c, "h1").await;
    assert!(
        title.contains("Observatoire du foncier") && !title.contains("France entière"),
        "{title}"
    );
    assert!(axe_violations(&c).await.is_empty());
    let count = text(&c, "#sites-potentielle").await.replace(' ', "");
    let count: usize = count.parse().unwrap();
    assert!(count > 0, "the territory has potential brownfields");
    assert!(!c
        .find_all(Locator::Css("#carte-friches circle"))
        .await
        .unwrap()
        .is_empty());
    c.find(Locator::Css("#sites-potentielle a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrived(&c, "/foncier/friches").await;
    let rows = c
        .find_all(Locator::Css("#friches tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(rows, count.min(200), "the list holds the sites counted");
    assert!(axe_violations(&c).await.is_empty());
    c.close().await.unwrap();
}

/// Waits until the browser's address contains `part` (a link followed, a form sent).
async fn arrived(c: &Client, part: &str) {
    for _ in 0..100 {
        if c.current_url().await.unwrap().as_str().contains(part) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached an address with {part}");
}

/// The value of a key figure of the bilan page (WebDriver reads no-break spaces as spaces).
async fn figure(c: &Client, label: &str) -> String {
    text(
        c,
        &format!(".ti-kpi[data-label=\"{label}\"] .ti-kpi__value"),
    )
    .await
}

/// Waits for a download to finish in `dir` and returns its path.
async fn downloaded(dir: &std::path::Path, extension: &str) -> std::path::PathBuf {
    for _ in 0..200 {
        let found = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == extension));
        if let Some(path) = found {
            return path;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no .{extension} downloaded in {}", dir.display());
}

#[tokio::test]
async fn a_pilot_reads_a_bilan_at_two_dates_and_two_scopes_and_downloads_it() {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande;montant_engage;date_engagement;montant_verse;date_versement\n\
         GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01;600 000;2020-06-01;200 000;2021-01-15\n\
         GE2019-4415-HYDROGENE;region-44;;subvention;R-9;250 000,50;2020-03-01;250 000,50;2020-09-15;;\n",
    )
    .await;
    let downloads = tempfile::tempdir().unwrap();
    let (_driver, c) = browser_downloading_to(Some(downloads.path())).await;

    c.goto(&format!(
        "{base}/bilan?phase=2018-2022&perimetre=region:44&date=2021-12-31"
    ))
    .await
    .unwrap();
    assert_eq!(figure(&c, "Plans d'actions validés").await, "13");
    assert_eq!(figure(&c, "Montants engagés").await, "850\u{202F}001 €");
    assert_eq!(figure(&c, "Projets engagés par l'État").await, "1");
    assert!(
        c.find(Locator::Css("#carte svg path")).await.is_ok(),
        "the map is drawn"
    );

    // The day before the signatures: the form keeps the scope, the figures go back in time.
    c.execute("document.getElementById('date').value = '2019-11-18'; document.getElementById('bilan-filtres').submit();", vec![])
        .await
        .unwrap();
    c.wait()
        .for_url(&url_with(
            &base,
            "/bilan?phase=2018-2022&perimetre=region%3A44&date=2019-11-18&du=&dispositif=&indicateur=stade",
        ))
        .await
        .unwrap();
    assert_eq!(text(&c, "#bilan-date").await, "18 novembre 2019");
    assert_eq!(figure(&c, "Plans d'actions validés").await, "2");
    assert_eq!(figure(&c, "Projets recensés").await, "0");

    // Another scope: Hauts-de-France, where [G]HOST has two partner territories.
    c.find(Locator::Css("#perimetre option[value='region:32']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.execute("document.getElementById('date').value = '2021-12-31'; document.getElementById('bilan-filtres').submit();", vec![])
        .await
        .unwrap();
    c.wait()
        .for_url(&url_with(
            &base,
            "/bilan?phase=2018-2022&perimetre=region%3A32&date=2021-12-31&du=&dispositif=&indicateur=stade",
        ))
        .await
        .unwrap();
    assert!(text(&c, "h1").await.contains("Hauts-de-France"));
    assert_eq!(figure(&c, "Projets recensés").await, "1");
    assert_eq!(figure(&c, "Montants engagés").await, "600\u{202F}000 €");

    // Back to the Grand Est, and download the committee's PDF and the workbook.
    c.goto(&format!(
        "{base}/bilan?phase=2018-2022&perimetre=region:44&date=2021-12-31"
    ))
    .await
    .unwrap();
    c.find(Locator::Id("telecharger-pdf"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let pdf = downloaded(downloads.path(), "pdf").await;
    let rendered = downloads.path().join("page");
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg(&rendered)
        .status()
        .expect("pdftoppm (poppler-utils; scripts/test installs it)");
    assert!(status.success(), "pdftoppm renders the PDF");
    let png = std::fs::read_dir(downloads.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a rendered page");
    assert!(
        std::fs::metadata(&png).unwrap().len() > 1_000,
        "the page has content"
    );

    c.find(Locator::Id("telecharger-xlsx"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let xlsx = downloaded(downloads.path(), "xlsx").await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let lines = book.worksheet_range("financements").unwrap();
    let header: Vec<String> = lines
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let column = header.iter().position(|h| h == "engage_a_date").unwrap();
    let sum: f64 = lines
        .rows()
        .skip(1)
        .filter_map(|r| match &r[column] {
            calamine::Data::Float(f) => Some(*f),
            _ => None,
        })
        .sum();
    assert_eq!(
        (sum * 100.0).round() as i64,
        85_000_050,
        "the workbook re-reads with the bilan's total"
    );
    c.close().await.unwrap();
}

/// Runs axe-core (vendored in tests/vendor) on the page open in the browser; returns its serious and
/// critical violations, as "rule: target" lines.
async fn axe_violations(c: &Client) -> Vec<String> {
    const AXE: &str = include_str!("vendor/axe-core/axe.min.js");
    c.execute(AXE, vec![]).await.unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_page_type_passes_axe_core_without_serious_violations() {
    let (base, db) = common::spawn_app_with_own_database().await;
    common::import_funding(
        &db.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande;montant_engage;date_engagement\n\
         GE2019-4411-GHOST;bpifrance;fa;subvention;FA-1;700 000;2020-02-01;600 000;2020-06-01\n",
    )
    .await;
    let (_driver, c) = browser().await;
    let pages = [
        "/",
        "/territoires?phase=2018-2022",
        "/territoires/2018-2022/ti-4405",
        "/regions",
        "/regions/44?phase=2018-2022",
        "/epci?q=reims",
        "/epci/200067213",
        "/bilan?phase=2018-2022&perimetre=region:44&date=2021-12-31&du=2019-11-19&indicateur=engage",
        "/bilan?phase=2023-2027&date=2020-06-01",
        "/bilan/enregistrements?phase=2018-2022&perimetre=region:44&date=2021-12-31&chiffre=plans_valides",
        "/bilan/enregistrements?phase=2018-2022&perimetre=region:44&date=2021-12-31&chiffre=montant_engage",
        "/projets?phase=2018-2022&perimetre=region:44",
        "/projets/GE2019-4411-GHOST",
        "/connexion",
        "/api",
        "/donnees",
        "/foncier?perimetre=region:44",
        "/foncier/friches?perimetre=region:44",
        "/accessibilite",
        "/plan-du-site",
        "/pas-de-page",
    ];
    let mut failures = Vec::new();
    for path in pages {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let violations = axe_violations(&c).await;
        if !violations.is_empty() {
            failures.push(format!("{path}:\n  {}", violations.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "axe-core:\n{}", failures.join("\n"));
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_mobile_menu_opens_at_375_pixels() {
    let base = common::spawn_app().await;
    let (_driver, c) = browser().await;
    c.set_window_size(375, 812).await.unwrap();
    c.goto(&format!("{base}/territoires")).await.unwrap();
    let nav_link = c
        .find(Locator::Css("#menu-principal .fr-nav__link[href='/bilan']"))
        .await
        .unwrap();
    assert!(
        !nav_link.is_displayed().await.unwrap(),
        "the menu is folded on a phone"
    );
    let button = c
        .wait()
        .for_element(Locator::Id("bouton-menu"))
        .await
        .unwrap();
    assert!(
        button.is_displayed().await.unwrap(),
        "the menu button shows on a phone"
    );
    // The DSFR script binds the button once loaded.
    for _ in 0..50 {
        button.click().await.unwrap();
        if nav_link.is_displayed().await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(nav_link.is_displayed().await.unwrap(), "the menu opens");
    nav_link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Id("bilan-filtres"))
        .await
        .unwrap();
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_figure_clicked_leads_to_the_records_it_counts() {
    let base = common::spawn_app().await;
    let (_driver, c) = browser().await;
    c.goto(&format!(
        "{base}/bilan?phase=2018-2022&perimetre=region:44&date=2019-11-19"
    ))
    .await
    .unwrap();
    assert_eq!(figure(&c, "Plans d'actions validés").await, "13");
    c.find(Locator::Css(".ti-kpi[data-chiffre='plans_valides'] a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("enregistrements"))
        .await
        .unwrap();
    assert_eq!(text(&c, "#valeur-chiffre").await, "13");
    let rows = c
        .find_all(Locator::Css("#enregistrements tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 13, "the thirteen territories");
    let table = text(&c, "#enregistrements").await;
    assert!(
        table.contains("déduit de la signature du contrat du 19 novembre 2019"),
        "{table}"
    );
    // A territory of the list opens its page, which says the same.
    c.find(Locator::Css("#enregistrements tbody tr th a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("etapes")).await.unwrap();
    assert!(text(&c, "#etapes").await.contains("déduit de la signature"));
    c.close().await.unwrap();
}

fn url_with(base: &str, path: &str) -> url::Url {
    url::Url::parse(&format!("{base}{path}")).unwrap()
}

/// Sets a field's value as the browser would after typing (date fields and selects included).
async fn set(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap_or_else(|e| panic!("#{id}: {e}"));
}

#[tokio::test]
async fn a_territory_team_signs_in_with_proconnect_creates_a_fiche_and_its_funding_and_sees_them_counted(
) {
    let (base, dir, _provider) = common::site_with_provider().await;
    common::import_funding(
        &dir.path().join("own.db"),
        "projet;financeur;dispositif;nature;reference_decision;montant_demande;date_demande\n",
    )
    .await;
    let store = common::own_store(&dir).await;
    // Épinal's team has an account; its first ProConnect sign-in ties it to the agent.
    store
        .create_user(
            "cheffe-epinal@example.gouv.fr",
            "Cheffe de projet Épinal",
            "",
            &"territoire:2018-2022/ti-4415".parse().unwrap(),
            "test".into(),
        )
        .await
        .unwrap();
    // Hauts-de-France's pilot (pilote-hdf@example.gouv.fr) comes with the fixture.
    let (_driver, c) = browser().await;

    // ProConnect: the site's button, the provider's form, back on the site signed in.
    c.goto(&format!("{base}/connexion")).await.unwrap();
    c.find(Locator::Css(".fr-connect"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=email]"))
        .await
        .unwrap();
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys("cheffe-epinal@example.gouv.fr")
        .await
        .unwrap();
    c.find(Locator::Css("form [type=submit], form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("se-deconnecter"))
        .await
        .unwrap();
    assert!(text(&c, "header").await.contains("Cheffe de projet Épinal"));

    // A new fiche action: a mistake first, told beside its field, what was typed kept.
    c.goto(&format!("{base}/projets")).await.unwrap();
    c.find(Locator::Id("nouvelle-fiche"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("formulaire"))
        .await
        .unwrap();
    assert_eq!(
        c.find(Locator::Id("territoires"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("ti-4415"),
        "the team's territory is proposed"
    );
    c.find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys("EPI-2021-SCIERIE")
        .await
        .unwrap();
    set(&c, "phase", "2018-2022").await;
    c.find(Locator::Id("titre"))
        .await
        .unwrap()
        .send_keys("Scierie numérique des Vosges")
        .await
        .unwrap();
    c.find(Locator::Css("label[for=axes-innover]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set(&c, "statut", "engage").await;
    set(&c, "date_statut", "2021-05-01").await;
    set(&c, "porteur_type", "entreprise").await;
    c.find(Locator::Id("porteur_nom"))
        .await
        .unwrap()
        .send_keys("Scierie des Vosges")
        .await
        .unwrap();
    c.find(Locator::Id("porteur_identifiant"))
        .await
        .unwrap()
        .send_keys("12002701600358")
        .await
        .unwrap();
    c.find(Locator::Id("emplois_crees_prevus"))
        .await
        .unwrap()
        .send_keys("12")
        .await
        .unwrap();
    c.find(Locator::Id("enregistrer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("erreur-porteur_identifiant"))
        .await
        .unwrap();
    assert!(text(&c, "#erreur-porteur_identifiant")
        .await
        .contains("clé de contrôle"));
    assert_eq!(
        c.find(Locator::Id("titre"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Scierie numérique des Vosges"),
        "what was typed is kept"
    );
    let identifier = c.find(Locator::Id("porteur_identifiant")).await.unwrap();
    identifier.clear().await.unwrap();
    identifier.send_keys("12002701600357").await.unwrap();
    c.find(Locator::Id("enregistrer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("ajouter-financement"))
        .await
        .unwrap();
    assert!(text(&c, "main").await.contains("Enregistré"));

    // Its funding line, committed by Bpifrance.
    c.find(Locator::Id("ajouter-financement"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("formulaire"))
        .await
        .unwrap();
    set(&c, "financeur", "bpifrance").await;
    set(&c, "nature", "pret").await;
    c.find(Locator::Id("reference_decision"))
        .await
        .unwrap()
        .send_keys("BPI-EPI-2021-7")
        .await
        .unwrap();
    c.find(Locator::Id("montant_demande"))
        .await
        .unwrap()
        .send_keys("450 000")
        .await
        .unwrap();
    set(&c, "date_demande", "2021-03-15").await;
    c.find(Locator::Id("montant_engage"))
        .await
        .unwrap()
        .send_keys("400 000")
        .await
        .unwrap();
    set(&c, "date_engagement", "2021-04-20").await;
    c.find(Locator::Id("enregistrer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("financements"))
        .await
        .unwrap();
    let lines = text(&c, "#financements")
        .await
        .replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        lines.contains("BPI-EPI-2021-7") && lines.contains("400 000 €"),
        "{lines}"
    );
    // Its history: who created the fiche and its line, by form.
    let journal = text(&c, "main").await;
    assert!(journal.contains("Création de la fiche action"), "{journal}");
    assert!(
        journal.contains("Nouvelle ligne de financement"),
        "{journal}"
    );
    assert!(
        journal.contains("cheffe-epinal@example.gouv.fr"),
        "{journal}"
    );

    // In the bilan: among the projects engaged by the State, behind the figure.
    c.goto(&format!(
        "{base}/bilan?phase=2018-2022&perimetre=region:44&date=2021-12-31"
    ))
    .await
    .unwrap();
    c.find(Locator::Css(
        ".ti-kpi[data-chiffre='projets_engages_etat'] a",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Id("enregistrements"))
        .await
        .unwrap();
    assert!(text(&c, "#enregistrements")
        .await
        .contains("Scierie numérique des Vosges"));

    // Another region's pilot may not change it.
    // (Signing out would also end the session at the provider: a fresh browser session is enough here.)
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/connexion")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("pilote-hdf@example.gouv.fr")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(common::PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/connexion'] [type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("se-deconnecter"))
        .await
        .unwrap();
    c.goto(&format!("{base}/projets/EPI-2021-SCIERIE/modifier"))
        .await
        .unwrap();
    let refused = text(&c, "main").await;
    assert!(
        refused.contains("ne permet pas de modifier le projet EPI-2021-SCIERIE"),
        "{refused}"
    );
    c.close().await.unwrap();
}

/// A pilot uploads a messy workbook (a title row, French headers, a sheet named « Projets », amounts in M€
/// and dates in words, a title column named in the region's own words), chooses the column the site could
/// not read, reads how its columns were understood and what would change, confirms, and sees the bilan
/// count the new fiche; the same workbook again changes nothing.
#[tokio::test]
async fn a_pilot_imports_a_messy_workbook_in_two_steps_and_sees_the_bilan_change() {
    let (base, _db) = common::spawn_app_with_own_database().await;
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("plan-vosges.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Projets").unwrap();
        sheet
            .write(0, 0, "Plan d'actions des Vosges — mars 2024")
            .unwrap();
        let header = [
            "Code projet",
            "Phase",
            "Territoire",
            "Action envisagée",
            "Coût du projet",
            "En préparation",
        ];
        let row = [
            "VOS-9",
            "2018-2022",
            "ti-4415",
            "Scierie des Vosges",
            "1,2 M€",
            "19 novembre 2019",
        ];
        for (c, (h, v)) in header.iter().zip(row).enumerate() {
            sheet.write(2, c as u16, *h).unwrap();
            sheet.write(3, c as u16, v).unwrap();
        }
        book.save(&path).unwrap();
    }
    let bilan = format!("{base}/bilan?phase=2018-2022&perimetre=region:44&date=2026-01-01");
    let (_driver, c) = browser().await;
    c.goto(&bilan).await.unwrap();
    assert_eq!(figure(&c, "Projets recensés").await, "11");

    c.goto(&format!("{base}/connexion")).await.unwrap();
    set(&c, "email", "pilote-ge@example.gouv.fr").await;
    set(&c, "password", common::PASSWORD).await;
    c.find(Locator::Id("se-connecter"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("se-deconnecter"))
        .await
        .unwrap();

    let upload = |c: Client, shown: &'static str| {
        let path = path.clone();
        let base = base.clone();
        async move {
            c.goto(&format!("{base}/imports")).await.unwrap();
            c.find(Locator::Id("fichier"))
                .await
                .unwrap()
                .send_keys(&path.display().to_string())
                .await
                .unwrap();
            c.find(Locator::Id("deposer"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            c.wait().for_element(Locator::Id(shown)).await.unwrap();
        }
    };
    upload(c.clone(), "corriger-colonnes").await;
    let problems = common::plain(&text(&c, "#problemes").await);
    assert!(
        problems.contains("colonne inconnue « Action envisagée »"),
        "{problems}"
    );
    c.find(Locator::Id("colonne-projets-3"))
        .await
        .unwrap()
        .select_by_value("titre")
        .await
        .unwrap();
    c.find(Locator::Id("relire"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("apercu")).await.unwrap();
    let mapping = common::plain(&text(&c, "#correspondance-projets").await);
    assert!(
        mapping.contains("Action envisagée")
            && mapping.contains("correspondance mémorisée → titre"),
        "{mapping}"
    );
    let changes = text(&c, "#differences").await;
    assert!(
        changes.contains("VOS-9") && changes.to_lowercase().contains("nouveau"),
        "{changes}"
    );
    c.find(Locator::Id("appliquer"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("import-applique"))
        .await
        .unwrap();

    c.goto(&bilan).await.unwrap();
    assert_eq!(figure(&c, "Projets recensés").await, "12");

    upload(c.clone(), "apercu").await;
    assert!(
        c.find(Locator::Id("deja-importe")).await.is_ok(),
        "nothing would change"
    );
}
