//! The OpenAPI document describes the API the router serves.

use serde_json::Value;

use crate::helpers::TestApp;

on_both!(openapi_describes_every_api_route);

/// Every `/api` route the router serves, with its methods, read from the router's source (api.rs,
/// every `*_api.rs` module), so a new route without documentation fails here. The document itself
/// (`/api/openapi.json`) is exempt.
fn served() -> Vec<(String, String)> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let api = std::fs::read_to_string(format!("{src}/api.rs")).expect("api.rs");
    let api = &api[api.find("Router::new()").expect("router")..];
    let mut sources = vec![api[..api.find(".with_state").expect("with_state")].to_string()];
    // Every other part of the API: a `*_api.rs` module whose `routes()` api.rs merges.
    let mut parts: Vec<_> = std::fs::read_dir(src)
        .expect("src")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with("_api.rs"))
        .collect();
    parts.sort();
    for part in parts {
        let text = std::fs::read_to_string(&part).expect("api part");
        let text = &text[text.find("Router::new()").expect("router")..];
        sources.push(text[..text.find("\n}\n").expect("end of routes")].to_string());
    }
    let mut out = Vec::new();
    for chunk in sources
        .iter()
        .flat_map(|s| s.split(".route("))
        .filter(|c| c.contains('"'))
    {
        let path = chunk.split('"').nth(1).expect("route path").to_string();
        for method in ["get", "post", "put", "patch", "delete"] {
            let call = format!("{method}(");
            let mut rest = chunk;
            while let Some(i) = rest.find(&call) {
                let before = rest[..i].chars().last();
                if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
                    out.push((path.clone(), method.to_string()));
                    break;
                }
                rest = &rest[i + call.len()..];
            }
        }
    }
    out.retain(|(p, _)| p != "/api/openapi.json");
    assert!(
        out.len() >= 16,
        "routes read from api.rs and the *_api.rs modules: {out:?}"
    );
    out
}

async fn openapi_describes_every_api_route(app: TestApp) {
    let anon = app.anonymous();
    let r = anon.get("/api/openapi.json").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = r.json();
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string());
    let paths = doc["paths"].as_object().expect("paths");

    let served = served();
    for (path, method) in &served {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not documented"))[method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
        // Changes need the CSRF token, except logging in and voting (its authority is the code).
        if method == "post" && path != "/api/login" && path != "/api/vote" {
            let needs_csrf = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s.get("csrf").is_some()));
            assert!(
                needs_csrf,
                "{method} {path} does not say it needs X-CSRF-Token"
            );
        }
    }

    // And everything documented is served: each operation is answered by an API handler (JSON, not
    // 405), here by a separate session with an empty body, logging out last.
    let probe = crate::helpers::UserClient::login(
        app.base_url(),
        "admin",
        kaoping_app::demo::DEMO_PASSWORD,
    )
    .await;
    let mut ops: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (p.clone(), m.clone()))
        })
        .collect();
    ops.sort_by_key(|(p, _)| p == "/api/logout");
    for (path, method) in &ops {
        assert!(
            served.contains(&(path.clone(), method.clone())),
            "{method} {path} is documented but the router does not serve it"
        );
        let concrete = path.replace("{id}", "2").replace("{entry}", "999999");
        let r = match method.as_str() {
            "get" => probe.get(&concrete).await,
            "post" => probe.post_raw(&concrete, "application/json", "{}").await,
            other => panic!("unexpected method {other} for {path}"),
        };
        assert_ne!(r.status, 405, "{method} {path}");
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{method} {path}: {} without JSON",
            r.status
        );
    }
    // Every referenced schema exists.
    let text = serde_json::to_string(&doc).unwrap();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "missing schema {name}"
        );
    }
}
