//! Files in and out through the web: Excel downloads a user opens, the rubric import (upload, review, save
//! as a new version) and the findings import (all rows or none, every bad row listed).

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::TestApp;

on_both!(
    downloads_are_real_workbooks_for_those_who_may_see_them,
    a_rubric_table_is_reviewed_then_saved_as_a_new_version,
    a_rubric_table_is_reviewed_in_a_form_without_toml,
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
党建,80分,民主评议（30分）,酌情评分,查记录\n\
党建,80分,监督（10分）,监督不到位，酌情扣1-3分,查记录\n";

/// HTML's escapes, undone.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// An attribute of a start tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// What a browser would post for the form whose start tag has `marker`: its text boxes, hidden fields,
/// ticked boxes, the selected option of each select and each textarea's text.
fn form_fields(page: &str, marker: &str) -> Vec<(String, String)> {
    let start = page.find(marker).expect("the form");
    let form = &page[start..start + page[start..].find("</form>").expect("its end")];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open..];
        let end = rest.find('>').expect("a tag ends");
        let tag = &rest[..=end];
        let after = &rest[end + 1..];
        if tag.starts_with("<input") {
            let name = attr(tag, "name");
            let kind = attr(tag, "type").unwrap_or_default();
            if let Some(name) = name {
                if kind != "checkbox" || tag.contains(" checked") {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let close = after.find("</textarea>").expect("textarea ends");
            out.push((attr(tag, "name").unwrap(), unescape(&after[..close])));
        } else if tag.starts_with("<select") {
            let close = after.find("</select>").expect("select ends");
            let options = &after[..close];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|o| o[..o.find('>').unwrap()].contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .map(|o| attr(&format!("<option{o}"), "value").unwrap_or_default())
                .unwrap_or_default();
            out.push((attr(tag, "name").unwrap(), chosen));
        }
        rest = after;
    }
    out
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_string(), value.to_string()));
}

/// Ticks 已核对 on every row that has something to confirm.
fn tick_all(fields: &mut Vec<(String, String)>) {
    let rows: Vec<String> = fields
        .iter()
        .filter_map(|(k, _)| k.strip_suffix(".confirm").map(str::to_string))
        .collect();
    for row in rows {
        set(fields, &format!("{row}.checked"), "1");
    }
}

async fn post_fields(
    client: &crate::helpers::UserClient,
    path: &str,
    fields: &[(String, String)],
) -> crate::helpers::Resp {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client.post_form(&client.with_csrf(path), &pairs).await
}

/// The selected option of a select on the page.
fn selected(page: &str, name: &str) -> String {
    let start = page
        .find(&format!("<select name=\"{name}\""))
        .unwrap_or_else(|| panic!("no select {name}"));
    let select = &page[start..start + page[start..].find("</select>").unwrap()];
    let option = select
        .split("<option")
        .skip(1)
        .find(|o| o[..o.find('>').unwrap()].contains(" selected"))
        .unwrap_or_else(|| panic!("nothing selected in {name}"));
    attr(&format!("<option{option}"), "value").unwrap()
}

async fn a_rubric_table_is_reviewed_in_a_form_without_toml(app: TestApp) {
    let admin = app.client("admin").await;
    let before = app.store().rubrics().await.unwrap().len();
    let r = admin
        .post_multipart(
            &admin.with_csrf("/rubrics/import"),
            file("细则.csv", TABLE.as_bytes().to_vec()).text("name", "表单细则"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    // A row per rule, its kind selected and its phrase beside it.
    assert_eq!(selected(&page, "s0.i0.r0.kind"), "fixed");
    assert_eq!(selected(&page, "s1.i0.r0.kind"), "per_occurrence");
    assert_eq!(selected(&page, "s1.i1.r0.kind"), "discretionary");
    assert!(page.contains("每少一次扣2分</textarea>"), "{page}");
    assert!(page.contains("每次扣分") && page.contains("酌情扣分（区间）"));
    // 酌情扣1-3分 comes back as a range deduction to confirm, never as a silent 酌情评分.
    assert_eq!(selected(&page, "s1.i2.r0.kind"), "range_deduction");
    assert!(
        page.contains("监督不到位，酌情扣1-3分</textarea>"),
        "{page}"
    );
    let fields = form_fields(&page, "<form class=\"rubric-review\"");
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    assert_eq!(
        (value("s1.i2.r0.min"), value("s1.i2.r0.max")),
        ("1".into(), "3".into())
    );
    assert!(value("s1.i2.r0.confirm").contains("酌情扣分（区间）"));
    // 情节严重的，通报批评 made no rule: a row of its own, to confirm.
    assert_eq!(value("s1.i0.r1.text"), "情节严重的，通报批评");
    assert_eq!(value("s1.i0.r1.kind"), "");
    assert!(!value("s1.i0.r1.confirm").is_empty());
    assert_eq!(value("s1.i0.row"), "3");
    // The TOML editor is still there, folded.
    assert!(page.contains("高级：直接编辑TOML") && page.contains("name=\"toml\""));

    // Rows to confirm must be ticked: the save refuses and says which rows.
    let mut edited = fields.clone();
    set(&mut edited, "s1.i0.r0.amount", "3");
    let r = post_fields(&admin, "/rubrics/import/review", &edited).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("以下各行有待核对的规则，尚未勾选“已核对”：第3行、第5行"),
        "{text}"
    );
    assert!(
        text.contains("第5行“评分标准”列：“监督不到位，酌情扣1-3分”待核对"),
        "{text}"
    );
    assert_eq!(app.store().rubrics().await.unwrap().len(), before);

    // A bad amount: 422, said at the table's row and column, the typed value kept.
    tick_all(&mut edited);
    set(&mut edited, "s1.i0.r0.amount", "abc");
    let r = post_fields(&admin, "/rubrics/import/review", &edited).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("第3行“评分标准”列：扣分分值“abc”不是数字"),
        "{text}"
    );
    assert!(
        text.contains("name=\"s1.i0.r0.amount\" value=\"abc\""),
        "{text}"
    );
    assert!(!text.contains("sections["), "no TOML paths: {text}");
    assert_eq!(app.store().rubrics().await.unwrap().len(), before);

    // The core's checks, in the table's terms too: items that no longer add up to their section.
    set(&mut edited, "s1.i0.r0.amount", "3");
    set(&mut edited, "s1.i0.points", "45");
    let r = post_fields(&admin, "/rubrics/import/review", &edited).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text()
            .contains("第3行“分值”列：栏目2各评分项分值之和为85"),
        "{}",
        r.text()
    );

    // Changed kinds and amounts are saved, as a new version, like the TOML editor saves.
    set(&mut edited, "s1.i0.points", "40");
    set(&mut edited, "s1.i1.r0.kind", "graded");
    set(
        &mut edited,
        "s1.i1.r0.levels",
        "好,30
一般,20",
    );
    let r = post_fields(&admin, "/rubrics/import/review", &edited).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let saved = app.store().rubrics().await.unwrap();
    assert_eq!(saved.len(), before + 1);
    let version = saved.iter().find(|v| v.name == "表单细则").expect("saved");
    assert_eq!(
        r.header("location"),
        Some(format!("/rubrics/{}", version.id).as_str())
    );
    let rubric = kaoping_formats::parse_rubric("saved", &version.toml).expect("valid");
    let kind = |code: &str| {
        rubric
            .rules()
            .iter()
            .find(|r| r.code == code)
            .unwrap_or_else(|| panic!("rule {code}"))
            .kind
            .clone()
    };
    use kaoping_core::rubric::RuleKind;
    assert!(
        matches!(kind("2.1.1"), RuleKind::PerOccurrence { amount, .. } if amount == 3.into()),
        "{:?}",
        kind("2.1.1")
    );
    assert!(
        matches!(kind("2.2.1"), RuleKind::Graded { .. }),
        "{:?}",
        kind("2.2.1")
    );
    assert!(
        matches!(kind("2.3.1"), RuleKind::RangeDeduction { min, max } if min == 1.into() && max == 3.into()),
        "{:?}",
        kind("2.3.1")
    );
    assert!(
        rubric.rules().iter().all(|r| r.code != "2.1.2"),
        "the unfilled row adds no rule"
    );
    let page = admin.get(&format!("/rubrics/{}", version.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("分档得分"), "{}", page.text());

    // Only administrators save.
    let anquan = app.client("anquan").await;
    let r = post_fields(&anquan, "/rubrics/import/review", &edited).await;
    assert_eq!(r.status, 403);
    assert_eq!(app.store().rubrics().await.unwrap().len(), before + 1);
}

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
    assert_eq!(
        app.store().rubrics().await.unwrap().len(),
        before,
        "nothing saved before review"
    );
    // The review page carries the rubric text (高级：直接编辑TOML); saving it makes a new version.
    let start = page.find("<textarea name=\"toml\"").unwrap();
    let text = &page[page[start..].find('>').unwrap() + start + 1
        ..start + page[start..].find("</textarea>").unwrap()];
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
