// The event log, live: every SCIM request with its status, diff, ignored attributes and
// error, filterable, with requests and errors per minute.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, followEvents } from "../api";
import type { AttrChange, CommandError, EventRecord, EventsQuery, MinuteCount } from "../types";
import { ErrorBox, num, PageHeader, plural, SIMULATED_MEANING, SimulatedBadge, TextInput, Time, typingIn, useKeyDown } from "../ui";

const LIMIT = 300;

/** The text filters, named for screen readers; `/` goes to the first. */
const FILTER_BOXES = [
  ["user", "Filter by user", "User"],
  ["client", "Filter by client", "Client (e.g. Okta)"],
  ["status", "Filter by status", "Status (e.g. 400)"],
] as const;

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

/** A `YYYY-MM-DDTHH:MM` UTC minute as a local time of day. */
function minuteLabel(minute: string): string {
  return new Date(`${minute}:00Z`).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
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
              <title>{`${minuteLabel(s.minute)}: ${plural(s.requests, "request", "requests")}, ${plural(s.errors, "error", "errors")}`}</title>
              <rect x={i * 10 + 1} y={60 - h} width={8} height={h} class="bar" />
              <rect x={i * 10 + 1} y={60 - e} width={8} height={e} class="bar-error" />
            </g>
          );
        })}
      </svg>
      <figcaption>
        Last hour: {plural(total, "request", "requests")}, {plural(errors, "error", "errors")} (a folded entry counts every request it
        stands for)
      </figcaption>
    </figure>
  );
}

/** What a status means where a number alone does not say it. */
export const STATUS_WORDS: Record<number, string> = {
  401: "No valid token",
  429: "Throttled (rate limit)",
  503: "Held by the deprovisioning guard",
};

/** "×37" on a folded entry, with what it stands for. */
function FoldedCount(props: { e: EventRecord }) {
  const e = props.e;
  if (e.count <= 1) return null;
  const what = `${num(e.count)} requests in this minute from ${e.address ?? "an unknown address"} folded into one entry`;
  return (
    <span class="badge badge-count" title={what} data-count={e.count}>
      ×{num(e.count)}
    </span>
  );
}

export function ActivityView() {
  const [events, setEvents] = useState<EventRecord[]>([]);
  const [minutes, setMinutes] = useState<MinuteCount[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [filters, setFilters] = useState({ errorsOnly: false, hideSimulated: false, user: "", client: "", status: "" });
  const latest = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  // The filters the list on screen was read with; another value means "read it all again".
  const shown = useRef<typeof filters | null>(null);

  // One refresh for the first load, new filters and the log's notices, never two at once and
  // never a notice dropped (see `coalesced`): the whole list when the filters changed, else
  // what came after the newest entry on screen.
  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const f = filtersRef.current;
        const query: EventsQuery = {
          errors_only: f.errorsOnly,
          hide_reads: false,
          user: f.user || undefined,
          client: f.client || undefined,
          status: /^\d{3}$/.test(f.status) ? Number(f.status) : undefined,
          simulated: f.hideSimulated ? false : undefined,
          limit: LIMIT,
        };
        try {
          if (shown.current !== f) {
            const list = await api.listEvents(query);
            latest.current = list.length ? list[list.length - 1].id : 0;
            shown.current = f;
            setEvents(list.reverse());
          } else {
            const fresh = await api.listEvents({ ...query, after_id: latest.current });
            if (fresh.length) {
              latest.current = fresh[fresh.length - 1].id;
              setEvents((old) => [...fresh.reverse(), ...old].slice(0, LIMIT));
            }
          }
          setMinutes(await api.eventsPerMinute(60));
          setError(null);
        } catch (e) {
          setError(asError(e));
        }
      }),
    [],
  );

  useEffect(() => followEvents(refresh), []);
  useEffect(() => {
    refresh();
  }, [filters]);

  const toggle = (id: number) =>
    setOpen((o) => {
      const n = new Set(o);
      n.has(id) ? n.delete(id) : n.add(id);
      return n;
    });

  // The entry the keyboard is on: the list's one Tab stop (the newest entry until another
  // is chosen); arrow keys move it.
  const [current, setCurrent] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const tabStop = events.some((e) => e.id === current) ? current : (events[0]?.id ?? null);
  const lineOf = (li: Element | null | undefined) => li?.querySelector<HTMLElement>(":scope > .event-line");
  const onListKey = (e: KeyboardEvent) => {
    const li = (e.target as HTMLElement).closest("li.event");
    if (!li || !(e.target as HTMLElement).classList.contains("event-line")) return;
    const all = list.current?.querySelectorAll(":scope > li.event");
    const to =
      e.key === "ArrowDown"
        ? li.nextElementSibling
        : e.key === "ArrowUp"
          ? li.previousElementSibling
          : e.key === "Home"
            ? all?.[0]
            : e.key === "End"
              ? all?.[all.length - 1]
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    lineOf(to)?.focus();
  };
  // Esc closes the entry the focus is in (or, with the focus elsewhere, the last one opened)
  // and leaves the focus on its line.
  useKeyDown(
    (e) => {
      if (e.key !== "Escape" || typingIn(e) || open.size === 0) return;
      const li = (e.target as HTMLElement).closest?.("li.event");
      const id = li ? Number(li.getAttribute("data-id")) : [...open].pop();
      if (id === undefined || !open.has(id)) return;
      e.preventDefault();
      toggle(id);
      lineOf(list.current?.querySelector(`:scope > li[data-id="${id}"]`))?.focus();
    },
    [open],
  );

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
        <label class="check" title={SIMULATED_MEANING}>
          <input
            type="checkbox"
            name="hide-simulated"
            checked={filters.hideSimulated}
            onChange={(e) => setFilters({ ...filters, hideSimulated: (e.target as HTMLInputElement).checked })}
          />
          Hide simulated
        </label>
        {FILTER_BOXES.map(([key, label, placeholder]) => (
          <TextInput
            type="search"
            name={key}
            label={label}
            search={key === "user"}
            placeholder={placeholder}
            value={filters[key]}
            onCommit
            onValue={(v) => setFilters({ ...filters, [key]: v })}
          />
        ))}
      </div>
      <ErrorBox error={error} />
      <ol class="events" aria-label="Requests, newest first" ref={list} onKeyDown={onListKey}>
        {events.length === 0 && <li class="empty">No request yet. Requests appear here as they arrive.</li>}
        {events.map((e) => {
          const words = STATUS_WORDS[e.status];
          return (
            // Keyed by entry: new entries come in at the top, and the focus stays on its entry.
            <li
              key={e.id}
              class={`event ${e.status >= 400 ? "failed" : ""}`}
              data-id={e.id}
              data-status={e.status}
              data-folded={e.count > 1 ? e.count : undefined}
              data-simulated={e.simulated ? "true" : undefined}
            >
              <button
                type="button"
                class="event-line"
                aria-expanded={open.has(e.id)}
                tabIndex={e.id === tabStop ? 0 : -1}
                onFocus={() => setCurrent(e.id)}
                onClick={() => toggle(e.id)}
              >
                <span class="status-cell">
                  <span class={`status-code s${Math.floor(e.status / 100)}`} title={words}>
                    {e.status}
                  </span>
                  <FoldedCount e={e} />
                  {e.simulated && <SimulatedBadge />}
                </span>
                <span class="mono method">{e.method}</span>
                <span class="mono path" title={e.path}>
                  {e.path}
                </span>
                <span class="who" title={e.user_name ?? undefined}>
                  {e.user_name ?? ""}
                </span>
                <span class="muted client">{e.client ?? "unknown client"}</span>
                <span class="muted">
                  <Time at={e.at} />
                </span>
              </button>
              {(open.has(e.id) || (e.status >= 400 && (e.error || words))) && (
                <div class="event-detail">
                  {words && <p class="status-words">{words}</p>}
                  {e.error && <p class="error-text">{e.error}</p>}
                  {open.has(e.id) && (
                    <dl class="attrs">
                      <dt>Time</dt>
                      <dd>{new Date(e.at).toLocaleString()}</dd>
                      {e.count > 1 && (
                        <>
                          <dt>Folded</dt>
                          <dd>
                            {num(e.count)} requests in this minute from {e.address ?? "an unknown address"} folded
                            into one entry; the time and details are the last one's.
                          </dd>
                        </>
                      )}
                      {e.simulated && (
                        <>
                          <dt>Simulated</dt>
                          <dd>{SIMULATED_MEANING}</dd>
                        </>
                      )}
                      <dt>Token</dt>
                      <dd>{e.token_name ?? "none (not authenticated)"}</dd>
                      <dt>Client</dt>
                      <dd>{e.client ?? "—"}</dd>
                      <dt>Client address</dt>
                      <dd class="mono">{e.address ?? "—"}</dd>
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
          );
        })}
      </ol>
    </section>
  );
}
