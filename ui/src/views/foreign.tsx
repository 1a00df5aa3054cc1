// A foreign SCIM server, read through SCIM alone: its users and groups as the last complete read
// found them, what that read changed since the one before, and how the reads go (every
// interval, or at once with Refresh now). Its Health page has the checks alone: its log, tokens
// and settings are its own.

import type { ComponentChildren } from "preact";
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, onForeignUpdated } from "../api";
import type { CommandError, DiffKind, ForeignView, Progress } from "../types";
import { absolute, Badge, BreakAfterSlashes, ErrorBox, num, PageHeader, plural } from "../ui";
import { ChecksCard } from "./checks";
import { useConnection } from "./connections";
import { SearchForm, useSearch } from "./groups";

/** The most users (and groups) `foreign_view` answers with. */
const MAX_ROWS = 1000;

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A time of today's reads, to the second ("14:02:11"); the date in the tooltip. */
function Clock(props: { at: string }) {
  const t = new Date(props.at);
  if (Number.isNaN(t.getTime())) return <span>{props.at}</span>;
  return (
    <time dateTime={props.at} title={absolute(props.at, true)}>
      {CLOCK.format(t)}
    </time>
  );
}

/** The foreign server as last read, read again whenever the server was (or a page of a read
 *  under way arrived) and for every new search. */
function useForeign(text: string) {
  const [view, setView] = useState<ForeignView | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const textNow = useRef(text);
  textNow.current = text;
  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const t = textNow.current;
        try {
          const v = await api.foreignView(t || null);
          // Another search was asked for meanwhile: its own run follows.
          if (t !== textNow.current) return;
          setView(v);
          setError(null);
        } catch (e) {
          if (t === textNow.current) setError(asError(e));
        }
      }),
    [],
  );
  useEffect(() => {
    refresh();
  }, [text]);
  // Read once more when the listener is in place: a read that ended while it was being
  // registered is not missed.
  useEffect(() => {
    let stopped = false;
    const again = () => {
      if (!stopped) refresh();
    };
    const un = onForeignUpdated(again);
    un.then(again).catch(() => undefined);
    return () => {
      stopped = true;
      un.then((f) => f()).catch(() => undefined);
    };
  }, []);
  return { view, error };
}

/** "Reading users: 200 of 1,000", with its bar. */
function ReadProgress(props: { progress: Progress }) {
  const p = props.progress;
  const id = useId();
  return (
    <div class="foreign-progress">
      <progress data-testid="foreign-progress" aria-labelledby={id} value={p.fetched} max={Math.max(p.total, p.fetched, 1)} />
      <span id={id}>
        Reading {p.resource.toLowerCase()}: {num(p.fetched)}
        {p.total > 0 && <> of {num(p.total)}</>}
      </span>
    </div>
  );
}

/** No read has completed yet (and none failed): the first is under way. */
function firstRead(v: ForeignView): boolean {
  return v.reads === 0 && !v.error;
}

/** How the reads go: how often, the last and the next, a read under way, why the last failed. */
function ReadStatus(props: { view: ForeignView }) {
  const v = props.view;
  const [error, setError] = useState<CommandError | null>(null);
  const refresh = async () => {
    try {
      await api.foreignRefresh();
      setError(null);
    } catch (e) {
      setError(asError(e));
    }
  };
  return (
    <>
      <div class="foreign-poll">
        <span data-testid="foreign-poll">
          Read every {num(v.interval_seconds)} s ·{" "}
          {v.polled_at ? (
            <>
              last read <Clock at={v.polled_at} />
            </>
          ) : (
            "not read yet"
          )}
          {v.progress ? (
            " · reading now"
          ) : v.next_poll_at ? (
            <>
              {" "}
              · next <Clock at={v.next_poll_at} />
            </>
          ) : null}
        </span>
        <button type="button" class="secondary small" data-action="foreign-refresh" title="Read the server again now" onClick={refresh}>
          Refresh now
        </button>
      </div>
      {v.progress && !firstRead(v) && <ReadProgress progress={v.progress} />}
      {v.error && (
        <div class="error-box" role="alert" data-testid="foreign-error">
          <span>
            The last read failed: {v.error}
            {v.reads > 0 && " What is listed is from the read before."}
          </span>
        </div>
      )}
      <ErrorBox error={error} onClose={() => setError(null)} />
    </>
  );
}

/** The first read, until it completes: where it reads from, and how far it has come. */
function Reading(props: { view: ForeignView }) {
  const v = props.view;
  return (
    <div class="card foreign-reading" role="status" data-testid="foreign-reading">
      <p>
        Reading{" "}
        <code>
          <BreakAfterSlashes text={v.url} />
        </code>
        …
      </p>
      {v.progress && <ReadProgress progress={v.progress} />}
    </div>
  );
}

/** "3 users · 1 group" (groups left out when the server offers none). */
function totals(v: ForeignView): string {
  if (firstRead(v)) return "Not read yet";
  const users = plural(v.total_users, "user", "users");
  return v.groups_offered ? `${users} · ${plural(v.total_groups, "group", "groups")}` : users;
}

/** What the last read changed about a row, in words. */
function changeWords(change: DiffKind | null, attributes: string[]): string {
  switch (change) {
    case "added":
      return "New since the last read";
    case "changed":
      return attributes.length > 0 ? `Changed: ${attributes.join(", ")}` : "Changed";
    case "removed":
      return "Gone since the last read";
    case null:
      return "";
  }
}

/** The users or groups the last read no longer found. */
function Removed(props: { view: ForeignView; resource: "User" | "Group" }) {
  const id = useId();
  const { view } = props;
  const gone = view.removed.filter((c) => c.resource === props.resource);
  if (gone.length === 0) return null;
  // The view carries the first 1,000 of users and groups together; say when more went.
  const more = view.removed_total - view.removed.length;
  return (
    <section class="card foreign-removed" data-testid="foreign-removed" aria-labelledby={id}>
      <h2 id={id}>Gone since the last read</h2>
      <ul>
        {gone.map((c) => (
          <li key={`${c.resource}/${c.id}`} class="mono" data-removed={c.name} title={`${c.resource} id ${c.id}`}>
            {c.name}
          </li>
        ))}
      </ul>
      {more > 0 && <p class="hint">…and {num(more)} more not listed here.</p>}
    </section>
  );
}

/** The name the pages go by: the connection's, as the foreign view or the sidebar has it. */
function useName(v: ForeignView | null): string {
  const { view } = useConnection();
  return v?.name ?? view?.current ?? "";
}

/** What both foreign pages show around their lists: the header with the totals, how the reads
 *  go, and the first read's progress; the list (`children`) once a read has completed. */
function ForeignPage(props: {
  testid: string;
  title: string;
  view: ForeignView | null;
  error: CommandError | null;
  children: (v: ForeignView) => ComponentChildren;
}) {
  const { view: v, error } = props;
  return (
    <section class="view foreign-view" data-testid={props.testid}>
      <PageHeader title={props.title}>
        <span class="muted" data-testid="foreign-totals" aria-live="polite">
          {v ? totals(v) : error ? "Not loaded" : "Loading…"}
        </span>
      </PageHeader>
      <ErrorBox error={error} />
      {v && <ReadStatus view={v} />}
      {v && firstRead(v) && <Reading view={v} />}
      {v && !firstRead(v) && props.children(v)}
    </section>
  );
}

export function ForeignUsersView() {
  const search = useSearch();
  const text = search.text;
  const { view: v, error } = useForeign(text);
  const name = useName(v);
  return (
    <ForeignPage testid="foreign" title={`Users on ${name}`} view={v} error={error}>
      {(v) => (
        <>
          <SearchForm
            name="foreign-text"
            label="Search users"
            placeholder="Search userName, name or email"
            {...search.form}
          >
            {text && (
              <span class="muted" role="status">
                {v.users.length >= MAX_ROWS
                  ? `The first ${num(MAX_ROWS)} matches are listed`
                  : plural(v.users.length, "user matches", "users match")}
              </span>
            )}
          </SearchForm>
          <div class="table-box">
            <table role="table" class="data-table foreign-table foreign-users" data-testid="foreign-users" aria-label={`Users on ${name}`}>
              <thead role="rowgroup">
                <tr role="row">
                  <th role="columnheader" scope="col" title="The user's SCIM userName">
                    userName
                  </th>
                  <th role="columnheader" scope="col">
                    Name
                  </th>
                  <th role="columnheader" scope="col">
                    Email
                  </th>
                  <th role="columnheader" scope="col" title="The user's SCIM active attribute">
                    Status
                  </th>
                  <th role="columnheader" scope="col" title="What the last read found different from the one before">
                    Since the last read
                  </th>
                </tr>
              </thead>
              <tbody role="rowgroup">
                {v.users.map((u) => (
                  <tr
                    key={u.id}
                    role="row"
                    class={u.change ? `change-${u.change}` : ""}
                    data-foreign-user={u.user_name}
                    data-change={u.change ?? ""}
                  >
                    <td role="cell" class="mono">
                      {u.user_name}
                    </td>
                    <td role="cell">{u.name || <span class="muted">—</span>}</td>
                    <td role="cell">{u.email ?? <span class="muted">—</span>}</td>
                    <td role="cell">
                      {u.active === null ? (
                        <span class="muted" title="The server does not say">
                          —
                        </span>
                      ) : u.active ? (
                        <Badge kind="ok">Active</Badge>
                      ) : (
                        <Badge kind="off">Inactive</Badge>
                      )}
                    </td>
                    <td role="cell" class="change-note">
                      {changeWords(u.change, u.changed)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {v.users.length === 0 && <p class="empty">{text ? "No user matches." : "This server has no users."}</p>}
          </div>
          {!text && v.users.length >= MAX_ROWS && v.total_users > v.users.length && (
            <p class="muted">
              The first {num(v.users.length)} of {plural(v.total_users, "user", "users")} are listed, changed ones first: search to find
              the others.
            </p>
          )}
          <Removed view={v} resource="User" />
        </>
      )}
    </ForeignPage>
  );
}

export function ForeignGroupsView() {
  // `foreign_view` searches users only: the groups (at most MAX_ROWS) are searched here.
  const search = useSearch();
  const text = search.text;
  const { view: v, error } = useForeign("");
  const name = useName(v);
  const needle = text.toLowerCase();
  const groups = v ? (needle ? v.groups.filter((g) => g.display_name.toLowerCase().includes(needle)) : v.groups) : [];
  return (
    <ForeignPage testid="foreign-groups" title={`Groups on ${name}`} view={v} error={error}>
      {(v) => (
        <>
          {!v.groups_offered && (
            <p class="card foreign-no-groups" data-testid="foreign-no-groups">
              This server offers no /Groups.
            </p>
          )}
          {v.groups_offered && (
            <>
              <SearchForm
                name="foreign-group-text"
                label="Search groups"
                placeholder="Search group names"
                {...search.form}
              >
                {text && (
                  <span class="muted" role="status">
                    {plural(groups.length, "group matches", "groups match")}
                  </span>
                )}
              </SearchForm>
              <div class="table-box">
                <table role="table" class="data-table foreign-table foreign-groups" data-testid="foreign-groups-table" aria-label={`Groups on ${name}`}>
                  <thead role="rowgroup">
                    <tr role="row">
                      <th role="columnheader" scope="col" title="The group's displayName">
                        Name
                      </th>
                      <th role="columnheader" scope="col" class="num" title="How many members the group lists">
                        Members
                      </th>
                      <th role="columnheader" scope="col" title="What the last read found different from the one before">
                        Since the last read
                      </th>
                    </tr>
                  </thead>
                  <tbody role="rowgroup">
                    {groups.map((g) => (
                      <tr
                        key={g.id}
                        role="row"
                        class={g.change ? `change-${g.change}` : ""}
                        data-foreign-group={g.display_name}
                        data-change={g.change ?? ""}
                      >
                        <td role="cell">{g.display_name || <span class="muted">—</span>}</td>
                        <td role="cell" class="num" data-count={g.members}>
                          {num(g.members)}
                        </td>
                        <td role="cell" class="change-note">
                          {changeWords(g.change, g.changed)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {groups.length === 0 && <p class="empty">{text ? "No group matches." : "This server has no groups."}</p>}
              </div>
              {v.groups.length >= MAX_ROWS && v.total_groups > v.groups.length && (
                <p class="muted">
                  The first {num(v.groups.length)} of {plural(v.total_groups, "group", "groups")} are listed (and searched), changed ones first.
                </p>
              )}
            </>
          )}
          <Removed view={v} resource="Group" />
        </>
      )}
    </ForeignPage>
  );
}

/** Health for a foreign server: the checks alone, with the connection's own token. */
export function ForeignHealthPage() {
  const { view } = useConnection();
  const profile = view?.profiles.find((p) => p.name === view.current);
  if (!view || !profile) return null;
  return (
    <section class="view health-view" data-testid="foreign-health">
      <PageHeader title="Health" />
      <p class="connections-intro">
        “{profile.name}” is read through SCIM alone: its request log, tokens and settings are its own, so this page has its checks only.
      </p>
      <ChecksCard foreign={{ name: profile.name, url: view.url, allowWrites: profile.allow_writes }} />
    </section>
  );
}
