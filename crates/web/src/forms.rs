//! The record forms of the site (fiches actions, funding lines, funders, schemes, envelopes): one page
//! model and one template for all, each message beside its field, what was typed kept on error, and a
//! stale save shown beside the record as it is now (409). The write API reads the same drafts and answers
//! the same refusals as JSON.

use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use territoires_domain::draft::FieldErrors;
use territoires_store::access::accounts::Session;
use territoires_store::StoreError;

use crate::views::{render, Choice, Chrome};
use crate::WebError;

/// A field of a form.
pub struct Field {
    /// The name posted (and the draft's field).
    pub name: &'static str,
    /// The label.
    pub label: &'static str,
    /// A hint under the label.
    pub hint: Option<&'static str>,
    /// `text`, `textarea`, `date`, `amount`, `number`, `select`, `checks` or `checkbox`.
    pub kind: &'static str,
    /// The value typed (a checkbox: `oui` when ticked).
    pub value: String,
    /// The choices of a select or of check boxes.
    pub choices: Vec<Choice>,
    /// The message beside the field.
    pub error: Option<String>,
    /// Whether it must be filled.
    pub required: bool,
    /// Shown, not editable (a code once created).
    pub readonly: bool,
    /// A datalist of suggestions.
    pub list: Option<&'static str>,
}

impl Field {
    /// A text field of `value`.
    pub fn text(name: &'static str, label: &'static str, value: &str) -> Field {
        Field {
            name,
            label,
            hint: None,
            kind: "text",
            value: value.to_owned(),
            choices: Vec::new(),
            error: None,
            required: false,
            readonly: false,
            list: None,
        }
    }

    /// A field of another kind.
    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    /// With a hint.
    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = Some(hint);
        self
    }

    /// Required.
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Read-only.
    pub fn readonly(mut self, readonly: bool) -> Field {
        self.readonly = readonly;
        self
    }

    /// With suggestions from the datalist `id`.
    pub fn list(mut self, id: &'static str) -> Field {
        self.list = Some(id);
        self
    }

    /// A select among `options` (value, label), the current value selected; `empty` adds a first blank
    /// choice with that label.
    pub fn select(
        name: &'static str,
        label: &'static str,
        value: &str,
        empty: Option<&str>,
        options: impl IntoIterator<Item = (String, String)>,
    ) -> Field {
        let mut choices: Vec<Choice> = empty
            .map(|label| Choice {
                value: String::new(),
                label: label.to_owned(),
                selected: value.is_empty(),
            })
            .into_iter()
            .collect();
        choices.extend(options.into_iter().map(|(v, l)| Choice {
            selected: v == value,
            value: v,
            label: l,
        }));
        Field {
            choices,
            ..Field::text(name, label, value).kind("select")
        }
    }

    /// Check boxes among `options`, those in `values` ticked.
    pub fn checks(
        name: &'static str,
        label: &'static str,
        values: &[String],
        options: impl IntoIterator<Item = (String, String)>,
    ) -> Field {
        Field {
            choices: options
                .into_iter()
                .map(|(v, l)| Choice {
                    selected: values.contains(&v),
                    value: v,
                    label: l,
                })
                .collect(),
            ..Field::text(name, label, "").kind("checks")
        }
    }

    /// Whether a date field shows the browser's date picker: only for an empty or ISO value, which the
    /// picker can show. A date typed otherwise (`31/02/2024`, refused) stays a text, kept as typed.
    pub fn date_picker(&self) -> bool {
        self.kind == "date"
            && (self.value.is_empty()
                || territoires_domain::fr::parse_date("date", &self.value).is_ok())
    }

    /// A check box.
    pub fn checkbox(name: &'static str, label: &'static str, ticked: bool) -> Field {
        Field::text(name, label, if ticked { "oui" } else { "" }).kind("checkbox")
    }
}

/// A group of fields under a legend.
pub struct Section {
    /// The legend.
    pub legend: &'static str,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// A stale save: what differs between the record now and what was typed.
pub struct ConflictView {
    /// What was changed meanwhile (`le projet X`).
    pub what: String,
    /// Field, now, typed.
    pub rows: Vec<(String, String, String)>,
}

/// A record form page.
#[derive(askama::Template)]
#[template(path = "record_form.html")]
pub struct FormPage {
    /// The page's chrome.
    pub chrome: Chrome,
    /// A sentence under the title.
    pub intro: String,
    /// Where the form posts.
    pub action: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The version read, for an edit.
    pub version: Option<i64>,
    /// The fields.
    pub sections: Vec<Section>,
    /// Problems with the record as a whole.
    pub general: Vec<String>,
    /// How many fields carry a message.
    pub errors_count: usize,
    /// A stale save.
    pub conflict: Option<ConflictView>,
    /// Suggestion lists: id, choices.
    pub datalists: Vec<(&'static str, Vec<Choice>)>,
    /// The button's label.
    pub submit: &'static str,
    /// Where « Annuler » goes.
    pub back: String,
    /// The record's history, under the form of an edit.
    pub journal: Vec<crate::history::HistoryRow>,
}

impl FormPage {
    /// A form page for `session`.
    pub fn new(chrome: Chrome, session: &Session, action: String, back: String) -> FormPage {
        FormPage {
            chrome,
            intro: String::new(),
            action,
            csrf: session.csrf_token.clone(),
            version: None,
            sections: Vec::new(),
            general: Vec::new(),
            errors_count: 0,
            conflict: None,
            datalists: Vec::new(),
            submit: "Enregistrer",
            back,
            journal: Vec::new(),
        }
    }

    /// Puts each message beside its field; messages about no field (or a field not shown) go on top.
    pub fn with_errors(mut self, errors: &FieldErrors) -> FormPage {
        for e in &errors.0 {
            match self
                .sections
                .iter_mut()
                .flat_map(|s| s.fields.iter_mut())
                .find(|f| f.name == e.field)
            {
                Some(field) if field.error.is_none() => {
                    field.error = Some(e.message.clone());
                    self.errors_count += 1;
                }
                Some(_) => {}
                None if e.field.is_empty() => self.general.push(e.message.clone()),
                None => self.general.push(format!("{} : {}", e.field, e.message)),
            }
        }
        if self.general.is_empty() && !errors.is_empty() {
            self.general.push(
                "Des champs sont à corriger : chaque message est à côté de son champ.".into(),
            );
        }
        self
    }

    /// The page answered with `status`.
    pub fn respond(self, status: StatusCode) -> Result<Response, WebError> {
        Ok((status, render(self)?).into_response())
    }
}

/// Why a save was not made, as forms and the API tell it.
pub enum Refusal {
    /// Fields to correct (400).
    Fields(FieldErrors),
    /// Someone saved first, or the key is taken (409).
    Conflict(String),
    /// Anything else: not found, forbidden, a failure.
    Other(WebError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(error) => {
                let mut errors = FieldErrors::default();
                errors.add_error(error.field().unwrap_or(""), error);
                Refusal::Fields(errors)
            }
            StoreError::Conflict(message) => Refusal::Conflict(message),
            e => Refusal::Other(e.into()),
        }
    }
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        match e {
            WebError::Store(e) => e.into(),
            e => Refusal::Other(e),
        }
    }
}

impl From<FieldErrors> for Refusal {
    fn from(e: FieldErrors) -> Self {
        Refusal::Fields(e)
    }
}

/// The fields that differ between a record as stored now and as typed, with their labels: (label, now,
/// typed).
pub fn differences(
    now: &impl Serialize,
    typed: &impl Serialize,
    label: impl Fn(&str) -> Option<&'static str>,
) -> Vec<(String, String, String)> {
    let json = |v: serde_json::Result<String>| v.unwrap_or_default();
    crate::history::changes(
        Some(&json(serde_json::to_string(now))),
        Some(&json(serde_json::to_string(typed))),
    )
    .into_iter()
    .filter(|(field, _, _)| field != "version")
    .map(|(field, now, typed)| {
        (
            label(&field).map(str::to_owned).unwrap_or(field),
            now,
            typed,
        )
    })
    .collect()
}

/// After a save: back to `to`, with the confirmation flag.
pub fn saved(to: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("{to}{sep}enregistre=1"))],
    )
        .into_response()
}

/// The version an edit read, which it must send back: without it, a save could overwrite blindly.
pub fn version_read(version: Option<i64>) -> Result<i64, FieldErrors> {
    version.ok_or_else(|| {
        FieldErrors::one(
            "version",
            "à renseigner : la version lue, pour ne rien écraser (rechargez la page ou relisez l'enregistrement)",
        )
    })
}

/// A refusal of the write API: 400 with every field's problem, 409 with the record now beside what was
/// sent, or the error's own status.
pub fn api_refusal<N: Serialize, S: Serialize>(
    refusal: Refusal,
    now: impl FnOnce() -> Option<N>,
    sent: &S,
) -> Response {
    match refusal {
        Refusal::Fields(errors) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({
                "status": 400,
                "error": errors.to_string(),
                "erreurs": errors,
            })),
        )
            .into_response(),
        Refusal::Conflict(message) => (
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "status": 409,
                "error": message,
                "actuelle": now(),
                "envoyee": sent,
            })),
        )
            .into_response(),
        Refusal::Other(e) => crate::error::ApiError(e).into_response(),
    }
}

/// A posted form: its CSRF token and the draft it carries (repeated fields, such as check boxes, read as
/// lists).
pub struct Posted<T> {
    /// The CSRF token of the form.
    pub csrf: String,
    /// What was typed.
    pub draft: T,
}

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Posted<T> {
    type Rejection = WebError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, WebError> {
        #[derive(serde::Deserialize)]
        struct Csrf {
            #[serde(default)]
            csrf: String,
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| crate::params::bad("corps", e.body_text()))?;
        let csrf: Csrf =
            serde_html_form::from_bytes(&body).map_err(|e| crate::params::bad("formulaire", e))?;
        let draft =
            serde_html_form::from_bytes(&body).map_err(|e| crate::params::bad("formulaire", e))?;
        Ok(Posted {
            csrf: csrf.csrf,
            draft,
        })
    }
}

/// Reads a JSON body into a draft, refusing the fields the draft does not have (a misspelt field would
/// otherwise be silently dropped). With `stored` (an edit), the fields the body leaves out keep their
/// stored value — except `version`, the caller's to send: a caller sends what it changes.
pub fn read_json<T>(body: &[u8], stored: Option<&T>) -> Result<T, Refusal>
where
    T: serde::de::DeserializeOwned + Serialize + Default,
{
    let refused = |field: &str, message: String| Refusal::Fields(FieldErrors::one(field, message));
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        refused(
            "corps",
            format!(
                "JSON illisible (ligne {}, colonne {}) : attendu un objet JSON",
                e.line(),
                e.column()
            ),
        )
    })?;
    let base = match stored {
        Some(stored) => serde_json::to_value(stored),
        None => serde_json::to_value(T::default()),
    }
    .unwrap_or_default();
    let (Some(object), serde_json::Value::Object(mut merged)) = (value.as_object(), base) else {
        return Err(refused("corps", "attendu un objet JSON".into()));
    };
    let mut errors = FieldErrors::default();
    for key in object.keys().filter(|k| !merged.contains_key(*k)) {
        errors.add(
            key,
            format!(
                "champ inconnu ; champs possibles : {}",
                merged.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    if !errors.is_empty() {
        return Err(Refusal::Fields(errors));
    }
    match stored {
        Some(_) => {
            merged.remove("version");
        }
        None => merged.clear(),
    }
    merged.extend(object.clone());
    serde_path_to_error::deserialize(serde_json::Value::Object(merged)).map_err(|e| {
        let field = e.path().to_string();
        refused(
            if field == "." { "corps" } else { &field },
            in_french(&e.into_inner().to_string()),
        )
    })
}

/// serde's refusal of a value, in French. The drafts read their fields as text and say what is wrong in
/// French themselves; what reaches serde's own words is a value of the wrong JSON type (an object where
/// text is expected, a list where a number is).
fn in_french(serde: &str) -> String {
    let Some((got, expected)) = serde
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return serde.to_owned();
    };
    format!(
        "reçu {}, attendu {}",
        crate::params::type_in_french(got),
        crate::params::type_in_french(expected)
    )
}
