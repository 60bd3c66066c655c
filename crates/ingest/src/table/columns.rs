//! Headers as people write them, matched to a table's columns: case, accents, spaces and punctuation
//! ignored, a few common synonyms, small typos (edit distance), and the header row found below title rows.

use territoires_domain::search::search_key;

/// Words people use for a column instead of its name: (their key, the column).
const SYNONYMS: &[(&str, &str)] = &[
    ("intitule", "titre"),
    ("libelle", "titre"),
    ("nom_du_projet", "titre"),
    ("nom_de_l_action", "titre"),
    ("intitule_de_l_action", "titre"),
    ("code_projet", "code"),
    ("code_fiche", "code"),
    ("territoire", "territoires"),
    ("axe", "axes"),
    ("theme", "themes"),
    ("thematique", "themes"),
    ("thematiques", "themes"),
    ("porteur", "porteur_nom"),
    ("porteur_de_projet", "porteur_nom"),
    ("siret", "porteur_id"),
    ("siren", "porteur_id"),
    ("porteur_identifiant", "porteur_id"),
    ("cout", "cout_total"),
    ("cout_du_projet", "cout_total"),
    ("cout_previsionnel", "cout_total"),
    ("cout_estime", "cout_total"),
    ("projet_code", "projet"),
    ("financeur_code", "financeur"),
    ("montant", "montant_demande"),
    ("date", "date_demande"),
    // History and post files: a synonym applies only to a table that has its column.
    ("territoire", "id_territoire"),
    ("code_territoire", "id_territoire"),
    ("etape", "evenement"),
    ("jalon", "evenement"),
    ("role", "evenement"),
    ("date_d_ouverture", "ouverture"),
    ("date_de_fermeture", "fermeture"),
    ("cofinanceur", "financeur"),
];

/// A header's key: lower case ASCII words joined by `_` (`Coût total (€)` → `cout_total`).
pub fn key(header: &str) -> String {
    search_key(header).replace(' ', "_")
}

/// The column of `known` a header names, if one does: by its key, a synonym, or a close spelling.
pub fn match_column<'k>(header: &str, known: &[&'k str]) -> Option<&'k str> {
    let k = key(header);
    if k.is_empty() {
        return None;
    }
    let exact = |name: &str| known.iter().copied().find(|c| *c == name);
    if let Some(c) = exact(&k) {
        return Some(c);
    }
    if let Some(c) = SYNONYMS
        .iter()
        .filter(|(word, _)| *word == k)
        .find_map(|(_, column)| exact(column))
    {
        return Some(c);
    }
    // A unit in parentheses or a trailing word (`montant_demande_eur`) is not a different column.
    if let Some(c) = known
        .iter()
        .copied()
        .filter(|c| k.starts_with(&format!("{c}_")) && c.len() >= 4)
        .max_by_key(|c| c.len())
    {
        return Some(c);
    }
    closest(&k, known)
        .filter(|(_, score)| *score >= 0.8)
        .map(|(c, _)| c)
}

/// The column whose name is spelt closest to `key`, with the similarity (0 to 1).
pub fn closest<'k>(key: &str, known: &[&'k str]) -> Option<(&'k str, f64)> {
    known
        .iter()
        .map(|c| (*c, strsim::normalized_damerau_levenshtein(key, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "code",
        "titre",
        "territoires",
        "montant_demande",
        "date_demande",
        "porteur_nom",
    ];

    #[test]
    fn headers_match_whatever_their_case_accents_typos_or_synonyms() {
        for (header, column) in [
            ("Code", "code"),
            ("TITRE", "titre"),
            ("Intitulé", "titre"),
            ("Territoire", "territoires"),
            ("Montant demandé (€)", "montant_demande"),
            ("montant demande", "montant_demande"),
            ("Montant demandé", "montant_demande"),
            ("montnt_demande", "montant_demande"),
            ("Date de demande", "date_demande"),
            ("Porteur", "porteur_nom"),
        ] {
            assert_eq!(match_column(header, KNOWN), Some(column), "{header}");
        }
        for header in ["Couleur", "Observations", "", "  "] {
            assert_eq!(match_column(header, KNOWN), None, "{header}");
        }
    }

    #[test]
    fn a_synonym_names_the_column_its_table_has() {
        let history = ["phase", "id_territoire", "evenement", "date"];
        for (header, column) in [
            ("Territoire", "id_territoire"),
            ("Étape", "evenement"),
            ("Rôle", "evenement"),
            ("Date", "date"),
        ] {
            assert_eq!(match_column(header, &history), Some(column), "{header}");
        }
        let posts = ["ouverture", "fermeture", "financeur"];
        assert_eq!(match_column("Date d'ouverture", &posts), Some("ouverture"));
        assert_eq!(match_column("Cofinanceur", &posts), Some("financeur"));
        assert_eq!(
            match_column("Territoire", KNOWN),
            Some("territoires"),
            "a fiche's territories still"
        );
    }
}
