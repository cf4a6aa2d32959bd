//! One connection to a study database, SQLite (rusqlite) or PostgreSQL (postgres), behind a few
//! calls with `?` placeholders and dynamically typed values, so the Optuna-schema store is written
//! once for both engines. Only what differs between the two (clock, locking, DDL) is asked of
//! [`Db::dialect`].

use std::collections::HashMap;
use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type};
use rusqlite::OpenFlags;

use crate::dse::error::DseError;

/// A column value as both engines give it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    I(i64),
    F(f64),
    T(String),
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::T(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::T(s)
    }
}
impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::I(i)
    }
}
impl From<f64> for Val {
    fn from(f: f64) -> Val {
        Val::F(f)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// One result row.
#[derive(Clone, Debug)]
pub struct Row(pub Vec<Val>);

impl Row {
    pub fn int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(Val::I(v)) => Some(*v),
            Some(Val::F(v)) => Some(*v as i64),
            Some(Val::T(s)) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn real(&self, i: usize) -> Option<f64> {
        match self.0.get(i) {
            Some(Val::I(v)) => Some(*v as f64),
            Some(Val::F(v)) => Some(*v),
            Some(Val::T(s)) => s.parse().ok(),
            _ => None,
        }
    }
    pub fn text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(Val::T(s)) => Some(s.clone()),
            Some(Val::I(v)) => Some(v.to_string()),
            Some(Val::F(v)) => Some(v.to_string()),
            _ => None,
        }
    }
}

/// Which engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The database clock as the text Optuna's heartbeats hold (UTC on SQLite, as SQLAlchemy's
    /// `CURRENT_TIMESTAMP`; the session's local time on PostgreSQL, as its `now()` stored in a
    /// `timestamp without time zone`).
    pub fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite => "strftime('%Y-%m-%d %H:%M:%f', 'now')",
            Dialect::Postgres => "LOCALTIMESTAMP",
        }
    }
    /// Seconds since the timestamp column `col`, on the database clock.
    pub fn age_seconds(self, col: &str) -> String {
        match self {
            Dialect::Sqlite => format!("((julianday('now') - julianday({col})) * 86400.0)"),
            Dialect::Postgres => {
                format!("CAST(EXTRACT(EPOCH FROM (LOCALTIMESTAMP - {col})) AS DOUBLE PRECISION)")
            }
        }
    }
    /// Appended to a SELECT of the study row to hold it until commit (SQLite's `BEGIN IMMEDIATE`
    /// already holds the whole database).
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }
}

/// Where a study lives: `sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's form, as
/// Optuna takes it) or `postgresql://user@host:port/db`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Url {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, DseError> {
        if let Some(path) = url.strip_prefix("sqlite:///") {
            if path.is_empty() {
                return Err(bad_url(url, "no file after `sqlite:///`"));
            }
            return Ok(Url::Sqlite(PathBuf::from(path)));
        }
        for scheme in [
            "postgresql://",
            "postgres://",
            "postgresql+psycopg2://",
            "postgresql+psycopg://",
        ] {
            if let Some(rest) = url.strip_prefix(scheme) {
                return Ok(Url::Postgres(format!("postgresql://{rest}")));
            }
        }
        Err(bad_url(
            url,
            "expected sqlite:///FILE or postgresql://USER@HOST:PORT/DB",
        ))
    }

    /// The SQLAlchemy URL of a SQLite file (absolute, so Optuna finds it from any directory).
    pub fn sqlite_for(path: &std::path::Path) -> String {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        format!("sqlite:///{}", abs.display())
    }
}

fn bad_url(url: &str, message: &str) -> DseError {
    DseError::Storage {
        url: crate::secrets::redact(url),
        message: message.into(),
    }
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Pg {
        client: Box<postgres::Client>,
        statements: HashMap<String, postgres::Statement>,
    },
}

/// An open study database.
pub struct Db {
    conn: Conn,
    /// For error messages (password redacted).
    pub url: String,
}

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

impl Db {
    /// Connects; `create` allows a new SQLite file (a PostgreSQL database must exist already).
    pub fn connect(url: &str, create: bool) -> Result<Db, DseError> {
        let shown = crate::secrets::redact(url);
        let conn = match Url::parse(url)? {
            Url::Sqlite(path) => {
                if !create && !path.is_file() {
                    return Err(DseError::Storage {
                        url: shown,
                        message: format!("no database file {}", path.display()),
                    });
                }
                let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                if create {
                    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::create_dir_all(dir).map_err(|e| DseError::io(dir, e))?;
                    }
                    flags |= OpenFlags::SQLITE_OPEN_CREATE;
                }
                let c = rusqlite::Connection::open_with_flags(&path, flags)
                    .map_err(|e| storage_err(&shown, e))?;
                c.busy_timeout(BUSY_TIMEOUT)
                    .map_err(|e| storage_err(&shown, e))?;
                // WAL in a file l2mac makes: readers (optuna-dashboard) never block the workers'
                // writes. A file that exists keeps its mode: opening it writes nothing.
                let empty = std::fs::metadata(&path).map_or(true, |m| m.len() == 0);
                if create && empty {
                    c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
                        .map_err(|e| storage_err(&shown, e))?;
                }
                Conn::Sqlite(c)
            }
            Url::Postgres(u) => {
                let mut config: postgres::Config = u.parse().map_err(|e| storage_err(&shown, e))?;
                config.connect_timeout(Duration::from_secs(10));
                let client = config
                    .connect(postgres::NoTls)
                    .map_err(|e| storage_err(&shown, describe_pg(&e)))?;
                Conn::Pg {
                    client: Box::new(client),
                    statements: HashMap::new(),
                }
            }
        };
        Ok(Db { conn, url: shown })
    }

    pub fn dialect(&self) -> Dialect {
        match self.conn {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Pg { .. } => Dialect::Postgres,
        }
    }

    fn err(&self, e: impl std::fmt::Display) -> DseError {
        storage_err(&self.url, e)
    }

    /// Runs statements without parameters (DDL, transaction control).
    pub fn batch(&mut self, sql: &str) -> Result<(), DseError> {
        let r = match &mut self.conn {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
            Conn::Pg { client, .. } => client.batch_execute(sql).map_err(|e| describe_pg(&e)),
        };
        r.map_err(|e| self.err(e))
    }

    /// Runs one statement; returns the number of rows it changed.
    pub fn exec(&mut self, sql: &str, args: &[Val]) -> Result<u64, DseError> {
        let r = match &mut self.conn {
            Conn::Sqlite(c) => (|| {
                let mut st = c.prepare_cached(sql)?;
                st.execute(rusqlite::params_from_iter(args.iter()))
                    .map(|n| n as u64)
            })()
            .map_err(|e| e.to_string()),
            Conn::Pg { client, statements } => pg_statement(client, statements, sql)
                .and_then(|st| {
                    let params: Vec<&(dyn ToSql + Sync)> =
                        args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
                    client.execute(&st, &params)
                })
                .map_err(|e| describe_pg(&e)),
        };
        r.map_err(|e| self.err(format!("{e} (in `{}`)", first_line(sql))))
    }

    /// Runs one query and returns every row.
    pub fn query(&mut self, sql: &str, args: &[Val]) -> Result<Vec<Row>, DseError> {
        let r = match &mut self.conn {
            Conn::Sqlite(c) => sqlite_query(c, sql, args).map_err(|e| e.to_string()),
            Conn::Pg { client, statements } => pg_statement(client, statements, sql)
                .and_then(|st| {
                    let params: Vec<&(dyn ToSql + Sync)> =
                        args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
                    client.query(&st, &params)
                })
                .map_err(|e| describe_pg(&e))
                .and_then(|rows| rows.iter().map(pg_row).collect()),
        };
        r.map_err(|e| self.err(format!("{e} (in `{}`)", first_line(sql))))
    }

    /// Runs `f` in one transaction (a writing one on SQLite, so two workers never interleave),
    /// committing on success and rolling back on any error.
    pub fn tx<T>(&mut self, f: impl FnOnce(&mut Db) -> Result<T, DseError>) -> Result<T, DseError> {
        let begin = match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        };
        self.batch(begin)?;
        match f(self) {
            Ok(v) => {
                self.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // the error that made us roll back is the one to report
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

fn first_line(sql: &str) -> String {
    let s = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(80).collect()
}

fn storage_err(url: &str, e: impl std::fmt::Display) -> DseError {
    DseError::Storage {
        url: url.to_string(),
        message: e.to_string(),
    }
}

/// The server's message when there is one (postgres' `Display` alone says only "db error").
fn describe_pg(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match e.source() {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    }
}

fn sqlite_query(c: &rusqlite::Connection, sql: &str, args: &[Val]) -> rusqlite::Result<Vec<Row>> {
    let mut st = c.prepare_cached(sql)?;
    let n = st.column_count();
    let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut vals = Vec::with_capacity(n);
        for i in 0..n {
            use rusqlite::types::ValueRef;
            vals.push(match r.get_ref(i)? {
                ValueRef::Null => Val::Null,
                ValueRef::Integer(v) => Val::I(v),
                ValueRef::Real(v) => Val::F(v),
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    Val::T(String::from_utf8_lossy(t).into_owned())
                }
            });
        }
        out.push(Row(vals));
    }
    Ok(out)
}

/// `?` placeholders become PostgreSQL's `$1, $2, ...`; statements are prepared once per connection.
fn pg_statement(
    client: &mut postgres::Client,
    cache: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let mut text = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            text += &format!("${n}");
        } else {
            text.push(ch);
        }
    }
    let st = client.prepare(&text)?;
    cache.insert(sql.to_string(), st.clone());
    Ok(st)
}

/// Text as PostgreSQL sends it for text-like and enum columns (Optuna's states are native enums).
struct RawText(String);

impl<'a> FromSql<'a> for RawText {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(RawText(std::str::from_utf8(raw)?.to_string()))
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
}

fn pg_row(r: &postgres::Row) -> Result<Row, String> {
    let mut vals = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let e = |e: postgres::Error| format!("column {}: {e}", col.name());
        let v = match *ty {
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map_err(e)?
                .map(|v| Val::I(v.into())),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map_err(e)?
                .map(|v| Val::I(v.into())),
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(e)?.map(Val::I),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)
                .map_err(e)?
                .map(|v| Val::F(v.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map_err(e)?.map(Val::F),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)
                .map_err(e)?
                .map(|v| Val::I(v.into())),
            Type::TIMESTAMP => r
                .try_get::<_, Option<chrono::NaiveDateTime>>(i)
                .map_err(e)?
                .map(|t| Val::T(t.format(TIME_FORMAT).to_string())),
            _ => r
                .try_get::<_, Option<RawText>>(i)
                .map_err(e)?
                .map(|t| Val::T(t.0)),
        };
        vals.push(v.unwrap_or(Val::Null));
    }
    Ok(Row(vals))
}

/// How trial start and end times are written (SQLAlchemy's SQLite `DATETIME` text).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(Value::Null),
            Val::I(v) => ToSqlOutput::Owned(Value::Integer(*v)),
            Val::F(v) => ToSqlOutput::Owned(Value::Real(*v)),
            Val::T(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// Encodes a value for whatever type the server inferred for its placeholder, so one statement
/// text binds an integer into `integer` or `bigint`, a name into `varchar` or an enum type.
impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::I(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT8 => v.to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot be stored as {ty}").into()),
            },
            Val::F(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(format!("a real cannot be stored as {ty}").into()),
            },
            Val::T(s) => match *ty {
                Type::TIMESTAMP => {
                    chrono::NaiveDateTime::parse_from_str(s, TIME_FORMAT)?.to_sql(ty, out)
                }
                _ if matches!(ty.kind(), Kind::Enum(_))
                    || matches!(
                        *ty,
                        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
                    ) =>
                {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                _ => Err(format!("text cannot be stored as {ty}").into()),
            },
        }
    }
    fn accepts(_ty: &Type) -> bool {
        true
    }
    postgres::types::to_sql_checked!();
}
