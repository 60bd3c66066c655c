//! `territoires`: the one binary. Thin: parses the command line, calls ingest/store/web, reports.

mod settings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use territoires_domain::access::Profile;
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::phase::Phase;
use territoires_ingest::context::Context as ReadContext;
use territoires_ingest::land::brownfields;
use territoires_ingest::portfolio::synthetic;
use territoires_ingest::registry::{history, posts, reference, referential, territories};
use territoires_ingest::{bilan, demo, portfolio};
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::{Audience, Store};

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

/// Where the site listens and how users reach it.
#[derive(clap::Args)]
struct Site {
    /// Adresse d'écoute.
    #[arg(long, env = "TERRITOIRES_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Adresse publique du site, derrière un mandataire inverse (https://… : cookie de session « Secure »
    /// et en-tête HSTS).
    #[arg(long = "url-publique", env = "TERRITOIRES_PUBLIC_URL")]
    public_url: Option<String>,
    /// Émetteur ProConnect (https://auth.agentconnect.gouv.fr/api/v2 en production) : active la
    /// connexion des agents publics avec ProConnect.
    #[arg(long = "proconnect-emetteur", env = "TERRITOIRES_PROCONNECT_ISSUER", requires_all = ["proconnect_client_id", "proconnect_client_secret"])]
    proconnect_issuer: Option<String>,
    /// Identifiant client attribué par ProConnect.
    #[arg(
        long = "proconnect-client-id",
        env = "TERRITOIRES_PROCONNECT_CLIENT_ID"
    )]
    proconnect_client_id: Option<String>,
    /// Secret client attribué par ProConnect.
    #[arg(
        long = "proconnect-client-secret",
        env = "TERRITOIRES_PROCONNECT_CLIENT_SECRET",
        hide_env_values = true
    )]
    proconnect_client_secret: Option<String>,
    /// Requêtes d'API permises par minute et par adresse (au-delà : 429 et « Retry-After »).
    #[arg(
        long = "api-requetes-par-minute",
        env = "TERRITOIRES_API_REQUESTS_PER_MINUTE",
        default_value_t = territoires_web::access::rate::DEFAULT_PER_MINUTE
    )]
    api_requests_per_minute: std::num::NonZeroU32,
    /// Adresses des mandataires inverses (reverse proxies) dont l'en-tête « X-Forwarded-For » fait foi,
    /// séparées par des virgules : derrière eux, quotas et journal comptent chaque client.
    #[arg(
        long = "mandataires-de-confiance",
        env = "TERRITOIRES_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Subcommand)]
enum Command {
    /// Prépare la base (migrations, référentiel, territoires des deux phases, démo) puis sert le site.
    Up {
        #[command(flatten)]
        site: Site,
    },
    /// Sert le site et l'API sur une base déjà préparée.
    Serve {
        #[command(flatten)]
        site: Site,
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
    /// Jetons d'API (écriture par des machines : un opérateur qui pousse ses engagements).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Écrit le bilan d'un périmètre à une date (PDF, XLSX ou CSV des projets / des financements).
    Bilan {
        /// 2018-2022 ou 2023-2027.
        #[arg(long, default_value = "2023-2027")]
        phase: String,
        /// france, region:CODE ou territoire:ti-RRNN.
        #[arg(long, default_value = "france")]
        perimetre: String,
        /// Date de situation (AAAA-MM-JJ, aujourd'hui par défaut).
        #[arg(long)]
        date: Option<String>,
        /// Début de la période des flux (AAAA-MM-JJ) : ajoute les flux du début à la date de situation.
        #[arg(long)]
        du: Option<String>,
        /// Code d'un dispositif : seulement ses projets et ses lignes.
        #[arg(long)]
        dispositif: Option<String>,
        /// Compte aussi les fiches « pas encore publiques » (document interne, pour les agents) ; sans
        /// cette option, le bilan est celui que le public voit.
        #[arg(long)]
        avec_non_publiques: bool,
        /// Fichier à écrire ; son extension choisit le format (.pdf, .xlsx, .csv pour les projets,
        /// .financements.csv pour les lignes de financement).
        #[arg(long, short = 'o')]
        sortie: PathBuf,
    },
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
    /// Change le profil d'un compte (ses sessions le prennent aussitôt).
    Role {
        /// Adresse électronique du compte.
        #[arg(long)]
        email: String,
        /// Nouveau profil : national, region:CODE, territoire:PHASE/ti-RRNN ou operateur:NOM.
        #[arg(long)]
        profil: String,
    },
    /// Désactive un compte : il ne peut plus se connecter, ses sessions prennent fin.
    Disable {
        /// Adresse électronique du compte.
        #[arg(long)]
        email: String,
    },
    /// Émet un lien de réinitialisation du mot de passe, à usage unique, valable 24 heures.
    ResetLink {
        /// Adresse électronique du compte.
        #[arg(long)]
        email: String,
        /// Adresse publique du site, début du lien.
        #[arg(
            long = "url-publique",
            env = "TERRITOIRES_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Émet un jeton d'API (pour l'API d'écriture) et l'affiche une seule fois.
    Issue {
        /// Nom du jeton, unique (il signe ses écritures dans le journal : token:NOM).
        #[arg(long)]
        nom: String,
        /// Profil du jeton : national, region:CODE, territoire:PHASE/ti-RRNN ou operateur:NOM.
        #[arg(long)]
        profil: String,
        /// Durée de validité en jours.
        #[arg(long, default_value_t = 90)]
        jours: i64,
    },
    /// Révoque un jeton : il cesse aussitôt de fonctionner.
    Revoke {
        /// Nom du jeton.
        #[arg(long)]
        nom: String,
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
    /// Historique (labellisations, jalons, gouvernance, attributs) depuis un fichier CSV ou XLSX.
    #[command(alias = "historique", alias = "labellisations")]
    History {
        /// Le fichier.
        fichier: PathBuf,
        /// Lit, vérifie et dit ce que l'import écrirait, sans rien écrire.
        #[arg(long = "dry-run", alias = "essai")]
        dry_run: bool,
        /// Lit les en-têtes avec la correspondance de colonnes retenue sur le site pour ce périmètre.
        #[arg(long = "correspondance", value_name = "PERIMETRE")]
        correspondance: Option<String>,
    },
    /// Postes de chef de projet et leurs cofinancements depuis un fichier CSV ou XLSX.
    #[command(alias = "postes")]
    Posts {
        /// Le fichier.
        fichier: PathBuf,
        /// Lit, vérifie et dit ce que l'import écrirait, sans rien écrire.
        #[arg(long = "dry-run", alias = "essai")]
        dry_run: bool,
        /// Lit les en-têtes avec la correspondance de colonnes retenue sur le site pour ce périmètre.
        #[arg(long = "correspondance", value_name = "PERIMETRE")]
        correspondance: Option<String>,
    },
    /// Friches au standard CNIG ou liste de points Cartofriches, depuis un fichier CSV ou XLSX.
    #[command(alias = "friches")]
    Brownfields {
        /// Le fichier.
        fichier: PathBuf,
        /// Date de situation des lignes que le fichier ne date pas (AAAA-MM-JJ).
        #[arg(long)]
        date: Option<String>,
    },
    /// Projets et financements : classeur XLSX (feuilles financeurs, dispositifs, enveloppes, projets,
    /// financements), dossier de fichiers CSV de ces noms, ou fichier CSV de projets.
    #[command(alias = "projets")]
    Projects {
        /// Le classeur, le dossier ou le fichier.
        chemin: PathBuf,
        /// Lit, vérifie et dit ce que l'import changerait, sans rien écrire.
        #[arg(long = "dry-run", alias = "essai")]
        dry_run: bool,
        /// Lit les en-têtes avec la correspondance de colonnes retenue sur le site pour ce périmètre
        /// (`national`, `region:44`, `territoire:2023-2027/ti-4401`…).
        #[arg(long = "correspondance", value_name = "PERIMETRE")]
        correspondance: Option<String>,
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
    /// Charge un jeu national synthétique (environ 2 000 projets et 10 000 lignes de financement,
    /// déterministe) pour les essais et les mesures. Jamais dans une base réelle.
    #[command(alias = "synthetique")]
    Synthetic {
        /// Graine du générateur.
        #[arg(long = "graine", default_value_t = 42)]
        seed: u64,
        /// Nombre de fois le volume habituel de projets (8 : environ 16 000 projets et 75 000 lignes).
        #[arg(long = "echelle", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=32))]
        scale: u32,
    },
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
        Command::Up { site } => {
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
                "Dates de labellisation connues",
                reference::load_labellings(&store, &actor),
            )
            .await?;
            step(
                "Friches (Cartofriches)",
                brownfields::load_cartofriches(&store, &data, &actor),
            )
            .await?;
            step(
                "Démonstration Grand Est 2019",
                demo::load_demo(&store, &actor),
            )
            .await?;
            demo_accounts(&store, &actor).await?;
            eprintln!(
                "Base prête en {:.2} s ({}).",
                started.elapsed().as_secs_f64(),
                settings.database_url
            );
            serve(store, site, Some(&data)).await
        }
        Command::Serve { site } => serve(store, site, settings.data_dir().ok().as_ref()).await,
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
        Command::Import(ImportCommand::History {
            fichier,
            dry_run,
            correspondance,
        }) => {
            let context = read_context(&store, correspondance.as_deref()).await?;
            if dry_run {
                return dry_run_registry(&store, history::TABLE, &fichier, &context, &actor).await;
            }
            step(
                &format!("Historique {}", fichier.display()),
                history::import_history(&store, &fichier, &context, &actor),
            )
            .await
        }
        Command::Import(ImportCommand::Posts {
            fichier,
            dry_run,
            correspondance,
        }) => {
            let context = read_context(&store, correspondance.as_deref()).await?;
            if dry_run {
                return dry_run_registry(&store, posts::TABLE, &fichier, &context, &actor).await;
            }
            step(
                &format!("Postes de chef de projet {}", fichier.display()),
                posts::import_posts(&store, &fichier, &context, &actor),
            )
            .await
        }
        Command::Import(ImportCommand::Brownfields { fichier, date }) => {
            let situation = date
                .map(|d| territoires_domain::fr::read_date("date", &d))
                .transpose()?;
            step(
                &format!("Friches {}", fichier.display()),
                brownfields::import_brownfields(
                    &store,
                    &fichier,
                    &read_context(&store, None).await?,
                    situation,
                    &actor,
                ),
            )
            .await
        }
        Command::Import(ImportCommand::Projects {
            chemin,
            dry_run,
            correspondance,
        }) => {
            let context = read_context(&store, correspondance.as_deref()).await?;
            if dry_run {
                return dry_run_import(&store, &chemin, &context, &actor).await;
            }
            step(
                &format!("Projets {}", chemin.display()),
                portfolio::import_portfolio(&store, &chemin, &context, &actor),
            )
            .await
        }
        Command::Demo(DemoCommand::Synthetic { seed, scale }) => {
            let started = Instant::now();
            let (history, portfolio) = synthetic::load_synthetic(&store, seed, scale, &actor)
                .await
                .context("jeu synthétique : import refusé, rien n'a été écrit")?;
            eprintln!(
                "✓ Jeu synthétique (graine {seed}, échelle {scale}) : {} ; {} ({:.2} s)",
                describe(&history),
                describe(&portfolio),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Bilan {
            phase,
            perimetre,
            date,
            du,
            dispositif,
            avec_non_publiques,
            sortie,
        } => {
            let phase: Phase = phase.parse()?;
            let scope: Scope = perimetre.parse()?;
            let as_of = match date {
                Some(d) => territoires_domain::fr::parse_date("date", &d)?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            let frame = Frame {
                phase,
                scope,
                as_of,
                since: du
                    .map(|d| territoires_domain::fr::parse_date("du", &d))
                    .transpose()?,
                scheme: dispositif,
            };
            let started = Instant::now();
            let audience = match avec_non_publiques {
                true => Audience::Agents,
                false => Audience::Public,
            };
            let bytes = write_bilan(&store.seen_by(audience), &frame, &sortie).await?;
            std::fs::write(&sortie, &bytes)
                .with_context(|| format!("écriture de {}", sortie.display()))?;
            eprintln!(
                "✓ Bilan {phase} {} au {} : {} ({} octets, {:.0} ms)",
                frame.scope,
                territoires_domain::fr::iso_date(as_of),
                sortie.display(),
                bytes.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(())
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
            .await?;
            demo_accounts(&store, &actor).await
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
            territoires_domain::access::requests::check_new_password(&password)?;
            let hash = territoires_web::access::auth::hash_password(&password);
            store
                .create_user(&email, &nom, &hash, &profile, actor.as_str().into())
                .await?;
            eprintln!("✓ Compte {email} créé ({}).", profile.label());
            Ok(())
        }
        Command::User(UserCommand::Role { email, profil }) => {
            let profile: territoires_domain::access::Profile = profil.parse()?;
            store
                .set_profile(&email, &profile, actor.as_str().into())
                .await?;
            eprintln!("✓ Compte {email} : {}.", profile.label());
            Ok(())
        }
        Command::User(UserCommand::Disable { email }) => {
            store.disable_user(&email, actor.as_str().into()).await?;
            eprintln!("✓ Compte {email} désactivé ; ses sessions sont closes.");
            Ok(())
        }
        Command::User(UserCommand::ResetLink { email, public_url }) => {
            let (link, hash) = territoires_web::access::reset::new_link(&public_url);
            let expires = store
                .issue_password_reset(&email, &hash, actor.as_str().into())
                .await?;
            eprintln!(
                "✓ Lien de réinitialisation de {email}, valable jusqu'au {} (UTC), une seule fois :",
                &expires[..16]
            );
            println!("{link}");
            Ok(())
        }
        Command::Token(TokenCommand::Issue { nom, profil, jours }) => {
            let profile: territoires_domain::access::Profile = profil.parse()?;
            let expires = territoires_domain::access::security::token_expiry(
                jours,
                time::OffsetDateTime::now_utc(),
            )
            .with_context(|| {
                format!(
                    "--jours {jours} : {}",
                    territoires_domain::access::security::TOKEN_DAYS_EXPECTED
                )
            })?
            .format(&time::format_description::well_known::Rfc3339)?;
            let (secret, hash) = territoires_web::access::auth::new_api_token();
            store
                .issue_token(&nom, &hash, &profile, &expires, actor.as_str().into())
                .await?;
            eprintln!(
                "✓ Jeton « {nom} » ({}) valable jusqu'au {} ; conservez-le, il ne sera plus affiché :",
                profile.label(),
                &expires[..10]
            );
            println!("{secret}");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { nom }) => {
            store.revoke_token(&nom, actor.as_str().into()).await?;
            eprintln!("✓ Jeton « {nom} » révoqué.");
            Ok(())
        }
    }
}

/// One account per profile, to try each (listed in the README).
const DEMO_ACCOUNTS: [(&str, &str, &str); 5] = [
    (
        "national@demo.territoires.fr",
        "Équipe nationale (démo)",
        "national",
    ),
    (
        "pilote-grand-est@demo.territoires.fr",
        "Pilote Grand Est (démo)",
        "region:44",
    ),
    (
        "pilote-hauts-de-france@demo.territoires.fr",
        "Pilote Hauts-de-France (démo)",
        "region:32",
    ),
    (
        "equipe-ti-4415@demo.territoires.fr",
        "Équipe du territoire ti-4415 (démo)",
        "territoire:2018-2022/ti-4415",
    ),
    (
        "bpifrance@demo.territoires.fr",
        "Bpifrance (démo)",
        "operateur:bpifrance",
    ),
];

/// Creates the demo's accounts once, with one random password printed then (never a known one: a demo
/// loaded into a real database must not open it to anyone who read the README).
async fn demo_accounts(store: &Store, actor: &str) -> anyhow::Result<()> {
    if store.user_credentials(DEMO_ACCOUNTS[0].0).await?.is_some() {
        eprintln!("Comptes de démonstration : déjà créés (mot de passe affiché à leur création).");
        return Ok(());
    }
    // The operator's account names its funder (created if absent, never changed if present).
    let bpifrance = territoires_domain::portfolio::Portfolio {
        funders: vec![territoires_domain::portfolio::funding::Funder {
            siret: None,
            code: "bpifrance".into(),
            name: "Bpifrance".into(),
            kind: territoires_domain::portfolio::funding::FunderKind::Operator,
        }],
        ..Default::default()
    };
    if store.funder_name("bpifrance").await?.is_none() {
        store
            .import_portfolio(
                (
                    &bpifrance,
                    &territoires_domain::portfolio::given::Given::All,
                ),
                "demo-bpifrance",
                actor,
            )
            .await?;
    }
    let (secret, _) = territoires_web::access::auth::new_api_token();
    let password = secret[3..19].to_owned();
    let hash = territoires_web::access::auth::hash_password(&password);
    for (email, name, profile) in DEMO_ACCOUNTS {
        store
            .create_user(email, name, &hash, &profile.parse()?, actor.into())
            .await?;
    }
    eprintln!(
        "Comptes de démonstration (un par profil, voir le README), mot de passe : {password}"
    );
    Ok(())
}

/// The counts an import wrote, or that it had nothing to write.
fn describe(outcome: &ImportOutcome) -> String {
    if outcome.unchanged {
        "déjà à jour".into()
    } else {
        outcome
            .written
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The bilan in the format the output file's name asks for.
async fn write_bilan(
    store: &Store,
    frame: &Frame,
    path: &std::path::Path,
) -> anyhow::Result<Vec<u8>> {
    let name = path.to_string_lossy().to_lowercase();
    let scope_label = store.check_frame(frame).await?;
    let scheme_label = match &frame.scheme {
        Some(code) => store.scheme_name(code).await?,
        None => None,
    };
    let report = store.bilan(frame).await?;
    let rows = store.bilan_rows(frame).await?;
    let shapes = store.territory_shapes(frame.phase).await?;
    let regions = store.region_shapes().await?;
    let today = time::OffsetDateTime::now_utc().date();
    let doc = bilan::document(&bilan::DocumentInput {
        report: &report,
        scope_label: &scope_label,
        scheme_label: scheme_label.as_deref(),
        territory_shapes: &shapes,
        region_shapes: &regions,
        map_indicator: bilan::MapIndicator::Stage,
        link: &|_, _| None,
        generated_on: today,
    });
    Ok(if name.ends_with(".pdf") {
        bilan::pdf::render(&doc, today)?
    } else if name.ends_with(".xlsx") {
        bilan::tables::workbook(&doc, &report, &rows)?
    } else if name.ends_with(".financements.csv") {
        bilan::tables::lines_csv(&rows, frame.as_of)
    } else if name.ends_with(".csv") {
        bilan::tables::projects_csv(&rows, frame.as_of)
    } else {
        anyhow::bail!("--sortie : extension attendue .pdf, .xlsx, .csv ou .financements.csv");
    })
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
    eprintln!("✓ {label} : {} ({elapsed:.2} s)", describe(&outcome));
    for note in &outcome.notes {
        eprintln!("  ⚠ {note}");
    }
    Ok(())
}

/// What reading a file draws on: the places stored, and the column mapping the site keeps for the
/// scope `profile` (`--correspondance`), none without one.
async fn read_context(store: &Store, profile: Option<&str>) -> anyhow::Result<ReadContext> {
    let scope = profile
        .map(|p| p.parse::<Profile>().context("--correspondance"))
        .transpose()?
        .map(|p| p.to_string());
    let context = ReadContext::load(store, scope.as_deref()).await?;
    if let Some(scope) = scope.filter(|_| context.mapping.is_empty()) {
        anyhow::bail!("--correspondance : aucune correspondance de colonnes retenue pour {scope}");
    }
    Ok(context)
}

/// `import projets --dry-run`: the preview of the site's import, printed — how each header was read, what
/// the reader noticed, and what the import would write — and nothing written.
async fn dry_run_import(
    store: &Store,
    path: &std::path::Path,
    context: &ReadContext,
    actor: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = portfolio::read_portfolio(path, context)
        .with_context(|| format!("{} : import refusé, rien n'a été écrit", path.display()))?;
    print_headers(&file.mappings);
    for note in &file.notes {
        eprintln!("  ⚠ {note}");
    }
    let preview = store
        .preview_portfolio(
            (&file.portfolio, &file.given),
            &file.content_hash,
            actor,
            50,
        )
        .await
        .with_context(|| format!("{} : import refusé", path.display()))?;
    print_preview(preview, started);
    Ok(())
}

/// `import historique --dry-run`, `import postes --dry-run`: the same, for a registry file (`table`).
async fn dry_run_registry(
    store: &Store,
    table: &'static str,
    path: &std::path::Path,
    context: &ReadContext,
    actor: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let refused = || format!("{} : import refusé, rien n'a été écrit", path.display());
    let bytes = std::fs::read(path).with_context(refused)?;
    let headers =
        territoires_ingest::context::read_single_headers(path, &bytes, table, &context.mapping);
    print_headers(&headers);
    let preview = if table == history::TABLE {
        let (records, hash) =
            history::read_history_file(path, &bytes, context).with_context(refused)?;
        store.preview_history(&records, &hash, actor, 50).await
    } else {
        let (records, hash) =
            posts::read_posts_file(path, &bytes, context).with_context(refused)?;
        store.preview_posts(&records, &hash, actor, 50).await
    }
    .with_context(refused)?;
    print_preview(preview, started);
    Ok(())
}

/// How each header was read, where it is not the column's own name.
fn print_headers(tables: &[territoires_ingest::table::TableHeaders]) {
    for table in tables {
        let read: Vec<String> = table
            .headers
            .iter()
            .filter(|h| h.column.as_deref() != Some(h.written.as_str()))
            .map(|h| match &h.column {
                Some(column) => format!("« {} » → {column} ({})", h.written, h.how.label()),
                None => format!("« {} » {}", h.written, h.how.label()),
            })
            .collect();
        if !read.is_empty() {
            eprintln!("  {} : {}", table.table, read.join(", "));
        }
    }
}

/// What an import would write (its first changes), or that it was imported before.
fn print_preview(preview: Option<territoires_store::imports::ImportPreview>, started: Instant) {
    let elapsed = started.elapsed().as_secs_f64();
    match preview {
        None => eprintln!("✓ Déjà importé : l'appliquer ne changerait rien ({elapsed:.2} s)"),
        Some(p) => {
            for e in &p.changes {
                let how = if e.before_json.is_none() {
                    "nouveau"
                } else {
                    "modifié"
                };
                eprintln!("  {how} : {} {}", e.entity, e.entity_key);
            }
            if p.changed > p.changes.len() as i64 {
                eprintln!("  … et {} autre(s)", p.changed - p.changes.len() as i64);
            }
            let outcome = ImportOutcome {
                unchanged: false,
                written: p.written,
                notes: Vec::new(),
            };
            eprintln!(
                "✓ Essai : {} — rien n'a été écrit ({elapsed:.2} s)",
                describe(&outcome)
            );
        }
    }
}

async fn serve(
    store: Store,
    site: Site,
    data: Option<&territoires_ingest::DataDir>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&site.bind)
        .await
        .with_context(|| format!("écoute sur {}", site.bind))?;
    let addr = listener.local_addr()?;
    println!("Territoires d'industrie : http://{addr}/");
    let proconnect = match (
        site.proconnect_issuer,
        site.proconnect_client_id,
        site.proconnect_client_secret,
    ) {
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            Some(territoires_web::access::proconnect::ProConnectSettings {
                issuer,
                client_id,
                client_secret,
            })
        }
        _ => None,
    };
    // ProConnect sends browsers back to the site's address: the one it listens on unless told otherwise.
    let public_url = site
        .public_url
        .or_else(|| proconnect.is_some().then(|| format!("http://{addr}")));
    if let Some(p) = &proconnect {
        println!("Connexion ProConnect : émetteur {}", p.issuer);
    }
    let options = territoires_web::SiteOptions {
        public_url,
        proconnect,
        api_requests_per_minute: Some(site.api_requests_per_minute),
        trusted_proxies: site.trusted_proxies,
        friches_schema: match data.map(territoires_ingest::land::export::friches_schema) {
            Some(Ok(schema)) => Some(std::sync::Arc::new(schema)),
            Some(Err(e)) => {
                eprintln!("Export des friches au standard CNIG indisponible : {e}");
                None
            }
            None => None,
        },
    };
    territoires_web::serve(store, listener, options).await?;
    Ok(())
}
