// One user: attributes, the raw SCIM JSON, and the timeline of requests with their diffs.

import { useEffect, useState } from "preact/hooks";
import { api, asError, onUserChanged } from "../api";
import type { CommandError, RolesView, UserDetail } from "../types";
import { Badge, CopyButton, ErrorBox, SimulatedBadge, when } from "../ui";
import { DiffList } from "./activity";

type Tab = "attributes" | "json" | "timeline";

export function UserPanel(props: { id: string; onClose: () => void }) {
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

  const edit = async (change: { active?: boolean; role?: string }) => {
    if (!detail) return;
    if (
      detail.managed_by_idp &&
      !window.confirm(
        "This user is managed by your identity provider: the next sync will overwrite this change. Change it anyway?",
      )
    )
      return;
    try {
      await api.updateUser(props.id, change);
      await load();
    } catch (e) {
      setError(asError(e));
    }
  };

  const row = detail?.row;
  return (
    <aside class="panel" aria-label="User details">
      <header class="panel-header">
        <h2>{row?.name || row?.user_name || "User"}</h2>
        <button type="button" class="link" onClick={props.onClose}>
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
                  value={row.role}
                  onChange={(e) => edit({ role: (e.target as HTMLSelectElement).value })}
                >
                  {roles.roles.map((r) => (
                    <option value={r.name}>{r.name}</option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <nav class="tabs">
            {(["attributes", "json", "timeline"] as Tab[]).map((t) => (
              <button type="button" class={tab === t ? "active" : ""} onClick={() => setTab(t)}>
                {t === "attributes" ? "Attributes" : t === "json" ? "SCIM JSON" : `Timeline (${detail.events.length})`}
              </button>
            ))}
          </nav>
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
        </>
      )}
    </aside>
  );
}
