//! Identifier newtypes. Entra object ids, SKU ids and service-plan ids are GUIDs that exports write in
//! either case; they are stored lower-cased so equality and hashing are case-insensitive.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Builds the id from export text: trimmed and lower-cased. Returns `None` for empty text.
            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "<null>" {
                    None
                } else {
                    Some(Self(t.to_ascii_lowercase()))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_newtype!(
    /// A directory object id (user, group, service principal).
    ObjectId
);
id_newtype!(
    /// A product (SKU) GUID, `skuId` in Graph.
    SkuId
);
id_newtype!(
    /// A service-plan GUID, `servicePlanId` in Graph.
    PlanId
);
id_newtype!(
    /// The correlation id shared by the records of one operation (not unique per record).
    CorrelationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_case_insensitive_and_trimmed() {
        assert_eq!(
            SkuId::parse(" 6FD2C87F-B296-42F0-B197-1E91E994B900 "),
            SkuId::parse("6fd2c87f-b296-42f0-b197-1e91e994b900")
        );
        assert_eq!(ObjectId::parse(""), None);
        assert_eq!(ObjectId::parse("<null>"), None);
    }
}
