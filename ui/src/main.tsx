import { render, type ComponentType } from "preact";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, onConnectionChanged } from "./api";
import type { AppInfo, CommandError, ConnectionsView, ShownKind } from "./types";
import { ConfirmHost } from "./dialog";
import { NavContext, VIEW_NAMES, type Nav, type ViewName, type ViewParams } from "./nav";
import { BreakAfterSlashes, CopyButton, ErrorBox, typingIn, useKeyDown } from "./ui";
import { ActivityView } from "./views/activity";
import { RolesView, SettingsPage, TokensView } from "./views/admin";
import { ConnectionBlock, ConnectionContext, ConnectionsPage, connectionKey, TokenPromptHost, type Connection } from "./views/connections";
import { ForeignGroupsView, ForeignHealthPage, ForeignUsersView } from "./views/foreign";
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
  connections: { label: "Connections", view: ConnectionsPage },
};

/** The views a foreign server has (read through SCIM alone), each in its own form there. */
const FOREIGN_VIEWS: { [V in ViewName]?: ComponentType<{ params: ViewParams[V] }> } = {
  users: ForeignUsersView,
  groups: ForeignGroupsView,
  health: ForeignHealthPage,
  connections: ConnectionsPage,
};

/** Whether the connection shown has view `v`. */
function offered(v: ViewName, kind: ShownKind): boolean {
  return kind !== "foreign" || FOREIGN_VIEWS[v] !== undefined;
}

/** While a remote server is shown, how often its live link is looked at again (no event says
 *  that it dropped or came back). */
const LINK_POLL_MS = 3000;

/** The view on screen. `key` changes when a view is opened with parameters, so it starts afresh
 *  on them, and when another server is shown, so it reads that one; `focus`: opened from a
 *  button inside the page, whose focus is gone with the page. */
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
  const [conn, setConn] = useState<ConnectionsView | null>(null);
  const [embeddedUrl, setEmbeddedUrl] = useState<string | null>(null);
  const kind: ShownKind = conn?.kind ?? "embedded";
  // The server the window-wide state is read from; none for a foreign server (it has no
  // health or guard of this console), and none until the window knows what is shown.
  const source = info ? (kind === "foreign" ? null : conn ? connectionKey(conn) : "embedded") : null;
  const guard = useGuard(source);
  const health = useHealth(source);
  const [error, setError] = useState<CommandError | null>(null);
  const [route, setRoute] = useState<Route>({ view: "users", params: {}, key: 0, focus: false });
  const opened = useRef(0);
  /** The `connectionKey` of the server on screen; `null` before the first is known. */
  const shownKey = useRef<string | null>(null);
  /** Follows a connections view. A new server shown: appInfo is read again and the view is
   *  opened afresh on it (Users when the new server has no such view). `linkOnly`: a look at
   *  the live link, taken only while the same server is still shown (a switch made meanwhile
   *  has its own view). */
  const applyConnection = useCallback((v: ConnectionsView, linkOnly = false) => {
    const key = connectionKey(v);
    const before = shownKey.current;
    if (linkOnly && before !== key) return;
    setConn(v);
    if (v.kind === "embedded") setEmbeddedUrl(v.url);
    if (before === key) return;
    shownKey.current = key;
    const fresh = ++opened.current;
    setRoute((r) => {
      const view = offered(r.view, v.kind) ? r.view : "users";
      // The first view known: only a view the server lacks changes. The Connections page reads
      // nothing of the server, and keeps what was typed into it.
      if (before === null ? view === r.view : view === "connections") return r;
      return { view, params: {}, key: fresh, focus: false };
    });
    if (before === null) return;
    setError(null);
    api
      .appInfo()
      .then(setInfo)
      .catch((e) => setError(asError(e)));
  }, []);
  const connection = useMemo<Connection>(() => ({ view: conn, embeddedUrl, apply: applyConnection }), [conn, embeddedUrl]);
  const nav = useMemo<Nav>(() => {
    const navigate: Nav["navigate"] = (view, params) =>
      setRoute({ view, params: params ?? {}, key: params ? ++opened.current : 0, focus: true });
    return {
      navigate,
      // The held requests are in the banner while the guard holds; otherwise its rule is in Settings.
      showGuard: () => (guard.status?.holding ? guard.reveal() : navigate("settings", { section: "guard" })),
    };
  }, [guard.status?.holding]);
  // A view the server shown lacks (for the moment before a switch is followed) is not opened.
  const view = offered(route.view, kind) ? route.view : "users";
  // Opened from a button of the page before: the new page's heading takes the focus, so the
  // keyboard goes on from the top of it (a view that opens something, a user or an entry,
  // moves it there afterwards).
  const mainRef = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    if (route.focus) mainRef.current?.querySelector<HTMLElement>(".page-header h1")?.focus({ preventScroll: true });
  }, [route]);
  useEffect(() => {
    Promise.all([
      api.appInfo(),
      api.connectionsView().catch((e) => {
        setError(asError(e));
        return null;
      }),
    ])
      .then(([i, c]) => {
        setInfo(i);
        if (c) applyConnection(c);
        // A console that is not connected yet opens on the guides (demo mode shows the users):
        // connected is a step of Okta's guide or Entra ID's verified by a request. Only the
        // app's own server: a server elsewhere is set up where it runs.
        if (!i.demo && (c === null || c.kind === "embedded"))
          Promise.all([api.onboarding(), api.entraGuide().catch(() => null)])
            .then(
              (guides) =>
                guides.some((g) => g?.steps.some((s) => s.state === "verified")) ||
                setRoute({ view: "onboarding", params: {}, key: 0, focus: false }),
            )
            .catch(() => undefined);
      })
      .catch((e) => setError(asError(e)));
    // Another connection shown: every screen reads the new server.
    const un = onConnectionChanged((v) => {
      if (v) applyConnection(v);
      else
        api
          .connectionsView()
          .then((c) => applyConnection(c))
          .catch((e) => setError(asError(e)));
    });
    return () => {
      un.then((f) => f()).catch(() => undefined);
    };
  }, []);
  // A remote server's live link, kept current in the sidebar.
  useEffect(() => {
    if (kind !== "remote") return;
    const t = window.setInterval(() => {
      api
        .connectionsView()
        .then((c) => applyConnection(c, true))
        .catch(() => undefined);
    }, LINK_POLL_MS);
    return () => window.clearInterval(t);
  }, [kind, conn?.current]);
  // `/` goes to the view's search box, as in Okta's and GitHub's lists.
  useKeyDown((e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typingIn(e)) return;
    const box = document.querySelector<HTMLElement>('main [aria-keyshortcuts="/"]');
    if (!box) return;
    e.preventDefault();
    box.focus();
  }, []);
  // One view at a time: its parameters are the ones its route was opened with. A foreign
  // server has views of its own, and only those.
  const foreign = kind === "foreign";
  const View = ((foreign ? FOREIGN_VIEWS[view] : undefined) ?? VIEWS[view].view) as ComponentType<{ params: object }>;
  return (
    <NavContext.Provider value={nav}>
      <ConnectionContext.Provider value={connection}>
        <HealthContext.Provider value={health}>
          <div class="shell">
            <nav class="sidebar" aria-label="Views">
              <div class="brand">SCIM Console</div>
              <ConnectionBlock />
              {VIEW_NAMES.filter((v) => offered(v, kind)).map((v) => (
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
              {!foreign && <GuardIndicator guard={guard} />}
              {info && kind === "embedded" && (
                <div class="server-info" data-testid="base-url" data-base-url={info.base_url}>
                  <div class="muted">SCIM server{info.demo ? " · demo" : ""}</div>
                  <code>
                    <BreakAfterSlashes text={info.base_url} />
                  </code>
                  <CopyButton value={info.base_url} label="base URL" />
                </div>
              )}
              {conn && kind !== "embedded" && (
                <div class="server-info" data-testid="connection-url" data-url={conn.url}>
                  <div class="muted">{kind === "remote" ? "Server address" : "SCIM base URL"}</div>
                  <code>
                    <BreakAfterSlashes text={conn.url} />
                  </code>
                  <CopyButton value={conn.url} label="connection URL" />
                </div>
              )}
            </nav>
            <main ref={mainRef}>
              {/* First, so it stays at the top of every screen while the view scrolls. */}
              {info && !foreign && <StatusStrip health={health} />}
              {info?.demo && !foreign && <DemoBanner info={info} />}
              {info && !foreign && <GuardBanner guard={guard} />}
              <ErrorBox error={error} />
              {info && <View key={`${view}-${route.key}`} params={view === route.view ? route.params : {}} />}
            </main>
            <ConfirmHost />
            <TokenPromptHost />
            <ZoomKeys />
          </div>
        </HealthContext.Provider>
      </ConnectionContext.Provider>
    </NavContext.Provider>
  );
}

render(<App />, document.getElementById("app")!);
