// Connecting Microsoft Entra ID, step by step, beside Okta's guide and with its mechanics: the
// enterprise application, the secret token, the Tenant URL (with ?aadOptscim062020) verified
// by the Test Connection request that arrives, the attribute mappings, groups that carry roles
// with a preview of their names, and the scope and provisioning cycles.

import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { useNav } from "../nav";
import type { EntraGuideView, EventRecord, Mapping } from "../types";
import { ErrorBox, plural, Time } from "../ui";
import { Arrived, Fields, GuideNote, PublicAddress, Step, TokenStep, useGuide, useReportProgress, type GuideProgress, type GuideSource } from "./guide";
import { shortPath, withoutQuery } from "./health";
import { NamingTable, NamingTry } from "./naming";

const ENTRA: GuideSource<EntraGuideView> = {
  idp: "Entra ID",
  read: api.entraGuide,
  change: api.entraGuideUpdate,
  createToken: api.entraGuideCreateToken,
  tokenName: "Entra-ID-SCIM",
};

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A request's path as people read it: `/Users?filter=userName eq "…"`, not `%22`. */
function decodedPath(path: string): string {
  const q = path.indexOf("?");
  if (q < 0) return decoded(path);
  return `${decoded(path.slice(0, q))}?${decoded(path.slice(q + 1).replace(/\+/g, " "))}`;
}

/** Step 3's proof: the request Entra's Test Connection sent. */
function TestConnection(props: { e: EventRecord | null }) {
  const e = props.e;
  return (
    <div class={`arrived ${e ? "seen" : "waiting"}`} data-arrived="Test Connection" data-testid="entra-test-connection" aria-live="polite">
      {e ? (
        <>
          Verified by Entra's Test Connection at {new Date(e.at).toLocaleString()}:{" "}
          <code>
            {e.method} {decodedPath(e.path)}
          </code>{" "}
          → {e.status}
          {e.token_name && <> with the token “{e.token_name}”</>}.
        </>
      ) : (
        <span class="muted">Waiting for Entra's Test Connection…</span>
      )}
    </div>
  );
}

/** What to check when Test Connection fails. */
function TestTroubleshooting() {
  return (
    <details class="troubleshoot" data-testid="entra-troubleshooting">
      <summary>If Test Connection fails</summary>
      <ul>
        <li>
          <strong>“You appear to have entered invalid credentials”</strong> or <strong>401</strong>: the Secret Token is wrong. Paste the
          token alone, not <code>Bearer …</code>. If it is lost, create a new one in step 2.
        </li>
        <li>
          <strong>The Tenant URL cannot be reached</strong> (a timeout, or “could not connect”): Entra ID needs the public HTTPS address,
          and the reverse proxy or tunnel must forward <code>/scim/v2</code> and everything under it to this server. Loopback and private
          addresses never work from Entra's cloud.
        </li>
        <li>
          Entra's own side of a failure is in the enterprise application's <em>Provisioning logs</em>.
        </li>
      </ul>
    </details>
  );
}

function MappingTable(props: { rows: Mapping[]; caption: string; testid: string }) {
  return (
    <div class="table-scroll">
      <table class="simple compact mappings" data-testid={props.testid}>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Entra ID attribute</th>
            <th scope="col">SCIM attribute here</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((m) => (
            <tr data-mapping={m.scim}>
              <td class="wrap">
                <code>{m.entra}</code>
              </td>
              <td class="wrap">
                <code>{m.scim}</code>
              </td>
              <td class="wrap">{m.note ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The guide's last card, once Test Connection has arrived and Entra ID has created a user. */
function EntraConnected(props: { e: EventRecord | null }) {
  const { navigate } = useNav();
  const e = props.e;
  return (
    <section class="card connected" data-testid="entra-connected" aria-labelledby="entra-connected-title">
      <h2 id="entra-connected-title">
        <span class="connected-mark" aria-hidden="true">
          ✓
        </span>
        Entra ID is connected
      </h2>
      {e && (
        <p data-testid="entra-last-request">
          Last request:{" "}
          <span class="mono" title={decodedPath(e.path)}>
            {e.method} {withoutQuery(shortPath(e.path))}
          </span>{" "}
          → <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>, <Time at={e.at} />
          {e.client && <span class="muted"> · {e.client}</span>}
        </p>
      )}
      <div class="step-nav">
        <button type="button" class="secondary" onClick={() => navigate("health")}>
          Open Health
        </button>
        <button type="button" class="secondary" onClick={() => navigate("activity", { hideSimulated: true })}>
          Open Activity
        </button>
      </div>
    </section>
  );
}

export function EntraGuide(props: { onProgress: (p: GuideProgress | null) => void }) {
  const { navigate } = useNav();
  const g = useGuide(ENTRA);
  useReportProgress(
    g,
    props.onProgress,
    <p>
      The guide forgets its progress: the steps marked done or verified and which token is Entra ID's. Tokens, users, groups and
      settings stay as they are, and Entra ID keeps working with the token it has.
    </p>,
  );
  // The public address the Tenant URL is made of (not in the guide's view).
  const [publicUrl, setPublicUrl] = useState<string | null | undefined>(undefined);
  const readPublicUrl = () =>
    api
      .settings()
      .then((s) => setPublicUrl(s.public_url))
      .catch(() => setPublicUrl(null));
  useEffect(() => {
    readPublicUrl();
  }, []);

  const { v, error, load, stepProps, next, done } = g;
  if (!v)
    return (
      <div class="entra-guide" data-testid="entra-guide" aria-busy="true">
        <ErrorBox error={error} />
      </div>
    );
  const full = v.policy === "full";
  const tenant = v.connection_fields.find((f) => f.label === "Tenant URL");
  const naming = v.naming;
  const roleMapping = v.mappings_keep.find((m) => m.entra.startsWith("SingleAppRoleAssignment"));
  const settingsLink = (text: string) => (
    <button type="button" class="link inline" data-action="open-settings" onClick={() => navigate("settings")}>
      {text}
    </button>
  );
  const userCreated = (
    <Arrived
      label="First user created by Entra ID"
      event={v.user_created}
      waiting="Waiting for Entra ID to create a user: assign one to the application, then use Provision on demand (step 6)…"
    />
  );

  return (
    <div class="entra-guide" data-testid="entra-guide">
      <ErrorBox error={error} onClose={() => g.setError(null)} />

      <Step {...stepProps(1)} footer={next(1, full)} onDone={done(1)}>
        {!full && (
          <GuideNote code="entra_needs_full" severity="error" title="Entra ID needs full provisioning">
            <p class="finding-detail">
              Entra ID creates users and groups here itself; it has no way to wait for a first SAML login. This server uses just-in-time
              provisioning, so it would refuse every user and group Entra ID creates.
            </p>
            <p class="finding-fix">
              <strong>Fix:</strong> switch the provisioning policy to <em>Full</em> in Settings.
            </p>
            <div class="finding-actions">
              <button type="button" data-action="open-policy" onClick={() => navigate("settings")}>
                Change the provisioning policy
              </button>
            </div>
          </GuideNote>
        )}
        <ol class="guide-path">
          <li>
            Sign in to the <strong>Microsoft Entra admin center</strong> as an administrator and open <em>Enterprise applications</em>.
          </li>
          <li>
            Click <em>New application</em>, then <em>Create your own application</em>.
          </li>
          <li>
            Name it, choose <em>Integrate any other application you don't find in the gallery (Non-gallery)</em> and click{" "}
            <em>Create</em>.
          </li>
        </ol>
        <p class="hint">
          If people already sign in to the application through Entra ID (SAML single sign-on), open that enterprise application
          instead: provisioning is set up on the same one.
        </p>
        {full && <p>Provisioning policy here: <strong>full</strong> — Entra ID creates, updates and deactivates users, and provisions groups.</p>}
      </Step>

      <Step {...stepProps(2)} footer={next(2, !!v.token)}>
        <p>
          Entra ID calls this server with a token that has the <strong>Manage Users</strong> permission (<code>UserModify</code>, which
          includes <em>Read User Info</em>); Entra ID calls it the <em>Secret Token</em>.
        </p>
        <TokenStep
          g={g}
          names={{ name: "entra-token-name", days: "entra-expires" }}
          replace={(old) => (
            <>
              Entra ID then has to be given the new token instead of “{old}”: paste it into <em>Secret Token</em> under the enterprise
              application's <em>Provisioning → Admin Credentials</em>, click <em>Test Connection</em>, then <em>Save</em>. “{old}” keeps
              working until it is revoked under Tokens.
            </>
          )}
        />
      </Step>

      <Step {...stepProps(3)} footer={next(3, v.reachability.verdict === "usable")} onDone={done(3)}>
        {publicUrl !== undefined && (
          <PublicAddress
            idp="Entra ID"
            test="Test Connection"
            publicUrl={publicUrl}
            verdict={v.reachability.verdict}
            tenantUrl={v.tenant_url}
            onSaved={() => {
              load();
              readPublicUrl();
            }}
          />
        )}
        <p>
          In the enterprise application, open <em>Provisioning</em>, set <em>Provisioning Mode</em> to <strong>Automatic</strong>, and
          under <em>Admin Credentials</em> enter:
        </p>
        <Fields fields={v.connection_fields} secret={v.secret} />
        {/* The field's hint says why, unless the field cannot be used yet (its hint is the fix then). */}
        {!tenant?.hint?.includes("aadOptscim062020") && (
          <p class="hint" data-testid="aadopt-why">
            The Tenant URL ends with <code>?aadOptscim062020</code> so that Entra ID sends standard SCIM PATCH requests, not its
            older dialect from before 2020.
          </p>
        )}
        <p>
          Then click <em>Test Connection</em>, and <em>Save</em> once it succeeds. This step turns verified when Entra's test request
          arrives; requests from the simulator in this console never verify a step.
        </p>
        <TestConnection e={v.test_connection} />
        {v.last_request && v.test_connection && v.last_request.id !== v.test_connection.id && (
          <Arrived label="Latest from Entra ID" event={v.last_request} waiting="" />
        )}
        {!v.test_connection && <TestTroubleshooting />}
      </Step>

      <Step {...stepProps(4)} footer={next(4)} onDone={done(4)}>
        <p>
          In the enterprise application: <em>Provisioning → Mappings → Provision Microsoft Entra ID Users</em>. Keep these mappings, and
          add any that is missing:
        </p>
        <MappingTable rows={v.mappings_keep} caption="Mappings to keep" testid="mappings-keep" />
        <h3 class="sub-title">Delete these mappings</h3>
        <p>
          This server does not keep these attributes. Delete each mapping (<em>Delete</em> on its row), then click <em>Save</em>.
        </p>
        <MappingTable rows={v.mappings_remove} caption="Mappings to delete" testid="mappings-remove" />
        {userCreated}
      </Step>

      <Step {...stepProps(5)} footer={next(5)} onDone={done(5)}>
        {naming.pattern ? (
          <>
            <p>
              Group names carry roles here: each member of a group named by the pattern <code>{naming.pattern}</code>
              {naming.org && (
                <>
                  {" "}
                  (organisation <strong>{naming.org}</strong>)
                </>
              )}{" "}
              gets the role its name carries.
            </p>
            <div class="naming-preview" data-testid="naming-preview">
              {naming.examples.length > 0 && <NamingTable naming={naming} caption="The group for each role" />}
              <NamingTry naming={naming} />
            </div>
            <p>
              In Entra ID, create these groups with exactly these names (upper and lower case count), add the people, and assign the
              groups to the enterprise application (<em>Users and groups → Add user/group</em>). Under{" "}
              <em>Provisioning → Mappings</em>, leave <em>Provision Microsoft Entra ID Groups</em> enabled: Entra ID then creates the
              groups here with their members.
            </p>
          </>
        ) : (
          <>
            <p data-testid="roles-from-attribute">
              Group names carry no roles here: each user's role comes from the role attribute
              {roleMapping && (
                <>
                  , mapped in step 4 (<code>{roleMapping.entra}</code> → <code>{roleMapping.scim}</code>)
                </>
              )}
              . Define each role as an app role of the application (<em>App registrations → the application → App roles</em>, with the
              role's name as its <em>Value</em>) and choose it when you assign a user.
            </p>
            <p>
              To have group names carry roles instead (as in <code>BigPanda_{"{org}"}_BPRole_{"{role}"}</code>), set{" "}
              <code>group-role-pattern</code> and <code>org-name</code> in {settingsLink("Settings")}.
            </p>
            <p>Groups assigned to the application are still created here, with their members.</p>
          </>
        )}
        <p class="hint">Assigning groups to an application needs Microsoft Entra ID P1 or P2.</p>
        <Arrived
          label="First group created by Entra ID"
          event={v.group_created}
          waiting="Waiting for Entra ID to create a group: assign a group to the application…"
        />
      </Step>

      <Step {...stepProps(6)} footer={next(6)} onDone={done(6)}>
        <p>In the enterprise application's Provisioning:</p>
        <ol class="guide-path">
          <li>
            Under <em>Settings → Scope</em>, choose <strong>Sync only assigned users and groups</strong>.
          </li>
          <li>
            Set <em>Provisioning Status</em> to <strong>On</strong>.
          </li>
          <li>
            Click <em>Save</em>.
          </li>
        </ol>
        <p>
          Assign the people and groups to provision under <em>Users and groups → Add user/group</em>.
        </p>
        <div class="reminder" role="note" data-testid="entra-cycles">
          <h3>What to expect</h3>
          <ul>
            <li>
              Entra ID provisions in cycles, about every {plural(v.cycle_minutes, "minute", "minutes")}; the first cycle goes through
              everyone in scope and may take longer.
            </li>
            <li>
              To try one user at once, use <em>Provision on demand</em> in the enterprise application and choose the user.
            </li>
            <li data-testid="entra-token-expiry">
              When the token expires, Entra ID puts the provisioning job in quarantine and stops until it is given a new one.{" "}
              {v.token_expires ? (
                <>
                  The token expires on <strong>{new Date(v.token_expires).toLocaleDateString()}</strong>: create a new one before then.
                </>
              ) : v.token ? (
                <>The token “{v.token.name}” never expires.</>
              ) : (
                <>Choose the token in step 2.</>
              )}{" "}
              <button type="button" class="link inline" data-action="open-tokens" onClick={() => navigate("tokens")}>
                Open Tokens
              </button>
            </li>
          </ul>
        </div>
        {userCreated}
      </Step>
      {v.connected && <EntraConnected e={v.last_request} />}
    </div>
  );
}
