//! Names given twice in one JSON object. `serde_json::Value` keeps the last
//! silently, so `{"Amount": 1, "Amount": 2}` would be read as 2 here while a
//! proxy or a log in front of the host may read 1: a request that says two
//! things is refused instead.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The path of the first name that stands twice in one object of `json`
/// (`Terminals[1].TerminalNo`). JSON that does not parse has none: the parse
/// that reads it says what is wrong. A body without a repeat costs one pass
/// and no allocation for names that hold no escape.
pub fn repeated_name(json: &[u8]) -> Option<String> {
    let walk = Walk::default();
    let mut reader = serde_json::Deserializer::from_slice(json);
    let _ = Names(&walk).deserialize(&mut reader);
    walk.repeated.get().then(|| {
        let steps = walk.unwound.borrow();
        let path: String = steps.iter().rev().map(ToString::to_string).collect();
        path.trim_start_matches('.').to_owned()
    })
}

/// What the walk found: whether a name repeats, and the steps to where it
/// stopped, innermost first (spelled out only as a failure unwinds).
#[derive(Default)]
struct Walk {
    unwound: RefCell<Vec<Step>>,
    repeated: Cell<bool>,
}

enum Step {
    Key(String),
    Index(usize),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(name) => write!(f, ".{name}"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Reads one JSON value, keeping nothing but the names of each object.
struct Names<'w>(&'w Walk);

impl<'de> DeserializeSeed<'de> for Names<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<(), D::Error> {
        reader.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Names<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            match items.next_element_seed(Names(self.0)) {
                Ok(Some(())) => index += 1,
                Ok(None) => return Ok(()),
                Err(e) => {
                    self.0.unwound.borrow_mut().push(Step::Index(index));
                    return Err(e);
                }
            }
        }
    }

    /// Numbers arrive here too, as a one-member object of their text: the
    /// crate reads them with `arbitrary_precision`, so no amount is a float.
    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        while let Some(name) = members.next_key_seed(Name)? {
            let failed = if seen.contains(&name) {
                self.0.repeated.set(true);
                Err(de::Error::custom("a name given twice"))
            } else {
                members.next_value_seed(Names(self.0))
            };
            if let Err(e) = failed {
                let step = Step::Key(name.into_owned());
                self.0.unwound.borrow_mut().push(step);
                return Err(e);
            }
            seen.push(name);
        }
        Ok(())
    }
}

/// A member's name, borrowed from the body unless it holds an escape.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<Cow<'de, str>, D::Error> {
        reader.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member's name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(name))
    }

    fn visit_str<E>(self, name: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_given_twice_is_named() {
        let body = br#"{"Amount": 1.00, "Currency": 949, "Amount": 2.00}"#;
        assert_eq!(repeated_name(body).as_deref(), Some("Amount"));
    }

    #[test]
    fn a_name_given_twice_deep_down_is_named_by_its_path() {
        let body =
            br#"{"Terminals": [{"TerminalNo": "1"}, {"TerminalNo": "2", "TerminalNo": "3"}]}"#;
        assert_eq!(
            repeated_name(body).as_deref(),
            Some("Terminals[1].TerminalNo")
        );
    }

    #[test]
    fn every_kind_of_value_is_read_past() {
        let body = br#"{"N": -1.5e3, "L": [1, null, true, "s", {}], "O": {"X": 18446744073709551616}, "N": 0}"#;
        assert_eq!(repeated_name(body).as_deref(), Some("N"));
    }

    #[test]
    fn a_name_written_with_an_escape_is_the_same_name() {
        let body = br#"{"Amount": 1, "\u0041mount": 2}"#;
        assert_eq!(repeated_name(body).as_deref(), Some("Amount"));
    }

    #[test]
    fn the_same_name_in_two_objects_is_no_repeat() {
        let body = br#"{"A": {"Name": "x", "N": 1.5e3}, "B": {"Name": "y", "L": [1, null, true]}}"#;
        assert_eq!(repeated_name(body), None);
    }
}

#[cfg(test)]
mod properties {
    use super::repeated_name;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    /// Any JSON value, its names drawn from few letters (with a quote, a
    /// backslash and a non-ASCII letter to escape) so that objects side by
    /// side share names.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z\"\\\\é]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[AB\"\\\\é]{1,2}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #[test]
        fn what_serde_json_writes_has_no_repeat(value in json()) {
            let text = serde_json::to_vec(&value).expect("writes");
            prop_assert_eq!(repeated_name(&text), None);
        }

        #[test]
        fn a_member_written_again_is_named(
            members in prop::collection::btree_map("[AB\"\\\\é]{1,2}", json(), 1..5),
            pick in any::<prop::sample::Index>(),
        ) {
            let name = pick.get(&members.keys().collect::<Vec<_>>()).to_string();
            let object = Value::Object(members.into_iter().collect());
            let text = serde_json::to_string(&object).expect("writes");
            let again = format!("{},{}: null}}", &text[..text.len() - 1], Value::from(name.as_str()));
            prop_assert_eq!(repeated_name(again.as_bytes()), Some(name));
        }
    }
}
