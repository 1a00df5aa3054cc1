// The event log, live: every SCIM request with its status, diff, ignored attributes and
// error, filterable, with requests and errors per minute.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, asError, onEventsWritten } from "../api";
import type { AttrChange, CommandError, EventRecord, EventsQuery, MinuteCount } from "../types";
import { ErrorBox, PageHeader, TextInput, when } from "../ui";

const LIMIT = 300;

function show(v: unknown): string {
  return v === undefined ? "∅" : JSON.stringify(v);
}

export function DiffList(props: { diff: AttrChange[] }) {
  if (props.diff.length === 0) return null;
  return (
    <ul class="diff">
      {props.diff.map((d) => (
        <li>
          <span class="mono">{d.path}</span>: <del>{show(d.old)}</del> → <ins>{show(d.new)}</ins>
        </li>
      ))}
    </ul>
  );
}

function Chart(props: { data: MinuteCount[] }) {
  // The last 60 minutes, one bar per minute, errors stacked in red.
  const now = Date.now();
  const slots: MinuteCount[] = [];
  const byMinute = new Map(props.data.map((m) => [m.minute, m]));
  for (let i = 59; i >= 0; i--) {
    const key = new Date(now - i * 60000).toISOString().slice(0, 16);
    slots.push(byMinute.get(key) ?? { minute: key, requests: 0, errors: 0 });
  }
  const max = Math.max(1, ...slots.map((s) => s.requests));
  const total = slots.reduce((a, s) => a + s.requests, 0);
  const errors = slots.reduce((a, s) => a + s.errors, 0);
  return (
    <figure class="chart" aria-label="Requests and errors per minute">
      <svg viewBox="0 0 600 60" preserveAspectRatio="none">
        {slots.map((s, i) => {
          const h = (s.requests / max) * 58;
          const e = (s.errors / max) * 58;
          return (
            <g>
              <title>{`${s.minute.slice(11)} UTC: ${s.requests} requests, ${s.errors} errors`}</title>
              <rect x={i * 10 + 1} y={60 - h} width={8} height={h} class="bar" />
              <rect x={i * 10 + 1} y={60 - e} width={8} height={e} class="bar-error" />
            </g>
          );
        })}
      </svg>
      <figcaption>
        Last hour: {total} requests, {errors} errors
      </figcaption>
    </figure>
  );
}

export function ActivityView() {
  const [events, setEvents] = useState<EventRecord[]>([]);
  const [minutes, setMinutes] = useState<MinuteCount[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [filters, setFilters] = useState({ errorsOnly: false, user: "", client: "", status: "" });
  const latest = useRef(0);

  const query = (): EventsQuery => ({
    errors_only: filters.errorsOnly,
    user: filters.user || undefined,
    client: filters.client || undefined,
    status: /^\d{3}$/.test(filters.status) ? Number(filters.status) : undefined,
  });

  const reload = async () => {
    try {
      const list = await api.listEvents({ ...query(), limit: LIMIT });
      latest.current = list.length ? list[list.length - 1].id : 0;
      setEvents(list.reverse());
      setMinutes(await api.eventsPerMinute(60));
      setError(null);
    } catch (e) {
      setError(asError(e));
    }
  };

  useEffect(() => {
    reload();
  }, [filters]);

  useEffect(() => {
    let busy = false;
    const un = onEventsWritten(async () => {
      if (busy) return;
      busy = true;
      try {
        const fresh = await api.listEvents({ ...query(), after_id: latest.current, limit: LIMIT });
        if (fresh.length) {
          latest.current = fresh[fresh.length - 1].id;
          setEvents((old) => [...fresh.reverse(), ...old].slice(0, LIMIT));
        }
        setMinutes(await api.eventsPerMinute(60));
      } catch (e) {
        setError(asError(e));
      } finally {
        busy = false;
      }
    });
    return () => {
      un.then((f) => f());
    };
  }, [filters]);

  const toggle = (id: number) =>
    setOpen((o) => {
      const n = new Set(o);
      n.has(id) ? n.delete(id) : n.add(id);
      return n;
    });

  return (
    <section class="view activity-view">
      <PageHeader title="Activity" />
      <Chart data={minutes} />
      <div class="toolbar">
        <label class="check">
          <input
            type="checkbox"
            name="errors-only"
            checked={filters.errorsOnly}
            onChange={(e) => setFilters({ ...filters, errorsOnly: (e.target as HTMLInputElement).checked })}
          />
          Errors only
        </label>
        <TextInput type="search" name="user" placeholder="User" value={filters.user} onCommit onValue={(v) => setFilters({ ...filters, user: v })} />
        <TextInput type="search" name="client" placeholder="Client (e.g. Okta)" value={filters.client} onCommit onValue={(v) => setFilters({ ...filters, client: v })} />
        <TextInput type="search" name="status" placeholder="Status (e.g. 400)" value={filters.status} onCommit onValue={(v) => setFilters({ ...filters, status: v })} />
      </div>
      <ErrorBox error={error} />
      <ol class="events">
        {events.length === 0 && <li class="empty">No request yet. Requests appear here as they arrive.</li>}
        {events.map((e) => (
          <li class={`event ${e.status >= 400 ? "failed" : ""}`} data-status={e.status}>
            <button type="button" class="event-line" onClick={() => toggle(e.id)}>
              <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>
              <span class="mono method">{e.method}</span>
              <span class="mono path">{e.path}</span>
              <span class="who">{e.user_name ?? ""}</span>
              <span class="muted">{e.client ?? "unknown client"}</span>
              <span class="muted" title={e.at}>
                {when(e.at)}
              </span>
            </button>
            {(open.has(e.id) || (e.status >= 400 && e.error)) && (
              <div class="event-detail">
                {e.error && <p class="error-text">{e.error}</p>}
                {open.has(e.id) && (
                  <dl class="attrs">
                    <dt>Time</dt>
                    <dd>{new Date(e.at).toLocaleString()}</dd>
                    <dt>Token</dt>
                    <dd>{e.token_name ?? "none (not authenticated)"}</dd>
                    <dt>Client</dt>
                    <dd>{e.client ?? "—"}</dd>
                    <dt>Latency</dt>
                    <dd>{(e.latency_us / 1000).toFixed(1)} ms</dd>
                    {e.resource_id && (
                      <>
                        <dt>User id</dt>
                        <dd class="mono">{e.resource_id}</dd>
                      </>
                    )}
                    {e.role !== null && (
                      <>
                        <dt>Role sent</dt>
                        <dd class="mono">{e.role}</dd>
                      </>
                    )}
                    {e.ignored.length > 0 && (
                      <>
                        <dt>Ignored attributes</dt>
                        <dd class="mono">{e.ignored.join(", ")}</dd>
                      </>
                    )}
                  </dl>
                )}
                {open.has(e.id) && <DiffList diff={e.diff} />}
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
