//! Who is asking: logging in (Argon2id passwords, throttling), sessions, logging out, changing one's own
//! password. Cookies and CSRF tokens are the web adapter's; the session they carry is checked here.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kaoping_store::{Session, User};

use crate::actor::Actor;
use crate::error::AppError;
use crate::App;

/// Sessions last a working day.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;
/// At most this many failed logins per user name or address per window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// The shortest password a user may choose.
pub const MIN_PASSWORD_LENGTH: usize = 8;

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
fn check_change(c: &PasswordChange<'_>, hash: &str) -> Result<(), AppError> {
    let invalid = |m: String| Err(AppError::Invalid(m));
    if !verify_password(c.current, hash) {
        return invalid("当前密码：不正确".into());
    }
    if c.new.chars().count() < MIN_PASSWORD_LENGTH {
        return invalid(format!("新密码：至少{MIN_PASSWORD_LENGTH}位"));
    }
    if c.new != c.again {
        return invalid("再输入一次新密码：两次输入不一致".into());
    }
    if c.new == c.current {
        return invalid("新密码：不能与当前密码相同".into());
    }
    Ok(())
}

impl App {
    /// Checks a login attempt, recording failures; `Ok(None)` is a wrong user name or password.
    ///
    /// # Errors
    /// [`AppError::Throttled`] after too many failures for the name or the address.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        ip: &str,
    ) -> Result<Option<(Session, Actor)>, AppError> {
        let username = username.trim();
        let since = now_ms() - FAILURE_WINDOW_MS;
        if self.store.login_failures_since(username, ip, since).await? >= MAX_FAILURES {
            return Err(AppError::Throttled);
        }
        let user = self.store.user_by_username(username).await?;
        let ok = match &user {
            Some(u) => u.active && verify_password(password, &u.password_hash),
            None => {
                // Spend the same time as a real check so user names cannot be probed by timing.
                let _ = verify_password(password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$2mVJtMc1nYzA8G+Jg5tHCi7tPvh5F7cT/6KBUwD6HBw");
                false
            }
        };
        match user {
            Some(user) if ok => {
                self.store.clear_login_failures(username).await?;
                let session = self.store.create_session(user.id, SESSION_TTL_MS).await?;
                self.store
                    .audit(Some(user.id), "login", &format!("{} 登录", user.username))
                    .await?;
                let actor = self.actor(user).await?;
                Ok(Some((session, actor)))
            }
            _ => {
                self.store.record_login_failure(username, ip).await?;
                Ok(None)
            }
        }
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
        check_change(change, &actor.user.password_hash)?;
        self.store
            .set_password(actor.id(), &hash_password(change.new))
            .await?;
        self.store
            .audit(
                Some(actor.id()),
                "password",
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
        let hash = hash_password("old-password");
        let change = |current: &str, new: &str, again: &str| {
            check_change(
                &PasswordChange {
                    current,
                    new,
                    again,
                },
                &hash,
            )
            .map_err(|e| e.to_string())
        };
        assert_eq!(
            change("wrong", "new-password", "new-password").unwrap_err(),
            "当前密码：不正确"
        );
        assert_eq!(
            change("old-password", "short", "short").unwrap_err(),
            "新密码：至少8位"
        );
        assert_eq!(
            change("old-password", "new-password", "new-passw0rd").unwrap_err(),
            "再输入一次新密码：两次输入不一致"
        );
        assert_eq!(
            change("old-password", "old-password", "old-password").unwrap_err(),
            "新密码：不能与当前密码相同"
        );
        assert!(change("old-password", "new-password", "new-password").is_ok());
    }
}
