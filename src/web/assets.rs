//! Built page assets (CSS, JavaScript, images) served under `/assets/`.
// TEMPORARY until the pipeline lands.
pub async fn serve_asset(_path: actix_web::web::Path<String>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::NotFound().finish()
}
