// Which server the window shows: the app's own ("This computer"), a SCIM Console server
// elsewhere over its admin API, or another vendor's SCIM server read through SCIM alone. The
// sidebar says which and switches; the Connections page lists the saved connections and adds
// one. The app (main.tsx) owns the connections view and makes every screen follow a switch.

import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError } from "../api";
import { confirmAction } from "../dialog";
import type { CommandError, ConnectionsView, Keep, Kind, ProfileView, ShownKind } from "../types";
import { Badge, BreakAfterSlashes, ErrorBox, PageHeader, useFormErrors } from "../ui";
import { FOREIGN_WRITES_LABEL } from "./checks";

/** What the window shows, as its views need it. */
export interface Connection {
  /** `null` until it is first read. */
  view: ConnectionsView | null;
  /** The app's own server's SCIM base URL, as last seen while it was shown. */
  embeddedUrl: string | null;
  /** Takes the connections view a command answered with: when the connection shown changed,
   *  every screen reads the new server. */
  apply: (v: ConnectionsView) => void;
}

export const ConnectionContext = createContext<Connection>({ view: null, embeddedUrl: null, apply: () => undefined });

export function useConnection(): Connection {
  return useContext(ConnectionContext);
}

/** What the connection shown is, in the sidebar's words. */
export const SHOWN_WORDS: Record<ShownKind, string> = {
  embedded: "The app's own server",
  remote: "SCIM Console server",
  foreign: "SCIM server, read-only",
};

/** The name the app's own server goes by. */
export const THIS_COMPUTER = "This computer";

/** One string per server shown: it changes exactly when every screen must read again. */
export function connectionKey(v: ConnectionsView): string {
  return `${v.kind}\n${v.current ?? ""}\n${v.url}`;
}

/** Where a saved connection's token is kept, in words. */
function keptWords(p: ProfileView): string {
  switch (p.secret.kind) {
    case "keychain":
      return "Keychain";
    case "session":
      return "Until you quit";
    case "file":
      return `File ${p.secret.path}`;
  }
}

/** Where the token of each kind of connection comes from, under its token field. */
function tokenHint(kind: Kind) {
  return kind === "remote" ? (
    <>
      An admin token: on the server, run <code>scim-console admin-token create --name support</code> and paste what it prints
    </>
  ) : (
    "The SCIM bearer token the vendor gave you"
  );
}

// --- Asking for a token -------------------------------------------------------------------
// A connection whose token was kept until the app quit needs it again in a later session: the
// switch fails with `unauthorized`, and a dialog asks for the token (as does a token the server
// refused). Rendered once, by the app (`TokenPromptHost`), like the confirmation dialog.

interface TokenRequest {
  profile: ProfileView;
  /** Why the token is asked for: the backend's words. */
  reason: string;
  resolve: (v: ConnectionsView | null) => void;
  /** What had the focus when the dialog opened; it gets it back. */
  opener: HTMLElement | null;
}

let askToken: ((r: TokenRequest) => void) | null = null;

/** Asks for `profile`'s token and shows the connection with it; its view, or `null` when the
 *  admin cancelled (the connection shown stays as it was). */
function promptToken(profile: ProfileView, reason: string): Promise<ConnectionsView | null> {
  return new Promise((resolve) => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (askToken) askToken({ profile, reason, resolve, opener });
    else resolve(null);
  });
}

/** Shows connection `name` (`null`: This computer), asking for its token when it is needed.
 *  The new connections view, or `null` when the admin cancelled; throws what else went wrong. */
export async function showConnection(name: string | null, profiles: ProfileView[]): Promise<ConnectionsView | null> {
  try {
    return await api.connectionSwitch(name, null);
  } catch (e) {
    const error = asError(e);
    const profile = name === null ? undefined : profiles.find((p) => p.name === name);
    if (error.code !== "unauthorized" || !profile) throw error;
    return promptToken(profile, error.message);
  }
}

export function TokenPromptHost() {
  const [open, setOpen] = useState<TokenRequest | null>(null);
  const current = useRef<TokenRequest | null>(null);
  const [token, setToken] = useState("");
  const [error, setError] = useState<CommandError | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  askToken = (r) => {
    // A second request while one is open cancels the first.
    current.current?.resolve(null);
    current.current = r;
    setToken("");
    setError(null);
    setBusy(false);
    setOpen(r);
  };

  useLayoutEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open) {
      if (!d.open) d.showModal();
      input.current?.focus();
    } else if (d.open) d.close();
  }, [open]);

  const finish = (v: ConnectionsView | null) => {
    const r = current.current;
    if (!r) return;
    current.current = null;
    setOpen(null);
    setToken("");
    // Closed at once: the page behind a modal dialog cannot take the focus back.
    if (dialog.current?.open) dialog.current.close();
    if (r.opener?.isConnected) r.opener.focus();
    r.resolve(v);
  };
  // Cancelling while the server is being reached would leave the switch to chance: it waits.
  const cancel = () => {
    if (!busy) finish(null);
  };
  const submit = async () => {
    const r = current.current;
    if (!r || busy) return;
    if (!token.trim()) {
      setError({ code: "invalid_value", message: "Paste the token first." });
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const v = await api.connectionSwitch(r.profile.name, token);
      if (current.current === r) finish(v);
    } catch (e) {
      // Refused or unreachable: said here, to try again or cancel.
      if (current.current === r) {
        setError(asError(e));
        input.current?.select();
      }
    } finally {
      setBusy(false);
    }
  };

  const p = open?.profile;
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog token-dialog"
      data-testid="token-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-reason`}
      // Esc cancels: handled here so no view's own Esc sees it too.
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        cancel();
      }}
      onCancel={(e) => {
        e.preventDefault();
        cancel();
      }}
    >
      {open && p && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <h2 id={`${id}-title`}>Token for “{p.name}”</h2>
          <div class="confirm-body">
            <p id={`${id}-reason`}>{open.reason}</p>
            <p class="muted">
              <BreakAfterSlashes text={p.url} />
            </p>
          </div>
          <div class="form-field">
            <label for={`${id}-token`}>{p.kind === "remote" ? "Admin token" : "SCIM bearer token"}</label>
            <input
              ref={input}
              id={`${id}-token`}
              type="password"
              name="switch-token"
              autocomplete="off"
              spellcheck={false}
              value={token}
              aria-describedby={`${id}-hint`}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
            />
            <span class="hint" id={`${id}-hint`}>
              {tokenHint(p.kind)}.{" "}
              {p.secret.kind === "session"
                ? "It is kept until you quit, as before."
                : "It is used until you quit; the token saved for this connection is not changed."}
            </span>
          </div>
          <ErrorBox error={error} />
          <div class="dialog-actions">
            <button type="submit" data-action="connect-with-token" aria-busy={busy ? true : undefined}>
              {busy ? "Connecting…" : "Connect"}
            </button>
            <button type="button" class="secondary" data-action="cancel-token" aria-disabled={busy ? true : undefined} onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

// --- The sidebar ----------------------------------------------------------------------------

/** The block under the brand: the connection shown, what it is, a remote server's live link,
 *  and the choice of connection. */
export function ConnectionBlock() {
  const { view, apply } = useConnection();
  /** The connection being reached ("" for This computer). */
  const [reaching, setReaching] = useState<string | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  // A failed switch's words go once another connection is shown (from here or elsewhere).
  useEffect(() => setError(null), [view?.current, view?.kind]);
  if (!view) return null;
  const choose = async (value: string) => {
    setReaching(value);
    setError(null);
    try {
      const v = await showConnection(value || null, view.profiles);
      if (v) apply(v);
    } catch (e) {
      setError(asError(e));
    } finally {
      // The list shows the connection shown again (a cancelled or failed switch changed nothing).
      setReaching(null);
    }
  };
  const link = view.kind === "remote" ? view.link : null;
  const linkTitle = link
    ? link.live
      ? `Following the server's changes as they happen${link.reconnects > 0 ? `; the link was re-established ${link.reconnects} times` : ""}.`
      : (link.error ?? "The link to the server dropped; reconnecting.")
    : undefined;
  return (
    <div class="connection" data-testid="connection" data-kind={view.kind} data-name={view.current ?? ""}>
      <div class="connection-name" data-testid="connection-name">
        {view.current ?? THIS_COMPUTER}
      </div>
      <div class="connection-what">{SHOWN_WORDS[view.kind]}</div>
      {link && (
        <div class={`connection-link ${link.live ? "live" : "down"}`} data-testid="connection-link" data-live={String(link.live)} title={linkTitle} role="status">
          <span class="link-dot" aria-hidden="true" />
          <span>{link.live ? "Live" : "Reconnecting…"}</span>
          {!link.live && link.error && <span class="connection-link-error">{link.error}</span>}
        </div>
      )}
      <label class="connection-choose">
        <span class="connection-label">Connection shown</span>
        <select
          aria-label="Connection shown"
          data-testid="connection-select"
          value={view.current ?? ""}
          onChange={(e) => choose((e.target as HTMLSelectElement).value)}
        >
          <option value="">{THIS_COMPUTER}</option>
          {view.profiles.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
              {p.needs_token ? " (token needed)" : ""}
            </option>
          ))}
        </select>
      </label>
      {reaching !== null && (
        <div class="connection-reaching" role="status">
          Connecting to {reaching || THIS_COMPUTER}…
        </div>
      )}
      {error && (
        <div class="connection-error" role="alert" data-code={error.code}>
          <span>{error.message}</span>
          <button type="button" class="link" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

// --- The Connections page ---------------------------------------------------------------------

/** The focus goes on from the page's heading when the control it was on went away or was
 *  disabled (a Show button that became "Shown", a removed row). */
function keepFocus() {
  window.requestAnimationFrame(() => {
    if (document.activeElement === document.body || document.activeElement === null)
      document.querySelector<HTMLElement>("main .page-header h1")?.focus();
  });
}

/** What removing a connection does to its token, in words. */
function forgetWords(p: ProfileView) {
  switch (p.secret.kind) {
    case "keychain":
      return "Its token is deleted from the keychain.";
    case "session":
      return "Its token, kept until you quit, is forgotten.";
    case "file":
      return (
        <>
          The file holding its token, <code>{p.secret.path}</code>, is deleted.
        </>
      );
  }
}

export function ConnectionsPage() {
  const { view, embeddedUrl, apply } = useConnection();
  const [error, setError] = useState<CommandError | null>(null);
  /** The row whose button is at work (`key` "" for This computer), and which button. */
  const [busy, setBusy] = useState<{ key: string; action: "show" | "remove" } | null>(null);
  if (!view) return null;

  const show = async (name: string | null) => {
    setBusy({ key: name ?? "", action: "show" });
    setError(null);
    try {
      const v = await showConnection(name, view.profiles);
      if (v) apply(v);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(null);
      keepFocus();
    }
  };
  const remove = async (p: ProfileView) => {
    const shown = view.current === p.name;
    const ok = await confirmAction({
      title: `Remove “${p.name}”?`,
      body: (
        <>
          <p>
            The connection is forgotten. {forgetWords(p)}
            {shown && ` It is shown now: the window goes back to ${THIS_COMPUTER}.`}
          </p>
          <p>
            The token itself still works on the server until it is revoked there
            {p.kind === "remote" ? (
              <>
                {" "}
                (<code>scim-console admin-token revoke</code>)
              </>
            ) : (
              " (as its vendor says)"
            )}
            .
          </p>
        </>
      ),
      action: "Remove connection",
      destructive: true,
    });
    if (!ok) return;
    setBusy({ key: p.name, action: "remove" });
    try {
      apply(await api.connectionRemove(p.name));
      setError(null);
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(null);
      keepFocus();
    }
  };

  // While one button is at work the others wait: marked, not disabled, so the focus stays on
  // the one pressed (and the token dialog can give it back).
  const row = (name: string | null, what: string, url: string | null, token: ComponentChildren, p: ProfileView | null) => {
    const key = name ?? "";
    const label = name ?? THIS_COMPUTER;
    const current = (view.current ?? "") === key;
    const showing = busy?.key === key && busy.action === "show";
    const removing = busy?.key === key && busy.action === "remove";
    return (
      <tr key={key} class={current ? "current" : ""} data-connection={key} aria-current={current ? "true" : undefined}>
        <td class="wrap">
          <strong>{label}</strong>
          {current && (
            <>
              {" "}
              <Badge kind="ok">Shown</Badge>
            </>
          )}
        </td>
        <td>{what}</td>
        <td class="wrap mono">{url ? <BreakAfterSlashes text={url} /> : <span class="muted">—</span>}</td>
        <td class="wrap">{token}</td>
        <td class="connection-actions">
          <button
            type="button"
            class="secondary"
            data-action="show-connection"
            aria-label={current || showing ? undefined : `Show ${label}`}
            disabled={current}
            aria-disabled={busy !== null && !current ? true : undefined}
            aria-busy={showing ? true : undefined}
            onClick={() => busy === null && show(name)}
          >
            {current ? "Shown" : showing ? "Connecting…" : "Show"}
          </button>
          {p && (
            <button
              type="button"
              class="danger"
              data-action="remove-connection"
              aria-label={removing ? undefined : `Remove ${label}…`}
              aria-disabled={busy !== null ? true : undefined}
              aria-busy={removing ? true : undefined}
              onClick={() => busy === null && remove(p)}
            >
              {removing ? "Removing…" : "Remove…"}
            </button>
          )}
        </td>
      </tr>
    );
  };

  return (
    <section class="view connections-view" data-testid="connections-page">
      <PageHeader title="Connections" />
      <p class="connections-intro">
        The window shows one server at a time, and every screen follows the one shown: this computer's own server, a SCIM Console
        server running elsewhere (over its admin API, with its changes as they happen), or another vendor's SCIM server (its users
        and groups read through SCIM every so often, and checked from Health).
      </p>
      <ErrorBox error={error} onClose={() => setError(null)} />
      <div class="table-scroll connections-box">
        <table class="simple connections-table" aria-label="Connections">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">What it is</th>
              <th scope="col">Address</th>
              <th scope="col">Token kept</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {row(null, SHOWN_WORDS.embedded, embeddedUrl, <span class="muted">None needed</span>, null)}
            {view.profiles.map((p) =>
              row(
                p.name,
                p.kind === "remote"
                  ? SHOWN_WORDS.remote
                  : `${p.allow_writes ? "SCIM server, checks may write" : SHOWN_WORDS.foreign}${p.poll_seconds ? ` · read every ${p.poll_seconds} s` : ""}`,
                p.url,
                p.needs_token ? (
                  <span title="Its token was kept only until the app quit: you are asked for it when you show this connection.">
                    <Badge kind="warn">Token needed</Badge>
                  </span>
                ) : (
                  keptWords(p)
                ),
                p,
              ),
            )}
          </tbody>
        </table>
      </div>
      <AddConnection view={view} apply={apply} />
    </section>
  );
}

type AddField = "connection-name" | "connection-url" | "connection-token" | "connection-file" | "connection-poll";

const KIND_CHOICES: { kind: Kind; label: string; about: string }[] = [
  {
    kind: "remote",
    label: "SCIM Console server (admin API, live)",
    about: "Another SCIM Console: every screen works on it as on this computer's, and its changes show as they happen.",
  },
  {
    kind: "foreign",
    label: "Another SCIM server (read through SCIM, polled)",
    about: "Any vendor's SCIM server: its users and groups are read every so often and shown with what changed, and Health can check it. Nothing is changed on it.",
  },
];

function invalid(message: string): CommandError {
  return { code: "invalid_value", message };
}

/** The "Add a connection" form: the server is reached with the token before anything is saved. */
function AddConnection(props: { view: ConnectionsView; apply: (v: ConnectionsView) => void }) {
  const { view } = props;
  const problem = view.keychain_problem;
  const id = useId();
  const [kind, setKind] = useState<Kind>("remote");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const [keep, setKeep] = useState<Keep>(problem ? "session" : "keychain");
  const [file, setFile] = useState("");
  const [poll, setPoll] = useState("60");
  const [writes, setWrites] = useState(false);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  const errors = useFormErrors<AddField>();
  const submitRef = useRef<HTMLButtonElement>(null);
  const addedRef = useRef<HTMLParagraphElement>(null);
  // No keychain here (known once the view says so): the token cannot go there.
  useEffect(() => {
    if (problem && keep === "keychain") setKeep("session");
  }, [problem]);
  useLayoutEffect(() => {
    if (added) addedRef.current?.focus();
  }, [added]);
  // "Connected to X and saved. It is shown now" is true only while X is shown.
  useEffect(() => {
    if (added && view.current?.toLowerCase() !== added.toLowerCase()) setAdded(null);
  }, [view.current]);

  const submit = async () => {
    const fail = (message: string, field: AddField) => errors.fail(invalid(message), field);
    if (!name.trim()) return fail("Give the connection a name, such as the customer's or the server's.", "connection-name");
    if (!url.trim()) return fail("Type the server's address, starting with https://.", "connection-url");
    if (!token.trim())
      return fail(kind === "remote" ? "Paste an admin token of the server." : "Paste the SCIM bearer token of the server.", "connection-token");
    if (keep === "file" && !file.trim()) return fail("Type the path of the file to keep the token in.", "connection-file");
    let seconds: number | null = null;
    if (kind === "foreign") {
      seconds = Number(poll);
      if (!poll.trim() || !Number.isInteger(seconds) || seconds < 5 || seconds > 86400)
        return fail("Read it every 5 to 86,400 seconds (24 hours), in whole seconds.", "connection-poll");
    }
    errors.clear();
    setAdded(null);
    setBusy(true);
    try {
      const v = await api.connectionAdd({
        name: name.trim(),
        kind,
        url: url.trim(),
        token: token.trim(),
        keep,
        file: keep === "file" ? file.trim() : null,
        allow_writes: kind === "foreign" && writes,
        poll_seconds: seconds,
      });
      // Ready for the next one: only the confirmation says what was saved.
      setAdded(name.trim());
      setName("");
      setUrl("");
      setToken("");
      setFile("");
      setWrites(false);
      props.apply(v);
    } catch (e) {
      errors.fail(e, null);
      // The button was disabled while it ran: the keyboard goes on from it.
      window.requestAnimationFrame(() => {
        if (document.activeElement === document.body || document.activeElement === null) submitRef.current?.focus();
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card add-connection"
      data-testid="add-connection"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2 id={`${id}-title`}>Add a connection</h2>
      <fieldset class="connection-kinds">
        <legend>What it is</legend>
        {KIND_CHOICES.map((c) => (
          <div key={c.kind} class="connection-kind">
            <label class="radio">
              <input
                type="radio"
                name="connection-kind"
                value={c.kind}
                checked={kind === c.kind}
                aria-describedby={`${id}-kind-${c.kind}`}
                onChange={() => setKind(c.kind)}
              />
              {c.label}
            </label>
            <p class="hint" id={`${id}-kind-${c.kind}`}>
              {c.about}
            </p>
          </div>
        ))}
      </fieldset>
      <div class="form-fields">
        <div class="form-field">
          <label for={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            name="connection-name"
            placeholder="Acme production"
            value={name}
            {...errors.input("connection-name", `${id}-name-hint`)}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <span class="hint" id={`${id}-name-hint`}>
            What the sidebar calls it.
          </span>
          {errors.message("connection-name")}
        </div>
        <div class="form-field">
          <label for={`${id}-url`}>Address</label>
          <input
            id={`${id}-url`}
            name="connection-url"
            class="mono"
            placeholder={kind === "remote" ? "https://scim.example.com" : "https://scim.example.com/scim/v2"}
            value={url}
            {...errors.input("connection-url", `${id}-url-hint`)}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
          <span class="hint" id={`${id}-url-hint`}>
            {kind === "remote" ? "The server's address, or its SCIM base URL." : "The SCIM base URL: the address /Users and /Groups are under."}
          </span>
          {errors.message("connection-url")}
        </div>
        <div class="form-field">
          <label for={`${id}-token`}>Token</label>
          <input
            id={`${id}-token`}
            type="password"
            name="connection-token"
            autocomplete="off"
            spellcheck={false}
            value={token}
            {...errors.input("connection-token", `${id}-token-hint`)}
            onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          />
          <span class="hint" id={`${id}-token-hint`}>
            {tokenHint(kind)}.
          </span>
          {errors.message("connection-token")}
        </div>
        <div class="form-field">
          <label for={`${id}-keep`}>Keep the token</label>
          <select
            id={`${id}-keep`}
            name="connection-keep"
            value={keep}
            aria-describedby={problem ? `${id}-keychain` : undefined}
            onChange={(e) => setKeep((e.target as HTMLSelectElement).value as Keep)}
          >
            <option value="keychain" disabled={!!problem}>
              In the system keychain{problem ? " (not available here)" : ""}
            </option>
            <option value="session">Only until I quit</option>
            <option value="file">In a file only I can read</option>
          </select>
          {problem && (
            <p class="notice keychain-note" role="note" data-testid="keychain-note" id={`${id}-keychain`}>
              {problem.charAt(0).toUpperCase() + problem.slice(1).replace(/\.$/, "")}. So the token is kept only until the app quits,
              unless you choose a file only you can read.
            </p>
          )}
        </div>
        {keep === "file" && (
          <div class="form-field">
            <label for={`${id}-file`}>File</label>
            <input
              id={`${id}-file`}
              name="connection-file"
              class="mono"
              value={file}
              {...errors.input("connection-file", `${id}-file-hint`)}
              onInput={(e) => setFile((e.target as HTMLInputElement).value)}
            />
            <span class="hint" id={`${id}-file-hint`}>
              The file's full path. It is created readable by you alone, and read when you show this connection.
            </span>
            {errors.message("connection-file")}
          </div>
        )}
        {kind === "foreign" && (
          <>
            <div class="form-field">
              <label for={`${id}-poll`}>Read it every (seconds)</label>
              <input
                id={`${id}-poll`}
                type="number"
                name="connection-poll"
                class="poll-input"
                min={5}
                max={86400}
                step={1}
                value={poll}
                {...errors.input("connection-poll", `${id}-poll-hint`)}
                onInput={(e) => setPoll((e.target as HTMLInputElement).value)}
              />
              <span class="hint" id={`${id}-poll-hint`}>
                At least 5. Each read fetches every user and group, page by page; Refresh now reads it at once.
              </span>
              {errors.message("connection-poll")}
            </div>
            <div class="form-field">
              <label class="check">
                <input
                  type="checkbox"
                  name="connection-writes"
                  checked={writes}
                  aria-describedby={`${id}-writes-hint`}
                  onChange={(e) => setWrites((e.target as HTMLInputElement).checked)}
                />
                {FOREIGN_WRITES_LABEL}
              </label>
              <span class="hint" id={`${id}-writes-hint`}>
                The checks under Health may then create a test user (and group) on this server and delete it again. Unticked, they
                only read.
              </span>
            </div>
          </>
        )}
      </div>
      <div class="form-actions">
        <button type="submit" ref={submitRef} data-action="add-connection" disabled={busy} aria-busy={busy ? true : undefined}>
          {busy ? "Connecting…" : "Connect and save"}
        </button>
        <span class="hint">The server is reached with the token first; nothing is saved if that fails.</span>
      </div>
      <ErrorBox error={errors.banner} onClose={errors.clear} />
      {added && (
        <p class="connection-added" role="status" tabIndex={-1} ref={addedRef} data-testid="connection-added">
          Connected to “{added}” and saved. It is shown now: every screen reads it.
        </p>
      )}
      {view.saved_in && (
        <p class="hint saved-in" data-testid="saved-in">
          Saved in <code>{view.saved_in}</code>; tokens are never written there.
        </p>
      )}
    </form>
  );
}
