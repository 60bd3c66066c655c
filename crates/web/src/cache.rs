//! Answers computed from the data are computed once per version of the data: bilans, their PDF and
//! spreadsheets, the home page, lists. The first request at a version renders and compresses the answer;
//! the next ones at the same version get the same bytes, gzipped if they accept it.
//!
//! Only what is the same for every visitor is kept: anonymous `GET`s answered `200` without a cookie. A
//! signed-in user's pages carry their name and forms, so they are always rendered.
//!
//! When many requests for the same answer arrive together at a new version (after a write, every reader of
//! a popular bilan), one computes it and the others wait for its bytes, instead of all computing it at once.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::AppState;

/// The most the cache holds; beyond it, it starts again empty (a new version of the data empties it anyway).
const MAX_BYTES: usize = 64 << 20;
/// The largest answer kept (a national PDF is about 350 KB).
const MAX_ANSWER: usize = 8 << 20;

/// One answer, as rendered and gzipped.
struct Answer {
    headers: HeaderMap,
    body: Bytes,
    gzipped: Option<Bytes>,
}

impl Answer {
    fn size(&self) -> usize {
        self.body.len() + self.gzipped.as_ref().map_or(0, Bytes::len)
    }

    fn response(&self, gzip: bool) -> Response {
        let mut response = Response::new(Body::empty());
        *response.headers_mut() = self.headers.clone();
        let body = match (&self.gzipped, gzip) {
            (Some(gzipped), true) => {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                gzipped.clone()
            }
            _ => self.body.clone(),
        };
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, body.len().into());
        *response.body_mut() = Body::from(body);
        response
    }
}

/// The answers kept at one version of the data, on one day (pages without a date show today).
#[derive(Default)]
pub struct Answers {
    inner: Mutex<Kept>,
    /// The answers being computed, by version, day and request: their computation's outcome, once known
    /// (`None` inside: not kept, each waiting request computes its own).
    computing: Mutex<HashMap<Computing, Outcome>>,
}

type Computing = (i64, time::Date, String);
type Outcome = tokio::sync::watch::Receiver<Option<Option<Arc<Answer>>>>;

/// The request computing an answer for the others; when it ends, even cancelled, the entry goes.
struct Leader<'a> {
    answers: &'a Answers,
    key: Computing,
    sender: tokio::sync::watch::Sender<Option<Option<Arc<Answer>>>>,
}

impl Leader<'_> {
    fn finish(self, answer: Option<Arc<Answer>>) {
        self.sender.send_replace(Some(answer));
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        self.answers
            .computing
            .lock()
            .expect("computing lock")
            .remove(&self.key);
    }
}

/// What a request that finds no answer kept does: compute it for everyone, or wait for the one that is.
enum Miss<'a> {
    Lead(Leader<'a>),
    Wait(Outcome),
}

#[derive(Default)]
struct Kept {
    version: i64,
    day: Option<time::Date>,
    bytes: usize,
    answers: HashMap<String, Arc<Answer>>,
}

impl Answers {
    fn miss(&self, version: i64, day: time::Date, key: &str) -> Miss<'_> {
        let mut computing = self.computing.lock().expect("computing lock");
        let id = (version, day, key.to_owned());
        if let Some(outcome) = computing.get(&id) {
            return Miss::Wait(outcome.clone());
        }
        let (sender, outcome) = tokio::sync::watch::channel(None);
        computing.insert(id.clone(), outcome);
        Miss::Lead(Leader {
            answers: self,
            key: id,
            sender,
        })
    }

    fn get(&self, version: i64, day: time::Date, key: &str) -> Option<Arc<Answer>> {
        let kept = self.inner.lock().expect("answers lock");
        (kept.version == version && kept.day == Some(day))
            .then(|| kept.answers.get(key).cloned())
            .flatten()
    }

    fn put(&self, version: i64, day: time::Date, key: String, answer: Arc<Answer>) {
        let mut kept = self.inner.lock().expect("answers lock");
        if kept.version > version {
            return;
        }
        if kept.version != version
            || kept.day != Some(day)
            || kept.bytes + answer.size() > MAX_BYTES
        {
            *kept = Kept {
                version,
                day: Some(day),
                ..Kept::default()
            };
        }
        kept.bytes += answer.size();
        kept.answers.insert(key, answer);
    }
}

/// Whether a request's answer may be shared: an anonymous read of the data, as the public sees it.
fn shareable(request: &Request) -> bool {
    let path = request.uri().path();
    matches!(*request.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/static/")
        && path != "/sante"
        && path != "/connexion"
        && !crate::access::auth::has_session_cookie(request.headers())
        // A token's agent may read more than the public (fiches not yet public).
        && !request.headers().contains_key(header::AUTHORIZATION)
}

/// Whether the client takes gzip.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            parts
                .next()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("gzip"))
                && parts.all(|p| p.trim().replace(' ', "") != "q=0")
        })
}

/// Gzips `body` if it is worth it (text, JSON, SVG; not PDFs or spreadsheets, already compressed).
pub(crate) fn gzip(content_type: Option<&HeaderValue>, body: &[u8]) -> Option<Bytes> {
    let compressible = content_type.and_then(|v| v.to_str().ok()).is_some_and(|t| {
        t.starts_with("text/")
            || t.contains("json")
            || t.contains("javascript")
            || t.contains("svg")
            || t.contains("csv")
    });
    if !compressible || body.len() < 256 {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// The middleware: one version check per request (see `Store::request_scope`), and shared answers served
/// from the cache.
pub async fn answers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let store = state.store.clone();
    // A signed-in user may just have written: their pages wait for the data to include it.
    let shared = shareable(&request);
    store
        .request_scope(!shared, async move {
            if !shared {
                return next.run(request).await;
            }
            // The version of the snapshot the request reads: during a rebuild, the previous one, whose
            // answers are still good to serve.
            let Ok(version) = state.store.read_version().await else {
                return next.run(request).await;
            };
            let day = time::OffsetDateTime::now_utc().date();
            let tag = entity_tag(version, day);
            let cors = public_read(request.uri().path());
            let response = if holds(request.headers(), &tag) {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                shared_answer(&state, request, next, version, day).await
            };
            revalidated(response, &tag, cors)
        })
        .await
}

/// The entity tag of every shared answer at a version of the data on a day: they are the same bytes for
/// that pair (a weak tag, as the gzipped and plain bodies differ).
fn entity_tag(version: i64, day: time::Date) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "W/\"{version}-{}\"",
        territoires_domain::fr::iso_date(day)
    ))
    .expect("a tag of digits is a header value")
}

/// Whether the client's `If-None-Match` names `tag`: it holds the answer already.
fn holds(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let tag = tag.to_str().unwrap_or_default();
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == opaque(tag))
}

/// The API's reads and the open-data files may be read from any site (CORS): they are public.
pub(crate) fn public_read(path: &str) -> bool {
    path.starts_with("/api/v1/") || path.starts_with("/donnees/")
}

/// Adds the tag to a successful shared answer (clients revalidate it: `no-cache`), and CORS to public reads.
fn revalidated(mut response: Response, tag: &HeaderValue, cors: bool) -> Response {
    let status = response.status();
    let headers = response.headers_mut();
    if status == StatusCode::OK || status == StatusCode::NOT_MODIFIED {
        headers.insert(header::ETAG, tag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if cors {
        allow_any_origin(headers);
    }
    response
}

/// CORS for a public read: any site may read it, and its tag and `Retry-After`.
pub(crate) fn allow_any_origin(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("etag, retry-after"),
    );
}

/// A shared answer: kept, being computed by another request, or computed here and kept.
async fn shared_answer(
    state: &AppState,
    request: Request,
    next: Next,
    version: i64,
    day: time::Date,
) -> Response {
    let key = format!("{} {}", request.method(), request.uri());
    let wants_gzip = accepts_gzip(request.headers());
    if let Some(answer) = state.answers.get(version, day, &key) {
        return answer.response(wants_gzip);
    }
    let leader = match state.answers.miss(version, day, &key) {
        Miss::Lead(leader) => leader,
        Miss::Wait(mut outcome) => {
            // The leader's answer, unless it was not kept or the leader went away.
            if let Ok(done) = outcome.wait_for(Option::is_some).await {
                if let Some(Some(answer)) = done.clone() {
                    return answer.response(wants_gzip);
                }
            }
            return next.run(request).await;
        }
    };
    let response = next.run(request).await;
    // Only bodies known to fit are read into memory; a larger one (a national export) is sent as it
    // comes, not kept.
    let fits = HttpBody::size_hint(response.body())
        .upper()
        .is_some_and(|n| n <= MAX_ANSWER as u64);
    let keep = response.status() == StatusCode::OK
        && fits
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response.headers().contains_key(header::CONTENT_ENCODING);
    if !keep {
        leader.finish(None);
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ANSWER).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "réponse illisible").into_response();
    };
    let mut headers = parts.headers;
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let gzipped = gzip(headers.get(header::CONTENT_TYPE), &body);
    let answer = Arc::new(Answer {
        headers,
        body,
        gzipped,
    });
    state.answers.put(version, day, key, answer.clone());
    leader.finish(Some(answer.clone()));
    answer.response(wants_gzip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, accept.parse().unwrap());
        h
    }

    #[test]
    fn a_client_holds_the_answer_when_it_names_its_tag_strong_or_weak() {
        let day = time::macros::date!(2026 - 11 - 24);
        let tag = entity_tag(43, day);
        assert_eq!(tag, "W/\"43-2026-11-24\"");
        let asking = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, v.parse().unwrap());
            holds(&h, &tag)
        };
        assert!(asking("W/\"43-2026-11-24\""));
        assert!(
            asking("\"43-2026-11-24\""),
            "weak comparison: the strong form names it too"
        );
        assert!(asking("\"1-2026-01-01\", \"43-2026-11-24\""));
        assert!(asking("*"));
        assert!(!asking("W/\"42-2026-11-24\""));
        assert!(!asking("W/\"43-2026-11-23\""));
        assert!(!holds(&HeaderMap::new(), &tag));
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn only_text_is_gzipped_and_it_reads_back() {
        let text = "Territoires d'industrie ".repeat(100);
        let html = HeaderValue::from_static("text/html; charset=utf-8");
        let gzipped = gzip(Some(&html), text.as_bytes()).unwrap();
        assert!(gzipped.len() < text.len() / 4);
        let mut back = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut back)
            .unwrap();
        assert_eq!(back, text);
        let pdf = HeaderValue::from_static("application/pdf");
        assert!(gzip(Some(&pdf), text.as_bytes()).is_none());
    }

    fn answer(text: &str) -> Arc<Answer> {
        Arc::new(Answer {
            headers: HeaderMap::new(),
            body: Bytes::from(text.to_owned()),
            gzipped: None,
        })
    }

    #[tokio::test]
    async fn requests_missing_the_same_answer_wait_for_the_one_computing_it() {
        let answers = Answers::default();
        let day = time::macros::date!(2026 - 11 - 24);
        let Miss::Lead(leader) = answers.miss(7, day, "GET /") else {
            panic!("the first request computes");
        };
        let Miss::Wait(mut waiting) = answers.miss(7, day, "GET /") else {
            panic!("the second waits");
        };
        assert!(
            matches!(answers.miss(8, day, "GET /"), Miss::Lead(_)),
            "another version is another answer"
        );
        leader.finish(Some(answer("accueil")));
        let got = waiting.wait_for(Option::is_some).await.unwrap().clone();
        assert_eq!(got.unwrap().unwrap().body, "accueil");
        assert!(
            matches!(answers.miss(7, day, "GET /"), Miss::Lead(_)),
            "once done, nobody waits on it"
        );
    }

    #[tokio::test]
    async fn a_leader_that_goes_away_releases_the_waiting_requests() {
        let answers = Answers::default();
        let day = time::macros::date!(2026 - 11 - 24);
        let leader = answers.miss(7, day, "GET /bilan");
        let Miss::Wait(mut waiting) = answers.miss(7, day, "GET /bilan") else {
            panic!("the second waits");
        };
        drop(leader);
        assert!(
            waiting.wait_for(Option::is_some).await.is_err(),
            "told to compute its own answer"
        );
    }

    #[test]
    fn a_new_version_empties_the_cache_and_an_old_one_does_not_refill_it() {
        let answers = Answers::default();
        let day = time::macros::date!(2026 - 11 - 23);
        let answer = || {
            Arc::new(Answer {
                headers: HeaderMap::new(),
                body: Bytes::from_static(b"13 plans"),
                gzipped: None,
            })
        };
        answers.put(3, day, "GET /bilan".into(), answer());
        assert!(answers.get(3, day, "GET /bilan").is_some());
        assert!(answers.get(4, day, "GET /bilan").is_none());
        assert!(answers
            .get(3, day.next_day().unwrap(), "GET /bilan")
            .is_none());
        answers.put(4, day, "GET /".into(), answer());
        assert!(answers.get(3, day, "GET /bilan").is_none());
        answers.put(3, day, "GET /bilan".into(), answer());
        assert!(answers.get(4, day, "GET /").is_some());
        assert!(answers.get(3, day, "GET /bilan").is_none());
    }
}
