// One user: attributes, the raw SCIM JSON, and the timeline of requests with their diffs.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError, onUserChanged } from "../api";
import { confirmAction } from "../dialog";
import type { CommandError, RolesView, UserDetail } from "../types";
import { Badge, CopyButton, ErrorBox, num, SimulatedBadge, when } from "../ui";
import { DiffList } from "./activity";

type Tab = "attributes" | "json" | "timeline";
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

  useEffect(() => {
    load();
    api.roles().then(setRoles).catch((e) => setError(asError(e)));
    const un = onUserChanged((c) => {
      if (!c || c.id === props.id) load();
    });
    return () => {
      un.then((f) => f());
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
                <dd>
                  {row.role} {!row.role_from_idp && <span class="muted">(default role)</span>}
                </dd>
                <dt>Source</dt>
                <dd>{row.source === "jit" ? "First SAML login (JIT)" : row.source === "scim" ? "SCIM" : "Sample data"}</dd>
                <dt>Last login</dt>
                <dd>{when(row.last_login)}</dd>
                <dt>Last change</dt>
                <dd>{when(row.last_modified)}</dd>
                <dt>id</dt>
                <dd class="mono">{row.id}</dd>
              </dl>
            )}
            {tab === "json" && (
              <div class="json">
                <CopyButton value={JSON.stringify(detail.scim, null, 2)} label="SCIM JSON" />
                <pre>{JSON.stringify(detail.scim, null, 2)}</pre>
              </div>
            )}
            {tab === "timeline" && (
              <ol class="timeline">
                {detail.events.length === 0 && <li class="muted">No request has touched this user yet.</li>}
                {detail.events
                  .slice()
                  .reverse()
                  .map((e) => (
                    <li data-simulated={e.simulated ? "true" : undefined}>
                      <div>
                        <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>{" "}
                        {e.simulated && <SimulatedBadge />}
                        <span class="mono">{e.method}</span> <span title={e.at}>{when(e.at)}</span>{" "}
                        <span class="muted">{e.token_name ?? "no token"} · {e.client ?? "unknown client"}</span>
                      </div>
                      {e.error && <div class="error-text">{e.error}</div>}
                      <DiffList diff={e.diff} />
                    </li>
                  ))}
              </ol>
            )}
          </div>
        </>
      )}
    </aside>
  );
}
