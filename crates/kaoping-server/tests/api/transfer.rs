//! Files in and out through the web: Excel downloads a user opens, the rubric import (upload, review, save
//! as a new version) and the findings import (all rows or none, every bad row listed).

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::TestApp;

on_both!(
    downloads_are_real_workbooks_for_those_who_may_see_them,
    a_rubric_table_is_reviewed_then_saved_as_a_new_version,
    a_findings_file_imports_all_rows_or_none,
);

fn file(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()))
}

async fn downloads_are_real_workbooks_for_those_who_may_see_them(app: TestApp) {
    let admin = app.client("admin").await;
    for path in [
        "/periods/1/summary.xlsx",
        "/periods/1/units/D01/sheet.xlsx",
        "/periods/1/ledger.xlsx",
        "/rubrics/1/rubric.xlsx",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "{path}"
        );
        assert!(r.body.starts_with(b"PK\x03\x04"), "{path} is a workbook");
    }
    // The sheet's pooled items (1.x share the section's 20 points) say what they deducted in words: no
    // "0" or "-5" where a reader expects an item's points.
    let sheet = admin.get("/periods/1/units/D01/sheet.xlsx").await.body;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(sheet)).expect("a zip");
    let part = |zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect(name), &mut text).unwrap();
        text
    };
    let strings = part(&mut zip, "xl/sharedStrings.xml");
    assert!(strings.contains("未扣分"), "{strings}");
    let cells = part(&mut zip, "xl/worksheets/sheet1.xml");
    assert!(!cells.contains("<v>-"), "no negative points: {cells}");
    // The exported rubric imports back to the same rules (what a user does to edit it in Excel).
    let rubric = admin.get("/rubrics/1/rubric.xlsx").await.body;
    let imported = kaoping_import::import_file("rubric.xlsx", &rubric, "x").unwrap();
    assert!(imported.to_confirm().is_empty());
    // A unit leader may download only their own sheet, and no ledger.
    let d01 = app.client("d01").await;
    assert_eq!(d01.get("/periods/1/units/D01/sheet.xlsx").await.status, 200);
    assert_eq!(d01.get("/periods/1/units/D02/sheet.xlsx").await.status, 403);
    assert_eq!(d01.get("/periods/1/ledger.xlsx").await.status, 403);
    // The viewer sees nothing of the open year.
    let lingdao = app.client("lingdao").await;
    assert_eq!(lingdao.get("/periods/2/summary.xlsx").await.status, 403);
}

const TABLE: &str = "栏目,分值,考核内容,评分标准,考核办法\n\
重点指标,20分,保证完成生产任务,未完成扣20分；完成任务，但成本超支扣5分,查通报\n\
党建,80分,开展学习（40分）,每少一次扣2分；情节严重的，通报批评,查记录\n\
党建,80分,民主评议（40分）,酌情评分,查记录\n";

async fn a_rubric_table_is_reviewed_then_saved_as_a_new_version(app: TestApp) {
    let admin = app.client("admin").await;
    let before = app.store().rubrics().await.unwrap().len();
    let form = file("细则.csv", TABLE.as_bytes().to_vec()).text("name", "测试细则");
    let r = admin
        .post_multipart(&admin.with_csrf("/rubrics/import"), form)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("情节严重的，通报批评"),
        "the phrase to confirm is quoted"
    );
    // Each rule is shown as read, beside the words it was read from.
    assert!(
        page.contains("按次扣分：每次扣2分") && page.contains("“每少一次扣2分”"),
        "{page}"
    );
    assert!(
        page.contains("未读懂"),
        "what was not understood has its own column"
    );
    assert_eq!(
        app.store().rubrics().await.unwrap().len(),
        before,
        "nothing saved before review"
    );
    // The review page carries the rubric text; saving it makes a new version.
    let start = page.find("<textarea").unwrap();
    let text =
        &page[page[start..].find('>').unwrap() + start + 1..page.find("</textarea>").unwrap()];
    let toml = text
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let r = admin
        .post_form(
            &admin.with_csrf("/rubrics/import/save"),
            &[("name", "测试细则"), ("toml", &toml)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let saved = app.store().rubrics().await.unwrap();
    assert_eq!(saved.len(), before + 1);
    assert!(saved.iter().any(|v| v.name == "测试细则" && v.version == 1));
    // A broken rubric is shown with its problem and not saved.
    let r = admin
        .post_form(
            &admin.with_csrf("/rubrics/import/save"),
            &[
                ("name", "测试细则"),
                ("toml", "title = \"x\"\ntotal = 100\n"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("没有任何栏目"), "{}", r.text());
    assert_eq!(app.store().rubrics().await.unwrap().len(), before + 1);
    // Only administrators import.
    let anquan = app.client("anquan").await;
    let r = anquan
        .post_multipart(
            &anquan.with_csrf("/rubrics/import"),
            file("细则.csv", TABLE.as_bytes().to_vec()).text("name", "x"),
        )
        .await;
    assert_eq!(r.status, 403);
    // Not a workbook: a clear error.
    let r = admin
        .post_multipart(
            &admin.with_csrf("/rubrics/import"),
            file("细则.xlsx", b"not a zip".to_vec()).text("name", "x"),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("不是有效的Excel文件"), "{}", r.text());
}

async fn a_findings_file_imports_all_rows_or_none(app: TestApp) {
    let admin = app.client("admin").await;
    let before = admin.entries(2).await;
    let bad = "unit,code,count,level,points,round,note\nD01,1.4.2,1,,,,事故\nD99,1.1.1,,,,,\nD02,6.1,,,9,,太多\n";
    let r = admin
        .post_multipart(
            &admin.with_csrf("/periods/2/findings/import"),
            file("发现.csv", bad.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let page = r.text();
    assert!(
        page.contains("发现.csv 第3行：单位“D99”不在单位名单中"),
        "{page}"
    );
    assert!(
        page.contains("发现.csv 第4行：规则6.1.1的分值9超出范围0～5"),
        "{page}"
    );
    assert_eq!(
        admin.entries(2).await.len(),
        before.len(),
        "nothing imported"
    );

    // The same rows from an Excel workbook with Chinese headers, all good: every row lands.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["单位", "编号", "次数", "分值", "说明"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    // Unit, code, count, points, note.
    type Row<'a> = (&'a str, &'a str, Option<f64>, Option<f64>, &'a str);
    let rows: [Row; 3] = [
        ("D01", "1.4.2", Some(1.0), None, "事故"),
        ("D02", "6.1", None, Some(4.5), "较好"),
        ("D02", "7.1", None, Some(5.0), "有特色"),
    ];
    for (r, (unit, code, count, points, note)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *unit).unwrap();
        sheet.write_string(r, 1, *code).unwrap();
        if let Some(c) = count {
            sheet.write_number(r, 2, *c).unwrap();
        }
        if let Some(p) = points {
            sheet.write_number(r, 3, *p).unwrap();
        }
        sheet.write_string(r, 4, *note).unwrap();
    }
    let r = admin
        .post_multipart(
            &admin.with_csrf("/periods/2/findings/import"),
            file("发现.xlsx", book.save_to_buffer().unwrap()),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let after = admin.entries(2).await;
    assert_eq!(after.len(), before.len() + 3);
    let d02 = crate::helpers::unit(&admin.results(2).await, "D02").clone();
    let six: &Value = d02["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "6")
        .unwrap();
    assert_eq!(six["score"].to_string(), "4.5");
    // A second discretionary entry for D02 conflicts with the one just imported: nothing lands.
    let again =
        "unit,code,count,level,points,round,note\nD03,1.4.2,1,,,,另一起\nD02,6.1,,,3,,重复\n";
    let r = admin
        .post_multipart(
            &admin.with_csrf("/periods/2/findings/import"),
            file("again.csv", again.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text()
            .contains("again.csv 第3行：规则6.1.1在轮次“年度考评”已有一条给分记录（已有记录#"),
        "{}",
        r.text()
    );
    assert_eq!(admin.entries(2).await.len(), after.len());
    // The locked year refuses imports.
    let r = admin
        .post_multipart(
            &admin.with_csrf("/periods/1/findings/import"),
            file("x.csv", again.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status, 409);
}
