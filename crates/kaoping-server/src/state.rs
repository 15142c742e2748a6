//! What every handler shares: the application and the request policy. No state of its own: the
//! application keeps only what any process can rebuild from the database.

use kaoping_app::App;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub secure_cookies: bool,
    pub trust_proxy: bool,
}

impl AppState {
    pub fn new(app: App, secure_cookies: bool, trust_proxy: bool) -> AppState {
        AppState {
            app,
            secure_cookies,
            trust_proxy,
        }
    }

    /// The client's address for throttling: the connection's, or behind a trusted proxy the last address
    /// of `X-Forwarded-For` — the one the proxy itself appended. Earlier entries come from the client and
    /// could be anything.
    pub fn client_ip(&self, peer: std::net::SocketAddr, headers: &axum::http::HeaderMap) -> String {
        let forwarded = self
            .trust_proxy
            .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
            .flatten()
            .and_then(|v| v.rsplit(',').next())
            .map(|ip| ip.trim().to_string())
            .filter(|ip| !ip.is_empty());
        forwarded.unwrap_or_else(|| peer.ip().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let dir = tempfile::tempdir().unwrap();
        let store = kaoping_store::Store::open_sqlite(dir.path()).await.unwrap();
        let app = App::new(store);
        let peer: std::net::SocketAddr = "10.0.0.5:443".parse().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        // A client claims 198.51.100.1; nginx appends the address it really saw.
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        assert_eq!(
            AppState::new(app.clone(), false, false).client_ip(peer, &headers),
            "10.0.0.5"
        );
        assert_eq!(
            AppState::new(app, false, true).client_ip(peer, &headers),
            "203.0.113.7"
        );
    }
}
