//! The buyer page's routes, as the template declares them: `page` (`GET /pay/{token}`) and
//! `upload` (`POST /pay/{token}/uploads`). Anything else is the friendly not-found page.

mod page;
mod upload;

use cuadre_lambda::http::{query, Routes};
use cuadre_pages::{render_not_found, Lang};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::app::App;
use crate::html::{html, secured};

const PAGE: &str = "GET /pay/{token}";
const UPLOADS: &str = "POST /pay/{token}/uploads";

/// The routes `template.yaml` gives `BuyerPageFunction`.
pub const ROUTES: Routes = Routes(&[PAGE, UPLOADS]);

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    secured(respond(app, req).await, &app.settings.upload_origin)
}

async fn respond(app: &App, req: Request) -> Response<Body> {
    let lang = language(&req);
    let Ok(route) = ROUTES.find(&req) else {
        return html(StatusCode::NOT_FOUND, render_not_found(lang));
    };
    // A token that does not decode opens nothing, like any other unknown token.
    let token = route.param("token").unwrap_or("");
    match route.key {
        PAGE => page::page(app, token, lang).await,
        UPLOADS => match upload::upload(app, token, req.body().as_ref()).await {
            Ok(response) => response,
            Err(problem) => problem.into_response(),
        },
        _ => html(StatusCode::NOT_FOUND, render_not_found(lang)),
    }
}

/// `?lang=en`, else the browser's `Accept-Language`; Spanish first.
fn language(req: &Request) -> Lang {
    let query_lang = query(req).first("lang").and_then(Lang::from_tag);
    query_lang.unwrap_or_else(|| {
        Lang::from_accept_language(
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_query_then_the_browser() {
        use lambda_http::RequestExt;
        let en = Request::default().with_query_string_parameters(std::collections::HashMap::from(
            [("lang".to_string(), "en".to_string())],
        ));
        assert!(matches!(language(&en), Lang::En));
        let req = lambda_http::http::Request::builder()
            .uri("https://pay.test/pay/abc?lang=en")
            .body(Body::Empty)
            .unwrap();
        assert!(matches!(language(&req), Lang::En));
        assert!(matches!(language(&Request::default()), Lang::Es));
    }
}
