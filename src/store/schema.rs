//! Table definitions shared by both backends. Written by hand (not `diesel print-schema`)
//! because the two databases must agree on one set of types: ids are `Text`, instants are
//! UTC `Timestamp`, flags are `Bool`.

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agencies (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    teams (id) {
        id -> Text,
        agency_id -> Text,
        name -> Text,
        name_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_key -> Text,
        name -> Text,
        role -> Text,
        agency_id -> Nullable<Text>,
        team_id -> Nullable<Text>,
        password_hash -> Text,
        active -> Bool,
        session_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        scope -> Text,
        subject -> Text,
        failed_at -> Timestamp,
    }
}

diesel::joinable!(teams -> agencies (agency_id));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(users -> teams (team_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    calendars,
    settings,
    agencies,
    teams,
    users,
    refresh_tokens,
    login_failures,
);

diesel::table! {
    calendars (region) {
        region -> Text,
        first_date -> Date,
        last_date -> Date,
        holidays -> Text,
        imported_at -> Timestamp,
        imported_by -> Nullable<Text>,
    }
}
