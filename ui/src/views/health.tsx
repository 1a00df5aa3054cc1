// Health at a glance: the status strip on every screen (the identity provider's last request,
// errors of the last 24 hours, the token's expiry, the policy, how many problems) and the Health
// page, which lists the problems seen in the traffic worst first, each with its fix and the
// clicks that go with it. One `useHealth` for the whole window feeds both.

import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, followEvents } from "../api";
import { confirmAction } from "../dialog";
import { useNav } from "../nav";
import type { CommandError, EventRecord, Finding, FindingAction, HealthView, Policy, Severity, TokenView } from "../types";
import { ErrorBox, num, PageHeader, plural, Time, useTick } from "../ui";
import { ChecksCard } from "./checks";

/** How often the strip looks again without a new request (token expiry, a quiet connection). */
const POLL_MS = 30000;
/** A flood of requests writes the log many times a second; the strip follows it at this pace. */
const GATHER_MS = 500;

export interface Health {
  view: HealthView | null;
  error: CommandError | null;
  /** Reads it again now (after a fix made in the window, say). */
  refresh: () => Promise<void>;
}

/** The health of the connection, kept for the whole window: refreshed when the event log is
 *  written (gathered, never two reads at once) and every 30 s. `connection` names the server
 *  shown: when it changes, what was read of the one before is dropped and the new one is read;
 *  `null` reads nothing (a foreign server has no health of this kind to read). */
export function useHealth(connection: string | null): Health {
  const [view, setView] = useState<HealthView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const shown = useRef(connection);
  shown.current = connection;
  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const from = shown.current;
        if (from === null) return;
        try {
          const v = await api.health();
          // Read from the server shown before a switch: not this one's health.
          if (from !== shown.current) return;
          setView(v);
          setError(null);
        } catch (e) {
          if (from === shown.current) setError(asError(e));
        }
      }),
    [],
  );
  useEffect(() => {
    setView(null);
    setError(null);
    if (connection === null) return;
    let gather: number | undefined;
    const soon = () => {
      if (gather === undefined)
        gather = window.setTimeout(() => {
          gather = undefined;
          refresh();
        }, GATHER_MS);
    };
    refresh();
    const stop = followEvents(soon);
    const poll = window.setInterval(refresh, POLL_MS);
    return () => {
      stop();
      window.clearInterval(poll);
      window.clearTimeout(gather);
    };
  }, [connection]);
  return { view, error, refresh };
}

/** The window's one `useHealth`, for the Health page and the guide's notes. */
export const HealthContext = createContext<Health>({ view: null, error: null, refresh: async () => undefined });

export const POLICY_WORDS: Record<Policy, string> = { jit: "just-in-time", full: "full provisioning" };

/** A request path below the SCIM base, as admins know it from Okta's logs: `/Users?…`. */
export function shortPath(path: string): string {
  return path.replace(/^\/scim\/v2(?=\/)/, "");
}

/** A path with its query string cut to "?…" (where room is short; the tooltip has all of it). */
export function withoutQuery(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : `${path.slice(0, q)}?…`;
}

/** "expires in 12 days", "never expires", "expired", "is revoked". */
export function tokenExpiry(t: TokenView): string {
  if (t.state === "revoked") return "is revoked";
  if (!t.expires) return "never expires";
  const ms = new Date(t.expires).getTime() - Date.now();
  if (t.state === "expired" || ms <= 0) return "expired";
  const days = Math.floor(ms / 86400000);
  if (days >= 1) return `expires in ${plural(days, "day", "days")}`;
  const hours = Math.floor(ms / 3600000);
  return hours >= 1 ? `expires in ${plural(hours, "hour", "hours")}` : "expires within the hour";
}

/** The colour a token's state is shown in: red when requests with it fail, amber when they soon will. */
function tokenTone(t: TokenView): "bad" | "warn" | "" {
  return t.state === "expired" || t.state === "revoked" ? "bad" : t.state === "expiring" ? "warn" : "";
}

export const SEVERITY_WORDS: Record<Severity, string> = { error: "Error", warning: "Warning", info: "Info" };

/** The severity's shape, besides its colour and word: a circle with "!", a triangle, an "i". */
export function SeverityIcon(props: { severity: Severity }) {
  const s = props.severity;
  return (
    <svg class={`severity-icon sev-${s}`} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      {s === "warning" ? (
        <path d="M8 1.5 15 14.5H1z" fill="currentColor" />
      ) : (
        <circle cx="8" cy="8" r="7" fill="currentColor" />
      )}
      {s === "info" ? (
        <path d="M7.1 7h1.8v5H7.1zM7.1 4h1.8v1.8H7.1z" class="glyph" />
      ) : (
        <path d={s === "warning" ? "M7.2 6h1.6v4.2H7.2zM7.2 11.2h1.6v1.6H7.2z" : "M7.1 3.6h1.8v5.4H7.1zM7.1 10.4h1.8v1.8H7.1z"} class="glyph" />
      )}
    </svg>
  );
}

/** Errors and warnings: what needs fixing (info findings are notes, nothing is broken). */
export function problemsOf(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity !== "info");
}

function actionLabel(a: FindingAction): string {
  switch (a.kind) {
    case "add_role":
      return `Add role “${a.role}”…`;
    case "show_user":
      return `Show user ${a.user_name}`;
    case "show_event":
      return "Show the request";
    case "show_tokens":
      return "Open Tokens";
    case "show_guard":
      return "Show held requests";
  }
}

/** A finding's buttons. Adding a role asks first; the others go where the problem is seen. */
function FindingActions(props: { actions: FindingAction[]; onChanged?: () => unknown }) {
  const { navigate, showGuard } = useNav();
  const health = useContext(HealthContext);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  if (props.actions.length === 0) return null;
  const run = async (a: FindingAction) => {
    switch (a.kind) {
      case "add_role": {
        const ok = await confirmAction({
          title: `Add the role “${a.role}”?`,
          body: (
            <>
              <p>
                “{a.role}” becomes a valid role here, and the identity provider's next push with it is accepted. Users who
                were refused keep their current role until then: in Okta, retry the failed tasks under{" "}
                <em>Dashboard → Tasks</em>, or push the user's profile again.
              </p>
              <p>If the value is a typo in Okta, correct it there instead.</p>
            </>
          ),
          action: "Add role",
        });
        if (!ok) return;
        setBusy(true);
        try {
          await api.addRole(a.role);
          setError(null);
          await Promise.all([health.refresh(), props.onChanged?.()]);
          // The finding is gone with the role defined, and its button with it: the keyboard goes
          // on from the page's heading rather than from nowhere.
          window.requestAnimationFrame(() => {
            if (document.activeElement === document.body) document.querySelector<HTMLElement>("main .page-header h1")?.focus();
          });
        } catch (e) {
          setError(asError(e));
        } finally {
          setBusy(false);
        }
        return;
      }
      case "show_user":
        return navigate("users", { user: a.user_name });
      case "show_event":
        return navigate("activity", { event: a.id });
      case "show_tokens":
        return navigate("tokens");
      case "show_guard":
        return showGuard();
    }
  };
  return (
    <>
      <div class="finding-actions">
        {props.actions.map((a) => (
          <button
            type="button"
            class={a.kind === "add_role" ? "" : "secondary"}
            data-finding-action={a.kind}
            disabled={busy && a.kind === "add_role"}
            onClick={() => run(a)}
          >
            {actionLabel(a)}
          </button>
        ))}
      </div>
      <ErrorBox error={error} onClose={() => setError(null)} />
    </>
  );
}

/** One finding: severity (icon, colour and word), title, what the requests show, the fix, when,
 *  and its buttons. On the Health page it is `data-finding`; in a step of the guide, a note
 *  (`data-note`). `children` goes under the detail. */
export function FindingCard(props: { finding: Finding; note?: boolean; onChanged?: () => unknown; children?: ComponentChildren }) {
  const f = props.finding;
  const id = useId();
  return (
    <article
      class={`finding finding-${f.severity}`}
      aria-labelledby={`${id}-title`}
      data-finding={props.note ? undefined : f.code}
      data-note={props.note ? f.code : undefined}
      data-severity={f.severity}
    >
      <header class="finding-head">
        <span class="finding-severity">
          <SeverityIcon severity={f.severity} />
          {SEVERITY_WORDS[f.severity]}
        </span>
        <h3 class="finding-title" id={`${id}-title`}>
          {f.title}
        </h3>
        {f.at && (
          <span class="finding-at">
            <Time at={f.at} />
          </span>
        )}
      </header>
      <p class="finding-detail">{f.detail}</p>
      {props.children}
      <p class="finding-fix">
        <strong>Fix:</strong> {f.fix}
      </p>
      <FindingActions actions={f.actions} onChanged={props.onChanged} />
    </article>
  );
}

/** "3 min ago · GET /Users (Okta SCIM Client)": the path without its query, which the tooltip has. */
function RequestLine(props: { e: EventRecord }) {
  const e = props.e;
  return (
    <>
      <Time at={e.at} /> ·{" "}
      <span class="mono">
        {e.method} {withoutQuery(shortPath(e.path))}
      </span>{" "}
      <span class="muted">({e.client ?? "unnamed client"})</span>
    </>
  );
}

function requestTitle(e: EventRecord): string {
  return `${e.method} ${e.path} → ${e.status}, from ${e.client ?? "an unnamed client"}${e.token_name ? ` with the token “${e.token_name}”` : ""}, ${new Date(e.at).toLocaleString()}`;
}

/** The strip on top of every screen; every part opens the Health page. As they all go to one
 *  place, the strip is one Tab stop (a toolbar): the arrow keys, Home and End move between its
 *  parts, so the keyboard does not pass five buttons on every screen. */
export function StatusStrip(props: { health: Health }) {
  useTick();
  const { navigate } = useNav();
  const { view: h, error } = props.health;
  const [stop, setStop] = useState(0);
  const open = () => navigate("health");
  const onKeyDown = (e: KeyboardEvent) => {
    const parts = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>("button.strip-part")];
    const i = parts.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    const to: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: parts.length - 1 };
    if (!(e.key in to)) return;
    e.preventDefault();
    parts[(to[e.key] + parts.length) % parts.length].focus();
  };
  // The part the keyboard was last on keeps the Tab stop.
  const part = (i: number) => ({ tabIndex: i === stop ? 0 : -1, onFocus: () => setStop(i), onClick: open });
  const strip = (children: ComponentChildren) => (
    <div class="status-strip" data-testid="status-strip" role="toolbar" aria-label="Connection status: each part opens Health" onKeyDown={onKeyDown}>
      {children}
    </div>
  );
  if (!h)
    return error
      ? strip(
          <button type="button" class="strip-part strip-bad" {...part(0)}>
            Status unavailable: {error.message}
          </button>,
        )
      : null;
  const last = h.last_request;
  const problems = problemsOf(h.findings);
  const notes = h.findings.length - problems.length;
  const worst = problems[0]?.severity;
  const t = h.token;
  return strip(
    <>
      <button
        type="button"
        class="strip-part strip-last"
        data-testid="strip-last-request"
        title={last ? `${requestTitle(last)}. Open Health.` : "Open Health."}
        {...part(0)}
      >
        <span class="strip-text">
          <span class="strip-label">Last request from the identity provider:</span>{" "}
          {last ? <RequestLine e={last} /> : <span>No request yet</span>}
        </span>
      </button>
      <div class="strip-figures">
        <button
          type="button"
          class={`strip-part ${h.errors_24h > 0 ? "strip-bad" : ""}`}
          data-testid="strip-errors"
          data-count={h.errors_24h}
          title={`${num(h.errors_24h)} of ${plural(h.requests_24h, "request", "requests")} from the identity provider failed in the last 24 hours. Open Health.`}
          {...part(1)}
        >
          <span class="strip-label">Errors (24 h):</span> <strong>{num(h.errors_24h)}</strong>
        </button>
        <button
          type="button"
          class={`strip-part ${t ? `strip-${tokenTone(t)}` : ""}`}
          data-testid="strip-token"
          data-state={t?.state}
          title={
            t
              ? `The token the identity provider uses: “${t.name}” (${t.prefix}…), ${t.expires ? `expiry ${new Date(t.expires).toLocaleString()}` : "no expiry"}. Open Health.`
              : "No Manage Users token is in use yet. Open Health."
          }
          {...part(2)}
        >
          {t ? (
            <span class="strip-text">
              Token “<span class="strip-token-name">{t.name}</span>” {tokenExpiry(t)}
            </span>
          ) : (
            <span class="muted">No token in use</span>
          )}
        </button>
        <button type="button" class="strip-part" data-testid="strip-policy" data-policy={h.policy} title="The provisioning policy. Open Health." {...part(3)}>
          <span class="strip-label">Policy:</span> {POLICY_WORDS[h.policy]}
        </button>
        <button
          type="button"
          class={`strip-part strip-problems ${worst === "error" ? "strip-bad" : worst === "warning" ? "strip-warn" : "strip-ok"}`}
          data-testid="strip-problems"
          data-count={problems.length}
          title={`Checked ${new Date(h.checked_at).toLocaleString()}. Open Health.`}
          {...part(4)}
        >
          {worst && <SeverityIcon severity={worst} />}
          {/* Announced when it changes: a new problem while the admin is on another screen. */}
          <span aria-live="polite">
            {problems.length > 0 ? plural(problems.length, "problem", "problems") : "No problems"}
            {problems.length === 0 && notes > 0 && <span class="muted"> · {plural(notes, "note", "notes")}</span>}
          </span>
        </button>
      </div>
    </>,
  );
}

/** The key figures at the top of the Health page, each with where to look further. */
function KeyFigures(props: { h: HealthView }) {
  const { h } = props;
  const { navigate } = useNav();
  const last = h.last_request;
  const t = h.token;
  return (
    <div class="health-figures" data-testid="health-figures">
      <div class="figure figure-wide" data-figure="last-request">
        <div class="figure-label">Last request from the identity provider</div>
        {last ? (
          <>
            <div class="figure-value">
              <Time at={last.at} />
            </div>
            <div class="figure-sub" title={requestTitle(last)}>
              <span class="mono">
                {last.method} {shortPath(last.path)}
              </span>{" "}
              → <span class={`status-code s${Math.floor(last.status / 100)}`}>{last.status}</span> · {last.client ?? "unnamed client"}
              {last.token_name && <> · token “{last.token_name}”</>}
            </div>
            <button type="button" class="link" onClick={() => navigate("activity", { event: last.id })}>
              Show in Activity
            </button>
          </>
        ) : (
          <>
            <div class="figure-value">No request yet</div>
            <div class="figure-sub">Requests of the simulator do not count.</div>
            <button type="button" class="link" onClick={() => navigate("onboarding")}>
              Connect Okta
            </button>
          </>
        )}
      </div>
      <div class={`figure ${h.errors_24h > 0 ? "figure-bad" : ""}`} data-figure="errors">
        <div class="figure-label">Errors (24 h)</div>
        <div class="figure-value">{num(h.errors_24h)}</div>
        {h.errors_24h > 0 ? (
          <button type="button" class="link" onClick={() => navigate("activity", { errorsOnly: true, hideSimulated: true })}>
            Show errors in Activity
          </button>
        ) : (
          <div class="figure-sub">no failed request</div>
        )}
      </div>
      <div class="figure" data-figure="requests">
        <div class="figure-label">Requests (24 h)</div>
        <div class="figure-value">{num(h.requests_24h)}</div>
        <div class="figure-sub">from the identity provider</div>
      </div>
      <div class={`figure ${t ? `figure-${tokenTone(t)}` : ""}`} data-figure="token">
        <div class="figure-label">Token in use</div>
        <div class="figure-value figure-name" title={t?.name}>
          {t ? t.name : "None yet"}
        </div>
        <div class="figure-sub" title={t?.expires ? new Date(t.expires).toLocaleString() : undefined}>
          {t ? tokenExpiry(t) : "no active Manage Users token"}
        </div>
        <button type="button" class="link" onClick={() => navigate("tokens")}>
          Open Tokens
        </button>
      </div>
      <div class="figure" data-figure="policy">
        <div class="figure-label">Policy</div>
        <div class="figure-value">{POLICY_WORDS[h.policy]}</div>
        <div class="figure-sub">{h.policy === "jit" ? "users created at their first SAML login" : "the identity provider creates users"}</div>
        <button type="button" class="link" onClick={() => navigate("settings")}>
          Open Settings
        </button>
      </div>
    </div>
  );
}

export function HealthPage() {
  const health = useContext(HealthContext);
  const [checking, setChecking] = useState(false);
  const h = health.view;
  // Unreadable health: the checks and the support bundle may still say why.
  if (!h)
    return health.error ? (
      <section class="view health-view">
        <ErrorBox error={health.error} />
        <ChecksCard />
      </section>
    ) : null;
  const problems = problemsOf(h.findings);
  const notes = h.findings.filter((f) => f.severity === "info");
  return (
    <section class="view health-view" data-testid="health-page">
      <PageHeader title="Health">
        <span class="muted" data-testid="health-checked">
          Checked <Time at={h.checked_at} />
        </span>
        <button
          type="button"
          class="secondary"
          disabled={checking}
          onClick={async () => {
            setChecking(true);
            await health.refresh();
            setChecking(false);
          }}
        >
          {checking ? "Checking…" : "Check again"}
        </button>
      </PageHeader>
      <ErrorBox error={health.error} />
      <KeyFigures h={h} />
      <h2 class="section-title">
        Problems <span class="muted">· worst first</span>
      </h2>
      {problems.length === 0 ? (
        <div class="health-ok" data-testid="no-problems">
          <span class="health-ok-mark" aria-hidden="true">
            ✓
          </span>
          <div>
            <strong>No problems found</strong>
            <div class="muted">
              Checked <Time at={h.checked_at} /> ({new Date(h.checked_at).toLocaleString()}), from the requests in the event log, the
              tokens and the deprovisioning guard.
            </div>
          </div>
        </div>
      ) : (
        <ol class="findings" aria-label="Problems, worst first">
          {problems.map((f) => (
            <li key={`${f.code}-${f.title}`}>
              <FindingCard finding={f} />
            </li>
          ))}
        </ol>
      )}
      {notes.length > 0 && (
        <>
          <h2 class="section-title">Notes</h2>
          <ol class="findings" aria-label="Notes">
            {notes.map((f) => (
              <li key={`${f.code}-${f.title}`}>
                <FindingCard finding={f} />
              </li>
            ))}
          </ol>
        </>
      )}
      <ChecksCard />
    </section>
  );
}
