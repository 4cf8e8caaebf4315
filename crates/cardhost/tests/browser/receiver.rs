//! The merchant's site, as small as a test needs: it records every form the
//! browser POSTs back, and shows a page it is given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Form, Router};

type Forms = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

pub struct Receiver {
    pub base: String,
    forms: Forms,
    pages: Arc<Mutex<HashMap<String, String>>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let forms: Forms = Arc::default();
        let pages: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let app = Router::new()
            .route("/back/{name}", post(record))
            .with_state(forms.clone())
            .merge(
                Router::new()
                    .route("/page/{name}", get(page))
                    .with_state(pages.clone()),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { base, forms, pages }
    }

    /// Where a callback named `name` lands.
    pub fn url(&self, name: &str) -> String {
        format!("{}/back/{name}", self.base)
    }

    /// Serves `html` at `/page/{name}`; its URL.
    pub fn serve(&self, name: &str, html: String) -> String {
        self.pages.lock().unwrap().insert(name.to_owned(), html);
        format!("{}/page/{name}", self.base)
    }

    /// The forms received so far, as (callback name, fields).
    pub fn received(&self) -> Vec<(String, HashMap<String, String>)> {
        self.forms.lock().unwrap().clone()
    }
}

async fn record(
    State(forms): State<Forms>,
    Path(name): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Html<&'static str> {
    forms.lock().unwrap().push((name, fields));
    Html("<!DOCTYPE html><title>Shop</title><p id=\"received\">Received.</p>")
}

async fn page(
    State(pages): State<Arc<Mutex<HashMap<String, String>>>>,
    Path(name): Path<String>,
) -> Html<String> {
    Html(
        pages
            .lock()
            .unwrap()
            .get(&name)
            .cloned()
            .unwrap_or_default(),
    )
}
