// The shapes the backend sends and accepts, mirroring the Rust types in the console crate
// (src-tauri/crates/console/src/console.rs), src-tauri/commands.rs and the store crate (field
// names as serde writes them).

/** Every code an error can carry (the console crate's `ErrorCode`). */
export type ErrorCode =
  | "invalid_value"
  | "invalid_filter"
  | "conflict"
  | "not_found"
  | "modified"
  | "unauthorized"
  | "forbidden"
  | "too_large"
  | "throttled"
  | "held"
  | "not_started"
  | "unreachable"
  | "internal";

export interface CommandError {
  code: ErrorCode;
  message: string;
}

export interface AppInfo {
  version: string;
  base_url: string;
  port: number;
  database: string;
  demo: boolean;
  /** The folder of the daily log files; null when none are written. */
  log_dir: string | null;
  /** Why no log files are written (when `log_dir` is null). */
  log_error: string | null;
  /** In demo mode, the demo token's secret. */
  demo_token: string | null;
}

export type UserSource = "scim" | "jit" | "demo";

export interface UserRow {
  id: string;
  user_name: string;
  name: string;
  email: string | null;
  role: string;
  role_from_idp: boolean;
  active: boolean;
  source: UserSource;
  last_login: string | null;
  last_modified: string;
  version: number;
}

export interface UsersQuery {
  text?: string;
  filter?: string;
  offset: number;
  limit: number;
}

export interface UsersPage {
  total: number;
  offset: number;
  rows: UserRow[];
}

export interface AttrChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

export interface EventRecord {
  id: number;
  at: string;
  token_name: string | null;
  token_id: number | null;
  client: string | null;
  method: string;
  path: string;
  status: number;
  latency_us: number;
  resource_type: string | null;
  resource_id: string | null;
  user_name: string | null;
  diff: AttrChange[];
  ignored: string[];
  error: string | null;
  /** The role attribute's value as the request sent it. */
  role: string | null;
  /** The client's address (from X-Forwarded-For only behind a trusted proxy). */
  address: string | null;
  /** How many requests the entry stands for: more than one when folded. */
  count: number;
  /** A folded entry: requests without a valid token or over the rate limit, per minute. */
  aggregated: boolean;
  /** Sent by this console's Okta simulator (marked by the server from its token). */
  simulated: boolean;
}

export interface EventsQuery {
  after_id?: number;
  before_id?: number;
  errors_only?: boolean;
  user?: string;
  client?: string;
  status?: number;
  /** Only the simulator's requests (true) or only real ones (false). */
  simulated?: boolean;
  limit?: number;
}

export interface MinuteCount {
  minute: string;
  requests: number;
  errors: number;
}

export interface UserDetail {
  row: UserRow;
  scim: Record<string, unknown>;
  events: EventRecord[];
  managed_by_idp: boolean;
}

export type Permission = "UserModify" | "UserRead";

export interface TokenView {
  id: number;
  name: string;
  permission: Permission;
  prefix: string;
  created: string;
  expires: string | null;
  last_used: string | null;
  revoked: string | null;
  /** The token the console's Okta simulator sends with. */
  simulator: boolean;
  state: "active" | "expiring" | "expired" | "revoked";
}

export interface NewTokenView {
  token: TokenView;
  secret: string;
}

export interface RoleRecord {
  name: string;
  builtin: boolean;
}

export interface RolesView {
  roles: RoleRecord[];
  default_role: string;
  role_attribute: string;
}

export type Policy = "jit" | "full";

export interface SettingsView {
  provisioning: Policy;
  role_attribute: string;
  default_role: string;
  public_url: string | null;
  url_warnings: string[];
  tenant_url: string;
  local_base_url: string;
  port: number;
  database: string;
  demo: boolean;
  /** Every setting the server knows, with its value now. */
  known: SettingEntry[];
  /** The deprovisioning guard's rule in words. */
  guard_rule: string;
}

export interface SettingEntry {
  key: string;
  /** The stored value, or the default. */
  value: string;
  default: string;
  meaning: string;
}

/** A deactivation or deletion the deprovisioning guard holds. */
export interface HeldRequest {
  resource_id: string;
  user_name: string | null;
  kind: "deactivate" | "delete";
  client: string | null;
  token_name: string | null;
  address: string | null;
  first_at: string;
  last_at: string;
  /** How many times the identity provider sent it. */
  attempts: number;
  released_at: string | null;
  /** Sent by this console's Okta simulator. */
  simulated: boolean;
}

export interface GuardView {
  /** Whether the guard watches deactivations and deletions. */
  on: boolean;
  /** The rule in words. */
  rule: string;
  holding: boolean;
  tripped_at: string | null;
  reason: string | null;
  released_at: string | null;
  /** The oldest 200 held requests. */
  held: HeldRequest[];
  /** How many are held in all. */
  total: number;
}

/** A committed change to a user, pushed by the core (`null`: reload everything). */
export interface UserChange {
  kind: "created" | "updated" | "deleted";
  resource_type: string;
  id: string;
  user_name: string;
  version: number;
  active: boolean;
  role: string | null;
  diff: AttrChange[];
  actor: string | null;
  at: string;
}

export type StepState = "todo" | "done" | "verified";

export interface StepView {
  number: number;
  title: string;
  state: StepState;
  at: string | null;
}

/** One value to type or paste into Okta. */
export interface OktaField {
  label: string;
  value: string;
  copy: boolean;
  hint: string | null;
  /** Why the value cannot be used as it is, when it cannot. */
  unusable: string | null;
}

/** Whether Okta's cloud can call the Tenant URL (the console crate's `Reachability`). */
export interface Reachability {
  verdict: "usable" | "unusable";
  reasons: string[];
  fix: string | null;
}

export interface UserCounts {
  total: number;
  active: number;
  never_logged_in: number;
}

export interface OnboardingView {
  current: number;
  steps: StepView[];
  policy: Policy;
  token: TokenView | null;
  secret: string | null;
  secret_copied: string | null;
  tenant_url: string;
  public_url: string | null;
  reachability: Reachability;
  /** Since when step 3 has waited for the token's first request. */
  waiting_since: string | null;
  /** From when step 3 offers troubleshooting if that request has not arrived. */
  troubleshoot_at: string | null;
  unique_identifier: "email" | "userName";
  connection_fields: OktaField[];
  first_request: EventRecord | null;
  last_request: EventRecord | null;
  to_app: string[];
  profile_update: EventRecord | null;
  deactivation: EventRecord | null;
  role_fields: OktaField[];
  saml_statement: OktaField[];
  valid_roles: string[];
  default_role: string;
  role_request: EventRecord | null;
  invalid_role: EventRecord | null;
  users: UserCounts;
  never_logged_in: UserRow[];
  missing_user_updates: EventRecord[];
}

export type OnboardingChange =
  | { kind: "go_to"; step: number }
  | { kind: "mark_done"; step: number; done: boolean }
  | { kind: "secret_copied" }
  | { kind: "unique_identifier"; value: string }
  | { kind: "restart" };

export type SimAction =
  | { action: "connector_test" }
  | { action: "first_login"; email: string; given_name: string; family_name: string; role: string | null }
  | { action: "profile_push"; user_name: string; given_name: string; family_name: string }
  | { action: "role_change"; user_name: string; role: string }
  | { action: "deactivate"; user_name: string }
  | { action: "reactivate"; user_name: string };

/** One request the simulator sent and the answer. */
export interface Exchange {
  method: string;
  path: string;
  request: unknown;
  status: number;
  response: unknown;
  latency_ms: number;
}

export interface Simulation {
  exchanges: Exchange[];
  ok: boolean;
  outcome: string;
  token_name: string | null;
  user: UserRow | null;
}
