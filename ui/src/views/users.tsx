// Every user, live: rows are virtualised and read from the store a page at a time; changes
// pushed by the core update what is on screen without a reload.

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError, onUserChanged } from "../api";
import type { ViewParams } from "../nav";
import type { CommandError, UserRow } from "../types";
import { Badge, ErrorBox, PageHeader, plural, TextInput, typingIn, useKeyDown, when } from "../ui";
import { UserPanel } from "./user";

const ROW_HEIGHT = 36;
const PAGE = 200;

const COLUMNS = ["userName", "Name", "Email", "Role", "Status", "Source", "Last change"];

/** A recent change as "3 min ago", an older one as its date alone (the time is in the tooltip):
 *  the column stays narrow. */
function lastChange(iso: string): string {
  return Date.now() - new Date(iso).getTime() < 86400000 ? when(iso) : new Date(iso).toLocaleDateString();
}

interface Query {
  text: string;
  filter: string;
}

export function UsersView(props: { params?: ViewParams["users"] }) {
  // Opened on a user (a finding's "Show user"): the list is searched for the userName.
  const wanted = props.params?.user;
  const [query, setQuery] = useState<Query>({ text: wanted ?? "", filter: "" });
  const [draft, setDraft] = useState<Query>({ text: wanted ?? "", filter: "" });
  /** The userName asked for when no user has it. */
  const [notFound, setNotFound] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, UserRow[]>>(new Map());
  const [error, setError] = useState<CommandError | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [selected, setSelected] = useState<string | null>(null);
  // The row the keyboard is on (an index: rows come and go as they scroll). Arrow keys move
  // it, Enter opens its user.
  const [cursor, setCursor] = useState(0);
  const focusCursor = useRef(false);
  const [panelFocus, setPanelFocus] = useState(false);
  const body = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const loading = useRef(new Set<number>());
  const pagesRef = useRef(pages);
  pagesRef.current = pages;

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 10);
  const last = Math.min(total ?? 0, Math.ceil((scrollTop + height) / ROW_HEIGHT) + 10);

  const fetchPage = useCallback(
    async (p: number, force = false) => {
      if (!force && (pagesRef.current.has(p) || loading.current.has(p))) return;
      const gen = generation.current;
      loading.current.add(p);
      try {
        const page = await api.listUsers({
          text: query.text || undefined,
          filter: query.filter || undefined,
          offset: p * PAGE,
          limit: PAGE,
        });
        if (gen !== generation.current) return;
        setTotal(page.total);
        setPages((old) => new Map(old).set(p, page.rows));
        setError(null);
      } catch (e) {
        if (gen === generation.current) setError(asError(e));
      } finally {
        loading.current.delete(p);
      }
    },
    [query],
  );

  // A new query starts from an empty cache.
  useEffect(() => {
    generation.current++;
    loading.current.clear();
    setPages(new Map());
    setTotal(null);
    body.current?.scrollTo(0, 0);
    setScrollTop(0);
    setCursor(0);
    fetchPage(0, true);
  }, [query]);

  // The pages the visible rows are on.
  useEffect(() => {
    if (total === null) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last - 1) / PAGE); p++) {
      fetchPage(p);
    }
  }, [first, last, total, fetchPage]);

  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Live: patch the row at once, then re-read the pages on screen (and the total).
  const refreshTimer = useRef<number | undefined>(undefined);
  useEffect(() => {
    const un = onUserChanged((c) => {
      if (c && c.kind === "updated") {
        setPages((old) => {
          let hit = false;
          const next = new Map(old);
          for (const [p, rows] of old) {
            const i = rows.findIndex((r) => r.id === c.id);
            if (i >= 0) {
              const copy = rows.slice();
              copy[i] = {
                ...rows[i],
                active: c.active,
                user_name: c.user_name,
                version: c.version,
                last_modified: c.at,
                ...(c.role ? { role: c.role, role_from_idp: true } : {}),
              };
              next.set(p, copy);
              hit = true;
            }
          }
          return hit ? next : old;
        });
      }
      clearTimeout(refreshTimer.current);
      refreshTimer.current = window.setTimeout(() => {
        for (const p of pagesRef.current.keys()) fetchPage(p, true);
        if (pagesRef.current.size === 0) fetchPage(0, true);
      }, 60);
    });
    return () => {
      un.then((f) => f());
      clearTimeout(refreshTimer.current);
    };
  }, [fetchPage]);

  // The first time rows are on screen since the window opened (read by the GUI benchmark).
  useEffect(() => {
    if (pages.size > 0 && performance.getEntriesByName("users-table").length === 0) performance.mark("users-table");
  }, [pages]);

  // Moves the keyboard's row, scrolled into view; the row takes the focus once it is rendered.
  const moveTo = (i: number) => {
    if (!total) return;
    const to = Math.max(0, Math.min(total - 1, i));
    const el = body.current;
    if (el) {
      const top = to * ROW_HEIGHT;
      let next = el.scrollTop;
      if (top < next) next = top;
      else if (top + ROW_HEIGHT > next + el.clientHeight) next = top + ROW_HEIGHT - el.clientHeight;
      if (next !== el.scrollTop) {
        el.scrollTop = next;
        // At once, not at the scroll event: the row must be rendered to take the focus.
        setScrollTop(next);
      }
    }
    setCursor(to);
    focusCursor.current = true;
  };
  useLayoutEffect(() => {
    if (!focusCursor.current) return;
    focusCursor.current = false;
    const b = body.current;
    (b?.querySelector<HTMLElement>(`[data-index="${cursor}"]`) ?? b?.querySelector<HTMLElement>('[tabindex="0"]'))?.focus({ preventScroll: true });
  });
  const open = (row: UserRow | undefined, fromKeyboard: boolean) => {
    if (!row) return;
    setSelected(row.id);
    setPanelFocus(fromKeyboard);
  };
  const onRowKey = (e: KeyboardEvent, index: number, row: UserRow | undefined) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const to: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: (total ?? 1) - 1,
    };
    if (e.key in to) moveTo(to[e.key]);
    else if (e.key === "Enter") open(row, true);
    else return;
    e.preventDefault();
  };
  const close = () => {
    setSelected(null);
    focusCursor.current = true;
  };
  // ...and that user's panel opened, with the focus: the button that asked for it is gone with
  // the page it was on. The search matches anywhere, so the user is the row with that exact name.
  useEffect(() => {
    if (!wanted) return;
    api
      .listUsers({ text: wanted, offset: 0, limit: 50 })
      .then((page) => {
        const row = page.rows.find((r) => r.user_name.toLowerCase() === wanted.toLowerCase());
        if (row) open(row, true);
        else setNotFound(wanted);
      })
      .catch((e) => setError(asError(e)));
  }, []);
  // Esc closes the user's panel and gives the focus back to the table (a search box keeps
  // its own Esc, which empties it).
  useKeyDown(
    (e) => {
      if (e.key !== "Escape" || !selected || (typingIn(e) && !(e.target instanceof HTMLSelectElement))) return;
      e.preventDefault();
      close();
    },
    [selected],
  );
  // The keyboard's row is the table's one stop for Tab; when it has scrolled away, the first
  // row on screen is.
  const tabStop = cursor >= first && cursor < last ? cursor : first;

  const rows: { index: number; row: UserRow | undefined }[] = [];
  for (let i = first; i < last; i++) {
    rows.push({ index: i, row: pages.get(Math.floor(i / PAGE))?.[i % PAGE] });
  }

  return (
    <section class="view users-view">
      <PageHeader title="Users">
        <span class="muted" data-testid="user-total" aria-live="polite">
          {total === null ? "Loading…" : plural(total, "user", "users")}
        </span>
      </PageHeader>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...draft });
          setNotFound(null);
        }}
      >
        <TextInput
          type="search"
          name="text"
          label="Search users"
          search
          placeholder="Search name, userName or email"
          value={draft.text}
          onValue={(v) => setDraft({ ...draft, text: v })}
        />
        <TextInput
          name="filter"
          class="mono"
          label="SCIM filter"
          placeholder='SCIM filter, e.g. active eq false and pantherRole eq "Admin"'
          value={draft.filter}
          onValue={(v) => setDraft({ ...draft, filter: v })}
        />
        <button type="submit">Search</button>
        {(query.text || query.filter) && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft({ text: "", filter: "" });
              setQuery({ text: "", filter: "" });
              setNotFound(null);
            }}
          >
            Clear
          </button>
        )}
      </form>
      <ErrorBox error={error} />
      {notFound && (
        <p class="notice" role="status" data-testid="user-not-found">
          No user here has the userName <span class="mono">{notFound}</span>: this server has no account for that person.
          With just-in-time provisioning the account is created at their first SAML login; otherwise it was never created
          here, or it was deleted.
        </p>
      )}
      <div class="table users-table" role="table" aria-label="Users" aria-rowcount={total === null ? -1 : total + 1}>
        <div role="rowgroup">
          <div class="thead" role="row" aria-rowindex={1}>
            {COLUMNS.map((c) => (
              <span role="columnheader" title={c}>
                {c}
              </span>
            ))}
          </div>
        </div>
        <div
          class="tbody"
          role="rowgroup"
          ref={body}
          onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
        >
          <div role="none" style={{ height: `${(total ?? 0) * ROW_HEIGHT}px`, position: "relative" }}>
            {rows.map(({ index, row }) => (
              // Keyed by place, not by user: the row the keyboard is on keeps its element (and
              // the focus) while its page loads or a live change reorders the list.
              <div
                key={index}
                class={`tr${row && row.id === selected ? " selected" : ""}`}
                role="row"
                aria-rowindex={index + 2}
                aria-current={row && row.id === selected ? "true" : undefined}
                tabIndex={index === tabStop ? 0 : -1}
                data-index={index}
                data-user={row?.user_name}
                data-active={row ? String(row.active) : undefined}
                style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
                onClick={() => open(row, false)}
                onFocus={() => setCursor(index)}
                onKeyDown={(e) => onRowKey(e, index, row)}
              >
                {row ? (
                  <>
                    <span role="cell" class="mono" title={row.user_name}>
                      {row.user_name}
                    </span>
                    <span role="cell" title={row.name}>
                      {row.name}
                    </span>
                    <span role="cell" title={row.email ?? undefined}>
                      {row.email ?? "—"}
                    </span>
                    <span role="cell" title={`${row.role}: ${row.role_from_idp ? "sent by the identity provider" : "the default role"}`}>
                      {row.role}
                      {!row.role_from_idp && <span class="muted"> (default)</span>}
                    </span>
                    <span role="cell" class="status" title={[row.active ? "Active" : "Deactivated", ...(row.last_login ? [] : ["never logged in"])].join("; ")}>
                      {row.active ? (
                        <Badge kind="ok">Active</Badge>
                      ) : (
                        <Badge kind="off">Deactivated</Badge>
                      )}
                      {!row.last_login && <Badge kind="warn">Never logged in</Badge>}
                    </span>
                    <span role="cell">{row.source.toUpperCase()}</span>
                    <span role="cell" title={new Date(row.last_modified).toLocaleString()}>
                      {lastChange(row.last_modified)}
                    </span>
                  </>
                ) : (
                  <span role="cell" class="muted">
                    …
                  </span>
                )}
              </div>
            ))}
          </div>
          {total === 0 && <p class="empty">No user matches.</p>}
        </div>
      </div>
      {selected && <UserPanel id={selected} focus={panelFocus} onClose={close} />}
    </section>
  );
}
