//! A brownfield (*friche*) as the CNIG *friches* standard describes it (Table Schema 1.0.6): a site, its
//! commune, its point, its surfaces, pollution and owner, and its status over time — a status is a dated
//! fact (*friche sans projet* → *avec projet* → *reconvertie*), so a count of brownfields by status can be
//! read as of any date.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use crate::ids::CommuneCode;
use crate::search::search_key;
use crate::text::{check_code, check_text};
use crate::DomainError;

/// Every field of the CNIG *friches* standard 1.0.6, in its order: the columns of the standard's export.
pub const STANDARD_FIELDS: [&str; 51] = [
    "site_id",
    "site_nom",
    "site_type",
    "site_adresse",
    "site_identif_date",
    "site_actu_date",
    "site_url",
    "site_ademe_url",
    "site_securite",
    "site_occupation",
    "site_statut",
    "site_projet_url",
    "site_reconv_annee",
    "site_reconv_type",
    "activite_libelle",
    "activite_code",
    "activite_fin_annee",
    "comm_nom",
    "comm_insee",
    "bati_type",
    "bati_nombre",
    "bati_surface",
    "bati_pollution",
    "bati_vacance",
    "bati_patrimoine",
    "bati_etat",
    "local_ancien_annee",
    "local_recent_annee",
    "proprio_type",
    "proprio_personne",
    "proprio_nom",
    "sol_pollution_annee",
    "sol_pollution_existe",
    "sol_pollution_origine",
    "sol_pollution_commentaire",
    "sol_depollution_fiche",
    "unite_fonciere_surface",
    "unite_fonciere_refcad",
    "urba_zone_type",
    "urba_zone_lib",
    "urba_zone_formdomi",
    "urba_zaer",
    "urba_doc_type",
    "desserte_distance",
    "desserte_commentaire",
    "source_nom",
    "source_url",
    "source_producteur",
    "source_contact",
    "geompoint",
    "geomsurf",
];

/// The fields a source may give besides the standard's: Cartofriches' `nature` of its record (`MTE`,
/// `observatoire local`, `fond friche`…).
pub const EXTRA_FIELDS: [&str; 1] = ["nature"];

/// The longest value of a standard field kept (a description, a list of parcels).
pub const FIELD_MAX: usize = 20_000;

/// Where a brownfield stands (`site_statut`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "&'static str")]
pub enum BrownfieldStatus {
    /// Possibly a brownfield, not yet checked (old industrial sites of the BASIAS/BASOL inventories).
    Potential,
    /// A brownfield no project is known for.
    WithoutProject,
    /// A brownfield with a project.
    WithProject,
    /// Converted to a new use.
    Converted,
    /// The source does not say.
    Unknown,
}

impl BrownfieldStatus {
    /// Every status, in the order of a brownfield's life (unknown last).
    pub const ALL: [BrownfieldStatus; 5] = [
        BrownfieldStatus::Potential,
        BrownfieldStatus::WithoutProject,
        BrownfieldStatus::WithProject,
        BrownfieldStatus::Converted,
        BrownfieldStatus::Unknown,
    ];

    /// The standard's value (`friche sans projet`…), also the stored one.
    pub fn label(self) -> &'static str {
        match self {
            BrownfieldStatus::Potential => "friche potentielle",
            BrownfieldStatus::WithoutProject => "friche sans projet",
            BrownfieldStatus::WithProject => "friche avec projet",
            BrownfieldStatus::Converted => "friche reconvertie",
            BrownfieldStatus::Unknown => "inconnu",
        }
    }

    /// A short code for addresses (`sans_projet`).
    pub fn slug(self) -> &'static str {
        match self {
            BrownfieldStatus::Potential => "potentielle",
            BrownfieldStatus::WithoutProject => "sans_projet",
            BrownfieldStatus::WithProject => "avec_projet",
            BrownfieldStatus::Converted => "reconvertie",
            BrownfieldStatus::Unknown => "inconnu",
        }
    }

    /// Whether the land is still to be mobilised (not converted, and known to be a brownfield).
    pub fn is_mobilisable(self) -> bool {
        matches!(
            self,
            BrownfieldStatus::WithoutProject | BrownfieldStatus::WithProject
        )
    }

    /// Reads the standard's value or its code, whatever the case and accents, with or without « friche »;
    /// the standard's `autre` and `sans objet` say nothing of the status: they read as unknown.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let key = search_key(value);
        let key = key
            .strip_prefix("friche ")
            .unwrap_or(&key)
            .replace('_', " ");
        Self::ALL
            .into_iter()
            .find(|s| {
                let label = search_key(s.label());
                let label = label.strip_prefix("friche ").unwrap_or(&label);
                key == label || key == s.slug().replace('_', " ")
            })
            .or(match key.as_str() {
                "" | "autre" | "sans objet" | "na" => Some(BrownfieldStatus::Unknown),
                _ => None,
            })
            .ok_or_else(|| {
                DomainError::invalid(
                    "site_statut",
                    value,
                    "friche potentielle, friche sans projet, friche avec projet, friche reconvertie ou inconnu",
                )
            })
    }
}

impl From<BrownfieldStatus> for &'static str {
    fn from(s: BrownfieldStatus) -> Self {
        s.label()
    }
}

/// A point in WGS 84 (longitude, latitude in degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Longitude, east positive.
    pub lon: f64,
    /// Latitude, north positive.
    pub lat: f64,
}

impl Point {
    /// A point from a WKT pair `x y`: longitude then latitude. A pair that reads as metropolitan France only
    /// with its axes swapped (latitude first, as the standard's own example writes it) is read so.
    pub fn from_xy(field: &'static str, x: f64, y: f64) -> Result<Point, DomainError> {
        let metropolitan =
            |lon: f64, lat: f64| (-6.0..=10.0).contains(&lon) && (41.0..=51.5).contains(&lat);
        let (lon, lat) = if !metropolitan(x, y) && metropolitan(y, x) {
            (y, x)
        } else {
            (x, y)
        };
        if !(lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
        {
            return Err(DomainError::invalid(
                field,
                &format!("{x} {y}"),
                "une longitude (−180 à 180) et une latitude (−90 à 90) en degrés WGS 84",
            ));
        }
        Ok(Point { lon, lat })
    }

    /// Reads a point written `POINT (x y)`, `POINT(x y)`, R's `c(x, y)` or `x, y`.
    pub fn read(field: &'static str, text: &str) -> Result<Point, DomainError> {
        let invalid = || {
            DomainError::invalid(
                field,
                text,
                "un point « POINT (longitude latitude) » ou « c(longitude, latitude) »",
            )
        };
        let trimmed = text.trim();
        let inner = trimmed
            .strip_prefix("POINT")
            .or_else(|| trimmed.strip_prefix('c'))
            .unwrap_or(trimmed)
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')');
        let numbers: Vec<f64> = inner
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().map_err(|_| invalid()))
            .collect::<Result<_, _>>()?;
        match numbers[..] {
            [x, y] => Point::from_xy(field, x, y),
            _ => Err(invalid()),
        }
    }

    /// The point in WKT, as the standard's `geompoint` (`POINT (2.35 48.85)`).
    pub fn wkt(self) -> String {
        format!("POINT ({} {})", self.lon, self.lat)
    }
}

/// A brownfield as a source describes it: what the platform reads (commune, point, surfaces, status) and
/// every field of the standard the source gave, kept for the standard's export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brownfield {
    /// The standard's `site_id` (`50419_27068`: the commune's code, then the producer's number).
    pub site_id: String,
    /// Its name, when the source gives one.
    pub name: Option<String>,
    /// The commune it lies in.
    pub commune: CommuneCode,
    /// Its point, when the source gives one.
    pub point: Option<Point>,
    /// The land unit's surface in m² (`unite_fonciere_surface`), when known.
    pub land_area_m2: Option<i64>,
    /// The built surface in m² (`bati_surface`), when known.
    pub built_area_m2: Option<i64>,
    /// Its status, as of [`Brownfield::status_on`].
    pub status: BrownfieldStatus,
    /// The day the source gives its status as of.
    pub status_on: Date,
    /// Who produced the record (`source_nom`, Cartofriches' `nom_prodcartofriches`), when said.
    pub source: Option<String>,
    /// Every other field of the standard the source gave, by the standard's name (and the
    /// [`EXTRA_FIELDS`]).
    pub standard: BTreeMap<String, String>,
}

impl Brownfield {
    /// Checks what a source gave: the site's id is a code, texts are texts, surfaces are not negative.
    pub fn validate(&self) -> Result<(), DomainError> {
        check_code("site_id", &self.site_id)?;
        if let Some(name) = &self.name {
            check_text("site_nom", name, FIELD_MAX)?;
        }
        for (field, area) in [
            ("unite_fonciere_surface", self.land_area_m2),
            ("bati_surface", self.built_area_m2),
        ] {
            if let Some(area) = area.filter(|a| *a < 0) {
                return Err(DomainError::invalid(
                    field,
                    &area.to_string(),
                    "une surface en m² positive ou nulle",
                ));
            }
        }
        for (field, value) in &self.standard {
            if !STANDARD_FIELDS.contains(&field.as_str()) && !EXTRA_FIELDS.contains(&field.as_str())
            {
                return Err(DomainError::Rule(format!(
                    "« {field} » n'est pas un champ du standard CNIG friches"
                )));
            }
            check_text("champ du standard", value, FIELD_MAX)?;
        }
        Ok(())
    }

    /// This record completed by `newer`, a later description of the same site: what `newer` says replaces
    /// what this one said, what it does not say is kept (a list of points does not erase a standard
    /// file's names and surfaces). The status is not merged: each source's is a dated fact of its own.
    pub fn completed_by(&self, newer: &Brownfield) -> Brownfield {
        let mut standard = self.standard.clone();
        standard.extend(newer.standard.clone());
        Brownfield {
            site_id: newer.site_id.clone(),
            name: newer.name.clone().or_else(|| self.name.clone()),
            commune: newer.commune.clone(),
            point: newer.point.or(self.point),
            land_area_m2: newer.land_area_m2.or(self.land_area_m2),
            built_area_m2: newer.built_area_m2.or(self.built_area_m2),
            status: newer.status,
            status_on: newer.status_on,
            source: newer.source.clone().or_else(|| self.source.clone()),
            standard,
        }
    }
}

/// A surface in m²: a whole number (spaces grouping thousands, a spreadsheet's `.0` allowed).
pub fn read_square_metres(field: &'static str, text: &str) -> Result<i64, DomainError> {
    crate::fr::read_whole_number(text)
        .ok_or_else(|| DomainError::invalid(field, text, "une surface en m² (nombre entier)"))
}

/// Two descriptions of the same site merged: where both speak, the one dated later (its
/// [`Brownfield::status_on`]) wins; the other fills what it leaves unsaid; the result is dated the later.
/// The order the sources arrive in does not matter, and merging a source again changes nothing.
pub fn merged(a: &Brownfield, b: &Brownfield) -> Brownfield {
    if b.status_on >= a.status_on {
        a.completed_by(b)
    } else {
        b.completed_by(a)
    }
}

/// A brownfield's status on `on`: the latest of its dated statuses (`(since, status)`) not after `on`;
/// `None` before the first (the site was not known as a brownfield then).
pub fn status_on(statuses: &[(Date, BrownfieldStatus)], on: Date) -> Option<BrownfieldStatus> {
    statuses
        .iter()
        .filter(|(since, _)| *since <= on)
        .max_by_key(|(since, _)| *since)
        .map(|(_, status)| *status)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn a_status_reads_as_the_standard_writes_it_and_as_people_do() {
        for (text, status) in [
            ("friche sans projet", BrownfieldStatus::WithoutProject),
            ("Friche avec projet", BrownfieldStatus::WithProject),
            ("reconvertie", BrownfieldStatus::Converted),
            ("sans_projet", BrownfieldStatus::WithoutProject),
            ("FRICHE POTENTIELLE", BrownfieldStatus::Potential),
            ("inconnu", BrownfieldStatus::Unknown),
            ("sans objet", BrownfieldStatus::Unknown),
            ("", BrownfieldStatus::Unknown),
        ] {
            assert_eq!(BrownfieldStatus::parse(text).unwrap(), status, "{text}");
        }
        for status in BrownfieldStatus::ALL {
            assert_eq!(BrownfieldStatus::parse(status.label()).unwrap(), status);
            assert_eq!(BrownfieldStatus::parse(status.slug()).unwrap(), status);
        }
        let err = BrownfieldStatus::parse("en projet")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("site_statut") && err.contains("« en projet »"),
            "{err}"
        );
    }

    #[test]
    fn a_status_holds_from_its_date_until_the_next() {
        let history = [
            (date!(2021 - 03 - 01), BrownfieldStatus::WithoutProject),
            (date!(2023 - 06 - 15), BrownfieldStatus::WithProject),
            (date!(2025 - 01 - 10), BrownfieldStatus::Converted),
        ];
        assert_eq!(status_on(&history, date!(2021 - 02 - 28)), None);
        assert_eq!(
            status_on(&history, date!(2021 - 03 - 01)),
            Some(BrownfieldStatus::WithoutProject)
        );
        assert_eq!(
            status_on(&history, date!(2023 - 06 - 14)),
            Some(BrownfieldStatus::WithoutProject)
        );
        assert_eq!(
            status_on(&history, date!(2024 - 12 - 31)),
            Some(BrownfieldStatus::WithProject)
        );
        assert_eq!(
            status_on(&history, date!(2026 - 01 - 01)),
            Some(BrownfieldStatus::Converted)
        );
    }

    #[test]
    fn points_are_read_in_either_axis_order_for_metropolitan_france_and_bounded() {
        let p = Point::from_xy("geompoint", -1.453596, 48.97212).unwrap();
        assert_eq!((p.lon, p.lat), (-1.453596, 48.97212));
        // The standard's example writes latitude first.
        let p = Point::from_xy("geompoint", 49.2527, 3.9815).unwrap();
        assert_eq!((p.lon, p.lat), (3.9815, 49.2527));
        // Réunion stays as written.
        let p = Point::from_xy("geompoint", 55.45, -20.88).unwrap();
        assert_eq!((p.lon, p.lat), (55.45, -20.88));
        assert!(Point::from_xy("geompoint", 200.0, 3.0).is_err());
        assert!(Point::from_xy("geompoint", f64::NAN, 3.0).is_err());
        assert_eq!(
            Point::from_xy("g", 2.5, 48.0).unwrap().wkt(),
            "POINT (2.5 48)"
        );
    }

    fn site(status: BrownfieldStatus) -> Brownfield {
        Brownfield {
            site_id: "57463_1".into(),
            name: Some("Ancienne aciérie".into()),
            commune: CommuneCode::parse("57463").unwrap(),
            point: Some(Point {
                lon: 6.17,
                lat: 49.12,
            }),
            land_area_m2: Some(52_000),
            built_area_m2: None,
            status,
            status_on: date!(2024 - 01 - 16),
            source: Some("EPF Grand Est".into()),
            standard: BTreeMap::from([("site_type".into(), "friche industrielle".into())]),
        }
    }

    #[test]
    fn a_later_source_completes_what_it_does_not_say() {
        let stored = site(BrownfieldStatus::WithoutProject);
        let mut list = site(BrownfieldStatus::WithProject);
        list.name = None;
        list.land_area_m2 = None;
        list.built_area_m2 = Some(800);
        list.standard = BTreeMap::from([("source_producteur".into(), "Cerema".into())]);
        let merged = stored.completed_by(&list);
        assert_eq!(merged.name.as_deref(), Some("Ancienne aciérie"));
        assert_eq!(merged.land_area_m2, Some(52_000));
        assert_eq!(merged.built_area_m2, Some(800));
        assert_eq!(merged.status, BrownfieldStatus::WithProject);
        assert_eq!(merged.standard.len(), 2);
    }

    #[test]
    fn the_later_source_wins_whatever_the_order_and_again_changes_nothing() {
        let standard = site(BrownfieldStatus::WithoutProject);
        let mut list = site(BrownfieldStatus::Potential);
        list.status_on = date!(2023 - 12 - 31);
        list.source = Some("Cartofriches".into());
        list.name = None;
        list.land_area_m2 = None;
        let one = merged(&list, &standard);
        let other = merged(&standard, &list);
        assert_eq!(one, other);
        assert_eq!(one.source.as_deref(), Some("EPF Grand Est"));
        assert_eq!(one.status_on, standard.status_on);
        assert_eq!(merged(&one, &list), one);
    }

    #[test]
    fn a_site_is_refused_for_a_bad_id_a_negative_surface_or_an_unknown_field() {
        assert!(site(BrownfieldStatus::Unknown).validate().is_ok());
        let mut s = site(BrownfieldStatus::Unknown);
        s.site_id = "../etc".into();
        assert!(s.validate().unwrap_err().to_string().contains("site_id"));
        let mut s = site(BrownfieldStatus::Unknown);
        s.land_area_m2 = Some(-3);
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("unite_fonciere_surface"));
        let mut s = site(BrownfieldStatus::Unknown);
        s.standard.insert("couleur".into(), "bleu".into());
        assert!(s.validate().unwrap_err().to_string().contains("couleur"));
    }
}
