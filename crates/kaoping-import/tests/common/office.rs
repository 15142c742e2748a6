//! Real .docx and .xlsx files of a table, written the way offices write them, for import tests.

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook};

/// A table to write: a title line above it, a header row, then rows. In `merged` columns an empty cell
/// continues the cell above it, written as one merged cell (Word's vertical merge, Excel's merged range).
pub struct Sheet<'a> {
    pub title: &'a str,
    pub header: &'a [String],
    pub rows: &'a [Vec<String>],
    pub merged: &'a [usize],
}

impl Sheet<'_> {
    fn cell(&self, r: usize, c: usize) -> &str {
        self.rows[r].get(c).map_or("", String::as_str)
    }

    fn continues(&self, r: usize, c: usize) -> bool {
        r > 0 && self.merged.contains(&c) && self.cell(r, c).trim().is_empty()
    }

    /// How many rows the cell at (r, c) covers: itself and the empty cells that continue it.
    fn span(&self, r: usize, c: usize) -> usize {
        if !self.merged.contains(&c) || self.cell(r, c).trim().is_empty() {
            return 1;
        }
        1 + (r + 1..self.rows.len())
            .take_while(|&k| self.continues(k, c))
            .count()
    }

    fn columns(&self) -> usize {
        self.header.len()
    }

    pub fn xlsx(&self) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let wrap = Format::new().set_text_wrap();
        let last_col = (self.columns() - 1) as u16;
        if last_col > 0 {
            sheet
                .merge_range(0, 0, 0, last_col, self.title, &Format::new())
                .unwrap();
        } else {
            sheet.write_string(0, 0, self.title).unwrap();
        }
        for (c, h) in self.header.iter().enumerate() {
            sheet.write_string(1, c as u16, h).unwrap();
        }
        for r in 0..self.rows.len() {
            let at = (r + 2) as u32;
            for c in 0..self.columns() {
                if self.continues(r, c) {
                    continue;
                }
                let span = self.span(r, c) as u32;
                if span > 1 {
                    sheet
                        .merge_range(
                            at,
                            c as u16,
                            at + span - 1,
                            c as u16,
                            self.cell(r, c),
                            &wrap,
                        )
                        .unwrap();
                } else {
                    sheet
                        .write_string_with_format(at, c as u16, self.cell(r, c), &wrap)
                        .unwrap();
                }
            }
        }
        book.save_to_buffer().unwrap()
    }

    pub fn docx(&self) -> Vec<u8> {
        let mut body = format!(
            "<w:p><w:r><w:t>{}</w:t></w:r></w:p><w:tbl>",
            esc(self.title)
        );
        body.push_str("<w:tr>");
        for h in self.header {
            body.push_str(&cell(h, None));
        }
        body.push_str("</w:tr>");
        for r in 0..self.rows.len() {
            body.push_str("<w:tr>");
            for c in 0..self.columns() {
                let merge = if self.continues(r, c) {
                    Some("continue")
                } else if self.span(r, c) > 1 {
                    Some("restart")
                } else {
                    None
                };
                body.push_str(&cell(self.cell(r, c), merge));
            }
            body.push_str("</w:tr>");
        }
        body.push_str("</w:tbl>");
        let document = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("[Content_Types].xml", opts).unwrap();
        zip.write_all(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>").unwrap();
        zip.start_file("word/document.xml", opts).unwrap();
        zip.write_all(document.as_bytes()).unwrap();
        zip.finish().unwrap();
        buf.into_inner()
    }
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One Word table cell; a line break in the text is a new paragraph, as Word writes it.
fn cell(text: &str, vmerge: Option<&str>) -> String {
    let merge = match vmerge {
        Some("restart") => "<w:vMerge w:val=\"restart\"/>",
        Some(_) => "<w:vMerge/>",
        None => "",
    };
    let paragraphs: String = text
        .split('\n')
        .map(|line| {
            format!(
                "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
                esc(line)
            )
        })
        .collect();
    format!("<w:tc><w:tcPr>{merge}</w:tcPr>{paragraphs}</w:tc>")
}
