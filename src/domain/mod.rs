//! The domain: the words of `domain.md` as plain data and pure functions.
//! Nothing here touches a database, the network or the clock: `as_of` is always a parameter.

pub mod audit;
pub mod calendar;
pub mod case;
pub mod feed;
pub mod ids;
pub mod known;
pub mod people;
pub mod policy;
pub mod records;
pub mod rules;
pub mod visibility;
pub mod words;
