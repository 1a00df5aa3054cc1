import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, asError } from "./api";
import type { AppInfo, CommandError } from "./types";
import { ConfirmHost } from "./dialog";
import { BreakAfterSlashes, CopyButton, ErrorBox, typingIn, useKeyDown } from "./ui";
import { ActivityView } from "./views/activity";
import { RolesView, SettingsPage, TokensView } from "./views/admin";
import { GuardBanner, GuardIndicator, useGuard } from "./views/guard";
import { OnboardingPage } from "./views/onboarding";
import { SimulatorPage } from "./views/simulator";
import { UsersView } from "./views/users";
import { ZoomKeys } from "./zoom";
import "./style.css";

const VIEWS = {
  onboarding: { label: "Connect Okta", view: OnboardingPage },
  users: { label: "Users", view: UsersView },
  activity: { label: "Activity", view: ActivityView },
  simulator: { label: "Okta simulator", view: SimulatorPage },
  tokens: { label: "Tokens", view: TokensView },
  roles: { label: "Roles", view: RolesView },
  settings: { label: "Settings", view: SettingsPage },
} as const;
type ViewName = keyof typeof VIEWS;

/** Says the users are sample data, and how to try the API right away. */
function DemoBanner(props: { info: AppInfo }) {
  const { info } = props;
  const curl = info.demo_token
    ? `curl -H "Authorization: Bearer ${info.demo_token}" '${info.base_url}/Users?count=5'`
    : null;
  return (
    <div class="demo-banner" data-testid="demo-banner" role="note">
      <strong>Demo data.</strong> These are sample users in a database of their own, not a
      directory of yours; the Okta simulator sends them what Okta would.
      {curl && (
        <div class="demo-curl">
          <span>Try the SCIM API with the demo token:</span>
          <code data-testid="demo-curl">{curl}</code>
          <CopyButton value={curl} label="curl command" />
        </div>
      )}
    </div>
  );
}

function App() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const guard = useGuard();
  const [error, setError] = useState<CommandError | null>(null);
  const [view, setView] = useState<ViewName>("users");
  useEffect(() => {
    api
      .appInfo()
      .then((i) => {
        setInfo(i);
        // A console that is not connected yet opens on the guide (demo mode shows the users).
        if (!i.demo)
          api
            .onboarding()
            .then((o) => o.steps.some((s) => s.state === "verified") || setView("onboarding"))
            .catch(() => undefined);
      })
      .catch((e) => setError(asError(e)));
  }, []);
  // `/` goes to the view's search box, as in Okta's and GitHub's lists.
  useKeyDown((e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typingIn(e)) return;
    const box = document.querySelector<HTMLElement>('main [aria-keyshortcuts="/"]');
    if (!box) return;
    e.preventDefault();
    box.focus();
  }, []);
  const View = VIEWS[view].view;
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Views">
        <div class="brand">SCIM Console</div>
        {(Object.keys(VIEWS) as ViewName[]).map((v) => (
          <button
            type="button"
            data-nav={v}
            class={v === view ? "active" : ""}
            aria-current={v === view ? "page" : undefined}
            onClick={() => setView(v)}
          >
            {VIEWS[v].label}
          </button>
        ))}
        <GuardIndicator guard={guard} />
        {info && (
          <div class="server-info" data-testid="base-url" data-base-url={info.base_url}>
            <div class="muted">SCIM server{info.demo ? " · demo" : ""}</div>
            <code>
              <BreakAfterSlashes text={info.base_url} />
            </code>
            <CopyButton value={info.base_url} label="base URL" />
          </div>
        )}
      </nav>
      <main>
        {info?.demo && <DemoBanner info={info} />}
        {info && <GuardBanner guard={guard} />}
        <ErrorBox error={error} />
        {info && <View />}
      </main>
      <ConfirmHost />
      <ZoomKeys />
    </div>
  );
}

render(<App />, document.getElementById("app")!);
