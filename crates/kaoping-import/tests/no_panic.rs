//! Whatever people upload, the readers answer with a rubric or an error, never a panic (the fuzz targets
//! under `fuzz/` explore this further; these run on every test run).

use proptest::prelude::*;

/// Text made of the pieces criteria are made of, so the parser's paths are all reached.
fn criteria_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "扣",
        "分",
        "每",
        "一次",
        "不得分",
        "得",
        "加",
        "累进",
        "直至",
        "扣完",
        "分别",
        "、",
        "；",
        "，",
        ",",
        "。",
        "酌情",
        "折合",
        "一票否决",
        "百分之",
        "九十五",
        "以上",
        "记满分",
        "每低一个百分点",
        "0.5",
        "5",
        "20",
        "两",
        "半",
        "十",
        "省级",
        "市级",
        "每人",
        "全体人员",
        "即为",
        "得分",
        "（",
        "）",
        "%",
        "\n",
        "最多",
        "次",
        "年",
        "“",
        "”",
        // The phrasings the corpus of published rubrics taught.
        "/次",
        "/人",
        "各扣",
        "每人次",
        "每月",
        "每季度",
        "至少",
        "少一次",
        "逾期",
        "计",
        "-",
        "至",
        "每低10%",
        "两次",
        "严重警告",
        "单项否决",
        "(0.5)",
        "记",
        "、",
        "名",
        "万元",
        "小时",
        "扣除积分",
        "最高减",
        "1-3",
        "得1分，",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_criteria_parser_never_panics(text in criteria_text()) {
        let _ = kaoping_import::parse_criteria(&text);
    }

    #[test]
    fn the_criteria_parser_never_panics_on_any_text(text in any::<String>()) {
        let _ = kaoping_import::parse_criteria(&text);
    }

    #[test]
    fn table_readers_never_panic(kind in 0u8..3, bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let name = ["t.docx", "t.xlsx", "t.csv"][kind as usize];
        let mut data = bytes.clone();
        if kind < 2 {
            // Mostly broken zips: a zip header followed by noise.
            data.splice(0..0, b"PK\x03\x04".iter().copied());
        }
        let _ = kaoping_import::import_file(name, &data, "x");
        let _ = kaoping_import::findings_csv_from_xlsx(name, &data);
    }

    #[test]
    fn csv_tables_of_any_shape_never_panic(rows in prop::collection::vec(prop::collection::vec(criteria_text(), 0..6), 0..8)) {
        let mut csv = String::from("栏目,分值,考核内容,评分标准,考核办法\n");
        for row in rows {
            csv.push_str(&row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect::<Vec<_>>().join(","));
            csv.push('\n');
        }
        let _ = kaoping_import::import_file("t.csv", csv.as_bytes(), "x");
    }
}
