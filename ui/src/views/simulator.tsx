// The simulator: the real HTTP requests Okta or Microsoft Entra ID sends, sent to the embedded
// server, so every screen can be seen working without a tenant. They carry the simulator's own
// token, so they are labelled Simulated and never verify a step of either guide.

import { useEffect, useState } from "preact/hooks";
import { api, asError } from "../api";
import type { CommandError, Dialect, SimAction, Simulation } from "../types";
import { Badge, ErrorBox, PageHeader, plural, SimulatedBadge, TextInput } from "../ui";
import { IdpChoice, IdpPanel, IDP_NAMES, useStoredIdp, type Idp } from "./idp";

const IDP_KEY = "scim-console.simulator";

/** The members typed, one userName per line or between commas. */
function memberList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** One action's button: `data-sim` names the action for scripts. */
function SimButton(props: { sim: string; busy: boolean; onClick: () => void; children: string }) {
  return (
    <button type="button" disabled={props.busy} data-sim={props.sim} onClick={props.onClick}>
      {props.children}
    </button>
  );
}

export function SimulatorPage() {
  const [idp, setIdp] = useStoredIdp(IDP_KEY);
  const [roles, setRoles] = useState<string[]>([]);
  const [userName, setUserName] = useState("jordan.lee@example.com");
  const [given, setGiven] = useState("Jordan");
  const [family, setFamily] = useState("Lee");
  const [role, setRole] = useState("Analyst");
  const [dialect, setDialect] = useState<Dialect>("aadopt");
  const [group, setGroup] = useState("Engineering");
  const [members, setMembers] = useState("jordan.lee@example.com");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [results, setResults] = useState<{ label: string; idp: Idp; sim: Simulation }[]>([]);

  useEffect(() => {
    api
      .roles()
      .then((r) => setRoles(r.roles.map((x) => x.name)))
      .catch((e) => setError(asError(e)));
  }, []);

  const run = async (label: string, action: SimAction) => {
    setBusy(true);
    try {
      const sim = await api.simulate(action);
      setResults((r) => [{ label, idp, sim }, ...r].slice(0, 20));
      setError(null);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  const okta = idp === "okta";
  const dialectWords = dialect === "aadopt" ? "with ?aadOptscim062020" : "without ?aadOptscim062020";
  const list = memberList(members);

  return (
    <section class="view simulator-view">
      <PageHeader title={okta ? "Okta simulator" : "Microsoft Entra ID simulator"} />
      <IdpChoice value={idp} prefix="sim-idp" label="Identity provider to simulate" onChange={setIdp} />
      <IdpPanel value={idp} prefix="sim-idp" class="sim-panel">
        {okta ? (
          <p class="muted">
            Sends this server exactly what Okta's SCIM connector sends (<code>User-Agent: Okta SCIM Client 1.0.0</code>). Watch the Users
            and Activity pages while it runs.
          </p>
        ) : (
          <p class="muted">
            Sends this server exactly what Microsoft Entra ID's provisioning service sends (
            <code>User-Agent: Azure Active Directory SCIM Client</code>), in either of its PATCH dialects. Watch the Users and Activity
            pages while it runs.
          </p>
        )}
        <p class="notice" data-testid="sim-notice">
          <SimulatedBadge /> The simulator sends with a token of its own, “SCIM Console simulator”, which this console creates. Its
          requests are labelled <strong>Simulated</strong> in Activity and in user timelines, and they <strong>never verify a step</strong>{" "}
          of the Connect Okta or Connect Microsoft Entra ID guide: only requests from the identity provider itself do.
          {okta && " The simulated SAML login changes the user directly and verifies nothing either."}
        </p>
        <ErrorBox error={error} onClose={() => setError(null)} />

        <h2 class="section-title">User</h2>
        <div class="card form-row">
          <label>
            User (userName / email) <TextInput name="sim-user" value={userName} onValue={setUserName} />
          </label>
          <label>
            Given name <TextInput name="sim-given" value={given} onValue={setGiven} />
          </label>
          <label>
            Family name <TextInput name="sim-family" value={family} onValue={setFamily} />
          </label>
          {okta && (
            <label>
              Role{" "}
              <select name="sim-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
                {roles.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </label>
          )}
          {!okta && (
            <fieldset class="sim-dialect">
              <legend>PATCH dialect (Tenant URL)</legend>
              {(
                [
                  ["aadopt", "with ?aadOptscim062020"],
                  ["legacy", "without (before 2020)"],
                ] as const
              ).map(([d, words]) => (
                <label class="radio">
                  <input type="radio" name="sim-dialect" value={d} checked={dialect === d} onChange={() => setDialect(d)} />
                  {words}
                </label>
              ))}
            </fieldset>
          )}
        </div>
        {okta ? (
          <div class="sim-actions">
            <SimButton sim="first_login" busy={busy} onClick={() => run("First SAML login", { action: "first_login", email: userName, given_name: given, family_name: family, role })}>
              First SAML login
            </SimButton>
            <SimButton sim="connector_test" busy={busy} onClick={() => run("Test connector", { action: "connector_test" })}>
              Test connector
            </SimButton>
            <SimButton sim="profile_push" busy={busy} onClick={() => run("Push profile", { action: "profile_push", user_name: userName, given_name: given, family_name: family })}>
              Push profile
            </SimButton>
            <SimButton sim="role_change" busy={busy} onClick={() => run(`Change role to ${role}`, { action: "role_change", user_name: userName, role })}>
              Change role
            </SimButton>
            <SimButton sim="invalid_role" busy={busy} onClick={() => run("Send an invalid role", { action: "role_change", user_name: userName, role: "Superuser" })}>
              Send invalid role
            </SimButton>
            <SimButton sim="deactivate" busy={busy} onClick={() => run("Deactivate", { action: "deactivate", user_name: userName })}>
              Deactivate
            </SimButton>
            <SimButton sim="reactivate" busy={busy} onClick={() => run("Reactivate", { action: "reactivate", user_name: userName })}>
              Reactivate
            </SimButton>
          </div>
        ) : (
          <div class="sim-actions">
            <SimButton sim="entra_test_connection" busy={busy} onClick={() => run("Test Connection", { action: "entra_test_connection" })}>
              Test Connection
            </SimButton>
            <SimButton sim="entra_create" busy={busy} onClick={() => run("Create user", { action: "entra_create", user_name: userName, given_name: given, family_name: family })}>
              Create user
            </SimButton>
            <SimButton
              sim="entra_update"
              busy={busy}
              onClick={() => run(`Update name (${dialectWords})`, { action: "entra_update", user_name: userName, given_name: given, family_name: family, dialect })}
            >
              Update name
            </SimButton>
            <SimButton sim="entra_disable" busy={busy} onClick={() => run(`Disable (${dialectWords})`, { action: "entra_disable", user_name: userName, dialect })}>
              Disable
            </SimButton>
          </div>
        )}

        <h2 class="section-title">Group</h2>
        <div class="card form-row sim-group">
          <label>
            Group name <TextInput name="sim-group" value={group} onValue={setGroup} />
          </label>
          <label class="sim-members">
            <span>
              Members <span class="hint">(userNames, one a line or separated by commas)</span>
            </span>
            <textarea name="sim-members" rows={3} value={members} spellcheck={false} onInput={(e) => setMembers((e.target as HTMLTextAreaElement).value)} />
          </label>
        </div>
        {okta ? (
          <div class="sim-actions">
            <SimButton sim="push_group" busy={busy} onClick={() => run(`Push group with ${plural(list.length, "member", "members")}`, { action: "push_group", name: group, members: list })}>
              Push group
            </SimButton>
            <SimButton sim="remove_from_group" busy={busy} onClick={() => run(`Remove ${userName} from the group`, { action: "remove_from_group", group, user_name: userName })}>
              Remove from group
            </SimButton>
          </div>
        ) : (
          <div class="sim-actions">
            <SimButton sim="entra_group" busy={busy} onClick={() => run(`Provision group with ${plural(list.length, "member", "members")}`, { action: "entra_group", name: group, members: list })}>
              Provision group
            </SimButton>
            <SimButton
              sim="entra_remove_from_group"
              busy={busy}
              onClick={() => run(`Remove ${userName} from the group (old style)`, { action: "entra_remove_from_group", group, user_name: userName })}
            >
              Remove member (old style)
            </SimButton>
          </div>
        )}
        <p class="hint">
          {okta
            ? "Remove from group takes the user above out of the group named here."
            : "Remove member takes the user above out of the group named here, in Entra's old style: a Remove of “members” that lists the member, which takes out only the members listed."}
        </p>
      </IdpPanel>

      <div class="sim-results">
        {results.map(({ label, idp: from, sim }, i) => (
          <div class="card sim-result" data-sim-result={i === 0 ? "latest" : undefined} data-ok={String(sim.ok)} data-idp={from}>
            <h2>
              {label} <Badge kind={sim.ok ? "ok" : "warn"}>{sim.ok ? "done" : "refused"}</Badge>
              <span class="sim-from muted">{IDP_NAMES[from]}</span>
            </h2>
            <p class="sim-outcome">{sim.outcome}</p>
            {sim.group && (
              <p class="sim-group-count" data-testid="sim-group" data-members={sim.group.member_count}>
                Group “{sim.group.display_name}”: <strong>{plural(sim.group.member_count, "member", "members")}</strong>
                {sim.group.role && <> · grants the role {sim.group.role}</>}
              </p>
            )}
            {sim.exchanges.map((x) => (
              <details>
                <summary>
                  <code>
                    {x.method} {x.path}
                  </code>{" "}
                  → <span class={x.status >= 400 ? "status-error" : "status-ok"}>{x.status}</span>{" "}
                  <span class="muted">{x.latency_ms.toFixed(1)} ms</span>
                </summary>
                {x.request != null && (
                  <>
                    <div class="field-label">Request body</div>
                    <pre>{JSON.stringify(x.request, null, 2)}</pre>
                  </>
                )}
                {x.response != null && (
                  <>
                    <div class="field-label">Response body</div>
                    <pre>{JSON.stringify(x.response, null, 2)}</pre>
                  </>
                )}
              </details>
            ))}
            {sim.token_name ? (
              <p class="hint">
                Sent with the simulator's token “{sim.token_name}”: labelled Simulated in Activity; verifies no step of the guides.
              </p>
            ) : (
              <p class="hint">Not a SCIM request: the login changed the user directly. Labelled Simulated in Activity; verifies no step of the guides.</p>
            )}
          </div>
        ))}
      </div>
    </section>
  );
}
