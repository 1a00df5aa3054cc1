// The Okta simulator: the real HTTP requests Okta sends, sent to the embedded server, so every
// screen can be seen working without an Okta tenant. They carry the simulator's own token, so
// they are labelled Simulated and never verify a step of the guide.

import { useEffect, useState } from "preact/hooks";
import { api, asError } from "../api";
import type { CommandError, SimAction, Simulation } from "../types";
import { Badge, ErrorBox, PageHeader, SimulatedBadge, TextInput } from "../ui";

export function SimulatorPage() {
  const [roles, setRoles] = useState<string[]>([]);
  const [userName, setUserName] = useState("jordan.lee@example.com");
  const [given, setGiven] = useState("Jordan");
  const [family, setFamily] = useState("Lee");
  const [role, setRole] = useState("Analyst");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [results, setResults] = useState<{ label: string; sim: Simulation }[]>([]);

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
      setResults((r) => [{ label, sim }, ...r].slice(0, 20));
      setError(null);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="view simulator-view">
      <PageHeader title="Okta simulator" />
      <p class="muted">
        Sends this server exactly what Okta's SCIM connector sends (<code>User-Agent: Okta SCIM Client 1.0.0</code>). Watch the Users and
        Activity pages while it runs.
      </p>
      <p class="notice" data-testid="sim-notice">
        <SimulatedBadge /> The simulator sends with a token of its own, “SCIM Console simulator”, which this console creates. Its requests are
        labelled <strong>Simulated</strong> in Activity and in user timelines, and they <strong>never verify a step</strong> of the Connect
        Okta guide: only requests from Okta itself do. The simulated SAML login changes the user directly and verifies nothing either.
      </p>
      <ErrorBox error={error} onClose={() => setError(null)} />
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
        <label>
          Role{" "}
          <select name="sim-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
            {roles.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </label>
      </div>
      <div class="sim-actions">
        <button type="button" disabled={busy} data-sim="first_login" onClick={() => run("First SAML login", { action: "first_login", email: userName, given_name: given, family_name: family, role })}>
          First SAML login
        </button>
        <button type="button" disabled={busy} data-sim="connector_test" onClick={() => run("Test connector", { action: "connector_test" })}>
          Test connector
        </button>
        <button type="button" disabled={busy} data-sim="profile_push" onClick={() => run("Push profile", { action: "profile_push", user_name: userName, given_name: given, family_name: family })}>
          Push profile
        </button>
        <button type="button" disabled={busy} data-sim="role_change" onClick={() => run(`Change role to ${role}`, { action: "role_change", user_name: userName, role })}>
          Change role
        </button>
        <button type="button" disabled={busy} data-sim="invalid_role" onClick={() => run("Send an invalid role", { action: "role_change", user_name: userName, role: "Superuser" })}>
          Send invalid role
        </button>
        <button type="button" disabled={busy} data-sim="deactivate" onClick={() => run("Deactivate", { action: "deactivate", user_name: userName })}>
          Deactivate
        </button>
        <button type="button" disabled={busy} data-sim="reactivate" onClick={() => run("Reactivate", { action: "reactivate", user_name: userName })}>
          Reactivate
        </button>
      </div>
      <div class="sim-results">
        {results.map(({ label, sim }, i) => (
          <div class="card sim-result" data-sim-result={i === 0 ? "latest" : undefined} data-ok={String(sim.ok)}>
            <h2>
              {label} <Badge kind={sim.ok ? "ok" : "warn"}>{sim.ok ? "done" : "refused"}</Badge>
            </h2>
            <p class="sim-outcome">{sim.outcome}</p>
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
                Sent with the simulator's token “{sim.token_name}”: labelled Simulated in Activity; verifies no step of the guide.
              </p>
            ) : (
              <p class="hint">Not a SCIM request: the login changed the user directly. Labelled Simulated in Activity; verifies no step of the guide.</p>
            )}
          </div>
        ))}
      </div>
    </section>
  );
}
