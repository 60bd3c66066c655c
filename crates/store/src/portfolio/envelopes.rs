//! The envelope each commitment draws on, kept on its funding line (`envelope_code`): a new commitment is
//! checked against the sum of the others on its envelope, read from one index, under the portfolio's write
//! lock. The mark follows the domain's `funding::draws_on`; it is rewritten wherever that can change: the
//! line itself, the envelopes, or the first territory of the line's project.

use std::collections::HashMap;

use sqlx::{Any, Transaction};
use territoires_domain::ids::{RegionCode, TerritoryId};
use territoires_domain::money::Cents;
use territoires_domain::portfolio::funding::{draws_on, Envelope, FundingLine};
use territoires_domain::portfolio::{project_region, Portfolio};

use super::{envelope_from, EnvelopeRow, ENVELOPE_COLUMNS};
use crate::{Result, Store};

/// Checks `line`'s commitment against the envelope it draws on and the other commitments in force on it
/// (the line of id `line_id` excepted); returns that envelope's code, to be kept on the line.
pub(super) async fn check_draw(
    tx: &mut Transaction<'_, Any>,
    line: &FundingLine,
    line_id: i64,
) -> Result<Option<String>> {
    let Some(scheme) = line
        .scheme
        .as_deref()
        .filter(|_| line.committed_on.is_some())
    else {
        return Ok(None);
    };
    let envelopes = sqlx::query_as::<_, EnvelopeRow>(&format!(
        "SELECT {ENVELOPE_COLUMNS} FROM envelopes WHERE scheme_code = $1 ORDER BY code"
    ))
    .bind(scheme)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(envelope_from)
    .collect::<Result<Vec<Envelope>>>()?;
    if envelopes.is_empty() {
        return Ok(None);
    }
    let first: Option<String> = sqlx::query_scalar(
        "SELECT territory_id FROM project_territories WHERE project_code = $1 ORDER BY position LIMIT 1",
    )
    .bind(&line.project)
    .fetch_optional(&mut **tx)
    .await?;
    let region = region_of(first.as_deref())?;
    let Some(envelope) = draws_on(&envelopes, line, region.as_ref()) else {
        return Ok(None);
    };
    let already: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(committed_cents), 0) AS BIGINT) FROM funding_lines
         WHERE envelope_code = $1 AND cancelled_on IS NULL AND id <> $2",
    )
    .bind(&envelope.code)
    .bind(line_id)
    .fetch_one(&mut **tx)
    .await?;
    envelope.check_commitment(Cents(already), line.committed_in_force())?;
    Ok(Some(envelope.code.clone()))
}

/// The region a project's envelope is chosen by: its first territory's region of attachment.
fn region_of(first_territory: Option<&str>) -> Result<Option<RegionCode>> {
    Ok(first_territory
        .map(TerritoryId::parse)
        .transpose()?
        .map(|t| t.region_of_attachment()))
}

/// Whether an import's changes can move commitments from one envelope to another without touching them:
/// a changed envelope, or a project whose first territory (hence region) changed.
pub(super) fn moves_draws(changes: &super::Changes<'_>) -> bool {
    !changes.envelopes.is_empty()
        || changes
            .projects
            .iter()
            .any(|(old, new)| old.is_some_and(|old| project_region(old) != project_region(new)))
}

/// The lines of `portfolio` (the whole stored portfolio) whose stored envelope mark differs from what the
/// domain decides, with the mark they should have.
async fn misdrawn<'a>(
    tx: &mut Transaction<'_, Any>,
    portfolio: &'a Portfolio,
) -> Result<Vec<(&'a FundingLine, Option<&'a str>)>> {
    let stored: HashMap<(String, String, String), Option<String>> = sqlx::query_as::<
        _,
        (String, String, String, Option<String>),
    >(
        "SELECT project_code, funder_code, decision_reference, envelope_code FROM funding_lines",
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|(p, f, d, e)| ((p, f, d), e))
    .collect();
    Ok(portfolio
        .lines
        .iter()
        .zip(portfolio.drawn_envelopes())
        .filter(|(line, drawn)| {
            let key = (
                line.project.clone(),
                line.funder.clone(),
                line.decision_reference.clone(),
            );
            stored.get(&key).map(Option::as_deref) != Some(*drawn)
        })
        .collect())
}

/// Rewrites the envelope mark of every line of `portfolio` (the whole stored portfolio) whose mark
/// differs from what the domain decides; returns how many.
pub(super) async fn mark_all(
    tx: &mut Transaction<'_, Any>,
    portfolio: &Portfolio,
) -> Result<usize> {
    let misdrawn = misdrawn(tx, portfolio).await?;
    for (line, drawn) in &misdrawn {
        sqlx::query(
            "UPDATE funding_lines SET envelope_code = $1
             WHERE project_code = $2 AND funder_code = $3 AND decision_reference = $4",
        )
        .bind(*drawn)
        .bind(&line.project)
        .bind(&line.funder)
        .bind(&line.decision_reference)
        .execute(&mut **tx)
        .await?;
    }
    Ok(misdrawn.len())
}

impl Store {
    /// Marks the lines stored before envelope marks existed, once (called after the migrations).
    pub(crate) async fn mark_envelopes_once(&self) -> Result<()> {
        let done: i64 = sqlx::query_scalar("SELECT envelopes_assigned FROM data_version")
            .fetch_one(&self.pool)
            .await?;
        if done != 0 {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let portfolio = super::load_portfolio(&mut tx).await?.portfolio;
        let rewritten = mark_all(&mut tx, &portfolio).await?;
        sqlx::query("UPDATE data_version SET envelopes_assigned = 1")
            .execute(&mut **tx)
            .await?;
        tx.commit().await?;
        tracing::info!(
            rewritten,
            "funding lines marked with the envelope they draw on"
        );
        Ok(())
    }

    /// The lines whose envelope mark is not what the domain decides on the stored portfolio, as
    /// `funder/decision/project → expected`: none when the store keeps the marks right.
    #[cfg(feature = "testing")]
    pub(crate) async fn misdrawn_lines(&self) -> Result<Vec<String>> {
        let mut tx = self.begin_read().await?;
        let portfolio = super::load_portfolio(&mut tx).await?.portfolio;
        let out = misdrawn(&mut tx, &portfolio)
            .await?
            .into_iter()
            .map(|(l, drawn)| {
                format!(
                    "{}/{}/{} → {drawn:?}",
                    l.funder, l.decision_reference, l.project
                )
            })
            .collect();
        tx.commit().await?;
        Ok(out)
    }
}
