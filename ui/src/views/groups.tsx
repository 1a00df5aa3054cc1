// Groups: the list, with each group's member count and the role its name grants, and a group's
// page (its members, paged and searched, its timeline and its SCIM JSON). Both follow the
// changes the core pushes without a reload.

import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, onGroupChanged, onUserChanged } from "../api";
import { useNav, type ViewParams } from "../nav";
import type { AttrChange, CommandError, EventRecord, GroupDetail, GroupsPage, UserRow } from "../types";
import { Badge, CopyButton, ErrorBox, num, PageHeader, plural, SimulatedBadge, TextInput, typingIn, useKeyDown, When } from "../ui";
import { DiffList } from "./activity";

/** Rows read at a time: groups in the list, members on a group's page. */
const PAGE = 100;
/** The most rows one request may ask for. */
const MAX_ROWS = 500;
/** How many entries `group_detail` reads at most (the newest). */
const TIMELINE_LIMIT = 200;
/** How many member ids an entry of the timeline shows before "and N more". */
const IDS_SHOWN = 3;
/** Live changes closer together than this are read once. */
const SETTLE_MS = 60;

/** Reads the first `count` rows of a list (in requests of at most `MAX_ROWS`): `read` answers
 *  a page and how many rows there are in all. */
async function readRows<P, R>(
  count: number,
  read: (offset: number, limit: number) => Promise<P>,
  rowsOf: (page: P) => R[],
  totalOf: (page: P) => number,
): Promise<{ first: P; rows: R[] }> {
  const first = await read(0, Math.min(count, MAX_ROWS));
  let rows = rowsOf(first);
  while (rows.length < count && rows.length < totalOf(first)) {
    const next = rowsOf(await read(rows.length, Math.min(count - rows.length, MAX_ROWS)));
    if (next.length === 0) break;
    rows = rows.concat(next);
  }
  return { first, rows };
}

/** `refresh` run once after a burst of calls has settled (a push of many changes reads once);
 *  returns the function to call and the one that cancels a pending run. */
function settled(refresh: () => void): { poke: () => void; cancel: () => void } {
  let timer: number | undefined;
  return {
    poke: () => {
      clearTimeout(timer);
      timer = window.setTimeout(refresh, SETTLE_MS);
    },
    cancel: () => clearTimeout(timer),
  };
}

/** A table's rows as one Tab stop: the arrow keys, Page Up and Down, Home and End move between
 *  them, Enter opens the row. `i`: the row's index among `count`. */
function rowKeys(e: KeyboardEvent, i: number, count: number, open: () => void) {
  const to: Record<string, number> = {
    ArrowDown: i + 1,
    ArrowUp: i - 1,
    PageDown: i + 10,
    PageUp: i - 10,
    Home: 0,
    End: count - 1,
  };
  if (e.key in to) {
    const t = Math.max(0, Math.min(count - 1, to[e.key]));
    const body = (e.currentTarget as HTMLElement).parentElement;
    (body?.children[t] as HTMLElement | undefined)?.focus();
  } else if (e.key === "Enter") open();
  else return;
  e.preventDefault();
}

/** The rows' Tab stop: the row the keyboard was last on, kept within the rows there are. */
function useCursor(count: number) {
  const [cursor, setCursor] = useState(0);
  return { stop: Math.max(0, Math.min(cursor, count - 1)), setCursor };
}

/** A search box with Search and (while a search applies) Clear, and what follows it in the row. */
/** A search box's typed text and the search in force (set on Search, cleared on Clear):
 *  `form` is what [`SearchForm`] takes of it. */
export function useSearch() {
  const [draft, setDraft] = useState("");
  const [text, setText] = useState("");
  return {
    text,
    form: {
      draft,
      setDraft,
      active: !!text,
      onSearch: () => setText(draft.trim()),
      onClear: () => {
        setDraft("");
        setText("");
      },
    },
  };
}

export function SearchForm(props: {
  name: string;
  label: string;
  placeholder: string;
  draft: string;
  setDraft: (v: string) => void;
  active: boolean;
  onSearch: () => void;
  onClear: () => void;
  children?: ComponentChildren;
}) {
  return (
    <form
      class="toolbar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSearch();
      }}
    >
      <TextInput
        type="search"
        name={props.name}
        label={props.label}
        search
        placeholder={props.placeholder}
        value={props.draft}
        onValue={props.setDraft}
      />
      <button type="submit">Search</button>
      {props.active && (
        <button type="button" class="secondary" onClick={props.onClear}>
          Clear
        </button>
      )}
      {props.children}
    </form>
  );
}

export function GroupsView(props: { params?: ViewParams["groups"] }) {
  // Opened on a group (from a user's page): its page; otherwise the list.
  const [open, setOpen] = useState<string | null>(props.params?.group ?? null);
  // The list's search outlives a visit to a group's page; the keyboard comes back to its row.
  const [text, setText] = useState("");
  const [back, setBack] = useState<string | null>(null);
  if (open)
    return (
      <GroupPage
        id={open}
        onBack={() => {
          setBack(open);
          setOpen(null);
        }}
      />
    );
  return <GroupList text={text} onText={setText} focusGroup={back} onOpen={setOpen} />;
}

function GroupList(props: { text: string; onText: (t: string) => void; focusGroup: string | null; onOpen: (id: string) => void }) {
  const { navigate } = useNav();
  const { text } = props;
  const [draft, setDraft] = useState(text);
  const [page, setPage] = useState<GroupsPage | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  /** How many rows are kept loaded (Load more adds a page); a live refresh reads as many. */
  const wanted = useRef(PAGE);
  const textNow = useRef(text);
  textNow.current = text;

  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const t = textNow.current;
        try {
          const { first, rows } = await readRows(
            wanted.current,
            (offset, limit) => api.listGroups({ text: t || undefined, offset, limit }),
            (p) => p.groups,
            (p) => p.total,
          );
          // Another search was asked for meanwhile: its own run follows.
          if (t !== textNow.current) return;
          setPage({ ...first, groups: rows });
          setError(null);
        } catch (e) {
          if (t === textNow.current) setError(asError(e));
        }
      }),
    [],
  );

  // A new search starts from its first page.
  useEffect(() => {
    wanted.current = PAGE;
    refresh();
  }, [text]);

  // Live: a group created, renamed, deleted or with members changed; a user deleted (it leaves
  // its groups). Changes close together are read once.
  useEffect(() => {
    const { poke, cancel } = settled(refresh);
    const groups = onGroupChanged(poke);
    const users = onUserChanged((c) => {
      if (!c || c.kind === "deleted") poke();
    });
    return () => {
      cancel();
      groups.then((f) => f());
      users.then((f) => f());
    };
  }, []);

  const rows = page?.groups ?? [];
  const { stop, setCursor } = useCursor(rows.length);
  const body = useRef<HTMLTableSectionElement>(null);

  // Back from a group's page: the keyboard goes on from that group's row (or the heading, if
  // it is gone).
  const refocused = useRef(false);
  useLayoutEffect(() => {
    if (refocused.current || !props.focusGroup || !page) return;
    refocused.current = true;
    const i = rows.findIndex((g) => g.id === props.focusGroup);
    if (i >= 0) {
      setCursor(i);
      (body.current?.children[i] as HTMLElement | undefined)?.focus();
    } else document.querySelector<HTMLElement>("main .page-header h1")?.focus();
  }, [page]);

  const loadMore = async () => {
    wanted.current = rows.length + PAGE;
    setLoadingMore(true);
    await refresh();
    setLoadingMore(false);
  };

  const search = () => props.onText(draft.trim());
  const offered = page?.offered ?? true;
  const empty = page !== null && page.total === 0 && !text;

  return (
    <section class="view groups-view" data-testid="groups-view">
      <PageHeader title="Groups">
        {offered && (
          <span class="muted" data-testid="group-total" aria-live="polite">
            {page ? plural(page.total, "group", "groups") : error ? "Not loaded" : "Loading…"}
          </span>
        )}
      </PageHeader>
      <ErrorBox error={error} />
      {page && !offered && (
        <div class="card groups-note" data-testid="groups-not-offered">
          <p>Groups are offered under full provisioning. With just-in-time provisioning, turn off Push Groups and Import Groups in Okta.</p>
          <button type="button" class="secondary" data-action="open-policy" onClick={() => navigate("settings", { section: "policy" })}>
            Change the provisioning policy in Settings
          </button>
        </div>
      )}
      {page && offered && empty && (
        <div class="card groups-note" data-testid="groups-empty">
          <p>Groups appear here when Okta pushes them (Push Groups) or Entra ID provisions them.</p>
          {page.role_pattern && (
            <p data-testid="role-pattern">
              Group names that carry roles: <code>{page.role_pattern}</code>
            </p>
          )}
        </div>
      )}
      {page && offered && !empty && (
        <>
          <SearchForm
            name="group-text"
            label="Search groups"
            placeholder="Search group names"
            draft={draft}
            setDraft={setDraft}
            active={!!text}
            onSearch={search}
            onClear={() => {
              setDraft("");
              props.onText("");
            }}
          >
            {page.role_pattern && (
              <span class="hint role-pattern" data-testid="role-pattern">
                Group names that carry roles: <code>{page.role_pattern}</code>
              </span>
            )}
          </SearchForm>
          <div class="table-box">
            <table role="table" class="data-table groups-table" data-testid="groups-table" aria-label="Groups" aria-rowcount={page.total + 1}>
              <thead role="rowgroup">
                <tr role="row" aria-rowindex={1}>
                  <th role="columnheader" scope="col" title="The group's displayName">
                    Name
                  </th>
                  <th role="columnheader" scope="col" class="num" title="How many users are in the group">
                    Members
                  </th>
                  <th role="columnheader" scope="col" title="The role the group's name gives its members">
                    Role it grants
                  </th>
                  <th role="columnheader" scope="col" title="The latest change to the group">
                    Last change
                  </th>
                </tr>
              </thead>
              <tbody role="rowgroup" ref={body}>
                {rows.map((g, i) => (
                  <tr
                    key={g.id}
                    role="row"
                    aria-rowindex={i + 2}
                    tabIndex={i === stop ? 0 : -1}
                    data-group-id={g.id}
                    data-group={g.display_name}
                    title={`Open ${g.display_name}`}
                    onClick={() => props.onOpen(g.id)}
                    onFocus={() => setCursor(i)}
                    onKeyDown={(e) => rowKeys(e, i, rows.length, () => props.onOpen(g.id))}
                  >
                    <td role="cell" data-col="name">
                      {g.display_name}
                    </td>
                    <td role="cell" data-col="members" class="num" data-count={g.member_count}>
                      {num(g.member_count)}
                    </td>
                    <td role="cell" data-col="role" title={g.role ? `Members get the role ${g.role}` : "This group grants no role"}>
                      {g.role ?? <span class="muted">—</span>}
                    </td>
                    <td role="cell" data-col="last_modified">
                      <When at={g.last_modified} full />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {page.total === 0 && <p class="empty">No group matches.</p>}
          </div>
          {rows.length < page.total && (
            <div class="load-more">
              <span class="muted" role="status">
                Showing {num(rows.length)} of {num(page.total)}
              </span>
              <button
                type="button"
                class="secondary"
                data-action="load-more-groups"
                aria-disabled={loadingMore ? true : undefined}
                onClick={() => loadingMore || loadMore()}
              >
                {loadingMore ? "Loading…" : `Load ${num(Math.min(PAGE, page.total - rows.length))} more`}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// A group's page.

/** Member ids as a diff keeps them: a list of ids, its tail counted when too long to store
 *  ("…[N more not stored]"), or a note in place of a list too large to keep at all. */
function memberIds(v: unknown): { ids: string[]; count: number | null } {
  if (v === undefined || v === null) return { ids: [], count: 0 };
  if (!Array.isArray(v)) return { ids: [], count: null };
  const ids: string[] = [];
  let more = 0;
  for (const x of v) {
    if (typeof x === "string") {
      const m = /^…\[(\d+) more not stored\]$/.exec(x);
      if (m) more += Number(m[1]);
      else ids.push(x);
    } else if (x && typeof x === "object" && "value" in x) ids.push(String((x as { value: unknown }).value));
    else ids.push(JSON.stringify(x));
  }
  return { ids, count: ids.length + more };
}

interface MemberChange {
  added: { ids: string[]; count: number | null };
  removed: { ids: string[]; count: number | null };
}

function memberChange(diff: AttrChange[]): MemberChange | null {
  const d = diff.find((c) => c.path === "members");
  return d ? { added: memberIds(d.new), removed: memberIds(d.old) } : null;
}

/** "added 256 members, removed 1"; "removed 1 member"; a list too long to keep: "added members". */
function memberWords(m: MemberChange): string {
  const part = (verb: string, n: number | null, first: boolean) =>
    n === null ? `${verb} members` : first ? `${verb} ${plural(n, "member", "members")}` : `${verb} ${num(n)}`;
  const added = m.added.count !== 0;
  const removed = m.removed.count !== 0;
  if (added && removed) return `${part("added", m.added.count, true)}, ${part("removed", m.removed.count, false)}`;
  if (added) return part("added", m.added.count, true);
  if (removed) return part("removed", m.removed.count, true);
  return "members unchanged";
}

function verb(method: string): string {
  return method === "GET" ? "Read" : method === "POST" ? "Create" : method === "DELETE" ? "Delete" : "Update";
}

/** One line saying what an entry did to the group. */
function groupSummary(e: EventRecord, members: MemberChange | null): string {
  if (e.status === 401) return "Refused: no valid token";
  if (e.status === 429) return "Refused: over the rate limit";
  if (e.status >= 400) {
    if (e.status === 404) return `${verb(e.method)} refused: no such group`;
    return `${verb(e.method)} refused (${e.status})`;
  }
  const what = members ? memberWords(members) : null;
  switch (e.method) {
    case "POST":
      return what ? `Created: ${what}` : "Created";
    case "DELETE":
      return "Deleted";
    case "GET":
      return "Read";
  }
  const others = e.diff.filter((d) => d.path !== "members").map((d) => d.path);
  const parts = [what, others.length ? `updated ${others.join(", ")}` : null].filter(Boolean);
  return parts.length ? `Updated: ${parts.join("; ")}` : "Updated: nothing changed";
}

/** The first few ids of a member change and how many more. */
function IdList(props: { label: string; list: { ids: string[]; count: number | null }; kind: "added" | "removed" }) {
  const { ids, count } = props.list;
  if (count === 0) return null;
  const shown = ids.slice(0, IDS_SHOWN);
  const rest = count === null ? null : count - shown.length;
  const Tag = props.kind === "added" ? "ins" : "del";
  return (
    <li data-members={props.kind} data-count={count ?? undefined}>
      {props.label}:{" "}
      {shown.length === 0 ? (
        <span class="muted">the ids were too many to keep</span>
      ) : (
        <>
          <Tag class="mono member-ids">{shown.join(", ")}</Tag>
          {rest !== null && rest > 0 && <span class="muted"> and {num(rest)} more</span>}
          {rest === null && <span class="muted"> and more</span>}
        </>
      )}
    </li>
  );
}

function GroupEntry(props: { e: EventRecord }) {
  const { e } = props;
  const members = memberChange(e.diff);
  const failed = e.status >= 400;
  const others = e.diff.filter((d) => d.path !== "members");
  return (
    <li
      class={`tl-idp${failed ? " failed" : ""}`}
      data-event={e.id}
      data-method={e.method}
      data-status={e.status}
      data-added={members?.added.count ?? undefined}
      data-removed={members?.removed.count ?? undefined}
      data-simulated={e.simulated ? "true" : undefined}
    >
      <div class="tl-head">
        <span class="tl-summary">{groupSummary(e, members)}</span>
        <span class="tl-when">
          <When at={e.at} full />
        </span>
      </div>
      <div class="tl-meta">
        <span class="mono">{e.method}</span>
        <span class="muted">
          {e.client ?? "unknown client"} · {e.token_name ? `token “${e.token_name}”` : "no token"}
        </span>
        <span class={`status-code s${Math.floor(e.status / 100)}`}>{e.status}</span>
        {e.simulated && <SimulatedBadge />}
      </div>
      {e.error && <div class="error-text">{e.error}</div>}
      {members && (members.added.count !== 0 || members.removed.count !== 0) && (
        <ul class="diff member-diff">
          <IdList label="Added" list={members.added} kind="added" />
          <IdList label="Removed" list={members.removed} kind="removed" />
        </ul>
      )}
      <DiffList diff={others} />
    </li>
  );
}

function GroupPage(props: { id: string; onBack: () => void }) {
  const { navigate } = useNav();
  const { id } = props;
  const [detail, setDetail] = useState<GroupDetail | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  /** The group is gone: when it was deleted, if this page saw it happen. */
  const [gone, setGone] = useState<{ at: string | null } | null>(null);
  const search = useSearch();
  const text = search.text;
  const [loadingMore, setLoadingMore] = useState(false);
  const wanted = useRef(PAGE);
  const textNow = useRef(text);
  textNow.current = text;
  const memberIdsNow = useRef(new Set<string>());
  /** Set once the group is seen deleted: a read under way then must not bring it back. */
  const goneNow = useRef(false);
  const markGone = (at: string | null) => {
    goneNow.current = true;
    setGone((g) => g ?? { at });
  };

  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const t = textNow.current;
        try {
          const { first, rows } = await readRows(
            wanted.current,
            (offset, limit) => api.groupDetail(id, { text: t || undefined, offset, limit }),
            (d) => d.members,
            (d) => d.members_total,
          );
          if (t !== textNow.current || goneNow.current) return;
          memberIdsNow.current = new Set(rows.map((m) => m.id));
          setDetail({ ...first, members: rows });
          setError(null);
        } catch (e) {
          const err = asError(e);
          if (err.code === "not_found") markGone(null);
          else if (t === textNow.current) setError(err);
        }
      }),
    [id],
  );

  useEffect(() => {
    wanted.current = PAGE;
    refresh();
  }, [text]);

  // Live: this group changed (or everything may have); a member changed (its role, status or
  // name), or was deleted.
  useEffect(() => {
    const { poke, cancel } = settled(refresh);
    const groups = onGroupChanged((c) => {
      if ((c && c.id !== id) || goneNow.current) return;
      if (c?.kind === "deleted") {
        cancel();
        markGone(c.at);
        return;
      }
      poke();
    });
    const users = onUserChanged((c) => {
      if (!goneNow.current && (!c || memberIdsNow.current.has(c.id))) poke();
    });
    return () => {
      cancel();
      groups.then((f) => f());
      users.then((f) => f());
    };
  }, [id]);

  // Opened from a row or a link that is gone with the page it was on: the keyboard goes on
  // from this page's heading.
  const section = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    section.current?.querySelector<HTMLElement>(".page-header h1")?.focus();
  }, []);

  // Esc goes back to the list (a search box keeps its own Esc, which empties it).
  useKeyDown(
    (e) => {
      if (e.key !== "Escape" || typingIn(e)) return;
      e.preventDefault();
      props.onBack();
    },
    [props.onBack],
  );

  const loadMore = async () => {
    wanted.current = (detail?.members.length ?? 0) + PAGE;
    setLoadingMore(true);
    await refresh();
    setLoadingMore(false);
  };

  const g = detail?.group;
  const members = detail?.members ?? [];
  const { stop, setCursor } = useCursor(members.length);
  const openUser = (m: UserRow) => navigate("users", { user: m.user_name });
  const json = detail ? JSON.stringify(detail.scim, null, 2) : "";

  return (
    <section class="view group-page" data-testid="group-page" data-group-id={id} ref={section}>
      <PageHeader title={g?.display_name ?? "Group"}>
        <button type="button" class="secondary" data-action="back-to-groups" aria-keyshortcuts="Escape" title="Back to the groups (Esc)" onClick={props.onBack}>
          All groups
        </button>
      </PageHeader>
      <ErrorBox error={error} onClose={() => setError(null)} />
      {gone && (
        <p class="notice" role="status" data-testid="group-deleted">
          This group was deleted{gone.at ? <> (<When at={gone.at} full />)</> : null}: it no longer exists on this server, and
          its members have left it.
        </p>
      )}
      {!gone && g && detail && (
        <>
          <div class="card">
            <dl class="attrs group-attrs">
              <dt>Name</dt>
              <dd data-field="name">{g.display_name}</dd>
              <dt>Members</dt>
              <dd data-field="members" data-count={g.member_count}>
                {num(g.member_count)}
              </dd>
              <dt>Role it grants</dt>
              <dd data-field="role">{g.role ?? <span class="muted">None: the group's name carries no role</span>}</dd>
              <dt>External id</dt>
              <dd data-field="external-id" class={g.external_id ? "mono" : undefined}>
                {g.external_id ?? <span class="muted">—</span>}
              </dd>
              <dt>Created</dt>
              <dd>
                <When at={g.created} full />
              </dd>
              <dt>Last change</dt>
              <dd>
                <When at={g.last_modified} full />
              </dd>
              <dt>id</dt>
              <dd class="mono">{g.id}</dd>
            </dl>
          </div>

          <section class="card" aria-labelledby="group-members-title">
            <h2 id="group-members-title">Members</h2>
            <SearchForm
              name="member-text"
              label="Search members"
              placeholder="Search userName or name"
              {...search.form}
            >
              <span class="muted" role="status" data-testid="member-total">
                {text
                  ? `${plural(detail.members_total, "member matches", "members match")}`
                  : plural(detail.members_total, "member", "members")}
                {members.length < detail.members_total && ` · showing ${num(members.length)}`}
              </span>
            </SearchForm>
            <div class="table-box">
                <table role="table" class="data-table members-table" data-testid="group-members" aria-label={`Members of ${g.display_name}`} aria-rowcount={detail.members_total + 1}>
                  <thead role="rowgroup">
                    <tr role="row" aria-rowindex={1}>
                      <th role="columnheader" scope="col">userName</th>
                      <th role="columnheader" scope="col">Name</th>
                      <th role="columnheader" scope="col">Role</th>
                      <th role="columnheader" scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody role="rowgroup">
                    {members.map((m, i) => (
                      <tr
                        key={m.id}
                        role="row"
                        aria-rowindex={i + 2}
                        tabIndex={i === stop ? 0 : -1}
                        data-user-id={m.id}
                        data-user={m.user_name}
                        data-active={String(m.active)}
                        title={`Open ${m.user_name}`}
                        onClick={() => openUser(m)}
                        onFocus={() => setCursor(i)}
                        onKeyDown={(e) => rowKeys(e, i, members.length, () => openUser(m))}
                      >
                        <td role="cell" data-col="user_name" class="mono" title={m.user_name}>
                          {m.user_name}
                        </td>
                        <td role="cell" data-col="name" title={m.name || undefined}>
                          {m.name || <span class="muted">—</span>}
                        </td>
                        <td role="cell" data-col="role" title={`${m.role}: ${m.role_from_idp ? "sent by the identity provider" : "the default role"}`}>
                          {m.role}
                          {!m.role_from_idp && <span class="muted"> (default)</span>}
                        </td>
                        <td role="cell" data-col="active">
                          {m.active ? <Badge kind="ok">Active</Badge> : <Badge kind="off">Deactivated</Badge>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {members.length === 0 && <p class="empty">{text ? "No member matches." : "No members yet."}</p>}
              </div>
            {members.length < detail.members_total && (
              <div class="load-more">
                <button
                  type="button"
                  class="secondary"
                  data-action="load-more-members"
                  aria-disabled={loadingMore ? true : undefined}
                  onClick={() => loadingMore || loadMore()}
                >
                  {loadingMore ? "Loading…" : `Load ${num(Math.min(PAGE, detail.members_total - members.length))} more`}
                </button>
              </div>
            )}
          </section>

          <section class="card" aria-labelledby="group-timeline-title" data-testid="group-timeline">
            <h2 id="group-timeline-title">Timeline ({num(detail.events.length)})</h2>
            {detail.events.length >= TIMELINE_LIMIT && (
              <p class="hint">The latest {num(detail.events.length)} entries; Activity has the rest.</p>
            )}
            <ol class="timeline" aria-label="Timeline, newest first">
              {detail.events.length === 0 && <li class="muted">Nothing is logged for this group yet.</li>}
              {detail.events
                .slice()
                .reverse()
                .map((e) => (
                  <GroupEntry key={e.id} e={e} />
                ))}
            </ol>
          </section>

          <details class="card json-details" data-testid="group-json">
            <summary>SCIM JSON</summary>
            <div class="json">
              <CopyButton value={json} label="SCIM JSON" />
              <pre>{json}</pre>
            </div>
          </details>
        </>
      )}
    </section>
  );
}
