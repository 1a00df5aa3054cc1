//! The SQLite backend: one file in WAL mode, a few read connections and a single writer.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::Row;
use tokio::sync::{broadcast, OwnedSemaphorePermit, Semaphore};

use crate::filter_sql::{self, Bind};
use crate::types::*;
use crate::{bounds, diff, groups, Result, Retention, Store, StoreError, StoreRead};

const USER_COLUMNS: &str = "seq, id, user_name, data, active, role, source, last_login, created, \
                            last_modified, version, password_hash";

/// How much work a read may be, which decides where it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cost {
    /// An indexed equality on a small result (a user by id or userName, a token, a setting):
    /// tens of microseconds, less than handing the query to another thread and back, so it
    /// runs on the calling task.
    Point,
    /// Anything that may walk many rows (pages, counts, unindexed filters, the event log):
    /// runs on the blocking pool so it never stalls the tasks serving other requests.
    Scan,
}

/// The read connections. Reads use rusqlite directly instead of sqlx: sqlx runs every SQLite
/// statement on a worker thread of its own and wakes the task when it is done, and on an
/// indexed lookup those two thread hand-offs cost more than the query (see the load benchmark
/// in the README). Writes, transactions and migrations stay with sqlx.
struct Readers {
    free: std::sync::Mutex<Vec<rusqlite::Connection>>,
    permits: Arc<Semaphore>,
}

/// A read connection on loan; it goes back to the free list when dropped, also on panic.
struct Lease {
    conn: Option<rusqlite::Connection>,
    readers: Arc<Readers>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            lock(&self.readers.free).push(conn);
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The list is only pushed to and popped from; a panic elsewhere cannot leave it half-done.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read connections: a few, so that scans on the blocking pool and point lookups on the
/// request tasks proceed side by side.
const READERS: usize = 4;

pub struct SqliteStore {
    readers: Arc<Readers>,
    write: SqlitePool,
    changes: broadcast::Sender<ChangeEvent>,
    /// `<database>.stamp`: rewritten with a new random value after every change to tokens,
    /// roles or settings, by whichever process makes it (see [`Store::config_stamp`]).
    stamp: std::path::PathBuf,
    /// The database file, whose write-ahead log `<file>-wal` every commit writes.
    file: std::path::PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub async fn open(path: &str) -> Result<Self> {
        if let Some(dir) = Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Invalid(format!("cannot create the folder {}: {e}", dir.display()))
                })?;
            }
        }
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("cache_size", "-16000");
        // One writer: SQLite serialises writers anyway, and waiting in the pool is cheaper than
        // waiting on the file lock. Other processes (the CLI) wait through busy_timeout. A
        // SQLite connection cannot go stale the way a network one can: no ping on acquire.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let mut conns = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            conns.push(open_reader(path)?);
        }
        let readers = Arc::new(Readers {
            free: std::sync::Mutex::new(conns),
            permits: Arc::new(Semaphore::new(READERS)),
        });
        let (changes, _) = broadcast::channel(1024);
        Ok(SqliteStore {
            readers,
            write,
            changes,
            stamp: std::path::PathBuf::from(format!("{path}.stamp")),
            file: std::path::PathBuf::from(path),
        })
    }

    /// Runs `f` on a read connection, where `cost` says (see [`Cost`]).
    async fn read<T, F>(&self, cost: Cost, f: F) -> Result<T>
    where
        F: FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.readers.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Invalid("the database is closing".to_owned()))?;
        let conn = lock(&self.readers.free).pop();
        let lease = Lease {
            // One connection per permit: the list cannot be empty while a permit is held.
            conn: Some(conn.expect("a free read connection for every permit")),
            readers: Arc::clone(&self.readers),
            _permit: permit,
        };
        let run = move || {
            let conn = lease.conn.as_ref().expect("leased");
            f(conn)
        };
        match cost {
            Cost::Point => run(),
            Cost::Scan => tokio::task::spawn_blocking(run)
                .await
                .map_err(|e| StoreError::Invalid(format!("a database read failed: {e}")))?,
        }
    }

    async fn kv_get(&self, table: KeyValues, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.read(Cost::Point, move |conn| {
            query_one(
                conn,
                &format!("SELECT value FROM {} WHERE key = ?", table.name()),
                [key],
                |r| Ok(r.get(0)?),
            )
        })
        .await
    }

    /// Writes `key`; an unchanged value is not written (no trigger fires for it).
    async fn kv_set(&self, table: KeyValues, key: &str, value: &str) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO {0} (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
            table.name()
        ))
        .bind(key)
        .bind(value)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Tells every server on this database that tokens, roles or settings changed. The new
    /// value is written beside and renamed over the old, so a reader never sees half of it.
    fn bump_stamp(&self) -> Result<()> {
        let tmp = self
            .stamp
            .with_extension(format!("stamp.{}", std::process::id()));
        let value = uuid::Uuid::new_v4().as_u128().to_string();
        std::fs::write(&tmp, value)
            .and_then(|_| std::fs::rename(&tmp, &self.stamp))
            .map_err(|e| {
                StoreError::Invalid(format!(
                    "the change is saved, but {} could not be written, so running servers may \
                     not notice it until they restart: {e}",
                    self.stamp.display()
                ))
            })
    }

    fn publish(
        &self,
        kind: ChangeKind,
        rec: &UserRecord,
        diff: Vec<crate::AttrChange>,
        ctx: &ChangeContext,
    ) {
        // No receivers is fine: nobody is watching.
        let _ = self.changes.send(ChangeEvent {
            kind,
            resource_type: "User".to_owned(),
            id: rec.id.clone(),
            user_name: rec.user_name.clone(),
            version: rec.version,
            active: rec.active,
            role: rec.role.clone(),
            diff,
            actor: ctx.actor.clone(),
            at: rec.last_modified.clone(),
        });
    }
}

impl SqliteStore {
    /// A committed change to a group, for live views (`resource_type` "Group"; the group's
    /// name where a user's userName would be). Views of users leave these alone.
    fn publish_group(
        &self,
        kind: ChangeKind,
        rec: &GroupRecord,
        diff: Vec<crate::AttrChange>,
        ctx: &ChangeContext,
    ) {
        let _ = self.changes.send(ChangeEvent {
            kind,
            resource_type: "Group".to_owned(),
            id: rec.id.clone(),
            user_name: rec.display_name.clone(),
            version: rec.version,
            active: true,
            role: None,
            diff,
            actor: ctx.actor.clone(),
            at: rec.last_modified.clone(),
        });
    }
}

/// The two key-value tables: configuration, and the console's own state.
#[derive(Debug, Clone, Copy)]
enum KeyValues {
    Settings,
    ConsoleState,
}

impl KeyValues {
    fn name(self) -> &'static str {
        match self {
            KeyValues::Settings => "settings",
            KeyValues::ConsoleState => "console_state",
        }
    }
}

/// Opens a read-only connection; the writer has created and migrated the file already.
fn open_reader(path: &str) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "cache_size", -16000)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl rusqlite::ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(match self {
            Bind::Text(s) => s.as_str().into(),
            Bind::Int(i) => (*i).into(),
            Bind::Real(f) => (*f).into(),
        })
    }
}

/// Reads `USER_COLUMNS`, in that order.
fn user_from_read(row: &rusqlite::Row<'_>) -> Result<UserRecord> {
    let data: String = row.get(3)?;
    let data: Map<String, Value> = serde_json::from_str(&data)
        .map_err(|e| StoreError::Corrupt(format!("user data is not a JSON object: {e}")))?;
    let source: String = row.get(6)?;
    Ok(UserRecord {
        id: row.get(1)?,
        user_name: row.get(2)?,
        data,
        active: row.get::<_, i64>(4)? != 0,
        role: row.get(5)?,
        source: UserSource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown user source '{source}'")))?,
        last_login: row.get(7)?,
        created: row.get(8)?,
        last_modified: row.get(9)?,
        version: row.get(10)?,
        password_hash: row.get(11)?,
    })
}

fn token_from_read(row: &rusqlite::Row<'_>) -> Result<TokenRecord> {
    let permission: String = row.get("permission")?;
    Ok(TokenRecord {
        id: row.get("id")?,
        name: row.get("name")?,
        permission: Permission::parse(&permission)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown permission '{permission}'")))?,
        prefix: row.get("prefix")?,
        created: row.get("created")?,
        expires: row.get("expires")?,
        last_used: row.get("last_used")?,
        revoked: row.get("revoked")?,
        simulator: row.get::<_, i64>("simulator")? != 0,
    })
}

/// Runs a cached statement and converts every row.
fn query_all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    mut convert: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(convert(row)?);
    }
    Ok(out)
}

fn query_one<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    convert: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(query_all(conn, sql, params, convert)?.into_iter().next())
}

fn token_from_row(row: &SqliteRow) -> Result<TokenRecord> {
    let permission: String = row.try_get("permission")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        permission: Permission::parse(&permission)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown permission '{permission}'")))?,
        prefix: row.try_get("prefix")?,
        created: row.try_get("created")?,
        expires: row.try_get("expires")?,
        last_used: row.try_get("last_used")?,
        revoked: row.try_get("revoked")?,
        simulator: row.try_get::<i64, _>("simulator")? != 0,
    })
}

/// Maps a unique-constraint violation to `Conflict` with words a person understands.
fn conflict(e: sqlx::Error, what: impl FnOnce(&str) -> String) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(what(db.message()))
        }
        _ => StoreError::Database(e),
    }
}

/// One row of `user_emails`: value, folded value, type, display, primary.
type EmailRow = (String, String, Option<String>, Option<String>, bool);

struct Derived {
    user_name_key: String,
    external_id: Option<String>,
    display_name_key: Option<String>,
    data: String,
    emails: Vec<EmailRow>,
}

fn derive(u: &UserWrite) -> Result<Derived> {
    let s = |k: &str| u.data.get(k).and_then(Value::as_str).map(str::to_owned);
    let emails = u
        .data
        .get("emails")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|e| {
                    let value = e.get("value")?.as_str()?.to_owned();
                    let key = value.to_lowercase();
                    let ty = e.get("type").and_then(Value::as_str).map(str::to_owned);
                    let display = e.get("display").and_then(Value::as_str).map(str::to_owned);
                    let primary = e.get("primary").and_then(Value::as_bool).unwrap_or(false);
                    Some((value, key, ty, display, primary))
                })
                .collect()
        })
        .unwrap_or_default();
    let user_name = u.user_name();
    if user_name.trim().is_empty() {
        return Err(StoreError::Invalid("userName is required".to_owned()));
    }
    Ok(Derived {
        user_name_key: user_name.to_lowercase(),
        external_id: s("externalId"),
        display_name_key: s("displayName").map(|d| d.to_lowercase()),
        data: serde_json::to_string(&u.data).map_err(|e| StoreError::Invalid(e.to_string()))?,
        emails,
    })
}

async fn write_emails(conn: &mut sqlx::SqliteConnection, seq: i64, d: &Derived) -> Result<()> {
    sqlx::query("DELETE FROM user_emails WHERE user_seq = ?")
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    for (value, key, ty, display, primary) in &d.emails {
        sqlx::query(
            "INSERT INTO user_emails (user_seq, value, value_key, type, display, is_primary) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(seq)
        .bind(value)
        .bind(key)
        .bind(ty)
        .bind(display)
        .bind(*primary)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn insert_row(
    conn: &mut sqlx::SqliteConnection,
    user: &UserWrite,
    d: &Derived,
    created: &str,
    modified: &str,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (id, user_name, user_name_key, external_id, display_name_key, active, \
         role, source, last_login, created, last_modified, version, password_hash, data) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING seq",
    )
    .bind(&user.id)
    .bind(user.user_name())
    .bind(&d.user_name_key)
    .bind(&d.external_id)
    .bind(&d.display_name_key)
    .bind(user.active())
    .bind(&user.role)
    .bind(user.source.as_str())
    .bind(&user.last_login)
    .bind(created)
    .bind(modified)
    .bind(&user.password_hash)
    .bind(&d.data)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| conflict(e, user_name_taken(user.user_name())))
}

fn user_name_taken(user_name: &str) -> impl FnOnce(&str) -> String + '_ {
    move |msg: &str| {
        if msg.contains("users.id") {
            "a user with this id already exists".to_owned()
        } else {
            format!("userName '{user_name}' is already taken")
        }
    }
}

fn count_matching(conn: &rusqlite::Connection, where_clause: &str, binds: &[Bind]) -> Result<u64> {
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM users {where_clause}"))?
        .query_row(rusqlite::params_from_iter(binds), |r| r.get(0))?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Writes events (bounded first, see [`bounds`]) on `conn`, inside the caller's transaction,
/// and records the last use of the tokens they name.
async fn insert_events(conn: &mut sqlx::SqliteConnection, events: &[NewEvent]) -> Result<()> {
    let list = |v: &[String]| {
        (!v.is_empty())
            .then(|| serde_json::to_string(v).ok())
            .flatten()
    };
    let rows: Vec<(NewEvent, Option<String>, Option<String>, usize)> = events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            bounds::bound_event(&mut e);
            let diff = (!e.diff.is_empty())
                .then(|| serde_json::to_string(&e.diff).ok())
                .flatten();
            let ignored = list(&e.ignored);
            let size = bounds::stored_size(&e, diff.as_deref(), ignored.as_deref());
            (e, diff, ignored, size)
        })
        .collect();
    // Many rows per statement: one round trip to SQLite per 64 events, not per event.
    for chunk in rows.chunks(64) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO events (at, token_name, token_id, client, method, path, status, \
             latency_us, resource_type, resource_id, user_name, diff, ignored, error, role, \
             address, count, aggregated, size, simulated, request_body, response_body, \
             dialect) ",
        );
        insert.push_values(chunk, |mut row, (e, diff, ignored, size)| {
            row.push_bind(e.at.clone())
                .push_bind(e.token_name.clone())
                .push_bind(e.token_id)
                .push_bind(e.client.clone())
                .push_bind(e.method.clone())
                .push_bind(e.path.clone())
                .push_bind(i64::from(e.status))
                .push_bind(i64::try_from(e.latency_us).unwrap_or(i64::MAX))
                .push_bind(e.resource_type.clone())
                .push_bind(e.resource_id.clone())
                .push_bind(e.user_name.clone())
                .push_bind(diff.clone())
                .push_bind(ignored.clone())
                .push_bind(e.error.clone())
                .push_bind(e.role.clone())
                .push_bind(e.address.clone())
                .push_bind(i64::try_from(e.count.max(1)).unwrap_or(i64::MAX))
                .push_bind(e.aggregated)
                .push_bind(i64::try_from(*size).unwrap_or(i64::MAX))
                .push_bind(e.simulated)
                .push_bind(e.request_body.clone())
                .push_bind(e.response_body.clone())
                .push_bind(e.dialect.clone());
        });
        insert.build().execute(&mut *conn).await?;
    }
    // Last use of each token, once per batch.
    let mut seen: Vec<(i64, &str)> = Vec::new();
    for e in events.iter().rev() {
        if let Some(id) = e.token_id {
            if !seen.iter().any(|(i, _)| *i == id) {
                seen.push((id, &e.at));
            }
        }
    }
    for (id, at) in seen {
        sqlx::query(
            "UPDATE tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)",
        )
        .bind(at)
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Notes a deactivation or deletion for the guard's window; notes older than a day go.
async fn record_deprovision(conn: &mut sqlx::SqliteConnection, id: &str) -> Result<()> {
    let now = chrono::Utc::now();
    sqlx::query("DELETE FROM deprovisions WHERE at < ?")
        .bind(format_time(now - chrono::Duration::days(1)))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO deprovisions (at, resource_id) VALUES (?, ?)")
        .bind(format_time(now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn held_from_read(r: &rusqlite::Row<'_>) -> Result<HeldRequest> {
    Ok(HeldRequest {
        resource_id: r.get("resource_id")?,
        user_name: r.get("user_name")?,
        kind: r.get("kind")?,
        client: r.get("client")?,
        token_name: r.get("token_name")?,
        address: r.get("address")?,
        first_at: r.get("first_at")?,
        last_at: r.get("last_at")?,
        attempts: u64::try_from(r.get::<_, i64>("attempts")?).unwrap_or(0),
        released_at: r.get("released_at")?,
        simulated: r.get::<_, i64>("simulated")? != 0,
    })
}

/// The log entry of a change made by a request (none outside one): the request's entry,
/// completed with the resource, the diff and the latency up to now.
fn request_event(
    ctx: &ChangeContext,
    status: u16,
    (kind, id, name): (&str, &str, &str),
    diff: &[crate::AttrChange],
) -> Option<NewEvent> {
    let r = ctx.request.as_ref()?;
    Some(NewEvent {
        status,
        latency_us: u64::try_from(r.started.elapsed().as_micros()).unwrap_or(u64::MAX),
        resource_type: Some(kind.to_owned()),
        resource_id: Some(id.to_owned()),
        user_name: Some(name.to_owned()),
        diff: diff.to_vec(),
        ..r.event.clone()
    })
}

fn change_event(
    ctx: &ChangeContext,
    status: u16,
    rec: &UserRecord,
    diff: &[crate::AttrChange],
) -> Option<NewEvent> {
    request_event(ctx, status, ("User", &rec.id, &rec.user_name), diff)
}

/// A group's entry: its name stands where a user's userName would.
fn group_event(
    ctx: &ChangeContext,
    status: u16,
    rec: &GroupRecord,
    diff: &[crate::AttrChange],
) -> Option<NewEvent> {
    request_event(ctx, status, ("Group", &rec.id, &rec.display_name), diff)
}

/// Every column of an entry but its bodies: lists never read those.
const EVENT_COLUMNS: &str = "id, at, token_name, token_id, client, method, path, status, \
    latency_us, resource_type, resource_id, user_name, diff, ignored, error, role, address, \
    count, aggregated, simulated, dialect";

/// An entry from its row; the bodies only when asked (and selected).
fn event_row(r: &rusqlite::Row<'_>, bodies: bool) -> Result<EventRecord> {
    let json_list = |c: &str| -> Result<Option<String>> { Ok(r.get(c)?) };
    let diff = match json_list("diff")? {
        Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        None => Vec::new(),
    };
    let ignored = match json_list("ignored")? {
        Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        None => Vec::new(),
    };
    Ok(EventRecord {
        id: r.get("id")?,
        event: NewEvent {
            at: r.get("at")?,
            token_name: r.get("token_name")?,
            token_id: r.get("token_id")?,
            client: r.get("client")?,
            method: r.get("method")?,
            path: r.get("path")?,
            status: u16::try_from(r.get::<_, i64>("status")?).unwrap_or(0),
            latency_us: u64::try_from(r.get::<_, i64>("latency_us")?).unwrap_or(0),
            resource_type: r.get("resource_type")?,
            resource_id: r.get("resource_id")?,
            user_name: r.get("user_name")?,
            diff,
            ignored,
            error: r.get("error")?,
            role: r.get("role")?,
            address: r.get("address")?,
            count: u64::try_from(r.get::<_, i64>("count")?).unwrap_or(1),
            aggregated: r.get::<_, i64>("aggregated")? != 0,
            simulated: r.get::<_, i64>("simulated")? != 0,
            dialect: r.get("dialect")?,
            request_body: if bodies { r.get("request_body")? } else { None },
            response_body: if bodies {
                r.get("response_body")?
            } else {
                None
            },
        },
    })
}

/// The WHERE clause of an event query (without `WHERE`) and its parameters.
fn event_filter(q: &EventQuery) -> (String, Vec<Bind>) {
    let mut sql = String::from("id > ?");
    let mut params = vec![Bind::Int(q.after_id.unwrap_or(0))];
    if let Some(before) = q.before_id {
        sql.push_str(" AND id < ?");
        params.push(Bind::Int(before));
    }
    if q.errors_only {
        sql.push_str(" AND status >= 400");
    }
    if let Some(r) = &q.resource_id {
        sql.push_str(" AND resource_id = ?");
        params.push(Bind::Text(r.clone()));
    }
    // instr() on lower-cased text: a plain substring, no LIKE wildcards to escape.
    if let Some(u) = q.user.as_deref().filter(|u| !u.is_empty()) {
        sql.push_str(" AND instr(lower(user_name), ?) > 0");
        params.push(Bind::Text(u.to_lowercase()));
    }
    if let Some(c) = q.client.as_deref().filter(|c| !c.is_empty()) {
        sql.push_str(" AND instr(lower(client), ?) > 0");
        params.push(Bind::Text(c.to_lowercase()));
    }
    if let Some(status) = q.status {
        sql.push_str(" AND status = ?");
        params.push(Bind::Int(i64::from(status)));
    }
    if q.success_only {
        sql.push_str(" AND status < 400");
    }
    if let Some(t) = q.token_id {
        sql.push_str(" AND token_id = ?");
        params.push(Bind::Int(t));
    }
    if !q.methods.is_empty() {
        sql.push_str(" AND method IN (");
        for (i, m) in q.methods.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            params.push(Bind::Text(m.to_ascii_uppercase()));
        }
        sql.push(')');
    }
    if q.with_role {
        sql.push_str(" AND role IS NOT NULL");
    }
    if let Some(simulated) = q.simulated {
        sql.push_str(" AND simulated = ?");
        params.push(Bind::Int(i64::from(simulated)));
    }
    if q.deactivations_only {
        // JSON false reads back as 0 through json_extract.
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM json_each(events.diff) \
             WHERE json_extract(value, '$.path') = 'active' AND json_extract(value, '$.new') = 0)",
        );
    }
    if let Some(since) = &q.since {
        sql.push_str(" AND at >= ?");
        params.push(Bind::Text(since.clone()));
    }
    if let Some(until) = &q.until {
        sql.push_str(" AND at < ?");
        params.push(Bind::Text(until.clone()));
    }
    if q.hide_reads {
        sql.push_str(" AND method <> 'GET'");
    }
    if q.scim_only {
        sql.push_str(" AND method NOT IN (?, ?, ?)");
        params.push(Bind::Text(CONSOLE_METHOD.to_owned()));
        params.push(Bind::Text(LOGIN_METHOD.to_owned()));
        params.push(Bind::Text(GROUP_ROLE_METHOD.to_owned()));
    }
    (sql, params)
}

#[async_trait]
impl StoreRead for SqliteStore {
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>> {
        let id = id.to_owned();
        self.read(Cost::Point, move |conn| {
            query_one(
                conn,
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"),
                [id],
                user_from_read,
            )
        })
        .await
    }

    async fn find_user_by_user_name(&self, user_name: &str) -> Result<Option<UserRecord>> {
        let key = user_name.to_lowercase();
        self.read(Cost::Point, move |conn| {
            query_one(
                conn,
                &format!("SELECT {USER_COLUMNS} FROM users WHERE user_name_key = ?"),
                [key],
                user_from_read,
            )
        })
        .await
    }

    async fn list_users(&self, q: &ListQuery<'_>) -> Result<UserPage> {
        let (where_clause, binds, cost) = match q.filter {
            Some(f) => {
                let w = filter_sql::translate(q.schema, f)?;
                let cost = if filter_sql::is_point_lookup(q.schema, f) {
                    Cost::Point
                } else {
                    Cost::Scan
                };
                (format!("WHERE {}", w.sql), w.binds, cost)
            }
            None => (String::new(), Vec::new(), Cost::Scan),
        };
        let offset = q.start_index.saturating_sub(1);
        let count = q.count;
        if count == 0 {
            return self
                .read(cost, move |conn| {
                    Ok(UserPage {
                        total: count_matching(conn, &where_clause, &binds)?,
                        users: Vec::new(),
                    })
                })
                .await;
        }
        let sort = q.sort_by.and_then(|p| filter_sql::sort_expr(q.schema, p));
        let dir = if q.sort_order == SortOrder::Descending {
            "DESC"
        } else {
            "ASC"
        };
        let column = match (q.sort_by, q.sort_column) {
            (None, Some(UserColumn::LastModified)) => {
                // Never null: the index on (last_modified, seq) walks straight to the page.
                Some(format!("ORDER BY last_modified {dir}, seq {dir}"))
            }
            (None, Some(UserColumn::LastLogin)) => Some(format!(
                "ORDER BY last_login IS NULL, last_login {dir}, seq {dir}"
            )),
            _ => None,
        };
        let sql = match (&sort, q.filter.is_some()) {
            _ if column.is_some() => format!(
                "SELECT {USER_COLUMNS} FROM users {where_clause} {} LIMIT ? OFFSET ?",
                column.as_deref().unwrap_or_default()
            ),
            // The common import: walk the narrow index to the page, then read only its rows.
            (None, false) => format!(
                "SELECT {USER_COLUMNS} FROM users WHERE seq IN \
                 (SELECT seq FROM users INDEXED BY users_order ORDER BY seq LIMIT ? OFFSET ?) \
                 ORDER BY seq"
            ),
            (None, true) => {
                format!(
                    "SELECT {USER_COLUMNS} FROM users {where_clause} ORDER BY seq LIMIT ? OFFSET ?"
                )
            }
            (Some(expr), _) => {
                // Unassigned values sort last either way; `seq` keeps the order stable.
                format!(
                    "SELECT {USER_COLUMNS} FROM users {where_clause} \
                     ORDER BY ({expr}) IS NULL, ({expr}) {dir}, seq LIMIT ? OFFSET ?"
                )
            }
        };
        self.read(cost, move |conn| {
            let mut params = binds.clone();
            params.push(Bind::Int(i64::try_from(count).unwrap_or(i64::MAX)));
            params.push(Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
            let users = query_all(
                conn,
                &sql,
                rusqlite::params_from_iter(&params),
                user_from_read,
            )?;
            // A page that is not full, and not past the end, already tells the total: lookups
            // such as `userName eq` then cost one query instead of two.
            let short = (users.len() as u64) < count && (!users.is_empty() || offset == 0);
            let total = if short {
                offset + users.len() as u64
            } else {
                count_matching(conn, &where_clause, &binds)?
            };
            Ok(UserPage { total, users })
        })
        .await
    }

    async fn count_users(&self) -> Result<UserCounts> {
        self.read(Cost::Scan, |conn| {
            let (total, active, never) = conn
                .prepare_cached(
                    "SELECT COUNT(*), COALESCE(SUM(active), 0), \
                     COALESCE(SUM(last_login IS NULL), 0) FROM users",
                )?
                .query_row([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })?;
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            Ok(UserCounts {
                total: n(total),
                active: n(active),
                never_logged_in: n(never),
            })
        })
        .await
    }

    async fn never_logged_in(&self, limit: u64) -> Result<Vec<UserRecord>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(Cost::Scan, move |conn| {
            query_all(
                conn,
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE last_login IS NULL ORDER BY seq LIMIT ?"
                ),
                [limit],
                user_from_read,
            )
        })
        .await
    }

    async fn get_group(&self, id: &str) -> Result<Option<GroupRecord>> {
        let id = id.to_owned();
        self.read(Cost::Point, move |conn| {
            query_one(
                conn,
                &format!("SELECT {} FROM groups WHERE id = ?", groups::GROUP_COLUMNS),
                [id],
                groups::group_from_read,
            )
        })
        .await
    }

    async fn find_group_by_display_name(&self, name: &str) -> Result<Option<GroupRecord>> {
        let key = name.trim().to_lowercase();
        self.read(Cost::Point, move |conn| {
            query_one(
                conn,
                &format!(
                    "SELECT {} FROM groups WHERE display_name_key = ?",
                    groups::GROUP_COLUMNS
                ),
                [key],
                groups::group_from_read,
            )
        })
        .await
    }

    async fn list_groups(&self, offset: u64, limit: u64) -> Result<(Vec<GroupRecord>, u64)> {
        self.read(Cost::Scan, move |conn| {
            let rows = query_all(
                conn,
                &format!(
                    "SELECT {} FROM groups ORDER BY seq LIMIT ? OFFSET ?",
                    groups::GROUP_COLUMNS
                ),
                [
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX),
                ],
                groups::group_from_read,
            )?;
            let total: i64 = conn.query_row("SELECT COUNT(*) FROM groups", [], |r| r.get(0))?;
            Ok((rows, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }

    async fn search_groups(&self, q: &ListQuery<'_>) -> Result<GroupPage> {
        let (where_clause, binds) = match q.filter {
            Some(f) => {
                let w = filter_sql::translate(q.schema, f)?;
                (format!("WHERE {}", w.sql), w.binds)
            }
            None => (String::new(), Vec::new()),
        };
        let offset = q.start_index.saturating_sub(1);
        let count = q.count;
        let dir = if q.sort_order == SortOrder::Descending {
            "DESC"
        } else {
            "ASC"
        };
        let order = match q.sort_by.and_then(|p| filter_sql::sort_expr(q.schema, p)) {
            // Unassigned values sort last either way; `seq` keeps the order stable.
            Some(expr) => format!("ORDER BY ({expr}) IS NULL, ({expr}) {dir}, seq"),
            None => "ORDER BY seq".to_owned(),
        };
        let sql = format!(
            "SELECT {} FROM groups {where_clause} {order} LIMIT ? OFFSET ?",
            groups::GROUP_COLUMNS
        );
        let count_sql = format!("SELECT COUNT(*) FROM groups {where_clause}");
        self.read(Cost::Scan, move |conn| {
            let mut params = binds.clone();
            params.push(Bind::Int(i64::try_from(count).unwrap_or(i64::MAX)));
            params.push(Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
            let found = if count == 0 {
                Vec::new()
            } else {
                query_all(
                    conn,
                    &sql,
                    rusqlite::params_from_iter(&params),
                    groups::group_from_read,
                )?
            };
            let short = (found.len() as u64) < count && (!found.is_empty() || offset == 0);
            let total = if short {
                offset + found.len() as u64
            } else {
                let n: i64 = conn
                    .prepare_cached(&count_sql)?
                    .query_row(rusqlite::params_from_iter(&binds), |r| r.get(0))?;
                u64::try_from(n).unwrap_or(0)
            };
            Ok(GroupPage {
                total,
                groups: found,
            })
        })
        .await
    }

    async fn group_members(&self, id: &str, offset: u64, limit: u64) -> Result<Vec<GroupMember>> {
        let id = id.to_owned();
        self.read(Cost::Scan, move |conn| {
            let seq: i64 = query_one(conn, "SELECT seq FROM groups WHERE id = ?", [&id], |r| {
                Ok(r.get(0)?)
            })?
            .ok_or_else(|| StoreError::NotFound(format!("no group with id '{id}'")))?;
            query_all(
                conn,
                "SELECT u.id, COALESCE(json_extract(u.data, '$.displayName'), u.user_name) \
                 FROM group_members m INDEXED BY group_members_group \
                 JOIN users u ON u.seq = m.user_seq \
                 WHERE m.group_seq = ? ORDER BY m.m LIMIT ? OFFSET ?",
                [
                    seq,
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX),
                ],
                |r| {
                    Ok(GroupMember {
                        value: r.get(0)?,
                        display: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    async fn group_member_users(
        &self,
        id: &str,
        text: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<UserRecord>, u64)> {
        let id = id.to_owned();
        // Matched as the users list's text search does: userName or displayName contains it.
        let pattern = text.map(str::trim).filter(|t| !t.is_empty()).map(|t| {
            let folded = t
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{folded}%")
        });
        self.read(Cost::Scan, move |conn| {
            let seq: i64 = query_one(conn, "SELECT seq FROM groups WHERE id = ?", [&id], |r| {
                Ok(r.get(0)?)
            })?
            .ok_or_else(|| StoreError::NotFound(format!("no group with id '{id}'")))?;
            let cols = USER_COLUMNS
                .split(',')
                .map(|c| format!("u.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            let matching = "(?2 IS NULL OR u.user_name_key LIKE ?2 ESCAPE '\\' \
                 OR u.display_name_key LIKE ?2 ESCAPE '\\')";
            let users = query_all(
                conn,
                &format!(
                    "SELECT {cols} FROM group_members m INDEXED BY group_members_group \
                     JOIN users u ON u.seq = m.user_seq \
                     WHERE m.group_seq = ?1 AND {matching} ORDER BY m.m LIMIT ?3 OFFSET ?4"
                ),
                rusqlite::params![
                    seq,
                    pattern,
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    i64::try_from(offset).unwrap_or(i64::MAX)
                ],
                user_from_read,
            )?;
            let total: i64 = if pattern.is_none() {
                conn.query_row(
                    "SELECT member_count FROM groups WHERE seq = ?",
                    [seq],
                    |r| r.get(0),
                )?
            } else {
                conn.query_row(
                    &format!(
                        "SELECT COUNT(*) FROM group_members m JOIN users u ON u.seq = m.user_seq \
                         WHERE m.group_seq = ?1 AND {matching}"
                    ),
                    rusqlite::params![seq, pattern],
                    |r| r.get(0),
                )?
            };
            Ok((users, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }

    async fn groups_of_user(&self, user_id: &str) -> Result<Vec<UserGroup>> {
        let id = user_id.to_owned();
        self.read(Cost::Point, move |conn| {
            query_all(
                conn,
                "SELECT g.id, g.display_name FROM users u \
                 JOIN group_members m ON m.user_seq = u.seq \
                 JOIN groups g ON g.seq = m.group_seq \
                 WHERE u.id = ? ORDER BY m.m",
                [id],
                |r| {
                    Ok(UserGroup {
                        id: r.get(0)?,
                        display_name: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    async fn groups_of_users(
        &self,
        user_ids: &[String],
    ) -> Result<std::collections::HashMap<String, Vec<UserGroup>>> {
        let ids = user_ids.to_vec();
        self.read(Cost::Point, move |conn| {
            let mut out: std::collections::HashMap<String, Vec<UserGroup>> =
                std::collections::HashMap::new();
            for chunk in ids.chunks(400) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let rows = query_all(
                    conn,
                    &format!(
                        "SELECT u.id, g.id, g.display_name FROM users u \
                         JOIN group_members m ON m.user_seq = u.seq \
                         JOIN groups g ON g.seq = m.group_seq \
                         WHERE u.id IN ({marks}) ORDER BY m.m"
                    ),
                    rusqlite::params_from_iter(chunk),
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            UserGroup {
                                id: r.get(1)?,
                                display_name: r.get(2)?,
                            },
                        ))
                    },
                )?;
                for (user, group) in rows {
                    out.entry(user).or_default().push(group);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        self.read(Cost::Point, |conn| {
            query_all(
                conn,
                "SELECT * FROM tokens ORDER BY revoked IS NOT NULL, created, id",
                [],
                token_from_read,
            )
        })
        .await
    }

    async fn authenticate(&self, hash: &str) -> Result<(Option<TokenRecord>, i64)> {
        let hash = hash.to_owned();
        self.read(Cost::Point, move |conn| {
            let generation: i64 = conn
                .prepare_cached("SELECT generation FROM config_state")?
                .query_row([], |r| r.get(0))?;
            let token = query_one(
                conn,
                "SELECT * FROM tokens WHERE secret_hash = ?",
                [hash],
                token_from_read,
            )?;
            Ok((token, generation))
        })
        .await
    }

    async fn list_roles(&self) -> Result<Vec<RoleRecord>> {
        self.read(Cost::Point, |conn| {
            query_all(
                conn,
                "SELECT name, builtin FROM roles ORDER BY builtin DESC, created, name",
                [],
                |r| {
                    Ok(RoleRecord {
                        name: r.get(0)?,
                        builtin: r.get::<_, i64>(1)? != 0,
                    })
                },
            )
        })
        .await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        self.kv_get(KeyValues::Settings, key).await
    }

    async fn settings(&self) -> Result<Vec<(String, String)>> {
        self.read(Cost::Point, |conn| {
            query_all(
                conn,
                "SELECT key, value FROM settings ORDER BY key",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await
    }

    async fn console_state(&self, key: &str) -> Result<Option<String>> {
        self.kv_get(KeyValues::ConsoleState, key).await
    }

    async fn config_generation(&self) -> Result<i64> {
        self.read(Cost::Point, |conn| {
            Ok(conn
                .prepare_cached("SELECT generation FROM config_state")?
                .query_row([], |r| r.get(0))?)
        })
        .await
    }

    async fn list_events(&self, q: &EventQuery) -> Result<Vec<EventRecord>> {
        let (filter, mut params) = event_filter(q);
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE {filter}");
        params.push(Bind::Int(i64::from(q.limit)));
        let sql = if q.oldest_first {
            format!("{sql} ORDER BY id LIMIT ?")
        } else {
            format!("SELECT * FROM ({sql} ORDER BY id DESC LIMIT ?) ORDER BY id")
        };
        self.read(Cost::Scan, move |conn| {
            query_all(conn, &sql, rusqlite::params_from_iter(&params), |r| {
                event_row(r, false)
            })
        })
        .await
    }

    async fn get_event(&self, id: i64) -> Result<Option<EventRecord>> {
        self.read(Cost::Point, move |conn| {
            let mut rows = query_all(conn, "SELECT * FROM events WHERE id = ?", [id], |r| {
                event_row(r, true)
            })?;
            Ok(rows.pop())
        })
        .await
    }

    async fn count_events(&self, q: &EventQuery) -> Result<EventCount> {
        let (filter, params) = event_filter(q);
        let sql = format!("SELECT COUNT(*), COALESCE(SUM(count), 0) FROM events WHERE {filter}");
        self.read(Cost::Scan, move |conn| {
            let (entries, requests): (i64, i64) =
                conn.query_row(&sql, rusqlite::params_from_iter(&params), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok(EventCount {
                entries: u64::try_from(entries).unwrap_or(0),
                requests: u64::try_from(requests).unwrap_or(0),
            })
        })
        .await
    }

    async fn events_per_minute(&self, since: &str) -> Result<Vec<MinuteCount>> {
        let since = since.to_owned();
        self.read(Cost::Scan, move |conn| {
            query_all(
                conn,
                "SELECT substr(at, 1, 16) AS minute, SUM(count), SUM((status >= 400) * count) \
                 FROM events WHERE at >= ? GROUP BY minute ORDER BY minute",
                [since],
                |r| {
                    Ok(MinuteCount {
                        minute: r.get(0)?,
                        requests: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        errors: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    })
                },
            )
        })
        .await
    }

    async fn count_deprovisions(&self, since: &str) -> Result<u64> {
        let since = since.to_owned();
        self.read(Cost::Point, move |conn| {
            let n: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM deprovisions WHERE at >= ?")?
                .query_row([since], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn guard_state(&self) -> Result<GuardState> {
        self.read(Cost::Point, |conn| {
            Ok(conn
                .prepare_cached("SELECT tripped_at, reason, released_at FROM guard_state")?
                .query_row([], |r| {
                    Ok(GuardState {
                        tripped_at: r.get(0)?,
                        reason: r.get(1)?,
                        released_at: r.get(2)?,
                    })
                })?)
        })
        .await
    }

    async fn held_requests(&self, limit: u64) -> Result<(Vec<HeldRequest>, u64)> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(Cost::Scan, move |conn| {
            let held = query_all(
                conn,
                "SELECT * FROM guard_held WHERE released_at IS NULL ORDER BY first_at LIMIT ?",
                [limit],
                held_from_read,
            )?;
            let total: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM guard_held WHERE released_at IS NULL")?
                .query_row([], |r| r.get(0))?;
            Ok((held, u64::try_from(total).unwrap_or(0)))
        })
        .await
    }

    fn config_stamp(&self) -> u128 {
        std::fs::read_to_string(&self.stamp)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    fn change_marker(&self) -> u128 {
        // Every commit, by any process, writes the write-ahead log (and a checkpoint the file).
        let mark = |p: &Path| {
            std::fs::metadata(p).map_or(0, |m| {
                let nanos = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                nanos ^ (u128::from(m.len()) << 64)
            })
        };
        let mut wal = self.file.clone().into_os_string();
        wal.push("-wal");
        mark(Path::new(&wal)) ^ mark(&self.file).rotate_left(1)
    }

    fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.changes.subscribe()
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn reader(&self) -> &dyn StoreRead {
        self
    }

    async fn insert_user(&self, user: UserWrite, ctx: &ChangeContext) -> Result<UserRecord> {
        let d = derive(&user)?;
        let now = now();
        let created = user.created.clone().unwrap_or_else(|| now.clone());
        let mut tx = self.write.begin().await?;
        let seq = insert_row(&mut tx, &user, &d, &created, &now).await?;
        write_emails(&mut tx, seq, &d).await?;
        let rec = UserRecord {
            id: user.id.clone(),
            user_name: user.user_name().to_owned(),
            active: user.active(),
            role: user.role.clone(),
            source: user.source,
            last_login: user.last_login.clone(),
            created,
            last_modified: now,
            version: 1,
            password_hash: user.password_hash.clone(),
            data: user.data,
        };
        let changes = diff(&Map::new(), &rec.data);
        if let Some(e) = change_event(ctx, 201, &rec, &changes) {
            insert_events(&mut tx, &[e]).await?;
        }
        tx.commit().await?;
        self.publish(ChangeKind::Created, &rec, changes, ctx);
        Ok(rec)
    }

    async fn update_user(
        &self,
        old: &UserRecord,
        new: UserWrite,
        ctx: &ChangeContext,
    ) -> Result<UserRecord> {
        let d = derive(&new)?;
        let now = now();
        let mut tx = self.write.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET user_name = ?, user_name_key = ?, external_id = ?, display_name_key = ?, \
             active = ?, role = ?, source = ?, last_login = ?, last_modified = ?, version = version + 1, \
             password_hash = ?, data = ? WHERE id = ? AND version = ? RETURNING seq",
        )
        .bind(new.user_name())
        .bind(&d.user_name_key)
        .bind(&d.external_id)
        .bind(&d.display_name_key)
        .bind(new.active())
        .bind(&new.role)
        .bind(new.source.as_str())
        .bind(&new.last_login)
        .bind(&now)
        .bind(&new.password_hash)
        .bind(&d.data)
        .bind(&old.id)
        .bind(old.version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| conflict(e, user_name_taken(new.user_name())))?;
        let Some(seq) = seq else {
            return Err(StoreError::VersionMismatch);
        };
        write_emails(&mut tx, seq, &d).await?;
        let rec = UserRecord {
            id: old.id.clone(),
            user_name: new.user_name().to_owned(),
            active: new.active(),
            role: new.role.clone(),
            source: new.source,
            last_login: new.last_login.clone(),
            created: old.created.clone(),
            last_modified: now,
            version: old.version + 1,
            password_hash: new.password_hash.clone(),
            data: new.data,
        };
        let changes = diff(&old.data, &rec.data);
        if let Some(e) = change_event(ctx, 200, &rec, &changes) {
            insert_events(&mut tx, &[e]).await?;
            if old.active && !rec.active && ctx.from_scim() {
                record_deprovision(&mut tx, &rec.id).await?;
            }
        }
        tx.commit().await?;
        self.publish(ChangeKind::Updated, &rec, changes, ctx);
        Ok(rec)
    }

    async fn delete_user(&self, old: &UserRecord, ctx: &ChangeContext) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("DELETE FROM users WHERE id = ? AND version = ?")
            .bind(&old.id)
            .bind(old.version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::VersionMismatch);
        }
        let mut rec = old.clone();
        rec.last_modified = now();
        let changes = diff(&old.data, &Map::new());
        if let Some(e) = change_event(ctx, 204, &rec, &changes) {
            insert_events(&mut tx, &[e]).await?;
            if ctx.from_scim() {
                record_deprovision(&mut tx, &rec.id).await?;
            }
        }
        tx.commit().await?;
        self.publish(ChangeKind::Deleted, &rec, changes, ctx);
        Ok(())
    }

    async fn rename_user_attribute(&self, old: &str, new: &str) -> Result<u64> {
        let (old_path, new_path) = (format!("$.\"{old}\""), format!("$.\"{new}\""));
        let done = sqlx::query(
            "UPDATE users SET data = json_set(json_remove(data, ?1), ?2, json_extract(data, ?1)), \
             version = version + 1, last_modified = ?3 WHERE json_type(data, ?1) IS NOT NULL",
        )
        .bind(&old_path)
        .bind(&new_path)
        .bind(now())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected())
    }

    async fn bulk_insert_users(&self, users: Vec<UserWrite>) -> Result<u64> {
        let now = now();
        let mut tx = self.write.begin().await?;
        let mut n = 0;
        for user in &users {
            let d = derive(user)?;
            let created = user.created.clone().unwrap_or_else(|| now.clone());
            let seq = insert_row(&mut tx, user, &d, &created, &created).await?;
            write_emails(&mut tx, seq, &d).await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn insert_group(
        &self,
        group: GroupWrite,
        members: &[String],
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, MembersChanged)> {
        let (name, external, data) = groups::derive(&group)?;
        let now = now();
        let mut tx = self.write.begin().await?;
        let users = groups::resolve_users(&mut tx, members, true).await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO groups (id, display_name, display_name_key, external_id, created, \
             last_modified, version, data) VALUES (?, ?, ?, ?, ?, ?, 1, ?) RETURNING seq",
        )
        .bind(&group.id)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&external)
        .bind(&now)
        .bind(&now)
        .bind(&data)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict(e, groups::name_taken(&name)))?;
        let added = groups::add_members(&mut tx, seq, &users).await?;
        let mut data = group.data;
        data.remove("members");
        let rec = GroupRecord {
            id: group.id,
            display_name: name,
            data,
            member_count: added.len() as u64,
            created: now.clone(),
            last_modified: now,
            version: 1,
        };
        let changed = MembersChanged {
            added,
            removed: Vec::new(),
        };
        let d = groups::group_diff(&Map::new(), &rec.data, &changed);
        if let Some(e) = group_event(ctx, 201, &rec, &d) {
            insert_events(&mut tx, &[e]).await?;
        }
        tx.commit().await?;
        self.publish_group(ChangeKind::Created, &rec, d, ctx);
        Ok((rec, changed))
    }

    async fn update_group(
        &self,
        old: &GroupRecord,
        new: GroupWrite,
        members: &MemberChange,
        ctx: &ChangeContext,
    ) -> Result<(GroupRecord, MembersChanged)> {
        let (name, external, data) = groups::derive(&new)?;
        let now = now();
        let mut tx = self.write.begin().await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE groups SET display_name = ?, display_name_key = ?, external_id = ?, \
             last_modified = ?, version = version + 1, data = ? \
             WHERE id = ? AND version = ? RETURNING seq",
        )
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&external)
        .bind(&now)
        .bind(&data)
        .bind(&old.id)
        .bind(old.version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| conflict(e, groups::name_taken(&name)))?;
        let seq = seq.ok_or(StoreError::VersionMismatch)?;
        let changed = groups::apply_members(&mut tx, seq, members).await?;
        let count: i64 = sqlx::query_scalar("SELECT member_count FROM groups WHERE seq = ?")
            .bind(seq)
            .fetch_one(&mut *tx)
            .await?;
        let mut data = new.data;
        data.remove("members");
        let rec = GroupRecord {
            id: old.id.clone(),
            display_name: name,
            data,
            member_count: u64::try_from(count).unwrap_or(0),
            created: old.created.clone(),
            last_modified: now,
            version: old.version + 1,
        };
        let d = groups::group_diff(&old.data, &rec.data, &changed);
        // A PATCH answers 204, a PUT 200: the handler says which in the request's entry.
        let status = ctx
            .request
            .as_ref()
            .map(|r| r.event.status)
            .filter(|s| *s != 0)
            .unwrap_or(200);
        if let Some(e) = group_event(ctx, status, &rec, &d) {
            insert_events(&mut tx, &[e]).await?;
        }
        tx.commit().await?;
        self.publish_group(ChangeKind::Updated, &rec, d, ctx);
        Ok((rec, changed))
    }

    async fn delete_group(&self, old: &GroupRecord, ctx: &ChangeContext) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let gone = sqlx::query("DELETE FROM groups WHERE id = ? AND version = ?")
            .bind(&old.id)
            .bind(old.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Err(StoreError::VersionMismatch);
        }
        if let Some(e) = group_event(ctx, 204, old, &[]) {
            insert_events(&mut tx, &[e]).await?;
        }
        tx.commit().await?;
        self.publish_group(ChangeKind::Deleted, old, Vec::new(), ctx);
        Ok(())
    }

    async fn insert_token(&self, t: NewToken) -> Result<TokenRecord> {
        let row = sqlx::query(
            "INSERT INTO tokens (name, permission, secret_hash, prefix, created, expires) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(&t.name)
        .bind(t.permission.as_str())
        .bind(&t.secret_hash)
        .bind(&t.prefix)
        .bind(now())
        .bind(&t.expires)
        .fetch_one(&self.write)
        .await
        .map_err(|e| conflict(e, |_| format!("a token named '{}' already exists", t.name)))?;
        self.bump_stamp()?;
        token_from_row(&row)
    }

    async fn revoke_token(&self, name: &str) -> Result<TokenRecord> {
        let row = sqlx::query(
            "UPDATE tokens SET revoked = ? WHERE name = ? COLLATE NOCASE AND revoked IS NULL RETURNING *",
        )
        .bind(now())
        .bind(name)
        .fetch_optional(&self.write)
        .await?;
        match row {
            Some(r) => {
                self.bump_stamp()?;
                token_from_row(&r)
            }
            None => Err(StoreError::NotFound(format!(
                "no active token is named '{name}'"
            ))),
        }
    }

    async fn replace_simulator_token(&self, t: NewToken) -> Result<TokenRecord> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE tokens SET revoked = ? WHERE simulator = 1 AND revoked IS NULL")
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO tokens (name, permission, secret_hash, prefix, created, expires, simulator) \
             VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING *",
        )
        .bind(&t.name)
        .bind(t.permission.as_str())
        .bind(&t.secret_hash)
        .bind(&t.prefix)
        .bind(now())
        .bind(&t.expires)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            conflict(e, |_| {
                format!(
                    "the simulator needs the name '{}', and another token has it; revoke that \
                     token",
                    t.name
                )
            })
        })?;
        tx.commit().await?;
        self.bump_stamp()?;
        token_from_row(&row)
    }

    async fn add_role(&self, name: &str) -> Result<RoleRecord> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_control() || c == ',') {
            return Err(StoreError::Invalid(
                "a role name must be non-empty text without commas".to_owned(),
            ));
        }
        sqlx::query("INSERT INTO roles (name, builtin, created) VALUES (?, 0, ?)")
            .bind(name)
            .bind(now())
            .execute(&self.write)
            .await
            .map_err(|e| conflict(e, |_| format!("the role '{name}' already exists")))?;
        self.bump_stamp()?;
        Ok(RoleRecord {
            name: name.to_owned(),
            builtin: false,
        })
    }

    async fn remove_role(&self, name: &str) -> Result<()> {
        let row = sqlx::query("SELECT name, builtin FROM roles WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.write)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("no role is named '{name}'")));
        };
        if row.try_get::<i64, _>("builtin")? != 0 {
            return Err(StoreError::Invalid(format!(
                "'{name}' is a built-in role and cannot be removed"
            )));
        }
        let canonical: String = row.try_get("name")?;
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = ?")
            .bind(&canonical)
            .fetch_one(&self.write)
            .await?;
        if users > 0 {
            return Err(StoreError::Invalid(format!(
                "{users} user(s) still have the role '{canonical}'; give them another role first"
            )));
        }
        sqlx::query("DELETE FROM roles WHERE name = ?")
            .bind(&canonical)
            .execute(&self.write)
            .await?;
        self.bump_stamp()
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.kv_set(KeyValues::Settings, key, value).await?;
        self.bump_stamp()
    }

    async fn set_console_state(&self, key: &str, value: &str) -> Result<()> {
        self.kv_set(KeyValues::ConsoleState, key, value).await
    }

    async fn append_events(&self, events: &[NewEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin().await?;
        insert_events(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn prune_events(&self, r: &Retention) -> Result<u64> {
        let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut gone = 0;
        // Folded entries first, within their own budget, so a flood of them cannot push the
        // others out.
        gone += sqlx::query(
            "DELETE FROM events WHERE aggregated = 1 AND id < (SELECT id FROM events \
             WHERE aggregated = 1 ORDER BY id DESC LIMIT 1 OFFSET ?)",
        )
        .bind(as_i64(r.aggregated_rows.saturating_sub(1)))
        .execute(&self.write)
        .await?
        .rows_affected();
        // By position, not by id arithmetic: pruning folded entries leaves gaps in the ids.
        gone += sqlx::query(
            "DELETE FROM events WHERE id < (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
        )
        .bind(as_i64(r.rows.saturating_sub(1)))
            .execute(&self.write)
            .await?
            .rows_affected();
        // Then by size: the newest entries that fit in the byte budget stay.
        let cutoff: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM (SELECT id, SUM(size) OVER (ORDER BY id DESC) AS total \
             FROM events INDEXED BY events_size) WHERE total > ? LIMIT 1",
        )
        .bind(as_i64(r.bytes))
        .fetch_optional(&self.write)
        .await?;
        if let Some(id) = cutoff {
            gone += sqlx::query("DELETE FROM events WHERE id <= ?")
                .bind(id)
                .execute(&self.write)
                .await?
                .rows_affected();
        }
        Ok(gone)
    }

    async fn trip_guard(&self, reason: &str) -> Result<()> {
        sqlx::query("UPDATE guard_state SET tripped_at = ?, reason = ? WHERE tripped_at IS NULL")
            .bind(now())
            .bind(reason)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn hold_request(&self, h: &HeldRequest) -> Result<()> {
        sqlx::query(
            "INSERT INTO guard_held (resource_id, user_name, kind, client, token_name, address, \
             first_at, last_at, attempts, simulated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) \
             ON CONFLICT (resource_id) DO UPDATE SET kind = excluded.kind, \
             client = excluded.client, token_name = excluded.token_name, \
             address = excluded.address, last_at = excluded.last_at, \
             attempts = attempts + 1, released_at = NULL, simulated = excluded.simulated",
        )
        .bind(&h.resource_id)
        .bind(&h.user_name)
        .bind(&h.kind)
        .bind(&h.client)
        .bind(&h.token_name)
        .bind(&h.address)
        .bind(&h.first_at)
        .bind(&h.last_at)
        .bind(h.simulated)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn release_guard(&self) -> Result<u64> {
        let at = now();
        let mut tx = self.write.begin().await?;
        let released =
            sqlx::query("UPDATE guard_held SET released_at = ? WHERE released_at IS NULL")
                .bind(&at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("UPDATE guard_state SET tripped_at = NULL, reason = NULL, released_at = ?")
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(released)
    }

    async fn take_released(&self, resource_id: &str) -> Result<bool> {
        // Nearly always nothing is released: a read answers that without a write.
        let id = resource_id.to_owned();
        let waiting = self
            .read(Cost::Point, move |conn| {
                Ok(conn
                    .prepare_cached(
                        "SELECT 1 FROM guard_held WHERE resource_id = ? AND released_at IS NOT NULL",
                    )?
                    .exists([id])?)
            })
            .await?;
        if !waiting {
            return Ok(false);
        }
        let done =
            sqlx::query("DELETE FROM guard_held WHERE resource_id = ? AND released_at IS NOT NULL")
                .bind(resource_id)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
