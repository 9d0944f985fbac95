//! The order's state machine: the two flows of the portal (Direktvertrag and Umklappvertrag),
//! who may act when, and which statuses an action passes through.
//!
//! Only [`transition`] decides whether a change is allowed; the store then writes it with a
//! condition on the status it was decided from, so two concurrent decisions cannot both win.

use catalog::model::ContractModel;
use serde::{Deserialize, Serialize};

/// Where an order stands (the statuses of the portal's order process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Offen,
    PruefungAnbieterDv,
    BestaetigtAnbieterDv,
    PruefungIntermediaer,
    BestaetigtIntermediaer,
    PruefungAnbieterUv,
    BestaetigtAnbieterUv,
    Bestellt,
    AbgelehntAnbieterDv,
    AbgelehntIntermediaer,
    AbgelehntAnbieterUv,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 11] = [
        OrderStatus::Offen,
        OrderStatus::PruefungAnbieterDv,
        OrderStatus::BestaetigtAnbieterDv,
        OrderStatus::PruefungIntermediaer,
        OrderStatus::BestaetigtIntermediaer,
        OrderStatus::PruefungAnbieterUv,
        OrderStatus::BestaetigtAnbieterUv,
        OrderStatus::Bestellt,
        OrderStatus::AbgelehntAnbieterDv,
        OrderStatus::AbgelehntIntermediaer,
        OrderStatus::AbgelehntAnbieterUv,
    ];

    /// The stable name stored in the databases.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Offen => "offen",
            OrderStatus::PruefungAnbieterDv => "pruefung_anbieter_dv",
            OrderStatus::BestaetigtAnbieterDv => "bestaetigt_anbieter_dv",
            OrderStatus::PruefungIntermediaer => "pruefung_intermediaer",
            OrderStatus::BestaetigtIntermediaer => "bestaetigt_intermediaer",
            OrderStatus::PruefungAnbieterUv => "pruefung_anbieter_uv",
            OrderStatus::BestaetigtAnbieterUv => "bestaetigt_anbieter_uv",
            OrderStatus::Bestellt => "bestellt",
            OrderStatus::AbgelehntAnbieterDv => "abgelehnt_anbieter_dv",
            OrderStatus::AbgelehntIntermediaer => "abgelehnt_intermediaer",
            OrderStatus::AbgelehntAnbieterUv => "abgelehnt_anbieter_uv",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The German label the portal's users know.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Offen => "Offen",
            OrderStatus::PruefungAnbieterDv => "In Prüfung durch Anbieter (DV)",
            OrderStatus::BestaetigtAnbieterDv => "Bestätigt durch Anbieter (DV)",
            OrderStatus::PruefungIntermediaer => "In Prüfung durch Intermediär (UV)",
            OrderStatus::BestaetigtIntermediaer => "Bestätigt durch Intermediär",
            OrderStatus::PruefungAnbieterUv => "In Prüfung durch Anbieter (UV)",
            OrderStatus::BestaetigtAnbieterUv => "Bestätigt durch Anbieter (UV)",
            OrderStatus::Bestellt => "Bestellt",
            OrderStatus::AbgelehntAnbieterDv => "Abgelehnt durch Anbieter (DV)",
            OrderStatus::AbgelehntIntermediaer => "Abgelehnt durch Intermediär",
            OrderStatus::AbgelehntAnbieterUv => "Abgelehnt durch Anbieter (UV)",
        }
    }

    /// Decided for good: ordered or rejected.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Bestellt
                | OrderStatus::AbgelehntAnbieterDv
                | OrderStatus::AbgelehntIntermediaer
                | OrderStatus::AbgelehntAnbieterUv
        )
    }

    pub fn is_rejection(self) -> bool {
        self.is_final() && self != OrderStatus::Bestellt
    }
}

/// Who acts on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Customer,
    Provider,
    Intermediary,
    /// The portal itself (e.g. "Bestellt" right after the provider's confirmation).
    Portal,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Customer => "customer",
            Party::Provider => "provider",
            Party::Intermediary => "intermediary",
            Party::Portal => "portal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Party::Customer,
            Party::Provider,
            Party::Intermediary,
            Party::Portal,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Party::Customer => "Kunde",
            Party::Provider => "Anbieter",
            Party::Intermediary => "Intermediär",
            Party::Portal => "Portal",
        }
    }
}

/// What a deciding party does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Takes the order into review ("In Prüfung").
    Review,
    Confirm,
    Reject {
        reason: String,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Review => "pruefen",
            Action::Confirm => "bestaetigen",
            Action::Reject { .. } => "ablehnen",
        }
    }
}

/// Why an action is not allowed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the order has been decided already")]
    Decided,
    #[error("it is not this party's turn")]
    NotYourTurn,
    #[error("the order is already in review")]
    AlreadyInReview,
    #[error("a rejection needs a reason")]
    ReasonMissing,
}

/// The party whose decision the order waits for, if any.
pub fn whose_turn(status: OrderStatus, model: ContractModel) -> Option<Party> {
    use OrderStatus as S;
    match (model, status) {
        (ContractModel::Direktvertrag, S::Offen | S::PruefungAnbieterDv) => Some(Party::Provider),
        (ContractModel::Umklappvertrag, S::Offen | S::PruefungIntermediaer) => {
            Some(Party::Intermediary)
        }
        (ContractModel::Umklappvertrag, S::BestaetigtIntermediaer | S::PruefungAnbieterUv) => {
            Some(Party::Provider)
        }
        _ => None,
    }
}

/// One step of a transition: the status reached and who caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub to: OrderStatus,
    pub by: Party,
}

/// The statuses `action` by `party` leads through from `status`, in order; the last one is
/// the new status. A provider's confirmation makes the order binding, so "Bestätigt durch
/// Anbieter" is followed by "Bestellt" at once.
pub fn transition(
    status: OrderStatus,
    model: ContractModel,
    party: Party,
    action: &Action,
) -> Result<Vec<Step>, TransitionError> {
    use OrderStatus as S;
    if status.is_final() {
        return Err(TransitionError::Decided);
    }
    if whose_turn(status, model) != Some(party) {
        return Err(TransitionError::NotYourTurn);
    }
    if let Action::Reject { reason } = action
        && reason.trim().is_empty()
    {
        return Err(TransitionError::ReasonMissing);
    }
    let step = |to| Step { to, by: party };
    let portal = |to| Step {
        to,
        by: Party::Portal,
    };
    let in_review = matches!(
        status,
        S::PruefungAnbieterDv | S::PruefungIntermediaer | S::PruefungAnbieterUv
    );
    Ok(match (model, party, action) {
        (_, _, Action::Review) if in_review => return Err(TransitionError::AlreadyInReview),
        (ContractModel::Direktvertrag, _, Action::Review) => vec![step(S::PruefungAnbieterDv)],
        (ContractModel::Direktvertrag, _, Action::Confirm) => {
            vec![step(S::BestaetigtAnbieterDv), portal(S::Bestellt)]
        }
        (ContractModel::Direktvertrag, _, Action::Reject { .. }) => {
            vec![step(S::AbgelehntAnbieterDv)]
        }
        (ContractModel::Umklappvertrag, Party::Intermediary, Action::Review) => {
            vec![step(S::PruefungIntermediaer)]
        }
        (ContractModel::Umklappvertrag, Party::Intermediary, Action::Confirm) => {
            vec![step(S::BestaetigtIntermediaer)]
        }
        (ContractModel::Umklappvertrag, Party::Intermediary, Action::Reject { .. }) => {
            vec![step(S::AbgelehntIntermediaer)]
        }
        (ContractModel::Umklappvertrag, _, Action::Review) => vec![step(S::PruefungAnbieterUv)],
        (ContractModel::Umklappvertrag, _, Action::Confirm) => {
            vec![step(S::BestaetigtAnbieterUv), portal(S::Bestellt)]
        }
        (ContractModel::Umklappvertrag, _, Action::Reject { .. }) => {
            vec![step(S::AbgelehntAnbieterUv)]
        }
    })
}

/// The step that closes an order left undecided past its deadline: rejected in the name of
/// the party whose decision was due (the portal acts for it), or `None` if no decision is due.
pub fn expiry(status: OrderStatus, model: ContractModel) -> Option<Step> {
    use OrderStatus as S;
    let to = match (whose_turn(status, model)?, model) {
        (Party::Intermediary, _) => S::AbgelehntIntermediaer,
        (_, ContractModel::Direktvertrag) => S::AbgelehntAnbieterDv,
        (_, ContractModel::Umklappvertrag) => S::AbgelehntAnbieterUv,
    };
    Some(Step {
        to,
        by: Party::Portal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractModel::{Direktvertrag as Dv, Umklappvertrag as Uv};
    use OrderStatus as S;

    fn to(steps: Result<Vec<Step>, TransitionError>) -> Vec<OrderStatus> {
        steps
            .map(|s| s.iter().map(|s| s.to).collect())
            .unwrap_or_default()
    }

    fn reject() -> Action {
        Action::Reject {
            reason: "Kapazität erschöpft".into(),
        }
    }

    #[test]
    fn direktvertrag_runs_through_the_provider_alone() {
        let review = transition(S::Offen, Dv, Party::Provider, &Action::Review);
        assert_eq!(to(review), [S::PruefungAnbieterDv]);
        let confirm = transition(S::PruefungAnbieterDv, Dv, Party::Provider, &Action::Confirm);
        assert_eq!(to(confirm), [S::BestaetigtAnbieterDv, S::Bestellt]);
        let reject = transition(S::Offen, Dv, Party::Provider, &reject());
        assert_eq!(to(reject), [S::AbgelehntAnbieterDv]);
        assert_eq!(
            transition(S::Offen, Dv, Party::Intermediary, &Action::Confirm),
            Err(TransitionError::NotYourTurn)
        );
    }

    #[test]
    fn umklappvertrag_goes_through_the_intermediary_first() {
        assert_eq!(
            transition(S::Offen, Uv, Party::Provider, &Action::Confirm),
            Err(TransitionError::NotYourTurn)
        );
        let confirm = transition(S::Offen, Uv, Party::Intermediary, &Action::Confirm);
        assert_eq!(to(confirm), [S::BestaetigtIntermediaer]);
        let review = transition(
            S::BestaetigtIntermediaer,
            Uv,
            Party::Provider,
            &Action::Review,
        );
        assert_eq!(to(review), [S::PruefungAnbieterUv]);
        let confirm = transition(S::PruefungAnbieterUv, Uv, Party::Provider, &Action::Confirm);
        assert_eq!(to(confirm), [S::BestaetigtAnbieterUv, S::Bestellt]);
        assert_eq!(
            to(transition(
                S::PruefungIntermediaer,
                Uv,
                Party::Intermediary,
                &reject()
            )),
            [S::AbgelehntIntermediaer]
        );
        assert_eq!(
            to(transition(
                S::BestaetigtIntermediaer,
                Uv,
                Party::Provider,
                &reject()
            )),
            [S::AbgelehntAnbieterUv]
        );
        assert_eq!(
            transition(
                S::BestaetigtIntermediaer,
                Uv,
                Party::Intermediary,
                &reject()
            ),
            Err(TransitionError::NotYourTurn)
        );
    }

    #[test]
    fn decided_orders_and_rejections_without_reason_are_refused() {
        for status in S::ALL.into_iter().filter(|s| s.is_final()) {
            for party in [Party::Provider, Party::Intermediary] {
                assert_eq!(
                    transition(status, Uv, party, &Action::Confirm),
                    Err(TransitionError::Decided)
                );
            }
        }
        let blank = Action::Reject {
            reason: "  ".into(),
        };
        assert_eq!(
            transition(S::Offen, Dv, Party::Provider, &blank),
            Err(TransitionError::ReasonMissing)
        );
        assert_eq!(
            transition(S::PruefungAnbieterDv, Dv, Party::Provider, &Action::Review),
            Err(TransitionError::AlreadyInReview)
        );
        assert!(transition(S::Offen, Dv, Party::Customer, &Action::Confirm).is_err());
    }

    #[test]
    fn expiry_rejects_in_the_name_of_the_party_whose_decision_is_due() {
        let to = |status, model| expiry(status, model).map(|step| (step.to, step.by));
        assert_eq!(
            to(S::Offen, Dv),
            Some((S::AbgelehntAnbieterDv, Party::Portal))
        );
        assert_eq!(
            to(S::PruefungAnbieterDv, Dv),
            Some((S::AbgelehntAnbieterDv, Party::Portal))
        );
        assert_eq!(
            to(S::PruefungIntermediaer, Uv),
            Some((S::AbgelehntIntermediaer, Party::Portal))
        );
        assert_eq!(
            to(S::BestaetigtIntermediaer, Uv),
            Some((S::AbgelehntAnbieterUv, Party::Portal))
        );
        for status in S::ALL.into_iter().filter(|s| s.is_final()) {
            assert_eq!(to(status, Uv), None);
            assert_eq!(to(status, Dv), None);
        }
    }

    #[test]
    fn status_names_round_trip() {
        for status in S::ALL {
            assert_eq!(S::parse(status.as_str()), Some(status));
        }
    }
}
