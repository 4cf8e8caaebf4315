use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique key is taken (the caller maps it to `Result` 3).
    #[error("duplicate key")]
    Duplicate,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL '{0}': use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("stored data is malformed: {0}")]
    Malformed(String),
}

impl StoreError {
    /// Turns a unique-constraint violation into [`StoreError::Duplicate`].
    pub fn from_insert(err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
            _ => StoreError::Database(err),
        }
    }
}
