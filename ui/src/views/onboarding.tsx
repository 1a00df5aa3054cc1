// Connecting an identity provider, step by step: every value to paste, and each step verified
// from the requests that actually arrive. Progress lives in the database, so a guide can be
// left and resumed. Okta's guide is here; Microsoft Entra ID's is in entra.tsx, chosen at the
// top of the page.

import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { useNav } from "../nav";
import type { Connected, Finding, GroupNaming, OktaField, OnboardingView } from "../types";
import { CopyButton, ErrorBox, num, PageHeader, plural, Time, when } from "../ui";
import { EntraGuide } from "./entra";
import { Arrived, Fields, PublicAddress, Step, TokenStep, useGuide, useReportProgress, type GuideProgress, type GuideSource } from "./guide";
import { shortPath, withoutQuery } from "./health";
import { IdpChoice, IdpPanel, useStoredIdp } from "./idp";
import { NamingTable } from "./naming";

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


/** Full provisioning: the groups Okta pushes, and the roles their names grant here. */
function PushGroups(props: { naming: GroupNaming }) {
  const { navigate } = useNav();
  const n = props.naming;
  return (
    <div class="push-groups" data-testid="push-groups">
      <h3>Push Groups</h3>
      <p>
        Okta creates groups here, with their members, from the app's <em>Push Groups</em> tab: <em>Push Groups → Find groups by name</em>,
        choose the group, leave <em>Push group memberships immediately</em> checked and click <em>Save</em>. Only members assigned to the
        app are pushed.
      </p>
      {n.pattern ? (
        <>
          <p>
            Push the groups named by the pattern <code>{n.pattern}</code>
            {n.org && (
              <>
                {" "}
                (organisation <strong>{n.org}</strong>)
              </>
            )}
            : each member of a pushed group gets the role its name carries, before any role attribute. Name the groups in Okta
            exactly like this; upper and lower case count.
          </p>
          {n.examples.length > 0 && <NamingTable naming={n} caption="The group to push for each role" />}
        </>
      ) : (
        <p>
          Groups are pushed as they are: their names grant no role here, and each user's role comes from the role attribute (step 5).
          To have group names carry roles, set <code>group-role-pattern</code> and <code>org-name</code> in{" "}
          <button type="button" class="link inline" data-action="open-settings" onClick={() => navigate("settings")}>
            Settings
          </button>
          .
        </p>
      )}
    </div>
  );
}

const OKTA: GuideSource<OnboardingView> = {
  idp: "Okta",
  read: api.onboarding,
  change: api.onboardingUpdate,
  createToken: api.onboardingCreateToken,
  tokenName: "Okta-SCIM",
};

function OktaGuide(props: { onProgress: (p: GuideProgress | null) => void }) {
  const g = useGuide(OKTA);
  useReportProgress(
    g,
    props.onProgress,
    <p>
      The guide forgets its progress: the steps marked done or verified, which token is Okta's and the unique identifier chosen.
      Tokens, users and settings stay as they are, and Okta keeps working with the token it has.
    </p>,
  );
  // The troubleshooting box appears by itself once its time has come.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = window.setInterval(() => setNow(Date.now()), 15000);
    return () => clearInterval(tick);
  }, []);

  const { v, error, update, load, stepProps, next, done } = g;
  if (!v) return <ErrorBox error={error} />;
  const step = (n: number) => v.steps[n - 1];
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
    <>
      <ErrorBox error={error} onClose={() => g.setError(null)} />

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
        <TokenStep
          g={g}
          names={{ name: "onboarding-token-name", days: "onboarding-expires" }}
          replace={(old) => (
            <>
              Okta then has to be given the new token instead of “{old}”: paste it into the Authorization field of the app's
              Provisioning → Integration tab in Okta. Steps 2 and 3 are verified again by Okta's next request with the new token.
              “{old}” keeps working until it is revoked under Tokens.
            </>
          )}
        />
      </Step>

      <Step {...stepProps(3)} footer={next(3, v.reachability.verdict === "usable")} onDone={done(3)}>
        <PublicAddress
          idp="Okta"
          test="connector test"
          publicUrl={v.public_url}
          verdict={v.reachability.verdict}
          tenantUrl={v.tenant_url}
          onSaved={load}
        />
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
          requests from the simulator in this console never verify a step.
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
        {v.group_naming && <PushGroups naming={v.group_naming} />}
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
    </>
  );
}

const GUIDE_KEY = "scim-console.guide";

/** The Connect page: Okta's guide or Microsoft Entra ID's, as chosen at the top. */
export function OnboardingPage() {
  const [idp, setIdp] = useStoredIdp(GUIDE_KEY);
  const [progress, setProgress] = useState<GuideProgress | null>(null);
  return (
    <section class="view onboarding-view">
      <PageHeader title={idp === "okta" ? "Connect Okta" : "Connect Microsoft Entra ID"}>
        {progress && (
          <>
            <span class="muted" aria-live="polite">
              {num(progress.complete)} of {plural(progress.total, "step", "steps")}
            </span>
            <button type="button" class="secondary" data-action="restart-guide" onClick={progress.restart}>
              Start again
            </button>
          </>
        )}
      </PageHeader>
      <IdpChoice
        value={idp}
        prefix="guide"
        label="Identity provider to connect"
        onChange={(to) => {
          if (to === idp) return;
          setProgress(null);
          setIdp(to);
        }}
      />
      <IdpPanel value={idp} prefix="guide" class="guide">
        {idp === "okta" ? <OktaGuide onProgress={setProgress} /> : <EntraGuide onProgress={setProgress} />}
      </IdpPanel>
    </section>
  );
}
