//! The template a team fills in, one per kind of file the import reads (the portfolio's workbook, a
//! history file, a post file): its tables without rows, each column explained where it is typed (an input
//! message) and on a notice sheet, drop-down lists for the values the programme fixes (phases, axes,
//! statuses, events, kinds of funders and holders, natures) and for those of the importer's scope
//! (territories, funders, schemes). Lists of fixed values are strict; multi-valued columns
//! (territories, axes) and those that also take a name (a territory) only suggest.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, Formula, Workbook, Worksheet, XlsxError,
};
use territoires_domain::phase::Phase;
use territoires_domain::portfolio::funding::{FunderKind, Instrument, PaymentTerms};
use territoires_domain::portfolio::project::{Axis, HolderKind};
use territoires_domain::registry::governance::Role;
use territoires_domain::registry::milestone::{DatePrecision, MilestoneKind};

use crate::portfolio::TABLES;
use crate::registry::{history, posts};

/// The kind of file a template is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Funders, schemes, envelopes, fiches actions and funding lines: one workbook, a sheet per table.
    Portfolio,
    /// Milestones, labelling events, governance appointments and attributes of territories.
    History,
    /// Chef de projet posts and their co-financings.
    Posts,
}

impl Kind {
    /// The kind an upload's `contenu` names (`projets`, `historique`, `postes`), if any.
    pub fn of(content: &str) -> Option<Kind> {
        match content {
            "" | "projets" => Some(Kind::Portfolio),
            history::TABLE => Some(Kind::History),
            posts::TABLE => Some(Kind::Posts),
            _ => None,
        }
    }

    /// Its tables and their columns, in the order files list them.
    fn tables(self) -> Vec<(&'static str, &'static [&'static str])> {
        match self {
            Kind::Portfolio => TABLES.to_vec(),
            Kind::History => vec![(history::TABLE, &history::COLUMNS)],
            Kind::Posts => vec![(posts::TABLE, &posts::COLUMNS)],
        }
    }

    /// The name of the file downloaded.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Portfolio => "modele-import-territoires-d-industrie.xlsx",
            Kind::History => "modele-historique-territoires-d-industrie.xlsx",
            Kind::Posts => "modele-postes-territoires-d-industrie.xlsx",
        }
    }

    /// What the notice says to fill in, and how.
    fn instructions(self) -> [&'static str; 2] {
        match self {
            Kind::Portfolio => [
                "Remplissez les feuilles projets et financements (et, pour l'équipe nationale, financeurs, dispositifs et enveloppes) ; laissez vides les feuilles dont vous n'avez pas besoin.",
                "Une ligne par fiche action ou par ligne de financement ; une valeur inconnue reste vide (jamais 0). Les en-têtes peuvent être réordonnés ; les colonnes absentes gardent la valeur enregistrée.",
            ],
            Kind::History => [
                "Une ligne par fait daté d'un territoire : un jalon (diagnostic réalisé, contrat signé…), une nomination (binôme élu, binôme industriel, chef de projet ; personne vide si le poste est vacant) ou un attribut (fragile, étiquette).",
                "Un fait déjà enregistré n'est pas écrit de nouveau ; un fait ne se modifie pas : une erreur se retire depuis la page du territoire. Les en-têtes peuvent être réordonnés.",
            ],
            Kind::Posts => [
                "Une ligne par poste de chef de projet, ou une ligne par cofinancement du poste (les colonnes du poste répétées).",
                "Un poste est reconnu à son territoire et à sa date d'ouverture ; laissez fermeture vide tant qu'il est ouvert. Un montant inconnu reste vide (jamais 0).",
            ],
        }
    }
}

/// The values of the importer's scope that the template offers in its lists.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Who the template is for, said on the notice (`Région Grand Est`, `France entière`).
    pub scope: String,
    /// Territories of the scope: id and name.
    pub territories: Vec<(String, String)>,
    /// Funders: code and name.
    pub funders: Vec<(String, String)>,
    /// Schemes: code and name.
    pub schemes: Vec<(String, String)>,
}

/// What a column holds: whether it must be filled, what is expected, an example.
struct Column {
    table: &'static str,
    name: &'static str,
    required: bool,
    expected: &'static str,
    example: &'static str,
}

const fn col(
    table: &'static str,
    name: &'static str,
    required: bool,
    expected: &'static str,
    example: &'static str,
) -> Column {
    Column {
        table,
        name,
        required,
        expected,
        example,
    }
}

const DATE: &str = "une date (19/11/2019, 19 novembre 2019 ou 2019-11-19)";
const AMOUNT: &str = "un montant en euros (1 200 000, 1200000,50, 1,2 M€, 850 k€)";
const COUNT: &str = "un nombre entier, vide si inconnu (jamais 0 pour « inconnu »)";

/// Every column of every table, in the order of [`TABLES`].
const COLUMNS: &[Column] = &[
    col(
        "financeurs",
        "code",
        true,
        "un code court, sans espace",
        "bpifrance",
    ),
    col(
        "financeurs",
        "nom",
        true,
        "le nom du financeur",
        "Bpifrance",
    ),
    col(
        "financeurs",
        "type",
        true,
        "un type de la liste",
        "operateur",
    ),
    col(
        "financeurs",
        "siret",
        false,
        "le SIRET de l'organisme qui attribue (14 chiffres), publié avec ses subventions",
        "",
    ),
    col(
        "dispositifs",
        "code",
        true,
        "un code court, sans espace",
        "fonds-acceleration",
    ),
    col(
        "dispositifs",
        "nom",
        true,
        "le nom du dispositif",
        "Fonds d'accélération des investissements industriels",
    ),
    col(
        "dispositifs",
        "financeur",
        true,
        "le code d'un financeur",
        "bpifrance",
    ),
    col(
        "dispositifs",
        "specifique_ti",
        false,
        "oui si le dispositif est propre à Territoires d'industrie",
        "oui",
    ),
    col(
        "dispositifs",
        "notification_ue",
        false,
        "oui si ses aides sont notifiées à la Commission européenne (aides d'État), non sinon, vide si ce n'est pas établi",
        "non",
    ),
    col(
        "dispositifs",
        "description",
        false,
        "ce qu'est le dispositif, pour un agent public (5 000 caractères au plus) ; publié en données ouvertes",
        "Subventions aux projets d'investissement industriel des territoires d'industrie.",
    ),
    col(
        "dispositifs",
        "eligibilite",
        false,
        "qui et quels projets sont éligibles, en quelques phrases",
        "Entreprises industrielles implantées dans un territoire d'industrie.",
    ),
    col(
        "dispositifs",
        "types_aides",
        false,
        "les types d'aide séparés par | : assistance, avantage fiscal, conseil, étude, financement, formation, information, prêt",
        "financement",
    ),
    col(
        "dispositifs",
        "cibles",
        false,
        "les bénéficiaires séparés par | : professionnels, particuliers, associations, secteur public",
        "professionnels",
    ),
    col(
        "dispositifs",
        "eligibilite_geographique",
        false,
        "où il s'applique, en codes du COG séparés par | : PAYS-99100 (France), REG-44, DEP-57, EPCI-245701206, COM-57463",
        "PAYS-99100",
    ),
    col(
        "dispositifs",
        "url_source",
        false,
        "l'adresse où en lire davantage (https://…)",
        "",
    ),
    col(
        "dispositifs",
        "date_ouverture",
        false,
        "la date d'ouverture (19/11/2019 ou 2019-11-19)",
        "",
    ),
    col(
        "dispositifs",
        "date_cloture",
        false,
        "la date de clôture",
        "",
    ),
    col(
        "enveloppes",
        "code",
        true,
        "un code court, sans espace",
        "fa-44-2024",
    ),
    col(
        "enveloppes",
        "dispositif",
        true,
        "le code d'un dispositif",
        "fonds-acceleration",
    ),
    col(
        "enveloppes",
        "region",
        false,
        "le code INSEE de la région, vide pour une enveloppe nationale",
        "44",
    ),
    col("enveloppes", "debut", true, DATE, "01/01/2024"),
    col("enveloppes", "fin", true, DATE, "31/12/2024"),
    col("enveloppes", "montant", true, AMOUNT, "12 M€"),
    col(
        "projets",
        "code",
        true,
        "un code unique, sans espace (jusqu'à 64 caractères)",
        "GE-2024-HYDROGENE",
    ),
    col(
        "projets",
        "phase",
        true,
        "2018-2022 ou 2023-2027",
        "2023-2027",
    ),
    col(
        "projets",
        "territoires",
        true,
        "l'identifiant du territoire ; plusieurs séparés par |",
        "ti-4415",
    ),
    col(
        "projets",
        "titre",
        true,
        "le titre de la fiche action",
        "Stockage et liquéfaction d'hydrogène",
    ),
    col("projets", "description", false, "un texte libre", ""),
    col(
        "projets",
        "axes",
        false,
        "un axe de la phase ; plusieurs séparés par |",
        "innovation",
    ),
    col(
        "projets",
        "themes",
        false,
        "des mots-clés séparés par |",
        "hydrogène|énergie",
    ),
    col(
        "projets",
        "porteur_type",
        false,
        "entreprise, epci, association ou autre",
        "entreprise",
    ),
    col(
        "projets",
        "porteur_id",
        false,
        "SIRET (entreprise), SIREN (EPCI) ou RNA (association)",
        "",
    ),
    col("projets", "porteur_nom", false, "le nom du porteur", ""),
    col("projets", "cout_total", false, AMOUNT, "2,5 M€"),
    col("projets", "emplois_crees_prevus", false, COUNT, "25"),
    col("projets", "emplois_maintenus_prevus", false, COUNT, ""),
    col("projets", "investissement_prevu", false, AMOUNT, ""),
    col("projets", "tco2e_evitees_prevues", false, COUNT, ""),
    col("projets", "hectares_friche_prevus", false, COUNT, ""),
    col("projets", "emplois_crees_constates", false, COUNT, ""),
    col("projets", "emplois_maintenus_constates", false, COUNT, ""),
    col("projets", "investissement_constate", false, AMOUNT, ""),
    col("projets", "tco2e_evitees_constatees", false, COUNT, ""),
    col("projets", "hectares_friche_constates", false, COUNT, ""),
    col(
        "projets",
        "idee",
        false,
        "la date où la fiche est devenue une idée",
        "",
    ),
    col(
        "projets",
        "en_preparation",
        false,
        "la date d'entrée en préparation",
        "19/11/2019",
    ),
    col("projets", "engage", false, "la date d'engagement", ""),
    col(
        "projets",
        "en_cours",
        false,
        "la date de début de réalisation",
        "",
    ),
    col("projets", "realise", false, "la date d'achèvement", ""),
    col("projets", "abandonne", false, "la date d'abandon", ""),
    col(
        "projets",
        "source",
        false,
        "d'où vient l'information",
        "Comité de projet du 12 mars 2024",
    ),
    col(
        "projets",
        "non_publique",
        false,
        "oui tant que la fiche ne doit pas être publiée (visible des seuls agents connectés)",
        "non",
    ),
    col(
        "financements",
        "projet",
        true,
        "le code d'une fiche action",
        "GE-2024-HYDROGENE",
    ),
    col(
        "financements",
        "financeur",
        true,
        "le code d'un financeur",
        "bpifrance",
    ),
    col(
        "financements",
        "dispositif",
        false,
        "le code d'un dispositif",
        "fonds-acceleration",
    ),
    col(
        "financements",
        "nature",
        true,
        "subvention, pret, avance_remboursable ou ingenierie",
        "subvention",
    ),
    col(
        "financements",
        "reference_decision",
        true,
        "la référence de la décision du financeur",
        "CP-2024-118",
    ),
    col("financements", "montant_demande", true, AMOUNT, "800 k€"),
    col("financements", "date_demande", true, DATE, "15/01/2024"),
    col("financements", "montant_engage", false, AMOUNT, "750 000"),
    col("financements", "date_engagement", false, DATE, "12/03/2024"),
    col(
        "financements",
        "montant_verse",
        false,
        "le montant versé à ce jour (cumul)",
        "",
    ),
    col(
        "financements",
        "date_versement",
        false,
        "la date du dernier versement",
        "",
    ),
    col(
        "financements",
        "date_premier_versement",
        false,
        "la date du premier versement",
        "",
    ),
    col(
        "financements",
        "conditions_versement",
        false,
        "unique ou echelonne, comme le prévoit la convention",
        "echelonne",
    ),
    col("financements", "date_annulation", false, DATE, ""),
    col(
        "financements",
        "depassement_autorise",
        false,
        "oui si l'engagé dépasse volontairement le demandé",
        "non",
    ),
];

/// The columns of a history file and a post file.
const REGISTRY_COLUMNS: &[Column] = &[
    col("historique", "phase", true, "2018-2022 ou 2023-2027", "2023-2027"),
    col(
        "historique",
        "id_territoire",
        true,
        "l'identifiant du territoire (ti-4415) ou son nom exact",
        "ti-4415",
    ),
    col(
        "historique",
        "evenement",
        true,
        "un jalon, un rôle (binome_elu, binome_industriel, chef_de_projet) ou un attribut (fragile, fin_fragile, etiquette, fin_etiquette) de la liste",
        "diagnostic_realise",
    ),
    col(
        "historique",
        "date",
        true,
        "une date (19/11/2019, 19 novembre 2019 ou 2019-11-19) ; pour la précision entre, deux dates séparées par / (2018-11-22/2019-11-19)",
        "2024-03-01",
    ),
    col(
        "historique",
        "precision",
        false,
        "exacte (par défaut), au_plus_tard, entre ou prevu",
        "exacte",
    ),
    col(
        "historique",
        "personne",
        false,
        "pour un rôle : la personne nommée ; vide si le poste devient vacant",
        "",
    ),
    col(
        "historique",
        "organisation",
        false,
        "pour un rôle : son organisation (entreprise, collectivité)",
        "",
    ),
    col("historique", "note", false, "un texte libre", ""),
    col(
        "historique",
        "source",
        false,
        "d'où vient le fait (délibération, courrier, compte rendu)",
        "Délibération du conseil régional",
    ),
    col(
        "historique",
        "successeurs",
        false,
        "pour fusionne et scinde : les territoires qui en sont issus, séparés par |",
        "",
    ),
    col(
        "historique",
        "etiquette",
        false,
        "pour etiquette et fin_etiquette : l'étiquette",
        "",
    ),
    col("postes", "phase", true, "2018-2022 ou 2023-2027", "2023-2027"),
    col(
        "postes",
        "id_territoire",
        true,
        "l'identifiant du territoire (ti-4415) ou son nom exact",
        "ti-4415",
    ),
    col(
        "postes",
        "employeur",
        true,
        "qui emploie le chef de projet",
        "Communauté d'agglomération d'Épinal",
    ),
    col("postes", "ouverture", true, DATE, "01/09/2023"),
    col(
        "postes",
        "fermeture",
        false,
        "la date de fermeture du poste, vide tant qu'il est ouvert",
        "",
    ),
    col(
        "postes",
        "financeur",
        false,
        "le code du financeur d'un cofinancement, vide pour un poste sans cofinancement",
        "banque-des-territoires",
    ),
    col("postes", "montant", false, AMOUNT, "40 000"),
    col(
        "postes",
        "debut",
        false,
        "le premier jour de la période cofinancée",
        "01/09/2023",
    ),
    col(
        "postes",
        "fin",
        false,
        "le dernier jour de la période cofinancée",
        "31/08/2024",
    ),
    col(
        "postes",
        "source",
        false,
        "d'où vient le fait (convention, délibération)",
        "",
    ),
];

/// The explanation of a column of `table`.
fn column(table: &str, name: &str) -> Option<&'static Column> {
    COLUMNS
        .iter()
        .chain(REGISTRY_COLUMNS)
        .find(|col| col.table == table && col.name == name)
}

/// The lists sheet: one column per list, its values from the second row.
struct Lists {
    columns: Vec<(&'static str, Vec<String>)>,
}

impl Lists {
    /// The formula of list `name`, for a data validation.
    fn formula(&self, name: &str) -> Option<Formula> {
        let (i, (_, values)) = self
            .columns
            .iter()
            .enumerate()
            .find(|(_, (n, _))| *n == name)?;
        let letter = column_letter(i as u16);
        Some(Formula::new(format!(
            "=listes!${letter}$2:${letter}${}",
            values.len().max(1) + 1
        )))
    }
}

fn column_letter(i: u16) -> String {
    rust_xlsxwriter::utility::column_number_to_name(i)
}

fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> Vec<String> {
    all.iter().map(|v| code(*v).to_owned()).collect()
}

/// Which list a column draws from, and whether other values are refused (`true`) or only warned of.
fn list_of(table: &str, column: &str) -> Option<(&'static str, bool)> {
    Some(match (table, column) {
        ("financeurs", "type") => ("types_financeurs", true),
        ("dispositifs", "financeur") | ("financements", "financeur") => ("financeurs", false),
        ("dispositifs", "specifique_ti" | "notification_ue")
        | ("projets", "non_publique")
        | ("financements", "depassement_autorise") => ("oui_non", true),
        ("financements", "conditions_versement") => ("conditions_versement", true),
        ("enveloppes", "dispositif") | ("financements", "dispositif") => ("dispositifs", false),
        ("projets" | "historique" | "postes", "phase") => ("phases", true),
        ("projets", "territoires") | ("historique" | "postes", "id_territoire") => {
            ("territoires", false)
        }
        ("postes", "financeur") => ("financeurs", false),
        ("historique", "evenement") => ("evenements", true),
        ("historique", "precision") => ("precisions", true),
        ("projets", "axes") => ("axes", false),
        ("projets", "porteur_type") => ("types_porteurs", true),
        ("financements", "nature") => ("natures", true),
        _ => return None,
    })
}

/// How many rows of each table the lists and messages cover.
const ROWS: u32 = 10_000;

/// The template workbook of `kind` for `choices`.
pub fn template(kind: Kind, choices: &Choices) -> Result<Vec<u8>, XlsxError> {
    let lists = Lists {
        columns: vec![
            ("phases", codes(&Phase::ALL, Phase::slug)),
            (
                "territoires",
                choices
                    .territories
                    .iter()
                    .map(|(id, _)| id.clone())
                    .collect(),
            ),
            (
                "noms_territoires",
                choices.territories.iter().map(|(_, n)| n.clone()).collect(),
            ),
            ("axes", codes(Axis::ALL, Axis::code)),
            ("types_porteurs", codes(HolderKind::ALL, HolderKind::code)),
            (
                "financeurs",
                choices.funders.iter().map(|(c, _)| c.clone()).collect(),
            ),
            (
                "noms_financeurs",
                choices.funders.iter().map(|(_, n)| n.clone()).collect(),
            ),
            (
                "dispositifs",
                choices.schemes.iter().map(|(c, _)| c.clone()).collect(),
            ),
            (
                "noms_dispositifs",
                choices.schemes.iter().map(|(_, n)| n.clone()).collect(),
            ),
            ("natures", codes(Instrument::ALL, Instrument::code)),
            ("types_financeurs", codes(FunderKind::ALL, FunderKind::code)),
            ("oui_non", vec!["oui".into(), "non".into()]),
            (
                "conditions_versement",
                codes(PaymentTerms::ALL, PaymentTerms::code),
            ),
            ("evenements", events()),
            (
                "precisions",
                codes(&DatePrecision::ALL, DatePrecision::code),
            ),
        ],
    };
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut workbook = Workbook::new();
    let tables = kind.tables();
    notice(
        workbook.add_worksheet().set_name("notice")?,
        (kind, &tables),
        choices,
        (&bold, &wrap),
    )?;
    for (table, columns) in tables {
        let sheet = workbook.add_worksheet().set_name(table)?;
        table_sheet(sheet, table, columns, &lists, &bold)?;
    }
    let sheet = workbook.add_worksheet().set_name("listes")?;
    for (c, (name, values)) in lists.columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, *name, &bold)?;
        for (r, v) in values.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c, v)?;
        }
        sheet.set_column_width(c, 22)?;
    }
    workbook.save_to_buffer()
}

/// Every event a history file may give: milestones, roles, attribute changes.
fn events() -> Vec<String> {
    let mut events = codes(&MilestoneKind::ALL, MilestoneKind::code);
    events.extend(codes(&Role::ALL, Role::code));
    events.extend(["fragile", "fin_fragile", "etiquette", "fin_etiquette"].map(str::to_owned));
    events
}

fn notice(
    sheet: &mut Worksheet,
    (kind, tables): (Kind, &[(&'static str, &'static [&'static str])]),
    choices: &Choices,
    (bold, wrap): (&Format, &Format),
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    sheet.write_string_with_format(0, 0, "Modèle d'import — Territoires d'industrie", &title)?;
    let lines = [
        format!("Périmètre : {}.", choices.scope),
        kind.instructions()[0].to_owned(),
        kind.instructions()[1].to_owned(),
        "Déposez le classeur sur la page « Importer un tableur » : un aperçu montre chaque problème (feuille, ligne, colonne) et ce qui changerait, avant toute écriture.".to_owned(),
        "La feuille listes donne les valeurs admises et les noms correspondant aux codes.".to_owned(),
    ];
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, line)?;
    }
    let header = lines.len() as u32 + 2;
    for (c, h) in ["Feuille", "Colonne", "Obligatoire", "Attendu", "Exemple"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(header, c as u16, *h, bold)?;
    }
    let columns = tables
        .iter()
        .flat_map(|(table, names)| names.iter().filter_map(|name| column(table, name)));
    for (i, column) in columns.enumerate() {
        let r = header + 1 + i as u32;
        sheet.write_string(r, 0, column.table)?;
        sheet.write_string(r, 1, column.name)?;
        sheet.write_string(r, 2, if column.required { "oui" } else { "non" })?;
        sheet.write_string_with_format(r, 3, column.expected, wrap)?;
        sheet.write_string(r, 4, column.example)?;
    }
    for (c, width) in [(0, 14), (1, 28), (2, 12), (3, 70), (4, 34)] {
        sheet.set_column_width(c, width)?;
    }
    sheet.set_active(true);
    Ok(())
}

fn table_sheet(
    sheet: &mut Worksheet,
    table: &str,
    columns: &[&str],
    lists: &Lists,
    bold: &Format,
) -> Result<(), XlsxError> {
    let euros = Format::new().set_num_format("#,##0.00 €");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for (c, name) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, *name, bold)?;
        sheet.set_column_width(c, (name.len() as f64 + 4.0).max(14.0))?;
        let Some(column) = column(table, name) else {
            continue;
        };
        if column.expected == DATE || name.starts_with("date_") {
            sheet.set_column_format(c, &day)?;
        } else if column.expected == AMOUNT || name.starts_with("montant") {
            sheet.set_column_format(c, &euros)?;
        }
        let mut validation = match list_of(table, name)
            .and_then(|(list, strict)| Some((lists.formula(list)?, strict)))
        {
            Some((formula, strict)) => {
                let v = DataValidation::new().allow_list_formula(formula);
                if strict {
                    v.set_error_title("Valeur non admise")?
                        .set_error_message("Choisissez une valeur de la liste.")?
                } else {
                    v.set_error_style(DataValidationErrorStyle::Information)
                }
            }
            None => DataValidation::new().allow_any_value(),
        };
        let message: String = format!(
            "{}{}",
            if column.required {
                "Obligatoire : "
            } else {
                ""
            },
            column.expected
        );
        validation = validation
            .set_input_title(excel_text(name, 32))?
            .set_input_message(excel_text(&message, 255))?;
        sheet.add_data_validation(1, c, ROWS, c, &validation)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// At most `n` characters: Excel's limit for a validation's title or message.
fn excel_text(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
