//! The commands the window may call: each unwraps the running console and forwards to it.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime, State};

use scim_console_core::connections::{Connections, ConnectionsView, NewConnection};
use scim_console_core::foreign::ForeignView;

use crate::console::{
    AppInfo, CmdResult, CommandError, Console, ErrorCode, EventsPage, EventsQuery, GuardView,
    NewTokenView, RolesView, SettingsView, TokenView, UserDetail, UserRow, UsersPage, UsersQuery,
};
use crate::health::HealthView;
use crate::logging::Logging;
use crate::onboarding::{OnboardingChange, OnboardingView};
use crate::simulator::{SimAction, Simulation};
use scim_console_core::export::{ExportFormat, Exported};
use scim_store::{EventRecord, MinuteCount};

/// The console and its connections, or why it could not start (shown by the window instead of
/// a blank screen).
pub enum Started {
    Running(Arc<Connections>),
    Failed(String),
}

fn connections<'a>(s: &'a State<'_, Started>) -> CmdResult<&'a Arc<Connections>> {
    match s.inner() {
        Started::Running(c) => Ok(c),
        Started::Failed(m) => Err(CommandError::new(
            ErrorCode::NotStarted,
            format!("The embedded SCIM server is not running: {m}"),
        )),
    }
}

/// The console of the server shown.
fn console(s: &State<'_, Started>) -> CmdResult<Arc<Console>> {
    connections(s)?.console()
}

#[tauri::command]
pub fn app_info<R: Runtime>(app: AppHandle<R>, s: State<'_, Started>) -> CmdResult<AppInfo> {
    // A foreign server has no console of its own: the app's own server answers.
    let conns = connections(&s)?;
    let c = conns.console().unwrap_or_else(|_| conns.embedded.clone());
    let logging = app.try_state::<Logging>();
    let logging = logging.as_deref();
    Ok(c.app_info(env!("CARGO_PKG_VERSION"), logging))
}

#[tauri::command]
pub async fn list_users(s: State<'_, Started>, query: UsersQuery) -> CmdResult<UsersPage> {
    console(&s)?.list_users(query).await
}

#[tauri::command]
pub async fn user_detail(s: State<'_, Started>, id: String) -> CmdResult<UserDetail> {
    console(&s)?.user_detail(&id).await
}

#[tauri::command]
pub async fn list_groups(
    s: State<'_, Started>,
    query: scim_console_core::groups::GroupsQuery,
) -> CmdResult<scim_console_core::groups::GroupsPage> {
    console(&s)?.list_groups(query).await
}

#[tauri::command]
pub async fn group_detail(
    s: State<'_, Started>,
    id: String,
    query: scim_console_core::groups::MembersQuery,
) -> CmdResult<scim_console_core::groups::GroupDetail> {
    console(&s)?.group_detail(&id, query).await
}

#[tauri::command]
pub async fn update_user(
    s: State<'_, Started>,
    id: String,
    active: Option<bool>,
    role: Option<String>,
) -> CmdResult<UserRow> {
    console(&s)?.update_user(&id, active, role).await
}

#[tauri::command]
pub async fn list_events(s: State<'_, Started>, query: EventsQuery) -> CmdResult<Vec<EventRecord>> {
    console(&s)?.list_events(query).await
}

#[tauri::command]
pub async fn events_page(s: State<'_, Started>, query: EventsQuery) -> CmdResult<EventsPage> {
    console(&s)?.events_page(query).await
}

#[tauri::command]
pub async fn event_detail(
    s: State<'_, Started>,
    id: i64,
) -> CmdResult<scim_console_core::summary::ActivityEntry> {
    console(&s)?.event_detail(id).await
}

/// Where exports go: the user's Downloads folder (the home folder when there is none).
fn export_dir<R: Runtime>(app: &AppHandle<R>) -> CmdResult<std::path::PathBuf> {
    app.path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|e| {
            CommandError::new(
                ErrorCode::Internal,
                format!("There is no Downloads or home folder to save to: {e}"),
            )
        })
}

#[tauri::command]
pub async fn export_users<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, Started>,
    query: UsersQuery,
    format: ExportFormat,
) -> CmdResult<Exported> {
    let dir = export_dir(&app)?;
    console(&s)?.export_users(query, format, &dir).await
}

#[tauri::command]
pub async fn run_check(
    s: State<'_, Started>,
    profile: scim_client::check::Profile,
    allow_writes: bool,
) -> CmdResult<scim_client::check::Report> {
    connections(&s)?.run_check(profile, allow_writes).await
}

#[tauri::command]
pub async fn support_bundle<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, Started>,
) -> CmdResult<scim_console_core::support::Bundle> {
    let dir = export_dir(&app)?;
    console(&s)?.support_bundle(&dir).await
}

#[tauri::command]
pub async fn export_events<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, Started>,
    query: EventsQuery,
    format: ExportFormat,
) -> CmdResult<Exported> {
    let dir = export_dir(&app)?;
    console(&s)?.export_events(query, format, &dir).await
}

#[tauri::command]
pub async fn health(s: State<'_, Started>) -> CmdResult<HealthView> {
    console(&s)?.health().await
}

#[tauri::command]
pub async fn events_per_minute(s: State<'_, Started>, minutes: u32) -> CmdResult<Vec<MinuteCount>> {
    console(&s)?.events_per_minute(minutes).await
}

#[tauri::command]
pub async fn list_tokens(s: State<'_, Started>) -> CmdResult<Vec<TokenView>> {
    console(&s)?.list_tokens().await
}

#[tauri::command]
pub async fn create_token(
    s: State<'_, Started>,
    name: String,
    permission: String,
    expires_in_days: Option<u32>,
) -> CmdResult<NewTokenView> {
    console(&s)?
        .create_token(&name, &permission, expires_in_days)
        .await
}

#[tauri::command]
pub async fn revoke_token(s: State<'_, Started>, name: String) -> CmdResult<TokenView> {
    console(&s)?.revoke_token(&name).await
}

#[tauri::command]
pub async fn roles(s: State<'_, Started>) -> CmdResult<RolesView> {
    console(&s)?.roles().await
}

#[tauri::command]
pub async fn add_role(s: State<'_, Started>, name: String) -> CmdResult<RolesView> {
    console(&s)?.add_role(&name).await
}

#[tauri::command]
pub async fn remove_role(s: State<'_, Started>, name: String) -> CmdResult<RolesView> {
    console(&s)?.remove_role(&name).await
}

#[tauri::command]
pub async fn settings(s: State<'_, Started>) -> CmdResult<SettingsView> {
    console(&s)?.settings().await
}

#[tauri::command]
pub async fn set_setting(
    s: State<'_, Started>,
    key: String,
    value: String,
) -> CmdResult<SettingsView> {
    console(&s)?.set_setting(&key, &value).await
}

#[tauri::command]
pub async fn guard_status(s: State<'_, Started>) -> CmdResult<GuardView> {
    console(&s)?.guard_status().await
}

#[tauri::command]
pub async fn guard_release(s: State<'_, Started>) -> CmdResult<u64> {
    console(&s)?.guard_release().await
}

#[tauri::command]
pub async fn onboarding(s: State<'_, Started>) -> CmdResult<OnboardingView> {
    console(&s)?.onboarding().await
}

#[tauri::command]
pub async fn onboarding_update(
    s: State<'_, Started>,
    change: OnboardingChange,
) -> CmdResult<OnboardingView> {
    console(&s)?.onboarding_update(change).await
}

#[tauri::command]
pub async fn entra_guide(
    s: State<'_, Started>,
) -> CmdResult<scim_console_core::entra_guide::EntraGuideView> {
    console(&s)?.entra_guide().await
}

#[tauri::command]
pub async fn entra_guide_update(
    s: State<'_, Started>,
    change: OnboardingChange,
) -> CmdResult<scim_console_core::entra_guide::EntraGuideView> {
    console(&s)?.entra_guide_update(change).await
}

#[tauri::command]
pub async fn entra_guide_create_token(
    s: State<'_, Started>,
    name: String,
    expires_in_days: Option<u32>,
) -> CmdResult<NewTokenView> {
    console(&s)?
        .entra_guide_create_token(&name, expires_in_days)
        .await
}

#[tauri::command]
pub async fn onboarding_create_token(
    s: State<'_, Started>,
    name: String,
    expires_in_days: Option<u32>,
) -> CmdResult<NewTokenView> {
    console(&s)?
        .onboarding_create_token(&name, expires_in_days)
        .await
}

#[tauri::command]
pub async fn simulate(s: State<'_, Started>, action: SimAction) -> CmdResult<Simulation> {
    console(&s)?.simulate(action).await
}

#[tauri::command]
pub async fn connections_view(s: State<'_, Started>) -> CmdResult<ConnectionsView> {
    connections(&s)?.view().await
}

#[tauri::command]
pub async fn connection_add(
    s: State<'_, Started>,
    connection: NewConnection,
) -> CmdResult<ConnectionsView> {
    connections(&s)?.add(connection).await
}

/// Shows a saved connection (`name` null: the app's own server); `token` only when asked for.
#[tauri::command]
pub async fn connection_switch(
    s: State<'_, Started>,
    name: Option<String>,
    token: Option<String>,
) -> CmdResult<ConnectionsView> {
    connections(&s)?
        .switch(name.as_deref(), token.as_deref())
        .await
}

#[tauri::command]
pub async fn connection_remove(s: State<'_, Started>, name: String) -> CmdResult<ConnectionsView> {
    connections(&s)?.remove(&name).await
}

#[tauri::command]
pub async fn foreign_view(s: State<'_, Started>, text: Option<String>) -> CmdResult<ForeignView> {
    Ok(connections(&s)?.foreign()?.view(text.as_deref()).await)
}

#[tauri::command]
pub async fn foreign_refresh(s: State<'_, Started>) -> CmdResult<()> {
    connections(&s)?.foreign()?.refresh_now();
    Ok(())
}
