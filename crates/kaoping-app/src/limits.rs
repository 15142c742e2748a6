//! How long a typed text may be. The request body is already bounded (10 MB, for evidence); these
//! bounds keep a pasted document out of a note, a name or a password, where it would be stored, logged
//! in the audit trail, shown on every page and, for passwords, fed to the strength estimator.

/// Notes of findings, reasons of corrections, withdrawals, appeals and decisions.
pub const NOTE_CHARS: usize = 2000;
/// A bonus matter (事项), as it is named on the sheet.
pub const MATTER_CHARS: usize = 200;
/// Display names, department, unit, period and rubric names.
pub const NAME_CHARS: usize = 100;
/// User names and codes (unit, department, ranking group).
pub const CODE_CHARS: usize = 64;
/// Passwords, new and given at login.
pub const PASSWORD_CHARS: usize = 128;

/// Refuses `value` when it is longer than `max` characters, naming `field` (the message is an
/// [`crate::AppError::Invalid`]'s).
pub(crate) fn bounded(field: &str, value: &str, max: usize) -> Result<(), String> {
    // A byte count at or under the bound cannot hold more characters than that.
    if value.len() <= max {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars <= max {
        return Ok(());
    }
    Err(format!("{field}：太长，最多{max}个字，现有{chars}个字"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(bounded("说明", &"字".repeat(10), 10).is_ok());
        let e = bounded("说明", &"字".repeat(11), 10).unwrap_err();
        assert_eq!(e, "说明：太长，最多10个字，现有11个字");
    }
}
