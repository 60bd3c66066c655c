//! `territoires`: the one binary. Thin: parses the command line, calls ingest/store/web, reports.

mod settings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use territoires_domain::phase::Phase;
use territoires_ingest::{demo, history, referential, territories};
use territoires_store::referential::ImportOutcome;
use territoires_store::Store;

use crate::settings::Settings;

#[derive(Parser)]
#[command(
    name = "territoires",
    version,
    about = "Le registre national des Territoires d'industrie"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prépare la base (migrations, référentiel, territoires des deux phases, démo) puis sert le site.
    Up {
        /// Adresse d'écoute.
        #[arg(long, env = "TERRITOIRES_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Sert le site et l'API sur une base déjà préparée.
    Serve {
        /// Adresse d'écoute.
        #[arg(long, env = "TERRITOIRES_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
    },
    /// Importe des données (chaque import est une transaction : une erreur et rien n'est écrit).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Gère la base de données.
    #[command(subcommand)]
    Db(DbCommand),
    /// Jeu de démonstration (Grand Est, 19 novembre 2019).
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Comptes des utilisateurs.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Crée un compte. Le mot de passe est lu dans TERRITOIRES_PASSWORD, sinon sur l'entrée standard.
    Add {
        /// Adresse électronique (identifiant de connexion).
        #[arg(long)]
        email: String,
        /// Nom affiché.
        #[arg(long)]
        nom: String,
        /// national, region:CODE, territoire:PHASE/ti-RRNN ou operateur:NOM.
        #[arg(long)]
        profil: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Référentiel géographique (COG 2026) depuis le dossier de données.
    #[command(alias = "referentiel")]
    Referential,
    /// Territoires d'industrie d'une phase (fichier ANCT).
    Territoires {
        /// 2018-2022, 2023-2027 ou toutes.
        #[arg(long, default_value = "toutes")]
        phase: String,
        /// Fichier GeoJSON à lire à la place de celui du dossier de données (une seule phase).
        #[arg(long)]
        fichier: Option<PathBuf>,
        /// Date d'effet d'un changement de périmètre (AAAA-MM-JJ, aujourd'hui par défaut).
        #[arg(long)]
        au: Option<String>,
    },
    /// Historique (jalons et gouvernance) depuis un fichier CSV ou XLSX.
    #[command(alias = "historique")]
    History {
        /// Le fichier.
        fichier: PathBuf,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Met le schéma à jour.
    Migrate,
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Charge le jeu de démonstration (nécessite les territoires de la phase 1).
    Load,
}

/// Errors end the process with their chain of causes in one message, never a backtrace: the people
/// who read them are programme agents, not developers.
fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "territoires=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Erreur : {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    let store = Store::connect(&settings.database_url)
        .await
        .context("ouverture de la base")?;
    store.migrate().await.context("migration du schéma")?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "inconnu".into())
    );
    match cli.command {
        Command::Up { bind } => {
            let started = Instant::now();
            let data = settings.data_dir()?;
            step(
                "Référentiel géographique",
                referential::import_referential(&store, &data, &actor),
            )
            .await?;
            for phase in Phase::ALL {
                let today = time::OffsetDateTime::now_utc().date();
                step(
                    &format!("Territoires {}", phase.label()),
                    territories::import_territories(&store, &data, phase, None, today, &actor),
                )
                .await?;
            }
            step(
                "Démonstration Grand Est 2019",
                demo::load_demo(&store, &actor),
            )
            .await?;
            eprintln!(
                "Base prête en {:.2} s ({}).",
                started.elapsed().as_secs_f64(),
                settings.database_url
            );
            serve(store, &bind).await
        }
        Command::Serve { bind } => serve(store, &bind).await,
        Command::Import(ImportCommand::Referential) => {
            let data = settings.data_dir()?;
            step(
                "Référentiel géographique",
                referential::import_referential(&store, &data, &actor),
            )
            .await
        }
        Command::Import(ImportCommand::Territoires { phase, fichier, au }) => {
            let data = settings.data_dir()?;
            let phases: Vec<Phase> = match phase.as_str() {
                "toutes" | "all" => Phase::ALL.to_vec(),
                p => vec![p.parse()?],
            };
            if fichier.is_some() && phases.len() > 1 {
                anyhow::bail!("--fichier demande une seule --phase");
            }
            let effective = match au {
                Some(d) => territoires_domain::fr::parse_date("au", &d)?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            for phase in phases {
                step(
                    &format!("Territoires {}", phase.label()),
                    territories::import_territories(
                        &store,
                        &data,
                        phase,
                        fichier.as_deref(),
                        effective,
                        &actor,
                    ),
                )
                .await?;
            }
            Ok(())
        }
        Command::Import(ImportCommand::History { fichier }) => {
            step(
                &format!("Historique {}", fichier.display()),
                history::import_history(&store, &fichier, &actor),
            )
            .await
        }
        Command::Db(DbCommand::Migrate) => {
            eprintln!("Schéma à jour ({}).", settings.database_url);
            Ok(())
        }
        Command::Demo(DemoCommand::Load) => {
            step(
                "Démonstration Grand Est 2019",
                demo::load_demo(&store, &actor),
            )
            .await
        }
        Command::User(UserCommand::Add { email, nom, profil }) => {
            let profile: territoires_domain::access::Profile = profil.parse()?;
            let password = match std::env::var("TERRITOIRES_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("Mot de passe : ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            if password.chars().count() < 12 {
                anyhow::bail!("mot de passe trop court : 12 caractères au moins");
            }
            let hash = territoires_web::auth::hash_password(&password);
            store
                .create_user(&email, &nom, &hash, &profile, &actor)
                .await?;
            eprintln!("✓ Compte {email} créé ({}).", profile.label());
            Ok(())
        }
    }
}

/// Runs one import behind a spinner and reports what it wrote.
async fn step(
    label: &str,
    work: impl std::future::Future<Output = territoires_ingest::Result<ImportOutcome>>,
) -> anyhow::Result<()> {
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    bar.set_message(label.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    let started = Instant::now();
    let outcome = work.await;
    bar.finish_and_clear();
    let outcome =
        outcome.with_context(|| format!("{label} : import refusé, rien n'a été écrit"))?;
    let elapsed = started.elapsed().as_secs_f64();
    if outcome.unchanged {
        eprintln!("✓ {label} : déjà à jour ({elapsed:.2} s)");
    } else {
        let written: Vec<String> = outcome
            .written
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        eprintln!("✓ {label} : {} ({elapsed:.2} s)", written.join(", "));
    }
    Ok(())
}

async fn serve(store: Store, bind: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("écoute sur {bind}"))?;
    let addr = listener.local_addr()?;
    println!("Territoires d'industrie : http://{addr}/");
    territoires_web::serve(store, listener).await?;
    Ok(())
}
