//! A digest and its rendering for each channel: 企业微信's markdown (content at most 4096 bytes), 钉钉's
//! markdown, and plain text for e-mail. What does not fit is cut at a whole line and said in a last
//! line, `…另有N条`.

use kaoping_store::ChannelKind;

/// A message of sections: the daily digest of new warnings (a section per department or unit, a line per
/// warning), or a test message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Digest {
    /// The subject of the e-mail and the robot message's title.
    pub title: String,
    /// (heading — a department or unit —, its lines).
    pub sections: Vec<(String, Vec<String>)>,
}

/// 企业微信: a markdown message's content is at most 4096 bytes (UTF-8).
pub const WECOM_MAX_BYTES: usize = 4096;
/// 钉钉: a markdown message is limited to 20,000 bytes.
pub const DINGTALK_MAX_BYTES: usize = 20_000;
/// E-mail: a bound of our own, so a runaway digest cannot make a huge mail.
pub const EMAIL_MAX_BYTES: usize = 1_000_000;
/// A title is cut to this many characters.
const TITLE_CHARS: usize = 100;

impl Digest {
    /// Whether there is nothing to say (no line in any section).
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|(_, lines)| lines.is_empty())
    }

    /// Lines in all sections.
    pub fn line_count(&self) -> usize {
        self.sections.iter().map(|(_, lines)| lines.len()).sum()
    }

    /// The title, one line and at most 100 characters.
    pub fn subject(&self) -> String {
        let one_line: String = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut chars = one_line.chars();
        let cut: String = chars.by_ref().take(TITLE_CHARS).collect();
        if chars.next().is_some() {
            format!("{cut}…")
        } else if cut.is_empty() {
            "考评提醒".to_string()
        } else {
            cut
        }
    }

    /// The message body for a channel of `kind`.
    pub fn render(&self, kind: ChannelKind) -> String {
        match kind {
            ChannelKind::WeCom => self.wecom_markdown(),
            ChannelKind::DingTalk => self.dingtalk_markdown(),
            ChannelKind::Email => self.plain_text(),
        }
    }

    /// 企业微信 markdown: the title bold, each heading bold, each line quoted; at most 4096 bytes.
    pub fn wecom_markdown(&self) -> String {
        self.fitted(
            format!("**{}**\n", markdown_text(&self.subject())),
            |h| format!("\n**{}**\n", markdown_text(h)),
            |l| format!("> {}\n", markdown_text(l)),
            WECOM_MAX_BYTES,
        )
    }

    /// 钉钉 markdown: the title a heading, each heading bold, each line a list item.
    pub fn dingtalk_markdown(&self) -> String {
        self.fitted(
            format!("### {}\n", markdown_text(&self.subject())),
            |h| format!("\n**{}**\n\n", markdown_text(h)),
            |l| format!("- {}\n", markdown_text(l)),
            DINGTALK_MAX_BYTES,
        )
    }

    /// Plain text for e-mail: the title, then each heading in 【】 with its lines.
    pub fn plain_text(&self) -> String {
        self.fitted(
            format!("{}\n", self.subject()),
            |h| format!("\n【{}】\n", one_line(h)),
            |l| format!("  · {}\n", one_line(l)),
            EMAIL_MAX_BYTES,
        )
    }

    /// The header, then each section's heading and lines, as long as they fit in `max` bytes with the
    /// closing `…另有N条` line; what does not fit is counted in that line (lines, not headings).
    fn fitted(
        &self,
        header: String,
        heading: impl Fn(&str) -> String,
        line: impl Fn(&str) -> String,
        max: usize,
    ) -> String {
        let mut out = header;
        let total = self.line_count();
        let mut written = 0usize;
        // Room always kept for the closing line (its count has at most 20 digits).
        let tail = |n: usize| format!("\n…另有{n}条\n");
        let reserve = tail(usize::MAX).len();
        'sections: for (h, lines) in &self.sections {
            if lines.is_empty() {
                continue;
            }
            let head = heading(h);
            let first = lines.first().map(|l| line(l)).unwrap_or_default();
            if out.len() + head.len() + first.len() + reserve > max {
                break;
            }
            out.push_str(&head);
            for l in lines {
                let text = line(l);
                if out.len() + text.len() + reserve > max {
                    break 'sections;
                }
                out.push_str(&text);
                written += 1;
            }
        }
        if written < total {
            out.push_str(&tail(total - written));
        }
        out
    }
}

/// A text on one line (newlines and tabs become spaces).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A text on one line with markdown's markers (`*`, `` ` ``, `#`, `[`, `]`, `<`, `>`) escaped by a
/// backslash or replaced, so a unit's name cannot change the message's layout.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '*' | '`' | '#' | '[' | ']' | '_' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push('＜'),
            '>' => out.push('＞'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(units: usize, lines_per_unit: usize) -> Digest {
        Digest {
            title: "考评预警日报 2024-07-21".into(),
            sections: (0..units)
                .map(|u| {
                    (
                        format!("第{u}党支部"),
                        (0..lines_per_unit)
                            .map(|i| format!("红色预警：7月支委会记录缺失（第{i}条）"))
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_small_digest_is_rendered_whole_in_each_format() {
        let d = digest(2, 2);
        let wecom = d.wecom_markdown();
        assert!(
            wecom.starts_with("**考评预警日报 2024-07-21**\n"),
            "{wecom}"
        );
        assert!(
            wecom.contains("\n**第1党支部**\n> 红色预警：7月支委会记录缺失（第0条）\n> 红色预警")
        );
        assert!(!wecom.contains("另有"));
        let ding = d.dingtalk_markdown();
        assert!(ding.starts_with("### 考评预警日报"));
        assert!(ding.contains("- 红色预警"));
        let mail = d.plain_text();
        assert!(mail.contains("【第0党支部】\n  · 红色预警"));
    }

    #[test]
    fn wecom_content_stays_within_4096_bytes_and_says_what_was_left_out() {
        let d = digest(40, 5);
        let wecom = d.wecom_markdown();
        assert!(wecom.len() <= WECOM_MAX_BYTES, "{} bytes", wecom.len());
        let shown = wecom.matches("> ").count();
        let left = 200 - shown;
        assert!(left > 0);
        assert!(
            wecom.ends_with(&format!("\n…另有{left}条\n")),
            "{}",
            &wecom[wecom.len() - 60..]
        );
        // DingTalk's larger limit holds it all.
        assert!(!d.dingtalk_markdown().contains("另有"));
    }

    #[test]
    fn one_huge_line_is_counted_not_cut_in_the_middle() {
        let d = Digest {
            title: "标题".into(),
            sections: vec![("单位".into(), vec!["字".repeat(5000), "短".into()])],
        };
        let wecom = d.wecom_markdown();
        assert!(wecom.len() <= WECOM_MAX_BYTES);
        assert!(wecom.ends_with("\n…另有2条\n"), "{wecom}");
        assert!(std::str::from_utf8(wecom.as_bytes()).is_ok());
    }

    #[test]
    fn markup_in_names_is_neutralised() {
        let d = Digest {
            title: "t".into(),
            sections: vec![(
                "**D07** <font>".into(),
                vec!["[链接](http://x)\n# 标题".into()],
            )],
        };
        let wecom = d.wecom_markdown();
        assert!(wecom.contains("**\\*\\*D07\\*\\* ＜font＞**"), "{wecom}");
        assert!(
            wecom.contains("> \\[链接\\](http://x) \\# 标题\n"),
            "{wecom}"
        );
    }

    #[test]
    fn the_subject_is_one_bounded_line() {
        let d = Digest {
            title: format!("a\nb{}", "长".repeat(200)),
            sections: vec![],
        };
        let s = d.subject();
        assert!(s.starts_with("a b"));
        assert_eq!(s.chars().count(), 101);
        assert!(d.is_empty());
        assert_eq!(Digest::default().subject(), "考评提醒");
    }
}
