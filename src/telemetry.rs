//! Structured logs. Request ids come from `tracing-actix-web`; nothing logs a password, a
//! token or case content (handlers never log bodies, and the root span records no headers).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Starts logging to standard error. `RUST_LOG` overrides the default level (`info`).
/// Text lines are coloured only when standard error is a terminal: a file, a pipe or a log
/// collector gets plain text, with no ANSI escape codes to garble it.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second init (tests start several servers in one process) is harmless: ignore it.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The request span: method, route, request id, client address, status and duration — and
/// never an error's text, which for a refused body can quote what the user typed.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        tracing_actix_web::root_span!(level = tracing::Level::INFO, request)
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("http.status_code", i32::from(status.as_u16()));
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::error!(status = status.as_u16(), "request failed");
            } else {
                tracing::info!(status = status.as_u16(), "request finished");
            }
        });
    }
}
