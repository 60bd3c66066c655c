//! Economic land on the site: the observatory of an area on a date, the brownfields behind each of its
//! figures, and their export in the CNIG standard.

pub mod api;
pub mod observatory;

use serde::Deserialize;
use territoires_domain::fr::iso_date;
use territoires_domain::land::area::{Area, LandFrame};
use territoires_domain::land::brownfield::BrownfieldStatus;
use territoires_domain::phase::Phase;

use crate::params::{as_of, bad, given, parse, urlencode};
use crate::{AppState, WebError};

/// What an observatory or a list is asked for: phase, area, date, and for lists a status and a start.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LandParams {
    /// `2018-2022` or `2023-2027`: the phase a territory's id is read in (default: the latest).
    pub phase: Option<String>,
    /// `france`, `region:44`, `territoire:ti-4401` or `epci:SIREN`.
    pub perimetre: Option<String>,
    /// Date, AAAA-MM-JJ (default today).
    pub date: Option<String>,
    /// Only the brownfields of this status on the date (`sans_projet`…).
    pub statut: Option<String>,
    /// The list starts after this site id.
    pub apres: Option<String>,
}

/// A parsed [`LandParams`].
#[derive(Debug, Clone)]
pub struct LandQuery {
    /// Area and date.
    pub frame: LandFrame,
    /// The status asked for.
    pub status: Option<BrownfieldStatus>,
    /// Where the list starts.
    pub after: Option<String>,
}

impl LandParams {
    /// Parses the parameters, naming the wrong one.
    pub fn parse(&self) -> Result<LandQuery, WebError> {
        let status = given(&self.statut)
            .map(|s| BrownfieldStatus::parse(s).map_err(|e| bad("statut", e)))
            .transpose()?;
        let after = given(&self.apres).map(str::to_owned);
        if let Some(a) = &after {
            territoires_domain::text::check_code("apres", a).map_err(|e| bad("apres", e))?;
        }
        Ok(LandQuery {
            frame: LandFrame {
                phase: parse::<Phase>("phase", &self.phase)?.unwrap_or(Phase::Second),
                area: parse::<Area>("perimetre", &self.perimetre)?.unwrap_or(Area::France),
                on: as_of(&self.date)?,
            },
            status,
            after,
        })
    }
}

impl LandQuery {
    /// The query string of the frame (phase, area, date), for links.
    pub fn frame_query(&self) -> String {
        format!(
            "phase={}&perimetre={}&date={}",
            self.frame.phase.slug(),
            urlencode(&self.frame.area.to_string()),
            iso_date(self.frame.on)
        )
    }
}

/// The area's name, as the page titles it.
pub async fn area_name(state: &AppState, q: &LandQuery) -> Result<String, WebError> {
    Ok(match &q.frame.area {
        Area::France => "France entière".into(),
        Area::Region(code) => match state.store.region(code.as_str()).await? {
            Some(r) => format!("Région {}", r.name),
            None => return Err(bad("perimetre", format!("aucune région de code {code}"))),
        },
        Area::Territory(id) => {
            let scope = territoires_domain::bilan::frame::Scope::Territory(id.clone());
            state.store.scope_name(q.frame.phase, &scope).await?
        }
        Area::Epci(siren) => match state.store.grouping(siren.as_str()).await? {
            Some(e) => format!("EPCI {}", e.name),
            None => return Err(bad("perimetre", format!("aucun EPCI de SIREN {siren}"))),
        },
    })
}
