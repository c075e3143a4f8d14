//! The error type of core operations. Messages are one clear line for the user.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("permission denied: the {role} role may not {what}")]
    Denied { role: String, what: &'static str },
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("account {0} is locked after too many failed logins; a supervisor must unlock it")]
    AccountLocked(String),
    #[error("account {0} is disabled")]
    AccountDisabled(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::Sql(e))
    }
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> CoreError {
        CoreError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
