//! Evidence files: what is accepted (recognised by content, never by name), and who may download one
//! (whoever may see a sheet whose entries cite it).

use kaoping_store::Evidence;

use crate::actor::Actor;
use crate::error::AppError;
use crate::permissions::Action;
use crate::App;

/// Uploads above this size are refused (images, PDF and Office files of a normal size fit).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Evidence types accepted, recognised by their content.
const EVIDENCE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
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
        Some(mime) if EVIDENCE_TYPES.contains(&mime) => Ok(mime),
        Some(mime) => Err(AppError::Invalid(format!(
            "证据文件的实际类型为{mime}，只接受图片、PDF和Office文件"
        ))),
        None => Err(AppError::Invalid(
            "无法识别证据文件的类型，只接受图片、PDF和Office文件".into(),
        )),
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
        Ok(self.store.evidence(evidence_id).await?)
    }
}
