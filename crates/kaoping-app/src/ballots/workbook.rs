//! A campaign's tally and participation as a workbook.

use crate::actor::Actor;
use crate::error::AppError;
use crate::App;

impl App {
    /// The tally and participation as a workbook (the printed record of the vote).
    ///
    /// # Errors
    /// As [`App::campaign`].
    pub async fn campaign_xlsx(&self, actor: &Actor, id: i64) -> Result<crate::Workbook, AppError> {
        use kaoping_formats::xlsx::{tables_xlsx, Table, TableCell};
        let v = self.campaign(actor, id).await?;
        let text = |s: &str| TableCell::Text(s.to_string());
        let mut headers = vec!["编号".to_string(), "候选人".to_string()];
        for c in &v.classes {
            headers.push(format!("{}均分", c.name));
            headers.push(format!("{}计票", c.name));
        }
        headers.extend(["加权得分".to_string(), "计算过程".to_string()]);
        let rows = v
            .tally
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut row = vec![text(&c.code), text(&v.names[i])];
                for k in &c.classes {
                    row.push(k.mean.map_or_else(|| text(""), TableCell::Points));
                    row.push(TableCell::Count(k.counted as i64));
                }
                row.push(c.raw.map_or_else(|| text(""), TableCell::Points));
                row.push(text(&v.explain(i)));
                row
            })
            .collect();
        let mut widths = vec![8.0, 12.0];
        widths.extend(v.classes.iter().flat_map(|_| [10.0, 8.0]));
        widths.extend([10.0, 60.0]);
        let status = if v.open() { "（未结束）" } else { "" };
        let tally = Table {
            sheet: "计票结果".into(),
            title: format!("{}计票结果{status}", v.row.title),
            headers,
            rows,
            widths,
        };
        let mut participation: Vec<Vec<TableCell>> = v
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    text(&c.name),
                    TableCell::Points(c.weight),
                    TableCell::Count(i64::from(c.voters)),
                    TableCell::Count(c.codes.issued),
                    TableCell::Count(c.codes.voted),
                    TableCell::Count(c.codes.paper),
                    TableCell::Count(v.tally.valid.get(i).copied().unwrap_or(0) as i64),
                    TableCell::Count(
                        (v.tally.cast.get(i).copied().unwrap_or(0)
                            - v.tally.valid.get(i).copied().unwrap_or(0))
                            as i64,
                    ),
                ]
            })
            .collect();
        participation.push(vec![
            text("合计"),
            text(""),
            TableCell::Count(i64::from(v.campaign.voters())),
            TableCell::Count(v.issued()),
            TableCell::Count(v.classes.iter().map(|c| c.codes.voted).sum()),
            TableCell::Count(v.classes.iter().map(|c| c.codes.paper).sum()),
            TableCell::Count(v.tally.valid_total() as i64),
            TableCell::Count(v.tally.invalid_total() as i64),
        ]);
        let participation = Table {
            sheet: "参评情况".into(),
            title: format!("{}参评情况", v.row.title),
            headers: [
                "类别",
                "权重",
                "人数",
                "已发码",
                "手机投票",
                "纸质票",
                "有效票",
                "无效票",
            ]
            .map(String::from)
            .to_vec(),
            rows: participation,
            widths: vec![12.0, 8.0, 8.0, 8.0, 10.0, 8.0, 8.0, 8.0],
        };
        let bytes = tables_xlsx(&[tally, participation])
            .map_err(|e| AppError::Internal(format!("无法生成Excel文件：{e}")))?;
        Ok(crate::Workbook {
            filename: format!("{}.xlsx", v.row.title),
            bytes,
        })
    }
}
