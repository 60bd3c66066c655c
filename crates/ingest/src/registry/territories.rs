//! The ANCT files of labelled territories, one per phase, with their two different layouts.

use std::path::Path;

use serde::Deserialize;
use territoires_domain::ids::{Siren, TerritoryId};
use territoires_domain::phase::Phase;
use territoires_domain::registry::territory::{LabelledTerritory, PerimeterMember};
use territoires_store::registry::referential::ImportOutcome;
use territoires_store::Store;
use time::Date;

use crate::registry::geojson::{shape_of, FeatureCollection};
use crate::source::{hash, parse_json, read};
use crate::{DataDir, IngestError, Result};

/// Phase 2 layout: `id_territoire`, `lib_territoire`, `liste_geo` ("CC de X (SIREN); …").
#[derive(Deserialize)]
struct SecondPhase {
    id_territoire: String,
    lib_territoire: String,
    liste_geo: String,
}

/// Phase 1 layout: `id_ti`, `lib_ti`, `lib_groupement`, `siren_groupement` (comma-separated).
#[derive(Deserialize)]
struct FirstPhase {
    id_ti: String,
    lib_ti: String,
    lib_groupement: Option<String>,
    siren_groupement: Option<String>,
}

/// Splits phase 2's `liste_geo`: members are separated by `; ` and each ends with its SIREN in brackets
/// (names themselves may contain commas and brackets).
fn parse_liste_geo(liste: &str) -> Result<Vec<PerimeterMember>, String> {
    liste
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let open = part
                .rfind('(')
                .filter(|_| part.ends_with(')'))
                .ok_or_else(|| format!("« {part} » : attendu « Nom (SIREN) »"))?;
            let siren = Siren::parse(&part[open + 1..part.len() - 1])
                .map_err(|e| format!("« {part} » : {e}"))?;
            Ok(PerimeterMember {
                siren,
                label: part[..open].trim().to_owned(),
            })
        })
        .collect()
}

/// Phase 1 names are comma-separated too, but names contain commas: the SIRENs are authoritative and the
/// names are only kept when they pair up one to one.
fn parse_first_phase_members(sirens: &str, names: &str) -> Result<Vec<PerimeterMember>, String> {
    let sirens: Vec<&str> = sirens
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let names: Vec<&str> = names.split(',').map(str::trim).collect();
    let paired = names.len() == sirens.len();
    sirens
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let siren = Siren::parse(s).map_err(|e| e.to_string())?;
            let label = if paired {
                names[i].to_owned()
            } else {
                String::new()
            };
            Ok(PerimeterMember { siren, label })
        })
        .collect()
}

/// Reads the territories of a phase from an ANCT GeoJSON file, with the hash of its content.
pub fn read_territories(phase: Phase, path: &Path) -> Result<(Vec<LabelledTerritory>, String)> {
    let bytes = read(path)?;
    let content_hash = hash([bytes.as_slice()]);
    Ok((parse_territories(phase, path, &bytes)?, content_hash))
}

fn parse_territories(phase: Phase, path: &Path, bytes: &[u8]) -> Result<Vec<LabelledTerritory>> {
    let mut territories = Vec::new();
    let mut errors = Vec::new();
    let mut push = |i: usize,
                    id: &str,
                    name: String,
                    members: Result<Vec<PerimeterMember>, String>,
                    field: &str,
                    shape| {
        let location = format!("entité {} ({id})", i + 1);
        let id = match TerritoryId::parse(id) {
            Ok(id) => id,
            Err(e) => {
                return errors.push(IngestError::record(
                    path,
                    location,
                    e.field().unwrap_or("-"),
                    e,
                ))
            }
        };
        match members {
            Ok(members) if !members.is_empty() => territories.push(LabelledTerritory {
                phase,
                id,
                name: name.trim().to_owned(),
                members,
                contour: shape,
            }),
            Ok(_) => errors.push(IngestError::record(path, location, field, "aucun membre")),
            Err(e) => errors.push(IngestError::record(path, location, field, e)),
        }
    };
    match phase {
        Phase::Second => {
            let fc: FeatureCollection<SecondPhase> = parse_json(path, bytes)?;
            for (i, f) in fc.features.into_iter().enumerate() {
                let p = f.properties;
                let shape = shape_of(f.geometry).contour();
                push(
                    i,
                    &p.id_territoire,
                    p.lib_territoire,
                    parse_liste_geo(&p.liste_geo),
                    "liste_geo",
                    shape,
                );
            }
        }
        Phase::First => {
            let fc: FeatureCollection<FirstPhase> = parse_json(path, bytes)?;
            for (i, f) in fc.features.into_iter().enumerate() {
                let p = f.properties;
                let shape = shape_of(f.geometry).contour();
                let members = parse_first_phase_members(
                    p.siren_groupement.as_deref().unwrap_or_default(),
                    p.lib_groupement.as_deref().unwrap_or_default(),
                );
                push(i, &p.id_ti, p.lib_ti, members, "siren_groupement", shape);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for t in &territories {
        if !seen.insert(t.id.clone()) {
            errors.push(IngestError::record(
                path,
                format!("{}", t.id),
                "id",
                "identifiant en double",
            ));
        }
    }
    IngestError::check(errors)?;
    Ok(territories)
}

/// Reads and imports a phase's territories in one transaction; a perimeter change applies from `effective`.
/// A file imported before is not even parsed.
pub async fn import_territories(
    store: &Store,
    data: &DataDir,
    phase: Phase,
    file: Option<&Path>,
    effective: Date,
    actor: &str,
) -> Result<ImportOutcome> {
    let path = file
        .map(Path::to_owned)
        .unwrap_or_else(|| data.territories(phase));
    let bytes = read(&path)?;
    let content_hash = hash([bytes.as_slice()]);
    if store
        .is_last_import(&format!("territories:{phase}"), &content_hash)
        .await?
    {
        return Ok(ImportOutcome::unchanged());
    }
    let territories = parse_territories(phase, &path, &bytes)?;
    store
        .import_territories(phase, &territories, effective, &content_hash, actor)
        .await
        .map_err(|e| match e {
            territoires_store::StoreError::Precondition(message) => {
                IngestError::Format { path, message }
            }
            other => other.into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liste_geo_keeps_commas_and_brackets_in_names() {
        let members = parse_liste_geo(
            "CC Ardenne, Rives de Meuse (240800821); CC du District Urbain de Faulquemont (DUF) (245700133)",
        )
        .unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].label, "CC Ardenne, Rives de Meuse");
        assert_eq!(
            members[1].label,
            "CC du District Urbain de Faulquemont (DUF)"
        );
        assert_eq!(members[1].siren.as_str(), "245700133");
        let err = parse_liste_geo("CC sans SIREN").unwrap_err();
        assert!(err.contains("Nom (SIREN)"), "{err}");
    }

    #[test]
    fn first_phase_names_pair_only_when_counts_match() {
        let m = parse_first_phase_members(
            "200068658, 200072999",
            "CA de Chaumont, CC du Grand Langres",
        )
        .unwrap();
        assert_eq!(m[1].label, "CC du Grand Langres");
        let m = parse_first_phase_members("240800821", "CC Ardenne, Rives de Meuse").unwrap();
        assert_eq!(m[0].label, "", "two names for one SIREN cannot be paired");
        assert!(parse_first_phase_members("24080082", "x").is_err());
    }
}
