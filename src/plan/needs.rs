//! What discovery must read for the plans of a run, decided from the desired
//! stacks alone (pure): every room a stack keeps needs all its fields (from
//! its applied record when that proves them, else GetRoom), as does every
//! room a stack moves in (its record is read under its old address), and
//! every room a stack imports (unowned: no record, so GetRoom). Everything
//! else is planned from its summary.

use crate::live::Need;
use crate::model::{ownership, Address, DesiredStack, LiveRoom, Move};
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Needs {
    /// (stack, key) of the rooms read in full under their own address.
    fields: BTreeSet<(String, String)>,
    /// ARNs of imported rooms.
    imported: BTreeSet<String>,
}

impl Needs {
    pub fn of(stacks: &[&DesiredStack]) -> Needs {
        let mut needs = Needs::default();
        for d in stacks {
            for (key, room) in &d.rooms {
                needs.fields.insert((d.stack.clone(), key.clone()));
                if let Some(arn) = &room.import {
                    needs.imported.insert(arn.clone());
                }
            }
            for m in &d.moved {
                match m {
                    Move::Address { from, .. }
                        if from.resource_type == crate::model::ResourceType::Room =>
                    {
                        needs.fields.insert((d.stack.clone(), from.key.clone()));
                    }
                    Move::Address { .. } => {}
                    Move::Stack { from_stack } => {
                        for key in d.rooms.keys() {
                            needs.fields.insert((from_stack.clone(), key.clone()));
                        }
                    }
                }
            }
        }
        needs
    }

    /// What to read of `room`, seen in a ListRooms summary.
    pub fn room(&self, room: &LiveRoom) -> Need {
        match ownership(&room.tags) {
            Some(o)
                if self
                    .fields
                    .contains(&(o.stack.to_string(), o.key.to_string())) =>
            {
                Need::Fields {
                    stack: o.stack.to_string(),
                    address: Address::room(o.key),
                }
            }
            None if self.imported.contains(&room.arn) => Need::Read,
            _ => Need::Summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{d_room, desired, l_room, tags, STACK};
    use crate::model::{TAG_KEY, TAG_STACK};

    #[test]
    fn kept_moved_in_and_imported_rooms_are_read_in_full_the_rest_from_summaries() {
        let mut d = desired();
        d.rooms.insert("kept".into(), d_room("kept"));
        let mut imported = d_room("imp");
        imported.import = Some(crate::fixtures::room_arn("UNOWNEDUNOWN"));
        d.rooms.insert("imp".into(), imported);
        d.rooms.insert("new".into(), d_room("new"));
        d.moved = vec![
            Move::Address {
                from: Address::room("old"),
                to: Address::room("new"),
            },
            Move::Stack {
                from_stack: "legacy".into(),
            },
        ];
        let needs = Needs::of(&[&d]);
        let need = |r: &LiveRoom| needs.room(r);
        assert!(matches!(
            need(&l_room("AAAAAAAAAAAA", "kept")),
            Need::Fields { .. }
        ));
        assert!(matches!(
            need(&l_room("BBBBBBBBBBBB", "old")),
            Need::Fields { .. }
        ));
        assert_eq!(
            need(&l_room("CCCCCCCCCCCC", "gone")),
            Need::Summary,
            "a delete"
        );
        let mut legacy = l_room("DDDDDDDDDDDD", "kept");
        legacy.tags = tags(&[(TAG_STACK, "legacy"), (TAG_KEY, "kept")]);
        assert_eq!(
            need(&legacy),
            Need::Fields {
                stack: "legacy".into(),
                address: Address::room("kept")
            },
            "moved in from stack legacy: its record is read as legacy's"
        );
        let mut unowned = l_room("UNOWNEDUNOWN", "x");
        unowned.tags.clear();
        assert_eq!(need(&unowned), Need::Read);
        unowned.arn = crate::fixtures::room_arn("STRANGERSTRA");
        assert_eq!(need(&unowned), Need::Summary);
        let _ = STACK;
    }
}
