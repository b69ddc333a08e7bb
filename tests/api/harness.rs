//! Test harness: each test gets its own fresh database (a temporary SQLite file, or a new
//! PostgreSQL database dropped afterwards) and its own server on a random local port.

use std::sync::atomic::{AtomicUsize, Ordering};

use coregroup::config::{LogFormat, ServeSettings, Settings};
use coregroup::domain::people::{AgencyKind, Role};
use coregroup::services::admin::{self as accounts, UserRequest};
use coregroup::startup::Application;
use coregroup::store::accounts as store;
use coregroup::store::{DatabaseUrl, PoolSettings, Store};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

/// The signing secret every test server uses, so tests can forge tokens.
pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test PostgreSQL server is (a server, not a database: each test makes its own).
pub fn postgres_server_url() -> String {
    std::env::var("COREGROUP_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A database that exists for one test.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        name: String,
        url: String,
    },
}

impl TestDatabase {
    pub fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDatabase::Sqlite { _dir: dir, url }
            }
            Backend::Postgres => {
                let name = format!("coregroup_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = diesel::PgConnection::establish(&format!(
                    "{}/postgres",
                    postgres_server_url()
                ))
                .expect(
                    "the test PostgreSQL server must be reachable (set COREGROUP_TEST_POSTGRES)",
                );
                admin
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .expect("create test database");
                let url = format!("{}/{}", postgres_server_url(), name);
                TestDatabase::Postgres { name, url }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { name, .. } = self {
            if let Ok(mut admin) =
                diesel::PgConnection::establish(&format!("{}/postgres", postgres_server_url()))
            {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub fn settings_for(url: &str) -> Settings {
    let url = DatabaseUrl::parse(url).expect("test database URL");
    Settings {
        database_read_url: url.clone(),
        database_url: url,
        jwt_secret: Some(TEST_SECRET.to_string()),
        timezone: chrono_tz::Europe::London,
        log_format: LogFormat::Text,
    }
}

/// A running server with its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub database: TestDatabase,
    counter: AtomicUsize,
}

/// A user made for a test, with its password.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub password: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        let database = TestDatabase::create(backend);
        let settings = settings_for(database.url());
        let serve = ServeSettings {
            bind: "127.0.0.1:0".parse().expect("address"),
            trust_forwarded_for: false,
            workers: Some(1),
        };
        let app = Application::build(&settings, &serve).expect("server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        let store = Store::connect(
            &settings.database_url,
            &settings.database_read_url,
            &PoolSettings {
                max_read: 2,
                max_write: 2,
                ..PoolSettings::default()
            },
        )
        .expect("test store");
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            store,
            database,

            counter: AtomicUsize::new(0),
        }
    }

    /// Starts a second server on this test's database (as a second instance behind a load
    /// balancer would be) and returns its base URL.
    pub fn another_server(&self) -> String {
        let serve = ServeSettings {
            bind: "127.0.0.1:0".parse().expect("address"),
            trust_forwarded_for: false,
            workers: Some(1),
        };
        let app = Application::build(&settings_for(self.database.url()), &serve)
            .expect("second server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        address
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    fn unique(&self, stem: &str) -> String {
        format!("{stem}{}", self.counter.fetch_add(1, Ordering::SeqCst))
    }

    /// Creates a user directly in the store (an agency is made for roles that need one).
    pub async fn user(&self, role: Role) -> TestUser {
        let email = format!("{}@agency.example", self.unique(role.as_str()));
        let agency_name = self.unique("Agency ");
        let request_email = email.clone();
        let user = self
            .store
            .write(move |c| {
                let agency_id = if role.needs_agency() {
                    Some(store::create_agency(c, &agency_name, AgencyKind::SocialCare)?.id)
                } else {
                    None
                };
                let request = UserRequest {
                    email: request_email,
                    name: "Test User".into(),
                    password: PASSWORD.into(),
                    role,
                    agency_id,
                    team_id: None,
                };
                let hash = accounts::prepare(&request)
                    .map_err(|e| coregroup::store::StoreError::Invalid(e.to_string()))?;
                accounts::create(c, request, hash)
                    .map_err(|e| coregroup::store::StoreError::Invalid(e.to_string()))
            })
            .await
            .expect("create test user");
        TestUser {
            id: user.id,
            email,
            password: PASSWORD.into(),
        }
    }

    pub async fn login_response(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    /// Signs in and returns the whole session answer.
    pub async fn session(&self, user: &TestUser) -> Value {
        let res = self.login_response(&user.email, &user.password).await;
        assert_eq!(res.status(), 200, "login of {}", user.email);
        res.json().await.expect("json")
    }

    /// Signs in and returns the access token.
    pub async fn token(&self, user: &TestUser) -> String {
        self.session(user).await["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    /// A new user of `role`, signed in.
    pub async fn signed_in(&self, role: Role) -> (TestUser, String) {
        let user = self.user(role).await;
        let token = self.token(&user).await;
        (user, token)
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }
}

/// Asserts an answer is problem+json with `status`, and returns its body.
pub async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type was {content_type}"
    );
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "problem has no {key}: {body}");
    }
    body
}

/// The names of the fields a problem blames.
/// An answer without the `known_at` it echoes (the moment asked at differs from one request
/// to the next; what was known is what a comparison is about).
pub fn without_known_at(mut answer: Value) -> Value {
    if let Some(map) = answer.as_object_mut() {
        map.remove("known_at");
    }
    answer
}

pub fn blamed_fields(problem: &Value) -> Vec<String> {
    problem["invalid_params"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Declares one test that runs twice: against SQLite and against PostgreSQL.
/// The PostgreSQL half is named `…::on_postgres`, so it can be skipped by name.
#[macro_export]
macro_rules! on_both {
    ($(async fn $name:ident($app:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::harness::TestApp) $body
            #[actix_web::test]
            async fn on_sqlite() {
                run($crate::harness::TestApp::spawn($crate::harness::Backend::Sqlite).await).await
            }
            #[actix_web::test]
            async fn on_postgres() {
                run($crate::harness::TestApp::spawn($crate::harness::Backend::Postgres).await).await
            }
        }
    )*};
}
