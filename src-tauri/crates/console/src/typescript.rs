//! The TypeScript declarations of every type the window receives from or sends to the console,
//! generated from the Rust types themselves (`ts-rs`): `ui/src/types.ts` is this output, and a
//! test fails when the committed file differs from it, so the window cannot drift from the
//! backend unnoticed.
//!
//! To regenerate after changing one of these types:
//! `UPDATE_TYPES=1 cargo test -p scim-console-core --test typescript`.

use ts_rs::{Config, TS};

/// Appends `T`'s declaration (with its doc comment) to `out`.
fn declare<T: TS + ?Sized>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&layout(&T::decl(cfg)));
    out.push_str("\n\n");
}

/// Lays out a declaration one field to a line: ts-rs writes an object type on one line, with
/// its fields' doc comments inside it.
fn layout(decl: &str) -> String {
    let mut out = String::with_capacity(decl.len() + 64);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut rest = decl;
    // Ends the line and indents the next one, unless that was just done.
    let newline = |out: &mut String, depth: usize| {
        let indent = "  ".repeat(depth);
        while out.ends_with(' ') {
            out.pop();
        }
        if !(out.ends_with('\n') && indent.is_empty()) {
            out.push('\n');
        }
        out.push_str(&indent);
    };
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '"' => {
                in_string = !in_string;
                out.push(c);
            }
            _ if in_string => out.push(c),
            // A doc comment: its lines as they are, indented like the field they describe.
            '/' if depth > 0 && rest.starts_with("**") => {
                let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
                let comment = format!("/{}", &rest[..end]);
                rest = &rest[end..];
                for (i, line) in comment.lines().enumerate() {
                    if i > 0 {
                        newline(&mut out, depth);
                        out.push(' ');
                    }
                    out.push_str(line.trim());
                }
                newline(&mut out, depth);
            }
            '{' => {
                depth += 1;
                out.push('{');
                newline(&mut out, depth);
                rest = rest.trim_start_matches(' ');
            }
            '}' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push('}');
            }
            ',' if depth > 0 => {
                out.push(',');
                rest = rest.trim_start_matches(' ');
                // `{ a: A, }`: the last field's comma is followed by the closing brace.
                if !rest.starts_with('}') {
                    newline(&mut out, depth);
                }
            }
            '\n' if depth > 0 => {
                rest = rest.trim_start_matches(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The header the generated file starts with.
pub const HEADER: &str = "// Generated from the Rust types by ts-rs: do not edit by hand.\n\
// Regenerate with `UPDATE_TYPES=1 cargo test -p scim-console-core --test typescript`\n\
// (src-tauri/crates/console/src/typescript.rs lists the types).\n\n";

/// The whole of `ui/src/types.ts`.
pub fn declarations() -> String {
    // 64-bit integers are ids and counts far below 2^53: plain numbers in JavaScript.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(HEADER);
    macro_rules! declare_all {
        ($($t:ty),* $(,)?) => { $( declare::<$t>(&cfg, &mut out); )* };
    }
    use crate::console::*;
    use crate::onboarding::*;
    use crate::simulator::*;
    use scim_store::*;
    declare_all!(
        // Errors and the app.
        ErrorCode,
        CommandError,
        AppInfo,
        // Users.
        UserSource,
        UserRow,
        UserSort,
        UsersQuery,
        UsersPage,
        UserDetail,
        UserCounts,
        // Groups.
        crate::groups::GroupRow,
        crate::groups::GroupsQuery,
        crate::groups::GroupsPage,
        crate::groups::MembersQuery,
        crate::groups::GroupDetail,
        crate::groups::UserGroupRow,
        crate::groups::RoleSource,
        scim_client::entra::Dialect,
        crate::entra_guide::Mapping,
        crate::entra_guide::NamingExample,
        crate::entra_guide::GroupNaming,
        crate::entra_guide::EntraGuideView,
        // Checks and the support bundle.
        scim_client::check::Profile,
        scim_client::check::Verdict,
        scim_client::check::Step,
        scim_client::check::Report,
        crate::support::Bundle,
        // Connections: a remote SCIM Console server, a foreign SCIM server.
        scim_console_cli::profiles::Kind,
        scim_console_cli::profiles::SecretPlace,
        scim_console_cli::profiles::Profile,
        crate::connections::ShownKind,
        crate::connections::ProfileView,
        crate::connections::ConnectionsView,
        crate::connections::Keep,
        crate::connections::NewConnection,
        crate::remote::LinkState,
        scim_client::import::Progress,
        scim_client::import::ChangeKind,
        scim_client::import::Change,
        crate::foreign::ForeignUser,
        crate::foreign::ForeignGroup,
        crate::foreign::ForeignView,
        AttrChange,
        ChangeKind,
        ChangeEvent,
        // The event log.
        NewEvent,
        EventRecord,
        EventsQuery,
        crate::summary::ActivityEntry,
        EventsPage,
        EventCount,
        MinuteCount,
        crate::export::ExportFormat,
        crate::export::Exported,
        // Health.
        crate::health::Severity,
        crate::health::FindingAction,
        crate::health::Finding,
        crate::health::HealthView,
        // Tokens, roles, settings, the guard.
        Permission,
        TokenRecord,
        TokenView,
        NewTokenView,
        RoleRecord,
        RolesView,
        scim_server::settings::Policy,
        SettingsView,
        SettingEntry,
        HeldRequest,
        GuardView,
        // The onboarding guide.
        StepView,
        OktaField,
        Reachability,
        Connected,
        OnboardingView,
        OnboardingChange,
        // The simulator.
        SimAction,
        scim_client::Exchange,
        scim_client::okta::Sequence,
        Simulation,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
