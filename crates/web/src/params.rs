//! Query parameters, parsed into the store's queries with errors that name the parameter.

use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use territoires_domain::bilan::frame::{Frame, Scope};
use territoires_domain::error::excerpt;
use territoires_domain::fr::parse_date;
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::order::{Cursor, Order};
use territoires_domain::portfolio::project::{Axis, ProjectStatus};
use territoires_domain::registry::progress::Stage;
use territoires_domain::DomainError;
use territoires_ingest::bilan::MapIndicator;
use territoires_store::bilan::ProjectQuery;
use territoires_store::registry::territories::{TerritoryKey, TerritoryQuery, TerritorySort};
use time::Date;

use crate::WebError;

/// The query parameters of a request, read like axum's `Query` but refused in French, naming the
/// parameter, as JSON under `/api/` and as a page elsewhere (axum's own refusal is English plain text).
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Params)
            .map_err(|e| unreadable(&e.to_string()).answer_at(parts.uri.path()))
    }
}

/// The parameters in a request's path, read like axum's `Path` but refused in French, naming the parameter
/// and what it expects (a line's `id` is a whole number), as JSON under `/api/`.
pub struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::{ErrorKind, Path, RawPathParams};
        use axum::extract::rejection::PathRejection;
        let rejection = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => return Ok(PathParams(value)),
            Err(rejection) => rejection,
        };
        // A path of one parameter read into a plain type: serde does not name it; the route does.
        let only = match RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) if raw.iter().count() == 1 => raw.iter().next().map(|(k, _)| k.to_owned()),
            _ => None,
        }
        .unwrap_or_default();
        let wrong = |key: &str, value: &str, expected: &str| {
            bad(
                key,
                format!(
                    "« {} » invalide, attendu {}",
                    excerpt(value, 40),
                    type_in_french(expected)
                ),
            )
        };
        let error = match &rejection {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::ParseErrorAtKey {
                    key,
                    value,
                    expected_type,
                } => wrong(key, value, expected_type),
                ErrorKind::ParseErrorAtIndex {
                    value,
                    expected_type,
                    ..
                }
                | ErrorKind::ParseError {
                    value,
                    expected_type,
                } => wrong(&only, value, expected_type),
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    bad(key, "invalide : attendu du texte en UTF-8")
                }
                _ => bad("", "adresse illisible"),
            },
            _ => bad("", "adresse illisible"),
        };
        Err(error.answer_at(parts.uri.path()))
    }
}

/// A type as serde or axum names it (`i64`, `a string`, `integer `1``, `map`), in French words.
pub(crate) fn type_in_french(named: &str) -> &'static str {
    let named = named.trim_start_matches("a ").trim_start_matches("an ");
    match named.split([' ', ':']).next().unwrap_or_default() {
        "string" | "str" | "char" => "du texte",
        "integer" | "i64" | "u64" | "i32" | "u32" | "usize" => "un nombre entier",
        "floating" | "f64" => "un nombre",
        "boolean" | "bool" => "un booléen",
        "map" | "struct" => "un objet",
        "sequence" => "une liste",
        "null" | "unit" => "null",
        _ => "une autre valeur",
    }
}

/// The refusal of a query string serde could not read. Every parameter is read as text and parsed by the
/// domain, so what serde itself refuses is a parameter given twice, or a query that is not
/// `application/x-www-form-urlencoded` at all.
fn unreadable(serde: &str) -> WebError {
    match serde
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(field) => bad(field, "donné plusieurs fois ; attendu une seule valeur"),
        None => bad(
            "",
            "paramètres illisibles ; attendu nom=valeur&nom=valeur, encodés en UTF-8",
        ),
    }
}

/// A parameter as sent: absent and empty (an untouched form field) mean the same.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Parses an optional parameter with the domain's parser.
pub fn parse<T: FromStr<Err = DomainError>>(
    field: &str,
    value: &Option<String>,
) -> Result<Option<T>, WebError> {
    given(value)
        .map(|v| v.parse().map_err(|e: DomainError| bad(field, e)))
        .transpose()
}

/// A bad-request error for `field`.
pub fn bad(field: &str, message: impl ToString) -> WebError {
    WebError::BadRequest {
        field: field.to_owned(),
        message: message.to_string(),
    }
}

/// The `date` parameter: the day figures are read at, today by default.
pub fn as_of(value: &Option<String>) -> Result<Date, WebError> {
    match given(value) {
        Some(v) => parse_date("date", v).map_err(|e| bad("date", e)),
        None => Ok(time::OffsetDateTime::now_utc().date()),
    }
}

/// A code parameter (region, département): digits, or 2A/2B.
pub fn code(field: &str, value: &Option<String>) -> Result<Option<String>, WebError> {
    match given(value) {
        Some(v) if v.len() <= 3 && v.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(Some(v.to_uppercase()))
        }
        Some(_) => Err(bad(field, "attendu un code INSEE (ex. 44, 2A, 974)")),
        None => Ok(None),
    }
}

/// A one-based page number and a page size bounded by `max`.
pub fn paging(
    page: &Option<String>,
    per_page: &Option<String>,
    default: usize,
    max: usize,
) -> Result<(usize, usize), WebError> {
    let number = |field: &str, v: &Option<String>, d: usize| match given(v) {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad(field, "attendu un entier ≥ 1")),
        None => Ok(d),
    };
    let page = number("page", page, 1)?;
    let per_page = number("par_page", per_page, default)?;
    if per_page > max {
        return Err(bad("par_page", format!("au plus {max}")));
    }
    Ok((page, per_page))
}

/// Filters of the territory list, shared by the page, the API and the exports.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TerritoryParams {
    /// `2018-2022` or `2023-2027`.
    pub phase: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Département code.
    pub departement: Option<String>,
    /// Stage code.
    pub statut: Option<String>,
    /// Text search.
    pub q: Option<String>,
    /// `nom`, `id`, `population`, `communes`, `statut`.
    pub tri: Option<String>,
    /// `asc` or `desc`.
    pub ordre: Option<String>,
    /// The `next_cursor` of the page read before (the API): the page after it.
    pub apres: Option<String>,
    /// Page number, from 1.
    pub page: Option<String>,
    /// Page size.
    pub par_page: Option<String>,
    /// Date of the figures, AAAA-MM-JJ.
    pub date: Option<String>,
}

impl TerritoryParams {
    /// The store query for a page of `default` items at most `max`.
    pub fn query(
        &self,
        default: usize,
        max: usize,
    ) -> Result<(TerritoryQuery, usize, usize), WebError> {
        let sort = match given(&self.tri) {
            None | Some("nom") => TerritorySort::Name,
            Some("id") => TerritorySort::Id,
            Some("population") => TerritorySort::Population,
            Some("communes") => TerritorySort::Communes,
            Some("statut") => TerritorySort::Stage,
            Some(_) => {
                return Err(bad(
                    "tri",
                    "attendu nom, id, population, communes ou statut",
                ))
            }
        };
        let descending = match given(&self.ordre) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(bad("ordre", "attendu asc ou desc")),
        };
        let (page, per_page) = paging(&self.page, &self.par_page, default, max)?;
        page_or_cursor(page, given(&self.apres))?;
        let query = TerritoryQuery {
            phase: parse::<Phase>("phase", &self.phase)?,
            region: code("region", &self.region)?,
            departement: code("departement", &self.departement)?,
            stage: parse::<Stage>("statut", &self.statut)?,
            q: given(&self.q).map(str::to_owned),
            as_of: as_of(&self.date)?,
            sort,
            descending,
            after: given(&self.apres)
                .map(|c| decode_cursor(c, |_: &TerritoryKey| true))
                .transpose()?,
            offset: (page - 1) * per_page,
            limit: per_page,
        };
        Ok((query, page, per_page))
    }

    /// The query string of these filters (without the page), for links that keep them.
    pub fn to_query_string(&self, page: Option<usize>) -> String {
        let pairs = [
            ("phase", &self.phase),
            ("region", &self.region),
            ("departement", &self.departement),
            ("statut", &self.statut),
            ("q", &self.q),
            ("tri", &self.tri),
            ("ordre", &self.ordre),
            ("date", &self.date),
        ];
        let mut out: Vec<String> = pairs
            .iter()
            .filter_map(|(k, v)| given(v).map(|v| format!("{k}={}", urlencode(v))))
            .collect();
        if let Some(p) = page {
            out.push(format!("page={p}"));
        }
        out.join("&")
    }
}

/// What a bilan is asked for: phase, scope, date, the start of a period, a scheme and the map's indicator.
/// Shared by the page, the exports, the record lists and the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BilanParams {
    /// `2018-2022` or `2023-2027` (default: the latest phase holding data).
    pub phase: Option<String>,
    /// `france`, `region:44` or `territoire:ti-4401`.
    pub perimetre: Option<String>,
    /// Date, AAAA-MM-JJ (default today).
    pub date: Option<String>,
    /// First day of the period flows are counted over, AAAA-MM-JJ (none: no flows).
    pub du: Option<String>,
    /// Scheme code: only the projects and lines of that scheme.
    pub dispositif: Option<String>,
    /// What the map shows: `stade`, `projets`, `engage`, `verse`.
    pub indicateur: Option<String>,
}

/// A parsed [`BilanParams`].
#[derive(Debug, Clone)]
pub struct BilanQuery {
    /// Phase, scope, date, period and scheme.
    pub frame: Frame,
    /// Map indicator.
    pub indicator: MapIndicator,
}

impl BilanParams {
    /// Parses the parameters, naming the wrong one; `default_phase` when none is given.
    pub fn parse_or(&self, default_phase: Phase) -> Result<BilanQuery, WebError> {
        let phase = parse::<Phase>("phase", &self.phase)?.unwrap_or(default_phase);
        let as_of = as_of(&self.date)?;
        let since = match given(&self.du) {
            Some(v) => Some(parse_date("du", v).map_err(|e| bad("du", e))?),
            None => None,
        };
        let frame = Frame {
            phase,
            scope: parse::<Scope>("perimetre", &self.perimetre)?.unwrap_or(Scope::France),
            as_of,
            since,
            scheme: given(&self.dispositif).map(str::to_owned),
        };
        phase.check_date(as_of).map_err(|e| bad("date", e))?;
        if let Some(s) = since {
            phase.check_date(s).map_err(|e| bad("du", e))?;
        }
        frame.validate().map_err(|e| bad("du", e))?;
        Ok(BilanQuery {
            frame,
            indicator: parse::<MapIndicator>("indicateur", &self.indicateur)?.unwrap_or_default(),
        })
    }
}

impl BilanQuery {
    /// The query string of this bilan's frame (phase, scope, date, period, scheme), for links.
    pub fn frame_query(&self) -> String {
        frame_query(&self.frame)
    }

    /// The query string of this bilan, map indicator included, for links and downloads.
    pub fn to_query_string(&self) -> String {
        format!(
            "{}&indicateur={}",
            self.frame_query(),
            self.indicator.code()
        )
    }
}

/// The query string of a frame: phase, scope, date, and the period and scheme when given.
pub fn frame_query(frame: &Frame) -> String {
    let mut q = format!(
        "phase={}&perimetre={}&date={}",
        frame.phase.slug(),
        urlencode(&frame.scope.to_string()),
        territoires_domain::fr::iso_date(frame.as_of),
    );
    if let Some(since) = frame.since {
        q.push_str(&format!("&du={}", territoires_domain::fr::iso_date(since)));
    }
    if let Some(scheme) = &frame.scheme {
        q.push_str(&format!("&dispositif={}", urlencode(scheme)));
    }
    q
}

/// Filters of the project list: a bilan's parameters plus status, axis, text and page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectParams {
    /// Phase, scope and date.
    #[serde(flatten)]
    pub bilan: BilanParams,
    /// Status code at the date.
    pub statut: Option<String>,
    /// Axis code.
    pub axe: Option<String>,
    /// Text in title, code, holder, themes.
    pub q: Option<String>,
    /// Order: `code` (default), `titre`, `engage`, `-` first for the descending order.
    pub tri: Option<String>,
    /// The cursor of the page read before (its `next_cursor`): the page after it.
    pub apres: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
    /// Page size.
    pub par_page: Option<String>,
}

/// A cursor as the API gives it: the JSON of where a page ended (a fiche's [`Cursor`], a place's key) in
/// URL-safe base64, opaque to clients.
pub fn encode_cursor<T: serde::Serialize>(cursor: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).expect("a cursor serialises"))
}

/// The cursor `text` (an `apres` parameter), if it is one that `accepts` takes.
pub fn decode_cursor<T: serde::de::DeserializeOwned>(
    text: &str,
    accepts: impl Fn(&T) -> bool,
) -> Result<T, WebError> {
    let refused = || {
        bad(
            "apres",
            format!(
                "« {} » invalide, attendu le next_cursor d'une page de la même liste, dans le même tri",
                excerpt(text, 40)
            ),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| refused())?;
    let cursor: T = serde_json::from_slice(&bytes).map_err(|_| refused())?;
    if !accepts(&cursor) {
        return Err(refused());
    }
    Ok(cursor)
}

/// A page number or a cursor, not both.
pub fn page_or_cursor(page: usize, cursor: Option<&str>) -> Result<(), WebError> {
    if cursor.is_some() && page > 1 {
        return Err(bad(
            "page",
            "une page se lit par son numéro ou après un curseur (apres), pas les deux",
        ));
    }
    Ok(())
}

impl ProjectParams {
    /// The store query for a page of `default` items at most `max`, with the page number and size.
    pub fn query(
        &self,
        default_phase: Phase,
        default: usize,
        max: usize,
    ) -> Result<(ProjectQuery, usize, usize), WebError> {
        let b = self.bilan.parse_or(default_phase)?;
        let (page, per_page) = paging(&self.page, &self.par_page, default, max)?;
        let order: Order = parse("tri", &self.tri)?.unwrap_or_default();
        page_or_cursor(page, given(&self.apres))?;
        let after = given(&self.apres)
            .map(|c| decode_cursor(c, |c: &Cursor| order.accepts(c)))
            .transpose()?;
        Ok((
            ProjectQuery {
                frame: b.frame,
                status: parse::<ProjectStatus>("statut", &self.statut)?,
                axis: parse::<Axis>("axe", &self.axe)?,
                q: given(&self.q).map(str::to_owned),
                order,
                after,
                offset: (page - 1) * per_page,
                limit: per_page,
            },
            page,
            per_page,
        ))
    }
}

/// Percent-encodes a query value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_form_fields_are_absent() {
        let p = TerritoryParams {
            phase: Some("".into()),
            region: Some(" ".into()),
            ..Default::default()
        };
        let (q, page, per_page) = p.query(25, 100).unwrap();
        assert_eq!((q.phase, q.region, page, per_page), (None, None, 1, 25));
    }

    #[test]
    fn bad_parameters_are_named() {
        let p = TerritoryParams {
            phase: Some("2020".into()),
            ..Default::default()
        };
        let err = p.query(25, 100).unwrap_err().to_string();
        assert!(err.starts_with("paramètre « phase »"), "{err}");
        let p = TerritoryParams {
            par_page: Some("1000".into()),
            ..Default::default()
        };
        assert!(p
            .query(25, 100)
            .unwrap_err()
            .to_string()
            .contains("par_page"));
        let p = TerritoryParams {
            date: Some("hier".into()),
            ..Default::default()
        };
        assert!(p
            .query(25, 100)
            .unwrap_err()
            .to_string()
            .contains("AAAA-MM-JJ"));
    }

    #[test]
    fn links_keep_filters_and_encode_them() {
        let p = TerritoryParams {
            q: Some("épernay bassin".into()),
            phase: Some("2018-2022".into()),
            ..Default::default()
        };
        assert_eq!(
            p.to_query_string(Some(2)),
            "phase=2018-2022&q=%C3%A9pernay+bassin&page=2"
        );
    }
}
