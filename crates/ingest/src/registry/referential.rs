//! The official referential from `@etalab/decoupage-administratif` (regions, départements, communes,
//! EPCIs, EPTs) and the ANCT region contours.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use territoires_domain::ids::{CommuneCode, DepartementCode, RegionCode, Siren};
use territoires_domain::map::Contour;
use territoires_domain::registry::referential::{
    Commune, Departement, Grouping, Referential, Region,
};
use territoires_domain::DomainError;
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;

use crate::registry::geojson::{shape_of, FeatureCollection};
use crate::source::{hash, parse_json, read};
use crate::{DataDir, IngestError, Result};

/// The COG millésime of `@etalab/decoupage-administratif` 6.0.0.
pub const MILLESIME: i32 = 2026;

#[derive(Deserialize)]
struct RawRegion {
    code: String,
    nom: String,
}

#[derive(Deserialize)]
struct RawDepartement {
    code: String,
    region: String,
    nom: String,
}

#[derive(Deserialize)]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    departement: Option<String>,
    region: Option<String>,
    siren: Option<String>,
    population: Option<i64>,
}

#[derive(Deserialize)]
struct RawGrouping {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    kind: String,
    membres: Vec<RawMember>,
}

#[derive(Deserialize)]
struct RawMember {
    code: String,
}

#[derive(Deserialize)]
struct RegionProperties {
    insee_reg: String,
}

/// The referential read from the data folder, with the hash of its files.
pub struct ReferentialFiles {
    /// The referential.
    pub referential: Referential,
    /// Region contours for the overview map.
    pub region_contours: Vec<(String, Contour)>,
    /// Identity of the content.
    pub content_hash: String,
}

/// Collects field errors of one record, naming the file and the record.
struct Checker<'a> {
    path: &'a Path,
    errors: Vec<IngestError>,
}

impl Checker<'_> {
    fn ok<T>(
        &mut self,
        location: impl FnOnce() -> String,
        result: Result<T, DomainError>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                let field = e.field().unwrap_or("-");
                self.errors
                    .push(IngestError::record(self.path, location(), field, e));
                None
            }
        }
    }
}

type Files = Vec<(std::path::PathBuf, Vec<u8>)>;

fn read_files(data: &DataDir) -> Result<(Files, String)> {
    let dir = data.decoupage();
    let files: Files = ["regions", "departements", "communes", "epci", "ept"]
        .iter()
        .map(|name| dir.join(format!("{name}.json")))
        .chain(std::iter::once(data.region_contours()))
        .map(|path| read(&path).map(|bytes| (path, bytes)))
        .collect::<Result<_>>()?;
    let content_hash = hash(files.iter().map(|(_, b)| b.as_slice()));
    Ok((files, content_hash))
}

/// Reads the referential from the data folder. Every wrong record is reported, with its file and code.
pub fn read_referential(data: &DataDir) -> Result<ReferentialFiles> {
    let (files, content_hash) = read_files(data)?;
    parse_referential(files, content_hash)
}

fn parse_referential(files: Files, content_hash: String) -> Result<ReferentialFiles> {
    let [regions, departements, communes, epci, ept, contours] = &files[..] else {
        unreachable!("six files")
    };
    let mut errors = Vec::new();

    let mut referential = Referential {
        millesime: MILLESIME,
        ..Default::default()
    };
    {
        let (path, bytes) = regions;
        let mut c = Checker {
            path,
            errors: Vec::new(),
        };
        for (i, r) in parse_json::<Vec<RawRegion>>(path, bytes)?
            .into_iter()
            .enumerate()
        {
            let at = || format!("enregistrement {} (code {})", i + 1, r.code);
            if let Some(code) = c.ok(at, RegionCode::parse(&r.code)) {
                referential.regions.push(Region { code, name: r.nom });
            }
        }
        errors.append(&mut c.errors);
    }
    {
        let (path, bytes) = departements;
        let mut c = Checker {
            path,
            errors: Vec::new(),
        };
        for (i, d) in parse_json::<Vec<RawDepartement>>(path, bytes)?
            .into_iter()
            .enumerate()
        {
            let at = || format!("enregistrement {} (code {})", i + 1, d.code);
            let code = c.ok(at, DepartementCode::parse(&d.code));
            let region = c.ok(at, RegionCode::parse(&d.region));
            if let (Some(code), Some(region)) = (code, region) {
                referential.departements.push(Departement {
                    code,
                    region,
                    name: d.nom,
                });
            }
        }
        errors.append(&mut c.errors);
    }
    {
        let (path, bytes) = communes;
        let mut c = Checker {
            path,
            errors: Vec::new(),
        };
        // Delegated and associated communes and municipal arrondissements are not communes in their own right.
        for (i, r) in parse_json::<Vec<RawCommune>>(path, bytes)?
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.kind == "commune-actuelle")
        {
            let at = || format!("enregistrement {} (code {})", i + 1, r.code);
            let code = c.ok(at, CommuneCode::parse(&r.code));
            let departement = c.ok(
                at,
                DepartementCode::parse(r.departement.as_deref().unwrap_or_default()),
            );
            let region = c.ok(
                at,
                RegionCode::parse(r.region.as_deref().unwrap_or_default()),
            );
            let siren = match r.siren.as_deref() {
                Some(s) => c.ok(at, Siren::parse(s)).map(Some),
                None => Some(None),
            };
            if let (Some(code), Some(departement), Some(region), Some(siren)) =
                (code, departement, region, siren)
            {
                referential.communes.push(Commune {
                    code,
                    name: r.nom,
                    departement,
                    region,
                    siren,
                    population: r.population,
                });
            }
        }
        errors.append(&mut c.errors);
    }
    let known: HashSet<&str> = referential
        .communes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let mut groupings = Vec::new();
    for (path, bytes) in [epci, ept] {
        let mut c = Checker {
            path,
            errors: Vec::new(),
        };
        for (i, g) in parse_json::<Vec<RawGrouping>>(path, bytes)?
            .into_iter()
            .enumerate()
        {
            let at = || format!("enregistrement {} (SIREN {})", i + 1, g.code);
            let siren = c.ok(at, Siren::parse(&g.code));
            let nature = c.ok(at, g.kind.parse());
            let mut members = Vec::with_capacity(g.membres.len());
            for m in &g.membres {
                match CommuneCode::parse(&m.code) {
                    Ok(code) if known.contains(code.as_str()) => members.push(code),
                    Ok(code) => c.errors.push(IngestError::record(
                        path,
                        at(),
                        "membres",
                        format!("commune {code} absente de communes.json"),
                    )),
                    Err(e) => c.errors.push(IngestError::record(path, at(), "membres", e)),
                }
            }
            if let (Some(siren), Some(nature)) = (siren, nature) {
                groupings.push(Grouping {
                    siren,
                    name: g.nom,
                    nature,
                    members,
                });
            }
        }
        errors.append(&mut c.errors);
    }
    referential.groupings = groupings;

    let (path, bytes) = contours;
    let mut region_contours = Vec::new();
    for (i, f) in parse_json::<FeatureCollection<RegionProperties>>(path, bytes)?
        .features
        .into_iter()
        .enumerate()
    {
        match shape_of(f.geometry).contour() {
            Some(contour) => region_contours.push((f.properties.insee_reg, contour)),
            None => errors.push(IngestError::record(
                path,
                format!("entité {}", i + 1),
                "geometry",
                "contour vide ou hors carte",
            )),
        }
    }
    IngestError::check(errors)?;
    Ok(ReferentialFiles {
        referential,
        region_contours,
        content_hash,
    })
}

/// Reads and imports the referential in one transaction. Files imported before are not even parsed.
pub async fn import_referential(
    store: &Store,
    data: &DataDir,
    actor: &str,
) -> Result<ImportOutcome> {
    let (files, content_hash) = read_files(data)?;
    if store
        .is_last_import(&format!("referential:{MILLESIME}"), &content_hash)
        .await?
    {
        return Ok(ImportOutcome::unchanged());
    }
    let files = parse_referential(files, content_hash)?;
    Ok(store
        .import_referential(
            &files.referential,
            &files.region_contours,
            &files.content_hash,
            actor,
        )
        .await?)
}
