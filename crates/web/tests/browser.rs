//! Browser tests: Debian's headless Chromium, driven through chromedriver, against the real server.
//! `scripts/test` installs both when missing.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
    let capabilities = capabilities.as_object().unwrap().clone();
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
    assert_eq!(territories_on_map.len(), 183, "phase 2 is the default map");

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
    assert_eq!(text(&c, "#statut").await.to_lowercase(), "identifié");
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

fn url_with(base: &str, path: &str) -> url::Url {
    url::Url::parse(&format!("{base}{path}")).unwrap()
}
