//! Who is asking: a logged-in user and, for an assessor, the department they record for. Every use case
//! takes an [`Actor`] and asks [`Actor::may`], which is [`crate::allowed`].

use kaoping_store::{Department, Role, User};

use crate::error::AppError;
use crate::permissions::{allowed, Action};

/// A logged-in user as the use cases see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: User,
    /// The department of an assessor (looked up once per request).
    pub department: Option<Department>,
}

impl Actor {
    /// Whether the actor may do `action`.
    pub fn may(&self, action: Action<'_>) -> bool {
        allowed(&self.user, self.department.as_ref(), action)
    }

    /// [`AppError::Forbidden`] with `why` unless the actor may do `action`.
    pub fn require(&self, action: Action<'_>, why: &str) -> Result<(), AppError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(why.to_string()))
        }
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// A role's name as users read it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "管理员",
        Role::Assessor => "考核部门",
        Role::Leader => "单位负责人",
        Role::Viewer => "领导查看",
    }
}
