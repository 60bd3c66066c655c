//! API tokens: how machines write (an operator pushing its commitments). A token has a name, a profile
//! like a user's, an expiry, and may be revoked. Only a hash of its secret is stored: the secret is shown
//! once, by whoever issues it (CLI or web), and never reaches this module.

use serde::Serialize;
use territoires_domain::access::Profile;

use super::accounts::{administered_by, check_grant, check_scope_exists};
use super::Author;
use crate::audit::Audit;
use crate::{now, Result, Store, StoreError};

/// A live token: its name (in the audit log, `token:NAME`) and its profile.
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    /// Name, unique.
    pub name: String,
    /// What it may do.
    pub profile: Profile,
}

/// A token as its administrators see it (never its secret).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TokenEntry {
    /// Name, unique.
    pub name: String,
    /// Profile, stored form.
    pub profile: String,
    /// Who issued it.
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// Until when.
    pub expires_at: String,
    /// Revoked since, if revoked.
    pub revoked_at: Option<String>,
    /// Whether it works now: neither revoked nor expired.
    #[sqlx(skip)]
    pub live: bool,
}

impl Store {
    /// Records a new token of `name` (unique), valid until `expires_at` (RFC 3339), whose profile's scope
    /// must exist.
    pub async fn issue_token(
        &self,
        name: &str,
        token_hash: &str,
        profile: &Profile,
        expires_at: &str,
        author: Author<'_>,
    ) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(territoires_domain::DomainError::Rule(
                "un jeton demande un nom".into(),
            )));
        }
        check_grant(&author, profile)?;
        let mut tx = self.begin_write().await?;
        check_scope_exists(&mut tx, profile).await?;
        sqlx::query(
            "INSERT INTO api_tokens (name, token_hash, profile, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name)
        .bind(token_hash)
        .bind(profile.to_string())
        .bind(author.actor)
        .bind(now())
        .bind(expires_at)
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            StoreError::conflict_on_unique(e, || format!("un jeton « {name} » existe déjà"))
        })?;
        Audit {
            actor: author.actor,
            action: "issue_token",
            entity: "api_token",
            entity_key: name.to_owned(),
            before: None,
            after: Some(
                serde_json::json!({ "profile": profile.to_string(), "expires_at": expires_at }),
            ),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await
    }

    /// The live token (not revoked, not expired) with this secret's hash.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT name, profile FROM api_tokens
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(name, profile)| {
            Ok(ApiToken {
                name,
                profile: profile.parse()?,
            })
        })
        .transpose()
    }

    /// The tokens `viewer` administers (all of them for the platform's tools), newest first.
    pub async fn api_tokens(&self, viewer: Option<&Profile>) -> Result<Vec<TokenEntry>> {
        let rows: Vec<TokenEntry> = sqlx::query_as(
            "SELECT name, profile, created_by, created_at, expires_at, revoked_at
             FROM api_tokens ORDER BY created_at DESC, name",
        )
        .fetch_all(&self.pool)
        .await?;
        let now = now();
        Ok(rows
            .into_iter()
            .filter(|t| administered_by(viewer, &t.profile))
            .map(|t| TokenEntry {
                live: t.revoked_at.is_none() && t.expires_at > now,
                ..t
            })
            .collect())
    }

    /// Revokes the token `name` (the author must administer its profile): it stops working at once.
    pub async fn revoke_token(&self, name: &str, author: Author<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let profile: Option<String> = sqlx::query_scalar(
            "SELECT profile FROM api_tokens WHERE name = $1 AND revoked_at IS NULL",
        )
        .bind(name.trim())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(profile) = profile {
            check_grant(&author, &profile.parse()?)?;
        }
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(name.trim())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Err(StoreError::NotFound(format!(
                "jeton actif « {} »",
                name.trim()
            )));
        }
        Audit {
            actor: author.actor,
            action: "revoke_token",
            entity: "api_token",
            entity_key: name.trim().to_owned(),
            before: None,
            after: Some(serde_json::json!({ "revoked": true })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await
    }
}
