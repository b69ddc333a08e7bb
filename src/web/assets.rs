//! Built page assets (CSS, JavaScript, images) served under `/assets/`.
//!
//! `frontend/dist` is written by the frontend build (`cd frontend && npm ci && npm run build`,
//! see docs/frontend.md) and committed; the binary embeds it. Its `manifest.json` maps each
//! asset's logical name to the file the build wrote, hashed by content where the name says so.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};

/// Embedded `frontend/dist` (rust-embed; in debug builds read from disk, so a rebuilt dist shows
/// without recompiling).
#[derive(rust_embed::Embed)]
#[folder = "frontend/dist/"]
pub struct Dist;

/// Cache lifetime of a file whose name changes with its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache lifetime of a file that keeps its name (the icons).
const REVALIDATE_HOURLY: &str = "public, max-age=3600";

struct Manifest {
    /// Logical name → file under `assets/`.
    files: HashMap<String, String>,
    /// Files whose names carry their content's hash.
    hashed: HashSet<String>,
}

fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        // The build writes the manifest; without it pages still render, with unhashed names.
        let files: HashMap<String, String> = match Dist::get("manifest.json")
            .map(|file| serde_json::from_slice(&file.data))
        {
            Some(Ok(files)) => files,
            Some(Err(e)) => {
                tracing::error!(error = %e, "frontend/dist/manifest.json is not a map of names");
                HashMap::new()
            }
            None => {
                tracing::error!("frontend/dist/manifest.json is missing: run the frontend build");
                HashMap::new()
            }
        };
        let hashed = files
            .iter()
            .filter(|(logical, file)| logical != file)
            .map(|(_, file)| file.clone())
            .collect();
        Manifest { files, hashed }
    })
}

/// The URL of a built asset by its logical name from manifest.json, e.g.
/// `asset_url("app.css") == "/assets/app-1234abcd.css"`. Unknown names: `/assets/<name>` (and a
/// debug assertion, since a page naming an asset the build does not write is a mistake).
pub fn asset_url(logical: &str) -> String {
    match manifest().files.get(logical) {
        Some(file) => format!("/assets/{file}"),
        None => {
            debug_assert!(false, "no asset {logical:?} in frontend/dist/manifest.json");
            format!("/assets/{logical}")
        }
    }
}

/// actix handler for `GET /assets/{path:.*}`: serves `dist/assets/<path>` with its media type,
/// a year's immutable caching for hashed names (an hour otherwise) and an ETag. Compression is
/// left to the app's middleware. Anything else is a plain-text 404.
pub async fn serve_asset(path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    // Only names the build wrote: no way out of the folder, even where debug builds read disk.
    let plausible = !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..");
    let file = if plausible {
        Dist::get(&format!("assets/{path}"))
    } else {
        None
    };
    let Some(file) = file else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Page not found");
    };

    let hash = file.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = if manifest().hashed.contains(&path) {
        IMMUTABLE
    } else {
        REVALIDATE_HOURLY
    };
    let body = match file.data {
        Cow::Borrowed(bytes) => web::Bytes::from_static(bytes),
        Cow::Owned(bytes) => web::Bytes::from(bytes),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type(&path)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .insert_header((header::ETAG, etag))
        .body(body)
}

/// The media type by extension; text gets its charset, and modules are JavaScript.
fn content_type(path: &str) -> String {
    if path.ends_with(".mjs") || path.ends_with(".js") {
        return "text/javascript; charset=utf-8".to_owned();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if mime.type_() == mime::TEXT || mime.subtype() == mime::SVG {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn logical_names() -> Vec<(String, String)> {
        let mut names: Vec<_> = manifest()
            .files
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn asset_url_names_the_built_file() {
        let css = asset_url("app.css");
        let hash = css
            .strip_prefix("/assets/app-")
            .and_then(|rest| rest.strip_suffix(".css"))
            .unwrap_or_else(|| panic!("unexpected URL {css}"));
        assert_eq!(hash.len(), 8);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(asset_url("app.mjs").starts_with("/assets/app-"));
        assert!(asset_url("govuk-frontend.min.js").starts_with("/assets/govuk-frontend-"));
        assert_eq!(
            asset_url("images/favicon.svg"),
            "/assets/images/favicon.svg"
        );
        for (logical, file) in logical_names() {
            assert!(
                Dist::get(&format!("assets/{file}")).is_some(),
                "{logical} names {file}, which is not in frontend/dist/assets"
            );
        }
    }

    #[cfg(not(debug_assertions))]
    #[test]
    fn an_unknown_asset_keeps_its_name() {
        assert_eq!(asset_url("nothing.css"), "/assets/nothing.css");
    }

    async fn get(path: &str) -> HttpResponse {
        serve_asset(web::Path::from(path.to_owned())).await
    }

    fn header(response: &HttpResponse, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[actix_web::test]
    async fn hashed_assets_are_immutable() {
        let css = asset_url("app.css");
        let response = get(css.trim_start_matches("/assets/")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/css; charset=utf-8"
        );
        assert_eq!(header(&response, header::CACHE_CONTROL), IMMUTABLE);
        let etag = header(&response, header::ETAG);
        assert!(
            etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'),
            "{etag}"
        );

        let script = asset_url("app.mjs");
        let response = get(script.trim_start_matches("/assets/")).await;
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(header(&response, header::CACHE_CONTROL), IMMUTABLE);
        let body = response
            .into_body()
            .try_into_bytes()
            .unwrap_or_else(|_| panic!("a complete body"));
        let text = String::from_utf8_lossy(&body);
        let govuk = asset_url("govuk-frontend.min.js");
        assert!(
            text.contains(govuk.trim_start_matches("/assets/")),
            "{text}"
        );
    }

    #[actix_web::test]
    async fn unhashed_assets_are_cached_for_an_hour() {
        let response = get("images/favicon.svg").await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "image/svg+xml; charset=utf-8"
        );
        assert_eq!(header(&response, header::CACHE_CONTROL), REVALIDATE_HOURLY);
    }

    #[actix_web::test]
    async fn unknown_and_outside_paths_are_not_found() {
        for path in [
            "nothing.css",
            "",
            "../manifest.json",
            "images/../../manifest.json",
            "/etc/passwd",
            "images//favicon.svg",
            "..\\manifest.json",
            "../templates/govuk/macros/attributes.njk",
        ] {
            let response = get(path).await;
            assert_eq!(response.status(), 404, "{path}");
            assert_eq!(
                header(&response, header::CONTENT_TYPE),
                "text/plain; charset=utf-8"
            );
            let body = response
                .into_body()
                .try_into_bytes()
                .unwrap_or_else(|_| panic!("a complete body"));
            assert_eq!(&body[..], b"Page not found");
        }
    }
}
