//! The light-client page served at `/`: from `--page-dir` when given, else embedded in the
//! binary at build time (`build.rs`); a binary built without it serves a page that says how to
//! build it.

use axum::{
    http::{header, Uri},
    response::{Html, IntoResponse, Response},
};

include!(concat!(env!("OUT_DIR"), "/page.rs"));

/// True when the page was embedded at build time.
pub(crate) const fn embedded() -> bool {
    PAGE.is_some()
}

/// Serves the embedded page's files (`/` is `/index.html`); the API's JSON 404 otherwise.
pub(crate) async fn serve(uri: Uri) -> Response {
    let path = match uri.path() {
        "/" => "/index.html",
        other => other,
    };
    match PAGE {
        Some(files) => match files.iter().find(|(p, _, _)| *p == path) {
            Some((_, content_type, bytes)) => {
                ([(header::CONTENT_TYPE, *content_type)], *bytes).into_response()
            }
            None => super::ApiError::not_found(format!("no such endpoint: GET {}", uri.path()))
                .into_response(),
        },
        None if path == "/index.html" => Html(NOT_BUILT).into_response(),
        None => super::ApiError::not_found(format!("no such endpoint: GET {}", uri.path()))
            .into_response(),
    }
}

/// What a node built without the page shows at `/`.
const NOT_BUILT: &str = "<!doctype html><title>Weft</title><p>This node was built without the \
    light-client page: build it with <code>scripts/build-wasm</code> and rebuild the node, or \
    start the node with <code>--page-dir wasm/www</code>.";
