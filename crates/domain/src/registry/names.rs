//! Places given by name where a code is expected, as spreadsheets give them: « Vosges » for `ti-4415`,
//! « Communauté de communes du Pays de Bitche » for SIREN 200069441. A name is read when it names one
//! place exactly (case, accents, punctuation and the usual abbreviations aside); otherwise it is refused
//! with the closest names as suggestions — a guess is never written silently.

use std::collections::HashMap;

use crate::ids::TerritoryId;
use crate::phase::Phase;
use crate::search::search_key;

/// How many suggestions a refusal gives.
const SUGGESTIONS: usize = 3;

/// The spelt-out forms of the EPCI abbreviations, as the national files abbreviate them.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("communaute de communes", "cc"),
    ("communaute d agglomeration", "ca"),
    ("communaute urbaine", "cu"),
    ("etablissement public territorial", "ept"),
];

/// A name's key: its search key with the EPCI kinds abbreviated.
fn name_key(name: &str) -> String {
    let mut key = search_key(name);
    for (long, short) in ABBREVIATIONS {
        if key.starts_with(long) {
            key.replace_range(..long.len(), short);
        }
    }
    key
}

/// Places of one kind by name: each with its code.
#[derive(Debug, Clone, Default)]
pub struct Names {
    entries: Vec<(String, String, String)>,
    by_key: HashMap<String, Vec<usize>>,
}

/// What a name finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// One place has this name: its code and name.
    One(&'a str, &'a str),
    /// None exactly (or several): the closest, `(code, name)`, best first; maybe none.
    Suggestions(Vec<(&'a str, &'a str)>),
}

impl Names {
    /// An index of `(code, name)`.
    pub fn new(places: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut names = Names::default();
        for (code, name) in places {
            let key = name_key(&name);
            names
                .by_key
                .entry(key.clone())
                .or_default()
                .push(names.entries.len());
            names.entries.push((code, name, key));
        }
        names
    }

    /// Whether no place is known (nothing to find names among).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The place `text` names.
    pub fn find(&self, text: &str) -> Found<'_> {
        let key = name_key(text);
        let entry = |i: &usize| {
            let (code, name, _) = &self.entries[*i];
            (code.as_str(), name.as_str())
        };
        match self.by_key.get(&key).map(Vec::as_slice) {
            Some([one]) => {
                let (code, name) = entry(one);
                Found::One(code, name)
            }
            Some(several) => Found::Suggestions(several.iter().map(entry).collect()),
            None => {
                let mut scored: Vec<(f64, usize)> = self
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, (_, _, k))| (similarity(&key, k), i))
                    .filter(|(score, _)| *score >= 0.75)
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                Found::Suggestions(
                    scored
                        .iter()
                        .take(SUGGESTIONS)
                        .map(|(_, i)| entry(i))
                        .collect(),
                )
            }
        }
    }
}

/// How alike two keys are (0 to 1): their spelling, or one's words all in the other (« Pays de Bitche »
/// in « CC du Pays de Bitche », « Vosges » in « Plaine des Vosges »).
fn similarity(a: &str, b: &str) -> f64 {
    let spelling = strsim::jaro_winkler(a, b);
    let words = |x: &str, y: &str| {
        let ys: Vec<&str> = y.split(' ').collect();
        // One short word (« de », « val ») is in too many names to suggest them.
        (x.split(' ').count() >= 2 || x.len() >= 5) && x.split(' ').all(|w| ys.contains(&w))
    };
    if words(a, b) || words(b, a) {
        spelling.max(0.9)
    } else {
        spelling
    }
}

/// The names of the places a portfolio's cells may give instead of codes: the territories of each phase,
/// the EPCIs of the current referential.
#[derive(Debug, Clone, Default)]
pub struct Places {
    territories: HashMap<Phase, Names>,
    /// EPCIs by name, their SIREN as code.
    pub epcis: Names,
}

impl Places {
    /// The index of `territories` (`(phase, id, name)`) and `epcis` (`(siren, name)`).
    pub fn new(
        territories: impl IntoIterator<Item = (Phase, TerritoryId, String)>,
        epcis: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut by_phase: HashMap<Phase, Vec<(String, String)>> = HashMap::new();
        for (phase, id, name) in territories {
            by_phase
                .entry(phase)
                .or_default()
                .push((id.to_string(), name));
        }
        Places {
            territories: by_phase
                .into_iter()
                .map(|(phase, list)| (phase, Names::new(list)))
                .collect(),
            epcis: Names::new(epcis),
        }
    }

    /// A territory of `phase` given by its id or by its name: its id, with its official name when it was
    /// given by name (for the report). A name that finds no single territory is refused with the
    /// closest as suggestions; without any territory known, only ids are read.
    pub fn territory(
        &self,
        phase: Phase,
        text: &str,
    ) -> Result<(TerritoryId, Option<&str>), crate::DomainError> {
        let by_id = TerritoryId::parse(text);
        match (by_id, self.territories(phase)) {
            (Ok(id), _) => Ok((id, None)),
            (Err(e), None) => Err(e),
            (Err(_), Some(names)) => match names.find(text) {
                Found::One(id, name) => Ok((TerritoryId::parse(id)?, Some(name))),
                Found::Suggestions(near) => Err(crate::DomainError::Rule(not_found(
                    "territoire",
                    text,
                    &near,
                ))),
            },
        }
    }

    /// An EPCI given by its SIREN (spaces between digit groups allowed) or by its name: its SIREN, with
    /// its official name when it was given by name. A name that finds no single EPCI is refused with the
    /// closest as suggestions; without any EPCI known, only SIRENs are read.
    pub fn epci(&self, text: &str) -> Result<(String, Option<&str>), crate::DomainError> {
        let digits: String = text.chars().filter(|ch| !ch.is_whitespace()).collect();
        if digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Ok((digits, None));
        }
        if self.epcis.is_empty() {
            return Err(crate::DomainError::Invalid {
                field: "porteur_id",
                value: text.to_owned(),
                expected: "un SIREN de 9 chiffres, ou le nom de l'EPCI",
            });
        }
        match self.epcis.find(text) {
            Found::One(siren, name) => Ok((siren.to_owned(), Some(name))),
            Found::Suggestions(near) => {
                Err(crate::DomainError::Rule(not_found("EPCI", text, &near)))
            }
        }
    }

    /// The territories of `phase` by name.
    pub fn territories(&self, phase: Phase) -> Option<&Names> {
        self.territories.get(&phase)
    }
}

/// The refusal of a name that finds no single place: what was expected, and the suggestions.
pub fn not_found(what: &str, text: &str, suggestions: &[(&str, &str)]) -> String {
    let excerpt = crate::error::excerpt(text, crate::error::EXCERPT);
    match suggestions {
        [] => format!("« {excerpt} » : {what} inconnu (ni code, ni nom)"),
        [(code, name)] => {
            format!("« {excerpt} » : {what} inconnu ; vouliez-vous dire « {name} » → {code} ?")
        }
        several => format!(
            "« {excerpt} » : {what} inconnu ou ambigu ; vouliez-vous dire {} ?",
            several
                .iter()
                .map(|(code, name)| format!("« {name} » → {code}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epcis() -> Names {
        Names::new([
            ("200069441".to_owned(), "CC du Pays de Bitche".to_owned()),
            (
                "200067213".to_owned(),
                "CA de Sarreguemines Confluences".to_owned(),
            ),
            (
                "245701206".to_owned(),
                "CC du Pays de Phalsbourg".to_owned(),
            ),
            ("111111111".to_owned(), "CC Vallée".to_owned()),
            ("222222222".to_owned(), "CC Vallee".to_owned()),
        ])
    }

    #[test]
    fn a_name_written_otherwise_finds_its_place() {
        let names = epcis();
        for written in [
            "CC du Pays de Bitche",
            "cc du pays de bitche",
            "Communauté de communes du Pays de Bitche",
            "  CC du Pays-de-Bitche ",
        ] {
            assert_eq!(
                names.find(written),
                Found::One("200069441", "CC du Pays de Bitche"),
                "{written}"
            );
        }
        assert_eq!(
            names.find("Communauté d'agglomération de Sarreguemines Confluences"),
            Found::One("200067213", "CA de Sarreguemines Confluences")
        );
    }

    #[test]
    fn a_near_or_ambiguous_name_is_only_suggested() {
        let names = epcis();
        let Found::Suggestions(near) = names.find("Pays de Bitche") else {
            panic!("not exactly a name")
        };
        assert_eq!(near[0], ("200069441", "CC du Pays de Bitche"));
        let Found::Suggestions(typo) = names.find("CC du Pays de Bitch") else {
            panic!("a typo is not read")
        };
        assert_eq!(typo[0].0, "200069441");
        let Found::Suggestions(both) = names.find("CC Vallée") else {
            panic!("two places have this name")
        };
        assert_eq!(both.len(), 2);
        assert_eq!(names.find("Zzzz"), Found::Suggestions(vec![]));
        assert_eq!(
            not_found("EPCI", "Pays de Bitche", &near[..1]),
            "« Pays de Bitche » : EPCI inconnu ; vouliez-vous dire « CC du Pays de Bitche » → 200069441 ?"
        );
    }

    #[test]
    fn territories_are_named_within_their_phase() {
        let places = Places::new(
            [
                (
                    Phase::First,
                    TerritoryId::parse("ti-4415").unwrap(),
                    "Vosges".to_owned(),
                ),
                (
                    Phase::Second,
                    TerritoryId::parse("ti-4413").unwrap(),
                    "Plaine des Vosges".to_owned(),
                ),
            ],
            [],
        );
        assert_eq!(
            places.territories(Phase::First).unwrap().find("vosges"),
            Found::One("ti-4415", "Vosges")
        );
        assert!(matches!(
            places.territories(Phase::Second).unwrap().find("Vosges"),
            Found::Suggestions(_)
        ));
        let (id, named) = places.territory(Phase::First, "VOSGES").unwrap();
        assert_eq!(
            (id.to_string().as_str(), named),
            ("ti-4415", Some("Vosges"))
        );
        assert_eq!(
            places.territory(Phase::First, "ti-4401").unwrap().1,
            None,
            "an id is read as it is"
        );
        let refused = places
            .territory(Phase::Second, "Vosges")
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("vouliez-vous dire « Plaine des Vosges » → ti-4413 ?"),
            "{refused}"
        );
        assert!(Places::default().territory(Phase::First, "Vosges").is_err());
    }
}
