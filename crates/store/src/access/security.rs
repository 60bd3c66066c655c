//! The security log: sign-ins, failures, refusals, sign-outs — apart from the business audit, which
//! records changes to the programme's data. The sign-in throttle reads its recent failures.

use serde::Serialize;
use territoires_domain::access::security::SecurityEvent;

use crate::{now, stamp, Result, Store};

/// An entry of the security log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SecurityEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// What happened (`connexion`, `echec_connexion`…).
    pub event: String,
    /// The account concerned, as typed (lowercased) for a failure.
    pub account: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// More, if any.
    pub detail: Option<String>,
}

impl Store {
    /// Appends to the security log.
    pub async fn record_security_event(
        &self,
        event: SecurityEvent,
        account: Option<&str>,
        address: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO security_log (at, event, account, address, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now())
        .bind(event.code())
        .bind(account.map(|a| a.trim().to_lowercase()))
        .bind(address)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Failed sign-ins within the last `window`: on `account`, and from `address`.
    pub async fn recent_sign_in_failures(
        &self,
        account: &str,
        address: &str,
        window: time::Duration,
    ) -> Result<(i64, i64)> {
        let since = stamp(time::OffsetDateTime::now_utc() - window);
        let failed = SecurityEvent::SignInFailed.code();
        let by_account: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM security_log WHERE account = $1 AND event = $2 AND at > $3",
        )
        .bind(account.trim().to_lowercase())
        .bind(failed)
        .bind(&since)
        .fetch_one(&self.pool)
        .await?;
        let by_address: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM security_log WHERE address = $1 AND event = $2 AND at > $3",
        )
        .bind(address)
        .bind(failed)
        .bind(&since)
        .fetch_one(&self.pool)
        .await?;
        Ok((by_account, by_address))
    }

    /// The latest entries of the security log, newest first.
    pub async fn security_log(&self, limit: i64) -> Result<Vec<SecurityEntry>> {
        Ok(sqlx::query_as(
            "SELECT at, event, account, address, detail FROM security_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
