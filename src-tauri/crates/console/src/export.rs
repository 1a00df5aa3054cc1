//! Export of what a view shows, as filtered: the users (Users) and the log entries (Activity),
//! as CSV for a spreadsheet or JSON for a ticket. Files are written whole or not at all (a
//! temporary file renamed into place), and never hold a secret: entries carry no bodies.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::console::{
    CmdResult, CommandError, Console, ErrorCode, EventsQuery, UserRow, UsersQuery, MAX_ROWS,
};
use crate::summary::ActivityEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Exported {
    pub path: String,
    /// Rows (users or entries) in it.
    pub rows: u64,
}

/// The most entries one export holds (the log keeps at most 200,000 by default).
pub const MAX_EXPORT_EVENTS: u64 = 250_000;
/// The most users one export holds.
pub const MAX_EXPORT_USERS: u64 = 2_000_000;

fn io(e: impl std::fmt::Display, path: &Path) -> CommandError {
    CommandError::new(
        ErrorCode::Internal,
        format!("Could not write {}: {e}", path.display()),
    )
}

/// Writes `fill`'s output to `dir/name` through a temporary file in the same folder.
fn write_file(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> Result<(), String>,
) -> CmdResult<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let path = dir.join(name);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(e, dir))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).map_err(|e| io(e, &path))?;
        w.flush().map_err(|e| io(e, &path))?;
    }
    tmp.persist(&path).map_err(|e| io(e.error, &path))?;
    Ok(path)
}

/// Writes `text` to `dir/name` (through a temporary file: never half-written).
pub(crate) fn write_text(dir: &Path, name: &str, text: &str) -> CmdResult<PathBuf> {
    write_file(dir, name, |w| {
        w.write_all(text.as_bytes()).map_err(|e| e.to_string())
    })
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
}

#[derive(Serialize)]
struct UserLine<'a> {
    user_name: &'a str,
    name: &'a str,
    email: &'a str,
    role: &'a str,
    role_from_idp: bool,
    active: bool,
    source: &'a str,
    last_login: &'a str,
    last_modified: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
struct EventLine<'a> {
    id: i64,
    at: &'a str,
    summary: &'a str,
    method: &'a str,
    path: &'a str,
    status: u16,
    user_name: &'a str,
    client: &'a str,
    token_name: &'a str,
    address: &'a str,
    role: &'a str,
    error: &'a str,
    count: u64,
    simulated: bool,
    latency_ms: f64,
}

fn csv_err(e: csv::Error) -> String {
    e.to_string()
}

impl Console {
    /// Every user the query matches (its offset and limit aside), in its order, to `dir`.
    pub async fn export_users(
        &self,
        q: UsersQuery,
        format: ExportFormat,
        dir: &Path,
    ) -> CmdResult<Exported> {
        let mut rows: Vec<UserRow> = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .list_users(UsersQuery {
                    offset,
                    limit: MAX_ROWS,
                    ..q.clone()
                })
                .await?;
            let n = page.rows.len() as u64;
            rows.extend(page.rows);
            offset += n;
            if n < MAX_ROWS || offset >= page.total || offset >= MAX_EXPORT_USERS {
                break;
            }
        }
        save(dir, "users", format, rows, |c, r| {
            c.serialize(UserLine {
                user_name: &r.user_name,
                name: &r.name,
                email: r.email.as_deref().unwrap_or(""),
                role: &r.role,
                role_from_idp: r.role_from_idp,
                active: r.active,
                source: r.source.as_str(),
                last_login: r.last_login.as_deref().unwrap_or(""),
                last_modified: &r.last_modified,
                id: &r.id,
            })
        })
        .await
    }

    /// Every entry the query's filters match (without bodies), oldest first, to `dir`.
    pub async fn export_events(
        &self,
        q: EventsQuery,
        format: ExportFormat,
        dir: &Path,
    ) -> CmdResult<Exported> {
        // Newest pages first (by id, without counting: the file is the count); put in order
        // once at the end.
        let rt = self.core.runtime().await?;
        let mut query = Console::event_query(&q);
        query.limit = 5000;
        let mut pages: Vec<Vec<ActivityEntry>> = Vec::new();
        let mut total = 0u64;
        loop {
            let page = self.core.read().list_events(&query).await?;
            let Some(first) = page.first() else {
                break;
            };
            query.before_id = Some(first.id);
            total += page.len() as u64;
            let full = page.len() == query.limit as usize;
            pages.push(
                page.into_iter()
                    .map(|e| crate::summary::entry(e, &rt.role_attr))
                    .collect(),
            );
            if !full || total >= MAX_EXPORT_EVENTS {
                break;
            }
        }
        let rows: Vec<ActivityEntry> = pages.into_iter().rev().flatten().collect();
        save(dir, "activity", format, rows, |c, r| {
            let e = &r.record.event;
            let o = |s: &Option<String>| s.clone().unwrap_or_default();
            c.serialize(EventLine {
                id: r.record.id,
                at: &e.at,
                summary: &r.summary,
                method: &e.method,
                path: &r.decoded_path,
                status: e.status,
                user_name: &o(&e.user_name),
                client: &o(&e.client),
                token_name: &o(&e.token_name),
                address: &o(&e.address),
                role: &o(&e.role),
                error: &o(&e.error),
                count: e.count,
                simulated: e.simulated,
                latency_ms: e.latency_us as f64 / 1000.0,
            })
        })
        .await
    }
}

/// Writes `rows` as `scim-KIND-TIME.csv|json` in `dir`, off the async workers: JSON as they
/// serialise, CSV a line each as `line` writes it.
async fn save<T: Serialize + Send + 'static>(
    dir: &Path,
    kind: &str,
    format: ExportFormat,
    rows: Vec<T>,
    line: fn(&mut csv::Writer<&mut dyn Write>, &T) -> Result<(), csv::Error>,
) -> CmdResult<Exported> {
    let name = format!("scim-{kind}-{}.{}", stamp(), ext(format));
    let count = rows.len() as u64;
    let dir = dir.to_owned();
    let path = tokio::task::spawn_blocking(move || {
        write_file(&dir, &name, |w| match format {
            ExportFormat::Json => serde_json::to_writer_pretty(w, &rows).map_err(|e| e.to_string()),
            ExportFormat::Csv => {
                let mut c = csv::Writer::from_writer(w);
                for r in &rows {
                    line(&mut c, r).map_err(csv_err)?;
                }
                c.flush().map_err(|e| e.to_string())
            }
        })
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))??;
    Ok(Exported {
        path: path.to_string_lossy().into_owned(),
        rows: count,
    })
}

fn ext(f: ExportFormat) -> &'static str {
    match f {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    }
}
