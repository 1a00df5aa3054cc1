// The event log, live: every SCIM request with its status, diff, ignored attributes and
// error, filterable, with requests and errors per minute.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, followEvents } from "../api";
import type { ViewParams } from "../nav";
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

/** One entry of the log: its line (a button that opens it) and, open or failed, its details. */
function EventItem(props: {
  e: EventRecord;
  open: boolean;
  onToggle: () => void;
  /** The list's one Tab stop. */
  tabStop: boolean;
  onFocus: () => void;
  /** The entry the view was opened on (from a finding): marked out. */
  target?: boolean;
}) {
  const { e, open } = props;
  const words = STATUS_WORDS[e.status];
  return (
    // Keyed by entry where it is listed: new entries come in at the top, and the focus stays on its entry.
    <li
      class={`event ${e.status >= 400 ? "failed" : ""} ${props.target ? "target" : ""}`}
      data-id={e.id}
      data-status={e.status}
      data-folded={e.count > 1 ? e.count : undefined}
      data-simulated={e.simulated ? "true" : undefined}
      data-target={props.target ? "true" : undefined}
    >
      <button
        type="button"
        class="event-line"
        aria-expanded={open}
        tabIndex={props.tabStop ? 0 : -1}
        onFocus={props.onFocus}
        onClick={props.onToggle}
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
      {(open || (e.status >= 400 && (e.error || words))) && (
        <div class="event-detail">
          {words && <p class="status-words">{words}</p>}
          {e.error && <p class="error-text">{e.error}</p>}
          {open && (
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
          {open && <DiffList diff={e.diff} />}
        </div>
      )}
    </li>
  );
}

type Filters = { errorsOnly: boolean; hideSimulated: boolean; user: string; client: string; status: string };
const NO_FILTERS: Filters = { errorsOnly: false, hideSimulated: false, user: "", client: "", status: "" };

/** The entry the view was opened on, once read: listed (opened in the list), or `pinned` above
 *  it when the list does not reach back to it; `entry` is null when the log no longer has it. */
interface Target {
  id: number;
  entry: EventRecord | null;
  pinned: boolean;
}

export function ActivityView(props: { params?: ViewParams["activity"] }) {
  const params = props.params ?? {};
  const [events, setEvents] = useState<EventRecord[]>([]);
  const [minutes, setMinutes] = useState<MinuteCount[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [filters, setFilters] = useState<Filters>({
    ...NO_FILTERS,
    errorsOnly: !!params.errorsOnly,
    hideSimulated: !!params.hideSimulated,
  });
  const [target, setTarget] = useState<Target | null>(null);
  // Opened on an entry, the list waits until the entry is read (and the filters set from it).
  const ready = useRef(params.event === undefined);
  const latest = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  // The filters the list on screen was read with; another value means "read it all again".
  const shown = useRef<Filters | null>(null);

  // One refresh for the first load, new filters and the log's notices, never two at once and
  // never a notice dropped (see `coalesced`): the whole list when the filters changed, else
  // what came after the newest entry on screen.
  const refresh = useMemo(
    () =>
      coalesced(async () => {
        if (!ready.current) return;
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

  // Opened on an entry: read it, then list the requests about the same user (the entry among
  // them, with what happened to that user before and after).
  useEffect(() => {
    const id = params.event;
    if (id === undefined) return;
    api
      .listEvents({ errors_only: false, after_id: id - 1, before_id: id + 1, limit: 1 })
      .then(([entry]) => {
        setTarget({ id, entry: entry ?? null, pinned: false });
        return entry?.user_name ?? "";
      })
      .catch((e) => {
        setError(asError(e));
        return "";
      })
      .then((user) => {
        ready.current = true;
        setFilters({ ...NO_FILTERS, user });
      });
  }, []);

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

  // Once the list is read with the entry's filters: the entry opened, scrolled to and focused
  // where it is listed, or pinned above the list when the list does not reach back to it.
  const revealed = useRef(false);
  const focusTarget = useRef(false);
  useEffect(() => {
    if (!target?.entry || revealed.current || shown.current !== filters) return;
    revealed.current = true;
    setOpen((o) => new Set(o).add(target.id));
    if (events.some((e) => e.id === target.id)) setCurrent(target.id);
    else setTarget({ ...target, pinned: true });
    focusTarget.current = true;
  }, [events, target]);
  useEffect(() => {
    if (!focusTarget.current || !target || !open.has(target.id)) return;
    const li = document.querySelector(`.activity-view li.event[data-target="true"]`);
    if (!li) return;
    focusTarget.current = false;
    li.scrollIntoView({ block: "center" });
    lineOf(li)?.focus({ preventScroll: true });
  });

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
      lineOf(li ?? document.querySelector(`.activity-view li.event[data-id="${id}"]`))?.focus();
    },
    [open],
  );
  /** A filter changed by the admin: the entry opened on is no longer pinned above the list. */
  const changeFilters = (f: Filters) => {
    setFilters(f);
    if (target?.pinned) setTarget({ ...target, pinned: false });
  };

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
            onChange={(e) => changeFilters({ ...filters, errorsOnly: (e.target as HTMLInputElement).checked })}
          />
          Errors only
        </label>
        <label class="check" title={SIMULATED_MEANING}>
          <input
            type="checkbox"
            name="hide-simulated"
            checked={filters.hideSimulated}
            onChange={(e) => changeFilters({ ...filters, hideSimulated: (e.target as HTMLInputElement).checked })}
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
            onValue={(v) => changeFilters({ ...filters, [key]: v })}
          />
        ))}
        {(filters.errorsOnly || filters.hideSimulated || filters.user || filters.client || filters.status) && (
          <button type="button" class="secondary" data-action="clear-filters" onClick={() => changeFilters(NO_FILTERS)}>
            Show all requests
          </button>
        )}
      </div>
      {target && (
        <p class="notice target-notice" role="status" data-testid="activity-target">
          {target.entry ? (
            <>
              Opened on the request <span class="mono">{target.entry.method} {target.entry.path}</span> ({target.entry.status},{" "}
              {new Date(target.entry.at).toLocaleString()})
              {filters.user ? (
                <>
                  , among the requests about <span class="mono">{filters.user}</span>
                </>
              ) : null}
              {target.pinned ? "; it is older than the entries listed, so it is shown above them." : "."}
            </>
          ) : (
            <>The request #{target.id} is no longer in the event log.</>
          )}
        </p>
      )}
      <ErrorBox error={error} />
      {target?.pinned && target.entry && (
        <ol class="events pinned" aria-label="The request opened on">
          <EventItem e={target.entry} open={open.has(target.id)} onToggle={() => toggle(target.id)} tabStop onFocus={() => undefined} target />
        </ol>
      )}
      <ol class="events" aria-label="Requests, newest first" ref={list} onKeyDown={onListKey}>
        {events.length === 0 && <li class="empty">No request yet. Requests appear here as they arrive.</li>}
        {events.map((e) => (
          <EventItem
            key={e.id}
            e={e}
            open={open.has(e.id)}
            onToggle={() => toggle(e.id)}
            tabStop={e.id === tabStop}
            onFocus={() => setCurrent(e.id)}
            target={target !== null && !target.pinned && e.id === target.id}
          />
        ))}
      </ol>
    </section>
  );
}
