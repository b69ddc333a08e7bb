//! Building and running the server: settings → store → migrations → secret → HTTP.

use std::net::TcpListener;
use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlers;
use actix_web::{web, App, HttpMessage, HttpResponse, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::error::{problem_for_framework_errors, ApiError};
use crate::api::{self, health, openapi::ApiDoc, AppState};
use crate::auth::{AuthService, ThrottlePolicy, TokenKeys};
use crate::calendars::CalendarBook;
use crate::config::{ConfigError, ServeSettings, Settings};
use crate::store::{settings as stored_settings, PoolSettings, Store, StoreError};
use crate::telemetry::RequestSpan;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("COREGROUP_BIND (--bind): cannot listen on {address}: {cause}")]
    Bind {
        address: String,
        cause: std::io::Error,
    },
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}

const JWT_SECRET_KEY: &str = "jwt_secret";

/// Connects to the database named in the settings, failing with the setting's name.
pub fn connect_store(settings: &Settings) -> Result<Store, StartError> {
    Store::connect(
        &settings.database_url,
        &settings.database_read_url,
        &PoolSettings::default(),
    )
    .map_err(|e| {
        ConfigError::new(
            "DATABASE_URL (--database-url)",
            format!(
                "cannot use the database at {}: {e}",
                settings.database_url.redacted()
            ),
        )
        .into()
    })
}

/// A server bound to its port, ready to run.
pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Connects, migrates, loads the signing secret and binds. Nothing is served until
    /// [`Application::run_until_stopped`].
    pub fn build(settings: &Settings, serve: &ServeSettings) -> Result<Application, StartError> {
        let store = connect_store(settings)?;
        let applied = store.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "database migrations applied");
        }
        let secret = match &settings.jwt_secret {
            Some(secret) => secret.clone(),
            None => store.write_blocking(|c| {
                stored_settings::get_or_insert(
                    c,
                    JWT_SECRET_KEY,
                    &crate::auth::tokens::random_secret(),
                )
            })?,
        };
        let keys = TokenKeys::new(secret.as_bytes());
        let state = web::Data::new(AppState {
            auth: AuthService::new(store.clone(), keys, ThrottlePolicy::default()),
            calendars: CalendarBook::new(store.clone()),
            store,
            timezone: settings.timezone,
            trust_forwarded_for: serve.trust_forwarded_for,
        });

        let listener = TcpListener::bind(serve.bind).map_err(|cause| StartError::Bind {
            address: serve.bind.to_string(),
            cause,
        })?;
        let port = listener
            .local_addr()
            .map_err(|cause| StartError::Bind {
                address: serve.bind.to_string(),
                cause,
            })?
            .port();
        let mut server = HttpServer::new(move || build_app(state.clone()))
            .listen(listener)
            .map_err(|cause| StartError::Bind {
                address: serve.bind.to_string(),
                cause,
            })?;
        if let Some(workers) = serve.workers {
            server = server.workers(workers);
        }
        tracing::info!(
            address = %serve.bind,
            port,
            database = settings.database_url.backend().as_str(),
            "coregroup is listening"
        );
        Ok(Application {
            server: server.run(),
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> Result<(), StartError> {
        self.server.await.map_err(StartError::Serve)
    }
}

/// Every route of the service, registered on `app` (and so collected into its OpenAPI).
fn register_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(health::healthz)
        .service(health::readyz)
        .service(utoipa_actix_web::scope("/api/v1").configure(api::routes))
}

/// The OpenAPI document of every route, built once from the same registration as the app.
pub fn openapi_document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        register_routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi()))
            .split_for_parts()
            .1
    })
}

/// Content security policy: nothing but our own origin, no framing.
const CSP: &str = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; \
                   frame-ancestors 'none'";
/// The API reference page (Swagger UI) sets inline styles; it gets them and nothing more.
const DOCS_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: routes, OpenAPI, error mapping, security headers, request logs.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = register_routes(
        App::new()
            .into_utoipa_app()
            .app_data(state)
            .app_data(web::PathConfig::default().error_handler(|e, _| {
                ApiError::BadRequest(format!("the path is not valid: {e}")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                ApiError::BadRequest(format!("the query string is not valid: {e}")).into()
            }))
            // Before the /api/v1 scope, which would otherwise answer these paths itself.
            .map(|app| {
                app.service(
                    SwaggerUi::new("/api/v1/docs/{_:.*}")
                        .url("/api/v1/openapi.json", openapi_document().clone()),
                )
            }),
    )
    .split_for_parts();
    app.default_service(web::to(|| async {
        Err::<HttpResponse, ApiError>(ApiError::not_found())
    }))
    // A path that, percent-decoded, holds a control character (`/children/%00`) names no
    // record: the same 404 as a missing one, before any extractor or database sees it.
    // Ordinary ids, however odd, are left to the services (a hidden record and a missing
    // one must answer alike).
    .wrap_fn(|req, srv| {
        use futures_util::future::{Either, FutureExt};
        if crate::api::text::path_is_not_an_id(req.path()) {
            let answer = actix_web::ResponseError::error_response(&ApiError::not_found());
            Either::Left(std::future::ready(Ok(req
                .into_response(answer)
                .map_into_right_body())))
        } else {
            Either::Right(
                srv.call(req)
                    .map(|res| res.map(ServiceResponse::map_into_left_body)),
            )
        }
    })
    .wrap(ErrorHandlers::new().default_handler(problem_for_framework_errors))
    .wrap_fn(|req, srv| {
        let path = req.path().to_string();
        let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
        let fut = srv.call(req);
        async move {
            let mut res = fut.await?;
            let headers = res.headers_mut();
            let csp = if path.starts_with("/api/v1/docs") {
                DOCS_CSP
            } else {
                CSP
            };
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(
                header::HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
            );
            if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
                // Case records must not linger in shared or browser caches.
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                headers.insert(header::HeaderName::from_static("x-request-id"), id);
            }
            Ok(res)
        }
    })
    .wrap(TracingLogger::<RequestSpan>::new())
}
