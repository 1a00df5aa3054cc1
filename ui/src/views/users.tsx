// Every user, live: rows are virtualised and read from the store a page at a time, in the order
// the admin chose; changes pushed by the core update what is on screen without a reload.

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, asError, onUserChanged } from "../api";
import type { ViewParams } from "../nav";
import type { CommandError, Exported, ExportFormat, UserRow, UserSort, UsersQuery } from "../types";
import { Badge, CopyButton, ErrorBox, PageHeader, plural, TextInput, typingIn, useKeyDown, When } from "../ui";
import { UserPanel } from "./user";

const ROW_HEIGHT = 36;
/** The header row: sticky, in the same scroller as the rows, above them. */
const HEAD_HEIGHT = 36;
const PAGE = 200;

type ColumnKey = UserSort | "source";

interface Column {
  key: ColumnKey;
  label: string;
  /** What the header's tooltip says about the column. */
  about: string;
  /** The order it sorts by; `null`: it does not sort. */
  sort: UserSort | null;
  /** Narrowest it can be made, in px. */
  min: number;
  /** Its width until the admin changes it: `width` px, or a share (`grow`) of what the fixed
   *  columns leave, never under `min`. */
  width?: number;
  grow?: number;
}

// The text columns share what the others leave; the narrow ones keep their words. At their
// defaults they fit a 1,000 px window (184 px sidebar, 16 px margins, a scrollbar) with room
// to spare.
const COLUMNS: readonly Column[] = [
  { key: "user_name", label: "userName", about: "The user's SCIM userName", sort: "user_name", min: 90, grow: 1.4 },
  { key: "name", label: "Name", about: "The user's name", sort: "name", min: 72, grow: 1.1 },
  { key: "email", label: "Email", about: "The user's email address", sort: "email", min: 90, grow: 1.5 },
  { key: "role", label: "Role", about: "The role the user has in the application", sort: "role", min: 56, width: 88 },
  { key: "active", label: "Status", about: "Active or deactivated", sort: "active", min: 64, width: 88 },
  { key: "source", label: "Source", about: "How the user came to exist (this column does not sort)", sort: null, min: 48, width: 56 },
  { key: "last_login", label: "Last login", about: "The user's latest SAML login", sort: "last_login", min: 64, width: 96 },
  { key: "last_modified", label: "Last change", about: "The latest change to the user", sort: "last_modified", min: 64, width: 108 },
];

const MAX_WIDTH = 800;
/** What an arrow key changes a column's width by. */
const WIDTH_STEP = 16;
/** From this width on, a date column has room for the date and time as well as how long ago. */
const FULL_DATE_WIDTH = 210;
const WIDTHS_KEY = "scim-console.users.widths";

/** Column widths the admin set, in px; a column not in it has its default width. */
type Widths = Partial<Record<ColumnKey, number>>;

function clampWidth(c: Column, w: number): number {
  return Math.round(Math.max(c.min, Math.min(MAX_WIDTH, w)));
}

function storedWidths(): Widths {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(WIDTHS_KEY) ?? "{}");
    const out: Widths = {};
    if (saved && typeof saved === "object") {
      for (const c of COLUMNS) {
        const w = (saved as Record<string, unknown>)[c.key];
        if (typeof w === "number" && Number.isFinite(w)) out[c.key] = clampWidth(c, w);
      }
    }
    return out;
  } catch {
    return {};
  }
}

function saveWidths(widths: Widths) {
  try {
    if (Object.keys(widths).length === 0) localStorage.removeItem(WIDTHS_KEY);
    else localStorage.setItem(WIDTHS_KEY, JSON.stringify(widths));
  } catch {
    // Not remembered across restarts then; the widths still apply now.
  }
}

/** The grid's columns (shared by the header and every row) and the width under which the table
 *  scrolls sideways rather than squeezing them further. */
function gridOf(widths: Widths): { columns: string; min: string } {
  const tracks: string[] = [];
  let px = 0;
  let shares = false;
  for (const c of COLUMNS) {
    const w = widths[c.key] ?? c.width;
    if (w !== undefined) {
      tracks.push(`${w}px`);
      px += w;
    } else {
      tracks.push(`minmax(${c.min}px, ${c.grow ?? 1}fr)`);
      px += c.min;
      shares = true;
    }
  }
  // Every column set by hand: an empty track takes the rest of the row.
  if (!shares) tracks.push("minmax(0, 1fr)");
  return {
    columns: tracks.join(" "),
    min: `calc(${px}px + ${tracks.length - 1} * var(--cell-gap) + 2 * var(--row-pad))`,
  };
}

/** The order in words, for the header's tooltip. */
function orderWords(sort: UserSort, descending: boolean): string {
  switch (sort) {
    case "last_modified":
      return descending ? "newest first" : "oldest first";
    case "last_login":
      return `${descending ? "latest first" : "earliest first"}, never logged in last`;
    case "active":
      return descending ? "active first" : "deactivated first";
    default:
      return descending ? "Z to A" : "A to Z";
  }
}

/** Dates start newest first; names, emails, roles and the status A to Z (deactivated first). */
function startsDescending(sort: UserSort): boolean {
  return sort === "last_modified" || sort === "last_login";
}

const SOURCE_MEANING: Record<UserRow["source"], string> = {
  scim: "SCIM: created by the identity provider",
  jit: "JIT: created at the user's first SAML login",
  demo: "DEMO: sample data",
};

/** A filter naming an attribute users do not have, with the one the server thinks was meant:
 *  "Users have no attribute 'pantheRole' (did you mean pantherRole?): …". */
function suggestionsIn(message: string): { wrong: string; right: string }[] {
  return [...message.matchAll(/'([^']+)' \(did you mean ([^?\s]+)\?\)/g)].map((m) => ({ wrong: m[1], right: m[2] }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `filter` with the attribute name `wrong` replaced by `right` wherever it is a name (not
 *  inside a quoted value); unchanged when it names it nowhere. A sub-attribute the server
 *  reports in full (`emails.tpye`) may be written inside brackets (`emails[tpye eq "work"]`). */
function replaceName(filter: string, wrong: string, right: string): string {
  const swap = (from: string, to: string) => {
    const name = new RegExp(`(^|[\\s(\\[:])${escapeRegExp(from)}(?![\\w$.:-])`, "gi");
    // Odd parts are the quoted values.
    return filter
      .split(/("(?:[^"\\]|\\.)*")/)
      .map((part, i) => (i % 2 === 1 ? part : part.replace(name, (_m, before: string) => before + to)))
      .join("");
  };
  const whole = swap(wrong, right);
  if (whole !== filter) return whole;
  const w = wrong.lastIndexOf(".");
  const r = right.lastIndexOf(".");
  if (w > 0 && r > 0 && wrong.slice(0, w).toLowerCase() === right.slice(0, r).toLowerCase()) {
    return swap(wrong.slice(w + 1), right.slice(r + 1));
  }
  return filter;
}

interface Query {
  text: string;
  filter: string;
  sort: UserSort;
  descending: boolean;
}

/** The latest change first, as the server sorts when asked nothing. */
const DEFAULT_ORDER = { sort: "last_modified", descending: true } as const;

function usersQuery(q: Query, offset: number, limit: number): UsersQuery {
  return {
    text: q.text || undefined,
    filter: q.filter || undefined,
    sort: q.sort,
    descending: q.descending,
    offset,
    limit,
  };
}

type ExportState =
  | { state: "running"; format: ExportFormat }
  | { state: "done"; result: Exported }
  | { state: "failed"; error: CommandError };

export function UsersView(props: { params?: ViewParams["users"] }) {
  // Opened on a user (a finding's "Show user"): the list is searched for the userName.
  const wanted = props.params?.user;
  const [query, setQuery] = useState<Query>({ text: wanted ?? "", filter: "", ...DEFAULT_ORDER });
  const [draft, setDraft] = useState({ text: wanted ?? "", filter: "" });
  /** The userName asked for when no user has it. */
  const [notFound, setNotFound] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, UserRow[]>>(new Map());
  const [error, setError] = useState<CommandError | null>(null);
  /** The query's filter is not one the server can run: said beside the filter box. */
  const [filterError, setFilterError] = useState<CommandError | null>(null);
  const [exported, setExported] = useState<ExportState | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [selected, setSelected] = useState<string | null>(null);
  // The row the keyboard is on (an index: rows come and go as they scroll). Arrow keys move
  // it, Enter opens its user.
  const [cursor, setCursor] = useState(0);
  const focusCursor = useRef(false);
  const [panelFocus, setPanelFocus] = useState(false);
  const body = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLDivElement>(null);
  const filterBox = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const loading = useRef(new Set<number>());
  const pagesRef = useRef(pages);
  pagesRef.current = pages;

  // Column widths: set by hand (kept), and as laid out (for the separators' values, and to
  // know where a date has room for its time).
  const [widths, setWidths] = useState<Widths>(storedWidths);
  const [measured, setMeasured] = useState<Widths>({});
  /** The column being dragged wider or narrower: where the pointer and its width started. */
  const drag = useRef<{ key: ColumnKey; x: number; width: number; zoom: number } | null>(null);
  useEffect(() => saveWidths(widths), [widths]);
  useEffect(() => {
    const el = head.current;
    if (!el) return;
    const read = () => {
      const now: Widths = {};
      el.querySelectorAll<HTMLElement>("[data-col]").forEach((c) => {
        now[c.dataset.col as ColumnKey] = c.offsetWidth;
      });
      setMeasured((old) => (COLUMNS.every((c) => old[c.key] === now[c.key]) ? old : now));
    };
    const ro = new ResizeObserver(read);
    el.querySelectorAll("[data-col]").forEach((c) => ro.observe(c));
    read();
    return () => ro.disconnect();
  }, []);
  const setWidth = (c: Column, w: number) => setWidths((old) => ({ ...old, [c.key]: clampWidth(c, w) }));
  const resetWidth = (c: Column) =>
    setWidths((old) => {
      const next = { ...old };
      delete next[c.key];
      return next;
    });
  const widthOf = (c: Column) => widths[c.key] ?? measured[c.key] ?? c.width ?? c.min;
  const grid = gridOf(widths);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 10);
  const last = Math.min(total ?? 0, Math.ceil((scrollTop + height) / ROW_HEIGHT) + 10);

  const fetchPage = useCallback(
    async (p: number, force = false) => {
      if (!force && (pagesRef.current.has(p) || loading.current.has(p))) return;
      const gen = generation.current;
      loading.current.add(p);
      try {
        const page = await api.listUsers(usersQuery(query, p * PAGE, PAGE));
        if (gen !== generation.current) return;
        setTotal(page.total);
        setPages((old) => new Map(old).set(p, page.rows));
        setError(null);
        setFilterError(null);
      } catch (e) {
        if (gen !== generation.current) return;
        const err = asError(e);
        if (err.code === "invalid_filter") setFilterError(err);
        else setError(err);
      } finally {
        loading.current.delete(p);
      }
    },
    [query],
  );

  // A new query (search, filter or order) starts from an empty cache, at the top.
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

  // Live: patch the row at once, then re-read the pages on screen (and the total), in the
  // query's order: a change can move a row.
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

  // Moves the keyboard's row, scrolled into view below the sticky header; the row takes the
  // focus once it is rendered.
  const moveTo = (i: number) => {
    if (!total) return;
    const to = Math.max(0, Math.min(total - 1, i));
    const el = body.current;
    if (el) {
      // The scroll position that puts the row just under the header.
      const top = to * ROW_HEIGHT;
      let next = el.scrollTop;
      if (top < next) next = top;
      else if (HEAD_HEIGHT + top + ROW_HEIGHT > next + el.clientHeight) next = HEAD_HEIGHT + top + ROW_HEIGHT - el.clientHeight;
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
    (b?.querySelector<HTMLElement>(`[data-index="${cursor}"]`) ?? b?.querySelector<HTMLElement>('.tr[tabindex="0"]'))?.focus({ preventScroll: true });
  });
  const open = (row: UserRow | undefined, fromKeyboard: boolean) => {
    if (!row) return;
    setSelected(row.id);
    setPanelFocus(fromKeyboard);
  };
  const onRowKey = (e: KeyboardEvent, index: number, row: UserRow | undefined) => {
    const page = Math.max(1, Math.floor((height - HEAD_HEIGHT) / ROW_HEIGHT) - 1);
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

  /** Runs the search with what the boxes say (`filter`: with this filter instead). */
  const search = (filter = draft.filter) => {
    // The same search again changes nothing: the table is not emptied and read again.
    setQuery((q) => (q.text === draft.text && q.filter === filter ? q : { ...q, text: draft.text, filter }));
    setNotFound(null);
  };
  const sortBy = (sort: UserSort) =>
    setQuery((q) => ({ ...q, sort, descending: q.sort === sort ? !q.descending : startsDescending(sort) }));

  // The names the server says were meant, each offered where the box still has the wrong one.
  const fixes = filterError
    ? suggestionsIn(filterError.message)
        .map((s) => ({ ...s, filter: replaceName(draft.filter, s.wrong, s.right) }))
        .filter((s) => s.filter !== draft.filter)
    : [];

  const exportAs = async (format: ExportFormat) => {
    setExported({ state: "running", format });
    try {
      const result = await api.exportUsers(usersQuery(query, 0, PAGE), format);
      setExported({ state: "done", result });
    } catch (e) {
      setExported({ state: "failed", error: asError(e) });
    }
  };
  const exporting = exported?.state === "running";

  // The keyboard's row is the table's one stop for Tab; when it has scrolled away, the first
  // row on screen is.
  const tabStop = cursor >= first && cursor < last ? cursor : first;

  const rows: { index: number; row: UserRow | undefined }[] = [];
  for (let i = first; i < last; i++) {
    rows.push({ index: i, row: pages.get(Math.floor(i / PAGE))?.[i % PAGE] });
  }
  const wide = (key: ColumnKey, px: number) => (measured[key] ?? 0) >= px;

  const cell = (c: Column, row: UserRow) => {
    switch (c.key) {
      case "user_name":
        return (
          <span role="cell" class="mono" title={row.user_name}>
            {row.user_name}
          </span>
        );
      case "name":
        return (
          <span role="cell" title={row.name || undefined}>
            {row.name || <span class="muted">—</span>}
          </span>
        );
      case "email":
        return (
          <span role="cell" title={row.email ?? "No email"}>
            {row.email ?? <span class="muted">—</span>}
          </span>
        );
      case "role":
        return (
          <span role="cell" title={`${row.role}: ${row.role_from_idp ? "sent by the identity provider" : "the default role"}`}>
            {row.role}
            {!row.role_from_idp && <span class="muted"> (default)</span>}
          </span>
        );
      case "active":
        return (
          <span role="cell" class="status" title={row.active ? "Active" : "Deactivated"}>
            {row.active ? <Badge kind="ok">Active</Badge> : <Badge kind="off">Deactivated</Badge>}
          </span>
        );
      case "source":
        return (
          <span role="cell" title={SOURCE_MEANING[row.source]}>
            {row.source.toUpperCase()}
          </span>
        );
      case "last_login":
        return row.last_login ? (
          <span role="cell">
            <When at={row.last_login} full={wide(c.key, FULL_DATE_WIDTH)} />
          </span>
        ) : (
          <span role="cell" class="status" title="Never logged in">
            <Badge kind="warn">{wide(c.key, 130) ? "Never logged in" : "Never"}</Badge>
          </span>
        );
      case "last_modified":
        return (
          <span role="cell">
            <When at={row.last_modified} full={wide(c.key, FULL_DATE_WIDTH)} />
          </span>
        );
    }
  };

  return (
    <section class="view users-view">
      <PageHeader title="Users">
        <span class="muted" data-testid="user-total" aria-live="polite">
          {total !== null
            ? plural(total, "user", "users")
            : filterError
              ? "Filter not valid"
              : error
                ? "Not loaded"
                : "Loading…"}
        </span>
        <div class="export-actions" role="group" aria-label="Export the users">
          {(["csv", "json"] as const).map((format) => (
            <button
              type="button"
              class="secondary"
              data-export={format}
              disabled={exporting || !!filterError}
              aria-busy={exported?.state === "running" && exported.format === format ? true : undefined}
              title={
                filterError
                  ? "Fix the filter first"
                  : `Save every user this search, filter and order match (not only the rows loaded) as ${format.toUpperCase()} in Downloads`
              }
              onClick={() => exportAs(format)}
            >
              Export {format.toUpperCase()}
            </button>
          ))}
        </div>
      </PageHeader>
      <form
        class="toolbar users-toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          search();
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
        <div class="filter-field" ref={filterBox}>
          <TextInput
            name="filter"
            class="mono"
            label="SCIM filter"
            placeholder='SCIM filter, e.g. active eq false and pantherRole eq "Admin"'
            value={draft.filter}
            onValue={(v) => setDraft({ ...draft, filter: v })}
            invalid={!!filterError}
            describedBy={filterError ? "users-filter-error" : undefined}
          />
          {filterError && (
            <div class="field-error filter-error" id="users-filter-error" role="alert" data-testid="filter-error" data-code={filterError.code}>
              <span>{filterError.message}</span>
              {fixes.map((f) => (
                <button
                  type="button"
                  class="secondary small"
                  data-testid="filter-suggestion"
                  data-suggestion={f.right}
                  title={`Replace ${f.wrong} with ${f.right} in the filter and search again`}
                  onClick={() => {
                    setDraft({ ...draft, filter: f.filter });
                    search(f.filter);
                    // The button goes with the error: the keyboard goes on from the filter.
                    filterBox.current?.querySelector<HTMLElement>("input")?.focus();
                  }}
                >
                  Use {f.right}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="submit">Search</button>
        {(query.text || query.filter) && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft({ text: "", filter: "" });
              setQuery((q) => ({ ...q, text: "", filter: "" }));
              setNotFound(null);
            }}
          >
            Clear
          </button>
        )}
        {Object.keys(widths).length > 0 && (
          <button type="button" class="link" data-action="reset-widths" onClick={() => setWidths({})}>
            Reset column widths
          </button>
        )}
      </form>
      <ErrorBox error={error} />
      <div class="export-status" role="status">
        {exported?.state === "running" && (
          <p class="muted export-running">
            Exporting {total === null ? "the users" : plural(total, "user", "users")} as {exported.format.toUpperCase()}…
          </p>
        )}
        {exported?.state === "done" && (
          <div class="export-result" data-testid="export-result" data-path={exported.result.path} data-rows={exported.result.rows}>
            <span>
              Saved {plural(exported.result.rows, "user", "users")} to <code class="export-path">{exported.result.path}</code>
            </span>
            <CopyButton value={exported.result.path} label="export path" />
            <button type="button" class="link" onClick={() => setExported(null)}>
              Dismiss
            </button>
          </div>
        )}
      </div>
      {exported?.state === "failed" && (
        <div class="error-box" role="alert" data-testid="export-error" data-code={exported.error.code}>
          <span>The users could not be exported: {exported.error.message}</span>
          <button type="button" class="link" onClick={() => setExported(null)}>
            Dismiss
          </button>
        </div>
      )}
      {notFound && (
        <p class="notice" role="status" data-testid="user-not-found">
          No user here has the userName <span class="mono">{notFound}</span>: this server has no account for that person.
          With just-in-time provisioning the account is created at their first SAML login; otherwise it was never created
          here, or it was deleted.
        </p>
      )}
      <div
        class="table users-table"
        role="table"
        aria-label="Users"
        aria-rowcount={total === null ? -1 : total + 1}
        style={{ "--user-cols": grid.columns, "--user-min": grid.min }}
      >
        {/* One scroller for the header and the rows: the columns line up whatever width the
            scrollbar takes, and scroll sideways together when widened past the window. */}
        <div class="tscroll" role="none" ref={body} onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}>
          <div class="thead-group" role="rowgroup">
            <div class="thead" role="row" aria-rowindex={1} ref={head}>
              {COLUMNS.map((c) => {
                const sorted = c.sort !== null && query.sort === c.sort;
                const w = widthOf(c);
                return (
                  <div
                    key={c.key}
                    class="th"
                    role="columnheader"
                    data-col={c.key}
                    aria-sort={c.sort === null ? undefined : sorted ? (query.descending ? "descending" : "ascending") : "none"}
                  >
                    {c.sort !== null ? (
                      <button
                        type="button"
                        class={`sort${sorted ? " sorted" : ""}`}
                        data-sort={c.sort}
                        title={
                          sorted
                            ? `${c.about}. Sorted ${orderWords(c.sort, query.descending)}; click for ${orderWords(c.sort, !query.descending)}`
                            : `${c.about}. Sort ${orderWords(c.sort, startsDescending(c.sort))}`
                        }
                        onClick={() => sortBy(c.sort!)}
                      >
                        <span class="sort-label">{c.label}</span>
                        <span class="sort-arrow" aria-hidden="true">
                          {sorted && !query.descending ? "▲" : "▼"}
                        </span>
                      </button>
                    ) : (
                      <span class="th-label" title={c.about}>
                        {c.label}
                      </span>
                    )}
                    <div
                      class="col-resize"
                      role="separator"
                      aria-orientation="vertical"
                      aria-label={`${c.label} column width`}
                      aria-valuenow={w}
                      aria-valuemin={c.min}
                      aria-valuemax={MAX_WIDTH}
                      aria-valuetext={`${w} pixels`}
                      tabIndex={0}
                      data-resize={c.key}
                      title="Drag to resize (or Left and Right arrow keys); double-click for the default width"
                      onPointerDown={(e) => {
                        if (e.button !== 0) return;
                        const handle = e.currentTarget as HTMLElement;
                        const th = handle.parentElement!;
                        e.preventDefault();
                        handle.setPointerCapture(e.pointerId);
                        handle.focus({ preventScroll: true });
                        // The pointer moves in screen pixels, the column is sized in CSS
                        // pixels: they differ by the zoom keys' level (zoom.tsx sets it on <html>).
                        const zoom = parseFloat(document.documentElement.style.zoom) || 1;
                        drag.current = { key: c.key, x: e.clientX, width: th.offsetWidth, zoom };
                        handle.classList.add("dragging");
                      }}
                      onPointerMove={(e) => {
                        const d = drag.current;
                        if (!d || d.key !== c.key) return;
                        setWidth(c, d.width + (e.clientX - d.x) / d.zoom);
                      }}
                      onPointerUp={(e) => {
                        drag.current = null;
                        (e.currentTarget as HTMLElement).classList.remove("dragging");
                      }}
                      onPointerCancel={(e) => {
                        drag.current = null;
                        (e.currentTarget as HTMLElement).classList.remove("dragging");
                      }}
                      onDblClick={() => resetWidth(c)}
                      onKeyDown={(e) => {
                        const step = e.key === "ArrowRight" ? WIDTH_STEP : e.key === "ArrowLeft" ? -WIDTH_STEP : 0;
                        if (!step) return;
                        e.preventDefault();
                        setWidth(c, w + step);
                      }}
                    />
                  </div>
                );
              })}
            </div>
          </div>
          <div class="rows" role="rowgroup" style={{ height: `${(total ?? 0) * ROW_HEIGHT}px` }}>
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
                  COLUMNS.map((c) => cell(c, row))
                ) : (
                  <span role="cell" class="muted">
                    …
                  </span>
                )}
              </div>
            ))}
          </div>
          {total === 0 && <p class="empty">No user matches.</p>}
          {total === null && filterError && <p class="empty">No users shown: the filter above is not valid.</p>}
        </div>
      </div>
      {selected && <UserPanel id={selected} focus={panelFocus} onClose={close} />}
    </section>
  );
}
