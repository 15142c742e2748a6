//! Every error names the line the row is on, however the file was written: Excel's CRLF line ends after a
//! quoted note, notes that run onto several lines, a quoted header, a quote left open.

mod support;

use support::*;

fn error(findings: &str) -> String {
    findings_error(&rubric_file("dongli-2023.toml"), findings, None)
}

#[test]
fn rows_after_a_quoted_note_on_a_crlf_line_keep_their_line_numbers() {
    // The csv crate counts this file's third line as its second.
    let text = "unit,code,count,level,points,round,note\r\n\
                D01,1.1.1,,,,,\"说明, 有逗号\"\r\n\
                D01,9.9.9,,,,,\r\n";
    assert_eq!(
        error(text),
        "findings.csv:3: 编号“9.9.9”不是本考评细则中的规则、评分项、加分或否决事项"
    );
}

#[test]
fn rows_after_notes_over_several_lines_keep_their_line_numbers() {
    let text = "unit,code,count,level,points,round,note\n\
                D01,1.1.1,,,,,\"第一行\r\n第二行\r\n第三行\"\r\n\
                \n\
                D01,9.9.9,,,,,\n";
    assert_eq!(
        error(text),
        "findings.csv:6: 编号“9.9.9”不是本考评细则中的规则、评分项、加分或否决事项"
    );
}

#[test]
fn a_quoted_header_over_two_lines_moves_the_rows_down() {
    let text = "unit,code,count,level,points,round,\"note\n\"\n\
                D01,9.9.9,,,,,\n";
    assert_eq!(
        error(text),
        "findings.csv:3: 编号“9.9.9”不是本考评细则中的规则、评分项、加分或否决事项"
    );
}

#[test]
fn a_quote_left_open_is_reported_where_it_opened_after_the_rows_before_it() {
    let text = "unit,code,count,level,points,round,note\n\
                D01,9.9.9,,,,,\n\
                D01,1.1.1,,,,,\"没有闭合\n\
                D02,1.1.1,,,,,\n";
    let e = error(text);
    assert!(e.starts_with("findings.csv:2: 编号“9.9.9”"), "{e}");
    assert!(e.contains("findings.csv:3: 这一行有一个引号"), "{e}");
}
