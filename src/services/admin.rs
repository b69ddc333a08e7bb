//! Account administration: agencies, teams and users.
