// Tokens, roles and settings.

import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError } from "../api";
import { confirmAction } from "../dialog";
import type { ViewParams } from "../nav";
import type { AppInfo, CommandError, NewTokenView, Permission, Policy, RolesView, SettingEntry, SettingsView, TokenView } from "../types";
import { Badge, CopyButton, ErrorBox, expiryDays, Field, masked, PageHeader, useFormErrors, when } from "../ui";

const SIMULATOR_TOKEN =
  "The simulator in this console sends with this token, which the console creates: requests made with it are labelled Simulated and never verify a step of the Connect guides.";

/** Names admins give the token Okta or Entra uses, offered as the name is typed: a name
 *  that says who uses the token tells which one to revoke later. */
export function TokenNameSuggestions(props: { id: string }) {
  return (
    <datalist id={props.id}>
      <option value="Okta SCIM provisioning" />
      <option value="Okta (production)" />
      <option value="Okta (preview)" />
      <option value="Entra ID provisioning" />
    </datalist>
  );
}

/** A new token's name (with suggestions) and expiry, each with its wrong value shown beside
 *  it; what goes between them (the permission) differs between the Tokens page and the guide. */
export function TokenFields(props: {
  /** The inputs' `name`s. */
  names: { name: string; days: string };
  name: string;
  days: string;
  onName: (v: string) => void;
  onDays: (v: string) => void;
  errors: ReturnType<typeof useFormErrors<"name" | "days">>;
  children?: ComponentChildren;
}) {
  const list = `${props.names.name}-suggestions`;
  return (
    <>
      <label>
        Name{" "}
        <input
          name={props.names.name}
          list={list}
          value={props.name}
          {...props.errors.input("name")}
          onInput={(e) => props.onName((e.target as HTMLInputElement).value)}
        />
      </label>
      {props.errors.message("name")}
      <TokenNameSuggestions id={list} />
      {props.children}
      <label>
        Expires in days{" "}
        <input
          name={props.names.days}
          inputMode="numeric"
          placeholder="never"
          value={props.days}
          {...props.errors.input("days")}
          onInput={(e) => props.onDays((e.target as HTMLInputElement).value)}
        />
      </label>
      {props.errors.message("days")}
    </>
  );
}

/** A secret shown once: masked until revealed, with a copy button. */
export function SecretOnce(props: { created: NewTokenView; onCopied?: () => void }) {
  const [revealed, setRevealed] = useState(false);
  const s = props.created.secret;
  return (
    <div class="secret" data-testid="token-secret">
      <p>
        <strong>Copy this token now.</strong> It is shown once; only its hash is kept.
      </p>
      <div class="field-value">
        <code data-secret={revealed ? s : undefined}>{revealed ? s : masked(s)}</code>
        <button type="button" class="secondary" onClick={() => setRevealed(!revealed)}>
          {revealed ? "Hide" : "Reveal"}
        </button>
        <CopyButton value={s} label="token" onCopied={props.onCopied} />
      </div>
    </div>
  );
}

export function TokensView() {
  const [tokens, setTokens] = useState<TokenView[]>([]);
  const [error, setError] = useState<CommandError | null>(null);
  const [created, setCreated] = useState<NewTokenView | null>(null);
  const [form, setForm] = useState({ name: "Okta-SCIM", permission: "UserModify" as Permission, days: "" });
  const formErrors = useFormErrors<"name" | "days">();
  const load = () => api.listTokens().then(setTokens).catch((e) => setError(asError(e)));
  useEffect(() => {
    load();
  }, []);
  return (
    <section class="view tokens-view">
      <PageHeader title="API tokens" />
      <form
        class="card form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          let days: number | null;
          try {
            days = expiryDays(form.days);
          } catch (err) {
            formErrors.fail(err, "days");
            return;
          }
          try {
            setCreated(await api.createToken(form.name, form.permission, days));
            formErrors.clear();
            setError(null);
            load();
          } catch (err) {
            formErrors.fail(err, "name");
          }
        }}
      >
        <TokenFields
          names={{ name: "token-name", days: "expires" }}
          name={form.name}
          days={form.days}
          onName={(name) => setForm({ ...form, name })}
          onDays={(days) => setForm({ ...form, days })}
          errors={formErrors}
        >
          <label>
            Permission{" "}
            <select name="permission" value={form.permission} onChange={(e) => setForm({ ...form, permission: (e.target as HTMLSelectElement).value as Permission })}>
              <option value="UserModify">Manage Users (UserModify, includes Read User Info)</option>
              <option value="UserRead">Read User Info (UserRead)</option>
            </select>
          </label>
        </TokenFields>
        <button type="submit">Create token</button>
      </form>
      <ErrorBox error={formErrors.banner} onClose={formErrors.clear} />
      <ErrorBox error={error} onClose={() => setError(null)} />
      {created && <SecretOnce created={created} />}
      <table class="simple">
        <thead>
          <tr>
            <th>Name</th>
            <th>Permission</th>
            <th>Prefix</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last use</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr data-token={t.name} data-simulator={t.simulator ? "true" : undefined}>
              <td>
                {t.name}{" "}
                {t.simulator && (
                  <span class="badge badge-sim" title={SIMULATOR_TOKEN}>
                    Simulator
                  </span>
                )}
              </td>
              <td>{t.permission}</td>
              <td class="mono">{t.prefix}…</td>
              <td>{when(t.created)}</td>
              <td>{t.expires ? new Date(t.expires).toLocaleDateString() : "never"}</td>
              <td>{t.last_used ? when(t.last_used) : "never used"}</td>
              <td>
                <Badge kind={t.state === "active" ? "ok" : t.state === "expiring" ? "warn" : "off"}>
                  {t.state === "expiring" ? "expires soon" : t.state}
                </Badge>
              </td>
              <td>
                {!t.revoked && (
                  <button
                    type="button"
                    class="danger"
                    onClick={async () => {
                      const ok = await confirmAction({
                        title: `Revoke “${t.name}”?`,
                        body: (
                          <p>
                            Every request with this token is refused (401) from now on, and a revoked token cannot be
                            restored. Whatever uses it — Okta, Entra ID or a script — stops provisioning until it is given a
                            new token.
                          </p>
                        ),
                        action: "Revoke token",
                        destructive: true,
                      });
                      if (!ok) return;
                      try {
                        await api.revokeToken(t.name);
                        load();
                      } catch (e) {
                        setError(asError(e));
                      }
                    }}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function RolesView() {
  const [view, setView] = useState<RolesView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [name, setName] = useState("");
  const [attr, setAttr] = useState("");
  const fields = useFormErrors<"role-name" | "role-attribute">();
  /** Runs a change and shows the roles as they are now; true when it went through. An
   *  invalid value is shown beside `field`, when the change came from one. */
  const run = async (p: Promise<RolesView | SettingsView>, field: "role-name" | "role-attribute" | null = null) => {
    try {
      await p;
      const v = await api.roles();
      setView(v);
      setAttr(v.role_attribute);
      setError(null);
      fields.clear();
      return true;
    } catch (e) {
      if (field) fields.fail(e, field);
      else setError(asError(e));
      return false;
    }
  };
  useEffect(() => {
    run(api.roles());
  }, []);
  if (!view) return <ErrorBox error={error} />;
  return (
    <section class="view roles-view">
      <PageHeader title="Roles" />
      <ErrorBox error={error} onClose={() => setError(null)} />
      <ErrorBox error={fields.banner} onClose={fields.clear} />
      <table class="simple">
        <thead>
          <tr>
            <th>Role</th>
            <th>Kind</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {view.roles.map((r) => (
            <tr>
              <td>
                {r.name} {r.name === view.default_role && <Badge kind="ok">default</Badge>}
              </td>
              <td>{r.builtin ? "built-in" : "custom"}</td>
              <td>
                {r.name !== view.default_role && (
                  <button type="button" class="secondary" onClick={() => run(api.setSetting("default-role", r.name))}>
                    Make default
                  </button>
                )}{" "}
                {!r.builtin && (
                  <button type="button" class="danger" onClick={() => run(api.removeRole(r.name))}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          // The name stays where it was typed when it is refused, to be corrected.
          if (await run(api.addRole(name), "role-name")) setName("");
        }}
      >
        <label>
          New role{" "}
          <input name="role-name" value={name} {...fields.input("role-name")} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        {fields.message("role-name")}
        <button type="submit">Add role</button>
      </form>
      <form
        class="form-row"
        onSubmit={async (e) => {
          e.preventDefault();
          const to = attr.trim();
          if (to === view.role_attribute) return;
          // Okta and Entra send the role under the old name until their mapping is changed too.
          const ok = await confirmAction({
            title: `Rename the role attribute to “${to}”?`,
            body: (
              <>
                <p>
                  Users keep their roles. But the identity provider sends the role as <code>{view.role_attribute}</code> until its
                  attribute mapping is changed to match: from then on that attribute is ignored, and role changes made there stop
                  arriving here.
                </p>
                <p>
                  In Okta, change the attribute's <em>External name</em> in <em>Directory → Profile Editor → (the app)</em>, and
                  the SAML attribute statement: step 5 of the Connect Okta guide shows the values for the new name. In Microsoft
                  Entra ID, change the target attribute under <em>Provisioning → Mappings</em>.
                </p>
              </>
            ),
            action: "Rename attribute",
            destructive: true,
          });
          if (ok) run(api.setSetting("role-attribute", to), "role-attribute");
        }}
      >
        <label>
          Role attribute{" "}
          <input
            name="role-attribute"
            class="mono"
            value={attr}
            {...fields.input("role-attribute", "role-attribute-hint")}
            onInput={(e) => setAttr((e.target as HTMLInputElement).value)}
          />
        </label>
        {fields.message("role-attribute")}
        <button type="submit" disabled={attr.trim() === view.role_attribute}>
          Rename
        </button>
        <span class="hint" id="role-attribute-hint">
          The SCIM attribute the identity provider sends the role in; existing users keep their role.
        </span>
      </form>
    </section>
  );
}

/** Names for the settings listed generically (the key is shown beside, for the command line). */
const SETTING_LABELS: Record<string, string> = {
  guard: "Guard",
  "guard-count": "Trips after more deprovisions than",
  "guard-percent": "…that are also more than this % of active users",
  "guard-window": "Window (minutes)",
  "rate-limit": "Rate limit per token (requests per second)",
  "header-timeout": "Request head timeout (seconds)",
  "idle-timeout": "Idle connection timeout (seconds)",
  "body-timeout": "Request body timeout (seconds)",
  "max-connections": "Connections served at once",
  "trusted-proxies": "Trusted reverse proxies",
  "org-name": "Organisation name in group names",
  "group-role-pattern": "Group names that carry roles",
  "on-last-role-removed": "A user taken out of its last role group is",
};

/** Settings chosen from a fixed list. */
const SETTING_CHOICES: Record<string, string[]> = {
  guard: ["on", "off"],
  "on-last-role-removed": ["deactivate", "delete"],
};

/** Settings with a place of their own (here or under Roles). */
const PLACED = new Set(["provisioning", "public-url", "role-attribute", "default-role"]);

function sentence(meaning: string): string {
  const m = meaning.replace(/^\.\.\.\s*/, "").replace(/\s*\.\.\.$/, "");
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** One setting: its value, saved with Enter or Save; what is wrong with a value, in words. */
function SettingRow(props: { entry: SettingEntry; onSaved: (v: SettingsView) => void }) {
  const e = props.entry;
  const [value, setValue] = useState(e.value);
  const [error, setError] = useState<CommandError | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(e.value), [e.value]);
  const id = `setting-${e.key}`;
  const save = async (v: string) => {
    try {
      props.onSaved(await api.setSetting(e.key, v));
      setError(null);
      setSaved(true);
      window.setTimeout(() => setSaved(false), 2000);
    } catch (err) {
      setError(asError(err));
    }
  };
  return (
    <form
      class="setting"
      data-setting={e.key}
      onSubmit={(ev) => {
        ev.preventDefault();
        save(value);
      }}
    >
      <label for={id}>
        {SETTING_LABELS[e.key] ?? e.key} <span class="mono muted">{e.key}</span>
      </label>
      <div class="setting-input">
        {SETTING_CHOICES[e.key] ? (
          <select
            id={id}
            name={e.key}
            value={value}
            onChange={(ev) => {
              const v = (ev.target as HTMLSelectElement).value;
              setValue(v);
              save(v);
            }}
          >
            {SETTING_CHOICES[e.key].map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            name={e.key}
            class="mono"
            value={value}
            placeholder={e.default || "none"}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error ${id}-hint` : `${id}-hint`}
            onInput={(ev) => setValue((ev.target as HTMLInputElement).value)}
          />
        )}
        {e.key !== "guard" && (
          <button type="submit" class="secondary" disabled={value.trim() === e.value}>
            Save
          </button>
        )}
        {/* Always there, so the word is announced when it appears. */}
        <span class="saved" role="status">
          {saved ? "Saved" : ""}
        </span>
      </div>
      <div class="hint" id={`${id}-hint`}>
        {sentence(e.meaning)}. Default: {e.default || "none"}.
      </div>
      {error && (
        <p class="error-text" role="alert" id={`${id}-error`} data-code={error.code}>
          {error.message}
        </p>
      )}
    </form>
  );
}

export function SettingsPage(props: { params?: ViewParams["settings"] }) {
  const [s, setS] = useState<SettingsView | null>(null);
  // Opened on the guard's card (a finding's "Show held requests" while nothing is held) or on
  // the policy (from Groups under just-in-time provisioning): once the settings are on screen,
  // the card is scrolled to and its heading focused.
  const guardHeading = useRef<HTMLHeadingElement>(null);
  const policyHeading = useRef<HTMLHeadingElement>(null);
  const loaded = s !== null;
  useLayoutEffect(() => {
    const section = props.params?.section;
    const heading = section === "guard" ? guardHeading.current : section === "policy" ? policyHeading.current : null;
    if (!loaded || !heading) return;
    heading.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  }, [loaded]);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [url, setUrl] = useState("");
  const [error, setError] = useState<CommandError | null>(null);
  const urlErrors = useFormErrors<"public-url">();
  const apply = (p: Promise<SettingsView>) =>
    p
      .then((v) => {
        setS(v);
        setUrl(v.public_url ?? "");
        setError(null);
        urlErrors.clear();
      })
      .catch((e) => setError(asError(e)));
  const saveUrl = () =>
    api
      .setSetting("public-url", url)
      .then((v) => {
        setS(v);
        setUrl(v.public_url ?? "");
        urlErrors.clear();
      })
      .catch((e) => urlErrors.fail(e, "public-url"));
  /** Switches the provisioning policy once the admin has read what to change in Okta. */
  const setPolicy = async (to: Policy) => {
    const ok = await confirmAction({
      title: to === "full" ? "Switch to full provisioning?" : "Switch to just-in-time provisioning?",
      body:
        to === "full" ? (
          <p>
            The identity provider then creates users here too, and may delete them. Turn on creating users there to match: in
            Okta, <em>Push New Users</em> on the app's <em>Provisioning → Integration</em> tab and <em>Create Users</em> under{" "}
            <em>Provisioning → To App</em>; in Microsoft Entra ID, the <em>Create</em> target object action under{" "}
            <em>Provisioning → Mappings</em>. Until then, people newly assigned to the app get no account from it.
          </p>
        ) : (
          <>
            <p>
              Users are then created only by their first SAML login: this server refuses the identity provider's requests to
              create or delete a user.
            </p>
            <p>
              Turn off creating users there to match: in Okta, <em>Create Users</em> under <em>Provisioning → To App</em> and{" "}
              <em>Push New Users</em> on the <em>Integration</em> tab; in Microsoft Entra ID, the <em>Create</em> target object
              action under <em>Provisioning → Mappings</em>. Otherwise every new assignment fails on their side (Okta lists the
              failures under <em>Dashboard → Tasks</em>).
            </p>
          </>
        ),
      action: to === "full" ? "Switch to full" : "Switch to just in time",
    });
    if (ok) apply(api.setSetting("provisioning", to));
    // Cancelled: the radio buttons show the policy in force again.
    else setS((old) => old && { ...old });
  };
  useEffect(() => {
    apply(api.settings());
    api
      .appInfo()
      .then(setInfo)
      .catch((e) => setError(asError(e)));
  }, []);
  if (!s) return <ErrorBox error={error} />;
  return (
    <section class="view settings-view">
      <PageHeader title="Settings" />
      <ErrorBox error={error} onClose={() => setError(null)} />
      <div class="card" role="radiogroup" aria-labelledby="policy-title" data-card="policy">
        <h2 id="policy-title" tabIndex={-1} ref={policyHeading}>
          Provisioning policy
        </h2>
        {(["jit", "full"] as const).map((p) => (
          <label class="radio">
            <input type="radio" name="policy" value={p} checked={s.provisioning === p} onChange={() => setPolicy(p)} />
            {p === "jit"
              ? "Just in time: users are created at their first SAML login; Okta updates and deactivates them."
              : "Full: Okta also creates and deletes users."}
          </label>
        ))}
      </div>
      <div class="card">
        <h2>Addresses</h2>
        <Field label="Tenant URL (SCIM connector base URL)" value={s.tenant_url} />
        <Field label="Embedded server" value={s.local_base_url} hint={`Port ${s.port}, kept across restarts.`} />
        <form
          class="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            saveUrl();
          }}
        >
          <label>
            Public base URL{" "}
            <input
              name="public-url"
              class="mono"
              size={36}
              placeholder="https://scim.example.com"
              value={url}
              {...urlErrors.input("public-url")}
              onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
            />
          </label>
          {urlErrors.message("public-url")}
          <button type="submit">Save</button>
        </form>
        <ErrorBox error={urlErrors.banner} onClose={urlErrors.clear} />
        {s.url_warnings.map((w) => (
          <p class="warning">{w}</p>
        ))}
      </div>
      <div class="card" data-card="guard">
        <h2 tabIndex={-1} ref={guardHeading}>
          Deprovisioning guard
        </h2>
        <p class="hint">
          Holds a wave of deactivations and deletions (answering 503, changing nothing) until you release it from the
          banner.{" "}
          {s.known.find((e) => e.key === "guard")?.value === "off"
            ? `It is off; when on, it trips at ${s.guard_rule}.`
            : `Now it trips at ${s.guard_rule}.`}
        </p>
        {s.known
          .filter((e) => e.key.startsWith("guard"))
          .map((e) => (
            <SettingRow key={e.key} entry={e} onSaved={(v) => setS(v)} />
          ))}
      </div>
      <div class="card" data-card="connections">
        <h2>Connections and rate limit</h2>
        {s.known
          .filter((e) => !PLACED.has(e.key) && !e.key.startsWith("guard"))
          .map((e) => (
            <SettingRow key={e.key} entry={e} onSaved={(v) => setS(v)} />
          ))}
      </div>
      <div class="card">
        <h2>Storage</h2>
        <Field label="Database" value={s.database} />
        {info?.log_dir ? (
          <Field
            label="Log files"
            value={info.log_dir}
            hint="Errors of the embedded server are written here; attach the newest file to a support request."
          />
        ) : (
          info && (
            <div class="field" data-field="Log files">
              <div class="field-label">Log files</div>
              <p class="warning">No log files are written: {info.log_error ?? "the log folder is not known"}. Errors go to the terminal only.</p>
            </div>
          )
        )}
      </div>
    </section>
  );
}
