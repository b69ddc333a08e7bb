//! The domain: the words of `domain.md` as plain data and pure functions.
//! Nothing here touches a database, the network or the clock.

pub mod people;
