//! For support staff: the checks Okta, Entra ID and RFC 7644 would make, run against the
//! server this console shows, and a support bundle — what a support engineer asks for first,
//! without a secret in it — written as JSON and Markdown.

use std::path::Path;

use serde::Serialize;

use scim_client::check::{Checker, Profile, Report, Verdict};
use scim_store::{EventQuery, EventRecord, TokenRecord};

use crate::console::{CmdResult, CommandError, Console, ErrorCode};
use crate::health::HealthView;

/// Entries of the event log a bundle carries (the newest), and failed ones besides.
const BUNDLE_EVENTS: u32 = 200;

/// The bundle's two files.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Bundle {
    pub json_path: String,
    pub markdown_path: String,
}

/// A token as a bundle names it: never its secret, hash or prefix.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct TokenLine {
    name: String,
    permission: String,
    created: String,
    expires: Option<String>,
    last_used: Option<String>,
    revoked: Option<String>,
    simulator: bool,
}

impl From<&TokenRecord> for TokenLine {
    fn from(t: &TokenRecord) -> Self {
        TokenLine {
            name: t.name.clone(),
            permission: t.permission.as_str().to_owned(),
            created: t.created.clone(),
            expires: t.expires.clone(),
            last_used: t.last_used.clone(),
            revoked: t.revoked.clone(),
            simulator: t.simulator,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct BundleBody {
    generated_at: String,
    app_version: &'static str,
    base_url: String,
    tenant_url: String,
    policy: String,
    settings: Vec<(String, String)>,
    roles: Vec<String>,
    tokens: Vec<TokenLine>,
    users: scim_store::UserCounts,
    groups: u64,
    health: HealthView,
    recent_events: Vec<EventRecord>,
    recent_errors: Vec<EventRecord>,
    check: Option<Report>,
}

/// Whether a setting's name says it holds a secret (none do today; a future one is left out).
fn secret_setting(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["secret", "token", "password", "key"]
        .iter()
        .any(|w| k.contains(w))
}

impl Console {
    /// Runs the checks of `profile` against this console's server, with the simulator's token
    /// (so its requests are labelled Simulated and verify no step of a guide). Kept for the
    /// support bundle.
    pub async fn run_check(&self, profile: Profile, allow_writes: bool) -> CmdResult<Report> {
        let (_token, secret) = self.simulator_token().await?;
        let agent = profile.user_agent();
        // Without the wrong-token request: this console would list it as a client without a
        // valid token on the Health page.
        let checker = Checker::new(&self.base_url, &secret, agent, profile, allow_writes)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
            .without_wrong_token_probe();
        let report = checker.run().await;
        self.flush_log().await;
        *self.last_check.lock().unwrap_or_else(|e| e.into_inner()) = Some(report.clone());
        Ok(report)
    }

    /// Writes the support bundle (`scim-console-support-<time>.json` and `.md`) to `dir`.
    pub async fn support_bundle(&self, dir: &Path) -> CmdResult<Bundle> {
        let rt = self.core.runtime().await?;
        let read = self.core.read();
        let settings = read
            .settings()
            .await?
            .into_iter()
            .filter(|(k, _)| !secret_setting(k))
            .collect();
        let tokens = read
            .list_tokens()
            .await?
            .iter()
            .map(TokenLine::from)
            .collect();
        let recent_events = read
            .list_events(&EventQuery {
                limit: BUNDLE_EVENTS,
                ..Default::default()
            })
            .await?;
        let recent_errors = read
            .list_events(&EventQuery {
                limit: BUNDLE_EVENTS,
                errors_only: true,
                ..Default::default()
            })
            .await?;
        let groups = read
            .search_groups(&scim_store::ListQuery {
                schema: &rt.group_schema,
                filter: None,
                sort_by: None,
                sort_column: None,
                sort_order: scim_store::SortOrder::Ascending,
                start_index: 1,
                count: 0,
            })
            .await?
            .total;
        let body = BundleBody {
            generated_at: scim_store::now(),
            app_version: env!("CARGO_PKG_VERSION"),
            base_url: self.base_url.clone(),
            tenant_url: self.tenant_url(&rt),
            policy: format!("{:?}", rt.policy).to_lowercase(),
            settings,
            roles: rt.roles.clone(),
            tokens,
            users: read.count_users().await?,
            groups,
            health: self.health().await?,
            recent_events,
            recent_errors,
            check: self
                .last_check
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        };
        let json = serde_json::to_string_pretty(&body)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        let stem = format!(
            "scim-console-support-{}",
            chrono::Utc::now().format("%Y%m%d-%H%M%S")
        );
        let json_path = crate::export::write_text(dir, &format!("{stem}.json"), &json)?;
        let markdown_path =
            crate::export::write_text(dir, &format!("{stem}.md"), &markdown(&body))?;
        Ok(Bundle {
            json_path: json_path.to_string_lossy().into_owned(),
            markdown_path: markdown_path.to_string_lossy().into_owned(),
        })
    }
}

fn markdown(b: &BundleBody) -> String {
    let mut out = format!(
        "# SCIM Console support bundle\n\nGenerated {} by SCIM Console {}. No secrets: token secrets are never stored, and none is in here.\n\n",
        b.generated_at, b.app_version
    );
    out.push_str("## Server\n\n");
    out.push_str(&format!(
        "- Base URL: {}\n- Tenant URL: {}\n- Policy: {}\n- Users: {} ({} active, {} never logged in)\n- Groups: {}\n- Roles: {}\n\n",
        b.base_url,
        b.tenant_url,
        b.policy,
        b.users.total,
        b.users.active,
        b.users.never_logged_in,
        b.groups,
        b.roles.join(", ")
    ));
    out.push_str("## Settings\n\n| Setting | Value |\n|---|---|\n");
    for (k, v) in &b.settings {
        out.push_str(&format!("| `{k}` | `{v}` |\n"));
    }
    out.push_str("\n## Tokens\n\n| Name | Permission | Created | Expires | Last used | Revoked |\n|---|---|---|---|---|---|\n");
    for t in &b.tokens {
        let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
        out.push_str(&format!(
            "| {}{} | {} | {} | {} | {} | {} |\n",
            t.name,
            if t.simulator { " (simulator)" } else { "" },
            t.permission,
            t.created,
            o(&t.expires),
            o(&t.last_used),
            o(&t.revoked)
        ));
    }
    out.push_str("\n## Health\n\n");
    if b.health.findings.is_empty() {
        out.push_str("No problems found.\n");
    }
    for f in &b.health.findings {
        out.push_str(&format!(
            "- **{}** ({:?}): {} Fix: {}\n",
            f.title, f.severity, f.detail, f.fix
        ));
    }
    if let Some(r) = &b.check {
        out.push_str(&format!(
            "\n## Check ({} profile{})\n\n",
            r.profile.as_str(),
            if r.allow_writes {
                ", writes allowed"
            } else {
                ""
            }
        ));
        for s in &r.steps {
            let mark = match s.verdict {
                Verdict::Pass => "PASS",
                Verdict::Fail => "FAIL",
                Verdict::Skip => "SKIP",
            };
            out.push_str(&format!("- {mark} {} — got {}", s.name, s.got));
            if let Some(h) = &s.hint {
                out.push_str(&format!(" — {h}"));
            }
            out.push('\n');
        }
        out.push_str(&format!("\n{} passed, {} failed\n", r.passed, r.failed));
    }
    out.push_str("\n## Recent errors\n\n");
    if b.recent_errors.is_empty() {
        out.push_str("None.\n");
    }
    for e in b.recent_errors.iter().rev().take(50) {
        out.push_str(&format!(
            "- {} {} {} → {} {}\n",
            e.event.at,
            e.event.method,
            e.event.path,
            e.event.status,
            e.event.error.as_deref().unwrap_or("")
        ));
    }
    out
}
