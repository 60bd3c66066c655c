//! The column mapping a scope keeps: how its files' headers are read when the automatic reading
//! (case, accents, synonyms, typos: see `columns`) gets them wrong or does not know them. A team whose
//! spreadsheet says « Action envisagée » for the title chooses `titre` once; its next files are read so.
//!
//! Only the choices that differ from the automatic reading are kept, so a mapping stays short and a choice
//! put back to the automatic reading is forgotten.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::columns::{closest, key, match_column};

/// How many choices a mapping holds at most.
pub const MAX_CHOICES: usize = 500;

/// How long a header a choice names may be, in characters.
pub const MAX_HEADER: usize = 200;

/// How one header of a file was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderReading {
    /// The header as the file writes it (trimmed).
    pub written: String,
    /// The column it is read as; `None` when ignored, unknown, blank or naming a column again.
    pub column: Option<String>,
    /// How it came to be read so.
    pub how: How,
}

/// How a header came to be read as its column (or not at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// The column's own name.
    Exact,
    /// Matched despite case, accents, a synonym or a typo.
    Matched,
    /// As the scope's mapping says.
    Remembered,
    /// Ignored, as the scope's mapping says.
    Ignored,
    /// No column: refused, with the closest column name when one is close.
    Unknown { suggestion: Option<String> },
    /// Names a column an earlier header already names: refused.
    Twice { column: String },
    /// An empty header cell (its column is empty too, or refused as values beyond the header).
    Blank,
}

impl How {
    /// In the import page's words.
    pub fn label(&self) -> &'static str {
        match self {
            How::Exact => "reconnue telle quelle",
            How::Matched => "rapprochée",
            How::Remembered => "correspondance mémorisée",
            How::Ignored => "ignorée (correspondance mémorisée)",
            How::Unknown { .. } => "inconnue",
            How::Twice { .. } => "en double",
            How::Blank => "sans en-tête",
        }
    }

    /// Whether this reading refuses the file.
    pub fn refuses(&self) -> bool {
        matches!(self, How::Unknown { .. } | How::Twice { .. })
    }
}

/// The columns of one table of a file, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableHeaders {
    /// The table (`projets`, `financements`…).
    pub table: &'static str,
    /// The columns it has.
    #[serde(skip)]
    pub columns: &'static [&'static str],
    /// Each header of the file, in its order.
    pub headers: Vec<HeaderReading>,
}

impl TableHeaders {
    /// Each header read as a column, with that column: `(as written, column)`.
    pub fn mapping(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .filter_map(|h| Some((h.written.as_str(), h.column.as_deref()?)))
    }
}

/// The identity of a file read: the hash of its bytes and of the choices that applied to its headers
/// (`tables`: each table's name and readings). The same bytes read with other choices are another import;
/// a file read without any keeps the identity of its bytes.
pub fn identity<'a>(
    content_hash: String,
    tables: impl IntoIterator<Item = (&'a str, &'a [HeaderReading])>,
) -> String {
    let chosen: Vec<(&str, &HeaderReading)> = tables
        .into_iter()
        .flat_map(|(table, headers)| headers.iter().map(move |h| (table, h)))
        .filter(|(_, h)| matches!(h.how, How::Remembered | How::Ignored))
        .collect();
    if chosen.is_empty() {
        return content_hash;
    }
    let choices = serde_json::to_string(&chosen).expect("strings serialise");
    crate::source::hash([content_hash.as_bytes(), choices.as_bytes()])
}

/// A scope's choices: per table, per header key (see [`key`]), the column it is read as, or `None` to
/// ignore it. Stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ColumnMapping(BTreeMap<String, BTreeMap<String, Option<String>>>);

/// What a user may choose for a header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Read it as this column.
    Column(String),
    /// Ignore it: its values are not imported.
    Ignore,
    /// Read it as the automatic reading does (forgets a choice).
    Automatic,
}

impl Choice {
    /// The value a form sends: a column's name, [`Choice::IGNORE`], or empty for the automatic reading.
    pub const IGNORE: &'static str = "_ignorer";

    /// Reads a form's value, `None` when it is no choice of `columns`.
    pub fn parse(value: &str, columns: &[&str]) -> Option<Choice> {
        match value {
            "" => Some(Choice::Automatic),
            Choice::IGNORE => Some(Choice::Ignore),
            c if columns.contains(&c) => Some(Choice::Column(c.to_owned())),
            _ => None,
        }
    }
}

impl ColumnMapping {
    /// Reads a stored mapping.
    pub fn from_json(json: &str) -> serde_json::Result<Self> {
        serde_json::from_str(json)
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a mapping of strings serialises")
    }

    /// The choices: per table, per header key, the column or `None` (ignored).
    pub fn choices(&self) -> &BTreeMap<String, BTreeMap<String, Option<String>>> {
        &self.0
    }

    /// A mapping from choices sent whole (the API), each checked: a table `columns` knows (an empty list:
    /// unknown), a header of at most [`MAX_HEADER`] characters, a column of that table or `None`; at most
    /// [`MAX_CHOICES`] in all. Headers are keyed as files' headers are (`Action envisagée` →
    /// `action_envisagee`). A refusal names the field (`correspondance.projets.couleur`) and the value.
    pub fn from_choices<'c>(
        choices: BTreeMap<String, BTreeMap<String, Option<String>>>,
        columns: impl Fn(&str) -> &'c [&'c str],
    ) -> Result<Self, (String, String)> {
        let count: usize = choices.values().map(BTreeMap::len).sum();
        if count > MAX_CHOICES {
            return Err((
                "correspondance".into(),
                format!("{count} choix : au plus {MAX_CHOICES}"),
            ));
        }
        let mut mapping = ColumnMapping::default();
        for (table, headers) in choices {
            let known = columns(&table);
            if known.is_empty() {
                return Err((
                    format!("correspondance.{}", crate::table::excerpt(&table)),
                    "table inconnue".into(),
                ));
            }
            for (header, column) in headers {
                let field = format!("correspondance.{table}.{}", crate::table::excerpt(&header));
                let k = key(&header);
                if k.is_empty() || header.chars().count() > MAX_HEADER {
                    return Err((
                        field,
                        format!("attendu un en-tête non vide de {MAX_HEADER} caractères au plus"),
                    ));
                }
                if let Some(c) = column.as_deref().filter(|c| !known.contains(c)) {
                    return Err((
                        field,
                        format!(
                            "« {} » n'est pas une colonne de la table {table} (attendu : {}, ou null pour ignorer)",
                            crate::table::excerpt(c),
                            known.join(", ")
                        ),
                    ));
                }
                mapping
                    .0
                    .entry(table.clone())
                    .or_default()
                    .insert(k, column);
            }
        }
        Ok(mapping)
    }

    /// Whether the mapping holds no choice.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(BTreeMap::is_empty)
    }

    /// The choice kept for a header of `table`: `Some(None)` to ignore it.
    pub fn get(&self, table: &str, header: &str) -> Option<Option<&str>> {
        self.0.get(table)?.get(&key(header)).map(|c| c.as_deref())
    }

    /// The choices of `table` only (what reading that table depends on), as JSON, for the file's
    /// checksum: the same bytes read with other choices are another import.
    pub fn of_table_json(&self, table: &str) -> Option<String> {
        self.0
            .get(table)
            .filter(|m| !m.is_empty())
            .map(|m| serde_json::to_string(m).expect("strings serialise"))
    }

    /// Records a user's choice for `header` of `table`: kept when it differs from the automatic reading
    /// over `columns`, forgotten otherwise.
    pub fn choose(&mut self, table: &str, columns: &[&str], header: &str, choice: Choice) {
        let k = key(header);
        if k.is_empty() {
            return;
        }
        let automatic = match_column(header, columns);
        let kept = match choice {
            Choice::Column(c) if Some(c.as_str()) != automatic => Some(Some(c)),
            Choice::Ignore => Some(None),
            _ => None,
        };
        let table_choices = self.0.entry(table.to_owned()).or_default();
        match kept {
            Some(choice) => {
                table_choices.insert(k, choice);
            }
            None => {
                table_choices.remove(&k);
            }
        }
        if table_choices.is_empty() {
            self.0.remove(table);
        }
    }

    /// Records the choices a form made for the headers of `tables`: field `{table}.{index}` per header,
    /// valued as [`Choice::parse`] reads; headers without a field keep their reading. A value that is
    /// no choice is refused as `(field, message)`, naming the header and the table's columns.
    pub fn choose_from_form(
        &mut self,
        tables: &[TableHeaders],
        form: &[(String, String)],
    ) -> Result<(), (String, String)> {
        for table in tables {
            for (index, header) in table.headers.iter().enumerate() {
                let field = format!("{}.{index}", table.table);
                let Some((_, value)) = form.iter().find(|(k, _)| *k == field) else {
                    continue;
                };
                let choice = Choice::parse(value, table.columns).ok_or_else(|| {
                    (
                        field.clone(),
                        format!(
                            "« {} » n'est pas une colonne de la table {} pour l'en-tête « {} » \
                             (attendu : {}, « {} » ou rien)",
                            crate::table::excerpt(value),
                            table.table,
                            crate::table::excerpt(&header.written),
                            table.columns.join(", "),
                            Choice::IGNORE
                        ),
                    )
                })?;
                self.choose(table.table, table.columns, &header.written, choice);
            }
        }
        Ok(())
    }

    /// Reads each header of `table`: the scope's choice first, then the automatic reading; a column
    /// named by an earlier header is named twice.
    pub fn read(&self, table: &str, headers: &[String], columns: &[&str]) -> Vec<HeaderReading> {
        let mut named: Vec<&str> = Vec::with_capacity(headers.len());
        headers
            .iter()
            .map(|h| {
                let written = h.trim().to_owned();
                let (column, how) = match (self.get(table, h), match_column(h, columns)) {
                    (Some(None), _) => (None, How::Ignored),
                    (Some(Some(c)), _) if columns.contains(&c) => {
                        (columns.iter().copied().find(|k| *k == c), How::Remembered)
                    }
                    (_, Some(c)) if key(h) == c => (Some(c), How::Exact),
                    (_, Some(c)) => (Some(c), How::Matched),
                    (_, None) if key(h).is_empty() => (None, How::Blank),
                    (_, None) => (
                        None,
                        How::Unknown {
                            suggestion: closest(&key(h), columns)
                                .filter(|(_, score)| *score >= 0.5)
                                .map(|(c, _)| c.to_owned()),
                        },
                    ),
                };
                match column {
                    Some(c) if named.contains(&c) => HeaderReading {
                        written,
                        column: None,
                        how: How::Twice {
                            column: c.to_owned(),
                        },
                    },
                    Some(c) => {
                        named.push(c);
                        HeaderReading {
                            written,
                            column: Some(c.to_owned()),
                            how,
                        }
                    }
                    None => HeaderReading {
                        written,
                        column: None,
                        how,
                    },
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[&str] = &["code", "titre", "territoires", "cout_total"];

    /// « Action envisagée » read as `titre`, « Couleur » ignored.
    fn chosen() -> ColumnMapping {
        let mut m = ColumnMapping::default();
        m.choose(
            "projets",
            COLUMNS,
            "Action envisagée",
            Choice::Column("titre".into()),
        );
        m.choose("projets", COLUMNS, "Couleur", Choice::Ignore);
        m
    }

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_choice_is_kept_only_where_it_differs_from_the_automatic_reading() {
        let mut m = chosen();
        // The automatic reading already gives it: nothing to remember.
        m.choose(
            "projets",
            COLUMNS,
            "Intitulé",
            Choice::Column("titre".into()),
        );
        assert_eq!(
            m.to_json(),
            r#"{"projets":{"action_envisagee":"titre","couleur":null}}"#
        );
        m.choose("projets", COLUMNS, "ACTION ENVISAGÉE", Choice::Automatic);
        m.choose("projets", COLUMNS, "couleur", Choice::Automatic);
        assert!(m.is_empty(), "{m:?}");
        assert_eq!(m.to_json(), "{}");
    }

    #[test]
    fn headers_are_read_by_the_choices_first_then_automatically() {
        let m = chosen();
        let read = m.read(
            "projets",
            &headers(&[
                "Code",
                "Action envisagée",
                "Couleur",
                "Territoire",
                "Observations",
                "",
            ]),
            COLUMNS,
        );
        let hows: Vec<(&str, Option<&str>, &How)> = read
            .iter()
            .map(|r| (r.written.as_str(), r.column.as_deref(), &r.how))
            .collect();
        assert_eq!(
            hows,
            [
                ("Code", Some("code"), &How::Exact),
                ("Action envisagée", Some("titre"), &How::Remembered),
                ("Couleur", None, &How::Ignored),
                ("Territoire", Some("territoires"), &How::Matched),
                ("Observations", None, &How::Unknown { suggestion: None }),
                ("", None, &How::Blank),
            ]
        );
        // Another table's choices do not apply.
        let other = m.read("financements", &headers(&["Couleur"]), &["projet"]);
        assert!(other[0].how.refuses(), "{other:?}");
    }

    #[test]
    fn a_column_named_again_is_refused_even_by_a_choice() {
        let mut m = ColumnMapping::default();
        m.choose("projets", COLUMNS, "Nom", Choice::Column("titre".into()));
        let read = m.read("projets", &headers(&["Titre", "Nom"]), COLUMNS);
        assert_eq!(
            read[1].how,
            How::Twice {
                column: "titre".into()
            }
        );
        assert!(read[1].column.is_none());
    }

    #[test]
    fn a_form_chooses_per_header_and_refuses_what_is_no_column() {
        let mapping = ColumnMapping::default();
        let tables = [TableHeaders {
            table: "projets",
            columns: COLUMNS,
            headers: mapping.read(
                "projets",
                &headers(&["Code", "Action envisagée", "Couleur"]),
                COLUMNS,
            ),
        }];
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let mut m = mapping.clone();
        m.choose_from_form(
            &tables,
            &form(&[
                ("csrf", "x"),
                ("projets.0", ""),
                ("projets.1", "titre"),
                ("projets.2", "_ignorer"),
            ]),
        )
        .unwrap();
        assert_eq!(
            m.to_json(),
            r#"{"projets":{"action_envisagee":"titre","couleur":null}}"#
        );
        let (field, message) = m
            .choose_from_form(&tables, &form(&[("projets.1", "=cmd()")]))
            .unwrap_err();
        assert_eq!(field, "projets.1");
        assert!(
            message.contains("« =cmd() » n'est pas une colonne de la table projets")
                && message.contains("« Action envisagée »"),
            "{message}"
        );
    }

    #[test]
    fn choices_sent_whole_are_checked_and_keyed_as_headers() {
        let columns = |t: &str| -> &'static [&'static str] {
            if t == "projets" {
                COLUMNS
            } else {
                &[]
            }
        };
        let choices = |table: &str, header: &str, column: Option<&str>| {
            BTreeMap::from([(
                table.to_owned(),
                BTreeMap::from([(header.to_owned(), column.map(str::to_owned))]),
            )])
        };
        let m = ColumnMapping::from_choices(
            choices("projets", "Action envisagée", Some("titre")),
            columns,
        )
        .unwrap();
        assert_eq!(m.to_json(), r#"{"projets":{"action_envisagee":"titre"}}"#);
        let refused = |c| ColumnMapping::from_choices(c, columns).unwrap_err();
        assert_eq!(
            refused(choices("budget", "x", None)).0,
            "correspondance.budget"
        );
        let (field, message) = refused(choices("projets", "Couleur", Some("teinte")));
        assert_eq!(field, "correspondance.projets.Couleur");
        assert!(
            message.contains("« teinte » n'est pas une colonne"),
            "{message}"
        );
        assert!(refused(choices("projets", " -- ", None))
            .1
            .contains("non vide"));
        assert!(refused(choices("projets", &"x".repeat(201), None))
            .1
            .contains("200 caractères"));
    }

    #[test]
    fn a_form_value_is_a_column_ignore_or_automatic_and_nothing_else() {
        assert_eq!(Choice::parse("", COLUMNS), Some(Choice::Automatic));
        assert_eq!(Choice::parse("_ignorer", COLUMNS), Some(Choice::Ignore));
        assert_eq!(
            Choice::parse("titre", COLUMNS),
            Some(Choice::Column("titre".into()))
        );
        assert_eq!(Choice::parse("montant", COLUMNS), None);
        assert_eq!(
            ColumnMapping::from_json(r#"{"projets":{"a":"titre","b":null}}"#)
                .unwrap()
                .get("projets", "B"),
            Some(None)
        );
    }
}
