// Connecting Okta, step by step: every value to paste, and each step verified from the requests
// that actually arrive. Progress lives in the database, so the guide can be left and resumed.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, asError, onEventsWritten } from "../api";
import { confirmAction } from "../dialog";
import { useNav } from "../nav";
import type { CommandError, Connected, EventRecord, Finding, NewTokenView, OktaField, OnboardingView, StepView, TokenView } from "../types";
import { Badge, CopyButton, ErrorBox, expiryDays, masked, num, PageHeader, plural, Time, useFormErrors, when } from "../ui";
import { SecretOnce, TokenFields } from "./admin";
import { FindingCard, problemsOf, shortPath, withoutQuery } from "./health";

/** What a step's notes say, shortest: "1 refused role", "user creation refused". */
function noteSummary(notes: Finding[]): string {
  const roles = notes.filter((n) => n.code === "refused_role").length;
  const words: Record<string, string> = {
    create_refused: "user creation refused",
    groups_refused: "group requests refused",
    missing_users: "updates for missing users",
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

/** Okta's fields; the token is masked (its copy button still copies it). */
function Fields(props: { fields: OktaField[]; secret?: string | null; after?: Record<string, ComponentChildren> }) {
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

/** Step 3's first question: the public HTTPS address Okta will call (the `public-url` setting). */
function PublicAddress(props: { v: OnboardingView; onSaved: () => void }) {
  const { v } = props;
  const [value, setValue] = useState(v.public_url ?? "");
  const [error, setError] = useState<CommandError | null>(null);
  const usable = v.reachability.verdict === "usable";
  return (
    <div class={`reach ${usable ? "usable" : "unusable"}`} data-testid="reachability" data-verdict={v.reachability.verdict}>
      <h3>How will Okta reach this server?</h3>
      <p>
        Okta's cloud calls this server from the internet, over HTTPS. This console listens on <code>127.0.0.1</code>, which only this computer
        can reach: put a reverse proxy or a tunnel (for a trial, e.g. <em>cloudflared</em> or <em>ngrok</em>) in front of it, forwarding{" "}
        <code>/scim/v2</code> to this server, and enter the address Okta will use.
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
          Okta will call <code>{v.tenant_url}</code>. The connector test below shows whether it gets through.
        </p>
      ) : (
        <p class="reach-state">Until this is set, the Tenant URL below cannot be used in Okta.</p>
      )}
    </div>
  );
}

/** What to check when Okta's first request does not come. */
function Troubleshooting(props: { v: OnboardingView }) {
  const { v } = props;
  return (
    <div class="troubleshoot" role="note" data-testid="troubleshooting">
      <h3>No request from Okta yet</h3>
      <p>
        Nothing has arrived with the token{v.token && <> “{v.token.name}”</>}
        {v.waiting_since && <> since {new Date(v.waiting_since).toLocaleString()}</>}. What Okta's <em>Test Connector Configuration</em> said points to the
        cause:
      </p>
      <ul>
        <li>
          <strong>“Could not connect”, “Connection refused” or a timeout:</strong> Okta cannot reach the address. The SCIM connector base URL must be
          your public HTTPS address, and the firewall, reverse proxy or tunnel must forward <code>/scim/v2</code> and everything under it to this
          server. Loopback (<code>127.0.0.1</code>, <code>localhost</code>) and private addresses never work from Okta's cloud.
        </li>
        <li>
          <strong>“Error authenticating: … 401 Unauthorized”:</strong> the token is wrong. In Okta's <em>Authorization</em> field paste the token
          alone — not <code>Bearer …</code>: Okta adds <code>Bearer </code> itself. If the token is lost, create a new one in step 2.
        </li>
        <li>
          <strong>Okta refuses the URL:</strong> Okta rejects base URLs that contain <code>_</code>; use a host name and path without it.
        </li>
        <li>
          <strong>Authentication Mode</strong> must be <em>HTTP Header</em> (not Basic Auth or OAuth 2).
        </li>
      </ul>
      <p class="hint">Okta's own side of a failure is in its System Log (Reports → System Log).</p>
    </div>
  );
}

/** What arrived: one request from the event log in a line. */
function Arrived(props: { label: string; event: EventRecord | null; waiting: ComponentChildren }) {
  const e = props.event;
  return (
    // Live: the request arrives while the admin is in Okta's console.
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

function Step(props: {
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

/** Step 2's other way: a Manage Users token that exists already. Its secret was shown once, when
 *  it was created, so it is for an admin who still has it. */
function ExistingTokens(props: { tokens: TokenView[]; chosen: TokenView | null; onUse: (t: TokenView) => void }) {
  return (
    <div class="existing-tokens" data-testid="existing-tokens">
      <h3>{props.chosen ? "Or use another token that exists already" : "Use an existing token"}</h3>
      <p class="hint">
        {props.tokens.length === 1 ? "This Manage Users token exists" : "These Manage Users tokens exist"} already. A token's secret is
        shown only once, when it is created: use one only if you have its secret at hand (in a password manager, say) to paste
        into Okta. Otherwise create a new token.
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

/** Step 5's advice that matters most: the role attribute as an enum of the valid roles, so
 *  Okta's assignment dialog offers only those and a misspelt role cannot be sent. */
function EnumAdvice(props: { field: OktaField }) {
  const f = props.field;
  const roles = f.value.split(", ").filter(Boolean);
  return (
    <div class="enum-advice" data-field={f.label} data-testid="role-enum">
      <h3>Define it as an enum of the valid roles</h3>
      {f.hint && <p>{f.hint}</p>}
      <div class="field-label">{f.label}: one entry per role, display name and value the same</div>
      <ul class="enum-values">
        {roles.map((r) => (
          <li>
            <code class="role-name">{r}</code>
            <CopyButton value={r} label={`role ${r}`} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The guide's last card, once Okta's requests have verified steps 3 to 5. */
function ConnectedCard(props: { c: Connected }) {
  const { navigate } = useNav();
  const e = props.c.last_request;
  const errors = props.c.errors_24h;
  return (
    <section class="card connected" data-testid="okta-connected" aria-labelledby="okta-connected-title">
      <h2 id="okta-connected-title">
        <span class="connected-mark" aria-hidden="true">
          ✓
        </span>
        Okta is connected
      </h2>
      <p>
        Last request:{" "}
        <span class="mono" title={e.path}>
          {e.method} {withoutQuery(shortPath(e.path))}
        </span>{" "}
        → <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>, <Time at={e.at} />
        {e.client && <span class="muted"> · {e.client}</span>}
      </p>
      <p data-testid="connected-errors" data-count={errors}>
        {errors === 0 ? (
          "No failed request in the last 24 hours."
        ) : (
          <span class="status-error">{plural(errors, "failed request", "failed requests")} in the last 24 hours.</span>
        )}
      </p>
      <div class="step-nav">
        <button type="button" class="secondary" onClick={() => navigate("health")}>
          Open Health
        </button>
        {errors > 0 && (
          <button type="button" class="secondary" onClick={() => navigate("activity", { errorsOnly: true, hideSimulated: true })}>
            Show the errors in Activity
          </button>
        )}
      </div>
    </section>
  );
}

export function OnboardingPage() {
  const [v, setV] = useState<OnboardingView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [created, setCreated] = useState<NewTokenView | null>(null);
  const [form, setForm] = useState({ name: "Okta-SCIM", days: "" });
  const tokenErrors = useFormErrors<"name" | "days">();
  // The troubleshooting box appears by itself once its time has come.
  const [now, setNow] = useState(Date.now());
  const pending = useRef<number | null>(null);

  const load = () =>
    api
      .onboarding()
      .then(setV)
      .catch((e) => setError(asError(e)));
  const update = (change: Parameters<typeof api.onboardingUpdate>[0]) =>
    api
      .onboardingUpdate(change)
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
    const tick = window.setInterval(() => setNow(Date.now()), 15000);
    return () => {
      un.then((f) => f());
      if (pending.current !== null) clearTimeout(pending.current);
      clearInterval(tick);
    };
  }, []);

  if (!v) return <ErrorBox error={error} />;
  const step = (n: number) => v.steps[n - 1];
  const go = async (n: number) => {
    // Leaving step 2 with a secret that was never copied loses it for good.
    if (v.current === 2 && n !== 2 && v.token && v.secret && !v.secret_copied) {
      const leave = await confirmAction({
        title: "Leave without copying the token?",
        body: (
          <p>
            The token “{v.token.name}” was never copied. Only its hash is kept: once this console closes it cannot be shown
            again, and a new token has to be created for Okta.
          </p>
        ),
        action: "Leave step",
        destructive: true,
      });
      if (!leave) return;
    }
    update({ kind: "go_to", step: n });
  };
  const stepProps = (n: number) => ({ step: step(n), open: v.current === n, onOpen: () => go(n), onChanged: load });
  /** Back and Next; Next is the step's one filled button unless `primary` is false (the
   *  step's own action is, until it is done). */
  const next = (n: number, primary = true) => (
    <div class="step-nav">
      {n > 1 && (
        <button type="button" class="secondary" onClick={() => go(n - 1)}>
          Back
        </button>
      )}
      {n < v.steps.length && (
        <button type="button" class={primary ? "" : "secondary"} data-next={n} onClick={() => go(n + 1)}>
          Next
        </button>
      )}
    </div>
  );
  const done = (n: number) => (d: boolean) => update({ kind: "mark_done", step: n, done: d });
  const complete = v.steps.filter((s) => s.state !== "todo").length;
  /** Step 2 with a token that exists already; a new secret never copied is lost by it. */
  const useToken = async (t: TokenView) => {
    if (v.token && v.secret && !v.secret_copied) {
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
  const otherTokens = v.existing_tokens.filter((t) => t.id !== v.token?.id);
  const existing = otherTokens.length > 0 && <ExistingTokens tokens={otherTokens} chosen={v.token} onUse={useToken} />;
  const verified3 = step(3).state === "verified";
  // The role attribute's name in Okta's dialogs, and its enum, shown apart from the other fields.
  const enumField = v.role_fields.find((f) => f.label === "Enum");
  const roleName = v.role_fields.find((f) => f.label === "Display name")?.value ?? "role";
  // The refused role step 5 reports is the one a note offers to add: the latest request goes in that note.
  const roleNote = (n: Finding) =>
    n.code === "refused_role" &&
    !!v.invalid_role?.role &&
    n.actions.some((a) => a.kind === "add_role" && a.role.toLowerCase() === v.invalid_role!.role!.toLowerCase());
  const invalidRole = v.invalid_role && (
    <>
      Okta sent the role “{v.invalid_role.role}” for {v.invalid_role.user_name ?? "a user"} ({when(v.invalid_role.at)}); it was refused. Valid
      roles: {v.valid_roles.join(", ")}.
    </>
  );

  return (
    <section class="view onboarding-view">
      <PageHeader title="Connect Okta">
        <span class="muted" aria-live="polite">
          {num(complete)} of {plural(v.steps.length, "step", "steps")}
        </span>
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            const ok = await confirmAction({
              title: "Start the guide again?",
              body: (
                <p>
                  The guide forgets its progress: the steps marked done or verified, which token is Okta's and the
                  unique identifier chosen. Tokens, users and settings stay as they are, and Okta keeps working with the
                  token it has.
                </p>
              ),
              action: "Start again",
              destructive: true,
            });
            if (ok) update({ kind: "restart" });
          }}
        >
          Start again
        </button>
      </PageHeader>
      <ErrorBox error={error} onClose={() => setError(null)} />

      <Step {...stepProps(1)} footer={next(1)} onDone={done(1)}>
        <ul>
          <li>SAML single sign-on from Okta to the application already works.</li>
          <li>You are an administrator in Okta and in the application.</li>
          <li>
            Provisioning policy here: <strong>{v.policy === "jit" ? "just-in-time" : "full"}</strong> —{" "}
            {v.policy === "jit"
              ? "users are created by their first SAML login; Okta updates and deactivates them."
              : "Okta creates, updates and deactivates users."}
          </li>
        </ul>
      </Step>

      <Step {...stepProps(2)} footer={next(2, !!v.token)}>
        <p>
          Okta calls this server with an API token that has the <strong>Manage Users</strong> permission (
          <code>UserModify</code>, which includes <em>Read User Info</em>).
        </p>
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
                title: "Create a new token for Okta?",
                body: (
                  <p>
                    Okta then has to be given the new token instead of “{v.token.name}”: paste it into the Authorization field
                    of the app's Provisioning → Integration tab in Okta. Steps 2 and 3 are verified again by Okta's next request
                    with the new token. “{v.token.name}” keeps working until it is revoked under Tokens.
                  </p>
                ),
                action: "Create new token",
              });
              if (!ok) return;
            }
            try {
              setCreated(await api.onboardingCreateToken(form.name, days));
              tokenErrors.clear();
              setError(null);
              load();
            } catch (err) {
              tokenErrors.fail(err, "name");
            }
          }}
        >
          <TokenFields
            names={{ name: "onboarding-token-name", days: "onboarding-expires" }}
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
            Okta's token: <strong>{v.token.name}</strong> <code>{v.token.prefix}…</code> <Badge kind={v.token.state === "active" ? "ok" : "warn"}>{v.token.state}</Badge>
            {v.token.expires && <> · expires {new Date(v.token.expires).toLocaleDateString()}</>}
          </p>
        )}
        {v.token && !v.secret && !created && (
          <p class="hint" data-testid="secret-not-known">
            This console does not know the secret of “{v.token.name}”: it was shown once, when the token was created. Paste it into
            Okta from where you keep it; if nobody has it, create a new token.
          </p>
        )}
        {created && v.secret && (
          <SecretOnce created={created} onCopied={() => update({ kind: "secret_copied" })} />
        )}
        {v.token && v.secret && !v.secret_copied && <div class="warning" data-testid="not-copied">The token has not been copied yet.</div>}
        {v.secret_copied && <p class="muted">Copied {when(v.secret_copied)}.</p>}
        {v.token && existing}
      </Step>

      <Step {...stepProps(3)} footer={next(3, v.reachability.verdict === "usable")} onDone={done(3)}>
        <PublicAddress v={v} onSaved={load} />
        <p>
          In Okta: <em>Applications → your app → General → App Settings → Edit</em>, enable SCIM provisioning, then on the{" "}
          <em>Provisioning → Integration</em> tab enter:
        </p>
        <Fields
          fields={v.connection_fields}
          secret={v.secret}
          after={{
            "Unique identifier field for users": (
              <label class="hint">
                Use{" "}
                <select
                  name="unique-identifier"
                  aria-label="Unique identifier field for users"
                  value={v.unique_identifier}
                  onChange={(e) => update({ kind: "unique_identifier", value: (e.target as HTMLSelectElement).value })}
                >
                  <option value="email">email</option>
                  <option value="userName">userName</option>
                </select>
              </label>
            ),
          }}
        />
        <p>
          Then click <em>Test Connector Configuration</em> and <em>Save</em>. This step turns verified when a request with the token arrives;
          requests from the Okta simulator in this console never verify a step.
        </p>
        {verified3 && v.verified_by && v.first_request && (
          <p class="verified-by" data-testid="verified-by" data-token={v.verified_by}>
            Okta's first request arrived with the token <strong>“{v.verified_by}”</strong> at {new Date(v.first_request.at).toLocaleString()}.
            {v.token && v.token.name !== v.verified_by && (
              <>
                {" "}
                That is not the token chosen in step 2 (“{v.token.name}”): Okta uses “{v.verified_by}”, and either works. Choose “
                {v.verified_by}” in step 2 to have the guide follow it.
              </>
            )}
          </p>
        )}
        <Arrived label="First request with the token" event={v.first_request} waiting="Waiting for Okta's connector test…" />
        {v.last_request && v.last_request.id !== v.first_request?.id && <Arrived label="Latest" event={v.last_request} waiting="" />}
        {!v.first_request && v.troubleshoot_at && now >= new Date(v.troubleshoot_at).getTime() && <Troubleshooting v={v} />}
      </Step>

      <Step {...stepProps(4)} footer={next(4)} onDone={done(4)}>
        <p>
          On <em>Provisioning → To App</em>, click <em>Edit</em> and enable:
        </p>
        <ul data-testid="to-app">
          {v.to_app.map((a) => (
            <li>
              <strong>{a}</strong>
            </li>
          ))}
        </ul>
        {v.policy === "jit" && <p class="hint">Leave Create Users off: with just-in-time provisioning users are created by their first SAML login.</p>}
        <Arrived
          label="First profile update"
          event={v.profile_update}
          waiting={
            v.deactivation ? (
              <>
                Deactivation seen {when(v.deactivation.at)} — still waiting for a profile update: change an assigned user's name in Okta
                (<em>Directory → People → the user → Profile → Edit</em>); with Push Profile Updates on, Okta sends it here.
              </>
            ) : (
              "Waiting for Okta to push a profile update: change an assigned user's name in Okta (Directory → People → the user → Profile → Edit)…"
            )
          }
        />
        <Arrived label="First deactivation" event={v.deactivation} waiting="No deactivation yet (unassign a test user in Okta to see one)." />
        <p class="hint">
          Only a profile update verifies this step: a deactivation shows that Okta can deactivate users, not that it sends their
          changes.
        </p>
      </Step>

      <Step
        {...stepProps(5)}
        footer={next(5)}
        onDone={done(5)}
        noteExtra={(n) =>
          roleNote(n) && (
            <p class="note-latest" data-testid="invalid-role">
              Latest: {invalidRole}
            </p>
          )
        }
      >
        <p>
          In Okta's <em>Profile Editor</em>, open the app's user profile and <em>Add Attribute</em>:
        </p>
        <Fields fields={v.role_fields.filter((f) => f !== enumField)} />
        {enumField && <EnumAdvice field={enumField} />}
        <p>
          Then under <em>Sign On → SAML settings → Attribute statements</em> add:
        </p>
        <Fields fields={v.saml_statement} />
        <p>
          Users without a role get the default role, <strong>{v.default_role}</strong>.
        </p>
        <Arrived label="First request with a role" event={v.role_request} waiting="Waiting for a request that carries the role attribute…" />
        {/* Told in its note, with the fix, when a note is about that role; here otherwise. */}
        {v.invalid_role && !step(5).notes.some(roleNote) && (
          <div class="error-box" role="alert" data-testid="invalid-role">
            {invalidRole}
          </div>
        )}
      </Step>

      <Step {...stepProps(6)} footer={next(6)} onDone={done(6)}>
        <p>
          Assign people or groups to the app in Okta (<em>Assignments</em>). {plural(v.users.total, "user exists", "users exist")} here,{" "}
          {num(v.users.active)} active; {num(v.users.never_logged_in)} {v.users.never_logged_in === 1 ? "has" : "have"} never logged in.
        </p>
        <p data-testid="role-in-assignment">
          The role is chosen in Okta's assignment dialog: on the app's <em>Assignments</em> tab, <em>Assign → Assign to People</em> or{" "}
          <em>Assign to Groups</em>; the <strong>{roleName}</strong> field appears in the dialog for each person or group assigned. A group
          assignment gives every member the group's value.
        </p>
        {v.policy === "jit" && (
          <p class="hint">Okta's updates to a user fail (404) until that user's first SAML login creates them here.</p>
        )}
        {v.never_logged_in.length > 0 && (
          <table class="simple" data-testid="never-logged-in">
            <thead>
              <tr>
                <th>Never logged in</th>
                <th>Name</th>
                <th>Role</th>
              </tr>
            </thead>
            <tbody>
              {v.never_logged_in.map((u) => (
                <tr>
                  <td>{u.user_name}</td>
                  <td>{u.name}</td>
                  <td>{u.role}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {v.missing_user_updates.length > 0 && (
          <div class="warning">
            Recent updates that found no user:{" "}
            {v.missing_user_updates.map((e) => (
              <code>
                {e.method} {e.path}
              </code>
            ))}
          </div>
        )}
        <p class="hint">Changes in Okta can take a few minutes to reach this server.</p>
      </Step>
      {v.connected && <ConnectedCard c={v.connected} />}
    </section>
  );
}
