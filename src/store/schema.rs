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
        last_seen_at -> Nullable<Timestamp>,
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
    access_log,
    action_progress,
    actions,
    access_log_children,
    action_versions,
    attendance_versions,
    calendar_versions,
    calendars,
    child_projections,
    children,
    core_group_members,
    families,
    idempotency_keys,
    meeting_attendance,
    meetings,
    minutes,
    minutes_distribution,
    plan_covers,
    plan_frequency_changes,
    plans,
    policy_versions,
    reviews,
    settings,
    sightings,
    agencies,
    teams,
    users,
    refresh_tokens,
    login_failures,
    visit_decisions,
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

diesel::table! {
    families (id) {
        id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    children (id) {
        id -> Text,
        given_name -> Text,
        family_name -> Text,
        date_of_birth -> Date,
        family_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        child_id -> Text,
        start_date -> Date,
        category -> Text,
        team_id -> Text,
        lead_social_worker_id -> Text,
        cp_chair_id -> Text,
        visit_every -> Nullable<Integer>,
        visit_unit -> Nullable<Text>,
        region -> Text,
        end_date -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    plan_frequency_changes (id) {
        id -> Text,
        plan_id -> Text,
        visit_every -> Nullable<Integer>,
        visit_unit -> Nullable<Text>,
        agreed_by -> Text,
        reason -> Text,
        changed_by -> Text,
        changed_at -> Timestamp,
        in_force_from -> Date,
    }
}

diesel::table! {
    core_group_members (id) {
        id -> Text,
        plan_id -> Text,
        user_id -> Text,
        agency_id -> Text,
        from_date -> Date,
        until_date -> Nullable<Date>,
        added_by -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sightings (id) {
        id -> Text,
        child_id -> Text,
        author_id -> Text,
        agency_id -> Text,
        by_social_care -> Bool,
        occurred_at -> Timestamp,
        occurred_on -> Date,
        location -> Text,
        kind -> Text,
        outcome -> Text,
        announced -> Nullable<Bool>,
        bedroom_seen -> Nullable<Bool>,
        baby_awake -> Nullable<Bool>,
        observations -> Nullable<Text>,
        childs_voice -> Nullable<Text>,
        people_present -> Nullable<Text>,
        status -> Text,
        finalised_at -> Nullable<Timestamp>,
        supersedes_id -> Nullable<Text>,
        superseded_by_id -> Nullable<Text>,
        correction_reason -> Nullable<Text>,
        visit_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    visit_decisions (id) {
        id -> Text,
        sighting_id -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
        decision -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        resource_ids -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    child_projections (child_id) {
        child_id -> Text,
        last_seen_any -> Nullable<Date>,
        last_seen_social_worker -> Nullable<Date>,
        last_home_visit_seen -> Nullable<Date>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        at -> Timestamp,
        user_id -> Text,
        role -> Text,
        action -> Text,
        child_id -> Nullable<Text>,
        resource -> Text,
        address -> Text,
        outcome -> Text,
    }
}

diesel::joinable!(children -> families (family_id));
diesel::joinable!(plans -> children (child_id));
diesel::joinable!(plans -> teams (team_id));
diesel::joinable!(core_group_members -> plans (plan_id));
diesel::joinable!(core_group_members -> agencies (agency_id));
diesel::joinable!(sightings -> children (child_id));
diesel::joinable!(child_projections -> children (child_id));
diesel::joinable!(visit_decisions -> sightings (sighting_id));

diesel::table! {
    plan_covers (id) {
        id -> Text,
        plan_id -> Text,
        user_id -> Text,
        from_date -> Date,
        until_date -> Date,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        plan_id -> Text,
        held_on -> Date,
        chair_id -> Nullable<Text>,
        urgent -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meeting_attendance (meeting_id, user_id) {
        meeting_id -> Text,
        user_id -> Text,
        status -> Text,
        contribution -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(meeting_attendance -> meetings (meeting_id));

diesel::table! {
    access_log_children (entry_id, child_id) {
        entry_id -> Text,
        child_id -> Text,
    }
}

diesel::joinable!(access_log_children -> access_log (entry_id));

diesel::table! {
    minutes (id) {
        id -> Text,
        meeting_id -> Text,
        addendum_to -> Nullable<Text>,
        body -> Text,
        author_id -> Text,
        version -> Integer,
        published_at -> Nullable<Timestamp>,
        published_on -> Nullable<Date>,
        published_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    minutes_distribution (minutes_id, user_id) {
        minutes_id -> Text,
        user_id -> Text,
        agency_id -> Text,
        distributed_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_on -> Nullable<Date>,
    }
}

diesel::table! {
    actions (id) {
        id -> Text,
        plan_id -> Text,
        meeting_id -> Nullable<Text>,
        description -> Text,
        owner_id -> Text,
        agency_id -> Text,
        due_on -> Date,
        status -> Text,
        closed_on -> Nullable<Date>,
        version -> Integer,
        created_by -> Text,
        created_on -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    action_progress (id) {
        id -> Text,
        action_id -> Text,
        author_id -> Text,
        note -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        plan_id -> Text,
        held_on -> Date,
        outcome -> Text,
        notes -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(minutes -> meetings (meeting_id));
diesel::joinable!(minutes_distribution -> minutes (minutes_id));
diesel::joinable!(actions -> plans (plan_id));
diesel::joinable!(action_progress -> actions (action_id));
diesel::joinable!(reviews -> plans (plan_id));

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        issued_by -> Nullable<Text>,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    action_versions (action_id, version) {
        action_id -> Text,
        version -> Integer,
        description -> Text,
        owner_id -> Text,
        agency_id -> Text,
        due_on -> Date,
        status -> Text,
        closed_on -> Nullable<Date>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    attendance_versions (id) {
        id -> Text,
        meeting_id -> Text,
        entries -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    policy_versions (id) {
        id -> Text,
        value -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    calendar_versions (id) {
        id -> Text,
        region -> Text,
        first_date -> Date,
        last_date -> Date,
        holidays -> Text,
        imported_at -> Timestamp,
    }
}

diesel::joinable!(action_versions -> actions (action_id));
diesel::joinable!(attendance_versions -> meetings (meeting_id));
