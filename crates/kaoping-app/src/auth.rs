//! Who is asking: logging in (Argon2id passwords, throttling), sessions, logging out, changing one's own
//! password. Cookies and CSRF tokens are the web adapter's; the session they carry is checked here.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kaoping_store::{Admission, LoginLimits, Session, User};

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::limits::{bounded, CODE_CHARS, PASSWORD_CHARS};
use crate::App;

/// Sessions last a working day.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// Failed logins allowed per account and address, and per address over all accounts, in the window
/// (see `kaoping_store::LoginLimits`).
pub const LOGIN_LIMITS: LoginLimits = LoginLimits {
    window_ms: 15 * 60 * 1000,
    per_pair: 5,
    per_address: 30,
};
/// After this many failures of one account (from any address) in the window, each further attempt on it
/// waits longer before its password is checked: a slower back-off that never locks the owner out.
const BACKOFF_AFTER: i64 = 10;
const BACKOFF_STEP_MS: i64 = 200;
const BACKOFF_MAX_MS: i64 = 2000;
/// The shortest password a user may choose.
pub const MIN_PASSWORD_LENGTH: usize = 10;
/// Words no password may rest on, beyond zxcvbn's English lists: common Chinese passwords (pinyin,
/// numbers read as words) and the product's own names.
const LOCAL_WORDS: &[&str] = &[
    "kaoping",
    "kaohe",
    "dangjian",
    "dangwei",
    "zhibu",
    "woaini",
    "aini",
    "5201314",
    "1314520",
    "520520",
    "woaini1314",
    "iloveyou",
    "zhongguo",
    "beijing",
    "shanghai",
    "qq123456",
    "a123456",
    "abc123",
    "admin123",
    "mima",
    "mimamima",
    "zhangwei",
    "wangwei",
    "liuyang",
    "lijing",
    "password",
];

/// Why a password may not be chosen, or `None`.
fn weak_password(password: &str, user: &User) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Some(format!("新密码：至少{MIN_PASSWORD_LENGTH}位"));
    }
    // Before the estimator, whose work grows faster than the length.
    if let Err(e) = bounded("新密码", password, PASSWORD_CHARS) {
        return Some(e);
    }
    let lower = password.to_lowercase();
    if lower == user.username.to_lowercase() || lower.contains(&user.username.to_lowercase()) {
        return Some("新密码：不能包含用户名".into());
    }
    let mut inputs: Vec<&str> = LOCAL_WORDS.to_vec();
    inputs.push(&user.username);
    inputs.push(&user.display_name);
    // zxcvbn weighs common passwords, words, names, dates, repeats, sequences and keyboard patterns;
    // below "safely unguessable" (score 3) a password is refused.
    if zxcvbn::zxcvbn(password, &inputs).score() < zxcvbn::Score::Three {
        return Some(
            "新密码：太常见或太容易猜到（如连续数字、重复字符、常用词、姓名、日期），请换一个更长、更随机的密码"
                .into(),
        );
    }
    None
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random password for first start and resets (shown once): 16 characters without look-alikes.
pub fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A password change as typed.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub again: &'a str,
}

/// Checks a password change; the message names the field.
fn check_change(c: &PasswordChange<'_>, user: &User) -> Result<(), AppError> {
    let invalid = |m: String| Err(AppError::Invalid(m));
    if !verify_password(c.current, &user.password_hash) {
        return invalid("当前密码：不正确".into());
    }
    if c.new == c.current {
        return invalid("新密码：不能与当前密码相同".into());
    }
    if let Some(why) = weak_password(c.new, user) {
        return invalid(why);
    }
    if c.new != c.again {
        return invalid("再输入一次新密码：两次输入不一致".into());
    }
    Ok(())
}

impl App {
    /// Checks a login attempt; `Ok(None)` is a wrong user name or password. The attempt is admitted
    /// and counted before the password is checked, in one step shared by every process, so parallel
    /// guesses cannot pass the limit.
    ///
    /// # Errors
    /// [`AppError::Throttled`] after too many failures for the account from this address, or from this
    /// address; [`AppError::Forbidden`] for a deactivated account (said only to whoever knows its
    /// password).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
    ) -> Result<Option<(Session, Actor)>, AppError> {
        let username = username.trim();
        // Longer than any account's name or password can be: refused before anything is hashed.
        if username.chars().count() > CODE_CHARS || password.len() > 4 * PASSWORD_CHARS {
            return Err(AppError::Invalid("用户名或密码太长".into()));
        }
        let (attempt, account_failures) =
            match self.store.admit_login(username, ip, LOGIN_LIMITS).await? {
                Admission::Refused => return Err(AppError::Throttled),
                Admission::Admitted {
                    attempt,
                    account_failures,
                } => (attempt, account_failures),
            };
        if account_failures >= BACKOFF_AFTER {
            let ms = ((account_failures - BACKOFF_AFTER + 1) * BACKOFF_STEP_MS).min(BACKOFF_MAX_MS);
            tokio::time::sleep(std::time::Duration::from_millis(ms as u64)).await;
        }
        let user = self.store.user_by_username(username).await?;
        let right = match &user {
            Some(u) => verify_password(password, &u.password_hash),
            None => {
                // Spend the same time as a real check so user names cannot be probed by timing.
                let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$2mVJtMc1nYzA8G+Jg5tHCi7tPvh5F7cT/6KBUwD6HBw");
                false
            }
        };
        let Some(user) = user.filter(|_| right) else {
            // The attempt stays recorded as a failure.
            return Ok(None);
        };
        self.store.login_succeeded(attempt, username, ip).await?;
        if !user.active {
            return Err(AppError::Forbidden("该账号已停用，请联系管理员".into()));
        }
        let session = self.store.create_session(user.id, SESSION_TTL_MS).await?;
        self.store
            .audit(
                Some(user.id),
                AuditAction::Login.key(),
                &format!("{} 登录", user.username),
            )
            .await?;
        let actor = self.actor(user).await?;
        Ok(Some((session, actor)))
    }

    /// The session `id` and who it belongs to, or `None` when it is unknown, expired or its user is
    /// deactivated.
    pub async fn authenticate(&self, id: &str) -> Result<Option<(Session, Actor)>, AppError> {
        match self.store.session(id).await? {
            Some((session, user)) => Ok(Some((session, self.actor(user).await?))),
            None => Ok(None),
        }
    }

    /// The actor for a user: with their department, if an assessor.
    pub(crate) async fn actor(&self, user: User) -> Result<Actor, AppError> {
        let department = match user.department_id {
            Some(id) => Some(self.store.department(id).await?),
            None => None,
        };
        Ok(Actor { user, department })
    }

    /// Ends a session. Ending one that does not exist is not an error.
    pub async fn logout(&self, session_id: &str) -> Result<(), AppError> {
        Ok(self.store.delete_session(session_id).await?)
    }

    /// Changes the actor's own password; every session of theirs ends, this one included.
    ///
    /// # Errors
    /// [`AppError::Invalid`] naming the field that is wrong.
    pub async fn change_password(
        &self,
        actor: &Actor,
        change: &PasswordChange<'_>,
    ) -> Result<(), AppError> {
        check_change(change, &actor.user)?;
        self.store
            .set_password(actor.id(), &hash_password(change.new), false)
            .await?;
        self.store
            .audit(
                Some(actor.id()),
                AuditAction::Password.key(),
                &format!("{} 修改了密码", actor.user.username),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mistake_names_its_field() {
        let user = User {
            id: 1,
            username: "zhangwei".into(),
            display_name: "张伟".into(),
            password_hash: hash_password("old-password-7Q"),
            role: kaoping_store::Role::Assessor,
            department_id: None,
            unit_id: None,
            active: true,
            created_at: 0,
            must_change_password: false,
        };
        let good = "tiger-lamp-orchard-58";
        let change = |current: &str, new: &str, again: &str| {
            check_change(
                &PasswordChange {
                    current,
                    new,
                    again,
                },
                &user,
            )
            .map_err(|e| e.to_string())
        };
        assert_eq!(change("wrong", good, good).unwrap_err(), "当前密码：不正确");
        assert_eq!(
            change("old-password-7Q", "short", "short").unwrap_err(),
            "新密码：至少10位"
        );
        assert_eq!(
            change("old-password-7Q", good, "tiger-lamp-orchard-59").unwrap_err(),
            "再输入一次新密码：两次输入不一致"
        );
        assert_eq!(
            change("old-password-7Q", "old-password-7Q", "old-password-7Q").unwrap_err(),
            "新密码：不能与当前密码相同"
        );
        // Common, patterned or built on the user's own name: refused, whatever the length.
        for weak in [
            "1234567890",
            "          ",
            "password123",
            "zhangwei2024",
            "woaini1314520",
            "qwertyuiop",
            "kaoping2023",
        ] {
            let err = change("old-password-7Q", weak, weak).unwrap_err();
            assert!(err.starts_with("新密码："), "{weak}: {err}");
        }
        assert!(change("old-password-7Q", good, good).is_ok());
        // No composition rules: a long phrase of lowercase words is enough.
        assert!(change(
            "old-password-7Q",
            "orchard lamp tiger river",
            "orchard lamp tiger river"
        )
        .is_ok());
        // Long passwords are taken up to 128 characters, and refused beyond, before the estimator.
        let long = "correct-horse-battery-staple-".repeat(4);
        assert!(change("old-password-7Q", &long, &long).is_ok());
        let longer = "q".repeat(129);
        assert_eq!(
            change("old-password-7Q", &longer, &longer).unwrap_err(),
            "新密码：太长，最多128个字，现有129个字"
        );
    }

    #[test]
    fn passwords_are_kept_as_salted_argon2id_hashes() {
        let a = hash_password("tiger-lamp-orchard-58");
        let b = hash_password("tiger-lamp-orchard-58");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("tiger-lamp-orchard-58", &a));
        assert!(!verify_password("tiger-lamp-orchard-59", &a));
        // Every character counts: nothing is truncated.
        let long = "x".repeat(128);
        let hash = hash_password(&long);
        assert!(!verify_password(&"x".repeat(127), &hash));
    }
}
