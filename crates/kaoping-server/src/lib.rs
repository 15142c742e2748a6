//! The Kaoping web application: a thin axum adapter over the application layer (`kaoping-app`),
//! rendering Chinese pages (maud, every asset inside the binary) and a JSON API. Handlers translate a
//! request into one call of the application and its answer into a response; they decide nothing
//! themselves (no permission, no check, no scoring).
//!
//! No state lives in one process only: what the application keeps per period it checks against the
//! database on every request, so several `kaoping serve` processes can share one PostgreSQL behind a
//! load balancer.

mod api;
mod api_plumbing;
mod assets;
mod attendance_api;
mod ballot_api;
mod error;
mod guard;
mod notify_api;
mod notify_worker;
mod pages;
mod records_api;
mod rectification_api;
mod rejections;
mod session;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use kaoping_app::{App, Clock};
use kaoping_store::Store;
use tokio::net::TcpListener;

pub use error::ServerError;
pub use notify_worker::NotifySchedule;
pub use state::AppState;

/// Where the data lives and where to listen. Its `Debug` hides the database password.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The SQLite data folder, used when `database_url` is `None`.
    pub data_dir: PathBuf,
    /// `postgres://…` (or `sqlite:…`).
    pub database_url: Option<String>,
    /// Mark the session cookie `Secure` (when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For` (for login throttling)
    /// instead of the connection, which is the proxy's.
    pub trust_proxy: bool,
    /// Read today as this day instead of the system clock's (warnings, deadlines and 整改 turn on
    /// it): for tests, and for trying a past year's demo as it stood on a given day.
    pub today: Option<kaoping_core::date::Date>,
    /// When reminders are delivered and the daily digest queued (tests make it fast).
    pub notify: NotifySchedule,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(kaoping_store::masked_url),
            )
            .field("secure_cookies", &self.secure_cookies)
            .field("trust_proxy", &self.trust_proxy)
            .field("today", &self.today)
            .field("notify", &self.notify)
            .finish()
    }
}

/// A server bound to its port, ready to run. Binding first lets tests start it on port 0 and know the
/// port before any request.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    notify: NotifySchedule,
}

impl Server {
    /// Opens the store (running migrations) and binds the listener.
    ///
    /// # Errors
    /// The database cannot be opened or migrated, or the address cannot be bound.
    pub async fn build(config: &Config) -> Result<Server, ServerError> {
        let store = match &config.database_url {
            Some(url) => Store::connect(url).await?,
            None => Store::open_sqlite(&config.data_dir).await?,
        };
        Server::with_store(store, config).await
    }

    /// As [`Server::build`], over a store the caller opened.
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn with_store(store: Store, config: &Config) -> Result<Server, ServerError> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| ServerError::Bind(config.addr.to_string(), e))?;
        let clock = config.today.map_or(Clock::System, Clock::Fixed);
        let app = App::new(store)
            .with_clock(clock)
            .with_backoff(config.notify.backoff.clone());
        let state = AppState::new(app, config.secure_cookies, config.trust_proxy);
        let router = pages::router(state.clone())
            .merge(api::router(state.clone()))
            .merge(assets::router())
            .fallback(guard::not_found)
            .layer(axum::middleware::from_fn(guard::run_to_completion))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                guard::password_gate,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                guard::csrf_guard,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                guard::plain_errors,
            ))
            .layer(axum::middleware::from_fn(guard::security_headers))
            .layer(axum::extract::DefaultBodyLimit::max(
                kaoping_app::MAX_UPLOAD_BYTES + 64 * 1024,
            ));
        Ok(Server {
            listener,
            router,
            state,
            notify: config.notify.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The application the server runs (for start-up tasks: the demo, the first administrator).
    pub fn app(&self) -> &App {
        &self.state.app
    }

    pub fn store(&self) -> &Store {
        self.state.app.store()
    }

    /// Serves until the process is stopped.
    ///
    /// # Errors
    /// The listener fails.
    pub async fn run(self) -> Result<(), ServerError> {
        // The integrity check runs once at start, in the background: what changed behind the
        // application's back while it was stopped shows on the administrator's pages. It waits a few
        // seconds first, so it does not compete with the first requests building their periods.
        let app = self.state.app.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            match app.refresh_integrity().await {
                Ok(check) if check.report.intact() => tracing::info!(
                    records = check.report.records,
                    publications = check.publications,
                    "数据完整性校验通过"
                ),
                Ok(check) => tracing::error!(
                    problems = check.report.problems.len(),
                    first = %check.report.problems[0],
                    "数据完整性校验未通过"
                ),
                Err(e) => tracing::error!(error = %e, "数据完整性校验无法完成"),
            }
        });
        // Reminders: due messages delivered every `notify.every`, the daily digest queued once a day.
        // The worker ends with this future (a server dropped or aborted stops it too).
        let _worker = notify_worker::spawn(self.state.app.clone(), self.notify.clone());
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .map_err(ServerError::Serve)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_configuration_never_shows_the_database_password() {
        let config = super::Config {
            addr: "127.0.0.1:8080".parse().unwrap(),
            data_dir: "kaoping-data".into(),
            database_url: Some("postgres://kaoping:s3cret@db:5432/kaoping".into()),
            secure_cookies: false,
            trust_proxy: false,
            today: None,
            notify: super::NotifySchedule::default(),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://kaoping:***@db:5432/kaoping"),
            "{shown}"
        );
    }
}
