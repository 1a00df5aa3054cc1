// The one seam between the window and the backend: every `invoke` and `listen` is here.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  ActivityEntry,
  AppInfo,
  Bundle,
  CommandError,
  ConnectionsView,
  EntraGuideView,
  EventRecord,
  EventsPage,
  EventsQuery,
  ExportFormat,
  Exported,
  ForeignView,
  GroupDetail,
  GroupsPage,
  GroupsQuery,
  GuardView,
  HealthView,
  MembersQuery,
  MinuteCount,
  NewConnection,
  NewTokenView,
  OnboardingChange,
  OnboardingView,
  Permission,
  Profile,
  Report,
  RolesView,
  SettingsView,
  SimAction,
  Simulation,
  TokenView,
  ChangeEvent,
  UserDetail,
  UserRow,
  UsersPage,
  UsersQuery,
  ErrorCode,
} from "./types";

/** Turns whatever a command rejected with into `{code, message}`. */
export function asError(e: unknown): CommandError {
  if (e && typeof e === "object" && "message" in e) {
    const o = e as { code?: ErrorCode; message: unknown };
    return { code: o.code ?? "internal", message: String(o.message) };
  }
  return { code: "internal", message: String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  listUsers: (query: UsersQuery) => call<UsersPage>("list_users", { query }),
  userDetail: (id: string) => call<UserDetail>("user_detail", { id }),
  updateUser: (id: string, change: { active?: boolean; role?: string }) =>
    call<UserRow>("update_user", { id, active: change.active ?? null, role: change.role ?? null }),
  /** Groups whose name contains `query.text`, with their member counts and the role each
   *  grants; whether the policy offers groups at all, and the group-role pattern in force. */
  listGroups: (query: GroupsQuery) => call<GroupsPage>("list_groups", { query }),
  /** One group: a page of its members (in the order added, searched with `query.text`), its
   *  timeline and its SCIM JSON; `not_found` once it was deleted. */
  groupDetail: (id: string, query: MembersQuery) => call<GroupDetail>("group_detail", { id, query }),
  listEvents: (query: EventsQuery) => call<EventRecord[]>("list_events", { query }),
  eventsPerMinute: (minutes: number) => call<MinuteCount[]>("events_per_minute", { minutes }),
  listTokens: () => call<TokenView[]>("list_tokens"),
  createToken: (name: string, permission: Permission, expiresInDays: number | null) =>
    call<NewTokenView>("create_token", { name, permission, expiresInDays }),
  revokeToken: (name: string) => call<TokenView>("revoke_token", { name }),
  roles: () => call<RolesView>("roles"),
  addRole: (name: string) => call<RolesView>("add_role", { name }),
  removeRole: (name: string) => call<RolesView>("remove_role", { name }),
  settings: () => call<SettingsView>("settings"),
  setSetting: (key: string, value: string) => call<SettingsView>("set_setting", { key, value }),
  guardStatus: () => call<GuardView>("guard_status"),
  /** Lets every held request through on its next attempt; how many were held. */
  guardRelease: () => call<number>("guard_release"),
  onboarding: () => call<OnboardingView>("onboarding"),
  onboardingUpdate: (change: OnboardingChange) => call<OnboardingView>("onboarding_update", { change }),
  onboardingCreateToken: (name: string, expiresInDays: number | null) =>
    call<NewTokenView>("onboarding_create_token", { name, expiresInDays }),
  /** The Connect Microsoft Entra ID guide, with the same changes and token step as Okta's. */
  entraGuide: () => call<EntraGuideView>("entra_guide"),
  entraGuideUpdate: (change: OnboardingChange) => call<EntraGuideView>("entra_guide_update", { change }),
  entraGuideCreateToken: (name: string, expiresInDays: number | null) =>
    call<NewTokenView>("entra_guide_create_token", { name, expiresInDays }),
  simulate: (action: SimAction) => call<Simulation>("simulate", { action }),
  /** The status strip and the Health page: the last request, errors, the token, findings. */
  health: () => call<HealthView>("health"),
  /** Every user the query matches (its offset and limit aside), in its order, written to a
   *  file in the Downloads folder. */
  exportUsers: (query: UsersQuery, format: ExportFormat) => call<Exported>("export_users", { query, format }),
  /** Activity's page: the newest `limit` entries matching (before `before_id`), oldest first,
   *  with how many match in all and whether older ones do too. */
  eventsPage: (query: EventsQuery) => call<EventsPage>("events_page", { query }),
  /** One entry with its request and answer bodies; `not_found` once the log pruned it. */
  eventDetail: (id: number) => call<ActivityEntry>("event_detail", { id }),
  /** Every entry matching the query's filters, written to a file in Downloads. */
  exportEvents: (query: EventsQuery, format: ExportFormat) => call<Exported>("export_events", { query, format }),
  /** The checks Okta, Entra ID or RFC 7644 make, run against this console's server with the
   *  simulator's token (its requests are Simulated and verify no guide step). Read-only unless
   *  `allowWrites`: then a test user (and for Entra a group) is created and removed again.
   *  A foreign server is checked with its own token; there `allowWrites` is refused
   *  (`forbidden`) unless its connection lets checks write. */
  runCheck: (profile: Profile, allowWrites: boolean) => call<Report>("run_check", { profile, allowWrites }),
  /** The support bundle, as JSON and Markdown in Downloads: settings without secrets, token
   *  names and expiries, health, recent requests and errors, the last check's report. */
  supportBundle: () => call<Bundle>("support_bundle"),
  /** The connection shown, the saved ones, and whether a keychain can keep their tokens. */
  connectionsView: () => call<ConnectionsView>("connections_view"),
  /** Reaches the server with the token, saves the connection (its token where `keep` says)
   *  and shows it; nothing is saved when the server cannot be reached or refuses the token. */
  connectionAdd: (connection: NewConnection) => call<ConnectionsView>("connection_add", { connection }),
  /** Shows a saved connection (`name` null: the app's own server). `token` only after the
   *  command failed with `unauthorized`: its token was kept for an earlier session only. */
  connectionSwitch: (name: string | null, token: string | null) => call<ConnectionsView>("connection_switch", { name, token }),
  /** Forgets a saved connection and its token; the app's own server is shown if it was. */
  connectionRemove: (name: string) => call<ConnectionsView>("connection_remove", { name }),
  /** A foreign server as last read: its users matching `text` (in userName, name or email),
   *  changed ones first, its groups, and how the reads go. */
  foreignView: (text: string | null) => call<ForeignView>("foreign_view", { text }),
  /** Reads the foreign server again now; `onForeignUpdated` tells how it goes. */
  foreignRefresh: () => call<void>("foreign_refresh"),
};

/** Every committed change to a user, as the core publishes it; `null` means "reload". */
export function onUserChanged(f: (c: ChangeEvent | null) => void): Promise<UnlistenFn> {
  return listen<ChangeEvent | null>("scim://user-changed", (e) => f(e.payload));
}

/** Every committed change to a group (`user_name` holds its name); `null` means "reload".
 *  A change of membership that changes users' roles comes on `onUserChanged` as well. */
export function onGroupChanged(f: (c: ChangeEvent | null) => void): Promise<UnlistenFn> {
  return listen<ChangeEvent | null>("scim://group-changed", (e) => f(e.payload));
}

/** Requests were written to the event log (held deprovisions among them). */
export function onEventsWritten(f: () => void): Promise<UnlistenFn> {
  return listen<number>("scim://events-written", () => f());
}

/** The connection shown changed (its view, or `null`: read it again): every screen reads the
 *  new server. Not sent when only a remote server's live link changes. */
export function onConnectionChanged(f: (v: ConnectionsView | null) => void): Promise<UnlistenFn> {
  return listen<ConnectionsView | null>("scim://connection-changed", (e) => f(e.payload));
}

/** The foreign server shown was read again, or a page of a read under way arrived. */
export function onForeignUpdated(f: () => void): Promise<UnlistenFn> {
  return listen<null>("scim://foreign-updated", () => f());
}

/** `f` as a refresh that never runs twice at once and never drops a call: called while a run
 *  is under way, it runs once more after it (however many calls came meanwhile). */
export function coalesced(f: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      try {
        await f();
      } catch {
        // `f` reports its own errors; a failed run must not stop the next.
      }
    } while (again);
    running = null;
  };
  return () => {
    if (running) again = true;
    else running = loop();
    return running;
  };
}

/** Calls `refresh` (best made with `coalesced`) for every event-log notice, and once more
 *  when the listener is in place, so an entry written while it was being registered is not
 *  missed. Returns the function that stops listening. */
export function followEvents(refresh: () => void): () => void {
  let stopped = false;
  const un = onEventsWritten(() => stopped || refresh());
  un.then(() => stopped || refresh()).catch(() => undefined);
  return () => {
    stopped = true;
    un.then((f) => f()).catch(() => undefined);
  };
}
