//! What the daily digest says: the new red and yellow early warnings (预警) of the day, per department
//! and unit.

use kaoping_core::date::Date;

use super::digest::Digest;
use crate::error::AppError;
use crate::App;

impl App {
    /// The digest of `day`'s new red and yellow warnings, or `None` when there is nothing new to say.
    ///
    /// The warnings module fills this: until it is merged there are no warnings, so there is no digest.
    /// The worker of `kaoping serve` calls it once a day and hands the digest to [`App::queue_digest`].
    pub async fn daily_digest(&self, day: Date) -> Result<Option<Digest>, AppError> {
        let _ = day;
        Ok(None)
    }
}
