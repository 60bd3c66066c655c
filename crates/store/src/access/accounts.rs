//! User accounts and sessions. Passwords arrive already hashed (argon2, in the web layer) and session
//! tokens as hashes: this module never sees a secret.

use serde::Serialize;
use territoires_domain::access::Profile;

use super::Author;
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
    /// The ProConnect ID token, when the session was opened through ProConnect (signing out sends it to
    /// the provider's end-session endpoint).
    pub id_token: Option<String>,
}

/// An account as its administrators see it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountEntry {
    /// E-mail, the login.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Profile, stored form.
    pub profile: String,
    /// Since when (RFC 3339).
    pub created_at: String,
    /// Disabled since, if disabled.
    pub disabled_at: Option<String>,
    /// Whether the account signs in with ProConnect.
    pub proconnect: bool,
    /// Whether the account has a password of its own.
    pub local_password: bool,
}

/// Whether `viewer` (none: the platform's own tools) administers what has the stored profile `stored`.
pub(crate) fn administered_by(viewer: Option<&Profile>, stored: &str) -> bool {
    viewer.is_none_or(|v| stored.parse::<Profile>().is_ok_and(|p| v.may_grant(&p)))
}

/// The id of the active account `email` (lowercased), refused unless `author` administers its profile.
pub(crate) async fn active_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &str,
    author: &Author<'_>,
) -> Result<i64> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, profile FROM users WHERE email = $1 AND disabled_at IS NULL")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
    let (id, profile) = row.ok_or_else(|| StoreError::NotFound(format!("compte actif {email}")))?;
    check_grant(author, &profile.parse()?)?;
    Ok(id)
}

/// Refuses a write about an account of profile `profile` by an author who may not give that profile.
pub(crate) fn check_grant(author: &Author<'_>, profile: &Profile) -> Result<()> {
    match author.profile {
        Some(mine) if !mine.may_grant(profile) => Err(StoreError::Forbidden(format!(
            "Votre profil ({}) ne permet pas d'administrer le profil « {} ».",
            mine.label(),
            profile.label()
        ))),
        _ => Ok(()),
    }
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

/// Creates an account within `tx`, tied to a ProConnect subject when `proconnect_sub` is given.
pub(crate) async fn create_user_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &str,
    name: &str,
    password_hash: &str,
    profile: &Profile,
    proconnect_sub: Option<&str>,
    author: Author<'_>,
) -> Result<()> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || name.trim().is_empty() {
        return Err(StoreError::Invalid(territoires_domain::DomainError::Rule(
            "un compte demande une adresse électronique et un nom".into(),
        )));
    }
    check_grant(&author, profile)?;
    check_scope_exists(tx, profile).await?;
    sqlx::query(
        "INSERT INTO users (email, name, password_hash, profile, created_at, proconnect_sub)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&email)
    .bind(name.trim())
    .bind(password_hash)
    .bind(profile.to_string())
    .bind(now())
    .bind(proconnect_sub)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, || format!("un compte {email} existe déjà")))?;
    Audit {
        actor: author.actor,
        action: "create_user",
        entity: "user",
        entity_key: email.clone(),
        before: None,
        after: Some(serde_json::json!({
            "name": name.trim(),
            "profile": profile.to_string(),
            "proconnect": proconnect_sub.is_some(),
        })),
    }
    .record(tx)
    .await
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
        author: Author<'_>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        create_user_in(&mut tx, email, name, password_hash, profile, None, author).await?;
        tx.commit().await
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

    /// Opens a session for a user until `expires_at` (RFC 3339), keeping the ProConnect ID token of a
    /// ProConnect sign-in.
    pub async fn open_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: &str,
        id_token: Option<&str>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, id_token) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(expires_at)
            .bind(id_token)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The live session with this token hash, if any.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row: Option<(i64, String, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.profile, s.csrf_token, s.id_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, email, name, profile, csrf_token, id_token)| {
            Ok(Session {
                user: user_from((id, email, name, profile))?,
                csrf_token,
                id_token,
            })
        })
        .transpose()
    }

    /// Gives an account another profile (whose scope must exist); its open sessions take it at once. The
    /// author must be able to give both the account's profile and the new one.
    pub async fn set_profile(
        &self,
        email: &str,
        profile: &Profile,
        author: Author<'_>,
    ) -> Result<()> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        check_scope_exists(&mut tx, profile).await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT profile FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut **tx)
                .await?;
        let before = before.ok_or_else(|| StoreError::NotFound(format!("compte {email}")))?;
        check_grant(&author, &before.parse()?)?;
        check_grant(&author, profile)?;
        sqlx::query("UPDATE users SET profile = $1 WHERE email = $2")
            .bind(profile.to_string())
            .bind(&email)
            .execute(&mut **tx)
            .await?;
        Audit {
            actor: author.actor,
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
    pub async fn disable_user(&self, email: &str, author: Author<'_>) -> Result<()> {
        let email = email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        let id = active_account(&mut tx, &email, &author).await?;
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
            actor: author.actor,
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

    /// The accounts `viewer` administers (all of them for the platform's tools), by e-mail.
    pub async fn accounts(&self, viewer: Option<&Profile>) -> Result<Vec<AccountEntry>> {
        type Row = (String, String, String, String, Option<String>, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT email, name, profile, created_at, disabled_at,
                    CASE WHEN proconnect_sub IS NULL THEN 0 ELSE 1 END,
                    CASE WHEN password_hash = '' THEN 0 ELSE 1 END
             FROM users ORDER BY email",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(email, name, profile, created_at, disabled_at, pc, local)| AccountEntry {
                    email,
                    name,
                    profile,
                    created_at,
                    disabled_at,
                    proconnect: pc == 1,
                    local_password: local == 1,
                },
            )
            .filter(|a| administered_by(viewer, &a.profile))
            .collect())
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

/// A profile an administrator may give: its stored form and its label.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileChoice {
    /// Stored form (`region:44`…).
    pub value: String,
    /// What users read.
    pub label: String,
}

impl Store {
    /// The profiles `viewer` may give, in the order an administrator looks for them: national, regions,
    /// territories (current phase first), operators.
    pub async fn profile_choices(&self, viewer: &Profile) -> Result<Vec<ProfileChoice>> {
        let registry = self.registry().await?;
        let snapshot = self.snapshot().await?;
        let mut choices = vec![ProfileChoice {
            value: Profile::National.to_string(),
            label: Profile::National.label(),
        }];
        for region in &registry.regions {
            choices.push(ProfileChoice {
                value: format!("region:{}", region.code),
                label: format!("Pilote régional — {}", region.name),
            });
        }
        let mut territories: Vec<_> = registry.territories.iter().collect();
        territories.sort_by(|a, b| b.phase.cmp(&a.phase).then(a.id.cmp(&b.id)));
        for t in territories {
            choices.push(ProfileChoice {
                value: format!("territoire:{}/{}", t.phase, t.id),
                label: format!("Équipe du territoire — {} ({}, {})", t.name, t.id, t.phase),
            });
        }
        for funder in &snapshot.portfolio.stored.portfolio.funders {
            choices.push(ProfileChoice {
                value: format!("operateur:{}", funder.code),
                label: format!("Opérateur — {}", funder.name),
            });
        }
        Ok(choices
            .into_iter()
            .filter(|c| administered_by(Some(viewer), &c.value))
            .collect())
    }
}
