//! The rule settings (policy) and the bank-holiday calendars.
