//! A synthetic national dataset, realistic in shape and deterministic from a seed, for tests and
//! benchmarks: territory histories (governance, action plans, contracts) and a portfolio of about six
//! projects per territory (times a scale factor, to measure at eight times the data) with about five
//! funding lines each, dated over 2018 to mid-2026. Nothing here is real:
//! codes start with `SYN-` and it is never loaded by `up`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use territoires_domain::ids::{RegionCode, TerritoryId};
use territoires_domain::money::Cents;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{
    Envelope, Funder, FunderKind, FundingLine, Instrument, PaymentTerms, Scheme,
};
use territoires_domain::portfolio::given::Given;
use territoires_domain::portfolio::project::{
    Holder, HolderKind, Outcomes, Project, ProjectStatus, StatusChange,
};
use territoires_domain::portfolio::scheme::{AidType, CogArea, SchemeDetails, Target};
use territoires_domain::portfolio::Portfolio;
use territoires_domain::registry::milestone::{Milestone, MilestoneKind};
use territoires_store::registry::history::{HistoryRecord, TerritoryRecord};
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::registry::territories::TerritoryQuery;
use territoires_store::Store;
use time::{Date, Duration};

use crate::Result;

/// The generated data.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// Territory milestones.
    pub history: Vec<TerritoryRecord>,
    /// Funders, schemes, envelopes, projects and lines.
    pub portfolio: Portfolio,
}

/// Nothing is dated after this day: what has not happened cannot be recorded, and a fixed day (rather than
/// today) keeps the dataset the same whatever the day it is generated.
const LAST_DAY: Date = time::macros::date!(2026 - 06 - 30);

const THEMES: [&str; 10] = [
    "friche",
    "formation",
    "numérique",
    "écologie industrielle",
    "hydrogène",
    "robotisation",
    "recrutement",
    "foncier économique",
    "décarbonation",
    "innovation",
];

const TITLES: [&str; 12] = [
    "Requalification de friche industrielle",
    "Plateforme de formation aux métiers de l'industrie",
    "Centre d'innovation et de transfert",
    "Réseau d'entreprises industrielles",
    "Unité de production d'hydrogène bas carbone",
    "Démarche d'écologie industrielle et territoriale",
    "Extension de parc d'activités",
    "Campus des métiers et des qualifications",
    "Programme de recrutement et d'attractivité",
    "Accompagnement à la robotisation des PME",
    "Décarbonation d'un site industriel",
    "Guichet unique d'accueil des investisseurs",
];

fn day(rng: &mut StdRng, from: Date, days: i64) -> Date {
    from + Duration::days(rng.random_range(0..days.max(1)))
}

fn euros(rng: &mut StdRng, min: i64, max: i64) -> Cents {
    // Log-uniform, rounded to the hundred euros: many small lines, a few large ones.
    let (lo, hi) = ((min as f64).ln(), (max as f64).ln());
    let value = (rng.random_range(lo..hi)).exp() as i64;
    Cents::euros(value / 100 * 100)
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A SIRET or SIREN of `n` digits whose last one is the check digit the domain verifies.
fn identifier(rng: &mut StdRng, n: usize, kind: HolderKind) -> String {
    let body = digits(rng, n - 1);
    (0..10)
        .map(|key| format!("{body}{key}"))
        .find(|id| {
            Holder {
                kind,
                identifier: Some(id.clone()),
                name: String::new(),
            }
            .validate()
            .is_ok()
        })
        .expect("one check digit of ten fits")
}

/// A committed line's payment terms and, when paid, its first payment: one payment for most small grants,
/// instalments otherwise.
fn payment_terms(rng: &mut StdRng, line: &mut FundingLine) {
    let single = line.committed.is_some_and(|c| c < Cents::euros(150_000)) && rng.random_bool(0.8);
    line.payment_terms = Some(if single {
        PaymentTerms::Single
    } else {
        PaymentTerms::Instalments
    });
    if let (Some(first), Some(last)) = (line.committed_on, line.paid_on) {
        let span = (last - first).whole_days().max(0);
        line.first_paid_on = Some(if single {
            last
        } else {
            first + Duration::days(rng.random_range(0..=span))
        });
    }
}

fn funders(regions: &[(String, String)]) -> Vec<Funder> {
    // Their own generator: the funders' SIRETs do not shift the rest of the dataset.
    let mut rng = StdRng::seed_from_u64(44);
    let mut f = |code: &str, name: &str, kind| Funder {
        code: code.into(),
        name: name.into(),
        kind,
        siret: (kind != FunderKind::Private).then(|| identifier(&mut rng, 14, HolderKind::Company)),
    };
    let mut out = vec![
        f(
            "etat-dge",
            "État — Direction générale des entreprises",
            FunderKind::State,
        ),
        f("etat-fnadt", "État — FNADT", FunderKind::State),
        f("bpifrance", "Bpifrance", FunderKind::Operator),
        f(
            "banque-des-territoires",
            "Banque des Territoires",
            FunderKind::Operator,
        ),
        f("ademe", "Ademe", FunderKind::Operator),
        f("business-france", "Business France", FunderKind::Operator),
        f("france-travail", "France Travail", FunderKind::Operator),
        f("cerema", "Cerema", FunderKind::Operator),
        f("feder", "Union européenne — FEDER", FunderKind::Europe),
        f(
            "collectivites",
            "EPCI et communes du territoire",
            FunderKind::LocalAuthority,
        ),
        f(
            "prive",
            "Entreprises et investisseurs privés",
            FunderKind::Private,
        ),
    ];
    out.extend(regions.iter().map(|(code, name)| {
        f(
            &format!("region-{code}"),
            &format!("Région {name}"),
            FunderKind::Region,
        )
    }));
    out
}

fn schemes(regions: &[(String, String)]) -> Vec<Scheme> {
    let s = |code: &str, name: &str, funder: &str, ti| Scheme {
        details: Default::default(),
        code: code.into(),
        name: name.into(),
        funder: funder.into(),
        ti_specific: ti,
        eu_notified: Some(false),
    };
    // Described in generated words, so that the open data publishes schemes and withholds one (the
    // FEDER's, left undescribed).
    let described = |scheme: Scheme, aid: AidType, coverage: &str| Scheme {
        details: SchemeDetails {
            description: Some(format!("{} (description générée).", scheme.name)),
            eligibility: Some("Projets industriels des territoires d'industrie.".into()),
            aid_types: vec![aid],
            targets: vec![Target::Professionals],
            coverage: vec![CogArea::parse(coverage).expect("a COG area")],
            ..SchemeDetails::default()
        },
        ..scheme
    };
    let mut out = vec![
        described(
            s(
                "fonds-acceleration",
                "Fonds d'accélération des investissements industriels dans les territoires",
                "etat-dge",
                true,
            ),
            AidType::Financing,
            "PAYS-99100",
        ),
        described(
            s(
                "fonds-vert-ti",
                "Fonds vert — Territoires d'industrie en transition écologique",
                "etat-dge",
                true,
            ),
            AidType::Financing,
            "PAYS-99100",
        ),
        described(
            s(
                "bdt-ingenierie-ti",
                "Ingénierie Territoires d'industrie",
                "banque-des-territoires",
                true,
            ),
            AidType::Study,
            "PAYS-99100",
        ),
        described(
            s(
                "bpi-pret-industrie",
                "Prêt Industrie du futur",
                "bpifrance",
                false,
            ),
            AidType::Loan,
            "PAYS-99100",
        ),
        described(
            s(
                "ademe-decarbonation",
                "Décarbonation de l'industrie",
                "ademe",
                false,
            ),
            AidType::Financing,
            "PAYS-99100",
        ),
        s("feder", "FEDER — programme régional", "feder", false),
    ];
    out.extend(regions.iter().map(|(code, _)| {
        described(
            s(
                &format!("region-{code}-industrie"),
                "Dispositif régional en faveur de l'industrie",
                &format!("region-{code}"),
                false,
            ),
            AidType::Financing,
            &format!("REG-{code}"),
        )
    }));
    out
}

/// Which funder and scheme a line goes to, with its instrument, for a project of `phase` and `region`.
fn pick_funding(
    rng: &mut StdRng,
    phase: Phase,
    region: &str,
) -> (String, Option<String>, Instrument) {
    match rng.random_range(0..100) {
        0..18 => match phase {
            Phase::First => (
                "etat-dge".into(),
                Some("fonds-acceleration".into()),
                Instrument::Grant,
            ),
            Phase::Second => (
                "etat-dge".into(),
                Some("fonds-vert-ti".into()),
                Instrument::Grant,
            ),
        },
        18..24 => ("etat-fnadt".into(), None, Instrument::Grant),
        24..34 => (
            "bpifrance".into(),
            Some("bpi-pret-industrie".into()),
            Instrument::Loan,
        ),
        34..42 => (
            "banque-des-territoires".into(),
            Some("bdt-ingenierie-ti".into()),
            Instrument::Engineering,
        ),
        42..48 => (
            "ademe".into(),
            Some("ademe-decarbonation".into()),
            Instrument::Grant,
        ),
        48..50 => ("business-france".into(), None, Instrument::Engineering),
        50..53 => ("france-travail".into(), None, Instrument::Grant),
        53..55 => ("cerema".into(), None, Instrument::Engineering),
        55..72 => (
            format!("region-{region}"),
            Some(format!("region-{region}-industrie")),
            Instrument::Grant,
        ),
        72..80 => ("feder".into(), Some("feder".into()), Instrument::Grant),
        80..92 => ("collectivites".into(), None, Instrument::Grant),
        _ => ("prive".into(), None, Instrument::RepayableAdvance),
    }
}

fn milestone(kind: MilestoneKind, on: Date) -> HistoryRecord {
    HistoryRecord::Milestone(Milestone {
        note: "Donnée synthétique".into(),
        source: "territoires demo synthetique".into(),
        ..Milestone::on(kind, on)
    })
}

/// Generates the dataset for `territories` (phase, id) and the regions (code, name) they belong to, with
/// `scale` times the usual number of projects.
pub fn generate(
    territories: &[(Phase, TerritoryId)],
    regions: &[(String, String)],
    seed: u64,
    scale: u32,
) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    // The payment terms draw from their own generator, so that adding them changed no other figure.
    let mut terms_rng = StdRng::seed_from_u64(seed ^ 0x7465_726d_6573);
    // So does the mark « pas encore publique » (a few fiches of every size of dataset).
    let mut publication_rng = StdRng::seed_from_u64(seed ^ 0x7075_626c_6963);
    let mut history = Vec::new();
    let mut projects = Vec::new();
    let mut lines = Vec::new();
    for (phase, id) in territories {
        let phase = *phase;
        let start = match phase {
            Phase::First => time::macros::date!(2018 - 12 - 01),
            Phase::Second => time::macros::date!(2023 - 11 - 09),
        };
        let mut record = |kind, on: Date| {
            if on <= LAST_DAY {
                history.push(TerritoryRecord {
                    phase,
                    territory_id: id.to_string(),
                    record: milestone(kind, on),
                    origin: format!("synthétique {phase}/{id}"),
                });
            }
        };
        if rng.random_bool(0.9) {
            let governance = day(&mut rng, start, 300);
            record(MilestoneKind::GovernanceInstalled, governance);
            if rng.random_bool(0.75) {
                let validated = day(&mut rng, governance + Duration::days(60), 500);
                record(MilestoneKind::ActionPlanValidated, validated);
                if rng.random_bool(0.7) {
                    let signed = day(&mut rng, validated, 200);
                    record(
                        match phase {
                            Phase::First => MilestoneKind::ContractSigned,
                            Phase::Second => MilestoneKind::ImplementationStarted,
                        },
                        signed,
                    );
                }
            }
        }
        for k in 0..rng.random_range(3..10) * scale {
            let code = format!("SYN-{}-{}-{k:02}", &phase.slug()[..4], id);
            let mut carried = vec![id.clone()];
            if rng.random_bool(0.03) {
                let (other_phase, other) = &territories[rng.random_range(0..territories.len())];
                if *other_phase == phase && other != id {
                    carried.push(other.clone());
                }
            }
            let region = id.region_of_attachment().to_string();
            let idea = day(&mut rng, start + Duration::days(60), 1_300);
            let preparation = day(&mut rng, idea + Duration::days(30), 200);
            let abandoned = rng.random_bool(0.08);
            let mut first_commitment: Option<Date> = None;
            for n in 0..rng.random_range(2..9) {
                let (funder, scheme, instrument) = pick_funding(&mut rng, phase, &region);
                let requested = euros(&mut rng, 10_000, 3_000_000);
                let requested_on = day(&mut rng, preparation, 400);
                if requested_on > LAST_DAY {
                    continue;
                }
                let mut line = FundingLine {
                    project: code.clone(),
                    funder,
                    scheme,
                    instrument,
                    decision_reference: format!("{code}-D{n}"),
                    requested,
                    requested_on,
                    committed: None,
                    committed_on: None,
                    paid: None,
                    paid_on: None,
                    first_paid_on: None,
                    payment_terms: None,
                    cancelled_on: None,
                    over_request_allowed: false,
                };
                let committed_on = day(&mut rng, requested_on + Duration::days(30), 270);
                if !abandoned && rng.random_bool(0.7) && committed_on <= LAST_DAY {
                    let share = rng.random_range(60..=100);
                    let committed = Cents(requested.0 / 100 * share);
                    line.committed = Some(committed);
                    line.committed_on = Some(committed_on);
                    first_commitment =
                        Some(first_commitment.map_or(committed_on, |d| d.min(committed_on)));
                    let paid_on = day(&mut rng, committed_on + Duration::days(90), 450);
                    if rng.random_bool(0.03) {
                        line.cancelled_on = Some(day(&mut rng, committed_on, 365).min(LAST_DAY));
                    } else if rng.random_bool(0.6) && paid_on <= LAST_DAY {
                        line.paid = Some(Cents(committed.0 / 100 * rng.random_range(30..=100)));
                        line.paid_on = Some(paid_on);
                    }
                    payment_terms(&mut terms_rng, &mut line);
                }
                lines.push(line);
            }
            let mut status = vec![
                StatusChange {
                    status: ProjectStatus::Idea,
                    on: idea,
                },
                StatusChange {
                    status: ProjectStatus::InPreparation,
                    on: preparation,
                },
            ];
            if abandoned {
                status.push(StatusChange {
                    status: ProjectStatus::Abandoned,
                    on: day(&mut rng, preparation, 500),
                });
            } else if let Some(engaged) = first_commitment {
                let engaged = engaged.max(preparation);
                status.push(StatusChange {
                    status: ProjectStatus::Engaged,
                    on: engaged,
                });
                let started = day(&mut rng, engaged + Duration::days(30), 270);
                status.push(StatusChange {
                    status: ProjectStatus::InProgress,
                    on: started,
                });
                if rng.random_bool(0.45) {
                    status.push(StatusChange {
                        status: ProjectStatus::Completed,
                        on: day(&mut rng, started + Duration::days(180), 720),
                    });
                }
            }
            status.retain(|s| s.on <= LAST_DAY);
            let completed = status.iter().any(|s| s.status == ProjectStatus::Completed);
            let axes = phase.axes();
            let mut project_axes = vec![axes[rng.random_range(0..axes.len())]];
            if rng.random_bool(0.3) {
                let second = axes[rng.random_range(0..axes.len())];
                if !project_axes.contains(&second) {
                    project_axes.push(second);
                }
            }
            project_axes.sort();
            let holder = match rng.random_range(0..10) {
                0..5 => Holder {
                    kind: HolderKind::Company,
                    identifier: Some(identifier(&mut rng, 14, HolderKind::Company)),
                    name: format!("Entreprise {}", digits(&mut rng, 4)),
                },
                5..8 => Holder {
                    kind: HolderKind::Epci,
                    identifier: Some(identifier(&mut rng, 9, HolderKind::Epci)),
                    name: "EPCI du territoire".into(),
                },
                8 => Holder {
                    kind: HolderKind::Association,
                    identifier: Some(format!("W{}", digits(&mut rng, 9))),
                    name: "Association industrielle".into(),
                },
                _ => Holder {
                    kind: HolderKind::Other,
                    identifier: None,
                    name: "Chambre de commerce et d'industrie".into(),
                },
            };
            let expected_jobs = rng.random_bool(0.7).then(|| rng.random_range(0..80));
            projects.push(Project {
                not_yet_public: publication_rng.random_bool(0.03),
                code: code.clone(),
                phase,
                territories: carried,
                title: TITLES[rng.random_range(0..TITLES.len())].into(),
                description: "Fiche action synthétique, générée pour les essais.".into(),
                axes: project_axes,
                themes: vec![THEMES[rng.random_range(0..THEMES.len())].into()],
                holder: Some(holder),
                total_cost: rng
                    .random_bool(0.8)
                    .then(|| euros(&mut rng, 100_000, 20_000_000)),
                expected: Outcomes {
                    jobs_created: expected_jobs,
                    jobs_kept: rng.random_bool(0.5).then(|| rng.random_range(0..200)),
                    investment: rng
                        .random_bool(0.6)
                        .then(|| euros(&mut rng, 100_000, 20_000_000)),
                    tco2e_avoided: rng.random_bool(0.2).then(|| rng.random_range(10..5_000)),
                    brownfield_hectares: rng.random_bool(0.1).then(|| rng.random_range(1..40)),
                },
                measured: if completed && rng.random_bool(0.5) {
                    Outcomes {
                        jobs_created: expected_jobs.map(|j| j * rng.random_range(50..=120) / 100),
                        ..Outcomes::default()
                    }
                } else {
                    Outcomes::default()
                },
                history: status,
                source: "territoires demo synthetique".into(),
            });
        }
    }
    let mut portfolio = Portfolio {
        funders: funders(regions),
        schemes: schemes(regions),
        envelopes: Vec::new(),
        projects,
        lines,
    };
    portfolio.envelopes = envelopes(&portfolio, regions);
    Synthetic { history, portfolio }
}

/// Envelopes sized on the commitments generated (plus 15 %, rounded up to 100,000 €), so that every
/// generated commitment fits and some headroom is left.
fn envelopes(portfolio: &Portfolio, regions: &[(String, String)]) -> Vec<Envelope> {
    let mut out: Vec<Envelope> = regions
        .iter()
        .map(|(code, _)| Envelope {
            code: format!("fonds-acceleration-{code}"),
            scheme: "fonds-acceleration".into(),
            region: Some(RegionCode::parse(code).expect("region codes of the referential")),
            starts_on: time::macros::date!(2019 - 01 - 01),
            ends_on: time::macros::date!(2023 - 12 - 31),
            amount: Cents::ZERO,
        })
        .collect();
    out.push(Envelope {
        code: "fonds-vert-ti-national".into(),
        scheme: "fonds-vert-ti".into(),
        region: None,
        starts_on: time::macros::date!(2023 - 11 - 09),
        ends_on: LAST_DAY,
        amount: Cents::ZERO,
    });
    let sized = Portfolio {
        envelopes: out.clone(),
        ..portfolio.clone()
    };
    let used = sized.envelope_use();
    for e in &mut out {
        let committed = used.get(e.code.as_str()).copied().unwrap_or_default();
        let step = Cents::euros(100_000).0;
        e.amount = Cents((committed.0 * 115 / 100 + step - 1) / step * step);
    }
    out
}

/// Generates the synthetic dataset over the territories and regions in the store.
pub async fn generate_for(store: &Store, seed: u64, scale: u32) -> Result<Synthetic> {
    let today = time::OffsetDateTime::now_utc().date();
    let page = store.territories(&TerritoryQuery::all(today)).await?;
    let territories: Vec<(Phase, TerritoryId)> = page
        .items
        .iter()
        .filter_map(|t| {
            Some((
                t.territory.phase.parse().ok()?,
                TerritoryId::parse(&t.territory.id).ok()?,
            ))
        })
        .collect();
    let regions: Vec<(String, String)> = store
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect();
    Ok(generate(&territories, &regions, seed, scale.max(1)))
}

/// Generates and loads the synthetic dataset over the territories and regions in the store.
pub async fn load_synthetic(
    store: &Store,
    seed: u64,
    scale: u32,
    actor: &str,
) -> Result<(ImportOutcome, ImportOutcome)> {
    let data = generate_for(store, seed, scale).await?;
    let hash = format!("synthetique-{seed}-x{scale}");
    let history = store.import_history(&data.history, &hash, actor).await?;
    let portfolio = store
        .import_portfolio((&data.portfolio, &Given::All), &hash, actor)
        .await?;
    Ok((history, portfolio))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn territories() -> Vec<(Phase, TerritoryId)> {
        (1..=40)
            .map(|n| {
                (
                    if n % 2 == 0 {
                        Phase::First
                    } else {
                        Phase::Second
                    },
                    TerritoryId::parse(&format!("ti-44{n:02}")).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_data_and_it_is_valid() {
        let regions = vec![("44".to_owned(), "Grand Est".to_owned())];
        let a = generate(&territories(), &regions, 7, 1);
        let b = generate(&territories(), &regions, 7, 1);
        assert_eq!(a.portfolio, b.portfolio);
        assert_ne!(
            a.portfolio,
            generate(&territories(), &regions, 8, 1).portfolio
        );
        a.portfolio
            .validate()
            .map_err(|(row, e)| format!("{row:?}: {e}"))
            .unwrap();
        let projects = a.portfolio.projects.len();
        assert!((120..=360).contains(&projects), "{projects} projects");
        let per_project = a.portfolio.lines.len() as f64 / projects as f64;
        assert!(
            (3.0..=6.5).contains(&per_project),
            "{per_project} lines per project"
        );
        assert!(a
            .portfolio
            .lines
            .iter()
            .any(|l| l.cancelled_on.is_some() || l.paid.is_some()));
        let eight = generate(&territories(), &regions, 7, 8);
        eight
            .portfolio
            .validate()
            .map_err(|(row, e)| format!("{row:?}: {e}"))
            .unwrap();
        let ratio = eight.portfolio.projects.len() as f64 / projects as f64;
        assert!(
            (6.0..=10.0).contains(&ratio),
            "×{ratio} projects at scale 8"
        );
    }
}
