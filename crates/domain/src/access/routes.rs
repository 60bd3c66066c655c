//! What each route of the site and the API asks of its caller. Every route declares one [`Rule`]; the
//! web layer asks [`decide`] before the handler runs. Rules about one record — a project's territories,
//! a funding line's funder — are decided again by the store, with the same profile methods, inside the
//! write's transaction, on the record as it is then.

use super::Profile;
use crate::ids::TerritoryId;
use crate::phase::Phase;

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not: reading, signing in and out.
    Public,
    /// A user whose profile covers the route's territory (`{phase}` and `{id}`).
    EditTerritory,
    /// A user who may change fiches actions (not an operator); the store checks the project's territories.
    EditProject,
    /// A user who may record funding (every profile: operators on their own lines); the store checks the
    /// line's project and funder.
    RecordFunding,
    /// Whoever may manage envelopes (the national team any, regional pilots their region's); the store
    /// checks the envelope's region.
    ManageEnvelopes,
    /// The national team only: the whole audit log.
    NationalTeam,
    /// Whoever administers accounts (the national team, regional pilots); the store checks each account's
    /// profile against the administrator's scope.
    Administer,
}

/// What the route is about, from its parameters, when its rule needs it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Nothing in particular.
    None,
    /// A territory of a phase.
    Territory(Phase, &'a TerritoryId),
}

/// The decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go on (the store may still refuse a record out of scope).
    Allowed,
    /// Sign in first.
    SignInRequired,
    /// This profile may not.
    Refused,
}

/// Decides whether `profile` (none when signed out) may call a route of `rule` about `target`.
pub fn decide(profile: Option<&Profile>, rule: Rule, target: Target<'_>) -> Decision {
    let Some(profile) = profile else {
        return match rule {
            Rule::Public => Decision::Allowed,
            _ => Decision::SignInRequired,
        };
    };
    let allowed = match (rule, target) {
        (Rule::Public | Rule::RecordFunding, _) => true,
        (Rule::EditTerritory, Target::Territory(phase, id)) => {
            profile.may_edit_territory(phase, id)
        }
        // A territory route whose territory could not be read: nobody may.
        (Rule::EditTerritory, Target::None) => false,
        (Rule::EditProject, _) => profile.may_create_projects(),
        (Rule::ManageEnvelopes, _) => profile.may_manage_envelopes(),
        (Rule::NationalTeam, _) => *profile == Profile::National,
        (Rule::Administer, _) => profile.administers(),
    };
    if allowed {
        Decision::Allowed
    } else {
        Decision::Refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_out_callers_only_read_and_operators_never_edit_the_registry_or_projects() {
        let id = TerritoryId::parse("ti-4401").unwrap();
        let here = Target::Territory(Phase::Second, &id);
        assert_eq!(decide(None, Rule::Public, Target::None), Decision::Allowed);
        assert_eq!(
            decide(None, Rule::RecordFunding, Target::None),
            Decision::SignInRequired
        );
        assert_eq!(
            decide(None, Rule::EditTerritory, here),
            Decision::SignInRequired
        );
        let operator: Profile = "operateur:bpifrance".parse().unwrap();
        assert_eq!(
            decide(Some(&operator), Rule::EditTerritory, here),
            Decision::Refused
        );
        assert_eq!(
            decide(Some(&operator), Rule::EditProject, Target::None),
            Decision::Refused
        );
        assert_eq!(
            decide(Some(&operator), Rule::RecordFunding, Target::None),
            Decision::Allowed
        );
        let pilot: Profile = "region:44".parse().unwrap();
        assert_eq!(
            decide(Some(&pilot), Rule::EditTerritory, here),
            Decision::Allowed
        );
        let other = TerritoryId::parse("ti-3201").unwrap();
        assert_eq!(
            decide(
                Some(&pilot),
                Rule::EditTerritory,
                Target::Territory(Phase::Second, &other)
            ),
            Decision::Refused
        );
        assert_eq!(
            decide(Some(&pilot), Rule::EditTerritory, Target::None),
            Decision::Refused
        );
    }
}
