// Every user, live: rows are virtualised and read from the store a page at a time; changes
// pushed by the core update what is on screen without a reload.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, asError, onUserChanged } from "../api";
import type { CommandError, UserRow } from "../types";
import { Badge, ErrorBox, PageHeader, TextInput, when } from "../ui";
import { UserPanel } from "./user";

const ROW_HEIGHT = 36;
const PAGE = 200;

interface Query {
  text: string;
  filter: string;
}

export function UsersView() {
  const [query, setQuery] = useState<Query>({ text: "", filter: "" });
  const [draft, setDraft] = useState<Query>({ text: "", filter: "" });
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, UserRow[]>>(new Map());
  const [error, setError] = useState<CommandError | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [selected, setSelected] = useState<string | null>(null);
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

  const rows: { index: number; row: UserRow | undefined }[] = [];
  for (let i = first; i < last; i++) {
    rows.push({ index: i, row: pages.get(Math.floor(i / PAGE))?.[i % PAGE] });
  }

  return (
    <section class="view users-view">
      <PageHeader title="Users">
        <span class="muted" data-testid="user-total">
          {total === null ? "Loading…" : `${total.toLocaleString()} user${total === 1 ? "" : "s"}`}
        </span>
      </PageHeader>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ ...draft });
        }}
      >
        <TextInput type="search" name="text" placeholder="Search name, userName or email" value={draft.text} onValue={(v) => setDraft({ ...draft, text: v })} />
        <TextInput
          name="filter"
          class="mono"
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
            }}
          >
            Clear
          </button>
        )}
      </form>
      <ErrorBox error={error} />
      <div class="table users-table" role="table">
        <div class="thead" role="row">
          <span>userName</span>
          <span>Name</span>
          <span>Email</span>
          <span>Role</span>
          <span>Status</span>
          <span>Source</span>
          <span>Last change</span>
        </div>
        <div
          class="tbody"
          ref={body}
          onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
        >
          <div style={{ height: `${(total ?? 0) * ROW_HEIGHT}px`, position: "relative" }}>
            {rows.map(({ index, row }) => (
              <div
                key={row?.id ?? `i${index}`}
                class={`tr${row && row.id === selected ? " selected" : ""}`}
                role="row"
                data-user={row?.user_name}
                data-active={row ? String(row.active) : undefined}
                style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
                onClick={() => row && setSelected(row.id)}
              >
                {row ? (
                  <>
                    <span class="mono">{row.user_name}</span>
                    <span>{row.name}</span>
                    <span>{row.email ?? "—"}</span>
                    <span title={row.role_from_idp ? "Sent by the identity provider" : "Default role"}>
                      {row.role}
                      {!row.role_from_idp && <span class="muted"> (default)</span>}
                    </span>
                    <span class="status">
                      {row.active ? (
                        <Badge kind="ok">Active</Badge>
                      ) : (
                        <Badge kind="off">Deactivated</Badge>
                      )}
                      {!row.last_login && <Badge kind="warn">Never logged in</Badge>}
                    </span>
                    <span>{row.source.toUpperCase()}</span>
                    <span title={row.last_modified}>{when(row.last_modified)}</span>
                  </>
                ) : (
                  <span class="muted">…</span>
                )}
              </div>
            ))}
          </div>
          {total === 0 && <p class="empty">No user matches.</p>}
        </div>
      </div>
      {selected && <UserPanel id={selected} onClose={() => setSelected(null)} />}
    </section>
  );
}
