//! One-time password-reset links, for local accounts (people outside ProConnect, such as the industrialist
//! of a binôme): an administrator issues one, the holder sets a new password once, within a day.

use time::{Duration, OffsetDateTime};

use super::accounts::active_account;
use super::Author;
use crate::audit::Audit;
use crate::{now, stamp, Result, Store, StoreError};

/// How long a reset link stays valid.
pub const RESET_LIFETIME: Duration = Duration::hours(24);

impl Store {
    /// Records a reset link for the active account `email` (the author must administer its profile),
    /// kept as the hash of its secret. Returns its expiry (RFC 3339).
    pub async fn issue_password_reset(
        &self,
        email: &str,
        token_hash: &str,
        author: Author<'_>,
    ) -> Result<String> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        let id = active_account(&mut tx, &email, &author).await?;
        let expires = stamp(OffsetDateTime::now_utc() + RESET_LIFETIME);
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(id)
        .bind(author.actor)
        .bind(now())
        .bind(&expires)
        .execute(&mut **tx)
        .await?;
        Audit {
            actor: author.actor,
            action: "issue_password_reset",
            entity: "user",
            entity_key: email,
            before: None,
            after: Some(serde_json::json!({ "expires_at": expires })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(expires)
    }

    /// The account a live reset link is for (unused, unexpired, account active), by e-mail.
    pub async fn password_reset_account(&self, token_hash: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Sets the password of a live reset link's account and uses the link up; the account's sessions end
    /// (whoever had the old password is signed out). Returns the account's e-mail.
    pub async fn reset_password(&self, token_hash: &str, password_hash: &str) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&mut **tx)
        .await?;
        let (id, email) = row.ok_or_else(|| {
            StoreError::NotFound(
                "lien de réinitialisation valide (déjà utilisé ou expiré ?)".into(),
            )
        })?;
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE token_hash = $2")
            .bind(now())
            .bind(token_hash)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Audit {
            actor: &format!("user:{email}"),
            action: "reset_password",
            entity: "user",
            entity_key: email.clone(),
            before: None,
            after: Some(serde_json::json!({ "password": "changé" })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(email)
    }
}
