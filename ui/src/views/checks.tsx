// The Health page's "Checks and support" card: the checks Okta, Microsoft Entra ID or RFC 7644
// make, run against the server this console shows (with the simulator's token, so its requests
// are Simulated and verify no guide step; a foreign server with the token saved for it), their
// report as a checklist, and the support bundle written to Downloads (not for a foreign server,
// which has no console of its own to describe).

import { useEffect, useId, useRef, useState } from "preact/hooks";
import { api, asError } from "../api";
import type { Bundle, CommandError, Profile, Report, Step, Verdict } from "../types";
import { BreakAfterSlashes, CopyButton, ErrorBox, num, Time } from "../ui";

const PROFILES: Profile[] = ["okta", "entra", "rfc"];
const PROFILE_NAMES: Record<Profile, string> = { okta: "Okta", entra: "Microsoft Entra ID", rfc: "RFC 7644" };
/** What each profile checks, in a line under the choice. */
const PROFILE_ABOUT: Record<Profile, string> = {
  okta: "What Okta's connector test, import and provisioning expect: lists that honour count, lookups by userName in any case, errors as SCIM says.",
  entra: "What Entra ID's Test Connection and provisioning expect: lookups by userName and externalId, groups, answers as application/scim+json.",
  rfc: "What RFC 7644 asks of any SCIM server: the discovery endpoints, filters and their errors, sorting, ETags, groups.",
};
const PROFILE_KEY = "scim-console.check-profile";

const VERDICT_WORDS: Record<Verdict, string> = { pass: "Pass", fail: "Fail", skip: "Skip" };
/** What a step's hint is, by its verdict. */
const HINT_LABELS: Record<Verdict, string> = { pass: "Note", fail: "Fix", skip: "Why skipped" };
const WRITES_LABEL = "Also create and remove a test user (writes)";

function storedProfile(): Profile {
  try {
    const v = localStorage.getItem(PROFILE_KEY);
    return PROFILES.includes(v as Profile) ? (v as Profile) : "okta";
  } catch {
    return "okta";
  }
}

/** A report and when it came. `n` counts the runs, so a new one starts with its own rows. */
interface LastRun {
  report: Report;
  at: string;
  n: number;
}

/** Kept while the window is open: the Health page can be left during a run and opened again,
 *  and still shows the run under way, then its report (or why it failed). */
const kept: { last: LastRun | null; error: CommandError | null; pending: Promise<void> | null } = {
  last: null,
  error: null,
  pending: null,
};

function startRun(profile: Profile, writes: boolean): Promise<void> {
  kept.error = null;
  const pending = api
    .runCheck(profile, writes)
    .then(
      (report) => {
        kept.last = { report, at: new Date().toISOString(), n: (kept.last?.n ?? 0) + 1 };
      },
      (e) => {
        const error = asError(e);
        kept.error = { ...error, message: `The checks could not run: ${error.message}` };
      },
    )
    .finally(() => {
      kept.pending = null;
    });
  kept.pending = pending;
  return pending;
}

/** What a foreign connection's form calls letting the checks write (connections.tsx). */
export const FOREIGN_WRITES_LABEL = "Let checks create and remove test users";

/** A hint in the window's words: the checks' hints are shared with the command line, whose
 *  switch for writes is the checkbox here. `writable`: the checkbox can be ticked (a foreign
 *  connection must be added again, allowed to write, first). */
function plainHint(hint: string, writable: boolean): string {
  const tick = writable
    ? `tick “${WRITES_LABEL}” and run the checks again.`
    : `add this connection again with “${FOREIGN_WRITES_LABEL}” ticked, then tick “${WRITES_LABEL}” and run the checks again.`;
  return hint
    .replace(/run with --allow-writes to create and remove a test user\.?/, tick)
    .replace(/--allow-writes/g, `“${WRITES_LABEL}”`);
}

/** The verdict's shape, besides its colour and word: a tick, a cross, a dash. */
function VerdictIcon(props: { verdict: Verdict }) {
  const v = props.verdict;
  const glyph = v === "pass" ? "M4.6 8.4 7 10.7 11.4 5.6" : v === "fail" ? "M5.4 5.4 10.6 10.6M10.6 5.4 5.4 10.6" : "M4.8 8h6.4";
  return (
    <svg class="verdict-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <circle cx="8" cy="8" r="7.5" fill="currentColor" />
      <path d={glyph} class="glyph-stroke" fill="none" stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

function VerdictMark(props: { verdict: Verdict }) {
  return (
    <span class={`verdict verdict-${props.verdict}`}>
      <VerdictIcon verdict={props.verdict} />
      {VERDICT_WORDS[props.verdict].toUpperCase()}
    </span>
  );
}

/** One step: its mark and name on a button that opens what was sent, expected and got. */
function CheckStep(props: { step: Step; open: boolean; onToggle: () => void; writable: boolean }) {
  const { step: s, open } = props;
  const id = useId();
  return (
    <li class={`check-step check-${s.verdict}`} data-verdict={s.verdict}>
      <button type="button" class="check-step-head" aria-expanded={open} aria-controls={`${id}-body`} onClick={props.onToggle}>
        <VerdictMark verdict={s.verdict} />
        <span class="check-step-name">{s.name}</span>
        <span class="check-chevron" aria-hidden="true">
          ›
        </span>
      </button>
      <div class="check-step-body" id={`${id}-body`} hidden={!open}>
        <dl class="check-facts">
          <div class="check-fact">
            <dt>Requests sent</dt>
            <dd>
              {s.requests.length > 0 ? (
                <ul class="check-requests">
                  {s.requests.map((r, i) => (
                    <li key={i}>
                      <code>{r}</code>
                    </li>
                  ))}
                </ul>
              ) : (
                <span class="muted">None</span>
              )}
            </dd>
          </div>
          <div class="check-fact">
            <dt>Expected</dt>
            <dd>{s.expected || <span class="muted">—</span>}</dd>
          </div>
          <div class="check-fact">
            <dt>Got</dt>
            <dd>{s.got || <span class="muted">—</span>}</dd>
          </div>
          {s.hint && (
            <div class="check-fact">
              <dt>{HINT_LABELS[s.verdict]}</dt>
              <dd class="check-hint">{plainHint(s.hint, props.writable)}</dd>
            </div>
          )}
        </dl>
      </div>
    </li>
  );
}

/** The report as a checklist: the counts, then each step; failed steps start open. */
function CheckReport(props: { last: LastRun; writable: boolean }) {
  const { report: r, at } = props.last;
  const [open, setOpen] = useState<Set<number>>(() => new Set(r.steps.flatMap((s, i) => (s.verdict === "fail" ? [i] : []))));
  const toggle = (i: number) =>
    setOpen((o) => {
      const next = new Set(o);
      if (!next.delete(i)) next.add(i);
      return next;
    });
  return (
    <div class="check-report" data-testid="check-report" data-profile={r.profile} data-passed={r.passed} data-failed={r.failed} data-skipped={r.skipped}>
      <p class="check-summary">
        <span class="check-count">{num(r.passed)} passed</span>,{" "}
        <span class={`check-count ${r.failed > 0 ? "check-count-failed" : ""}`}>{num(r.failed)} failed</span>,{" "}
        <span class="check-count">{num(r.skipped)} skipped</span>
      </p>
      <p class="check-meta muted">
        {PROFILE_NAMES[r.profile]} checks of{" "}
        <code>
          <BreakAfterSlashes text={r.base_url} />
        </code>{" "}
        ·{" "}
        {r.allow_writes ? `with a test user${r.profile === "entra" ? " and group" : ""} created and removed` : "read-only"} · <Time at={at} />
      </p>
      {r.steps.length === 0 ? (
        <p class="muted check-none">The checks ran no step.</p>
      ) : (
        <ol class="check-steps" aria-label="Steps of the check">
          {r.steps.map((s, i) => (
            <CheckStep key={i} step={s} open={open.has(i)} onToggle={() => toggle(i)} writable={props.writable} />
          ))}
        </ol>
      )}
    </div>
  );
}

type BundleState = { state: "running" } | { state: "done"; bundle: Bundle } | { state: "failed"; error: CommandError };

/** The support bundle: its button, and the two files written. */
function SupportBundle() {
  const [s, setS] = useState<BundleState | null>(null);
  const id = useId();
  const write = async () => {
    setS({ state: "running" });
    try {
      setS({ state: "done", bundle: await api.supportBundle() });
    } catch (e) {
      setS({ state: "failed", error: asError(e) });
    }
  };
  return (
    <div class="support-bundle">
      <h3 class="sub-title" id={`${id}-title`}>
        Support bundle
      </h3>
      <p class="checks-text" id={`${id}-about`}>
        What support asks for first, as JSON and Markdown in your Downloads folder: the settings, token names and expiries, health, recent
        requests and errors, and the last check's report.
      </p>
      <div class="bundle-actions">
        <button
          type="button"
          class="secondary"
          data-action="support-bundle"
          disabled={s?.state === "running"}
          aria-describedby={`${id}-about ${id}-secrets`}
          onClick={write}
        >
          {s?.state === "running" ? "Exporting…" : "Export support bundle"}
        </button>
        <span class="bundle-secrets" id={`${id}-secrets`}>
          No secrets: token secrets are never stored.
        </span>
      </div>
      <div class="bundle-status" role="status">
        {s?.state === "done" && (
          <div
            class="export-result bundle-result"
            data-testid="bundle-result"
            data-json-path={s.bundle.json_path}
            data-markdown-path={s.bundle.markdown_path}
          >
            <span class="bundle-saved">Saved the support bundle:</span>
            <ul class="bundle-files">
              {(
                [
                  ["JSON", s.bundle.json_path, "bundle-json-path"],
                  ["Markdown", s.bundle.markdown_path, "bundle-markdown-path"],
                ] as const
              ).map(([what, path, label]) => (
                <li key={label}>
                  <span class="bundle-kind">{what}</span>
                  <code>{path}</code>
                  <CopyButton value={path} label={label} what={`the ${what} file's path`} />
                </li>
              ))}
            </ul>
            <button type="button" class="link" onClick={() => setS(null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {s?.state === "failed" && (
        <div class="error-box" role="alert" data-testid="bundle-error" data-code={s.error.code}>
          <span>The support bundle could not be written: {s.error.message}</span>
          <button type="button" class="link" onClick={() => setS(null)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

/** The foreign server a card checks: its connection's name and base URL, and whether the
 *  connection lets checks create and remove test users. */
export interface ForeignTarget {
  name: string;
  url: string;
  allowWrites: boolean;
}

/** The card under the findings; for a foreign server (`foreign`), the checks alone. */
export function ChecksCard(props: { foreign?: ForeignTarget }) {
  const { foreign } = props;
  // A foreign connection not allowed to write is checked read-only (writes are refused).
  const writable = !foreign || foreign.allowWrites;
  const id = useId();
  const [profile, setProfile] = useState<Profile>(storedProfile);
  const [writes, setWrites] = useState(false);
  // What a run is asked for, as chosen: set with the choice, so a click on Run right after one
  // (before the next render) runs what was chosen.
  const chosen = useRef({ profile, writes });
  const [last, setLast] = useState(kept.last);
  const [error, setError] = useState(kept.error);
  const [running, setRunning] = useState(kept.pending !== null);
  const button = useRef<HTMLButtonElement>(null);
  const mounted = useRef(true);
  const sync = () => {
    setLast(kept.last);
    setError(kept.error);
    setRunning(kept.pending !== null);
  };
  // When the run ends: its report (or error) on screen, and the keyboard back on the button
  // it was on (a disabled button loses the focus).
  const follow = (pending: Promise<void>) =>
    pending.then(() => {
      if (!mounted.current) return;
      sync();
      window.requestAnimationFrame(() => {
        if (document.activeElement === document.body || document.activeElement === null) button.current?.focus();
      });
    });
  useEffect(() => {
    mounted.current = true;
    if (kept.pending) follow(kept.pending);
    return () => {
      mounted.current = false;
    };
  }, []);
  const choose = (p: Profile) => {
    chosen.current.profile = p;
    setProfile(p);
    try {
      localStorage.setItem(PROFILE_KEY, p);
    } catch {
      // Not kept across restarts then; the choice itself still works.
    }
  };
  const run = () => {
    if (kept.pending) return;
    const pending = startRun(chosen.current.profile, writable && chosen.current.writes);
    sync();
    follow(pending);
  };
  const r = last?.report;
  return (
    <section class="card checks-card" data-testid="checks" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{foreign ? "Checks" : "Checks and support"}</h2>
      {foreign ? (
        <p class="checks-text" data-testid="checks-target">
          Sends “{foreign.name}” (
          <code>
            <BreakAfterSlashes text={foreign.url} />
          </code>
          ) the requests Okta, Entra ID or RFC 7644 would, and says what passes and what to fix. They go with the token saved for
          this connection.{" "}
          {foreign.allowWrites
            ? "They only read, unless you tick the box below."
            : "They only read: this connection does not let checks write."}
        </p>
      ) : (
        <p class="checks-text">
          Sends this server the requests Okta, Entra ID or RFC 7644 would, and says what passes and what to fix. They go with the
          simulator's token: Activity labels them Simulated, and they verify no step of the Connect guides.
        </p>
      )}
      <form
        class="checks-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <fieldset class="check-profiles">
          <legend>Check as</legend>
          <div class="check-profile-choice">
            {PROFILES.map((p) => (
              <label key={p} class={`check-profile ${profile === p ? "chosen" : ""}`}>
                <input
                  type="radio"
                  name="check-profile"
                  value={p}
                  checked={profile === p}
                  aria-describedby={`${id}-about`}
                  onChange={() => choose(p)}
                />
                {PROFILE_NAMES[p]}
              </label>
            ))}
          </div>
          <p class="hint check-about" id={`${id}-about`}>
            {PROFILE_ABOUT[profile]}
          </p>
        </fieldset>
        <div class="check-writes">
          <label class="check">
            <input
              type="checkbox"
              name="check-writes"
              checked={writable && writes}
              disabled={!writable}
              aria-describedby={`${id}-writes`}
              onChange={(e) => {
                chosen.current.writes = (e.target as HTMLInputElement).checked;
                setWrites(chosen.current.writes);
              }}
            />
            {WRITES_LABEL}
          </label>
          <p class="hint" id={`${id}-writes`}>
            Creates a user named scim-console-check-…{profile === "entra" ? " and a group" : ""} on this server, tries what the identity
            provider does with it, then deletes it.{" "}
            {writable
              ? "Unticked, the checks only read."
              : `This connection was added without “${FOREIGN_WRITES_LABEL}”: to allow it, remove the connection and add it again with that ticked.`}
          </p>
        </div>
        <div class="check-run">
          <button type="submit" data-action="run-checks" ref={button} disabled={running} aria-busy={running ? true : undefined}>
            {running ? "Checking…" : "Run checks"}
          </button>
          {running && r && <span class="muted">The report below is from the run before.</span>}
        </div>
      </form>
      {/* Heard when a run ends, wherever the focus is. */}
      <p class="sr-only" role="status">
        {running ? "Checking…" : !error && r ? `Checks done: ${num(r.passed)} passed, ${num(r.failed)} failed, ${num(r.skipped)} skipped.` : ""}
      </p>
      <ErrorBox
        error={error}
        onClose={() => {
          kept.error = null;
          setError(null);
        }}
      />
      {last && <CheckReport key={last.n} last={last} writable={writable} />}
      {!foreign && <SupportBundle />}
    </section>
  );
}
