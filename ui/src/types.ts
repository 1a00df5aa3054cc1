// Generated from the Rust types by ts-rs: do not edit by hand.
// Regenerate with `UPDATE_TYPES=1 cargo test -p scim-console-core --test typescript`
// (src-tauri/crates/console/src/typescript.rs lists the types).

/**
 * Every code an error reaching the window can carry, spelled one way (snake_case).
 */
export type ErrorCode = "invalid_value" | "invalid_filter" | "conflict" | "not_found" | "modified" | "unauthorized" | "forbidden" | "too_large" | "throttled" | "held" | "not_started" | "unreachable" | "not_offered" | "internal";

/**
 * An error as the window shows it: a stable machine `code` and words for a person.
 */
export type CommandError = {
  code: ErrorCode,
  message: string,
};

/**
 * What the window learns about the console when it opens.
 */
export type AppInfo = {
  version: string,
  base_url: string,
  port: number,
  database: string,
  demo: boolean,
  /**
   * The folder of the daily log files; `None` when none are written.
   */
  log_dir: string | null,
  /**
   * Why no log files are written (when `log_dir` is `None`).
   */
  log_error: string | null,
  /**
   * In demo mode, the demo token's secret, so the window can offer a ready `curl` command.
   */
  demo_token: string | null,
};

/**
 * How a user came to exist.
 */
export type UserSource = "scim" | "jit" | "demo";

/**
 * One row of the users table.
 */
export type UserRow = {
  id: string,
  user_name: string,
  name: string,
  email: string | null,
  /**
   * The role the user has in the application (the default role when none was sent).
   */
  role: string,
  /**
   * Whether the role came from the identity provider (false: the default role applies).
   */
  role_from_idp: boolean,
  active: boolean,
  source: UserSource,
  last_login: string | null,
  last_modified: string,
  version: number,
};

/**
 * The columns of the users table that sort.
 */
export type UserSort = "user_name" | "name" | "email" | "role" | "active" | "last_login" | "last_modified";

export type UsersQuery = {
  /**
   * Plain words, matched anywhere in userName, name, displayName or email.
   */
  text?: string,
  /**
   * A SCIM filter (RFC 7644 §3.4.2.2), combined with `text` when both are given.
   */
  filter?: string,
  /**
   * 0-based offset of the first row.
   */
  offset: number,
  limit: number,
  /**
   * The column to sort by (default: the last change).
   */
  sort?: UserSort,
  /**
   * Sort descending (default: true for the last change, else false).
   */
  descending?: boolean,
};

export type UsersPage = {
  total: number,
  offset: number,
  rows: Array<UserRow>,
};

export type UserDetail = {
  row: UserRow,
  /**
   * The resource exactly as `GET /Users/{id}` returns it.
   */
  scim: Record<string,
  unknown>,
  /**
   * The requests that touched this user, oldest first.
   */
  events: Array<EventRecord>,
  /**
   * Whether the identity provider manages this user, so console edits are overwritten.
   */
  managed_by_idp: boolean,
  /**
   * The groups it is in, in the order it joined them.
   */
  groups: Array<UserGroupRow>,
  /**
   * Where its role comes from.
   */
  role_source: RoleSource,
};

export type UserCounts = {
  total: number,
  active: number,
  never_logged_in: number,
};

/**
 * One row of the Groups view.
 */
export type GroupRow = {
  id: string,
  display_name: string,
  external_id: string | null,
  member_count: number,
  /**
   * The role the group's name grants its members, when group names carry roles.
   */
  role: string | null,
  created: string,
  last_modified: string,
};

export type GroupsQuery = {
  /**
   * Groups whose name contains this (case-insensitively).
   */
  text?: string,
  offset?: number,
  limit?: number,
};

export type GroupsPage = {
  groups: Array<GroupRow>,
  /**
   * How many groups match.
   */
  total: number,
  /**
   * The `group-role-pattern` in force, if any (e.g. `BigPanda_{org}_BPRole_{role}`).
   */
  role_pattern: string | null,
  /**
   * Whether the policy offers groups at all (`full`).
   */
  offered: boolean,
};

export type MembersQuery = {
  /**
   * Members whose userName or display name contains this.
   */
  text?: string,
  offset?: number,
  limit?: number,
};

/**
 * A group's page.
 */
export type GroupDetail = {
  group: GroupRow,
  /**
   * A page of members, in the order they were added.
   */
  members: Array<UserRow>,
  /**
   * How many members match the search (all of them without one).
   */
  members_total: number,
  /**
   * The requests that changed the group, oldest first.
   */
  events: Array<EventRecord>,
  /**
   * The group as `GET /Groups/{id}?excludedAttributes=members` returns it.
   */
  scim: Record<string,
  unknown>,
};

/**
 * A group a user is in, on the user's page.
 */
export type UserGroupRow = {
  id: string,
  display_name: string,
  /**
   * The role the group's name grants, if any.
   */
  role: string | null,
};

/**
 * Where a user's role comes from.
 */
export type RoleSource = {
  "kind": "group",
  group: string,
  group_id: string,
} | {
  "kind": "attribute",
  attribute: string,
} | {
  "kind": "default"
};

/**
 * Which PATCH dialect Entra speaks: the tenant URL's `?aadOptscim062020` flag decides.
 */
export type Dialect = "aadopt" | "legacy";

/**
 * One attribute mapping in Entra's *Attribute Mapping* screen.
 */
export type Mapping = {
  /**
   * Entra's attribute (the source).
   */
  entra: string,
  /**
   * The SCIM attribute it is written to (the target).
   */
  scim: string,
  note: string | null,
};

/**
 * A group name and the role it would grant, for the naming preview.
 */
export type NamingExample = {
  group: string,
  role: string,
};

/**
 * Group names that carry roles: the pattern in force and a name for every defined role.
 */
export type GroupNaming = {
  /**
   * `group-role-pattern`, when set.
   */
  pattern: string | null,
  /**
   * `org-name`.
   */
  org: string,
  /**
   * One group name per defined role.
   */
  examples: Array<NamingExample>,
};

export type EntraGuideView = {
  current: number,
  steps: Array<StepView>,
  policy: Policy,
  token: TokenView | null,
  /**
   * Active Manage Users tokens that exist already.
   */
  existing_tokens: Array<TokenView>,
  secret: string | null,
  secret_copied: string | null,
  /**
   * The base URL, and the Tenant URL to paste (with `?aadOptscim062020`).
   */
  base_url: string,
  tenant_url: string,
  reachability: Reachability,
  connection_fields: Array<OktaField>,
  /**
   * The request Entra's *Test Connection* sent (or its first lookup).
   */
  test_connection: EventRecord | null,
  /**
   * Entra's latest request.
   */
  last_request: EventRecord | null,
  mappings_keep: Array<Mapping>,
  mappings_remove: Array<Mapping>,
  user_created: EventRecord | null,
  naming: GroupNaming,
  group_created: EventRecord | null,
  cycle_minutes: number,
  /**
   * When the chosen token expires (an expired token quarantines the provisioning job).
   */
  token_expires: string | null,
  /**
   * Set once the connection is tested and Entra has created a user.
   */
  connected: boolean,
};

/**
 * Which client's expectations to check.
 */
export type Profile = "okta" | "entra" | "rfc";

export type Verdict = "pass" | "fail" | "skip";

/**
 * One step of a check.
 */
export type Step = {
  name: string,
  /**
   * The request(s) sent, as `METHOD path`.
   */
  requests: Array<string>,
  expected: string,
  /**
   * What came back, in a few words.
   */
  got: string,
  verdict: Verdict,
  /**
   * What to fix (for a failure), or why it was skipped.
   */
  hint: string | null,
};

export type Report = {
  base_url: string,
  profile: Profile,
  allow_writes: boolean,
  steps: Array<Step>,
  passed: number,
  failed: number,
  skipped: number,
};

/**
 * The bundle's two files.
 */
export type Bundle = {
  json_path: string,
  markdown_path: string,
};

/**
 * What is at the other end.
 */
export type Kind = "remote" | "foreign";

/**
 * Where a profile's secret is kept.
 */
export type SecretPlace = {
  "kind": "keychain"
} | {
  "kind": "session"
} | {
  "kind": "file",
  path: string,
};

/**
 * A saved connection (`ConnectionProfile` in the window, apart from the checks' profiles).
 */
export type ConnectionProfile = {
  name: string,
  kind: Kind,
  /**
   * The server's root or SCIM base URL.
   */
  url: string,
  secret: SecretPlace,
  /**
   * A foreign server: checks may create and remove test users and groups.
   */
  allow_writes: boolean,
  /**
   * A foreign server: how often it is read again, in seconds.
   */
  poll_seconds: number | null,
};

export type ShownKind = "embedded" | "remote" | "foreign";

/**
 * A saved connection as the window lists it.
 */
export type ProfileView = {
  /**
   * Its secret was kept for a session that has ended: the token must be given again.
   */
  needs_token: boolean,
  name: string,
  kind: Kind,
  /**
   * The server's root or SCIM base URL.
   */
  url: string,
  secret: SecretPlace,
  /**
   * A foreign server: checks may create and remove test users and groups.
   */
  allow_writes: boolean,
  /**
   * A foreign server: how often it is read again, in seconds.
   */
  poll_seconds: number | null,
};

/**
 * The connections as the sidebar and the Connections page show them.
 */
export type ConnectionsView = {
  /**
   * The saved connection shown; `None` for the app's own server.
   */
  current: string | null,
  kind: ShownKind,
  /**
   * The address shown: the embedded server's SCIM base URL, a remote server's root, a
   * foreign server's base URL.
   */
  url: string,
  /**
   * A remote server's live stream.
   */
  link: LinkState | null,
  profiles: Array<ProfileView>,
  /**
   * Why secrets cannot go to a keychain here (they are then kept for this session only,
   * or in a file the admin chooses).
   */
  keychain_problem: string | null,
  /**
   * Where the connections are saved.
   */
  saved_in: string | null,
};

/**
 * Where a new connection's secret goes.
 */
export type Keep = "keychain" | "session" | "file";

/**
 * A connection to add, as the window's form sends it.
 */
export type NewConnection = {
  name: string,
  kind: Kind,
  url: string,
  token: string,
  keep: Keep,
  /**
   * With `keep: file`: the file (created readable by its owner alone).
   */
  file: string | null,
  allow_writes: boolean,
  poll_seconds: number | null,
};

/**
 * The state of the live stream, as the sidebar shows it.
 */
export type LinkState = {
  /**
   * Receiving the server's live stream now.
   */
  live: boolean,
  /**
   * The last entry of the server's log received.
   */
  last_event_id: number | null,
  /**
   * Why the stream is down, in plain words, while it is.
   */
  error: string | null,
  /**
   * How many times the stream was re-established after a drop.
   */
  reconnects: number,
};

/**
 * How far an import has come.
 */
export type Progress = {
  /**
   * "Users" or "Groups".
   */
  resource: string,
  fetched: number,
  /**
   * What the server says it holds.
   */
  total: number,
};

/**
 * How a resource differs between two imports (`DiffKind` in the window, apart from the
 * store's change kinds).
 */
export type DiffKind = "added" | "removed" | "changed";

/**
 * One resource that differs between two imports.
 */
export type Change = {
  /**
   * "User" or "Group".
   */
  resource: string,
  id: string,
  /**
   * Its userName or displayName.
   */
  name: string,
  kind: DiffKind,
  /**
   * For a change: the attributes whose values differ (dotted paths; `meta` left out).
   */
  attributes: Array<string>,
};

/**
 * A user as the foreign view lists it.
 */
export type ForeignUser = {
  id: string,
  user_name: string,
  name: string,
  email: string | null,
  /**
   * `None` when the server does not say.
   */
  active: boolean | null,
  /**
   * Added or changed by the last read (nothing for the first read).
   */
  change: DiffKind | null,
  /**
   * The attributes the last read changed.
   */
  changed: Array<string>,
};

export type ForeignGroup = {
  id: string,
  display_name: string,
  members: number,
  change: DiffKind | null,
  changed: Array<string>,
};

/**
 * What the foreign-server view shows.
 */
export type ForeignView = {
  name: string,
  url: string,
  interval_seconds: number,
  /**
   * When the last complete read ended.
   */
  polled_at: string | null,
  /**
   * When the next one starts.
   */
  next_poll_at: string | null,
  /**
   * A read under way, and how far it has come.
   */
  progress: Progress | null,
  /**
   * Why the last read failed, in plain words.
   */
  error: string | null,
  total_users: number,
  total_groups: number,
  groups_offered: boolean,
  /**
   * Users matching the search (changed ones first), at most [`MAX_ROWS`].
   */
  users: Array<ForeignUser>,
  groups: Array<ForeignGroup>,
  /**
   * Users and groups the last read no longer found (at most [`MAX_ROWS`]).
   */
  removed: Array<Change>,
  /**
   * How many the last read no longer found in all.
   */
  removed_total: number,
  /**
   * How many reads completed since the connection was opened.
   */
  reads: number,
};

/**
 * An attribute-level change: `path` went from `old` to `new` (absent = `None`).
 */
export type AttrChange = {
  path: string,
  old?: unknown,
  new?: unknown,
};

export type ChangeKind = "created" | "updated" | "deleted";

/**
 * A committed change, published once on the store's channel.
 */
export type ChangeEvent = {
  kind: ChangeKind,
  resource_type: string,
  id: string,
  user_name: string,
  version: number,
  active: boolean,
  role: string | null,
  diff: Array<AttrChange>,
  actor: string | null,
  at: string,
};

/**
 * One SCIM request as the event log records it.
 */
export type NewEvent = {
  at: string,
  token_name: string | null,
  token_id: number | null,
  client: string | null,
  method: string,
  path: string,
  status: number,
  latency_us: number,
  resource_type: string | null,
  resource_id: string | null,
  user_name: string | null,
  diff: Array<AttrChange>,
  ignored: Array<string>,
  error: string | null,
  /**
   * The role attribute's value as the request sent it (valid or not), when it sent one.
   */
  role: string | null,
  /**
   * The client's address (from X-Forwarded-For only behind a trusted proxy).
   */
  address: string | null,
  /**
   * How many requests this entry stands for (more than one for folded entries).
   */
  count: number,
  /**
   * A folded entry for requests without a valid token or over the rate limit.
   */
  aggregated: boolean,
  /**
   * Sent by the console's Okta simulator: set by the server from the token that
   * authenticated the request, never from anything the client sent.
   */
  simulated: boolean,
  /**
   * The request's body, secrets redacted and cut at [`crate::bounds::MAX_BODY`]; only in
   * one entry's detail (`StoreRead::get_event`), never in lists.
   */
  request_body: string | null,
  /**
   * The answer's body, kept the same way (for errors, reads and small answers).
   */
  response_body: string | null,
  /**
   * What the request's shape says about the client's setup: [`DIALECT_ENTRA_LEGACY`].
   */
  dialect: string | null,
};

export type EventRecord = {
  id: number,
  at: string,
  token_name: string | null,
  token_id: number | null,
  client: string | null,
  method: string,
  path: string,
  status: number,
  latency_us: number,
  resource_type: string | null,
  resource_id: string | null,
  user_name: string | null,
  diff: Array<AttrChange>,
  ignored: Array<string>,
  error: string | null,
  /**
   * The role attribute's value as the request sent it (valid or not), when it sent one.
   */
  role: string | null,
  /**
   * The client's address (from X-Forwarded-For only behind a trusted proxy).
   */
  address: string | null,
  /**
   * How many requests this entry stands for (more than one for folded entries).
   */
  count: number,
  /**
   * A folded entry for requests without a valid token or over the rate limit.
   */
  aggregated: boolean,
  /**
   * Sent by the console's Okta simulator: set by the server from the token that
   * authenticated the request, never from anything the client sent.
   */
  simulated: boolean,
  /**
   * The request's body, secrets redacted and cut at [`crate::bounds::MAX_BODY`]; only in
   * one entry's detail (`StoreRead::get_event`), never in lists.
   */
  request_body: string | null,
  /**
   * The answer's body, kept the same way (for errors, reads and small answers).
   */
  response_body: string | null,
  /**
   * What the request's shape says about the client's setup: [`DIALECT_ENTRA_LEGACY`].
   */
  dialect: string | null,
};

export type EventsQuery = {
  after_id?: number,
  before_id?: number,
  errors_only?: boolean,
  user?: string,
  client?: string,
  status?: number,
  /**
   * Only the simulator's requests (`true`) or only real ones (`false`).
   */
  simulated?: boolean,
  /**
   * Entries at or after this time (RFC 3339).
   */
  since?: string,
  /**
   * Entries before this time.
   */
  until?: string,
  /**
   * Leave out reads (GET).
   */
  hide_reads?: boolean,
  limit?: number,
};

/**
 * A log entry as Activity shows it.
 */
export type ActivityEntry = {
  /**
   * The path and query with percent-encoding undone (`filter=userName eq "dana@…"`).
   */
  decoded_path: string,
  /**
   * What the request did, in words.
   */
  summary: string,
  /**
   * What its shape says about the client's setup, and what to change (see
   * `NewEvent::dialect`).
   */
  hint: string | null,
  id: number,
  at: string,
  token_name: string | null,
  token_id: number | null,
  client: string | null,
  method: string,
  path: string,
  status: number,
  latency_us: number,
  resource_type: string | null,
  resource_id: string | null,
  user_name: string | null,
  diff: Array<AttrChange>,
  ignored: Array<string>,
  error: string | null,
  /**
   * The role attribute's value as the request sent it (valid or not), when it sent one.
   */
  role: string | null,
  /**
   * The client's address (from X-Forwarded-For only behind a trusted proxy).
   */
  address: string | null,
  /**
   * How many requests this entry stands for (more than one for folded entries).
   */
  count: number,
  /**
   * A folded entry for requests without a valid token or over the rate limit.
   */
  aggregated: boolean,
  /**
   * Sent by the console's Okta simulator: set by the server from the token that
   * authenticated the request, never from anything the client sent.
   */
  simulated: boolean,
  /**
   * The request's body, secrets redacted and cut at [`crate::bounds::MAX_BODY`]; only in
   * one entry's detail (`StoreRead::get_event`), never in lists.
   */
  request_body: string | null,
  /**
   * The answer's body, kept the same way (for errors, reads and small answers).
   */
  response_body: string | null,
  /**
   * What the request's shape says about the client's setup: [`DIALECT_ENTRA_LEGACY`].
   */
  dialect: string | null,
};

/**
 * A page of Activity: the newest entries matching the query (before `before_id`, when
 * given), oldest first, with how many match in all.
 */
export type EventsPage = {
  rows: Array<ActivityEntry>,
  /**
   * Entries matching the query's filters, whatever the page.
   */
  total: number,
  /**
   * Whether entries older than the first row match too (and newer than `after_id`, when
   * the query has one: then more arrived than the page holds).
   */
  older: boolean,
};

/**
 * How many entries of the event log match a query.
 */
export type EventCount = {
  entries: number,
  /**
   * The requests they stand for: a folded entry stands for several.
   */
  requests: number,
};

/**
 * Requests and errors in one minute of the event log.
 */
export type MinuteCount = {
  /**
   * `YYYY-MM-DDTHH:MM` in UTC.
   */
  minute: string,
  requests: number,
  errors: number,
};

export type ExportFormat = "csv" | "json";

/**
 * A file written.
 */
export type Exported = {
  path: string,
  /**
   * Rows (users or entries) in it.
   */
  rows: number,
};

/**
 * How serious a finding is.
 */
export type Severity = "error" | "warning" | "info";

/**
 * Something the window can do about a finding, in one click.
 */
export type FindingAction = {
  "kind": "add_role",
  role: string,
} | {
  "kind": "show_user",
  user_name: string,
} | {
  "kind": "show_event",
  id: number,
} | {
  "kind": "show_tokens"
} | {
  "kind": "show_guard"
};

/**
 * A problem seen in the traffic or the configuration, with its fix.
 */
export type Finding = {
  /**
   * A stable name for the kind of finding (`refused_role`, `create_refused`, …).
   */
  code: string,
  severity: Severity,
  /**
   * What is wrong, in a line.
   */
  title: string,
  /**
   * What the requests show.
   */
  detail: string,
  /**
   * What to change, and where.
   */
  fix: string,
  actions: Array<FindingAction>,
  /**
   * Since when (the first or latest request that shows it).
   */
  at: string | null,
};

/**
 * The status strip and the Health page.
 */
export type HealthView = {
  /**
   * The identity provider's latest real request (any token; never the simulator's).
   */
  last_request: EventRecord | null,
  /**
   * Real requests in the last 24 hours, and how many of them failed.
   */
  requests_24h: number,
  errors_24h: number,
  /**
   * The token the identity provider uses: the one that sent the latest request, else the
   * only active Manage Users token.
   */
  token: TokenView | null,
  policy: Policy,
  /**
   * Worst first.
   */
  findings: Array<Finding>,
  /**
   * When this was worked out.
   */
  checked_at: string,
};

/**
 * Token permissions.
 */
export type Permission = "UserModify" | "UserRead" | "Admin";

export type TokenRecord = {
  id: number,
  name: string,
  permission: Permission,
  prefix: string,
  created: string,
  expires: string | null,
  last_used: string | null,
  revoked: string | null,
  /**
   * The console's Okta simulator sends with this token: requests made with it are logged
   * as simulated.
   */
  simulator: boolean,
};

export type TokenView = {
  /**
   * `active`, `expiring` (within 14 days), `expired` or `revoked`.
   */
  state: "active" | "expiring" | "expired" | "revoked",
  id: number,
  name: string,
  permission: Permission,
  prefix: string,
  created: string,
  expires: string | null,
  last_used: string | null,
  revoked: string | null,
  /**
   * The console's Okta simulator sends with this token: requests made with it are logged
   * as simulated.
   */
  simulator: boolean,
};

export type NewTokenView = {
  token: TokenView,
  /**
   * Shown once; only its hash is kept.
   */
  secret: string,
};

export type RoleRecord = {
  name: string,
  builtin: boolean,
};

export type RolesView = {
  roles: Array<RoleRecord>,
  default_role: string,
  role_attribute: string,
};

/**
 * The provisioning policy.
 */
export type Policy = "jit" | "full";

export type SettingsView = {
  provisioning: Policy,
  role_attribute: string,
  default_role: string,
  public_url: string | null,
  /**
   * What Okta would reject in the public URL.
   */
  url_warnings: Array<string>,
  /**
   * The URL to give the identity provider.
   */
  tenant_url: string,
  local_base_url: string,
  port: number,
  database: string,
  demo: boolean,
  /**
   * Every setting the server knows (`scim_server::settings::KNOWN`), with its value now.
   */
  known: Array<SettingEntry>,
  /**
   * The deprovisioning guard's rule in words, as the settings make it now.
   */
  guard_rule: string,
};

/**
 * One setting as the settings screen lists it.
 */
export type SettingEntry = {
  key: string,
  /**
   * The stored value, or the default when none is stored.
   */
  value: string,
  default: string,
  /**
   * What it means, in words (from `KNOWN`).
   */
  meaning: string,
};

/**
 * A deactivation or deletion the guard holds.
 */
export type HeldRequest = {
  resource_id: string,
  user_name: string | null,
  /**
   * `deactivate` or `delete`.
   */
  kind: "deactivate" | "delete",
  client: string | null,
  token_name: string | null,
  address: string | null,
  first_at: string,
  last_at: string,
  /**
   * How many times the identity provider sent it.
   */
  attempts: number,
  /**
   * When an admin let it through (its next retry is applied).
   */
  released_at: string | null,
  /**
   * Sent by the console's Okta simulator (see [`NewEvent::simulated`]).
   */
  simulated: boolean,
};

/**
 * The deprovisioning guard as the window shows it.
 */
export type GuardView = {
  /**
   * Whether the guard watches deactivations and deletions (the `guard` setting).
   */
  on: boolean,
  /**
   * The rule in words.
   */
  rule: string,
  /**
   * Whether it holds deactivations and deletions now.
   */
  holding: boolean,
  /**
   * Since when it holds.
   */
  tripped_at: string | null,
  /**
   * Why it started holding, in words.
   */
  reason: string | null,
  /**
   * When an admin last released it.
   */
  released_at: string | null,
  /**
   * The oldest [`HELD_SHOWN`] of the held requests.
   */
  held: Array<HeldRequest>,
  /**
   * How many requests are held in all.
   */
  total: number,
};

export type StepView = {
  number: number,
  title: string,
  /**
   * `todo`, `done` or `verified`.
   */
  state: "todo" | "done" | "verified",
  /**
   * When it was marked done or verified.
   */
  at: string | null,
  /**
   * What the traffic shows is wrong, fixed in this step (a verified step with notes is shown
   * as a warning).
   */
  notes: Array<Finding>,
};

/**
 * One value to type or paste into Okta.
 */
export type OktaField = {
  label: string,
  value: string,
  /**
   * Whether a copy button makes sense (false for a choice among options, or a value that
   * cannot be used yet).
   */
  copy: boolean,
  hint: string | null,
  /**
   * Why the value cannot be used as it is, when it cannot.
   */
  unusable: string | null,
};

/**
 * Whether Okta's cloud can call the Tenant URL, and why not.
 */
export type Reachability = {
  /**
   * `usable` or `unusable`.
   */
  verdict: "usable" | "unusable",
  /**
   * What is wrong, in plain words (empty when usable).
   */
  reasons: Array<string>,
  /**
   * What to do about it (none when usable).
   */
  fix: string | null,
};

/**
 * The guide's last card: Okta is connected.
 */
export type Connected = {
  /**
   * The identity provider's latest request.
   */
  last_request: EventRecord,
  /**
   * Failed real requests in the last 24 hours.
   */
  errors_24h: number,
};

export type OnboardingView = {
  current: number,
  steps: Array<StepView>,
  policy: Policy,
  token: TokenView | null,
  /**
   * Active Manage Users tokens that exist already (step 2 offers to use one).
   */
  existing_tokens: Array<TokenView>,
  /**
   * The token whose request verified step 3 (any active Manage Users token counts).
   */
  verified_by: string | null,
  /**
   * Set once steps 3 to 5 are verified.
   */
  connected: Connected | null,
  /**
   * The token's secret while the console that created it runs.
   */
  secret: string | null,
  secret_copied: string | null,
  tenant_url: string,
  public_url: string | null,
  /**
   * Whether Okta's cloud can call the Tenant URL.
   */
  reachability: Reachability,
  /**
   * Since when the step has waited for the token's first request (none once it arrived).
   */
  waiting_since: string | null,
  /**
   * From when the step offers troubleshooting, if the first request has not arrived by then.
   */
  troubleshoot_at: string | null,
  unique_identifier: "email" | "userName",
  connection_fields: Array<OktaField>,
  /**
   * The first request authenticated with the token.
   */
  first_request: EventRecord | null,
  /**
   * The latest one.
   */
  last_request: EventRecord | null,
  to_app: Array<string>,
  profile_update: EventRecord | null,
  deactivation: EventRecord | null,
  role_fields: Array<OktaField>,
  saml_statement: Array<OktaField>,
  valid_roles: Array<string>,
  default_role: string,
  role_request: EventRecord | null,
  /**
   * The latest request whose role was refused, when it came after the last accepted one.
   */
  invalid_role: EventRecord | null,
  users: UserCounts,
  /**
   * Users who never logged in (a few; `users.never_logged_in` counts them all).
   */
  never_logged_in: Array<UserRow>,
  /**
   * Recent updates that found no user: Okta pushing to someone who has not logged in.
   */
  missing_user_updates: Array<EventRecord>,
  /**
   * Full provisioning: the groups to push in Okta's Push Groups tab and the roles their
   * names grant.
   */
  group_naming: GroupNaming | null,
};

/**
 * A change the window asks for.
 */
export type OnboardingChange = {
  "kind": "go_to",
  step: number,
} | {
  "kind": "use_token",
  id: number,
} | {
  "kind": "mark_done",
  step: number,
  done: boolean,
} | {
  "kind": "secret_copied"
} | {
  "kind": "unique_identifier",
  value: string,
} | {
  "kind": "restart"
};

export type SimAction = {
  "action": "connector_test"
} | {
  "action": "first_login",
  email: string,
  given_name: string,
  family_name: string,
  role: string | null,
} | {
  "action": "profile_push",
  user_name: string,
  given_name: string,
  family_name: string,
} | {
  "action": "role_change",
  user_name: string,
  role: string,
} | {
  "action": "deactivate",
  user_name: string,
} | {
  "action": "reactivate",
  user_name: string,
} | {
  "action": "push_group",
  name: string,
  /**
   * userNames of the members to push.
   */
  members: Array<string>,
} | {
  "action": "remove_from_group",
  group: string,
  user_name: string,
} | {
  "action": "entra_test_connection"
} | {
  "action": "entra_create",
  user_name: string,
  given_name: string,
  family_name: string,
} | {
  "action": "entra_update",
  user_name: string,
  given_name: string,
  family_name: string,
  dialect: Dialect,
} | {
  "action": "entra_disable",
  user_name: string,
  dialect: Dialect,
} | {
  "action": "entra_group",
  name: string,
  members: Array<string>,
} | {
  "action": "entra_remove_from_group",
  group: string,
  user_name: string,
};

/**
 * One request and the answer to it.
 */
export type Exchange = {
  method: string,
  /**
   * Below the base URL, with the query string: `/Users?startIndex=1&count=2`.
   */
  path: string,
  request: unknown,
  status: number,
  /**
   * The JSON body of the answer, when it had one.
   */
  response: unknown,
  latency_ms: number,
};

/**
 * The requests one Okta action sent, and what came of it in words.
 */
export type Sequence = {
  exchanges: Array<Exchange>,
  /**
   * Whether the server did what Okta asked.
   */
  ok: boolean,
  outcome: string,
};

export type Simulation = {
  /**
   * The token the requests were sent with.
   */
  token_name: string | null,
  /**
   * The user as it is afterwards, when there is one.
   */
  user: UserRow | null,
  /**
   * The group as it is afterwards, for group actions.
   */
  group: GroupRow | null,
  exchanges: Array<Exchange>,
  /**
   * Whether the server did what Okta asked.
   */
  ok: boolean,
  outcome: string,
};
