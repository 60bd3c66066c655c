//! Downloads of fiches actions in the tables the import reads — the list with its filters, as of its date
//! (`/projets.csv`, `/projets.xlsx`), and the templates of the importer's scope (`/imports/modele.xlsx`,
//! `?contenu=historique` or `postes` for the registry's files): what a team downloads, it can edit and
//! upload again.

use axum::response::Response;
use serde::Deserialize;
use territoires_domain::access::Profile;
use territoires_domain::fr::iso_date;
use territoires_domain::ids::TerritoryId;
use territoires_ingest::portfolio::export;
use territoires_ingest::template;
use territoires_store::registry::territories::TerritoryQuery;

use crate::access::auth::SignedIn;
use crate::access::Seen;
use crate::bilan::pages::default_phase;
use crate::params::{Params, ProjectParams};
use crate::registry::exports::attachment;
use crate::{AppState, WebError};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The fiches of the list's filters, with their lines and the referential, and the file name to give.
async fn extract(
    state: &AppState,
    p: &ProjectParams,
) -> Result<(territoires_domain::portfolio::Portfolio, String), WebError> {
    let (query, _, _) = p.query(default_phase(state).await?, 1, 1)?;
    state.store.check_frame(&query.frame).await?;
    let name = format!(
        "projets-{}-{}-{}",
        query.frame.phase.slug(),
        query.frame.scope.to_string().replace(':', "-"),
        iso_date(query.frame.as_of)
    );
    Ok((state.store.portfolio_extract(&query).await?, name))
}

/// `/projets.csv`: the fiches of the list (its filters, as of its date) in the import's `projets` table.
pub async fn projects_csv(
    Seen(state): Seen,
    Params(p): Params<ProjectParams>,
) -> Result<Response, WebError> {
    let (portfolio, name) = extract(&state, &p).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("{name}.csv"),
        export::csv_table(&portfolio, "projets"),
    ))
}

/// `/projets.xlsx`: the fiches of the list, their funding lines and the referential, a sheet per table.
pub async fn projects_xlsx(
    Seen(state): Seen,
    Params(p): Params<ProjectParams>,
) -> Result<Response, WebError> {
    let (portfolio, name) = extract(&state, &p).await?;
    let body =
        export::workbook(&portfolio).map_err(|e| WebError::Internal(format!("classeur : {e}")))?;
    Ok(attachment(XLSX, format!("{name}.xlsx"), body))
}

/// Which template: `contenu` is `projets` (the default), `historique` or `postes`.
#[derive(Deserialize)]
pub struct TemplateParams {
    #[serde(default)]
    contenu: String,
}

/// `/imports/modele.xlsx`: the template of a kind of file, its lists holding the territories the user's
/// profile covers.
pub async fn template(
    Seen(state): Seen,
    SignedIn(session): SignedIn,
    Params(p): Params<TemplateParams>,
) -> Result<Response, WebError> {
    let kind = template::Kind::of(&p.contenu).ok_or_else(|| WebError::BadRequest {
        field: "contenu".into(),
        message: format!(
            "« {} » : attendu projets, historique ou postes",
            p.contenu.chars().take(40).collect::<String>()
        ),
    })?;
    let profile = &session.user.profile;
    let today = super::today();
    let mut territories: Vec<(String, String)> = state
        .store
        .territories(&TerritoryQuery::all(today))
        .await?
        .items
        .into_iter()
        .filter(|t| {
            let (Ok(phase), Ok(id)) = (
                t.territory.phase.parse(),
                TerritoryId::parse(&t.territory.id),
            ) else {
                return false;
            };
            profile.may_edit_territory(phase, &id)
        })
        .map(|t| {
            (
                t.territory.id,
                format!("{} ({})", t.territory.name, t.territory.phase),
            )
        })
        .collect();
    territories.sort();
    let referential = state.store.funding_referential().await?;
    let choices = template::Choices {
        scope: match profile {
            Profile::National | Profile::Operator(_) => "France entière".into(),
            other => other.label(),
        },
        territories,
        funders: super::funder_options(&referential),
        schemes: state.store.schemes().await?,
    };
    let body = template::template(kind, &choices)
        .map_err(|e| WebError::Internal(format!("classeur : {e}")))?;
    Ok(attachment(XLSX, kind.file_name().into(), body))
}
