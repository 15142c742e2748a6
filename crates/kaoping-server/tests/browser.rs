//! The demo as a person uses it, in headless Chromium: an assessor (安全科) records a safety incident with
//! a PDF as evidence and sees the deduction on the unit's score sheet; the administrator completes the
//! year's discretionary items, publishes it and sees the ranking; every page fits a phone's width.
//!
//! A second walk-through follows the 民主评议 of scheme C (jishengju): the administrator issues the
//! ballot's codes and gets the printable slips; then, with no login on a phone, one voter casts a full
//! ballot by the slip's link, sees the code refused the second time, and another casts an incomplete
//! ballot after being told it will not count; the campaign counts both.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the tests
//! print a notice and pass, except in CI (`CI=true`), where they fail. The tests take turns with the
//! browser (two cores are enough).
//!
//! Screenshots of the login page, the summary, the score sheet, a ballot on a phone and the slips are
//! written to `target/tmp/screenshots/`; with `KAOPING_SCREENSHOTS=1` to `docs/screenshots/` (the
//! README's pictures).

mod browser {
    pub mod driver;
}

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use browser::driver::{self, main_text, screenshot, wait_for_path, Browser, Tools};
use fantoccini::{Client, Locator};
use kaoping_app::demo::{self, DemoScheme};
use kaoping_server::{Config, Server};
use kaoping_store::Store;
use serde_json::{json, Value};

const PASSWORD: &str = demo::DEMO_PASSWORD;

/// Screenshots larger than this would bloat the repository.
const MAX_SCREENSHOT_BYTES: usize = 300 * 1024;

/// A small but well-formed one-page PDF (with a correct cross-reference table), as a scanner makes.
fn sample_pdf() -> Vec<u8> {
    let content = "BT /F1 18 Tf 72 760 Td (Safety incident report, D03 water supply) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

fn screenshot_dir() -> PathBuf {
    if std::env::var("KAOPING_SCREENSHOTS").is_ok_and(|v| v == "1") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots")
    } else {
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
    }
}

async fn shoot(client: &Client, name: &str, height: Option<f64>) {
    let path = screenshot_dir().join(name);
    let bytes = screenshot(client, &path, height).await;
    assert!(
        bytes < MAX_SCREENSHOT_BYTES,
        "{name} is {bytes} bytes, over {MAX_SCREENSHOT_BYTES}"
    );
    eprintln!("screenshot {} ({} KB)", path.display(), bytes / 1024);
}

/// Logs in through the form; `next` is where the login page came from.
async fn log_in(client: &Client, username: &str) {
    let form = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("form[action^='/login']"))
        .await
        .expect("the login form");
    form.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    form.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn log_out(client: &Client) {
    client
        .find(Locator::XPath("//header//button[normalize-space()='退出']"))
        .await
        .expect("the 退出 button")
        .click()
        .await
        .unwrap();
    wait_for_path(client, "/login").await;
}

/// The units' rows of the summary table (汇总表), each a list of its cells' text (a ranking group's
/// heading row is not one).
async fn summary_rows(client: &Client) -> Vec<Vec<String>> {
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#summary tbody tr:not(.group-head)')]
                .map(tr => [...tr.cells].map(td => td.innerText.trim()));",
            vec![],
        )
        .await
        .expect("summary rows");
    serde_json::from_value(rows).expect("rows of text")
}

/// The column of the summary table headed `name`.
async fn column(client: &Client, name: &str) -> usize {
    let heads = client
        .execute(
            "return [...document.querySelectorAll('#summary thead th')].map(th => th.innerText.trim());",
            vec![],
        )
        .await
        .expect("summary headings");
    let heads: Vec<String> = serde_json::from_value(heads).unwrap();
    heads
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {heads:?}"))
}

/// At a phone's width the page scrolls only vertically: nothing outside a `.table-wrap` (which scrolls
/// on its own) reaches past the right edge.
async fn assert_fits_phone(client: &Client, what: &str) {
    let report = client
        .execute(
            "const vw = document.documentElement.clientWidth;
             const bad = [];
             for (const el of document.body.querySelectorAll('*')) {
               if (el.parentElement && el.parentElement.closest('.table-wrap')) continue;
               const r = el.getBoundingClientRect();
               if (r.width === 0 && r.height === 0) continue;
               if (r.right > vw + 0.5 || r.left < -0.5) {
                 bad.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                          ' [' + Math.round(r.left) + ',' + Math.round(r.right) + ']');
               }
             }
             return { vw, inner: window.innerWidth,
                      scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 10) };",
            vec![],
        )
        .await
        .expect("layout report");
    let vw = report["vw"].as_f64().unwrap();
    assert!(
        vw <= 400.0,
        "{what}: the viewport is {vw}px wide, not a phone's"
    );
    assert!(
        report["scroll"].as_f64().unwrap() <= vw,
        "{what}: the page scrolls sideways at {vw}px: {report}"
    );
    assert_eq!(
        report["bad"],
        json!([]),
        "{what}: elements outside .table-wrap overflow at {vw}px"
    );
}

/// Makes the window a phone's, 390×844; returns whether the screen had to be emulated (headless windows
/// may not shrink below a minimum).
async fn to_phone(client: &Client) -> bool {
    client.set_window_size(390, 844).await.expect("resize");
    let inner = client
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    let emulated = inner.as_f64() != Some(390.0);
    if emulated {
        driver::cdp(
            client,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    }
    emulated
}

/// Back to the desktop size after [`to_phone`].
async fn to_desktop(client: &Client, emulated: bool) {
    if emulated {
        driver::cdp(client, "Emulation.clearDeviceMetricsOverride", json!({})).await;
    }
    client
        .set_window_size(1280, 900)
        .await
        .expect("resize back");
}

/// Checks `paths` at a 390×844 window, then restores the desktop size.
async fn check_phone(client: &Client, base: &str, paths: &[&str]) {
    let emulated = to_phone(client).await;
    for path in paths {
        client.goto(&format!("{base}{path}")).await.unwrap();
        assert_fits_phone(client, path).await;
        // No link or name in the header is broken over two lines (首/页).
        let broken = client
            .execute(
                "return Array.from(document.querySelectorAll('header.top a, header.top span'))
                   .filter(e => e.getBoundingClientRect().height > 32).map(e => e.textContent.trim());",
                vec![],
            )
            .await
            .expect("header check");
        assert_eq!(broken, json!([]), "{path}: header items broken over lines");
        if *path == "/" {
            shoot(client, "phone-home.png", Some(844.0)).await;
        }
    }
    to_desktop(client, emulated).await;
}

/// Downloads the evidence behind a link with the page's own session; returns (type, first bytes).
async fn fetch_in_page(client: &Client, href: &str) -> (String, String) {
    let got = client
        .execute_async(
            "const [href, done] = arguments;
             fetch(href).then(async r => {
               const bytes = new Uint8Array(await r.arrayBuffer());
               done([r.status, r.headers.get('content-type'), String.fromCharCode(...bytes.slice(0, 5))]);
             }).catch(e => done([0, String(e), '']));",
            vec![json!(href)],
        )
        .await
        .expect("fetch the evidence");
    assert_eq!(got[0], json!(200), "evidence download: {got}");
    (
        got[1].as_str().unwrap_or("").to_string(),
        got[2].as_str().unwrap_or("").to_string(),
    )
}

/// Records a discretionary score (6.1, 7.1) for every unit through the JSON API, as admin.
async fn complete_discretionary(base: &str, units: &[String]) {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login: Value = http
        .post(format!("{base}/api/login"))
        .json(&json!({ "username": "admin", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("API login as admin")
        .json()
        .await
        .unwrap();
    let token = login["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    for unit in units {
        for (code, note) in [("6.1", "按时完成厂部交办任务"), ("7.1", "党建工作有特色")]
        {
            let response = http
                .post(format!("{base}/api/periods/2/entries"))
                .header("X-CSRF-Token", &token)
                .json(&json!({ "unit": unit, "code": code, "points": "5", "note": note }))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert_eq!(status.as_u16(), 201, "{unit} {code}: {body}");
        }
    }
}

async fn start_server(scheme: DemoScheme) -> (String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(data.path()).await.expect("open SQLite");
    assert!(demo::seed_scheme(&store, scheme)
        .await
        .expect("seed the demo"));
    let config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data.path().to_path_buf(),
        database_url: None,
        secure_cookies: false,
        trust_proxy: false,
        today: None,
        notify: Default::default(),
    };
    let server = Server::with_store(store, &config).await.expect("bind");
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run());
    (base, data)
}

/// The whole walk-through; panics at the first thing a user would see go wrong.
async fn walk_through(client: Client, base: String) {
    let pdf_dir = tempfile::tempdir().unwrap();
    let pdf = pdf_dir.path().join("安全事故通报.pdf");
    std::fs::write(&pdf, sample_pdf()).unwrap();

    // A visitor is sent to the login page, which fits a phone.
    client.goto(&format!("{base}/")).await.unwrap();
    wait_for_path(&client, "/login").await;
    assert!(main_text(&client).await.contains("考评 · 登录"));
    shoot(&client, "login.png", Some(600.0)).await;
    check_phone(&client, &base, &["/login"]).await;

    // 安全科 logs in and opens the entry form for D03 in the open year.
    client.goto(&format!("{base}/login")).await.unwrap();
    log_in(&client, "anquan").await;
    wait_for_path(&client, "/").await;
    let header = client
        .find(Locator::Css("header.top"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(header.contains("安全科考核员"), "header: {header}");
    client
        .goto(&format!("{base}/periods/2/entries/new?unit=D03"))
        .await
        .unwrap();
    let form = client
        .find(Locator::Css("form[enctype='multipart/form-data']"))
        .await
        .expect("the entry form");
    let unit = form.find(Locator::Css("select[name=unit]")).await.unwrap();
    assert_eq!(unit.prop("value").await.unwrap().as_deref(), Some("D03"));
    form.find(Locator::Css("select[name=code]"))
        .await
        .unwrap()
        .select_by_value("1.4.2")
        .await
        .expect("rule 1.4.2 is offered to 安全科");
    form.find(Locator::Css("input[name=count]"))
        .await
        .unwrap()
        .send_keys("1")
        .await
        .unwrap();
    form.find(Locator::Css("textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("3月12日供水泵房检修时发生一般性安全事故，见厂安全通报")
        .await
        .unwrap();
    form.find(Locator::Css("input[name=evidence]"))
        .await
        .unwrap()
        .send_keys(pdf.to_str().unwrap())
        .await
        .expect("attach the PDF");
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The D03 score sheet shows the deduction, with a link to the evidence.
    let url = wait_for_path(&client, "/periods/2/units/D03").await;
    assert!(
        url.query().unwrap_or("").contains("msg="),
        "no message: {url}"
    );
    let text = main_text(&client).await;
    assert!(text.contains("已保存记录#"), "{text}");
    let trace = client
        .find(Locator::XPath(
            "//table[contains(@class,'sheet')]//div[contains(@class,'trace')][strong[normalize-space()='1.4.2']]",
        ))
        .await
        .expect("the 1.4.2 line on the sheet");
    let line = trace.text().await.unwrap();
    assert!(line.contains("扣5分"), "1.4.2 line: {line}");
    assert!(line.contains("3月12日供水泵房"), "1.4.2 line: {line}");
    let link = trace
        .find(Locator::XPath(".//a[normalize-space()='证据']"))
        .await
        .expect("an evidence link");
    let href = link.attr("href").await.unwrap().expect("href");
    assert!(href.starts_with("/periods/2/evidence/"), "{href}");
    let (mime, head) = fetch_in_page(&client, &href).await;
    assert_eq!((mime.as_str(), head.as_str()), ("application/pdf", "%PDF-"));
    // The picture: the top of the sheet down to the safety item.
    let bottom = client
        .execute(
            "const tr = arguments[0].closest('tr'); tr.scrollIntoView();
             return tr.getBoundingClientRect().bottom + window.scrollY + 12;",
            vec![serde_json::to_value(&trace).unwrap()],
        )
        .await
        .unwrap();
    client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    shoot(&client, "sheet.png", bottom.as_f64()).await;
    check_phone(
        &client,
        &base,
        &[
            "/",
            "/periods/2/entries/new?unit=D03",
            "/periods/2/units/D03",
        ],
    )
    .await;
    log_out(&client).await;

    // The administrator sees the open year's summary: everyone incomplete, D03 five points behind.
    client.goto(&format!("{base}/periods/2")).await.unwrap();
    wait_for_path(&client, "/login").await;
    log_in(&client, "admin").await;
    wait_for_path(&client, "/periods/2").await;
    let (rank, name, group, score, note) = (
        column(&client, "排名").await,
        column(&client, "单位").await,
        column(&client, "分组").await,
        column(&client, "最终得分").await,
        column(&client, "备注").await,
    );
    let before = summary_rows(&client).await;
    assert_eq!(before.len(), 18, "{before:?}");
    let d03 = |rows: &[Vec<String>]| {
        rows.iter()
            .find(|r| r[name] == "供水车间党支部")
            .cloned()
            .expect("D03's row")
    };
    let d03_before = d03(&before);
    eprintln!(
        "before publishing: D03 rank {} with {}",
        d03_before[rank], d03_before[score]
    );
    assert!(
        before.iter().all(|r| r[note].contains("未评完")),
        "{before:?}"
    );
    assert_eq!(
        (d03_before[rank].as_str(), d03_before[score].as_str()),
        ("14", "85")
    );
    assert!(before
        .iter()
        .filter(|r| r[name] != "供水车间党支部")
        .all(|r| r[score] == "90" && r[rank] == "1"));

    // Publishing refuses while 6.1 and 7.1 are missing: the confirmation page says so.
    client
        .find(Locator::XPath("//a[normalize-space()='发布并锁定']"))
        .await
        .expect("the publish button")
        .click()
        .await
        .unwrap();
    let refused = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("div.flash[role=alert]"))
        .await
        .expect("a refusal")
        .text()
        .await
        .unwrap();
    assert!(refused.contains("不能发布"), "{refused}");

    // The discretionary items are scored (through the API), then the year is published.
    let units: Vec<String> = (1..=18).map(|i| format!("D{i:02}")).collect();
    complete_discretionary(&base, &units).await;
    client.goto(&format!("{base}/periods/2")).await.unwrap();
    assert!(!main_text(&client).await.contains("未评完"));
    client
        .find(Locator::XPath("//a[normalize-space()='发布并锁定']"))
        .await
        .expect("the publish button")
        .click()
        .await
        .unwrap();
    // No department's review is approved: the confirmation page asks for the reason, printed on the
    // notice.
    let reason = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("textarea#reason"))
        .await
        .expect("the reason to publish without approved reviews");
    reason
        .send_keys("年终考评会议已确认各部门记录")
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[normalize-space()='确认发布']"))
        .await
        .expect("the confirm button")
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("div.flash.ok"))
        .await
        .expect("a confirmation");
    let text = main_text(&client).await;
    assert!(text.contains("已发布并锁定"), "{text}");
    assert!(text.contains("已发布锁定"), "{text}");
    assert!(client
        .find_all(Locator::XPath("//a[normalize-space()='发布并锁定']"))
        .await
        .unwrap()
        .is_empty());

    // The ranking: every branch without a deduction shares first place in its group with full marks;
    // D03 comes last among the production units, five points behind.
    let after = summary_rows(&client).await;
    let d03_after = d03(&after);
    eprintln!(
        "after publishing: D03 rank {} with {}",
        d03_after[rank], d03_after[score]
    );
    let production: Vec<&Vec<String>> = after.iter().filter(|r| r[group] == "生产单位").collect();
    let offices: Vec<&Vec<String>> = after.iter().filter(|r| r[group] == "机关").collect();
    assert_eq!((production.len(), offices.len()), (14, 4), "{after:?}");
    for row in production.iter().take(13).chain(offices.iter()) {
        assert_eq!(
            (row[rank].as_str(), row[score].as_str()),
            ("1", "100"),
            "{row:?}"
        );
        assert!(!row[note].contains("未评完"), "{row:?}");
    }
    let last = production.last().unwrap();
    assert_eq!(
        (
            last[rank].as_str(),
            last[name].as_str(),
            last[score].as_str()
        ),
        ("14", "供水车间党支部", "95"),
        "{after:?}"
    );
    assert_eq!(d03_after[rank], "14");
    let first_in_group: Vec<&str> = production
        .iter()
        .take(13)
        .map(|r| r[name].as_str())
        .collect();
    assert!(!first_in_group.contains(&"供水车间党支部"));
    check_phone(
        &client,
        &base,
        &["/periods/2", "/periods/2/units/D03", "/periods/2/notice"],
    )
    .await;

    // The README's picture of the summary: the demo's published 2023 year, with its real spread of scores.
    client.goto(&format!("{base}/periods/1")).await.unwrap();
    assert_eq!(summary_rows(&client).await.len(), 18);
    shoot(&client, "summary.png", None).await;
}

/// Waits until the visible text of `<main>` contains `want` (the page after a form's submission);
/// returns that text.
async fn wait_for_text(client: &Client, want: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(main) = client.find(Locator::Css("main")).await {
            if let Ok(text) = main.text().await {
                if text.contains(want) {
                    return text;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "expected “{want}” on the page, it says: {text}"
                );
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected “{want}” on the page"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The campaign's participation table (参评情况), each row a list of its cells' text.
async fn participation(client: &Client) -> Vec<Vec<String>> {
    let rows = client
        .execute(
            "const h2 = [...document.querySelectorAll('main h2')].find(h => h.innerText.trim() === '参评情况');
             const table = h2.nextElementSibling.querySelector('table');
             return [...table.rows].map(tr => [...tr.cells].map(td => td.innerText.trim()));",
            vec![],
        )
        .await
        .expect("the participation table");
    serde_json::from_value(rows).expect("rows of text")
}

/// On the ballot, picks `grade` for the candidate of `fieldset` by tapping its pill, and checks that its
/// radio button is then the one chosen.
async fn rate(fieldset: &fantoccini::elements::Element, grade: &str) {
    let pill = fieldset
        .find(Locator::XPath(&format!(
            ".//label[contains(concat(' ', normalize-space(@class), ' '), ' choice ')][normalize-space()='{grade}']"
        )))
        .await
        .unwrap_or_else(|_| panic!("a {grade} choice"));
    pill.click().await.expect("tap the choice");
    let radio = pill.find(Locator::Css("input[type=radio]")).await.unwrap();
    assert_eq!(
        radio.prop("checked").await.unwrap().as_deref(),
        Some("true"),
        "tapping the {grade} pill chose it"
    );
}

/// The ballot's candidates (their `fieldset`s) and their names, after checking each offers the four
/// grades as pills a thumb can hit.
async fn ballot_candidates(client: &Client) -> Vec<fantoccini::elements::Element> {
    let fieldsets = client
        .find_all(Locator::Css("form[action='/vote'] fieldset.candidate"))
        .await
        .unwrap();
    let pills = client
        .execute(
            "return [...document.querySelectorAll('fieldset.candidate')].map(f =>
               [...f.querySelectorAll('label.choice')].map(l => {
                 const r = l.getBoundingClientRect();
                 return [l.innerText.trim(), Math.round(r.width), Math.round(r.height)];
               }));",
            vec![],
        )
        .await
        .unwrap();
    let pills: Vec<Vec<(String, f64, f64)>> = serde_json::from_value(pills).unwrap();
    assert_eq!(pills.len(), fieldsets.len());
    for choices in &pills {
        let names: Vec<&str> = choices.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["优秀", "称职", "基本称职", "不称职"], "{pills:?}");
        for (name, width, height) in choices {
            assert!(
                *width >= 44.0 && *height >= 44.0,
                "the {name} pill is {width}×{height}px, too small to tap: {pills:?}"
            );
        }
    }
    fieldsets
}

/// The demo's 民主评议 from issuing the codes to two ballots counted.
async fn ballot_walk_through(admin: Client, voter: Client, base: String) {
    // The administrator logs in and finds the open year.
    admin.goto(&format!("{base}/")).await.unwrap();
    wait_for_path(&admin, "/login").await;
    log_in(&admin, "admin").await;
    wait_for_path(&admin, "/").await;
    let href = admin
        .find(Locator::XPath(
            "//section[contains(@class,'card')][h2[contains(.,'2023年度岗位目标责任制考核')]]//a[normalize-space()='汇总表']",
        ))
        .await
        .expect("the 2023 card with its summary")
        .attr("href")
        .await
        .unwrap()
        .expect("href");
    let period: i64 = href
        .strip_prefix("/periods/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a period's link: {href}"));

    // From the year's summary to its campaigns: the demo's, codes not issued yet.
    admin.goto(&format!("{base}{href}")).await.unwrap();
    admin
        .find(Locator::XPath("//main//a[normalize-space()='民主评议']"))
        .await
        .expect("the summary's link to the 民主评议")
        .click()
        .await
        .unwrap();
    wait_for_path(&admin, &format!("/periods/{period}/ballots")).await;
    let text = wait_for_text(&admin, "2023年度民主评议").await;
    assert!(text.contains("未发码"), "{text}");
    admin
        .find(Locator::XPath(
            "//main//a[normalize-space()='2023年度民主评议']",
        ))
        .await
        .expect("the campaign's link")
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&admin, "参评情况").await;
    let url = admin.current_url().await.unwrap();
    let campaign = url.path().to_string();
    assert!(campaign.starts_with("/ballots/"), "{url}");
    assert!(text.contains("未发投票码"), "{text}");
    assert!(text.contains("候选人10名"), "{text}");

    // Issuing the codes shows the slips, once: one per voter (3 局领导, 10 工作人员), each with its QR code.
    admin
        .find(Locator::XPath(
            "//button[normalize-space()='发放投票码并打印选票']",
        ))
        .await
        .expect("the button that issues the codes")
        .click()
        .await
        .unwrap();
    admin
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("div.slips"))
        .await
        .expect("the slips");
    let slips = admin
        .execute(
            "return [...document.querySelectorAll('div.slips div.slip')].map(s => ({
               code: s.querySelector('div.slip-code strong')?.innerText.trim(),
               class: s.querySelector('div.slip-class')?.innerText.trim(),
               svgs: s.querySelectorAll('svg').length,
               qr: (() => { const r = s.querySelector('svg')?.getBoundingClientRect();
                            return r ? [Math.round(r.width), Math.round(r.height)] : null; })(),
               how: s.querySelector('div.slip-how')?.innerText.trim(),
             }));",
            vec![],
        )
        .await
        .expect("the slips' contents");
    let slips = slips.as_array().expect("a list of slips").clone();
    assert_eq!(slips.len(), 13, "{slips:?}");
    let codes: Vec<String> = slips
        .iter()
        .map(|s| {
            s["code"]
                .as_str()
                .expect("a code on every slip")
                .to_string()
        })
        .collect();
    for (slip, code) in slips.iter().zip(&codes) {
        assert_eq!(slip["svgs"], json!(1), "one QR code a slip: {slip}");
        let qr: Vec<f64> = serde_json::from_value(slip["qr"].clone()).unwrap();
        assert!(
            qr[0] >= 100.0 && qr[0] == qr[1],
            "the QR code is square and big enough to scan: {slip}"
        );
        assert!(
            code.len() == 8
                && code
                    .bytes()
                    .all(|b| b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(&b)),
            "{code}"
        );
        assert!(
            slip["how"]
                .as_str()
                .is_some_and(|h| h.contains(&format!("{base}/vote"))),
            "{slip}"
        );
    }
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 13, "{codes:?}");
    let classes: Vec<&str> = slips.iter().filter_map(|s| s["class"].as_str()).collect();
    assert_eq!(
        classes.iter().filter(|c| c.contains("局领导")).count(),
        3,
        "{classes:?}"
    );
    assert_eq!(
        classes.iter().filter(|c| c.contains("工作人员")).count(),
        10,
        "{classes:?}"
    );
    shoot(&admin, "slips.png", None).await;

    // Printed, the page is the slips alone, three to a row of an A4 sheet, none cut across a page.
    driver::cdp(
        &admin,
        "Emulation.setEmulatedMedia",
        json!({ "media": "print" }),
    )
    .await;
    let print = admin
        .execute(
            "const shown = sel => [...document.querySelectorAll(sel)].some(e => e.getClientRects().length > 0);
             const slip = getComputedStyle(document.querySelector('div.slip'));
             return { header: shown('header.top'), flash: shown('.flash'), noprint: shown('.no-print'),
                      columns: getComputedStyle(document.querySelector('div.slips')).gridTemplateColumns.split(' ').length,
                      border: slip.borderTopStyle, avoid: slip.breakInside };",
            vec![],
        )
        .await
        .unwrap();
    driver::cdp(&admin, "Emulation.setEmulatedMedia", json!({ "media": "" })).await;
    assert_eq!(
        print,
        json!({ "header": false, "flash": false, "noprint": false, "columns": 3,
                "border": "dashed", "avoid": "avoid" }),
        "the printed slips"
    );
    // On paper: A4, four rows of three slips a sheet, so the 13 slips take two sheets.
    let pdf = driver::cdp(
        &admin,
        "Page.printToPDF",
        json!({ "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true }),
    )
    .await;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdf["data"].as_str().expect("the PDF"))
        .expect("base64 PDF");
    let pdf = String::from_utf8_lossy(&pdf);
    let sheets = pdf
        .match_indices("/Type /Page")
        .filter(|(i, _)| !pdf[i + "/Type /Page".len()..].starts_with('s'))
        .count();
    assert_eq!(sheets, 2, "the 13 slips print on {sheets} A4 sheets");

    // A voter scans the first slip's QR code: the ballot opens with no login, sized for the phone.
    let emulated = to_phone(&voter).await;
    let first = &codes[0];
    voter
        .goto(&format!("{base}/vote?code={first}"))
        .await
        .unwrap();
    let text = main_text(&voter).await;
    assert!(text.contains("2023年度民主评议"), "{text}");
    assert!(text.contains("漏评任何一人即为废票"), "{text}");
    assert!(text.contains("最多3名"), "{text}");
    assert!(voter
        .find_all(Locator::Css("header.top"))
        .await
        .unwrap()
        .is_empty());
    assert_fits_phone(&voter, "the ballot").await;
    let candidates = ballot_candidates(&voter).await;
    assert_eq!(candidates.len(), 10);
    // Three 优秀 (the most a ballot may give), everyone else 称职.
    for (i, fieldset) in candidates.iter().enumerate() {
        rate(fieldset, if i < 3 { "优秀" } else { "称职" }).await;
    }
    let chosen = voter
        .execute(
            "const l = document.querySelector('label.choice:has(input:checked)');
             const free = document.querySelector('label.choice:not(:has(input:checked))');
             return [getComputedStyle(l).backgroundColor, getComputedStyle(free).backgroundColor];",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        chosen[0], chosen[1],
        "a chosen pill looks different from the others"
    );
    voter
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    shoot(&voter, "ballot.png", Some(1100.0)).await;
    let submit = voter
        .find(Locator::Css("button.wide[type=submit]"))
        .await
        .expect("the submit button");
    assert_eq!(submit.text().await.unwrap(), "提交投票");
    let width = voter
        .execute(
            "const b = document.querySelector('button.wide');
             return [b.getBoundingClientRect().width, b.parentElement.getBoundingClientRect().width];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        width[0], width[1],
        "the submit button is as wide as the form"
    );
    submit.click().await.unwrap();
    let text = wait_for_text(&voter, "投票成功").await;
    assert!(text.contains("您的选票已收到"), "{text}");
    assert_fits_phone(&voter, "the vote's receipt").await;

    // The same slip again: the code is used.
    voter
        .goto(&format!("{base}/vote?code={first}"))
        .await
        .unwrap();
    let text = wait_for_text(&voter, "这个投票码已经投过票了").await;
    assert!(
        voter
            .find_all(Locator::Css("fieldset.candidate"))
            .await
            .unwrap()
            .is_empty(),
        "{text}"
    );
    assert_fits_phone(&voter, "a used code").await;

    // Another voter types the second slip's code (in small letters) on the code page, and rates only
    // four candidates: the ballot comes back saying why it would not count, with the choices kept.
    voter.goto(&format!("{base}/vote")).await.unwrap();
    assert_fits_phone(&voter, "/vote").await;
    let second = &codes[1];
    voter
        .find(Locator::Css("input#code"))
        .await
        .expect("the code field")
        .send_keys(&second.to_lowercase())
        .await
        .unwrap();
    voter
        .find(Locator::XPath("//button[normalize-space()='开始投票']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&voter, "请对每名候选人作出评价").await;
    let candidates = ballot_candidates(&voter).await;
    assert_eq!(candidates.len(), 10);
    for fieldset in &candidates[..4] {
        rate(fieldset, "称职").await;
    }
    voter
        .find(Locator::Css("button.wide[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&voter, "这张票将是废票").await;
    let reasons = voter
        .find(Locator::Css("div.flash[role=alert]"))
        .await
        .expect("the reasons")
        .text()
        .await
        .unwrap();
    assert!(
        reasons.contains("未评价全部候选人（还有6名未评"),
        "{reasons}"
    );
    eprintln!("an incomplete ballot: {reasons}");
    let kept = voter
        .find_all(Locator::Css("fieldset.candidate input[type=radio]:checked"))
        .await
        .unwrap();
    assert_eq!(kept.len(), 4, "{text}");
    let unrated = voter
        .find_all(Locator::Css("fieldset.candidate.unrated"))
        .await
        .unwrap();
    assert_eq!(unrated.len(), 6, "the six still to rate are marked");
    assert_fits_phone(&voter, "an invalid ballot").await;
    voter
        .find(Locator::XPath(
            "//label[contains(@class,'check')][input[@name='cast_invalid']]",
        ))
        .await
        .expect("the box to cast it anyway")
        .click()
        .await
        .unwrap();
    assert_eq!(
        voter
            .find(Locator::Css("input[name=cast_invalid]"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    voter
        .find(Locator::Css("button.wide[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(&voter, "投票成功").await;
    assert!(text.contains("已按您的确认投出废票"), "{text}");
    to_desktop(&voter, emulated).await;

    // The campaign counts both: 13 codes issued, 2 used by phone, one valid ballot and one not.
    admin.goto(&format!("{base}{campaign}")).await.unwrap();
    let text = wait_for_text(&admin, "参评情况").await;
    assert!(text.contains("投票中"), "{text}");
    let rows = participation(&admin).await;
    let total = rows.last().expect("the total row");
    assert_eq!(total[0], "合计", "{rows:?}");
    assert_eq!(
        (total[3].as_str(), total[6].as_str()),
        ("13", "11"),
        "{rows:?}"
    );
    let by_phone: u32 = rows[1..rows.len() - 1]
        .iter()
        .map(|r| r[4].parse::<u32>().expect("a count"))
        .sum();
    assert_eq!(by_phone, 2, "{rows:?}");
    assert!(
        text.contains("收回选票2张：有效1张，无效1张（空白0，未评全1，最高等次超限0）"),
        "{text}"
    );
    assert!(text.contains("未达到参评率"), "{text}");
    let paper = format!("{campaign}/paper");
    let campaigns = format!("/periods/{period}/ballots");
    check_phone(&admin, &base, &[&campaigns, &campaign, &paper]).await;
}

/// One browser at a time: the tests of this file run in parallel threads, and two Chromiums on a small
/// machine make each other's waits time out.
static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Chromium and chromedriver, or `None` (after saying so) when they are missing outside CI.
fn tools_or_skip() -> Option<Tools> {
    if let Some(tools) = driver::find() {
        return Some(tools);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but chromium or chromedriver is missing: \
             apt-get install chromium chromium-driver (.ci/run does this)"
        );
    }
    // Straight to stderr, past the test harness's capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED browser test: chromium and chromedriver not found \
         (apt-get install chromium chromium-driver, or set KAOPING_CHROMIUM and KAOPING_CHROMEDRIVER)"
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_records_publishes_and_reads_on_a_phone() {
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let (base, _data) = start_server(DemoScheme::Dongli).await;
    let browser = Browser::start(&tools, 1280, 900).await;
    // Run the scenario as a task so a failed assertion still closes the browser.
    let outcome = tokio::spawn(walk_through(browser.client.clone(), base)).await;
    browser.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Each role's everyday pages, as that role opens them, at a desktop's 1366 px and a phone's 390 px.
const ROLE_PAGES: &[(&str, &[&str])] = &[
    (
        "admin",
        &[
            "/",
            "/periods/1",
            "/periods/2",
            "/periods/2/units/D03",
            "/periods/1/notice",
            "/periods/2/ledger",
            "/periods/2/grid",
            "/periods/2/review",
            "/periods/2/appeals",
            "/periods/2/records",
            "/periods/2/warnings",
            "/periods/2/units/D03/records",
            "/admin",
            "/admin/users",
            "/admin/departments",
            "/admin/org",
            "/admin/rubrics",
            "/admin/periods",
            "/admin/users/2/edit",
            "/admin/org/2/edit",
            "/admin/periods/2/edit",
            "/admin/departments/1/delete",
            "/admin/notifications",
            "/audit",
            "/admin/integrity",
        ],
    ),
    (
        "dangong",
        &[
            "/",
            "/periods/2",
            "/periods/2/grid",
            "/periods/2/units/D01",
            "/periods/2/entries/new?unit=D01",
            "/periods/2/records",
        ],
    ),
    (
        "d01",
        &[
            "/",
            "/periods/1",
            "/periods/2/units/D01",
            "/periods/1/units/D01",
            "/periods/2/units/D01/records",
        ],
    ),
    ("lingdao", &["/", "/periods/1", "/periods/1/notice"]),
];

/// Every role's pages open without an error page at both widths; at 390 px nothing but a table the user
/// scrolls reaches past the edge, the navigation folds behind 菜单 and opens with a tap, and the summary
/// and sheet are a list and cards rather than squeezed tables.
async fn every_role_at_both_widths(client: Client, base: String) {
    for (user, paths) in ROLE_PAGES {
        client.goto(&format!("{base}/login")).await.unwrap();
        log_in(&client, user).await;
        wait_for_path(&client, "/").await;
        client.set_window_size(1366, 900).await.expect("resize");
        for path in *paths {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let h1 = client
                .find(Locator::Css("main h1"))
                .await
                .unwrap_or_else(|_| panic!("{user} {path}: no heading"))
                .text()
                .await
                .unwrap();
            assert!(
                !["出错了", "找不到", "无权访问", "服务器出错了"].contains(&h1.as_str()),
                "{user} at 1366 px: {path} shows an error page: {}",
                main_text(&client).await
            );
        }
        let emulated = to_phone(&client).await;
        for path in *paths {
            client.goto(&format!("{base}{path}")).await.unwrap();
            assert_fits_phone(&client, &format!("{user} {path}")).await;
        }
        // The menu: folded, then open with a tap on 菜单.
        client.goto(&format!("{base}/")).await.unwrap();
        let nav = client.find(Locator::Css("header.top nav")).await.unwrap();
        assert!(
            !nav.is_displayed().await.unwrap(),
            "{user}: the menu starts folded"
        );
        client
            .find(Locator::Css("label.menu-button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(
            nav.is_displayed().await.unwrap(),
            "{user}: 菜单 opens the menu"
        );
        assert_fits_phone(&client, &format!("{user} with the menu open")).await;
        if *user == "admin" {
            shoot(&client, "phone-menu.png", Some(844.0)).await;
            // The summary is a ranked list and the sheet a column of cards, the tables hidden.
            client.goto(&format!("{base}/periods/1")).await.unwrap();
            let shown = |sel: &'static str| {
                let client = client.clone();
                async move {
                    client
                        .find(Locator::Css(sel))
                        .await
                        .unwrap()
                        .is_displayed()
                        .await
                        .unwrap()
                }
            };
            assert!(
                !shown("#summary").await,
                "the summary table is hidden at 390 px"
            );
            assert!(
                shown("div.rank-row").await,
                "the ranked list shows at 390 px"
            );
            shoot(&client, "phone-summary.png", None).await;
            client
                .goto(&format!("{base}/periods/1/units/D01"))
                .await
                .unwrap();
            assert!(
                !shown("table.sheet").await,
                "the sheet's table is hidden at 390 px"
            );
            assert!(
                shown("div.item-card").await,
                "the sheet's cards show at 390 px"
            );
            shoot(&client, "phone-sheet.png", Some(1600.0)).await;
        }
        to_desktop(&client, emulated).await;
        if *user == "admin" {
            // A Word/Excel rubric reviewed in its form, at both widths.
            import_rubric_table(&client, &base, "1366 px").await;
            let emulated = to_phone(&client).await;
            import_rubric_table(&client, &base, "390 px").await;
            assert_fits_phone(&client, "admin /rubrics/import review form").await;
            to_desktop(&client, emulated).await;
        }
        if *user == "lingdao" {
            client.set_window_size(1366, 900).await.expect("resize");
            client.goto(&format!("{base}/")).await.unwrap();
            shoot(&client, "overview-leader.png", None).await;
        }
        if *user == "admin" {
            client.set_window_size(1366, 900).await.expect("resize");
            client.goto(&format!("{base}/")).await.unwrap();
            shoot(&client, "overview.png", None).await;
        }
        client.goto(&format!("{base}/")).await.unwrap();
        log_out(&client).await;
    }
}

/// Uploads a small rubric table on the import page and waits for its review form, where each rule's
/// source phrase and what is to be confirmed come first.
async fn import_rubric_table(client: &Client, base: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("细则.csv");
    std::fs::write(
        &table,
        "栏目,分值,考核内容,评分标准\n党建,40分,民主评议,酌情扣1-3分\n党建,40分,开展学习,每少一次扣2分\n",
    )
    .unwrap();
    client
        .goto(&format!("{base}/rubrics/import"))
        .await
        .unwrap();
    let form = client
        .find(Locator::Css("main form"))
        .await
        .expect("the import form");
    form.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys("测试细则")
        .await
        .unwrap();
    form.find(Locator::Css("input[name=file]"))
        .await
        .unwrap()
        .send_keys(table.to_str().unwrap())
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(client, "核对导入结果").await;
    assert!(text.contains("待核对"), "{what}: {text}");
    let first = client
        .find(Locator::Css("table.review-rules th:nth-child(2)"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(first, "原文", "{what}: the phrase comes first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reads_its_pages_on_a_desktop_and_a_phone() {
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let (base, _data) = start_server(DemoScheme::Dongli).await;
    let browser = Browser::start(&tools, 1366, 900).await;
    let outcome = tokio::spawn(every_role_at_both_widths(browser.client.clone(), base)).await;
    browser.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_vote_by_code_on_their_phones() {
    let Some(tools) = tools_or_skip() else {
        return;
    };
    let _turn = ONE_BROWSER_AT_A_TIME.lock().await;
    let (base, _data) = start_server(DemoScheme::Jishengju).await;
    let admin = Browser::start(&tools, 1280, 900).await;
    // The voters' browser: another profile, so no session of the administrator's.
    let voter = Browser::start(&tools, 390, 844).await;
    let outcome = tokio::spawn(ballot_walk_through(
        admin.client.clone(),
        voter.client.clone(),
        base,
    ))
    .await;
    voter.close().await;
    admin.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
