//! The bad-input catalogue of the command line and the importers: rubric files, findings and units
//! CSV, workbooks and Word tables that careless clerks and outside probes wrote, one row each. Every
//! row runs the real `kaoping` binary and asserts the exit code, that nothing is printed on standard
//! output, the words on standard error (what is wrong and where: file, line, column, row) and that
//! nothing stored changed: no file written, and the ledger of the data folder as it was. The web
//! application has its own catalogue (`crates/kaoping-server/tests/api/catalogue.rs`).
//!
//! A failing row does not stop the run: every row is tried and all failures are reported together.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    name: &'static str,
    /// Files written into the row's folder before it runs.
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<String>,
    /// 1 for a refusal of the input, 2 for a command line clap refuses.
    exit: i32,
    says: Vec<String>,
}

fn case(
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    args: &str,
    exit: i32,
    says: &[&str],
) -> Case {
    Case {
        name,
        files,
        args: args.split_whitespace().map(String::from).collect(),
        exit,
        says: says.iter().map(|s| s.to_string()).collect(),
    }
}

fn file(name: &'static str, text: &str) -> (&'static str, Vec<u8>) {
    (name, text.as_bytes().to_vec())
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn shipped(path: &str) -> String {
    std::fs::read_to_string(repo(path)).expect("shipped file")
}

/// A one-item rubric (10 points) whose only rule is `rule`.
fn rubric_with(rule: &str) -> String {
    format!(
        "title = \"测试细则\"\ntotal = 10\n\n[[sections]]\ntitle = \"党建\"\npoints = 10\n\n[[sections.items]]\ntitle = \"学习\"\npoints = 10\n\n[[sections.items.rules]]\ntext = \"规则\"\n{rule}\n"
    )
}

/// A valid one-item rubric with `header` (grades, rounds) before its sections.
fn with_header(header: &str) -> String {
    rubric_with("kind = \"fixed\"\namount = 2").replacen(
        "\n\n[[sections]]",
        &format!("\n\n{header}\n[[sections]]"),
        1,
    )
}

/// The valid rubric the findings rows are scored against.
fn counting_rubric() -> String {
    rubric_with("kind = \"per_occurrence\"\namount = 2\nmax_count = 5")
}

fn findings(rows: &str) -> (&'static str, Vec<u8>) {
    file("f.csv", &format!("unit,code,count,note\n{rows}"))
}

const SCORE: &str = "score --rubric r.toml --findings f.csv";

/// A workbook of string cells (first row the header).
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// A zip archive of `entries` (stored or deflated), as .xlsx and .docx files are.
fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        out.start_file(*name, options).expect("zip entry");
        out.write_all(bytes).expect("zip write");
    }
    out.finish().expect("zip").into_inner()
}

/// A workbook with cells at A1 and XFD1048576: its "used range" is the whole sheet.
fn corner_bomb() -> Vec<u8> {
    let sheet = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>unit</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    workbook_with_sheet(sheet)
}

/// A workbook whose one sheet inflates to far more than any rubric or findings table.
fn inflation_bomb() -> Vec<u8> {
    let mut sheet = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.to_vec();
    sheet.extend(std::iter::repeat_n(b' ', 300 * 1024 * 1024));
    sheet.extend(b"</sheetData></worksheet>");
    workbook_with_sheet(&sheet)
}

fn workbook_with_sheet(sheet: &[u8]) -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

/// A Word document whose body inflates to far more than any rubric table.
fn docx_bomb() -> Vec<u8> {
    let mut body = br#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#.to_vec();
    body.extend(std::iter::repeat_n(b' ', 300 * 1024 * 1024));
    body.extend(b"</w:body></w:document>");
    zip(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#),
        ("word/document.xml", &body),
    ])
}

#[rustfmt::skip]
fn rubric_cases() -> Vec<Case> {
    let check = |name: &'static str, toml: &str, says: &[&str]| {
        case(name, vec![file("r.toml", toml)], "check r.toml", 1, says)
    };
    let two_sections = |points: &str| {
        format!("title = \"大数\"\ntotal = 100\n\n[[sections]]\ntitle = \"一\"\npoints = {points}\n\n[[sections.items]]\ntitle = \"甲\"\n\n[[sections.items.rules]]\nkind = \"zero\"\ntext = \"不得分\"\n\n[[sections]]\ntitle = \"二\"\npoints = {points}\n\n[[sections.items]]\ntitle = \"乙\"\n\n[[sections.items.rules]]\nkind = \"zero\"\ntext = \"不得分\"\n")
    };
    vec![
        case("check: no such file", vec![], "check missing.toml", 1, &["missing.toml"]),
        check("check: an empty file", "", &["r.toml"]),
        case("check: not UTF-8", vec![("r.toml", b"title = \"\xb2\xe2\xca\xd4\"\n".to_vec())], "check r.toml", 1, &["r.toml", "UTF-8"]),
        check("check: a TOML syntax error", "title = \"x\"\ntotal = \n", &["r.toml:2:"]),
        check("check: a string never closed", "title = \"x\ntotal = 10\n", &["r.toml:1:"]),
        check("check: an unknown key", &rubric_with("kind = \"fixed\"\namount = 2\npionts = 3"), &["r.toml:16:", "pionts"]),
        check("check: an unknown kind", &rubric_with("kind = \"per_occurence\"\namount = 2"), &["r.toml:14:", "per_occurence"]),
        check("check: no kind", &rubric_with("amount = 2"), &["r.toml:", "kind"]),
        check("check: an amount as a word", &rubric_with("kind = \"fixed\"\namount = \"两分\""), &["r.toml:15:", "amount"]),
        check("check: a negative amount", &rubric_with("kind = \"fixed\"\namount = -2"), &["r.toml:15:", "1.1.1", "-2"]),
        check("check: a negative max_count", &rubric_with("kind = \"per_occurrence\"\namount = 2\nmax_count = -3"), &["r.toml:16:", "max_count", "-3"]),
        check("check: a fractional max_count", &rubric_with("kind = \"per_occurrence\"\namount = 2\nmax_count = 1.5"), &["r.toml:16:", "max_count"]),
        check("check: a progressive cap below its first amount", &rubric_with("kind = \"progressive\"\nfirst = 5\nstep = 5\ncap = 3"), &["r.toml:17:", "上限3小于首次扣分5"]),
        check("check: points that do not add up", &shipped("rubrics/dongli-2023.toml").replace("total = 100", "total = 90"), &["r.toml:", "100", "90"]),
        check("check: points of 5e28 in two sections", &two_sections("5e28"), &["r.toml:6:", "points"]),
        check("check: points with 30 digits", &two_sections("123456789012345678901234567890"), &["r.toml:6:", "points"]),
        check("check: a total of a million", &rubric_with("kind = \"fixed\"\namount = 2").replace("total = 10", "total = 1000000"), &["r.toml:2:", "total"]),
        check("check: [sections] for [[sections]]", "title = \"x\"\ntotal = 10\n\n[sections]\ntitle = \"党建\"\npoints = 10\n", &["r.toml:4:", "[[sections]]"]),
        check("check: grade bands out of order", &with_header("[[grades]]\nname = \"合格\"\nmin = 60\n\n[[grades]]\nname = \"优秀\"\nmin = 90\n"), &["r.toml:", "grades", "90"]),
        check("check: a graded level without points", &rubric_with("kind = \"graded\"\nlevels = [{ name = \"好\" }]"), &["r.toml:15:", "points"]),
        check("check: a rate with an unknown rounding", &rubric_with("kind = \"rate\"\nper = 1\namount = 1\nrounding = \"sideways\""), &["r.toml:", "sideways"]),
        check("check: round weights above 100%", &with_header("[[rounds]]\nname = \"一\"\nweight = \"80%\"\n\n[[rounds]]\nname = \"二\"\nweight = \"80%\"\n"), &["r.toml:", "weight"]),
        check("check: a weight of a trillion percent", &with_header("[[rounds]]\nname = \"一\"\nweight = \"1000000000000%\"\n"), &["r.toml:6:", "轮次权重", "上限"]),
        check("check: a duplicate section title where codes collide", &shipped("rubrics/dongli-2023.toml").replacen("title = \"重点指标\"", "title = \"重点指标\"\ncode = \"2\"", 1), &["r.toml:", "2"]),
    ]
}

#[rustfmt::skip]
fn findings_cases() -> Vec<Case> {
    let score = |name: &'static str, rows: &str, says: &[&str]| {
        case(name, vec![file("r.toml", &counting_rubric()), findings(rows)], SCORE, 1, says)
    };
    let scored_file = |name: &'static str, text: &[u8], says: &[&str]| {
        case(name, vec![file("r.toml", &counting_rubric()), ("f.csv", text.to_vec())], SCORE, 1, says)
    };
    vec![
        case("score: no findings file", vec![file("r.toml", &counting_rubric())], SCORE, 1, &["f.csv"]),
        scored_file("score: an empty findings file", b"", &["f.csv"]),
        scored_file("score: a header only a clerk understands", b"\xe5\x8d\x95\xe4\xbd\x8d,\xe9\xa1\xb9\xe7\x9b\xae\nD01,1.1.1\n", &["f.csv:1:", "项目"]),
        scored_file("score: a header missing the code", b"unit,count\nD01,1\n", &["f.csv:1:", "code"]),
        scored_file("score: a header named twice", b"unit,code,count,count\nD01,1.1.1,1,2\n", &["f.csv:1:", "count"]),
        scored_file("score: not UTF-8", b"unit,code,count,note\nD01,1.1.1,1,\xb0\xb2\xc8\xab\n", &["f.csv:2:", "UTF-8"]),
        score("score: an unknown code on line 3", "D01,1.1.1,1,\nD02,9.9.9,1,\n", &["f.csv:3:", "9.9.9"]),
        score("score: a count in words", "D01,1.1.1,两次,\n", &["f.csv:2:", "两次"]),
        score("score: a negative count", "D01,1.1.1,-1,\n", &["f.csv:2:", "-1"]),
        score("score: a count past any year", "D01,1.1.1,99999999999999999999,\n", &["f.csv:2:", "太大"]),
        score("score: a count of zero", "D01,1.1.1,0,\n", &["f.csv:2:", "0"]),
        score("score: a blank count on a counted rule", "D01,1.1.1,,\n", &["f.csv:2:", "次数"]),
        score("score: a quote left open", "D01,1.1.1,1,\"漏了引号\nD02,1.1.1,1,正常\nD03,1.1.1,1,正常\n", &["f.csv:2:", "引号"]),
        score("score: a value past the header", "D01,1.1.1,1,说明,多出来的\n", &["f.csv:2:", "列"]),
        score("score: every bad line is named", "D01,1.1.1,x,\nD02,1.1.1,1,\nD03,8.8.8,1,\n", &["f.csv:2:", "f.csv:4:"]),
        case("score: points on a counted rule", vec![file("r.toml", &counting_rubric()), file("f.csv", "unit,code,points\nD01,1.1.1,3\n")], SCORE, 1, &["f.csv:2:", "1.1.1"]),
        case("score: a date that does not exist", vec![file("r.toml", &counting_rubric()), file("f.csv", "unit,code,count,date\nD01,1.1.1,1,2024-02-30\n")], SCORE, 1, &["f.csv:2:", "2024-02-30"]),
        case("score: a discretionary score without a reason", vec![file("r.toml", &rubric_with("kind = \"discretionary\"")), file("f.csv", "unit,code,points,note\nD01,1.1.1,8,\n")], SCORE, 1, &["f.csv:2:", "理由"]),
        case("score: a discretionary score above the item", vec![file("r.toml", &rubric_with("kind = \"discretionary\"")), file("f.csv", "unit,code,points,note\nD01,1.1.1,11,超额\n")], SCORE, 1, &["f.csv:2:", "10"]),
        case("score: two discretionary scores for one unit", vec![file("r.toml", &rubric_with("kind = \"discretionary\"")), file("f.csv", "unit,code,points,note\nD01,1.1.1,8,好\nD01,1.1.1,6,差\n")], SCORE, 1, &["f.csv:3:", "第2行"]),
        case("score: a unit not in the units file", vec![file("r.toml", &counting_rubric()), findings("D09,1.1.1,1,\n"), file("u.csv", "code,name\nD01,一支部\n")], "score --rubric r.toml --findings f.csv --units u.csv", 1, &["f.csv:2:", "D09"]),
        case("score: a units file naming a unit twice", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,1,\n"), file("u.csv", "code,name\nD01,一支部\nD01,二支部\n")], "score --rubric r.toml --findings f.csv --units u.csv", 1, &["u.csv:3:", "D01"]),
        case("score: a units file with a value past its header", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,1,\n"), file("u.csv", "code,name\nD01,一支部,多余\n")], "score --rubric r.toml --findings f.csv --units u.csv", 1, &["u.csv:2:", "列"]),
        case("score: a group code on a personal rule (scheme C)", vec![file("r.toml", &shipped("rubrics/jishengju-2023.toml")), file("f.csv", "unit,code,count\n办公室,1.1,1\n"), file("u.csv", &shipped("examples/jishengju-units.csv"))], "score --rubric r.toml --findings f.csv --units u.csv", 1, &["f.csv:2:", "办公室", "1.1"]),
        case("score: a bonus without its matter (scheme B)", vec![file("r.toml", &shipped("rubrics/village-2023.toml")), file("f.csv", "unit,code,level,round,note,matter\nV01,B1,县级,年终考评,县级表彰,\n"), file("u.csv", &shipped("examples/village-units.csv"))], "score --rubric r.toml --findings f.csv --units u.csv", 1, &["f.csv:2:", "事项"]),
        case("score: 不适用 without a note", vec![file("r.toml", &shipped("rubrics/dongli-2023.toml")), file("f.csv", "unit,code,level,note\nD01,2.2.2,不适用,\n")], SCORE, 1, &["f.csv:2:", "不适用"]),
        case("score: an unknown format", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,1,\n")], "score --rubric r.toml --findings f.csv --format xml", 2, &["xml"]),
        case("score: a report into a folder that does not exist", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,1,\n")], "score --rubric r.toml --findings f.csv -o nowhere/report.json --format json", 1, &["nowhere"]),
        case("score: a broken rubric stops before the findings", vec![file("r.toml", "title = \n"), findings("D01,1.1.1,1,\n")], SCORE, 1, &["r.toml:1:"]),
        case("export: a sheet of a unit that is not there", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,1,\n")], "export sheet --rubric r.toml --findings f.csv --unit D77 -o s.xlsx", 1, &["D77"]),
        case("export: a summary of bad findings", vec![file("r.toml", &counting_rubric()), findings("D01,1.1.1,x,\n")], "export summary --rubric r.toml --findings f.csv -o s.xlsx", 1, &["f.csv:2:"]),
    ]
}

#[rustfmt::skip]
fn import_rubric_cases() -> Vec<Case> {
    let import = |name: &'static str, file_name: &'static str, bytes: Vec<u8>, says: &[&str]| {
        case(name, vec![(file_name, bytes)], &format!("import-rubric {file_name} -o out.toml"), 1, says)
    };
    vec![
        case("import-rubric: no such file", vec![], "import-rubric gone.docx -o out.toml", 1, &["gone.docx"]),
        import("import-rubric: a PDF", "细则.pdf", b"%PDF-1.4\n".to_vec(), &["细则.pdf", "docx"]),
        import("import-rubric: a .docx that is no zip", "细则.docx", b"PK\x03\x04broken".to_vec(), &["细则.docx"]),
        import("import-rubric: a .xlsx that is no zip", "细则.xlsx", b"not a workbook".to_vec(), &["细则.xlsx"]),
        import("import-rubric: a CSV without the header", "细则.csv", "甲,乙\n1,2\n".as_bytes().to_vec(), &["细则.csv", "表头"]),
        import("import-rubric: a workbook without the header", "细则.xlsx", xlsx(&[&["甲", "乙"], &["1", "2"]]), &["细则.xlsx", "表头"]),
        import("import-rubric: cells at A1 and XFD1048576", "细则.xlsx", corner_bomb(), &["细则.xlsx"]),
        import("import-rubric: a sheet that inflates to 300 MB", "细则.xlsx", inflation_bomb(), &["细则.xlsx"]),
        import("import-rubric: a Word body that inflates to 300 MB", "细则.docx", docx_bomb(), &["细则.docx"]),
    ]
}

#[rustfmt::skip]
fn import_findings_cases() -> Vec<Case> {
    let import = |name: &'static str, file_name: &'static str, bytes: Vec<u8>, says: &[&str]| {
        case(name, vec![(file_name, bytes)], &format!("import-findings --data DATA --period 2 {file_name}"), 1, says)
    };
    let csv = |rows: &str| format!("unit,code,count,note\n{rows}").into_bytes();
    vec![
        case("import-findings: a period that does not exist", vec![file("f.csv", "unit,code,count\nD01,1.4.2,1\n")], "import-findings --data DATA --period 99 f.csv", 1, &["99"]),
        case("import-findings: a period that is published", vec![file("f.csv", "unit,code,count\nD01,1.4.2,1\n")], "import-findings --data DATA --period 1 f.csv", 1, &["发布"]),
        case("import-findings: a user that does not exist", vec![file("f.csv", "unit,code,count\nD01,1.4.2,1\n")], "import-findings --data DATA --period 2 --user nobody f.csv", 1, &["nobody"]),
        case("import-findings: a user that may not import", vec![file("f.csv", "unit,code,count\nD01,1.4.2,1\n")], "import-findings --data DATA --period 2 --user anquan f.csv", 1, &["管理员"]),
        case("import-findings: a data folder that does not exist", vec![file("f.csv", "unit,code,count\nD01,1.4.2,1\n")], "import-findings --data nowhere --period 2 f.csv", 1, &["nowhere"]),
        import("import-findings: one bad row among good ones", "f.csv", csv("D01,1.4.2,1,\nD02,1.4.2,1,\nD03,9.9.9,1,\nD04,1.4.2,1,\n"), &["f.csv:4:", "9.9.9"]),
        import("import-findings: a quote left open", "f.csv", csv("D01,1.4.2,1,\"漏了引号\nD02,1.4.2,1,正常\nD03,1.4.3,1,正常\nD04,1.4.3,1,正常\n"), &["f.csv:2:", "引号"]),
        import("import-findings: a value past the header", "f.csv", csv("D01,1.4.2,1,说明,多余\n"), &["f.csv:2:", "列"]),
        import("import-findings: a Word file", "f.docx", b"PK\x03\x04".to_vec(), &["f.docx", ".xlsx"]),
        import("import-findings: a workbook with an unknown code", "f.xlsx", xlsx(&[&["unit", "code", "count"], &["D01", "1.4.2", "1"], &["D02", "7.7.7", "1"]]), &["f.xlsx:3:", "7.7.7"]),
        import("import-findings: cells at A1 and XFD1048576", "f.xlsx", corner_bomb(), &["f.xlsx"]),
        import("import-findings: a sheet that inflates to 300 MB", "f.xlsx", inflation_bomb(), &["f.xlsx"]),
        import("import-findings: a second discretionary score", "f.csv", "unit,code,points,note\nD01,6.1.1,4,好\nD01,6.1.1,3,差\n".as_bytes().to_vec(), &["f.csv:3:", "第2行"]),
    ]
}

/// `import-attendance` refusals that need no attendance rubric (the demo's periods have none): the flags,
/// the period, and the rubric without rules taking attendance figures.
#[rustfmt::skip]
fn import_attendance_cases() -> Vec<Case> {
    let sheet = || file("a.csv", "工号,应出勤天数,实际出勤天数,迟到,早退,旷工\nD01,20,20,0,0,0\n");
    vec![
        case("import-attendance: a month nobody can read", vec![sheet()], "import-attendance --data DATA --period 2 --month 三月 a.csv", 1, &["--month", "三月"]),
        case("import-attendance: --month with --exams", vec![sheet()], "import-attendance --data DATA --period 2 --exams --month 2024-03 a.csv", 1, &["--month"]),
        case("import-attendance: a period that does not exist", vec![sheet()], "import-attendance --data DATA --period 99 --month 2024-03 a.csv", 1, &["99"]),
        case("import-attendance: a rubric without attendance rules", vec![sheet()], "import-attendance --data DATA --period 2 --month 2024-03 a.csv", 1, &["measure"]),
        case("import-attendance: exams on a rubric without an exam rule", vec![file("e.csv", "工号,季度,成绩\nD01,1,80\n")], "import-attendance --data DATA --period 2 --exams e.csv", 1, &["考试成绩"]),
        case("import-attendance: a data folder that does not exist", vec![sheet()], "import-attendance --data nowhere --period 2 --month 2024-03 a.csv", 1, &["nowhere"]),
    ]
}

/// A demo data folder (SQLite), seeded once for the rows that import into one.
fn demo_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = kaoping_store::Store::open_sqlite(&data)
            .await
            .expect("store");
        store.migrate().await.expect("migrate");
        kaoping_app::demo::seed(&store).await.expect("demo");
        store.close().await;
    });
    data
}

/// What the data folder holds that a refused import must leave alone: every entry of both periods.
fn ledger(data: &Path) -> String {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = kaoping_store::Store::open_sqlite(data)
            .await
            .expect("store");
        let mut out = String::new();
        for p in [1, 2] {
            out.push_str(&format!("{:?}\n", store.entries(p).await.expect("entries")));
        }
        store.close().await;
        out
    })
}

/// The names of the files in `dir`, to see that a refused row wrote none.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn bad_input_catalogue() {
    let mut cases = rubric_cases();
    cases.extend(findings_cases());
    cases.extend(import_rubric_cases());
    cases.extend(import_findings_cases());
    cases.extend(import_attendance_cases());
    assert!(cases.len() >= 60, "{} rows", cases.len());

    let shared = tempfile::tempdir().unwrap();
    let data = demo_data(shared.path());
    let mut stored = ledger(&data);

    let mut failures = Vec::new();
    for c in &cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in &c.files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let before = listing(dir.path());
        let args: Vec<String> = c
            .args
            .iter()
            .map(|a| {
                if a == "DATA" {
                    data.display().to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_kaoping"))
            .args(&args)
            .current_dir(dir.path())
            .output()
            .expect("kaoping runs");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut wrong = Vec::new();
        if out.status.code() != Some(c.exit) {
            wrong.push(format!(
                "exit {:?} (expected {})",
                out.status.code(),
                c.exit
            ));
        }
        if !out.stdout.is_empty() {
            wrong.push("printed on standard output".into());
        }
        let missing: Vec<&String> = c
            .says
            .iter()
            .filter(|s| !stderr.contains(s.as_str()))
            .collect();
        if !missing.is_empty() {
            wrong.push(format!("does not say {missing:?}"));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            wrong.push("panicked".into());
        }
        if listing(dir.path()) != before {
            wrong.push(format!("wrote files: {:?}", listing(dir.path())));
        }
        if args
            .iter()
            .any(|a| a.starts_with(&data.display().to_string()))
        {
            let now = ledger(&data);
            if now != stored {
                wrong.push("changed the ledger".into());
                stored = now;
            }
        }
        if !wrong.is_empty() {
            let excerpt: String = stderr.chars().take(400).collect();
            failures.push(format!(
                "{}: {}\n    said: {}",
                c.name,
                wrong.join("; "),
                excerpt.trim_end()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
