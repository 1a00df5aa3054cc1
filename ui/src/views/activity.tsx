// The event log, live, for investigations: every SCIM request in words (what it did, to whom,
// from which client and token), filtered by time, user, client, status and kind, and paged back
// by id; an entry opens on its request and answer, with a curl command that repeats it; a chart
// of requests and errors over time whose bars filter the list; the matching entries exported whole.

import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, followEvents } from "../api";
import type { ViewParams } from "../nav";
import type { ActivityEntry, AttrChange, CommandError, EventsQuery, Exported, ExportFormat, MinuteCount } from "../types";
import { CopyButton, ErrorBox, num, PageHeader, plural, SIMULATED_MEANING, SimulatedBadge, TextInput, Time, typingIn, useKeyDown } from "../ui";
import { shortPath } from "./health";

/** Entries read at a time: the first page, each older page, the new entries of one notice. */
const LIMIT = 300;
const MIN = 60_000;

/** The text filters, each with its visible label; `/` goes to the first. */
const FILTER_BOXES = [
  ["user", "User", "e.g. dana@"],
  ["client", "Client", "e.g. Okta"],
  ["status", "Status", "e.g. 400"],
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

/** What a status means where a number alone does not say it. */
export const STATUS_WORDS: Record<number, string> = {
  401: "No valid token",
  429: "Throttled (rate limit)",
  503: "Held by the deprovisioning guard",
};

// ---------------------------------------------------------------------------------------------
// Times. The log compares times as text, so every time sent to it is in its one form,
// `2026-05-01T09:00:00.000Z` (what `toISOString` writes); people see local times.

/** "01:14" in local time. */
function hm(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function today(t: number): boolean {
  return new Date(t).toDateString() === new Date().toDateString();
}

/** "01:14" today, "Tue 30 Apr 23:50" another day. */
function localTime(t: number): string {
  if (today(t)) return hm(t);
  return `${new Date(t).toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" })} ${hm(t)}`;
}

/** A span of time as its chip says it: "14:32 – 14:33", with the day when it is not today. */
function spanLabel(start: number, end: number): string {
  return `${localTime(start)} – ${hm(end)}`;
}

/** An entry's time on its line: the local time of day to the second, with the date when not today. */
function clock(at: string): string {
  const d = new Date(at);
  return today(d.getTime())
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A time as a `datetime-local` box holds it ("2026-05-01T09:00", local time). */
function localInput(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A local date and time as typed (the picker's form, or "2026-05-01 09:00" where the window
 *  shows a plain text box) in the log's form; "" for an empty box, null for what is not a time. */
function fromLocalInput(text: string): string | null {
  const t = text.trim();
  if (!t) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(t);
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  // `Date` rolls 31 April over to 1 May: such a day is not a time.
  if (isNaN(d.getTime()) || d.getMonth() !== +m[2] - 1 || d.getDate() !== +m[3]) return null;
  return d.toISOString();
}

// ---------------------------------------------------------------------------------------------
// Filters.

const RANGES = [
  ["hour", "Last hour"],
  ["day", "Last 24 hours"],
  ["week", "Last 7 days"],
  ["all", "All time"],
  ["custom", "Custom range"],
] as const;
type Range = (typeof RANGES)[number][0];
const RANGE_MS = { hour: 60 * MIN, day: 1440 * MIN, week: 7 * 1440 * MIN };

interface Filters {
  errorsOnly: boolean;
  hideSimulated: boolean;
  hideReads: boolean;
  user: string;
  client: string;
  status: string;
  range: Range;
  /** The custom range, in the log's form ("" = open at that end). */
  since: string;
  until: string;
  /** A bar of the chart chosen: its minutes, in place of the range. */
  span: { since: string; until: string } | null;
}

const NO_FILTERS: Filters = {
  errorsOnly: false,
  hideSimulated: false,
  hideReads: false,
  user: "",
  client: "",
  status: "",
  range: "all",
  since: "",
  until: "",
  span: null,
};

function anyFilter(f: Filters): boolean {
  return f.errorsOnly || f.hideSimulated || f.hideReads || !!f.user || !!f.client || !!f.status || f.range !== "all" || f.span !== null;
}

/** The query the filters make at `now`. A range like "last hour" is fixed when the list is read,
 *  so older pages, the count and an export keep to the same entries (new ones still come in). */
function queryOf(f: Filters, now: number): EventsQuery {
  let since: string | undefined;
  let until: string | undefined;
  if (f.span) ({ since, until } = f.span);
  else if (f.range === "custom") {
    since = f.since || undefined;
    until = f.until || undefined;
  } else if (f.range !== "all") since = new Date(now - RANGE_MS[f.range]).toISOString();
  const status = f.status.trim();
  return {
    errors_only: f.errorsOnly,
    hide_reads: f.hideReads,
    user: f.user.trim() || undefined,
    client: f.client.trim() || undefined,
    status: /^\d{3}$/.test(status) ? Number(status) : undefined,
    simulated: f.hideSimulated ? false : undefined,
    since,
    until,
  };
}

/** "since 01:14", "between 09:00 and 10:00", "" for all time. */
function timeWords(q: EventsQuery): string {
  const since = q.since ? localTime(Date.parse(q.since)) : null;
  const until = q.until ? localTime(Date.parse(q.until)) : null;
  if (since && until) return `between ${since} and ${until}`;
  if (since) return `since ${since}`;
  if (until) return `before ${until}`;
  return "";
}

// ---------------------------------------------------------------------------------------------
// The chart: requests and errors over the time range, in bars of one minute or more.

/** What the chart shows: from `start` to `end` (ms, whole minutes), in bars of `bucket` minutes,
 *  labelled every `tick` minutes (local time). */
interface ChartSpan {
  start: number;
  end: number;
  bucket: number;
  tick: number;
  title: string;
  /** Why the chart covers less than the list, when it does. */
  note: string | null;
}

interface Bucket {
  start: number;
  end: number;
  requests: number;
  errors: number;
}

function minuteOfDay(t: number): number {
  const d = new Date(t);
  return d.getHours() * 60 + d.getMinutes();
}

function chartSpan(start: number, end: number, title: string, note: string | null = null): ChartSpan {
  const span = (end - start) / MIN;
  // At most 150 bars (a day is 144 bars of 10 minutes), and 8 labels or fewer.
  const bucket = [1, 2, 5, 10, 15, 30, 60].find((b) => span / b <= 150) ?? 60;
  const tick = [5, 10, 15, 30, 60, 120, 180, 360, 720].find((t) => t % bucket === 0 && span / t <= 8) ?? 1440;
  return { start, end, bucket, tick, title, note };
}

/** The chart for the time range chosen; the log's counts reach back 24 hours. */
function chartFor(f: Filters, now: number): ChartSpan {
  const end = Math.floor(now / MIN) * MIN + MIN; // the minute under way included
  const dayAgo = end - 1440 * MIN;
  const lastDay = (note: string) => chartSpan(dayAgo, end, "Last 24 hours", note);
  switch (f.range) {
    case "hour":
      return chartSpan(end - 60 * MIN, end, "Last hour");
    case "day":
      return chartSpan(dayAgo, end, "Last 24 hours");
    case "custom": {
      const s = f.since ? Math.floor(Date.parse(f.since) / MIN) * MIN : NaN;
      const u = f.until ? Math.min(end, Math.ceil(Date.parse(f.until) / MIN) * MIN) : end;
      if (s >= dayAgo && u > s) return chartSpan(s, u, spanLabel(s, u));
      return lastDay("The chart reaches back 24 hours at most, so it shows the last 24 hours rather than the range chosen.");
    }
    default:
      return lastDay(`The chart reaches back 24 hours at most; the list covers ${f.range === "week" ? "the last 7 days" : "the whole log"}.`);
  }
}

/** The bars: the last one holds the minute under way; they start on round local times. */
function bucketsOf(c: ChartSpan, data: MinuteCount[]): Bucket[] {
  const by = new Map(data.map((m) => [m.minute, m]));
  const size = c.bucket * MIN;
  let last = c.end - MIN;
  while (minuteOfDay(last) % c.bucket !== 0) last -= MIN;
  const out: Bucket[] = [];
  for (let t = last; t >= c.start; t -= size) {
    let requests = 0;
    let errors = 0;
    for (let m = t; m < t + size; m += MIN) {
      const n = by.get(new Date(m).toISOString().slice(0, 16));
      if (n) {
        requests += n.requests;
        errors += n.errors;
      }
    }
    out.push({ start: t, end: t + size, requests, errors });
  }
  return out.reverse();
}

/** The axis label of a bar that starts on a tick: "03:00", or the day ("Wed 2") at midnight. */
function tickLabel(t: number): string {
  const d = new Date(t);
  return minuteOfDay(t) === 0 ? `${d.toLocaleDateString([], { weekday: "short" })} ${d.getDate()}` : hm(t);
}

/** A bar's minute as `data-minute` gives it: `YYYY-MM-DDTHH:MM` in UTC, as the log counts them. */
function minuteKey(t: number): string {
  return new Date(t).toISOString().slice(0, 16);
}

function Chart(props: { filters: Filters; onSelect: (b: Bucket | null) => void }) {
  const [now, setNow] = useState(() => Date.now());
  const [data, setData] = useState<MinuteCount[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const span = chartFor(props.filters, now);
  const spanRef = useRef(span);
  spanRef.current = span;
  const load = useMemo(
    () =>
      coalesced(async () => {
        const t = Date.now();
        const minutes = Math.min(1440, Math.max(1, Math.ceil((t - spanRef.current.start) / MIN) + 1));
        try {
          setData(await api.eventsPerMinute(minutes));
          setNow(t);
          setError(null);
        } catch (e) {
          setError(asError(e));
        }
      }),
    [],
  );
  // The log's notices (a flood writes it many times a second: one read a second at most), and
  // the clock: the bars move on with no request too.
  useEffect(() => {
    let gather: number | undefined;
    const stop = followEvents(() => {
      if (gather === undefined)
        gather = window.setTimeout(() => {
          gather = undefined;
          load();
        }, 1000);
    });
    const tick = window.setInterval(load, 30000);
    return () => {
      stop();
      window.clearInterval(tick);
      window.clearTimeout(gather);
    };
  }, []);
  useEffect(() => {
    load();
  }, [props.filters.range, props.filters.since, props.filters.until]);

  const buckets = bucketsOf(span, data);
  const max = Math.max(1, ...buckets.map((b) => b.requests));
  const requests = buckets.reduce((a, b) => a + b.requests, 0);
  const errors = buckets.reduce((a, b) => a + b.errors, 0);
  const selected = props.filters.span ? Date.parse(props.filters.span.since) : null;
  // The bar the keyboard is on (its start): the one Tab stop; arrow keys move it.
  const [stop, setStop] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [focused, setFocused] = useState<number | null>(null);
  const starts = buckets.map((b) => b.start);
  const tabAt = [selected, stop].find((t) => t !== null && starts.includes(t)) ?? starts[starts.length - 1];
  const tip = buckets.find((b) => b.start === (hover ?? focused));
  const tipAt = tip ? (buckets.indexOf(tip) + 0.5) / buckets.length : 0;
  const per = span.bucket === 1 ? "minute" : `${span.bucket} minutes`;
  const captionId = useId();
  const howId = useId();
  const lastStart = starts[starts.length - 1];
  const words = (b: Bucket) =>
    `${spanLabel(b.start, b.end)}${b.start === lastStart ? " (so far)" : ""}: ${plural(b.requests, "request", "requests")}, ${plural(b.errors, "error", "errors")}`;

  const onKeyDown = (e: KeyboardEvent) => {
    const bars = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>("button.chart-bar")];
    const i = bars.indexOf(e.target as HTMLButtonElement);
    if (i < 0) return;
    const to: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: bars.length - 1 };
    if (!(e.key in to)) return;
    e.preventDefault();
    bars[Math.max(0, Math.min(bars.length - 1, to[e.key]))]?.focus();
  };

  return (
    <figure class="chart" data-testid="activity-chart" data-bucket={span.bucket} aria-labelledby={captionId}>
      <div class="chart-head">
        <figcaption id={captionId}>
          <strong>Requests per {per}</strong> · {span.title}: {plural(requests, "request", "requests")},{" "}
          <span class={errors > 0 ? "chart-errors" : ""}>{plural(errors, "error", "errors")}</span>
        </figcaption>
        <ul class="chart-legend" aria-label="Legend">
          <li>
            <span class="swatch swatch-ok" aria-hidden="true" /> Requests
          </li>
          <li>
            <span class="swatch swatch-error" aria-hidden="true" /> Errors (hatched)
          </li>
        </ul>
      </div>
      <ErrorBox error={error} />
      <div class="chart-body">
        <div class="chart-scale" aria-hidden="true">
          <span>{num(max)}</span>
          <span>0</span>
        </div>
        <div class="chart-plot">
          <div
            class={`chart-bars${buckets.length > 90 ? " dense" : ""}`}
            role="toolbar"
            aria-label={`Requests per ${per}: arrow keys move between bars, Enter lists only the requests of one`}
            aria-describedby={howId}
            onKeyDown={onKeyDown}
            onMouseLeave={() => setHover(null)}
          >
            {buckets.map((b) => {
              const pressed = b.start === selected;
              return (
                <button
                  type="button"
                  key={b.start}
                  class={`chart-bar${pressed ? " selected" : ""}`}
                  data-minute={minuteKey(b.start)}
                  data-requests={b.requests}
                  data-errors={b.errors}
                  aria-pressed={pressed}
                  aria-label={words(b)}
                  tabIndex={b.start === tabAt ? 0 : -1}
                  onClick={() => props.onSelect(pressed ? null : b)}
                  onMouseEnter={() => setHover(b.start)}
                  onFocus={() => {
                    setStop(b.start);
                    setFocused(b.start);
                  }}
                  onBlur={() => setFocused(null)}
                >
                  <span class={`seg seg-ok${b.requests > b.errors ? " some" : ""}`} style={{ height: `${((b.requests - b.errors) / max) * 100}%` }} />
                  <span class={`seg seg-error${b.errors > 0 ? " some" : ""}`} style={{ height: `${(b.errors / max) * 100}%` }} />
                </button>
              );
            })}
          </div>
          {tip && (
            <div
              class={`chart-tip ${tipAt < 0.15 ? "at-start" : tipAt > 0.85 ? "at-end" : ""}`}
              style={{ left: `${tipAt * 100}%` }}
              aria-hidden="true"
            >
              <strong>
                {spanLabel(tip.start, tip.end)}
                {tip.start === lastStart ? " (so far)" : ""}
              </strong>
              <span>{plural(tip.requests, "request", "requests")}</span>
              <span class={tip.errors > 0 ? "chart-errors" : ""}>{plural(tip.errors, "error", "errors")}</span>
              <span class="muted">{tip.start === selected ? "Click to list the whole range again" : "Click to list only these"}</span>
            </div>
          )}
          <div class="chart-axis" aria-hidden="true">
            {buckets.map((b, i) =>
              minuteOfDay(b.start) % span.tick === 0 ? (
                <span key={b.start} style={{ left: `${(i / buckets.length) * 100}%` }}>
                  {tickLabel(b.start)}
                </span>
              ) : null,
            )}
          </div>
        </div>
      </div>
      <p class="chart-note" id={howId}>
        Click a bar to list only its requests. The chart counts every request, whatever the filters below; a folded
        entry counts every request it stands for. {span.note}
      </p>
    </figure>
  );
}

// ---------------------------------------------------------------------------------------------
// One entry.

/** "×37" on a folded entry, with what it stands for. */
function FoldedCount(props: { e: ActivityEntry }) {
  const e = props.e;
  if (e.count <= 1) return null;
  const what = `${num(e.count)} requests in this minute from ${e.address ?? "an unknown address"} folded into one entry`;
  return (
    <span class="badge badge-count" title={what} data-count={e.count}>
      ×{num(e.count)}
    </span>
  );
}

/** An entry's request and answer, read when it is opened. */
type Detail = { state: "loading" } | { state: "ok"; entry: ActivityEntry } | { state: "failed"; error: CommandError };

/** Entries that are no SCIM request: a first sign-in, a change made in the console. */
const NOT_HTTP: Record<string, string> = {
  LOGIN: "a first sign-in, not a SCIM request",
  CONSOLE: "a change made in this console, not a SCIM request",
};
const WRITES = ["POST", "PUT", "PATCH", "DELETE"];

/** A body as the log kept it: pretty-printed when it is JSON, else as it is (a note that it was
 *  not kept, or a body cut short). */
function pretty(body: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
  } catch {
    return { text: body, json: false };
  }
}

/** Quoted for a POSIX shell. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A curl command that sends the request again. The token is `$SCIM_TOKEN`, never a secret (in
 *  double quotes, so the shell puts the variable's value in); values the log redacted stay
 *  `[redacted]`. `-g` where the URL has brackets or braces, which curl would read as a pattern. */
function curlOf(e: ActivityEntry, origin: string): string {
  const url = origin + e.path;
  const parts = [`curl${/[[\]{}]/.test(url) ? " -g" : ""} -X ${e.method} ${shq(url)}`, `-H "Authorization: Bearer $SCIM_TOKEN"`];
  if (e.request_body && pretty(e.request_body).json) parts.push(`-H 'Content-Type: application/scim+json'`, `--data ${shq(e.request_body)}`);
  return parts.join(" ");
}

function Body(props: { which: "request" | "response"; body: string | null; none: string }) {
  const id = useId();
  const title = props.which === "request" ? "Request body" : "Response body";
  const testid = `${props.which}-body`;
  if (!props.body)
    return (
      <div class="body-block">
        <div class="body-head">
          <span class="body-title">{title}</span>
        </div>
        <p class="body-none" data-testid={testid} data-empty="true">
          {props.none}
        </p>
      </div>
    );
  const p = pretty(props.body);
  return (
    <div class="body-block">
      <div class="body-head">
        <span class="body-title" id={id}>
          {title}
        </span>
        <CopyButton value={p.text} label={testid} what={title.toLowerCase()} />
      </div>
      {/* Focusable: a long body scrolls from the keyboard too. */}
      <pre class="body" data-testid={testid} data-json={p.json ? "true" : "false"} tabIndex={0} aria-labelledby={id}>
        {p.text}
      </pre>
    </div>
  );
}

/** The request and the answer of an opened entry, and the curl command that repeats it. */
function Exchange(props: { detail: Detail | undefined; origin: string | null }) {
  const { detail } = props;
  if (!detail || detail.state === "loading")
    return (
      <p class="muted bodies-loading" aria-busy="true">
        Reading the request and its answer…
      </p>
    );
  if (detail.state === "failed")
    return (
      <p class="error-text" data-code={detail.error.code}>
        {detail.error.code === "not_found" ? detail.error.message : `The request and its answer could not be read: ${detail.error.message}`}
      </p>
    );
  const d = detail.entry;
  const write = WRITES.includes(d.method);
  const requestNone = d.method === "GET" || d.method === "DELETE" ? `None: a ${d.method} sends no body.` : "None was kept.";
  const responseNone =
    write && d.status < 400
      ? `Not kept: a successful change is answered with the user as it then was; ${d.diff.length > 0 ? "what it changed is listed above" : "it changed nothing"}.`
      : d.status === 204
        ? "None: the answer had no body (204)."
        : "None was kept.";
  const notHttp = NOT_HTTP[d.method];
  return (
    <div class="bodies">
      <Body which="request" body={d.request_body} none={requestNone} />
      <Body which="response" body={d.response_body} none={responseNone} />
      <div class="curl">
        {notHttp ? (
          <p class="hint">No curl command: this entry is {notHttp}.</p>
        ) : props.origin === null ? (
          <p class="hint">No curl command: the server's address could not be read.</p>
        ) : (
          <>
            <CopyButton value={curlOf(d, props.origin)} label="curl" text="Copy as curl" what="a curl command that sends this request again" />
            <p class="hint">
              The command holds no token: it sends <code>$SCIM_TOKEN</code> from your shell, so set it first to a token of
              yours (<code>export SCIM_TOKEN=…</code>). Values the log redacted stay <code>[redacted]</code>: put the real ones
              in before sending.
              {write && <strong> Sending it repeats the change.</strong>}
            </p>
            <details class="curl-preview">
              <summary>Show the command</summary>
              <pre>{curlOf(d, props.origin)}</pre>
            </details>
          </>
        )}
      </div>
    </div>
  );
}

/** One entry of the log: its line (a button that opens it) and, open or failed, its details. */
function EventItem(props: {
  e: ActivityEntry;
  open: boolean;
  onToggle: () => void;
  /** The list's one Tab stop. */
  tabStop: boolean;
  onFocus: () => void;
  /** The entry the view was opened on (from a finding): marked out. */
  target?: boolean;
  detail: Detail | undefined;
  origin: string | null;
}) {
  const { e, open } = props;
  const words = STATUS_WORDS[e.status];
  // The user the request was about, where the summary does not name them already.
  const who = e.user_name && !e.summary.includes(e.user_name) ? e.user_name : null;
  const token = e.status === 401 ? "no valid token" : e.token_name ? `token “${e.token_name}”` : "no token";
  const path = shortPath(e.decoded_path);
  return (
    // Keyed by entry where it is listed: new entries come in at the top, and the focus stays on its entry.
    <li
      class={`event ${e.status >= 400 ? "failed" : ""} ${props.target ? "target" : ""}`}
      data-id={e.id}
      data-status={e.status}
      data-folded={e.count > 1 ? e.count : undefined}
      data-simulated={e.simulated ? "true" : undefined}
      data-target={props.target ? "true" : undefined}
      data-user={e.user_name ?? undefined}
      data-dialect={e.dialect ?? undefined}
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
        <span class="event-main">
          <span class="summary">
            {e.summary}
            {who && <span class="who"> · {who}</span>}
          </span>
          {e.hint && (
            <span class="dialect-hint" data-hint="dialect">
              {e.hint}
            </span>
          )}
          <span class="mono path" title={e.decoded_path}>
            {path}
          </span>
        </span>
        <span class="event-source">
          <span class="client" title={e.client ?? undefined}>
            {e.client ?? "unknown client"}
          </span>
          <span class="muted token" title={e.token_name ?? undefined}>
            {token}
          </span>
        </span>
        <span class="event-when">
          <span class="clock">{clock(e.at)}</span>
          <span class="muted">
            <Time at={e.at} />
          </span>
        </span>
      </button>
      {(open || (e.status >= 400 && (e.error || words))) && (
        <div
          class="event-detail"
          data-testid={open ? "event-detail" : undefined}
          data-state={open ? (props.detail?.state ?? "loading") : undefined}
        >
          {words && <p class="status-words">{words}</p>}
          {e.error && <p class="error-text">{e.error}</p>}
          {open && (
            <dl class="attrs">
              <dt>Time</dt>
              <dd>{new Date(e.at).toLocaleString()}</dd>
              <dt>Request</dt>
              <dd class="mono">
                {e.method} {e.decoded_path}
              </dd>
              {e.decoded_path !== e.path && (
                <>
                  <dt>As sent</dt>
                  <dd class="mono">{e.path}</dd>
                </>
              )}
              {e.user_name && (
                <>
                  <dt>User</dt>
                  <dd class="mono">{e.user_name}</dd>
                </>
              )}
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
          {open && <Exchange detail={props.detail} origin={props.origin} />}
        </div>
      )}
    </li>
  );
}

// ---------------------------------------------------------------------------------------------
// Export.

type ExportState =
  | { state: "running"; format: ExportFormat }
  | { state: "done"; exported: Exported; total: number | null }
  | { state: "failed"; error: CommandError };

function ExportResult(props: { s: ExportState; onClose: () => void }) {
  const s = props.s;
  if (s.state === "running")
    return (
      <p class="export-result" data-testid="export-result" data-state="running" role="status">
        Exporting the matching entries to {s.format.toUpperCase()}…
      </p>
    );
  if (s.state === "failed")
    return (
      <div class="export-result error-box" data-testid="export-result" data-state="failed" data-code={s.error.code} role="alert">
        <span>The export failed: {s.error.message}</span>
        <button type="button" class="link" onClick={props.onClose}>
          Dismiss
        </button>
      </div>
    );
  const { exported, total } = s;
  return (
    <div class="export-result export-done" data-testid="export-result" data-state="done" data-path={exported.path} data-rows={exported.rows} role="status">
      <span>
        Saved {plural(exported.rows, "entry", "entries")} to <code>{exported.path}</code>
        {total !== null && exported.rows < total ? ` (the newest ${num(exported.rows)} of ${num(total)}: an export holds that many at most)` : ""}
      </span>
      <CopyButton value={exported.path} label="export-path" what="the file's path" />
      <button type="button" class="link" onClick={props.onClose}>
        Dismiss
      </button>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// The view.

/** The entry the view was opened on, once read: listed (opened in the list), or `pinned` above
 *  it when the list does not reach back to it; `entry` is null when the log no longer has it. */
interface Target {
  id: number;
  entry: ActivityEntry | null;
  pinned: boolean;
}

/** New entries while the list is paused: how many, and whether more than a page came. */
interface Pending {
  n: number;
  more: boolean;
}

export function ActivityView(props: { params?: ViewParams["activity"] }) {
  const params = props.params ?? {};
  const [events, setEvents] = useState<ActivityEntry[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [older, setOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [details, setDetails] = useState<Map<number, Detail>>(new Map());
  const [origin, setOrigin] = useState<string | null>(null);
  const [filters, setFilters] = useState<Filters>({
    ...NO_FILTERS,
    errorsOnly: !!params.errorsOnly,
    hideSimulated: !!params.hideSimulated,
    user: params.user ?? "",
  });
  const [target, setTarget] = useState<Target | null>(null);
  const [paused, setPaused] = useState(false);
  const [pending, setPending] = useState<Pending>({ n: 0, more: false });
  const [exporting, setExporting] = useState<ExportState | null>(null);
  // The query of the list on screen, with its time range fixed when it was read.
  const [shownQuery, setShownQuery] = useState<EventsQuery | null>(null);
  // Opened on an entry, the list waits until the entry is read (and the filters set from it).
  const ready = useRef(params.event === undefined);
  const latest = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const eventsRef = useRef(events);
  eventsRef.current = events;
  // The filters the list on screen was read with; another value means "read it all again".
  const shown = useRef<Filters | null>(null);
  const query = useRef<EventsQuery>({});
  // Counts the lists read afresh: an older page asked for before one is dropped.
  const generation = useRef(0);

  // One refresh for the first load, new filters and the log's notices, never two at once and
  // never a notice dropped (see `coalesced`): the whole list when the filters changed, else
  // what came after the newest entry on screen (while paused, only how many came).
  const refresh = useMemo(() => {
    const readAfresh = async (f: Filters) => {
      const q = queryOf(f, Date.now());
      const page = await api.eventsPage({ ...q, limit: LIMIT });
      generation.current++;
      query.current = q;
      latest.current = page.rows.length ? page.rows[page.rows.length - 1].id : 0;
      shown.current = f;
      setShownQuery(q);
      setEvents(page.rows.reverse());
      setTotal(page.total);
      setOlder(page.older);
      setPending({ n: 0, more: false });
    };
    return coalesced(async () => {
      if (!ready.current) return;
      const f = filtersRef.current;
      try {
        if (shown.current !== f) await readAfresh(f);
        else {
          const page = await api.eventsPage({ ...query.current, after_id: latest.current, limit: LIMIT });
          if (pausedRef.current) setPending({ n: page.rows.length, more: page.older });
          // More came than a page holds (entries between the list and this page): read it again.
          else if (page.older) await readAfresh(f);
          else {
            if (page.rows.length) {
              latest.current = page.rows[page.rows.length - 1].id;
              const fresh = page.rows.reverse();
              // The list keeps its length (a page at least): the oldest make room, and Load older has them.
              const keep = Math.max(LIMIT, eventsRef.current.length);
              if (eventsRef.current.length + fresh.length > keep) setOlder(true);
              setEvents((old) => [...fresh, ...old].slice(0, Math.max(LIMIT, old.length)));
            }
            setTotal(page.total);
          }
        }
        setError(null);
      } catch (e) {
        setError(asError(e));
      }
    });
  }, []);

  useEffect(() => followEvents(refresh), []);
  useEffect(() => {
    refresh();
  }, [filters]);
  useEffect(() => {
    api
      .appInfo()
      .then((i) => setOrigin(new URL(i.base_url).origin))
      .catch(() => setOrigin(null));
  }, []);

  // Opened on an entry: read it, then list the requests about the same user (the entry among
  // them, with what happened to that user before and after).
  useEffect(() => {
    const id = params.event;
    if (id === undefined) return;
    api
      .eventDetail(id)
      .then((entry) => {
        setTarget({ id, entry, pinned: false });
        setDetails((d) => new Map(d).set(id, { state: "ok", entry }));
        return entry.user_name ?? "";
      })
      .catch((e) => {
        const err = asError(e);
        if (err.code === "not_found") setTarget({ id, entry: null, pinned: false });
        else setError(err);
        return "";
      })
      .then((user) => {
        ready.current = true;
        setFilters({ ...NO_FILTERS, user });
      });
  }, []);

  // An opened entry's request and answer, read once when it is first opened.
  useEffect(() => {
    for (const id of open) {
      if (details.has(id)) continue;
      setDetails((d) => new Map(d).set(id, { state: "loading" }));
      api
        .eventDetail(id)
        .then((entry) => setDetails((d) => new Map(d).set(id, { state: "ok", entry })))
        .catch((e) => setDetails((d) => new Map(d).set(id, { state: "failed", error: asError(e) })));
    }
  }, [open]);

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

  // Older entries, below the oldest listed (by id, never by offset: new entries do not shift it).
  const olderButton = useRef<HTMLButtonElement>(null);
  const focusAfterLoad = useRef<number | null>(null);
  const loadOlder = async () => {
    const oldest = events[events.length - 1];
    if (!oldest || loadingOlder) return;
    const g = generation.current;
    const fromKeyboard = document.activeElement === olderButton.current;
    setLoadingOlder(true);
    try {
      const page = await api.eventsPage({ ...query.current, before_id: oldest.id, limit: LIMIT });
      if (g !== generation.current) return;
      const rows = page.rows.reverse();
      setEvents((old) => {
        const have = new Set(old.map((e) => e.id));
        return [...old, ...rows.filter((e) => !have.has(e.id))];
      });
      setOlder(page.older);
      setTotal(page.total);
      // The keyboard goes on from the first entry it brought.
      if (fromKeyboard && rows.length) focusAfterLoad.current = rows[0].id;
      setError(null);
    } catch (e) {
      setError(asError(e));
    } finally {
      setLoadingOlder(false);
    }
  };
  useLayoutEffect(() => {
    const id = focusAfterLoad.current;
    if (id === null) return;
    focusAfterLoad.current = null;
    setCurrent(id);
    lineOf(list.current?.querySelector(`:scope > li.event[data-id="${id}"]`))?.focus();
  }, [events]);

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

  // The custom range's boxes, as typed; applied when both read as times, in order.
  const [draft, setDraft] = useState({ from: "", to: "" });
  const [rangeError, setRangeError] = useState<string | null>(null);
  const applyDraft = (d: { from: string; to: string }) => {
    setDraft(d);
    const since = fromLocalInput(d.from);
    const until = fromLocalInput(d.to);
    if (since === null || until === null)
      return setRangeError(`${since === null ? "From" : "To"}: type a date and time, such as ${localInput(Date.now()).replace("T", " ")}.`);
    if (since && until && since >= until) return setRangeError("The range must end after it starts.");
    setRangeError(null);
    changeFilters({ ...filters, range: "custom", since, until, span: null });
  };
  const chooseRange = (range: Range) => {
    setRangeError(null);
    if (range !== "custom") return changeFilters({ ...filters, range, span: null });
    // From where the range was (an hour ago for all time), to now and on.
    const from = shownQuery?.since ? Date.parse(shownQuery.since) : Date.now() - RANGE_MS.hour;
    applyDraft({ from: localInput(from), to: "" });
  };
  const rangeSelect = useRef<HTMLSelectElement>(null);
  const clearSpan = () => {
    changeFilters({ ...filters, span: null });
    rangeSelect.current?.focus();
  };

  const togglePause = () => {
    const p = !paused;
    pausedRef.current = p;
    setPaused(p);
    setPending({ n: 0, more: false });
    if (!p) refresh();
  };

  const exportAs = async (format: ExportFormat) => {
    if (exporting?.state === "running") return;
    setExporting({ state: "running", format });
    try {
      const q = shown.current === filters ? query.current : queryOf(filters, Date.now());
      const exported = await api.exportEvents(q, format);
      setExporting({ state: "done", exported, total });
    } catch (e) {
      setExporting({ state: "failed", error: asError(e) });
    }
  };

  const spanText = filters.span ? spanLabel(Date.parse(filters.span.since), Date.parse(filters.span.until)) : null;
  const when = shownQuery ? timeWords(shownQuery) : "";
  const newWords = pending.more
    ? `More than ${plural(pending.n, "new entry", "new entries")}`
    : pending.n > 0
      ? plural(pending.n, "new entry", "new entries")
      : "Paused: new entries wait here";
  const running = exporting?.state === "running";

  return (
    <section class="view activity-view">
      <PageHeader title="Activity">
        <div class="export-buttons" role="group" aria-label="Export every matching entry (not only those listed) to Downloads">
          <button
            type="button"
            class="secondary"
            data-export="csv"
            disabled={running}
            title="Save every entry matching the filters, not only those listed, as a CSV file in Downloads"
            onClick={() => exportAs("csv")}
          >
            Export CSV
          </button>
          <button
            type="button"
            class="secondary"
            data-export="json"
            disabled={running}
            title="Save every entry matching the filters, not only those listed, as a JSON file in Downloads"
            onClick={() => exportAs("json")}
          >
            Export JSON
          </button>
        </div>
      </PageHeader>
      {exporting && <ExportResult s={exporting} onClose={() => setExporting(null)} />}
      <Chart
        filters={filters}
        onSelect={(b) =>
          changeFilters({ ...filters, span: b && { since: new Date(b.start).toISOString(), until: new Date(b.end).toISOString() } })
        }
      />
      <div class="activity-filters" role="group" aria-label="Filters">
        <div class="toolbar">
          <label class="inline-field">
            <span>Time</span>
            <select
              ref={rangeSelect}
              name="time-range"
              data-testid="time-range"
              value={filters.range}
              onChange={(e) => chooseRange((e.target as HTMLSelectElement).value as Range)}
            >
              {RANGES.map(([value, label]) => (
                <option value={value}>{label}</option>
              ))}
            </select>
          </label>
          {filters.range === "custom" && (
            <>
              <label class="inline-field">
                <span>From</span>
                <input
                  type="datetime-local"
                  name="since"
                  placeholder="2026-05-01 09:00"
                  value={draft.from}
                  aria-invalid={rangeError?.startsWith("From") ? true : undefined}
                  onChange={(e) => applyDraft({ ...draft, from: (e.target as HTMLInputElement).value })}
                />
              </label>
              <label class="inline-field">
                <span>To</span>
                <input
                  type="datetime-local"
                  name="until"
                  placeholder="empty: until now"
                  value={draft.to}
                  aria-invalid={rangeError?.startsWith("To") ? true : undefined}
                  onChange={(e) => applyDraft({ ...draft, to: (e.target as HTMLInputElement).value })}
                />
                {!draft.to && <span class="hint">empty: until now</span>}
              </label>
            </>
          )}
          {spanText && (
            <button
              type="button"
              class="chip"
              data-testid="time-chip"
              data-since={filters.span?.since}
              aria-label={`Only ${spanText}, chosen on the chart. Remove this filter`}
              title="Only the requests of this bar of the chart; click to list the whole range again"
              onClick={clearSpan}
            >
              {spanText} <span aria-hidden="true">✕</span>
            </button>
          )}
          <span class="checks">
            <label class="check">
              <input
                type="checkbox"
                name="errors-only"
                checked={filters.errorsOnly}
                onChange={(e) => changeFilters({ ...filters, errorsOnly: (e.target as HTMLInputElement).checked })}
              />
              Errors only
            </label>
            <label class="check" title="Leave out reads (GET): lookups, lists, the connector's tests">
              <input
                type="checkbox"
                name="hide-reads"
                checked={filters.hideReads}
                onChange={(e) => changeFilters({ ...filters, hideReads: (e.target as HTMLInputElement).checked })}
              />
              Hide reads
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
          </span>
        </div>
        {rangeError && (
          <p class="field-error" role="alert" data-testid="range-error">
            {rangeError}
          </p>
        )}
        <div class="toolbar">
          {FILTER_BOXES.map(([key, label, placeholder]) => (
            <label class={`inline-field filter-${key}`}>
              <span>{label}</span>
              <TextInput
                type="search"
                name={key}
                search={key === "user"}
                placeholder={placeholder}
                value={filters[key]}
                onCommit
                onValue={(v) => changeFilters({ ...filters, [key]: v })}
              />
            </label>
          ))}
          {anyFilter(filters) && (
            <button
              type="button"
              class="secondary"
              data-action="clear-filters"
              onClick={() => {
                setRangeError(null);
                changeFilters(NO_FILTERS);
              }}
            >
              Show all requests
            </button>
          )}
        </div>
      </div>
      {target && (
        <p class="notice target-notice" role="status" data-testid="activity-target">
          {target.entry ? (
            <>
              Opened on the request <span class="mono">{target.entry.method} {target.entry.decoded_path}</span> ({target.entry.status},{" "}
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
      <div class="list-status">
        <p class="activity-count" data-testid="activity-count" data-shown={events.length} data-total={total ?? undefined}>
          {total === null ? (
            "Reading the log…"
          ) : total === 0 ? (
            <>No entry matches{when ? ` (${when})` : ""}.</>
          ) : (
            <>
              Showing <strong>{num(events.length)}</strong> of <strong>{num(total)}</strong> {total === 1 ? "entry" : "entries"}
              {when && <span class="muted"> · {when}</span>}
              <span class="muted"> · newest first</span>
            </>
          )}
        </p>
        <button
          type="button"
          class={`secondary pause-live${paused ? " on" : ""}`}
          data-testid="pause-live"
          aria-pressed={paused}
          title="While paused, new entries do not move the list"
          onClick={togglePause}
        >
          <span aria-hidden="true">❚❚ </span>
          Pause live
        </button>
      </div>
      {paused && (
        <p class="notice paused-new" data-testid="paused-new" data-new={pending.n} role="status">
          {newWords} —{" "}
          <button type="button" class="link" data-action="resume-live" onClick={togglePause}>
            Resume
          </button>
        </p>
      )}
      {target?.pinned && target.entry && (
        <ol class="events pinned" aria-label="The request opened on">
          <EventItem
            e={target.entry}
            open={open.has(target.id)}
            onToggle={() => toggle(target.id)}
            tabStop
            onFocus={() => undefined}
            target
            detail={details.get(target.id)}
            origin={origin}
          />
        </ol>
      )}
      <ol class="events" aria-label="Requests, newest first" ref={list} onKeyDown={onListKey}>
        {events.length === 0 && total !== null && (
          <li class="empty">
            {anyFilter(filters) ? "No request matches these filters. New ones appear here as they arrive." : "No request yet. Requests appear here as they arrive."}
          </li>
        )}
        {events.map((e) => (
          <EventItem
            key={e.id}
            e={e}
            open={open.has(e.id)}
            onToggle={() => toggle(e.id)}
            tabStop={e.id === tabStop}
            onFocus={() => setCurrent(e.id)}
            target={target !== null && !target.pinned && e.id === target.id}
            detail={details.get(e.id)}
            origin={origin}
          />
        ))}
      </ol>
      {events.length > 0 &&
        (older ? (
          <button
            type="button"
            ref={olderButton}
            class="secondary load-older"
            data-testid="load-older"
            aria-disabled={loadingOlder ? "true" : undefined}
            onClick={loadOlder}
          >
            {loadingOlder ? "Loading older entries…" : "Load older entries"}
          </button>
        ) : (
          <p class="list-end muted">That is every matching entry.</p>
        ))}
    </section>
  );
}
