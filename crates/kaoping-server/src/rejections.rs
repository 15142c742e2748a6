//! axum's and serde's English refusals (a body that is no JSON, a field of the wrong type, a query
//! value that is no number, a broken upload) in the words the rest of the program uses: what is wrong,
//! the field it is in, and the line and column of the JSON.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

/// The status and message for a JSON body axum could not take: 415 without the JSON content type,
/// 400 for text that is not JSON, 422 for JSON whose fields do not fit.
pub fn json(e: &JsonRejection) -> (StatusCode, String) {
    let detail = e.body_text();
    match e {
        JsonRejection::MissingJsonContentType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "请求的Content-Type应为application/json".into(),
        ),
        JsonRejection::JsonDataError(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("JSON字段有误：{}", serde_detail(after_colon(&detail))),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            format!("请求不是有效的JSON：{}", serde_detail(after_colon(&detail))),
        ),
    }
}

/// For a query string axum could not read ("Failed to deserialize query string: after: invalid
/// digit found in string"): the parameter and what is wrong with it.
pub fn query(detail: &str) -> Option<String> {
    let rest = detail.split_once("Failed to deserialize query string: ")?.1;
    let (field, why) = rest.split_once(": ").unwrap_or(("", rest));
    let field: String = field.chars().take(60).collect();
    Some(if field.is_empty() {
        format!("地址参数有误：{}", serde_detail(why))
    } else {
        format!("地址参数“{field}”有误：{}", serde_detail(why))
    })
}

/// What follows axum's English preamble ("Failed to parse the request body as JSON: …").
fn after_colon(detail: &str) -> &str {
    detail.split_once(": ").map_or(detail, |(_, rest)| rest)
}

/// serde's message with its common forms and its position in Chinese.
fn serde_detail(message: &str) -> String {
    let message: String = message.chars().take(300).collect();
    let (text, position) = match message.rsplit_once(" at line ") {
        Some((text, at)) => match at.split_once(" column ") {
            Some((line, column)) => (text.to_string(), format!("（第{line}行第{column}列）")),
            None => (message.clone(), String::new()),
        },
        None => (message.clone(), String::new()),
    };
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or("").to_string();
    let (path, text) = match text.split_once(": ") {
        // "count: invalid type: …" — the field first.
        Some((path, rest)) if !path.contains(' ') => (format!("{path}："), rest.to_string()),
        _ => (String::new(), text),
    };
    let said = if text.starts_with("unknown field") {
        format!("没有字段“{}”", quoted(&text))
    } else if text.starts_with("missing field") {
        format!("缺少字段“{}”", quoted(&text))
    } else if let Some(rest) = text.strip_prefix("invalid type: ") {
        match rest.split_once(", expected ") {
            Some((got, want)) => format!("类型不对：收到{got}，应为{want}"),
            None => format!("类型不对：{rest}"),
        }
    } else if let Some(rest) = text.strip_prefix("invalid value: ") {
        format!("值不对：{rest}")
    } else if text.starts_with("invalid digit") || text.starts_with("cannot parse integer") {
        "不是有效的整数".into()
    } else if text.starts_with("EOF while parsing") {
        "内容不完整".into()
    } else if text.starts_with("expected value") || text.starts_with("key must be a string") {
        format!("无法读取（{text}）")
    } else {
        text
    };
    format!("{path}{said}{position}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_positions_are_named() {
        assert_eq!(
            serde_detail("count: invalid type: string \"two\", expected i64 at line 1 column 42"),
            "count：类型不对：收到string \"two\"，应为i64（第1行第42列）"
        );
        assert_eq!(
            serde_detail(
                "unknown field `cuont`, expected one of `unit`, `code` at line 1 column 9"
            ),
            "没有字段“cuont”（第1行第9列）"
        );
        assert_eq!(
            serde_detail("missing field `unit` at line 1 column 2"),
            "缺少字段“unit”（第1行第2列）"
        );
        assert_eq!(
            serde_detail("EOF while parsing an object at line 1 column 31"),
            "内容不完整（第1行第31列）"
        );
        assert_eq!(
            query("Failed to deserialize query string: after: invalid digit found in string")
                .unwrap(),
            "地址参数“after”有误：不是有效的整数"
        );
    }
}
