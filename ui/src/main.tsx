import { render, type ComponentType } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError } from "./api";
import type { AppInfo, CommandError } from "./types";
import { ConfirmHost } from "./dialog";
import { NavContext, VIEW_NAMES, type Nav, type ViewName, type ViewParams } from "./nav";
import { BreakAfterSlashes, CopyButton, ErrorBox, typingIn, useKeyDown } from "./ui";
import { ActivityView } from "./views/activity";
import { RolesView, SettingsPage, TokensView } from "./views/admin";
import { GroupsView } from "./views/groups";
import { GuardBanner, GuardIndicator, useGuard } from "./views/guard";
import { HealthContext, HealthPage, StatusStrip, useHealth } from "./views/health";
import { OnboardingPage } from "./views/onboarding";
import { SimulatorPage } from "./views/simulator";
import { UsersView } from "./views/users";
import { ZoomKeys } from "./zoom";
import "./style.css";

/** Each view with its sidebar label; a view gets the parameters it was opened with. */
const VIEWS: { [V in ViewName]: { label: string; view: ComponentType<{ params: ViewParams[V] }> } } = {
  onboarding: { label: "Connect", view: OnboardingPage },
  users: { label: "Users", view: UsersView },
  groups: { label: "Groups", view: GroupsView },
  activity: { label: "Activity", view: ActivityView },
  health: { label: "Health", view: HealthPage },
  simulator: { label: "Simulator", view: SimulatorPage },
  tokens: { label: "Tokens", view: TokensView },
  roles: { label: "Roles", view: RolesView },
  settings: { label: "Settings", view: SettingsPage },
};

/** The view on screen. `key` changes when a view is opened with parameters, so it starts afresh
 *  on them; `focus`: opened from a button inside the page, whose focus is gone with the page. */
interface Route {
  view: ViewName;
  params: object;
  key: number;
  focus: boolean;
}

/** Says the users are sample data, and how to try the API right away. */
function DemoBanner(props: { info: AppInfo }) {
  const { info } = props;
  const curl = info.demo_token
    ? `curl -H "Authorization: Bearer ${info.demo_token}" '${info.base_url}/Users?count=5'`
    : null;
  return (
    <div class="demo-banner" data-testid="demo-banner" role="note">
      <strong>Demo data.</strong> These are sample users in a database of their own, not a
      directory of yours; the simulator sends them what Okta or Entra ID would.
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
  const health = useHealth();
  const [error, setError] = useState<CommandError | null>(null);
  const [route, setRoute] = useState<Route>({ view: "users", params: {}, key: 0, focus: false });
  const opened = useRef(0);
  const nav = useMemo<Nav>(() => {
    const navigate: Nav["navigate"] = (view, params) =>
      setRoute({ view, params: params ?? {}, key: params ? ++opened.current : 0, focus: true });
    return {
      navigate,
      // The held requests are in the banner while the guard holds; otherwise its rule is in Settings.
      showGuard: () => (guard.status?.holding ? guard.reveal() : navigate("settings", { section: "guard" })),
    };
  }, [guard.status?.holding]);
  const view = route.view;
  // Opened from a button of the page before: the new page's heading takes the focus, so the
  // keyboard goes on from the top of it (a view that opens something, a user or an entry,
  // moves it there afterwards).
  const mainRef = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    if (route.focus) mainRef.current?.querySelector<HTMLElement>(".page-header h1")?.focus({ preventScroll: true });
  }, [route]);
  useEffect(() => {
    api
      .appInfo()
      .then((i) => {
        setInfo(i);
        // A console that is not connected yet opens on the guides (demo mode shows the users):
        // connected is a step of Okta's guide or Entra ID's verified by a request.
        if (!i.demo)
          Promise.all([api.onboarding(), api.entraGuide().catch(() => null)])
            .then(
              (guides) =>
                guides.some((g) => g?.steps.some((s) => s.state === "verified")) ||
                setRoute({ view: "onboarding", params: {}, key: 0, focus: false }),
            )
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
  // One view at a time: its parameters are the ones its route was opened with.
  const View = VIEWS[view].view as ComponentType<{ params: object }>;
  return (
    <NavContext.Provider value={nav}>
      <HealthContext.Provider value={health}>
        <div class="shell">
          <nav class="sidebar" aria-label="Views">
            <div class="brand">SCIM Console</div>
            {VIEW_NAMES.map((v) => (
              <button
                type="button"
                data-nav={v}
                class={v === view ? "active" : ""}
                aria-current={v === view ? "page" : undefined}
                onClick={() => setRoute({ view: v, params: {}, key: 0, focus: false })}
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
          <main ref={mainRef}>
            {/* First, so it stays at the top of every screen while the view scrolls. */}
            {info && <StatusStrip health={health} />}
            {info?.demo && <DemoBanner info={info} />}
            {info && <GuardBanner guard={guard} />}
            <ErrorBox error={error} />
            {info && <View key={`${view}-${route.key}`} params={route.params} />}
          </main>
          <ConfirmHost />
          <ZoomKeys />
        </div>
      </HealthContext.Provider>
    </NavContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
