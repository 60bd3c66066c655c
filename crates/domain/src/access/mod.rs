//! Who may change what: the profiles of the programme's users and their scopes, in one place.

mod imports;
pub mod requests;
pub mod routes;
pub mod security;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::ids::{RegionCode, TerritoryId};
use crate::phase::Phase;
use crate::portfolio::project::Project;
use crate::DomainError;

/// A user's profile, with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Profile {
    /// The national programme team (ANCT): everything.
    National,
    /// A regional pilot: the territories attached to the region.
    RegionalPilot(RegionCode),
    /// A territory team (chef de projet, binôme): that territory only.
    TerritoryTeam(Phase, TerritoryId),
    /// An operator (Bpifrance, Banque des Territoires…), named by its funder code: reads everything,
    /// records the commitments, payments and cancellations of its own funding lines; no registry edits.
    Operator(String),
}

impl Profile {
    /// The label shown to users.
    pub fn label(&self) -> String {
        match self {
            Profile::National => "Équipe nationale".into(),
            Profile::RegionalPilot(r) => format!("Pilote régional ({r})"),
            Profile::TerritoryTeam(p, id) => format!("Équipe du territoire {id} ({p})"),
            Profile::Operator(o) => format!("Opérateur ({o})"),
        }
    }

    /// Whether the profile may record milestones and governance of a territory, given the territory's
    /// region of attachment.
    pub fn may_edit_territory(&self, phase: Phase, id: &TerritoryId) -> bool {
        match self {
            Profile::National => true,
            Profile::RegionalPilot(region) => &id.region_of_attachment() == region,
            Profile::TerritoryTeam(p, t) => *p == phase && t == id,
            Profile::Operator(_) => false,
        }
    }
}

impl Profile {
    /// Whether the profile may change a fiche action (its status): the national team, the pilots of a
    /// region attaching one of its territories, and the teams of its territories.
    pub fn may_edit_project(&self, project: &Project) -> bool {
        project
            .territories
            .iter()
            .any(|t| self.may_edit_territory(project.phase, t))
    }

    /// Whether the profile may record commitments, payments and cancellations on a line of `funder` for
    /// `project`: whoever may edit the project, and an operator on its own lines (the operator's name in
    /// the profile is the funder's code).
    pub fn may_record_funding(&self, project: &Project, funder: &str) -> bool {
        match self {
            Profile::Operator(code) => code == funder,
            _ => self.may_edit_project(project),
        }
    }

    /// Whether the profile may add a funding line to `project` for some funder: whoever may edit the
    /// project, and operators (their own lines, on any project).
    pub fn may_add_funding(&self, project: &Project) -> bool {
        matches!(self, Profile::Operator(_)) || self.may_edit_project(project)
    }
}

impl Profile {
    /// Whether the profile may create or change funders and schemes: the national team, which keeps the
    /// programme's referential of who funds through what.
    pub fn may_manage_funders(&self) -> bool {
        *self == Profile::National
    }

    /// Whether the profile may manage envelopes at all (those of some region): the national team and
    /// regional pilots.
    pub fn may_manage_envelopes(&self) -> bool {
        matches!(self, Profile::National | Profile::RegionalPilot(_))
    }

    /// Whether the profile may create or change fiches actions at all (those of its scope): every profile
    /// but operators, who record their own funding only.
    pub fn may_create_projects(&self) -> bool {
        !matches!(self, Profile::Operator(_))
    }

    /// Whether the profile may create or change an envelope of `region` (`None`: national): the national
    /// team any, a regional pilot its region's.
    pub fn may_manage_envelope(&self, region: Option<&RegionCode>) -> bool {
        match self {
            Profile::National => true,
            Profile::RegionalPilot(mine) => region == Some(mine),
            _ => false,
        }
    }
}

impl Profile {
    /// Whether the profile may give `other` to an account (granting an access request, changing a
    /// profile, issuing an API token) and manage the accounts that have it: the national team any
    /// profile; a regional pilot its own region's profiles (its pilots and the teams of the territories
    /// it attaches); nobody else.
    pub fn may_grant(&self, other: &Profile) -> bool {
        match (self, other) {
            (Profile::National, _) => true,
            (Profile::RegionalPilot(mine), Profile::RegionalPilot(theirs)) => mine == theirs,
            (Profile::RegionalPilot(mine), Profile::TerritoryTeam(_, id)) => {
                &id.region_of_attachment() == mine
            }
            _ => false,
        }
    }

    /// Whether the profile administers accounts at all (the national team and regional pilots).
    pub fn administers(&self) -> bool {
        matches!(self, Profile::National | Profile::RegionalPilot(_))
    }
}

/// Who reads: what the mark « pas encore publique » of a fiche action hides from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Audience {
    /// Anyone, signed out: the fiches not yet public and their funding lines are left out of every page,
    /// answer, figure and dataset, as if they did not exist.
    #[default]
    Public,
    /// Signed-in agents, on the site or with an API token: every fiche, whatever its profile's scope.
    /// The mark keeps a fiche from the public until its team and partners agree to publish it; it is
    /// no secret among the programme's agents, who all read every territory.
    Agents,
}

impl Audience {
    /// The audience of a caller: agents when signed in (any profile), the public otherwise.
    pub fn of(profile: Option<&Profile>) -> Audience {
        match profile {
            Some(_) => Audience::Agents,
            None => Audience::Public,
        }
    }
}

impl fmt::Display for Profile {
    /// The stored form: `national`, `region:44`, `territoire:2023-2027/ti-4401`, `operateur:Bpifrance`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::National => f.write_str("national"),
            Profile::RegionalPilot(r) => write!(f, "region:{r}"),
            Profile::TerritoryTeam(p, id) => write!(f, "territoire:{p}/{id}"),
            Profile::Operator(o) => write!(f, "operateur:{o}"),
        }
    }
}

impl FromStr for Profile {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            DomainError::invalid(
                "profil",
                s,
                "national, region:CODE, territoire:PHASE/ti-RRNN ou operateur:NOM",
            )
        };
        match s.trim().split_once(':') {
            None if s.trim() == "national" => Ok(Profile::National),
            Some(("region", code)) => Ok(Profile::RegionalPilot(RegionCode::parse(code)?)),
            Some(("territoire", rest)) => {
                let (phase, id) = rest.split_once('/').ok_or_else(invalid)?;
                Ok(Profile::TerritoryTeam(
                    phase.parse()?,
                    TerritoryId::parse(id)?,
                ))
            }
            Some(("operateur", name)) if !name.trim().is_empty() => {
                Ok(Profile::Operator(name.trim().to_owned()))
            }
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> TerritoryId {
        TerritoryId::parse(s).unwrap()
    }

    #[test]
    fn funders_are_the_national_teams_and_envelopes_also_their_regions_pilots() {
        let national = Profile::National;
        let pilot: Profile = "region:44".parse().unwrap();
        let team: Profile = "territoire:2023-2027/ti-4401".parse().unwrap();
        let grand_est = RegionCode::parse("44").unwrap();
        let hauts_de_france = RegionCode::parse("32").unwrap();
        assert!(national.may_manage_funders() && !pilot.may_manage_funders());
        assert!(national.may_manage_envelope(None));
        assert!(pilot.may_manage_envelope(Some(&grand_est)));
        assert!(!pilot.may_manage_envelope(Some(&hauts_de_france)));
        assert!(!pilot.may_manage_envelope(None), "national envelopes");
        assert!(!team.may_manage_envelope(Some(&grand_est)));
    }

    #[test]
    fn a_regional_pilot_edits_only_its_region() {
        let pilot: Profile = "region:44".parse().unwrap();
        assert!(pilot.may_edit_territory(Phase::Second, &id("ti-4401")));
        assert!(!pilot.may_edit_territory(Phase::Second, &id("ti-3201")));
    }

    #[test]
    fn a_territory_team_edits_only_its_territory_in_its_phase() {
        let team: Profile = "territoire:2023-2027/ti-4401".parse().unwrap();
        assert!(team.may_edit_territory(Phase::Second, &id("ti-4401")));
        assert!(
            !team.may_edit_territory(Phase::First, &id("ti-4401")),
            "ANCT reuses ids across phases"
        );
        assert!(!team.may_edit_territory(Phase::Second, &id("ti-4402")));
    }

    #[test]
    fn shared_projects_are_edited_from_any_of_their_regions_and_operators_record_their_own_lines() {
        let project = Project {
            not_yet_public: false,
            code: "GHOST".into(),
            phase: Phase::First,
            territories: vec![id("ti-4411"), id("ti-3208")],
            title: "[G]HOST".into(),
            description: String::new(),
            axes: vec![],
            themes: vec![],
            holder: None,
            total_cost: None,
            expected: Default::default(),
            measured: Default::default(),
            history: vec![],
            source: String::new(),
        };
        let hdf: Profile = "region:32".parse().unwrap();
        let bretagne: Profile = "region:53".parse().unwrap();
        assert!(hdf.may_edit_project(&project));
        assert!(!bretagne.may_edit_project(&project));
        let bpi = Profile::Operator("bpifrance".into());
        assert!(!bpi.may_edit_project(&project));
        assert!(bpi.may_record_funding(&project, "bpifrance"));
        assert!(!bpi.may_record_funding(&project, "ademe"));
        assert!(
            bpi.may_add_funding(&project),
            "an operator adds its own lines anywhere"
        );
        assert!(hdf.may_add_funding(&project) && !bretagne.may_add_funding(&project));
    }

    #[test]
    fn national_edits_all_and_operators_none() {
        assert!(Profile::National.may_edit_territory(Phase::First, &id("ti-0101")));
        assert!(
            !Profile::Operator("Bpifrance".into()).may_edit_territory(Phase::First, &id("ti-0101"))
        );
    }

    #[test]
    fn pilots_grant_only_their_regions_profiles_and_nobody_else_grants() {
        let pilot: Profile = "region:44".parse().unwrap();
        assert!(pilot.may_grant(&"region:44".parse().unwrap()));
        assert!(pilot.may_grant(&"territoire:2023-2027/ti-4415".parse().unwrap()));
        assert!(!pilot.may_grant(&"region:32".parse().unwrap()));
        assert!(!pilot.may_grant(&"territoire:2023-2027/ti-3201".parse().unwrap()));
        assert!(!pilot.may_grant(&Profile::National));
        assert!(!pilot.may_grant(&Profile::Operator("bpifrance".into())));
        assert!(Profile::National.may_grant(&Profile::Operator("bpifrance".into())));
        let team: Profile = "territoire:2023-2027/ti-4415".parse().unwrap();
        assert!(!team.may_grant(&team));
        assert!(!team.administers());
        assert!(!Profile::Operator("bpifrance".into()).administers());
        assert!(pilot.administers() && Profile::National.administers());
    }

    #[test]
    fn profiles_round_trip_and_bad_ones_are_explained() {
        for s in [
            "national",
            "region:44",
            "territoire:2023-2027/ti-4401",
            "operateur:Bpifrance",
        ] {
            assert_eq!(s.parse::<Profile>().unwrap().to_string(), s);
        }
        let err = "admin".parse::<Profile>().unwrap_err().to_string();
        assert!(err.contains("national, region:CODE"), "{err}");
        assert!("territoire:2023-2027".parse::<Profile>().is_err());
    }
}
