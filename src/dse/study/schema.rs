//! Optuna's relational schema (the tables of `optuna/storages/_rdb/models.py`, schema version 12,
//! alembic revision `v3.2.0.a`, as Optuna 3.2 to 5.x create it): created in an empty database,
//! checked in one that has it, refused in one l2mac does not know, so Optuna reads what l2mac
//! writes and l2mac never writes into a schema it would corrupt.

use super::db::{Db, Dialect, Val};
use crate::dse::error::DseError;

/// `version_info.schema_version` of the schema below.
pub const SCHEMA_VERSION: i64 = 12;
/// The alembic head revision Optuna stamps on that schema.
pub const ALEMBIC_REVISION: &str = "v3.2.0.a";
/// Written to `version_info.library_version` (Optuna shows it in its upgrade message).
pub const LIBRARY_VERSION: &str = concat!("l2mac ", env!("CARGO_PKG_VERSION"));

/// PostgreSQL's native enum types, as SQLAlchemy creates them for Optuna's `Enum` columns.
const PG_ENUMS: &str = "
CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE');
CREATE TYPE trialstate AS ENUM ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING');
CREATE TYPE trialvaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG');
CREATE TYPE trialintermediatevaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG', 'NAN');
";

/// The tables, with `{ID}` (auto-increment key), `{FLOAT}`, `{TIME}` and `{ENUM:name:sqlite}`
/// filled in per engine.
const TABLES: &str = "
CREATE TABLE studies (
    study_id {ID},
    study_name VARCHAR(512) NOT NULL
);
CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
CREATE TABLE version_info (
    version_info_id INTEGER NOT NULL PRIMARY KEY,
    schema_version INTEGER,
    library_version VARCHAR(256),
    CHECK (version_info_id=1)
);
CREATE TABLE study_directions (
    study_direction_id {ID},
    direction {ENUM:studydirection:8} NOT NULL,
    study_id INTEGER NOT NULL REFERENCES studies (study_id),
    objective INTEGER NOT NULL,
    UNIQUE (study_id, objective)
);
CREATE TABLE study_user_attributes (
    study_user_attribute_id {ID},
    study_id INTEGER REFERENCES studies (study_id),
    key VARCHAR(512),
    value_json TEXT,
    UNIQUE (study_id, key)
);
CREATE TABLE study_system_attributes (
    study_system_attribute_id {ID},
    study_id INTEGER REFERENCES studies (study_id),
    key VARCHAR(512),
    value_json TEXT,
    UNIQUE (study_id, key)
);
CREATE TABLE trials (
    trial_id {ID},
    number INTEGER,
    study_id INTEGER REFERENCES studies (study_id),
    state {ENUM:trialstate:8} NOT NULL,
    datetime_start {TIME},
    datetime_complete {TIME}
);
CREATE INDEX ix_trials_study_id ON trials (study_id);
CREATE TABLE trial_user_attributes (
    trial_user_attribute_id {ID},
    trial_id INTEGER REFERENCES trials (trial_id),
    key VARCHAR(512),
    value_json TEXT,
    UNIQUE (trial_id, key)
);
CREATE TABLE trial_system_attributes (
    trial_system_attribute_id {ID},
    trial_id INTEGER REFERENCES trials (trial_id),
    key VARCHAR(512),
    value_json TEXT,
    UNIQUE (trial_id, key)
);
CREATE TABLE trial_params (
    param_id {ID},
    trial_id INTEGER REFERENCES trials (trial_id),
    param_name VARCHAR(512),
    param_value {FLOAT},
    distribution_json TEXT,
    UNIQUE (trial_id, param_name)
);
CREATE TABLE trial_values (
    trial_value_id {ID},
    trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
    objective INTEGER NOT NULL,
    value {FLOAT},
    value_type {ENUM:trialvaluetype:7} NOT NULL,
    UNIQUE (trial_id, objective)
);
CREATE TABLE trial_intermediate_values (
    trial_intermediate_value_id {ID},
    trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
    step INTEGER NOT NULL,
    intermediate_value {FLOAT},
    intermediate_value_type {ENUM:trialintermediatevaluetype:7} NOT NULL,
    UNIQUE (trial_id, step)
);
CREATE TABLE trial_heartbeats (
    trial_heartbeat_id {ID},
    trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
    heartbeat {TIME} NOT NULL,
    UNIQUE (trial_id)
);
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
";

fn ddl(dialect: Dialect) -> String {
    let (id, float, time) = match dialect {
        Dialect::Sqlite => ("INTEGER NOT NULL PRIMARY KEY", "FLOAT", "DATETIME"),
        Dialect::Postgres => (
            "SERIAL NOT NULL PRIMARY KEY",
            "DOUBLE PRECISION",
            "TIMESTAMP WITHOUT TIME ZONE",
        ),
    };
    let mut out = String::new();
    if dialect == Dialect::Postgres {
        out += PG_ENUMS;
    }
    let mut rest = TABLES
        .replace("{ID}", id)
        .replace("{FLOAT}", float)
        .replace("{TIME}", time);
    while let Some(start) = rest.find("{ENUM:") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 6..start + len];
        let (name, width) = inner.split_once(':').unwrap_or((inner, "8"));
        let ty = match dialect {
            Dialect::Sqlite => format!("VARCHAR({width})"),
            Dialect::Postgres => name.to_string(),
        };
        rest.replace_range(start..start + len + 1, &ty);
    }
    out + &rest
}

/// Whether the database has Optuna's tables at all.
pub(crate) fn has_tables(db: &mut Db) -> Result<bool, DseError> {
    let sql = match db.dialect() {
        Dialect::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('studies', 'version_info')"
        }
        Dialect::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name IN ('studies', 'version_info')"
        }
    };
    let n = db
        .query(sql, &[])?
        .first()
        .and_then(|r| r.int(0))
        .unwrap_or(0);
    Ok(n > 0)
}

/// Refuses a database whose schema is not the one above (an older or newer Optuna, or tables of
/// something else), before anything is written.
pub fn check(db: &mut Db) -> Result<(), DseError> {
    let bad = |db: &Db, m: String| DseError::Storage {
        url: db.url.clone(),
        message: m,
    };
    let v = db
        .query(
            "SELECT schema_version, library_version FROM version_info",
            &[],
        )
        .map_err(|_| {
            bad(
                db,
                "has a `studies` table but no Optuna `version_info` table".into(),
            )
        })?;
    let (schema, library) = match v.first() {
        Some(r) => (r.int(0), r.text(1).unwrap_or_default()),
        None => (None, String::new()),
    };
    if schema != Some(SCHEMA_VERSION) {
        return Err(bad(
            db,
            format!(
                "version_info.schema_version is {} (written by {}); l2mac reads and writes Optuna's schema version {SCHEMA_VERSION} only (Optuna 3.2 to 5.x); upgrade the storage with `optuna storage upgrade`",
                schema.map_or("missing".to_string(), |s| s.to_string()),
                if library.is_empty() { "an unknown version" } else { &library }
            ),
        ));
    }
    let rev = db
        .query("SELECT version_num FROM alembic_version", &[])
        .ok()
        .and_then(|rows| rows.first().and_then(|r| r.text(0)));
    if rev.as_deref() != Some(ALEMBIC_REVISION) {
        return Err(bad(
            db,
            format!(
                "alembic_version is {}; l2mac knows Optuna's revision {ALEMBIC_REVISION} only",
                rev.unwrap_or_else(|| "missing".into())
            ),
        ));
    }
    Ok(())
}

/// Creates the schema in an empty database, or checks the one there.
pub fn ensure(db: &mut Db) -> Result<(), DseError> {
    if has_tables(db)? {
        return check(db);
    }
    let sql = ddl(db.dialect());
    db.tx(|db| {
        if db.dialect() == Dialect::Postgres {
            // DDL takes no lock of its own until it runs: two first workers would both create
            db.query("SELECT pg_advisory_xact_lock(7146)", &[])?;
        }
        // another worker may have created it between the look and the lock
        if has_tables(db)? {
            return Ok(());
        }
        db.batch(&sql)?;
        db.exec(
            "INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)",
            &[Val::I(SCHEMA_VERSION), LIBRARY_VERSION.into()],
        )?;
        db.exec(
            "INSERT INTO alembic_version (version_num) VALUES (?)",
            &[ALEMBIC_REVISION.into()],
        )?;
        Ok(())
    })?;
    check(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_placeholder_is_filled_for_both_engines() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            let s = ddl(d);
            assert!(!s.contains('{'), "{d:?}: {s}");
        }
        assert!(ddl(Dialect::Sqlite).contains("state VARCHAR(8) NOT NULL"));
        assert!(ddl(Dialect::Postgres).contains("state trialstate NOT NULL"));
    }
}
