//! Evidence files: what is accepted (recognised by content, never by name), and who may download one
//! (whoever may see a sheet whose entries cite it).

use kaoping_store::Evidence;

use crate::actor::Actor;
use crate::error::AppError;
use crate::permissions::Action;
use crate::App;

/// Uploads above this size are refused (images, PDF and Office files of a normal size fit).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Evidence types accepted, recognised by their content, with the extension a file of the type is
/// stored and served under (never the uploader's: `photo.hta` holding a GIF is `photo.gif`). A generic
/// OLE file (an installer, say) is not among them: only the Office formats recognised as such are.
const EVIDENCE_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("application/pdf", "pdf"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ("application/msword", "doc"),
    ("application/vnd.ms-excel", "xls"),
    ("application/vnd.ms-powerpoint", "ppt"),
];

/// An uploaded file as received.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The evidence's type as its bytes say, if it is one we accept.
///
/// # Errors
/// [`AppError::Invalid`] naming the type found, or saying none was recognised.
pub fn evidence_type(bytes: &[u8]) -> Result<&'static str, AppError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::Invalid(format!(
            "证据文件超过{}MB",
            MAX_UPLOAD_BYTES / 1024 / 1024
        )));
    }
    match infer::get(bytes).map(|k| k.mime_type()) {
        Some(mime) if extension_of(mime).is_some() => Ok(mime),
        Some(mime) => Err(AppError::Invalid(format!(
            "证据文件的实际类型为{mime}，只接受图片、PDF和Office文件"
        ))),
        None => Err(AppError::Invalid(
            "无法识别证据文件的类型，只接受图片、PDF和Office文件".into(),
        )),
    }
}

/// The extension files of an accepted type carry.
fn extension_of(mime: &str) -> Option<&'static str> {
    EVIDENCE_TYPES
        .iter()
        .find(|(m, _)| *m == mime)
        .map(|(_, ext)| *ext)
}

/// The name a file of type `mime` is stored and served under: the uploader's name without its
/// extension (and without folders or control characters), then the type's own extension.
pub fn evidence_name(uploaded: &str, mime: &str) -> String {
    let base = uploaded
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect::<String>();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim().to_string(),
        _ if !base.trim().is_empty() && !base.contains('.') => base.trim().to_string(),
        _ => "evidence".to_string(),
    };
    let stem: String = stem.chars().take(100).collect();
    match extension_of(mime) {
        Some(ext) => format!("{stem}.{ext}"),
        None => format!("{stem}.bin"),
    }
}

impl App {
    /// An evidence file of a period, for whoever may see the sheet of a unit whose entries cite it (a
    /// group's entry reaches its members' sheets).
    ///
    /// # Errors
    /// [`AppError::Forbidden`] when no such sheet is visible (also when no entry of the period cites it,
    /// so ids cannot be probed), [`AppError::NotFound`] for an unknown period.
    pub async fn evidence(
        &self,
        actor: &Actor,
        period_id: i64,
        evidence_id: i64,
    ) -> Result<(Evidence, Vec<u8>), AppError> {
        let snapshot = self
            .snapshot(
                period_id,
                |published| {
                    actor.may(Action::ViewSummary { published }) || actor.user.unit_id.is_some()
                },
                "无权查看该证据",
            )
            .await?;
        let published = snapshot.published();
        let citing = self
            .store
            .evidence_citations(period_id, evidence_id)
            .await?;
        let visible = snapshot.org.iter().any(|o| {
            citing
                .iter()
                .any(|code| *code == o.code || o.member_of.contains(code))
                && actor.may(Action::ViewSheet {
                    unit_id: o.id,
                    published,
                })
        });
        if !visible {
            return Err(AppError::Forbidden("无权查看该证据".into()));
        }
        let (mut meta, bytes) = self.store.evidence(evidence_id).await?;
        // Files stored before names followed their type are served under it all the same.
        meta.filename = evidence_name(&meta.filename, &meta.mime);
        Ok((meta, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_what_they_are() {
        let gif = "image/gif";
        assert_eq!(evidence_name("photo.hta", gif), "photo.gif");
        assert_eq!(
            evidence_name("C:\\Users\\x\\会议记录.HTML", gif),
            "会议记录.gif"
        );
        assert_eq!(
            evidence_name("../../etc/passwd", "application/pdf"),
            "passwd.pdf"
        );
        assert_eq!(evidence_name("", "application/pdf"), "evidence.pdf");
        assert_eq!(evidence_name(".htaccess", "image/png"), "evidence.png");
        assert_eq!(evidence_name("a\"b\nc.pdf", "application/pdf"), "abc.pdf");
        // A generic OLE file (an installer) is not evidence.
        let msi = [
            0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let mut file = msi.to_vec();
        file.resize(4096, 0);
        assert!(evidence_type(&file).is_err());
    }
}
