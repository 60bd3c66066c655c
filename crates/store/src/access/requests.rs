//! ProConnect sign-ins: the flows under way at the provider, the agent a sign-in names (an account, or an
//! access request when the platform does not know them), and the decisions on access requests.

use serde::Serialize;
use territoires_domain::access::requests::RequestStatus;
use territoires_domain::access::Profile;
use time::{Duration, OffsetDateTime};

use super::accounts::{check_grant, create_user_in, User};
use super::Author;
use crate::audit::Audit;
use crate::{now, stamp, Result, Store, StoreError};

/// How long a sign-in may stay at the provider.
const FLOW_LIFETIME: Duration = Duration::minutes(10);

/// A sign-in under way: what its answer is checked against.
#[derive(Debug, Clone)]
pub struct SignInFlow {
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier of the code's challenge.
    pub pkce_verifier: String,
    /// Where to go once signed in (a local path).
    pub next: String,
}

/// The agent as ProConnect describes them (userinfo claims).
#[derive(Debug, Clone)]
pub struct Agent {
    /// ProConnect's subject: stable, unlike the e-mail.
    pub sub: String,
    /// Professional e-mail.
    pub email: String,
    /// First name(s).
    pub given_name: String,
    /// Last name.
    pub usual_name: String,
    /// SIRET of the agent's organisation.
    pub siret: Option<String>,
    /// Name of the organisation.
    pub organization: Option<String>,
}

/// Whom a ProConnect sign-in turns out to be.
#[derive(Debug, Clone)]
pub enum ProConnectSignIn {
    /// An account: sign them in.
    Known(User),
    /// Their account is disabled.
    Disabled,
    /// Unknown until now: an access request was just recorded.
    Requested,
    /// Their access request still waits for a decision.
    Pending,
    /// Their access request was refused.
    Refused {
        /// Why, as the administrator wrote it.
        reason: Option<String>,
    },
}

/// An access request as administrators see it.
#[derive(Debug, Clone, Serialize)]
pub struct AccessRequest {
    /// Id.
    pub id: i64,
    /// Professional e-mail.
    pub email: String,
    /// First name(s) and last name.
    pub name: String,
    /// SIRET of the organisation.
    pub siret: Option<String>,
    /// Organisation.
    pub organization: Option<String>,
    /// When (RFC 3339).
    pub requested_at: String,
    /// Pending, granted or refused (stored code).
    pub status: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The profile granted.
    pub profile: Option<String>,
    /// Why refused.
    pub reason: Option<String>,
}

/// An administrator's decision on an access request.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Create the account with this profile.
    Grant(Profile),
    /// Refuse, saying why.
    Refuse(String),
}

impl Store {
    /// Records a sign-in leaving for the provider (and forgets those that never came back).
    pub async fn begin_sign_in_flow(&self, state: &str, flow: &SignInFlow) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sign_in_flows WHERE created_at < $1")
            .bind(stamp(OffsetDateTime::now_utc() - FLOW_LIFETIME))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_flows (state, nonce, pkce_verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(state)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.next)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The sign-in of `state`, if it is recent; it can be taken only once (a replayed answer finds
    /// nothing).
    pub async fn take_sign_in_flow(&self, state: &str) -> Result<Option<SignInFlow>> {
        let row: Option<(String, String, String, String)> = sqlx::query_as(
            "DELETE FROM sign_in_flows WHERE state = $1 RETURNING nonce, pkce_verifier, next, created_at",
        )
        .bind(state)
        .fetch_optional(&self.pool)
        .await?;
        let oldest = stamp(OffsetDateTime::now_utc() - FLOW_LIFETIME);
        Ok(row
            .filter(|(_, _, _, created_at)| *created_at >= oldest)
            .map(|(nonce, pkce_verifier, next, _)| SignInFlow {
                nonce,
                pkce_verifier,
                next,
            }))
    }

    /// Whom a ProConnect sign-in names: the account tied to the agent's subject; else an active account
    /// of the same e-mail not tied yet, which gets tied (ProConnect's e-mails are checked by the agents'
    /// identity providers); else their access request, recorded now if they have none.
    pub async fn proconnect_sign_in(&self, agent: &Agent) -> Result<ProConnectSignIn> {
        let email = agent.email.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        let by_sub: Option<(i64, String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, email, name, profile, disabled_at FROM users WHERE proconnect_sub = $1",
        )
        .bind(&agent.sub)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((id, email, name, profile, disabled_at)) = by_sub {
            tx.commit().await?;
            return Ok(match disabled_at {
                Some(_) => ProConnectSignIn::Disabled,
                None => ProConnectSignIn::Known(User {
                    id,
                    email,
                    name,
                    profile: profile.parse()?,
                }),
            });
        }
        let by_email: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, name, profile, disabled_at FROM users WHERE email = $1 AND proconnect_sub IS NULL",
        )
        .bind(&email)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((id, name, profile, disabled_at)) = by_email {
            if disabled_at.is_some() {
                tx.commit().await?;
                return Ok(ProConnectSignIn::Disabled);
            }
            sqlx::query("UPDATE users SET proconnect_sub = $1 WHERE id = $2")
                .bind(&agent.sub)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Audit {
                actor: &format!("user:{email}"),
                action: "link_proconnect",
                entity: "user",
                entity_key: email.clone(),
                before: None,
                after: Some(serde_json::json!({ "proconnect": true })),
            }
            .record(&mut tx)
            .await?;
            tx.commit().await?;
            return Ok(ProConnectSignIn::Known(User {
                id,
                email,
                name,
                profile: profile.parse()?,
            }));
        }
        let request: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT status, reason FROM access_requests WHERE proconnect_sub = $1")
                .bind(&agent.sub)
                .fetch_optional(&mut **tx)
                .await?;
        let outcome = match request {
            Some((status, reason)) => match status.parse()? {
                RequestStatus::Refused => ProConnectSignIn::Refused { reason },
                // Granted, yet no account tied to the subject: the account was since given another
                // subject or removed; the request waits again.
                RequestStatus::Pending | RequestStatus::Granted => {
                    sqlx::query(
                        "UPDATE access_requests SET email = $1, given_name = $2, usual_name = $3,
                         siret = $4, organization = $5, status = $6 WHERE proconnect_sub = $7",
                    )
                    .bind(&email)
                    .bind(&agent.given_name)
                    .bind(&agent.usual_name)
                    .bind(&agent.siret)
                    .bind(&agent.organization)
                    .bind(RequestStatus::Pending.to_string())
                    .bind(&agent.sub)
                    .execute(&mut **tx)
                    .await?;
                    ProConnectSignIn::Pending
                }
            },
            None => {
                sqlx::query(
                    "INSERT INTO access_requests (proconnect_sub, email, given_name, usual_name, siret,
                     organization, requested_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&agent.sub)
                .bind(&email)
                .bind(&agent.given_name)
                .bind(&agent.usual_name)
                .bind(&agent.siret)
                .bind(&agent.organization)
                .bind(now())
                .bind(RequestStatus::Pending.to_string())
                .execute(&mut **tx)
                .await?;
                ProConnectSignIn::Requested
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Access requests, pending first then the latest decisions (at most `limit` of those).
    pub async fn access_requests(&self, limit: i64) -> Result<Vec<AccessRequest>> {
        type Row = (
            i64,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT * FROM (
                 SELECT id, email, given_name, usual_name, siret, organization, requested_at, status,
                        decided_by, decided_at, profile, reason
                 FROM access_requests WHERE status = $1
                 UNION ALL
                 SELECT * FROM (
                     SELECT id, email, given_name, usual_name, siret, organization, requested_at, status,
                            decided_by, decided_at, profile, reason
                     FROM access_requests WHERE status <> $1 ORDER BY decided_at DESC LIMIT $2) decided
             ) requests ORDER BY CASE WHEN status = $1 THEN 0 ELSE 1 END, requested_at",
        )
        .bind(RequestStatus::Pending.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    email,
                    given,
                    usual,
                    siret,
                    organization,
                    requested_at,
                    status,
                    decided_by,
                    decided_at,
                    profile,
                    reason,
                )| AccessRequest {
                    id,
                    email,
                    name: format!("{given} {usual}").trim().to_owned(),
                    siret,
                    organization,
                    requested_at,
                    status,
                    decided_by,
                    decided_at,
                    profile,
                    reason,
                },
            )
            .collect())
    }

    /// Decides a pending access request: grants it (the account is created with the profile, which the
    /// author must be able to give) or refuses it. Returns the agent's e-mail.
    pub async fn decide_access_request(
        &self,
        id: i64,
        decision: &Decision,
        author: Author<'_>,
    ) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let row: Option<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT proconnect_sub, email, given_name, usual_name, status FROM access_requests WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        let (sub, email, given, usual, status) =
            row.ok_or_else(|| StoreError::NotFound(format!("demande d'accès n° {id}")))?;
        let status: RequestStatus = status.parse()?;
        if status != RequestStatus::Pending {
            return Err(StoreError::Conflict(format!(
                "la demande de {email} a déjà été {}",
                status.label()
            )));
        }
        let (profile, reason) = match decision {
            Decision::Grant(profile) => {
                check_grant(&author, profile)?;
                let name = format!("{given} {usual}");
                create_user_in(&mut tx, &email, &name, "", profile, Some(&sub), author).await?;
                (Some(profile.to_string()), None)
            }
            Decision::Refuse(reason) => {
                // Whoever administers accounts may refuse; a reason is owed to the agent.
                if reason.trim().is_empty() {
                    return Err(StoreError::Invalid(territoires_domain::DomainError::Rule(
                        "un refus demande un motif, que l'agent lira".into(),
                    )));
                }
                (None, Some(reason.trim().to_owned()))
            }
        };
        let new_status = match decision {
            Decision::Grant(_) => RequestStatus::Granted,
            Decision::Refuse(_) => RequestStatus::Refused,
        };
        sqlx::query(
            "UPDATE access_requests SET status = $1, decided_by = $2, decided_at = $3, profile = $4, reason = $5
             WHERE id = $6",
        )
        .bind(new_status.to_string())
        .bind(author.actor)
        .bind(now())
        .bind(&profile)
        .bind(&reason)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Audit {
            actor: author.actor,
            action: match decision {
                Decision::Grant(_) => "grant_access",
                Decision::Refuse(_) => "refuse_access",
            },
            entity: "access_request",
            entity_key: email.clone(),
            before: Some(serde_json::json!({ "status": status.to_string() })),
            after: Some(serde_json::json!({
                "status": new_status.to_string(),
                "profile": profile,
                "reason": reason,
            })),
        }
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(email)
    }
}
