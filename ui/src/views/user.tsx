// One user: attributes, the raw SCIM JSON, and the timeline of what changed them: the identity
// provider's requests, changes made in this console and SAML logins, each in words with who
// made it, and its diff.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError, onGroupChanged, onUserChanged } from "../api";
import { confirmAction } from "../dialog";
import { useNav } from "../nav";
import type { AttrChange, ChangeEvent, CommandError, EventRecord, RoleSource, RolesView, UserDetail, UserGroupRow } from "../types";
import { Badge, CopyButton, ErrorBox, num, SimulatedBadge, When } from "../ui";
import { DiffList } from "./activity";

type Tab = "attributes" | "json" | "timeline";
/** How many entries `user_detail` reads at most (the newest). */
const TIMELINE_LIMIT = 200;
const TABS: Tab[] = ["attributes", "json", "timeline"];

/** The panel's tabs: one Tab stop, arrow keys (and Home, End) move between them. */
function Tabs(props: { tab: Tab; onTab: (t: Tab) => void; events: number }) {
  const list = useRef<HTMLElement>(null);
  const go = (t: Tab) => {
    props.onTab(t);
    list.current?.querySelector<HTMLElement>(`#tab-${t}`)?.focus();
  };
  const i = TABS.indexOf(props.tab);
  return (
    <nav
      class="tabs"
      role="tablist"
      aria-label="User details"
      ref={list}
      onKeyDown={(e) => {
        const to: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 };
        if (!(e.key in to)) return;
        e.preventDefault();
        go(TABS[(to[e.key] + TABS.length) % TABS.length]);
      }}
    >
      {TABS.map((t) => (
        <button
          type="button"
          role="tab"
          id={`tab-${t}`}
          aria-selected={props.tab === t}
          aria-controls="user-tabpanel"
          tabIndex={props.tab === t ? 0 : -1}
          class={props.tab === t ? "active" : ""}
          onClick={() => props.onTab(t)}
        >
          {t === "attributes" ? "Attributes" : t === "json" ? "SCIM JSON" : `Timeline (${num(props.events)})`}
        </button>
      ))}
    </nav>
  );
}

/** The method the event log gives a change made in this console, and a SAML login. */
const CONSOLE_METHOD = "CONSOLE";
const LOGIN_METHOD = "LOGIN";

/** A value of a diff in words: a string as it is, nothing as `none`. */
function valueWords(v: unknown, none: string): string {
  if (v === undefined || v === null) return none;
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Whether a diff's path is the role attribute (named alone or under its schema's URN). */
function isRolePath(path: string, roleAttr: string | null): boolean {
  if (!roleAttr) return false;
  const p = path.toLowerCase();
  const r = roleAttr.toLowerCase();
  return p === r || p.endsWith(`:${r}`);
}

/** What a diff changed, in words: "Deactivated", "Role Analyst → Admin", "Updated name.givenName";
 *  null when it changed nothing. */
function changeWords(diff: AttrChange[], roleAttr: string | null): string | null {
  const active = diff.find((d) => d.path.toLowerCase() === "active");
  const role = diff.find((d) => isRolePath(d.path, roleAttr));
  const parts: string[] = [];
  if (active?.new === false) parts.push("Deactivated");
  else if (active?.new === true) parts.push("Reactivated");
  if (role) parts.push(`Role ${valueWords(role.old, "none")} → ${valueWords(role.new, "none")}`);
  const others = diff.filter((d) => d !== active && d !== role).map((d) => d.path);
  if (others.length > 0) {
    const list = others.slice(0, 3).join(", ") + (others.length > 3 ? ` and ${others.length - 3} more` : "");
    parts.push(`${parts.length ? "updated" : "Updated"} ${list}`);
  }
  return parts.length ? parts.join(", ") : null;
}

function verb(method: string): string {
  return method === "GET" ? "Read" : method === "POST" ? "Create" : method === "DELETE" ? "Delete" : "Update";
}

/** One line saying what an entry did to the user. */
function summary(e: EventRecord, roleAttr: string | null): string {
  if (e.status === 401) return "Refused: no valid token";
  if (e.status === 429) return "Refused: over the rate limit";
  const changes = changeWords(e.diff, roleAttr);
  const ok = e.status < 400;
  if (e.method === LOGIN_METHOD) {
    if (!ok) return "SAML login refused";
    if (e.status === 201) return `First login: created just in time${e.role ? ` with role ${e.role}` : ""}`;
    return changes ? `Logged in: ${changes.charAt(0).toLowerCase()}${changes.slice(1)}` : "Logged in";
  }
  if (e.method === CONSOLE_METHOD) return ok ? (changes ?? "Saved: nothing changed") : "Change refused";
  if (!ok) {
    if (e.status === 503) return "Held by the deprovisioning guard";
    if (e.status === 400 && e.role) return `Refused role ${e.role}`;
    if (e.status === 404) return `${verb(e.method)} refused: no such user`;
    return `${verb(e.method)} refused (${e.status})`;
  }
  switch (e.method) {
    case "POST":
      return "Created";
    case "DELETE":
      return "Deleted";
    case "GET":
      return /\/Users\/[^/?]+$/.test(e.path.split("?")[0]) ? "Read" : "Looked up";
    case "PUT":
    case "PATCH":
      return changes ?? "Updated: nothing changed";
  }
  return `${e.method} ${e.path}`;
}

type Actor = "console" | "login" | "idp";

function actorOf(e: EventRecord): Actor {
  return e.method === CONSOLE_METHOD ? "console" : e.method === LOGIN_METHOD ? "login" : "idp";
}

/** One entry of the timeline: what it did, when, who did it, and the diff. */
function TimelineEntry(props: { e: EventRecord; roleAttr: string | null }) {
  const { e } = props;
  const actor = actorOf(e);
  const failed = e.status >= 400;
  return (
    <li
      class={`tl-${actor}${failed ? " failed" : ""}`}
      data-event={e.id}
      data-method={e.method}
      data-actor={actor}
      data-simulated={e.simulated ? "true" : undefined}
    >
      <div class="tl-head">
        <span class="tl-summary">{summary(e, props.roleAttr)}</span>
        <span class="tl-when">
          <When at={e.at} full />
        </span>
      </div>
      <div class="tl-meta">
        {actor === "console" ? (
          <>
            <Badge kind="console">Console</Badge>
            <span class="muted">changed in this console</span>
          </>
        ) : actor === "login" ? (
          <>
            <Badge kind="login">SAML login</Badge>
            {e.client && e.client !== "SAML login" && <span class="muted">{e.client}</span>}
          </>
        ) : (
          <>
            <span class="mono">{e.method}</span>
            <span class="muted">
              {e.client ?? "unknown client"} · {e.token_name ? `token “${e.token_name}”` : "no token"}
            </span>
          </>
        )}
        {(actor === "idp" || failed) && <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>}
        {e.simulated && <SimulatedBadge />}
      </div>
      {e.error && <div class="error-text">{e.error}</div>}
      <DiffList diff={e.diff} />
    </li>
  );
}

/** Where the user's role comes from, under the role: a group (its page a click away), the
 *  role attribute, or nothing sent. */
function RoleSourceLine(props: { source: RoleSource }) {
  const { navigate } = useNav();
  const s = props.source;
  return (
    <div class="role-source" data-testid="role-source" data-kind={s.kind}>
      {s.kind === "group" ? (
        <>
          from group{" "}
          {s.group_id ? (
            <button
              type="button"
              class="link"
              data-group-id={s.group_id}
              title={`Open the group ${s.group}`}
              onClick={() => navigate("groups", { group: s.group_id })}
            >
              {s.group}
            </button>
          ) : (
            <span>{s.group}</span>
          )}
        </>
      ) : s.kind === "attribute" ? (
        <>
          set in <span class="mono">{s.attribute}</span>
        </>
      ) : (
        "the default role (none was sent)"
      )}
    </div>
  );
}

/** The user's groups, in the order it joined them, each a click away from its page. */
function UserGroups(props: { groups: UserGroupRow[] }) {
  const { navigate } = useNav();
  const { groups } = props;
  return (
    <section class="user-groups" data-testid="user-groups" aria-labelledby="user-groups-title">
      <h3 id="user-groups-title">Groups ({num(groups.length)})</h3>
      {groups.length === 0 ? (
        <p class="muted">In no group.</p>
      ) : (
        <>
          <ol class="group-list" aria-label="Groups, in the order joined">
            {groups.map((g) => (
              <li data-group-id={g.id}>
                <button type="button" class="link" title={`Open the group ${g.display_name}`} onClick={() => navigate("groups", { group: g.id })}>
                  {g.display_name}
                </button>
                {g.role ? (
                  <span class="muted" data-role={g.role}>
                    {" "}
                    grants the role {g.role}
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
          <p class="hint">In the order joined.</p>
        </>
      )}
    </section>
  );
}

/** Whether a group change can concern the user: a group it is in, or one that gained or lost
 *  it (or whose member list was too long to say); null: anything may have changed. */
function touches(c: ChangeEvent | null, userId: string, groups: UserGroupRow[]): boolean {
  if (!c || groups.some((g) => g.id === c.id)) return true;
  const members = c.diff.find((d) => d.path === "members");
  if (!members) return false;
  return [members.old, members.new].some((v) => (Array.isArray(v) ? v.includes(userId) : v !== undefined && v !== null));
}

/** `focus`: the panel takes the focus when it opens (it was opened from the keyboard). */
export function UserPanel(props: { id: string; focus?: boolean; onClose: () => void }) {
  const [detail, setDetail] = useState<UserDetail | null>(null);
  const [roles, setRoles] = useState<RolesView | null>(null);
  const [tab, setTab] = useState<Tab>("attributes");
  const [error, setError] = useState<CommandError | null>(null);

  const load = () =>
    api
      .userDetail(props.id)
      .then((d) => {
        setDetail(d);
        setError(null);
      })
      .catch((e) => setError(asError(e)));

  // The groups on screen, for the group changes that concern them.
  const groupsNow = useRef<UserGroupRow[]>([]);
  groupsNow.current = detail?.groups ?? [];
  useEffect(() => {
    load();
    api.roles().then(setRoles).catch((e) => setError(asError(e)));
    const un = onUserChanged((c) => {
      if (!c || c.id === props.id) load();
    });
    // Joining or leaving a group that grants no role changes nothing of the user itself:
    // only the group's change says it. A burst of them (a push of many members) reads once.
    let timer: number | undefined;
    const unGroups = onGroupChanged((c) => {
      if (!touches(c, props.id, groupsNow.current)) return;
      clearTimeout(timer);
      timer = window.setTimeout(load, 60);
    });
    return () => {
      clearTimeout(timer);
      un.then((f) => f());
      unGroups.then((f) => f());
    };
  }, [props.id]);

  const panel = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    if (props.focus) panel.current?.focus();
  }, [props.id, props.focus]);

  /** Makes the change; false when the admin thought better of it. */
  const edit = async (change: { active?: boolean; role?: string }): Promise<boolean> => {
    if (!detail) return false;
    if (detail.managed_by_idp) {
      const action =
        change.active === false ? "Deactivate" : change.active === true ? "Reactivate" : `Change role to ${change.role}`;
      const ok = await confirmAction({
        title: "Change a user your identity provider manages?",
        body: (
          <p>
            Your identity provider manages {detail.row.user_name}: its next sync overwrites a change made here. To keep the
            change, make it in the identity provider instead (the assignment or the user's profile there).
          </p>
        ),
        action,
        destructive: change.active === false,
      });
      if (!ok) return false;
    }
    try {
      await api.updateUser(props.id, change);
      await load();
    } catch (e) {
      setError(asError(e));
    }
    return true;
  };

  const row = detail?.row;
  return (
    <aside class="panel" aria-labelledby="user-panel-title" tabIndex={-1} ref={panel}>
      <header class="panel-header">
        <h2 id="user-panel-title">{row?.name || row?.user_name || "User"}</h2>
        <button type="button" class="link" aria-keyshortcuts="Escape" title="Close (Esc)" onClick={props.onClose}>
          Close
        </button>
      </header>
      <ErrorBox error={error} onClose={() => setError(null)} />
      {row && detail && (
        <>
          <div class="panel-summary">
            <span class="mono">{row.user_name}</span>
            {row.active ? <Badge kind="ok">Active</Badge> : <Badge kind="off">Deactivated</Badge>}
            {!row.last_login && <Badge kind="warn">Never logged in</Badge>}
          </div>
          {detail.managed_by_idp && (
            <p class="notice">
              Managed by your identity provider: changes made here are overwritten at the next
              sync.
            </p>
          )}
          <div class="panel-actions">
            <button type="button" class="secondary" onClick={() => edit({ active: !row.active })}>
              {row.active ? "Deactivate" : "Reactivate"}
            </button>
            {roles && (
              <label>
                Role{" "}
                <select
                  name="user-role"
                  value={row.role}
                  onChange={async (e) => {
                    const select = e.target as HTMLSelectElement;
                    // Not changed after all: the list shows the role the user has.
                    if (!(await edit({ role: select.value }))) select.value = row.role;
                  }}
                >
                  {roles.roles.map((r) => (
                    <option value={r.name}>{r.name}</option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <Tabs tab={tab} onTab={setTab} events={detail.events.length} />
          <div id="user-tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
            {tab === "attributes" && (
              <dl class="attrs">
                <dt>Name</dt>
                <dd>{row.name || "—"}</dd>
                <dt>Email</dt>
                <dd>{row.email ?? "—"}</dd>
                <dt>Role</dt>
                <dd data-field="role">
                  {row.role}
                  <RoleSourceLine source={detail.role_source} />
                </dd>
                <dt>Source</dt>
                <dd>{row.source === "jit" ? "First SAML login (JIT)" : row.source === "scim" ? "SCIM" : "Sample data"}</dd>
                <dt>Last login</dt>
                <dd>
                  <When at={row.last_login} full empty="Never logged in" />
                </dd>
                <dt>Last change</dt>
                <dd>
                  <When at={row.last_modified} full />
                </dd>
                <dt>id</dt>
                <dd class="mono">{row.id}</dd>
              </dl>
            )}
            {tab === "attributes" && <UserGroups groups={detail.groups} />}
            {tab === "json" && (
              <div class="json">
                <CopyButton value={JSON.stringify(detail.scim, null, 2)} label="SCIM JSON" />
                <pre>{JSON.stringify(detail.scim, null, 2)}</pre>
              </div>
            )}
            {tab === "timeline" && (
              <>
                {detail.events.length >= TIMELINE_LIMIT && (
                  <p class="hint">The latest {num(detail.events.length)} entries; Activity has the rest.</p>
                )}
                <ol class="timeline" aria-label="Timeline, newest first">
                  {detail.events.length === 0 && <li class="muted">Nothing is logged for this user yet.</li>}
                  {detail.events
                    .slice()
                    .reverse()
                    .map((e) => (
                      <TimelineEntry key={e.id} e={e} roleAttr={roles?.role_attribute ?? null} />
                    ))}
                </ol>
              </>
            )}
          </div>
        </>
      )}
    </aside>
  );
}
