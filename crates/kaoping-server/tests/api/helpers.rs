//! The test harness: a fresh database per test (SQLite in a temporary folder, or a PostgreSQL database
//! `kaoping_srv_<random>` created for the test and dropped after it), filled with the demo (seeded once
//! per test process by `demo::seed` and copied), and the real server listening on a random port. Users log in once per app through `POST /api/login` and keep their
//! cookies and CSRF token.
//!
//! PostgreSQL is reached at `postgres://postgres@127.0.0.1:5432/test` (override with
//! `KAOPING_TEST_POSTGRES`). When it is unreachable the PostgreSQL half is skipped with a message, except
//! under CI (`CI=true`), where it fails.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use kaoping_app::demo;
use kaoping_server::{Config, Server};
use kaoping_store::{Backend, Department, NewOrgUnit, NewPeriod, OrgKind, Store, User};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use serde_json::Value;
use sqlx::{Connection, Executor};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// Where a test's data lives.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

fn postgres_admin_url() -> String {
    std::env::var("KAOPING_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn database_url(admin_url: &str, name: &str) -> String {
    let (base, _) = admin_url.rsplit_once('/').expect("database url has a path");
    format!("{base}/{name}")
}

/// The administrative connection to PostgreSQL; `None` when it is unreachable outside CI.
async fn postgres_admin() -> Option<(String, sqlx::PgConnection)> {
    let admin_url = postgres_admin_url();
    match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => Some((admin_url, c)),
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostgreSQL at {admin_url} is unreachable under CI: {e}");
            }
            eprintln!("SKIPPED on PostgreSQL: {admin_url} is unreachable ({e})");
            None
        }
    }
}

/// Seeds the demo and gives every user the light password hash.
async fn seed(store: &Store, light_logins: bool) {
    assert!(demo::seed(store).await.expect("seed"), "fresh database");
    if light_logins {
        for user in store.users().await.expect("users") {
            store
                .set_password(user.id, light_hash(), false)
                .await
                .expect("set password");
        }
    }
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The seeded demo, made once per test process and copied for each test: `demo::seed` hashes the demo
/// password with Argon2's default cost, most of a second in a debug build.
///
/// SQLite: the database file's bytes, kept in memory.
static SQLITE_TEMPLATE: tokio::sync::OnceCell<Vec<(String, Vec<u8>)>> =
    tokio::sync::OnceCell::const_new();
/// PostgreSQL: a template database `kaoping_srv_tpl_<unix seconds>_<random>`, dropped when the test
/// process exits (templates older than two hours, left by killed runs, are dropped when the next is made).
static POSTGRES_TEMPLATE: tokio::sync::OnceCell<Option<String>> =
    tokio::sync::OnceCell::const_new();

async fn sqlite_template() -> &'static [(String, Vec<u8>)] {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = Store::open_sqlite(dir.path()).await.expect("open sqlite");
            seed(&store, true).await;
            store.close().await;
            let mut files = Vec::new();
            for f in std::fs::read_dir(dir.path()).expect("template dir") {
                let f = f.expect("template file");
                let name = f.file_name().to_string_lossy().into_owned();
                if name.starts_with("kaoping.db") && !name.ends_with("-shm") {
                    files.push((name, std::fs::read(f.path()).expect("read template")));
                }
            }
            files
        })
        .await
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn drop_postgres_template() {
    let Some(Some(name)) = POSTGRES_TEMPLATE.get() else {
        return;
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await;
            let _ = admin.close().await;
        }
    });
}

async fn postgres_template() -> Option<&'static str> {
    POSTGRES_TEMPLATE
        .get_or_init(|| async {
            let (admin_url, mut admin) = postgres_admin().await?;
            let now = unix_secs();
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'kaoping_srv_tpl_%'",
            )
            .fetch_all(&mut admin)
            .await
            .expect("list templates");
            for name in stale {
                let made: u64 = name
                    .split('_')
                    .nth(3)
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                if made + 2 * 3600 < now {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            }
            let name = format!("kaoping_srv_tpl_{now}_{:08x}", rand::random::<u32>());
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create template database");
            // SAFETY: registers a plain function to run at exit; it touches only its own statics.
            unsafe {
                atexit(drop_postgres_template);
            }
            let store = Store::connect(&database_url(&admin_url, &name))
                .await
                .expect("connect template");
            seed(&store, true).await;
            store.close().await;
            let _ = admin.close().await;
            Some(name)
        })
        .await
        .as_deref()
}

impl Db {
    /// A fresh, empty database; `None` when PostgreSQL is unreachable outside CI.
    async fn create(backend: Backend) -> Option<Db> {
        Db::make(backend, None).await
    }

    /// A fresh copy of the seeded demo.
    async fn seeded(backend: Backend) -> Option<Db> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                for (name, bytes) in sqlite_template().await {
                    std::fs::write(dir.path().join(name), bytes).expect("copy template");
                }
                Some(Db::Sqlite(dir))
            }
            Backend::Postgres => {
                let template = postgres_template().await?;
                Db::make(backend, Some(template)).await
            }
        }
    }

    async fn make(backend: Backend, template: Option<&str>) -> Option<Db> {
        match backend {
            Backend::Sqlite => Some(Db::Sqlite(tempfile::tempdir().expect("temp dir"))),
            Backend::Postgres => {
                let (admin_url, mut admin) = postgres_admin().await?;
                let name = format!("kaoping_srv_{:016x}", rand::random::<u64>());
                let create = match template {
                    Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
                    None => format!("CREATE DATABASE {name}"),
                };
                // Two copies of one template at the same instant can collide; try again.
                let mut attempt = 0;
                while let Err(e) = admin.execute(create.as_str()).await {
                    attempt += 1;
                    assert!(attempt < 50, "create test database: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                let _ = admin.close().await;
                let url = database_url(&admin_url, &name);
                Some(Db::Postgres {
                    admin_url,
                    name,
                    url,
                })
            }
        }
    }

    /// The configuration a `kaoping serve` process on this database would have, on a random port.
    fn config(&self) -> Config {
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        match self {
            Db::Sqlite(dir) => Config {
                addr,
                data_dir: dir.path().to_path_buf(),
                database_url: None,
                secure_cookies: false,
                trust_proxy: false,
                today: None,
                notify: Default::default(),
            },
            Db::Postgres { url, .. } => Config {
                addr,
                data_dir: PathBuf::from("unused"),
                database_url: Some(url.clone()),
                secure_cookies: false,
                trust_proxy: false,
                today: None,
                notify: Default::default(),
            },
        }
    }

    /// A new connection (pool) to the same database, as another process would open.
    async fn open(&self) -> Store {
        match self {
            Db::Sqlite(dir) => Store::open_sqlite(dir.path()).await.expect("open sqlite"),
            Db::Postgres { url, .. } => Store::connect(url).await.expect("connect postgres"),
        }
    }

    async fn destroy(self) {
        if let Db::Postgres {
            admin_url, name, ..
        } = self
        {
            // Best effort: a failed drop leaves a stray database, not a failed test.
            if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// A light Argon2id hash of the demo password. Verifying the seeded hash (Argon2's default parameters)
/// takes most of a second in a debug build; tests replace it with this one so that every login still goes
/// through `POST /api/login` and the real verification, just with cheaper parameters.
fn light_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let params = argon2::Params::new(256, 1, 1, None).expect("argon2 params");
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(
                demo::DEMO_PASSWORD.as_bytes(),
                &SaltString::generate(&mut OsRng),
            )
            .expect("hash")
            .to_string()
    })
}

struct Inner {
    db: Mutex<Option<Db>>,
    config: Config,
    base_url: String,
    store: Store,
    servers: std::sync::Mutex<Vec<JoinHandle<()>>>,
    extra_stores: std::sync::Mutex<Vec<Store>>,
    logins: Mutex<HashMap<String, UserClient>>,
}

/// A running server over a seeded database. Cheap to clone.
#[derive(Clone)]
pub struct TestApp(Arc<Inner>);

/// Another server process on the same database: its own store (connection pool) and port.
pub struct OtherServer {
    pub base_url: String,
    pub store: Store,
}

/// Starts a server on a random port over `store`, returning its base URL.
async fn start(store: Store, config: &Config) -> (String, JoinHandle<()>) {
    let server = Server::with_store(store, config).await.expect("bind");
    let base_url = format!("http://127.0.0.1:{}", server.port());
    let handle = tokio::spawn(async move {
        server.run().await.expect("server runs");
    });
    (base_url, handle)
}

/// A fresh database for `backend`, seeded with the demo, and the server on it. `None`: skipped.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, true).await
}

/// As [`spawn_app`]; `light_logins: false` keeps the seeded (default-cost) password hashes.
pub async fn spawn_app_with(backend: Backend, light_logins: bool) -> Option<TestApp> {
    spawn_app_on(backend, light_logins, None).await
}

/// As [`spawn_app_with`], the server reading today as `today` (warnings, deadlines, 整改).
pub async fn spawn_app_on(
    backend: Backend,
    light_logins: bool,
    today: Option<kaoping_core::date::Date>,
) -> Option<TestApp> {
    let (db, store) = if light_logins {
        let db = Db::seeded(backend).await?;
        let store = db.open().await;
        (db, store)
    } else {
        let db = Db::create(backend).await?;
        let store = db.open().await;
        seed(&store, false).await;
        (db, store)
    };
    let mut config = db.config();
    config.today = today;
    let (base_url, handle) = start(store.clone(), &config).await;
    Some(TestApp(Arc::new(Inner {
        db: Mutex::new(Some(db)),
        config,
        base_url,
        store,
        servers: std::sync::Mutex::new(vec![handle]),
        extra_stores: std::sync::Mutex::new(Vec::new()),
        logins: Mutex::new(HashMap::new()),
    })))
}

impl TestApp {
    pub fn base_url(&self) -> &str {
        &self.0.base_url
    }

    /// A plain connection to the server's database, triggers and all (what a reader of the stored data
    /// sees).
    pub async fn raw_connection(&self) -> sqlx::AnyConnection {
        let url = match &self.0.config.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.0.config.data_dir.join("kaoping.db").display()
            ),
        };
        sqlx::AnyConnection::connect(&url).await.expect("connect")
    }

    /// The server's store (the same connection pool it uses).
    /// Runs `sql` as someone with database access would: on SQLite with every trigger dropped, on
    /// PostgreSQL with triggers off for the session.
    pub async fn behind_the_app(&self, sql: &str) {
        let url = match &self.0.config.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.0.config.data_dir.join("kaoping.db").display()
            ),
        };
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        if url.starts_with("sqlite") {
            let triggers: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    .fetch_all(&mut conn)
                    .await
                    .expect("triggers");
            for t in triggers {
                conn.execute(format!("DROP TRIGGER {t}").as_str())
                    .await
                    .expect("drop trigger");
            }
        } else {
            conn.execute("SET session_replication_role = replica")
                .await
                .expect("replica role");
        }
        conn.execute(sql).await.expect("the edit");
        let _ = conn.close().await;
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// A client with no session.
    pub fn anonymous(&self) -> UserClient {
        UserClient::new(&self.0.base_url, String::new())
    }

    /// `user` logged in through `POST /api/login` (once per app; later calls share the session).
    pub async fn client(&self, user: &str) -> UserClient {
        let mut logins = self.0.logins.lock().await;
        if let Some(c) = logins.get(user) {
            return c.clone();
        }
        let c = UserClient::login(&self.0.base_url, user, demo::DEMO_PASSWORD).await;
        logins.insert(user.to_string(), c.clone());
        c
    }

    /// A second server process on the same database, with its own store connection and port.
    pub async fn spawn_other_server(&self) -> OtherServer {
        self.spawn_other_server_with(|_| {}).await
    }

    /// As [`TestApp::spawn_other_server`], configured differently (`--secure-cookies`, `--trust-proxy`).
    pub async fn spawn_other_server_with(
        &self,
        configure: impl FnOnce(&mut Config),
    ) -> OtherServer {
        let db = self.0.db.lock().await;
        let store = db.as_ref().expect("database").open().await;
        let mut config = self.0.config.clone();
        configure(&mut config);
        let (base_url, handle) = start(store.clone(), &config).await;
        self.0.servers.lock().unwrap().push(handle);
        self.0.extra_stores.lock().unwrap().push(store.clone());
        OtherServer { base_url, store }
    }

    /// A period beside the demo's: `units` (code, name) made top-level units, the rubric saved by the
    /// administrator, and a period of `year` on it. Returns the period's id.
    pub async fn period_on(
        &self,
        rubric: (&str, &str),
        period: (&str, i32),
        units: &[(String, String)],
    ) -> i64 {
        let store = self.store();
        let (admin, _) = self.user_and_department("admin").await;
        let mut ids = Vec::new();
        for (code, name) in units {
            ids.push(
                store
                    .create_org_unit(&NewOrgUnit {
                        code: code.clone(),
                        name: name.clone(),
                        parent_id: None,
                        kind: OrgKind::Unit,
                        ranking_group: None,
                        member_of: Vec::new(),
                    })
                    .await
                    .expect("unit"),
            );
        }
        let saved = store
            .save_rubric(rubric.0, rubric.1, admin.id)
            .await
            .expect("rubric");
        store
            .create_period(&NewPeriod {
                name: period.0.into(),
                year: period.1,
                rubric_id: saved.id,
                unit_ids: ids,
            })
            .await
            .expect("period")
    }

    /// The demo user and their department, as the permission function takes them.
    pub async fn user_and_department(&self, username: &str) -> (User, Option<Department>) {
        let user = self
            .store()
            .user_by_username(username)
            .await
            .expect("user lookup")
            .expect("demo user");
        let dept = match user.department_id {
            Some(id) => self
                .store()
                .departments()
                .await
                .expect("departments")
                .into_iter()
                .find(|d| d.id == id),
            None => None,
        };
        (user, dept)
    }

    /// Another database on the same backend, empty (not even migrated), dropped by
    /// [`EmptyDb::destroy`].
    pub async fn empty_database(&self) -> EmptyDb {
        EmptyDb(
            Db::create(self.0.store.backend())
                .await
                .expect("the backend of a running app is reachable"),
        )
    }

    /// Stops the servers, closes the stores and drops the database.
    async fn finish(&self) {
        for h in self.0.servers.lock().unwrap().drain(..) {
            h.abort();
        }
        let extra: Vec<Store> = self.0.extra_stores.lock().unwrap().drain(..).collect();
        for s in extra {
            s.close().await;
        }
        self.0.store.close().await;
        if let Some(db) = self.0.db.lock().await.take() {
            db.destroy().await;
        }
    }
}

/// An empty database of a test's own, as a fresh installation has.
pub struct EmptyDb(Db);

impl EmptyDb {
    /// A store on it, as one more `kaoping serve` process would open (migrations run).
    pub async fn open(&self) -> Store {
        self.0.open().await
    }

    pub async fn destroy(self) {
        self.0.destroy().await
    }
}

/// Runs a test body against a fresh app on `backend`, cleaning up whether it passes or panics.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    finish_after(app, body).await;
}

pub async fn run_with<F, Fut>(backend: Backend, light_logins: bool, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(app) = spawn_app_with(backend, light_logins).await else {
        return;
    };
    finish_after(app, body).await;
}

/// As [`run`], the server reading today as `today` ("2024-07-21").
pub async fn run_on_day<F, Fut>(backend: Backend, today: &str, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let today = today.parse().expect("a test's day");
    let Some(app) = spawn_app_on(backend, true, Some(today)).await else {
        return;
    };
    finish_after(app, body).await;
}

async fn finish_after<F, Fut>(app: TestApp, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let result = tokio::spawn(body(app.clone())).await;
    app.finish().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// A response, read whole.
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `error` message of an API error.
    pub fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error message in {}", self.text()))
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a redirect points.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
}

/// One user's browser: a cookie jar, no automatic redirects, and the session's CSRF token.
#[derive(Clone)]
pub struct UserClient {
    pub http: reqwest::Client,
    pub base_url: String,
    pub csrf: String,
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

pub async fn read(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.bytes().await.expect("response body").to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

impl UserClient {
    fn new(base_url: &str, csrf: String) -> UserClient {
        UserClient {
            http: http_client(),
            base_url: base_url.to_string(),
            csrf,
        }
    }

    /// Logs in through `POST /api/login`, panicking unless it succeeds.
    pub async fn login(base_url: &str, username: &str, password: &str) -> UserClient {
        let mut c = UserClient::new(base_url, String::new());
        let r = c
            .post_json_without_csrf(
                "/api/login",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(r.status, 200, "login {username}: {}", r.text());
        c.csrf = r.json()["csrf_token"]
            .as_str()
            .expect("csrf_token")
            .to_string();
        c
    }

    /// The same browser (cookies, token) talking to another server.
    pub fn at(&self, base_url: &str) -> UserClient {
        UserClient {
            base_url: base_url.to_string(),
            ..self.clone()
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> Resp {
        read(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .header("x-csrf-token", &self.csrf)
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn post_json_without_csrf(&self, path: &str, body: &Value) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// A POST with a raw body (with the CSRF header).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .header("x-csrf-token", &self.csrf)
                .header("content-type", content_type)
                .body(body.to_string())
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// A POST to `path` from this browser (its cookies) as `build` makes it: no CSRF header unless
    /// `build` adds one (see [`UserClient::csrf`]).
    pub async fn post_with(
        &self,
        path: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Resp {
        read(
            build(self.http.post(self.url(path)))
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// The session's CSRF token.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// An HTML form's multipart POST to `path` exactly as given (forms put `?csrf=…` in the action).
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .multipart(form)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// An HTML form's urlencoded POST to `path` exactly as given.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        read(
            self.http
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// `path?csrf=TOKEN`, as the pages write form actions.
    pub fn with_csrf(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}csrf={}", self.csrf)
    }

    /// The whole ledger of a period, as the API gives it.
    pub async fn entries(&self, period: i64) -> Vec<Value> {
        let r = self.get(&format!("/api/periods/{period}/entries")).await;
        assert_eq!(r.status, 200, "entries: {}", r.text());
        r.json()["entries"].as_array().expect("entries").clone()
    }

    /// Records a finding through the API.
    pub async fn record(&self, period: i64, finding: &Value) -> Resp {
        self.post_json(&format!("/api/periods/{period}/entries"), finding)
            .await
    }

    /// The results of a period (panics unless 200).
    pub async fn results(&self, period: i64) -> Value {
        let r = self.get(&format!("/api/periods/{period}/results")).await;
        assert_eq!(r.status, 200, "results: {}", r.text());
        r.json()
    }
}

/// A unit's record in a results document.
pub fn unit<'a>(results: &'a Value, code: &str) -> &'a Value {
    results["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit"] == code)
        .unwrap_or_else(|| panic!("no unit {code} in results"))
}

/// A number of a results document as an exact decimal.
pub fn dec(v: &Value) -> kaoping_core::Decimal {
    v.to_string()
        .parse()
        .unwrap_or_else(|_| panic!("not a decimal: {v}"))
}

/// A section's score for a unit (`section` is its code, `"1"`).
pub fn section_score(results: &Value, unit_code: &str, section: &str) -> kaoping_core::Decimal {
    let s = unit(results, unit_code)["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["code"] == section)
        .unwrap_or_else(|| panic!("no section {section}"))
        .clone();
    dec(&s["score"])
}

/// Declares, for each named `async fn NAME(app: TestApp)`, a module `NAME` with a `sqlite` and a
/// `postgres` test. `on_both!(ignore = "why"; a, b)` marks them ignored.
macro_rules! on_both {
    (ignore = $why:literal; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $why]
            async fn sqlite() {
                crate::helpers::run(kaoping_store::Backend::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = $why]
            async fn postgres() {
                crate::helpers::run(kaoping_store::Backend::Postgres, super::$name).await
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::helpers::run(kaoping_store::Backend::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::helpers::run(kaoping_store::Backend::Postgres, super::$name).await
            }
        }
    )*};
}

/// As [`on_both!`], each server reading today as `$day` (`"2024-07-21"`).
macro_rules! on_both_on_day {
    ($day:literal; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::helpers::run_on_day(kaoping_store::Backend::Sqlite, $day, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::helpers::run_on_day(kaoping_store::Backend::Postgres, $day, super::$name).await
            }
        }
    )*};
}
