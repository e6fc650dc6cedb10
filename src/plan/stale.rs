//! Is a saved plan still valid? A pure check of the plan against the live
//! state read again (List pages only: their summaries carry every ARN,
//! updateTime and tag needed here).
//!
//! A saved plan is stale, and `apply PLANFILE` writes nothing, when since it
//! was made:
//! - a resource it creates now exists (someone applied it meanwhile);
//! - a resource it updates no longer exists;
//! - a resource it updates or deletes was modified (updateTime moved: every
//!   field write moves it) or retagged (tagging does not move updateTime, so
//!   tags are compared too).
//!
//! A resource it deletes that is already gone is fine: the delete is done.

use super::{Action, Plan};
use crate::model::{Address, LiveResource, LiveState, OwnershipIndex, ResourceType};
use std::fmt;

/// One reason a saved plan no longer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    NowExists {
        address: Address,
        arn: String,
    },
    Gone {
        address: Address,
        arn: String,
    },
    Modified {
        address: Address,
        at: String,
        saw: String,
    },
    Retagged {
        address: Address,
    },
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stale::NowExists { address, arn } => {
                write!(
                    f,
                    "{address} now exists ({arn}); the plan would create it again"
                )
            }
            Stale::Gone { address, arn } => write!(f, "{address} ({arn}) no longer exists"),
            Stale::Modified { address, at, saw } => {
                write!(f, "{address} was modified at {at} (the plan saw {saw})")
            }
            Stale::Retagged { address } => write!(f, "{address} has different tags"),
        }
    }
}

/// Which resource types the check must list.
pub fn types_to_read(plan: &Plan) -> (bool, bool) {
    let touched = |t: ResourceType| {
        plan.resource_changes
            .iter()
            .any(|c| c.action() != Action::NoOp && c.resource_type() == t)
    };
    (
        touched(ResourceType::Room),
        touched(ResourceType::LoggingConfiguration),
    )
}

/// Everything that changed since the plan observed it, in plan order.
pub fn check(plan: &Plan, live: &LiveState) -> Vec<Stale> {
    let index = OwnershipIndex::new(live);
    let mut stale = Vec::new();
    for c in &plan.resource_changes {
        match c.action() {
            Action::NoOp => {}
            Action::Create => {
                // Two claims are a conflict the next plan reports; here any
                // claim makes the create wrong.
                let claimant = match index.arn(&plan.stack, &c.address) {
                    Ok(arn) => arn.map(String::from),
                    Err(dup) => dup.arns.into_iter().next(),
                };
                if let Some(arn) = claimant {
                    stale.push(Stale::NowExists {
                        address: c.address.clone(),
                        arn,
                    });
                }
            }
            Action::Update | Action::Delete => {
                let Some(obs) = &c.observed else { continue };
                let now: Option<(&str, &crate::model::Tags)> = match c.resource_type() {
                    ResourceType::Room => find(&live.rooms, &obs.arn),
                    ResourceType::LoggingConfiguration => {
                        find(&live.logging_configurations, &obs.arn)
                    }
                };
                match now {
                    None if c.action() == Action::Delete => {}
                    None => stale.push(Stale::Gone {
                        address: c.address.clone(),
                        arn: obs.arn.clone(),
                    }),
                    Some((update_time, _)) if update_time != obs.update_time => {
                        stale.push(Stale::Modified {
                            address: c.address.clone(),
                            at: update_time.to_string(),
                            saw: obs.update_time.clone(),
                        })
                    }
                    Some((_, tags)) if tags != &obs.tags => stale.push(Stale::Retagged {
                        address: c.address.clone(),
                    }),
                    Some(_) => {}
                }
            }
        }
    }
    stale
}

fn find<'a, T: LiveResource>(
    items: &'a [T],
    arn: &str,
) -> Option<(&'a str, &'a crate::model::Tags)> {
    items
        .iter()
        .find(|r| r.arn() == arn)
        .map(|r| (r.update_time(), r.tags()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_room, desired, l_room, tags, T1};

    fn saved_plan(live: &LiveState) -> Plan {
        let mut d = desired();
        d.rooms.insert("new".into(), d_room("new"));
        let mut r = d_room("kept");
        r.maximum_message_length = 200;
        d.rooms.insert("kept".into(), r);
        crate::plan::plan(&d, live, "us-west-2").unwrap()
    }

    fn account() -> LiveState {
        LiveState {
            logging_configurations: vec![],
            rooms: vec![
                l_room("KEPTKEPTKEPT", "kept"),
                l_room("GONEGONEGONE", "gone"),
            ],
        }
    }

    #[test]
    fn an_unchanged_account_keeps_the_plan_valid() {
        let live = account();
        let plan = saved_plan(&live);
        assert_eq!(types_to_read(&plan), (true, false));
        assert!(check(&plan, &live).is_empty());
        // A delete already done is fine.
        let mut done = live.clone();
        done.rooms.retain(|r| r.id != "GONEGONEGONE");
        assert!(check(&plan, &done).is_empty());
    }

    #[test]
    fn each_change_since_is_named() {
        let live = account();
        let plan = saved_plan(&live);
        let mut now = live.clone();
        now.rooms[0].update_time = T1.into();
        now.rooms[1].tags.extend(tags(&[("x", "y")]));
        now.rooms.push(l_room("NEWNEWNEWNEW", "new"));
        let stale: Vec<String> = check(&plan, &now).iter().map(|s| s.to_string()).collect();
        assert_eq!(stale.len(), 3, "{stale:?}");
        assert!(
            stale[0].starts_with("rooms.gone has different tags"),
            "{stale:?}"
        );
        assert!(
            stale[1].starts_with("rooms.kept was modified at"),
            "{stale:?}"
        );
        assert!(stale[2].starts_with("rooms.new now exists"), "{stale:?}");
        let mut gone = live.clone();
        gone.rooms.retain(|r| r.id != "KEPTKEPTKEPT");
        assert_eq!(
            check(&plan, &gone),
            [Stale::Gone {
                address: Address::room("kept"),
                arn: crate::fixtures::room_arn("KEPTKEPTKEPT")
            }]
        );
    }
}
