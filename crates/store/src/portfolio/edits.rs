//! Records created and changed one at a time, through a form or the write API: fiches actions, funding
//! lines, funders, schemes and envelopes. Each save names the version it read (none for a creation):
//! a creation over an existing record, or an edit of a record changed since, is a conflict and writes
//! nothing. Scope is decided on the record as stored and as saved, inside the write's transaction.

use sqlx::{Any, Transaction};
use territoires_domain::access::Profile;
use territoires_domain::ids::RegionCode;
use territoires_domain::portfolio::funding::{Envelope, Funder, FundingLine, Scheme};
use territoires_domain::portfolio::project::Project;
use territoires_domain::portfolio::Portfolio;
use territoires_domain::DomainError;

use super::{
    check_version, envelopes, line_from, line_row, load_projects, lock_portfolio, persist, Changes,
    LineRow, StoredLine, LINE_COLUMNS,
};
use crate::access::Author;
use crate::{Result, Store, StoreError};

/// A record to save: the record, and the version it was read at for an edit (`None` for a creation).
#[derive(Debug, Clone)]
pub struct Save<T> {
    /// The record as it should be.
    pub record: T,
    /// The version read; `None` creates.
    pub read_version: Option<i64>,
}

impl<T> Save<T> {
    /// A creation.
    pub fn new(record: T) -> Self {
        Save {
            record,
            read_version: None,
        }
    }

    /// An edit of the version read.
    pub fn edit(record: T, read_version: i64) -> Self {
        Save {
            record,
            read_version: Some(read_version),
        }
    }
}

/// Checks a save against what is stored: a creation needs a free key, an edit an existing record at the
/// version read.
fn check_save(stored: Option<i64>, read: Option<i64>, what: &str) -> Result<()> {
    match (stored, read) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(StoreError::Conflict(format!(
            "{what} existe déjà : choisissez un autre code, ou modifiez l'existant"
        ))),
        (None, Some(_)) => Err(StoreError::NotFound(what.to_owned())),
        (Some(current), Some(read)) => check_version(current, read, what),
    }
}

fn forbidden(profile: &Profile, what: String) -> StoreError {
    StoreError::Forbidden(format!(
        "Votre profil ({}) ne permet pas {what}.",
        profile.label()
    ))
}

/// A value of the record that names nothing stored: its field, the value and what was expected.
fn unknown(field: &'static str, value: &str, expected: &'static str) -> StoreError {
    StoreError::Invalid(DomainError::Invalid {
        field,
        value: value.to_owned(),
        expected,
    })
}

impl Store {
    /// Creates or edits a fiche action, if the author may edit it as stored and as saved. Its territories
    /// must exist in its phase. Returns the project's version after the save.
    pub async fn save_project<'a>(
        &self,
        save: Save<Project>,
        author: impl Into<Author<'a>>,
    ) -> Result<i64> {
        let author = author.into();
        let new = save.record;
        let mut tx = self.begin_write().await?;
        let changed_in = lock_portfolio(&mut tx).await?;
        let (mut found, versions) = load_projects(&mut tx, Some(&new.code)).await?;
        let old = found.pop();
        if old.is_none() {
            // A new code may not differ from a stored one only by case (the import's rule, whole-file).
            let twin: Option<String> =
                sqlx::query_scalar("SELECT code FROM projects WHERE LOWER(code) = LOWER($1)")
                    .bind(&new.code)
                    .fetch_optional(&mut **tx)
                    .await?;
            if twin.is_some() {
                return Err(territoires_domain::DomainError::Invalid {
                    field: "code",
                    value: new.code.clone(),
                    expected:
                        "un code qui ne diffère pas d'un code de fiche existant que par la casse",
                }
                .into());
            }
        }
        check_save(
            versions.first().copied(),
            save.read_version,
            &format!("le projet {}", new.code),
        )?;
        if let Some(profile) = author.profile {
            if old
                .iter()
                .chain([&new])
                .any(|p| !profile.may_edit_project(p))
            {
                return Err(forbidden(
                    profile,
                    format!(
                        "de modifier le projet {} avec ces territoires : seulement ceux de votre périmètre",
                        new.code
                    ),
                ));
            }
        }
        for t in &new.territories {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT id FROM territories WHERE phase = $1 AND id = $2")
                    .bind(new.phase.slug())
                    .bind(t.as_str())
                    .fetch_optional(&mut **tx)
                    .await?;
            if exists.is_none() {
                return Err(unknown(
                    "territoires",
                    t.as_str(),
                    "un territoire labellisé de la phase du projet",
                ));
            }
        }
        new.validate()?;
        new.check_not_future(crate::today())?;
        if old.as_ref() == Some(&new) {
            return Ok(versions[0]);
        }
        let c = Changes {
            projects: vec![(old.as_ref(), &new)],
            ..Changes::default()
        };
        let action = if old.is_some() {
            "edit_project"
        } else {
            "create_project"
        };
        persist(&mut tx, &c, changed_in, author.actor, action).await?;
        if envelopes::moves_draws(&c) {
            redraw_lines_of(&mut tx, &new.code).await?;
        }
        let version: i64 = sqlx::query_scalar("SELECT version FROM projects WHERE code = $1")
            .bind(&new.code)
            .fetch_one(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Creates a funding line (`id` none) or edits the request of line `id`, if the author may record the
    /// line's funding. The funder and scheme must exist, the scheme be the funder's, a commitment fit its
    /// envelope. Returns the line as stored.
    pub async fn save_funding_line<'a>(
        &self,
        id: Option<i64>,
        save: Save<FundingLine>,
        author: impl Into<Author<'a>>,
    ) -> Result<StoredLine> {
        let author = author.into();
        let new = save.record;
        let mut tx = self.begin_write().await?;
        let changed_in = lock_portfolio(&mut tx).await?;
        let what = format!(
            "la ligne de financement {} / {}",
            new.funder, new.decision_reference
        );
        let (old, stored) = match id {
            Some(id) => {
                let row = line_row(&mut **tx, id)
                    .await?
                    .filter(|r| r.project_code == new.project)
                    .ok_or_else(|| StoreError::NotFound(format!("ligne de financement {id}")))?;
                let version = row.version;
                (Some((id, line_from(row)?)), Some(version))
            }
            None => {
                let same = line_by_key(&mut tx, &new).await?;
                (None, same.map(|r| r.version))
            }
        };
        check_save(stored, save.read_version, &what)?;
        if let Some((_, old)) = &old {
            if old.key() != new.key() {
                return Err(StoreError::Invalid(DomainError::Rule(
                    "le financeur, la référence de décision et le projet d'une ligne ne changent pas : annulez-la et créez-en une autre".into(),
                )));
            }
        }
        let (mut projects, _) = load_projects(&mut tx, Some(&new.project)).await?;
        let project = projects
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("projet {}", new.project)))?;
        if let Some(profile) = author.profile {
            if !profile.may_record_funding(&project, &new.funder) {
                return Err(forbidden(
                    profile,
                    format!(
                        "d'enregistrer les financements de « {} » sur le projet {}",
                        new.funder, new.project
                    ),
                ));
            }
        }
        let funder: Option<String> = sqlx::query_scalar("SELECT code FROM funders WHERE code = $1")
            .bind(&new.funder)
            .fetch_optional(&mut **tx)
            .await?;
        if funder.is_none() {
            return Err(unknown(
                "financeur",
                &new.funder,
                "le code d'un financeur enregistré",
            ));
        }
        if let Some(scheme) = &new.scheme {
            let of: Option<String> =
                sqlx::query_scalar("SELECT funder_code FROM schemes WHERE code = $1")
                    .bind(scheme)
                    .fetch_optional(&mut **tx)
                    .await?;
            if of.as_deref() != Some(new.funder.as_str()) {
                return Err(unknown(
                    "dispositif",
                    scheme,
                    "le code d'un dispositif enregistré de ce financeur",
                ));
            }
        }
        new.validate()?;
        new.check_not_future(crate::today())?;
        let drawn =
            envelopes::check_draw(&mut tx, &new, old.as_ref().map_or(0, |(id, _)| *id)).await?;
        if old.as_ref().map(|(_, l)| l) != Some(&new) {
            let c = Changes {
                lines: vec![(old.as_ref().map(|(_, l)| l), &new, drawn.as_deref())],
                ..Changes::default()
            };
            let action = if old.is_some() {
                "edit_funding_line"
            } else {
                "create_funding_line"
            };
            persist(&mut tx, &c, changed_in, author.actor, action).await?;
        }
        let row = line_by_key(&mut tx, &new)
            .await?
            .ok_or_else(|| StoreError::NotFound(what.clone()))?;
        tx.commit().await?;
        Ok(StoredLine {
            id: row.id,
            version: row.version,
            line: line_from(row)?,
        })
    }

    /// Creates or edits a funder (national team). Returns its version after the save.
    pub async fn save_funder<'a>(
        &self,
        save: Save<Funder>,
        author: impl Into<Author<'a>>,
    ) -> Result<i64> {
        let author = author.into();
        if let Some(profile) = author.profile.filter(|p| !p.may_manage_funders()) {
            return Err(forbidden(profile, "de gérer les financeurs".into()));
        }
        let code = save.record.code.clone();
        let incoming = Portfolio {
            funders: vec![save.record],
            ..Portfolio::default()
        };
        self.save_head("funders", &code, save.read_version, incoming, author)
            .await
    }

    /// Creates or edits a scheme (national team): its funder must exist. Returns its version.
    pub async fn save_scheme<'a>(
        &self,
        save: Save<Scheme>,
        author: impl Into<Author<'a>>,
    ) -> Result<i64> {
        let author = author.into();
        if let Some(profile) = author.profile.filter(|p| !p.may_manage_funders()) {
            return Err(forbidden(profile, "de gérer les dispositifs".into()));
        }
        let code = save.record.code.clone();
        let incoming = Portfolio {
            schemes: vec![save.record],
            ..Portfolio::default()
        };
        self.save_head("schemes", &code, save.read_version, incoming, author)
            .await
    }

    /// Creates or edits an envelope (national team; a regional pilot its region's, before and after): its
    /// scheme must exist, and every commitment drawing on it, before and after the change, must still fit.
    /// Returns its version.
    pub async fn save_envelope<'a>(
        &self,
        save: Save<Envelope>,
        author: impl Into<Author<'a>>,
    ) -> Result<i64> {
        let author = author.into();
        if let Some(profile) = author.profile {
            let stored: Option<Option<String>> =
                sqlx::query_scalar("SELECT region_code FROM envelopes WHERE code = $1")
                    .bind(&save.record.code)
                    .fetch_optional(&self.pool)
                    .await?;
            let regions = [
                stored.flatten().and_then(|r| RegionCode::parse(&r).ok()),
                save.record.region.clone(),
            ];
            if regions
                .iter()
                .any(|r| !profile.may_manage_envelope(r.as_ref()))
            {
                return Err(forbidden(
                    profile,
                    "de gérer cette enveloppe : seulement celles de votre région".into(),
                ));
            }
        }
        let code = save.record.code.clone();
        let incoming = Portfolio {
            envelopes: vec![save.record],
            ..Portfolio::default()
        };
        self.save_head("envelopes", &code, save.read_version, incoming, author)
            .await
    }

    /// Saves one funder, scheme or envelope (`incoming` holds it alone) the way an import does: merged
    /// with the stored portfolio, the whole checked (references, every envelope's commitments), the
    /// changed rows written and the envelope marks kept right.
    async fn save_head(
        &self,
        table: &'static str,
        code: &str,
        read_version: Option<i64>,
        incoming: Portfolio,
        author: Author<'_>,
    ) -> Result<i64> {
        let read = self.portfolio_before_lock().await?;
        let mut tx = self.begin_write().await?;
        // The lock first: the version read next is then the one this write changes.
        let changed_in = lock_portfolio(&mut tx).await?;
        let version_of = format!("SELECT version FROM {table} WHERE code = $1");
        let stored: Option<i64> = sqlx::query_scalar(&version_of)
            .bind(code)
            .fetch_optional(&mut **tx)
            .await?;
        let what = match table {
            "funders" => format!("le financeur {code}"),
            "schemes" => format!("le dispositif {code}"),
            _ => format!("l'enveloppe {code}"),
        };
        check_save(stored, read_version, &what)?;
        let action = match (table, stored.is_some()) {
            ("funders", false) => "create_funder",
            ("funders", true) => "edit_funder",
            ("schemes", false) => "create_scheme",
            ("schemes", true) => "edit_scheme",
            (_, false) => "create_envelope",
            (_, true) => "edit_envelope",
        };
        self.merge_and_write(
            &mut tx,
            changed_in,
            read,
            (&incoming, &territoires_domain::portfolio::given::Given::All),
            (author, action),
        )
        .await?;
        let version: i64 = sqlx::query_scalar(&version_of)
            .bind(code)
            .fetch_one(&mut **tx)
            .await?;
        tx.commit().await?;
        Ok(version)
    }
}

/// The stored line with `line`'s natural key (funder, decision reference, project).
async fn line_by_key(tx: &mut Transaction<'_, Any>, line: &FundingLine) -> Result<Option<LineRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {LINE_COLUMNS} FROM funding_lines WHERE funder_code = $1 AND decision_reference = $2 AND project_code = $3"
    ))
    .bind(&line.funder)
    .bind(&line.decision_reference)
    .bind(&line.project)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Re-marks the envelope each committed line of project `code` draws on, after its first territory (hence
/// its region) changed; a commitment that no longer fits its new envelope refuses the change.
async fn redraw_lines_of(tx: &mut Transaction<'_, Any>, code: &str) -> Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM funding_lines WHERE project_code = $1 AND committed_on IS NOT NULL ORDER BY id",
    )
    .bind(code)
    .fetch_all(&mut **tx)
    .await?;
    for id in ids {
        let Some(row) = line_row(&mut **tx, id).await? else {
            continue;
        };
        let line = line_from(row)?;
        let drawn = envelopes::check_draw(tx, &line, id).await?;
        sqlx::query("UPDATE funding_lines SET envelope_code = $1 WHERE id = $2")
            .bind(drawn)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A record with the version a form or an API call sends back to edit it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Versioned<T> {
    /// The record.
    #[serde(flatten)]
    pub record: T,
    /// Its version.
    pub version: i64,
}

/// Who funds through what: every funder, scheme and envelope with its version, in code order.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FundingReferential {
    /// Funders.
    pub funders: Vec<Versioned<Funder>>,
    /// Schemes.
    pub schemes: Vec<Versioned<Scheme>>,
    /// Envelopes.
    pub envelopes: Vec<Versioned<Envelope>>,
}

impl Store {
    /// Every funder, scheme and envelope, with its version.
    pub async fn funding_referential(&self) -> Result<FundingReferential> {
        let mut tx = self.begin_read().await?;
        let funders = sqlx::query_as::<_, super::FunderRow>(&format!(
            "SELECT {}, version FROM funders ORDER BY code",
            super::FUNDER_COLUMNS
        ))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            let (record, version) = super::funder_from(r)?;
            Ok(Versioned { record, version })
        })
        .collect::<Result<_>>()?;
        let schemes = sqlx::query_as::<_, super::SchemeRow>(&format!(
            "SELECT {}, version FROM schemes ORDER BY code",
            super::SCHEME_COLUMNS
        ))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            let (record, version) = super::scheme_from(r)?;
            Ok(Versioned { record, version })
        })
        .collect::<Result<_>>()?;
        let envelopes = sqlx::query_as::<_, (String, String, Option<String>, String, String, i64, i64)>(
            "SELECT code, scheme_code, region_code, starts_on, ends_on, amount_cents, version FROM envelopes ORDER BY code",
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(code, scheme, region, starts_on, ends_on, amount, version)| {
            Ok(Versioned {
                record: super::envelope_from((code, scheme, region, starts_on, ends_on, amount))?,
                version,
            })
        })
        .collect::<Result<_>>()?;
        tx.commit().await?;
        Ok(FundingReferential {
            funders,
            schemes,
            envelopes,
        })
    }
}

impl Store {
    /// The fiche action of `code` as stored now, with its version, read from the database: an edit
    /// needs the record, not the read model (which a write just before may still be indexing).
    pub async fn stored_project(&self, code: &str) -> Result<Option<(Project, i64)>> {
        let mut tx = self.begin_read().await?;
        let (mut projects, versions) = load_projects(&mut tx, Some(code)).await?;
        tx.commit().await?;
        Ok(projects.pop().zip(versions.first().copied()))
    }
}
