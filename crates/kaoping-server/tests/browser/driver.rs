//! Headless Chromium (Debian's package) driven through chromedriver with fantoccini, plus raw DevTools
//! commands (`goog/cdp/execute`) for screenshots. Nothing here downloads a browser: it uses the
//! system's `chromium` and `chromedriver`, or the ones named by `KAOPING_CHROMIUM` and
//! `KAOPING_CHROMEDRIVER`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The browser and its driver, found on this machine.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn tool(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    names.iter().find_map(|n| on_path(n))
}

/// Chromium and chromedriver, if both are installed.
pub fn find() -> Option<Tools> {
    Some(Tools {
        chromium: tool("KAOPING_CHROMIUM", &["chromium", "chromium-browser"])?,
        chromedriver: tool("KAOPING_CHROMEDRIVER", &["chromedriver"])?,
    })
}

/// The flags every run uses: headless, no sandbox (CI runs as root), and nothing that talks to the
/// internet on its own.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--lang=zh-CN",
];

/// A running chromedriver with one Chromium session. Dropping it stops both (the driver runs in its own
/// process group, which the browser inherits).
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

impl Browser {
    /// Starts chromedriver on a free local port and opens a session with a fresh profile.
    pub async fn start(tools: &Tools, width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().expect("a temporary profile folder");
        let port = free_port();
        let mut driver = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args: Vec<String> = FLAGS.iter().map(ToString::to_string).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": tools.chromium, "args": args }),
        );
        let connected =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
        let client = match connected {
            Ok(c) => c,
            Err(e) => {
                let _ = stop_group(&mut driver);
                panic!("cannot open a Chromium session: {e}");
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Ends the session (closing Chromium) and stops the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = stop_group(&mut self.driver);
    }
}

fn stop_group(child: &mut Child) -> std::io::Result<()> {
    if child.try_wait()?.is_none() {
        // The driver leads its own process group: end it and any browser it left behind.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while child.try_wait()?.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if child.try_wait()?.is_none() {
            child.kill()?;
        }
        child.wait()?;
    }
    Ok(())
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = stop_group(&mut self.driver);
    }
}

/// A DevTools command sent through chromedriver (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, url_error::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// `url::ParseError`, named through reqwest (which re-exports `url::Url` but not the error type).
mod url_error {
    pub type ParseError = <reqwest::Url as std::str::FromStr>::Err;
}

/// Runs a DevTools command and returns its result.
pub async fn cdp(client: &Client, cmd: &'static str, params: Value) -> Value {
    client
        .issue_cmd(Cdp { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
}

/// A PNG of the page (Page.captureScreenshot), from the top of the document down to `height` CSS
/// pixels (the whole page when `None`), written to `path`. Returns its size in bytes.
pub async fn screenshot(client: &Client, path: &Path, height: Option<f64>) -> usize {
    let size = client
        .execute(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight];",
            vec![],
        )
        .await
        .expect("page size");
    let width = size[0].as_f64().unwrap_or(1280.0);
    let full = size[1].as_f64().unwrap_or(800.0);
    let height = height.map_or(full, |h| h.min(full));
    let shot = cdp(
        client,
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
        }),
    )
    .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("base64 screenshot");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("screenshot folder");
    }
    std::fs::write(path, &png).expect("write screenshot");
    png.len()
}

/// Waits until the page's path (and query, if `want` has one) is `want`.
pub async fn wait_for_path(client: &Client, want: &str) -> reqwest::Url {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.expect("current url");
        let here = match url.query() {
            Some(q) if want.contains('?') => format!("{}?{q}", url.path()),
            _ => url.path().to_string(),
        };
        if here == want {
            return url;
        }
        assert!(
            Instant::now() < deadline,
            "expected to be at {want}, still at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The visible text of the page's `<main>`.
pub async fn main_text(client: &Client) -> String {
    client
        .find(Locator::Css("main"))
        .await
        .expect("<main>")
        .text()
        .await
        .expect("text of <main>")
}
