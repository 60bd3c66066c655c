//! User accounts and sessions. Passwords arrive already hashed (argon2, in the web layer) and session
//! tokens as hashes: this module never sees a secret.

use serde::Serialize;
use territoires_domain::access::Profile;

use crate::audit::Audit;
use crate::{now, Result, Store, StoreError};

/// A user account.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// E-mail, the login.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Profile and scope.
    pub profile: Profile,
}

/// A session with its user and its CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The token forms must send back.
    pub csrf_token: String,
}

type UserRow = (i64, String, String, String);

fn user_from((id, email, name, profile): UserRow) -> Result<User> {
    Ok(User {
        id,
        email,
        name,
        profile: profile.parse()?,
    })
}

/// Refuses a profile whose scope names a region, territory or funder that does not exist.
pub(crate) async fn check_scope_exists(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    profile: &Profile,
) -> Result<()> {
    let (sql, keys, what) = match profile {
        Profile::National => return Ok(()),
        Profile::RegionalPilot(region) => (
            "SELECT COUNT(*) FROM regions WHERE code = $1",
            vec![region.to_string()],
            format!("la région {region}"),
        ),
        Profile::TerritoryTeam(phase, id) => (
            "SELECT COUNT(*) FROM territories WHERE phase = $1 AND id = $2",
            vec![phase.to_string(), id.to_string()],
            format!("le territoire {id} ({phase})"),
        ),
        Profile::Operator(funder) => (
            "SELECT COUNT(*) FROM funders WHERE code = $1",
            vec![funder.clone()],
            format!("le financeur « {funder} »"),
        ),
    };
    let mut query = sqlx::query_scalar::<_, i64>(sql);
    for key in keys {
        query = query.bind(key);
    }
    if query.fetch_one(&mut **tx).await? == 0 {
        return Err(StoreError::Invalid(territoires_domain::DomainError::Rule(
            format!("profil « {profile} » : {what} n'existe pas"),
        )));
    }
    Ok(())
}

impl Store {
    /// Creates an account (its profile's region, territory or funder must exist); a second account with
    /// the same e-mail is a conflict.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        profile: &Profile,
        actor: &str,
    ) -> Result<()> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || name.trim().is_empty() {
            return Err(StoreError::Invalid(territoires_domain::DomainError::Rule(
                "un compte demande une adresse électronique et un nom".into(),
            )));
        }
        let mut tx = self.begin_write().await?;
        check_scope_exists(&mut tx, profile).await?;
        sqlx::query("INSERT INTO users (email, name, password_hash, profile, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&email)
            .bind(name.trim())
            .bind(password_hash)
            .bind(profile.to_string())
            .bind(now())
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, || format!("un compte {email} existe déjà")))?;
        Audit {
            actor,
            action: "create_user",
            entity: "user",
            entity_key: email.clone(),
            before: None,
            after: Some(serde_json::json!({ "name": name.trim(), "profile": profile.to_string() })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account and its password hash, by e-mail.
    pub async fn user_credentials(&self, email: &str) -> Result<Option<(User, String)>> {
        let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, email, name, profile, password_hash FROM users
             WHERE email = $1 AND disabled_at IS NULL",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, email, name, profile, hash)| {
            Ok((user_from((id, email, name, profile))?, hash))
        })
        .transpose()
    }

    /// Opens a session for a user until `expires_at` (RFC 3339).
    pub async fn open_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The live session with this token hash, if any.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.profile, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, email, name, profile, csrf_token)| {
            Ok(Session {
                user: user_from((id, email, name, profile))?,
                csrf_token,
            })
        })
        .transpose()
    }

    /// Gives an account another profile (whose scope must exist); its open sessions take it at once.
    pub async fn set_profile(&self, email: &str, profile: &Profile, actor: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        check_scope_exists(&mut tx, profile).await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT profile FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut **tx)
                .await?;
        let before = before.ok_or_else(|| StoreError::NotFound(format!("compte {email}")))?;
        sqlx::query("UPDATE users SET profile = $1 WHERE email = $2")
            .bind(profile.to_string())
            .bind(&email)
            .execute(&mut **tx)
            .await?;
        Audit {
            actor,
            action: "set_profile",
            entity: "user",
            entity_key: email,
            before: Some(serde_json::json!({ "profile": before })),
            after: Some(serde_json::json!({ "profile": profile.to_string() })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await
    }

    /// Disables an account: it can no longer sign in, and its sessions end now.
    pub async fn disable_user(&self, email: &str, actor: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND disabled_at IS NULL")
                .bind(&email)
                .fetch_optional(&mut **tx)
                .await?;
        let id = id.ok_or_else(|| StoreError::NotFound(format!("compte actif {email}")))?;
        sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Audit {
            actor,
            action: "disable_user",
            entity: "user",
            entity_key: email,
            before: None,
            after: Some(serde_json::json!({ "disabled": true })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await
    }

    /// Ends a session.
    pub async fn close_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
