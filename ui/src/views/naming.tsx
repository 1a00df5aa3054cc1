// Group names that carry roles (the `group-role-pattern` and `org-name` settings): the name of
// the group for every role, and which role a name would grant, worked out here as the server
// does (group_roles.rs) so the admin sees it while typing.

import { useId, useState } from "preact/hooks";
import type { GroupNaming } from "../types";
import { CopyButton } from "../ui";

/** Spaces are written as underscores in group names. */
function underscored(s: string): string {
  return s.trim().split(" ").join("_");
}

/** What a group called `name` grants: a defined role, a role that is not defined (`unknown`:
 *  the server refuses to create such a group), or nothing (the name does not follow the
 *  pattern). */
export type Granted = { kind: "role"; role: string } | { kind: "unknown"; role: string } | { kind: "none" };

export function roleOfGroup(naming: GroupNaming, name: string): Granted {
  if (!naming.pattern) return { kind: "none" };
  const pattern = naming.pattern.trim().replace("{org}", underscored(naming.org));
  const at = pattern.indexOf("{role}");
  if (at < 0) return { kind: "none" };
  const before = pattern.slice(0, at);
  const after = pattern.slice(at + "{role}".length);
  // As the server reads it: the pattern's text exactly (case included), the role between.
  if (name.length <= before.length + after.length || !name.startsWith(before) || !name.endsWith(after)) return { kind: "none" };
  const role = name.slice(before.length, name.length - after.length).split("_").join(" ");
  const known = naming.examples.find((e) => e.role.toLowerCase() === role.toLowerCase());
  return known ? { kind: "role", role: known.role } : { kind: "unknown", role };
}

/** Every defined role's group: "BigPanda_acme_BPRole_Analyst → Analyst". */
export function NamingTable(props: { naming: GroupNaming; caption: string }) {
  return (
    <table class="simple compact naming-table">
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Group name</th>
          <th scope="col">
            <span class="sr-only">grants</span>
          </th>
          <th scope="col">Role</th>
        </tr>
      </thead>
      <tbody>
        {props.naming.examples.map((e) => (
          <tr data-group={e.group} data-role={e.role}>
            <td class="wrap">
              <span class="naming-group">
                <code>{e.group}</code>
                <CopyButton value={e.group} label={`group ${e.group}`} what={e.group} />
              </span>
            </td>
            <td aria-hidden="true" class="muted">
              →
            </td>
            <td>{e.role}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A box to type a group name into, and the role it would grant. */
export function NamingTry(props: { naming: GroupNaming }) {
  const id = useId();
  const [name, setName] = useState(props.naming.examples[0]?.group ?? "");
  const typed = name.trim();
  const granted = roleOfGroup(props.naming, typed);
  return (
    <div class="naming-try">
      <label for={`${id}-name`}>Try a group name</label>
      <input
        id={`${id}-name`}
        name="naming-try"
        class="mono"
        value={name}
        spellcheck={false}
        autocomplete="off"
        aria-describedby={`${id}-result`}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <p class="naming-result" id={`${id}-result`} aria-live="polite" data-testid="naming-result" data-role={granted.kind === "role" ? granted.role : ""}>
        {!typed ? (
          <span class="muted">Type the name of a group to see the role it grants.</span>
        ) : granted.kind === "role" ? (
          <>
            grants the role <strong>{granted.role}</strong>
          </>
        ) : granted.kind === "unknown" ? (
          <span class="status-error">
            grants no role: it follows the pattern, but there is no role “{granted.role}” (a group with this name is refused)
          </span>
        ) : (
          <>
            grants no role <span class="muted">(the name does not follow the pattern; upper and lower case count)</span>
          </>
        )}
      </p>
    </div>
  );
}
