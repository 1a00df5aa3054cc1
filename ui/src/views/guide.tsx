// What the Connect Okta and Connect Microsoft Entra ID guides share: numbered steps that open
// one at a time, each todo, done or verified by the requests that arrive, with the traffic's
// notes on top; the secret token; the values to paste with their copy buttons; and the page
// that offers the two guides side by side.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, asError, onEventsWritten } from "../api";
import { confirmAction } from "../dialog";
import type { CommandError, EventRecord, Finding, NewTokenView, OktaField, OnboardingChange, Severity, StepView, TokenView } from "../types";
import { Badge, CopyButton, ErrorBox, expiryDays, masked, plural, Time, useFormErrors, when } from "../ui";
import { SecretOnce, TokenFields } from "./admin";
import { FindingCard, problemsOf, SEVERITY_WORDS, SeverityIcon } from "./health";

/** What a step's notes say, shortest: "1 refused role", "user creation refused". */
function noteSummary(notes: Finding[]): string {
  const roles = notes.filter((n) => n.code === "refused_role").length;
  const words: Record<string, string> = {
    create_refused: "user creation refused",
    groups_refused: "group requests refused",
    missing_users: "updates for missing users",
    entra_legacy_dialect: "old PATCH dialect",
  };
  const parts = roles ? [plural(roles, "refused role", "refused roles")] : [];
  const others = notes.filter((n) => n.code !== "refused_role");
  for (const n of others) if (words[n.code]) parts.push(words[n.code]);
  const unnamed = others.filter((n) => !words[n.code]).length;
  if (unnamed) parts.push(plural(unnamed, "problem", "problems"));
  return parts.join(", ");
}

/** How a step's header looks: its state, turned amber (or red) by what the traffic shows is
 *  still wrong in it. Info notes (nothing broken) leave it as it is. */
function stepTone(s: StepView): "error" | "warning" | null {
  const problems = problemsOf(s.notes);
  if (problems.length === 0) return null;
  // A verified step has worked at least once: what still fails in it is a warning.
  if (s.state === "verified") return "warning";
  return problems.some((n) => n.severity === "error") ? "error" : "warning";
}

function StateBadge(props: { step: StepView }) {
  const s = props.step;
  const tone = stepTone(s);
  const summary = tone ? ` · ${noteSummary(problemsOf(s.notes))}` : "";
  const kind = tone === "error" ? "bad" : tone === "warning" ? "warn" : null;
  if (s.state === "verified") return <Badge kind={kind ?? "ok"}>Verified {when(s.at)}{summary}</Badge>;
  if (s.state === "done") return <Badge kind={kind ?? "warn"}>Done{summary}</Badge>;
  return <Badge kind={kind ?? "off"}>To do{summary}</Badge>;
}

/** The values to type or paste into the identity provider; the token is masked (its copy
 *  button still copies it). */
export function Fields(props: { fields: OktaField[]; secret?: string | null; after?: Record<string, ComponentChildren> }) {
  return (
    <div class="okta-fields">
      {props.fields.map((f) => (
        <div class={`field ${f.unusable ? "unusable" : ""}`} data-field={f.label} data-unusable={f.unusable ? "true" : undefined}>
          <div class="field-label">{f.label}</div>
          <div class="field-value">
            <code>{props.secret && f.value === props.secret ? masked(f.value) : f.value}</code>
            {f.copy && <CopyButton value={f.value} label={f.label} />}
            {f.unusable && <span class="not-ready">Not ready to paste</span>}
          </div>
          {f.unusable && (
            <div class="unusable-reason" data-testid="unusable-reason">
              {f.unusable}
            </div>
          )}
          {f.hint && <div class="hint">{f.hint}</div>}
          {props.after?.[f.label]}
        </div>
      ))}
    </div>
  );
}

/** The public HTTPS address the identity provider's cloud calls (the `public-url` setting). */
export function PublicAddress(props: {
  /** "Okta", "Entra ID". */
  idp: string;
  /** What the identity provider calls its check of the connection. */
  test: string;
  publicUrl: string | null;
  verdict: "usable" | "unusable";
  tenantUrl: string;
  onSaved: () => void;
}) {
  const { idp } = props;
  const [value, setValue] = useState(props.publicUrl ?? "");
  const [error, setError] = useState<CommandError | null>(null);
  const usable = props.verdict === "usable";
  return (
    <div class={`reach ${usable ? "usable" : "unusable"}`} data-testid="reachability" data-verdict={props.verdict}>
      <h3>How will {idp} reach this server?</h3>
      <p>
        {idp}'s cloud calls this server from the internet, over HTTPS. This console listens on <code>127.0.0.1</code>, which only this
        computer can reach: put a reverse proxy or a tunnel (for a trial, e.g. <em>cloudflared</em> or <em>ngrok</em>) in front of it,
        forwarding <code>/scim/v2</code> to this server, and enter the address {idp} will use.
      </p>
      <form
        class="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api.setSetting("public-url", value);
            setError(null);
            props.onSaved();
          } catch (err) {
            setError(asError(err));
          }
        }}
      >
        <label>
          Public HTTPS address{" "}
          <input
            name="public-url"
            placeholder="https://scim.example.com"
            size={36}
            value={value}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "public-url-error" : undefined}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class={usable ? "secondary" : ""} data-action="save-public-url">
          Save
        </button>
      </form>
      {error && (
        <p class="error-text" role="alert" id="public-url-error" data-testid="public-url-error">
          {error.message}
        </p>
      )}
      {usable ? (
        <p class="reach-state">
          {idp} will call <code>{props.tenantUrl}</code>. The {props.test} below shows whether it gets through.
        </p>
      ) : (
        <p class="reach-state">Until this is set, the Tenant URL below cannot be used in {idp}.</p>
      )}
    </div>
  );
}

/** What arrived: one request from the event log in a line. */
export function Arrived(props: { label: string; event: EventRecord | null; waiting: ComponentChildren }) {
  const e = props.event;
  return (
    // Live: the request arrives while the admin is in the identity provider's console.
    <div class={`arrived ${e ? "seen" : "waiting"}`} data-arrived={props.label} aria-live="polite">
      <strong>{props.label}:</strong>{" "}
      {e ? (
        <span>
          <code>
            {e.method} {e.path}
          </code>{" "}
          → {e.status} from {e.client ?? "an unnamed client"}
          {e.token_name && <> with token “{e.token_name}”</>} · {when(e.at)}
          {e.user_name && <> · {e.user_name}</>}
        </span>
      ) : (
        <span class="muted">{props.waiting}</span>
      )}
    </div>
  );
}

/** A note of the guide's own, not from the traffic: drawn as the traffic's notes are. */
export function GuideNote(props: { code: string; severity: Severity; title: string; children: ComponentChildren }) {
  const titleId = `note-${props.code}-title`;
  return (
    <div class="step-notes">
      <article class={`finding finding-${props.severity}`} aria-labelledby={titleId} data-note={props.code} data-severity={props.severity}>
        <header class="finding-head">
          <span class="finding-severity">
            <SeverityIcon severity={props.severity} />
            {SEVERITY_WORDS[props.severity]}
          </span>
          <h3 class="finding-title" id={titleId}>
            {props.title}
          </h3>
        </header>
        {props.children}
      </article>
    </div>
  );
}

export function Step(props: {
  step: StepView;
  open: boolean;
  onOpen: () => void;
  onDone?: (done: boolean) => void;
  /** After a note's fix was made here (a role added): the guide reads its state again. */
  onChanged: () => unknown;
  /** What goes inside a note's card, under its detail. */
  noteExtra?: (note: Finding) => ComponentChildren;
  footer: ComponentChildren;
  children: ComponentChildren;
}) {
  const s = props.step;
  const tone = stepTone(s);
  return (
    <section
      class={`step card ${props.open ? "open" : ""} ${tone ? `step-${tone}` : ""}`}
      data-step={s.number}
      data-state={s.state}
      data-warning={tone === "warning" ? "true" : undefined}
      data-error={tone === "error" ? "true" : undefined}
    >
      {/* A real button in the heading: Tab reaches it, Enter and Space open the step. */}
      <h2 class="step-heading">
        <button
          type="button"
          class="step-head"
          aria-expanded={props.open}
          aria-controls={props.open ? `step-${s.number}-body` : undefined}
          onClick={props.onOpen}
        >
          <span class={`step-number ${s.state} ${tone ?? ""}`} aria-hidden="true">
            {tone === "error" ? "!" : s.state === "todo" ? s.number : "✓"}
          </span>
          <span class="step-title">
            <span class="sr-only">Step {s.number}: </span>
            {s.title}
          </span>
          <StateBadge step={s} />
        </button>
      </h2>
      {props.open && (
        <div class="step-body" id={`step-${s.number}-body`}>
          {/* First: what the requests show is still wrong here, with its fix. */}
          {s.notes.length > 0 && (
            <div class="step-notes">
              {s.notes.map((n) => (
                <FindingCard key={`${n.code}-${n.title}`} finding={n} note onChanged={props.onChanged}>
                  {props.noteExtra?.(n)}
                </FindingCard>
              ))}
            </div>
          )}
          {props.children}
          {props.onDone && s.state !== "verified" && (
            <label class="mark-done">
              <input type="checkbox" checked={s.state === "done"} onChange={(e) => props.onDone!((e.target as HTMLInputElement).checked)} />{" "}
              I have done this
            </label>
          )}
          {props.footer}
        </div>
      )}
    </section>
  );
}

/** The token step's other way: a Manage Users token that exists already. Its secret was shown
 *  once, when it was created, so it is for an admin who still has it. */
function ExistingTokens(props: { idp: string; tokens: TokenView[]; chosen: TokenView | null; onUse: (t: TokenView) => void }) {
  return (
    <div class="existing-tokens" data-testid="existing-tokens">
      <h3>{props.chosen ? "Or use another token that exists already" : "Use an existing token"}</h3>
      <p class="hint">
        {props.tokens.length === 1 ? "This Manage Users token exists" : "These Manage Users tokens exist"} already. A token's secret is
        shown only once, when it is created: use one only if you have its secret at hand (in a password manager, say) to paste
        into {props.idp}. Otherwise create a new token.
      </p>
      <table class="simple compact">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>
              <span class="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr data-existing-token={t.name}>
              <td class="wrap">{t.name}</td>
              <td class="mono">{t.prefix}…</td>
              <td title={new Date(t.created).toLocaleString()}>{new Date(t.created).toLocaleDateString()}</td>
              <td title={t.expires ? new Date(t.expires).toLocaleString() : undefined}>
                {t.expires ? new Date(t.expires).toLocaleDateString() : "never"}
                {t.state === "expiring" && (
                  <>
                    {" "}
                    <Badge kind="warn">soon</Badge>
                  </>
                )}
              </td>
              <td>{t.last_used ? <Time at={t.last_used} /> : "never used"}</td>
              <td>
                <button type="button" class="secondary" data-use-token={t.name} aria-label={`Use the token “${t.name}”`} onClick={() => props.onUse(t)}>
                  Use this token
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What both guides read from the backend. */
export interface GuideState {
  current: number;
  steps: StepView[];
  token: TokenView | null;
  existing_tokens: TokenView[];
  secret: string | null;
  secret_copied: string | null;
}

/** One guide's commands and the words that differ between guides. */
export interface GuideSource<V extends GuideState> {
  /** Who is given the token: "Okta", "Entra ID". */
  idp: string;
  read: () => Promise<V>;
  change: (c: OnboardingChange) => Promise<V>;
  createToken: (name: string, expiresInDays: number | null) => Promise<NewTokenView>;
  /** The new token's name, as the form starts. */
  tokenName: string;
}

/** A guide's state and its step mechanics: which step is open (kept in the database, so the
 *  guide can be left and resumed), marking a step done, the token step's form. The state is
 *  read again whenever requests are written to the log, as they verify steps. */
export function useGuide<V extends GuideState>(src: GuideSource<V>) {
  const [v, setV] = useState<V | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [created, setCreated] = useState<NewTokenView | null>(null);
  const [form, setForm] = useState({ name: src.tokenName, days: "" });
  const tokenErrors = useFormErrors<"name" | "days">();
  const pending = useRef<number | null>(null);

  const load = () =>
    src
      .read()
      .then(setV)
      .catch((e) => setError(asError(e)));
  const update = (change: OnboardingChange) =>
    src
      .change(change)
      .then(setV)
      .catch((e) => setError(asError(e)));

  useEffect(() => {
    load();
    // Verification comes from arriving requests: look again whenever the log is written.
    const un = onEventsWritten(() => {
      if (pending.current !== null) return;
      pending.current = window.setTimeout(() => {
        pending.current = null;
        load();
      }, 150);
    });
    return () => {
      un.then((f) => f());
      if (pending.current !== null) clearTimeout(pending.current);
    };
  }, []);

  const go = async (n: number) => {
    // Leaving step 2 with a secret that was never copied loses it for good.
    if (v && v.current === 2 && n !== 2 && v.token && v.secret && !v.secret_copied) {
      const leave = await confirmAction({
        title: "Leave without copying the token?",
        body: (
          <p>
            The token “{v.token.name}” was never copied. Only its hash is kept: once this console closes it cannot be shown
            again, and a new token has to be created for {src.idp}.
          </p>
        ),
        action: "Leave step",
        destructive: true,
      });
      if (!leave) return;
    }
    update({ kind: "go_to", step: n });
  };
  /** The token step with a token that exists already; a new secret never copied is lost by it. */
  const useToken = async (t: TokenView) => {
    if (v?.token && v.secret && !v.secret_copied) {
      const ok = await confirmAction({
        title: `Use “${t.name}” instead of the new token?`,
        body: (
          <p>
            The secret of “{v.token.name}” was never copied. Only its hash is kept: once the guide moves on to “{t.name}” it
            cannot be shown again.
          </p>
        ),
        action: `Use “${t.name}”`,
        destructive: true,
      });
      if (!ok) return;
    }
    setCreated(null);
    update({ kind: "use_token", id: t.id });
  };
  const stepProps = (n: number) => ({ step: v!.steps[n - 1], open: v!.current === n, onOpen: () => go(n), onChanged: load });
  /** Back and Next; Next is the step's one filled button unless `primary` is false (the
   *  step's own action is, until it is done). */
  const next = (n: number, primary = true) => (
    <div class="step-nav">
      {n > 1 && (
        <button type="button" class="secondary" onClick={() => go(n - 1)}>
          Back
        </button>
      )}
      {v && n < v.steps.length && (
        <button type="button" class={primary ? "" : "secondary"} data-next={n} onClick={() => go(n + 1)}>
          Next
        </button>
      )}
    </div>
  );
  const done = (n: number) => (d: boolean) => update({ kind: "mark_done", step: n, done: d });
  /** Asks, then forgets the guide's progress. */
  const restart = async (body: ComponentChildren) => {
    const ok = await confirmAction({ title: "Start the guide again?", body, action: "Start again", destructive: true });
    if (ok) update({ kind: "restart" });
  };
  return { v, error, setError, load, update, go, useToken, stepProps, next, done, restart, created, setCreated, form, setForm, tokenErrors, src };
}

export type Guide<V extends GuideState> = ReturnType<typeof useGuide<V>>;

/** The token step: a new Manage Users token (its secret shown once, with Copy) or one that
 *  exists already. `names`: the form's inputs' names; `replace`: what the admin must do with a
 *  new token when the identity provider has one already. */
export function TokenStep<V extends GuideState>(props: {
  g: Guide<V>;
  names: { name: string; days: string };
  replace: (old: string) => ComponentChildren;
}) {
  const { g } = props;
  const v = g.v!;
  const idp = g.src.idp;
  const { form, setForm, tokenErrors, created } = g;
  const otherTokens = v.existing_tokens.filter((t) => t.id !== v.token?.id);
  const existing = otherTokens.length > 0 && <ExistingTokens idp={idp} tokens={otherTokens} chosen={v.token} onUse={g.useToken} />;
  return (
    <>
      {/* No token chosen yet: one that exists is offered first, a new one after. */}
      {!v.token && existing}
      {!v.token && existing && <h3 class="sub-title">Or create a new token</h3>}
      <form
        class="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          let days: number | null;
          try {
            days = expiryDays(form.days);
          } catch (err) {
            tokenErrors.fail(err, "days");
            return;
          }
          if (v.token) {
            const ok = await confirmAction({
              title: `Create a new token for ${idp}?`,
              body: <p>{props.replace(v.token.name)}</p>,
              action: "Create new token",
            });
            if (!ok) return;
          }
          try {
            g.setCreated(await g.src.createToken(form.name, days));
            tokenErrors.clear();
            g.setError(null);
            g.load();
          } catch (err) {
            tokenErrors.fail(err, "name");
          }
        }}
      >
        <TokenFields
          names={props.names}
          name={form.name}
          days={form.days}
          onName={(name) => setForm({ ...form, name })}
          onDays={(days) => setForm({ ...form, days })}
          errors={tokenErrors}
        >
          <label>
            Permission <input value="Manage Users (UserModify)" size={26} disabled />
          </label>
        </TokenFields>
        <button type="submit" class={v.token ? "secondary" : ""} data-action="create-token">
          {v.token ? "Create a new token" : "Create token"}
        </button>
      </form>
      <ErrorBox error={tokenErrors.banner} onClose={tokenErrors.clear} />
      {v.token && (
        <p>
          {idp}'s token: <strong>{v.token.name}</strong> <code>{v.token.prefix}…</code>{" "}
          <Badge kind={v.token.state === "active" ? "ok" : "warn"}>{v.token.state}</Badge>
          {v.token.expires && <> · expires {new Date(v.token.expires).toLocaleDateString()}</>}
        </p>
      )}
      {v.token && !v.secret && !created && (
        <p class="hint" data-testid="secret-not-known">
          This console does not know the secret of “{v.token.name}”: it was shown once, when the token was created. Paste it into
          {" "}{idp} from where you keep it; if nobody has it, create a new token.
        </p>
      )}
      {created && v.secret && <SecretOnce created={created} onCopied={() => g.update({ kind: "secret_copied" })} />}
      {v.token && v.secret && !v.secret_copied && (
        <div class="warning" data-testid="not-copied">
          The token has not been copied yet.
        </div>
      )}
      {v.secret_copied && <p class="muted">Copied {when(v.secret_copied)}.</p>}
      {v.token && existing}
    </>
  );
}

/** What a guide shows in the page's header: how far it is, and its Start again. */
export interface GuideProgress {
  complete: number;
  total: number;
  restart: () => void;
}

/** Tells the page how far the guide is (`null` while it loads, and once it is gone). `restart`:
 *  what Start again forgets, in words. */
export function useReportProgress<V extends GuideState>(g: Guide<V>, report: (p: GuideProgress | null) => void, restart: ComponentChildren) {
  const words = useRef(restart);
  words.current = restart;
  const complete = g.v ? g.v.steps.filter((s) => s.state !== "todo").length : null;
  const total = g.v?.steps.length ?? 0;
  useEffect(() => {
    report(complete === null ? null : { complete, total, restart: () => g.restart(words.current) });
  }, [complete, total]);
  useEffect(() => () => report(null), []);
}
