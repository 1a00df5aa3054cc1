// The deprovisioning guard on every screen: while it holds deactivations and deletions, a
// banner says how many, since when, why and from whom, lists them, and lets the admin release
// them or keep holding. Refreshed by the event log's notices (every held request is logged).

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, asError, coalesced, followEvents } from "../api";
import type { CommandError, GuardView, HeldRequest } from "../types";
import { ErrorBox, num, plural, SimulatedBadge, Time } from "../ui";

/** What the admin was told when choosing "Keep holding": hidden until more is held. */
interface Dismissal {
  trippedAt: string | null;
  total: number;
}

export interface Guard {
  status: GuardView | null;
  /** Holding, and the banner is shown. */
  showing: boolean;
  /** Holding, but the admin chose to keep holding and hid the banner. */
  hidden: boolean;
  keepHolding: () => void;
  show: () => void;
  /** Shows the banner with its held requests listed, scrolled to and focused (a finding's
   *  "Show held requests"). */
  reveal: () => void;
  /** Counts the calls of `reveal`: the banner acts on each new value. */
  revealed: number;
  release: () => Promise<void>;
  /** How many held changes the last release let through (until dismissed). */
  released: number | null;
  clearReleased: () => void;
  error: CommandError | null;
  clearError: () => void;
}

/** The guard's state, kept for the whole window. `connection` names the server shown: when it
 *  changes, the state of the one before is dropped and the new one's is read; `null` reads
 *  nothing (a foreign server has no guard of this console). */
export function useGuard(connection: string | null): Guard {
  const [status, setStatus] = useState<GuardView | null>(null);
  const [dismissal, setDismissal] = useState<Dismissal | null>(null);
  const [released, setReleased] = useState<number | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [revealed, setRevealed] = useState(0);
  const shown = useRef(connection);
  shown.current = connection;
  const refresh = useMemo(
    () =>
      coalesced(async () => {
        const from = shown.current;
        if (from === null) return;
        try {
          const s = await api.guardStatus();
          // Read from the server shown before a switch: not this one's guard.
          if (from === shown.current) setStatus(s);
        } catch (e) {
          if (from === shown.current) setError(asError(e));
        }
      }),
    [],
  );
  useEffect(() => {
    setStatus(null);
    setDismissal(null);
    setReleased(null);
    setError(null);
    if (connection === null) return;
    refresh();
    return followEvents(refresh);
  }, [connection]);
  const holding = !!status?.holding;
  // A new trip, or one more held request, shows the banner again.
  const hidden =
    holding && dismissal !== null && dismissal.trippedAt === status!.tripped_at && status!.total <= dismissal.total;
  return {
    status,
    showing: holding && !hidden,
    hidden,
    keepHolding: () => status && setDismissal({ trippedAt: status.tripped_at, total: status.total }),
    show: () => setDismissal(null),
    reveal: () => {
      setDismissal(null);
      setRevealed((n) => n + 1);
    },
    revealed,
    release: async () => {
      try {
        const n = await api.guardRelease();
        setReleased(n);
        setDismissal(null);
        setError(null);
      } catch (e) {
        setError(asError(e));
      }
      await refresh();
    },
    released,
    clearReleased: () => setReleased(null),
    error,
    clearError: () => setError(null),
  };
}

/** "3 deactivations", "1 deletion", or "5 deactivations and deletions" when mixed or when not
 *  every held request is listed. */
export function heldPhrase(g: GuardView): string {
  const listed = g.held.length === g.total;
  const kinds = new Set(g.held.map((h) => h.kind));
  if (listed && kinds.size === 1 && kinds.has("deactivate")) return plural(g.total, "deactivation", "deactivations");
  if (listed && kinds.size === 1 && kinds.has("delete")) return plural(g.total, "deletion", "deletions");
  return `${num(g.total)} deactivations and deletions`;
}

/** The clients and tokens the held requests came from, most frequent first. */
function senders(held: HeldRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const h of held) {
    const who = h.simulated
      ? "the simulator in this console (simulated, not the identity provider)"
      : `${h.client ?? "an unknown client"}${h.token_name ? ` with the token “${h.token_name}”` : " without a token"}`;
    counts.set(who, (counts.get(who) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([who]) => who);
}

function HeldTable(props: { status: GuardView }) {
  const s = props.status;
  return (
    <div class="held" id="guard-held" tabIndex={0} aria-label="Held requests" data-testid="guard-held">
      <table class="simple compact">
        <thead>
          <tr>
            <th>User</th>
            <th>Change</th>
            <th>Client</th>
            <th>Token</th>
            <th>Attempts</th>
            <th>Last attempt</th>
          </tr>
        </thead>
        <tbody>
          {s.held.map((h) => (
            <tr data-held={h.user_name ?? h.resource_id}>
              <td class="mono wrap" title={`User id ${h.resource_id}`}>
                {h.user_name ?? h.resource_id}
              </td>
              <td>{h.kind === "delete" ? "Delete" : "Deactivate"}</td>
              <td class="wrap" title={h.address ? `From ${h.address}` : undefined}>
                {h.simulated && <SimulatedBadge />}
                {h.client ?? "unknown client"}
              </td>
              <td class="wrap">{h.token_name ?? "—"}</td>
              <td>{num(h.attempts)}</td>
              <td>
                <Time at={h.last_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.total > s.held.length && (
        <p class="hint">
          The oldest {num(s.held.length)} of {plural(s.total, "held request", "held requests")} are listed;{" "}
          <code>scim-console guard status</code> lists them all.
        </p>
      )}
    </div>
  );
}

export function GuardBanner(props: { guard: Guard }) {
  const g = props.guard;
  const s = g.status;
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const releaseRef = useRef<HTMLButtonElement>(null);
  const confirmRef = useRef<HTMLDivElement>(null);
  const doneRef = useRef<HTMLDivElement>(null);
  // Where the focus goes back once what it was in has closed (after the next render, when the
  // button it goes back to is on screen again). Focus moves in layout effects: at once, before
  // the next key press can arrive.
  const focusBack = useRef<"toggle" | "release" | null>(null);
  useLayoutEffect(() => {
    const to = focusBack.current === "toggle" ? toggleRef : focusBack.current === "release" ? releaseRef : null;
    focusBack.current = null;
    to?.current?.focus();
  });
  const cancel = () => {
    setConfirming(false);
    focusBack.current = "release";
  };

  // The explanation is read first; Tab then reaches the confirm button.
  useLayoutEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  useLayoutEffect(() => {
    if (g.released !== null) doneRef.current?.focus();
  }, [g.released]);
  useEffect(() => {
    if (!g.showing) {
      setOpen(false);
      setConfirming(false);
    }
  }, [g.showing]);
  // Asked for from elsewhere (a finding on the Health page): the list open, in view, and the
  // focus on its toggle, so the keyboard is where the held requests are.
  const bannerRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (g.revealed === 0 || !g.showing) return;
    setOpen(true);
    bannerRef.current?.scrollIntoView({ block: "start" });
    toggleRef.current?.focus({ preventScroll: true });
  }, [g.revealed]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    if (confirming) cancel();
    else if (open) {
      setOpen(false);
      focusBack.current = "toggle";
    } else return;
    e.stopPropagation();
  };

  const done =
    g.released !== null ? (
      <div class="guard-released" role="status" tabIndex={-1} ref={doneRef} data-testid="guard-released">
        <span>
          Released {plural(g.released, "held change", "held changes")}. They are applied when the identity provider
          retries them; the guard keeps watching with a fresh count.
        </span>
        <button type="button" class="link" onClick={g.clearReleased}>
          Dismiss
        </button>
      </div>
    ) : null;

  if (!s || !g.showing)
    return (
      <>
        <ErrorBox error={g.error} onClose={g.clearError} />
        {done}
      </>
    );

  const from = senders(s.held);
  const n = s.total;
  return (
    <div class="guard-banner" role="alert" data-testid="guard-banner" ref={bannerRef} onKeyDown={onKeyDown}>
      <p class="guard-headline">
        <strong>
          The deprovisioning guard is holding <span data-testid="guard-count">{heldPhrase(s)}</span> since{" "}
          <Time at={s.tripped_at} />
        </strong>
        {s.reason ? <> — {s.reason}.</> : "."}
      </p>
      {from.length > 0 && (
        <p class="guard-from">
          Sent by {from.slice(0, 3).join("; ")}
          {from.length > 3 && `; and ${plural(from.length - 3, "other", "others")}`}.
        </p>
      )}
      <p class="guard-help">
        Nothing of them was applied; the identity provider was told to try again later. If they are expected, release
        them. If not (a group unassigned by mistake, a changed scope), correct it in the identity provider and keep
        holding. <span class="muted">The rule: {s.rule}{s.on ? "" : " (the guard is off now)"}; change it under Settings.</span>
      </p>
      {open && <HeldTable status={s} />}
      {confirming ? (
        <div class="guard-confirm" role="group" aria-labelledby="guard-confirm-title" data-testid="guard-confirm">
          <div tabIndex={-1} ref={confirmRef} class="guard-confirm-text">
            <p id="guard-confirm-title">
              <strong>Release {plural(n, "held change", "held changes")}?</strong>
            </p>
            <p>
              The held changes are applied when the identity provider retries them: Microsoft Entra ID retries on its
              next provisioning cycles (about every 40 minutes); in Okta, retry the failed tasks under Dashboard &gt;
              Tasks. The guard keeps watching with a fresh count.
            </p>
          </div>
          <div class="guard-actions">
            <button
              type="button"
              class="danger-solid"
              data-action="guard-release-confirm"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                await g.release();
                setBusy(false);
                setConfirming(false);
              }}
            >
              {busy ? "Releasing…" : `Release ${plural(n, "change", "changes")}`}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={cancel}
            >
              Cancel
            </button>
            <span class="hint">Esc cancels.</span>
          </div>
        </div>
      ) : (
        <div class="guard-actions">
          <button
            type="button"
            class="secondary"
            ref={toggleRef}
            aria-expanded={open}
            aria-controls="guard-held"
            data-action="guard-show-held"
            onClick={() => setOpen(!open)}
          >
            {open ? "Hide held requests" : "Show held requests"}
          </button>
          <button type="button" class="danger-solid" ref={releaseRef} data-action="guard-release" onClick={() => setConfirming(true)}>
            Release…
          </button>
          <button
            type="button"
            class="secondary"
            data-action="guard-keep"
            title="Hide this banner until another request is held; the server keeps refusing them."
            onClick={() => {
              g.keepHolding();
              // The sidebar's reminder takes the focus, so the keyboard is not lost.
              window.setTimeout(() => document.querySelector<HTMLElement>("[data-testid=\"guard-indicator\"]")?.focus(), 0);
            }}
          >
            Keep holding
          </button>
        </div>
      )}
      <ErrorBox error={g.error} onClose={g.clearError} />
    </div>
  );
}

/** The sidebar's reminder while the banner is hidden by "Keep holding". */
export function GuardIndicator(props: { guard: Guard }) {
  const g = props.guard;
  if (!g.hidden || !g.status) return null;
  return (
    <button
      type="button"
      class="guard-indicator"
      data-testid="guard-indicator"
      title="The server keeps refusing these deactivations and deletions. Show the banner to release them."
      onClick={g.show}
    >
      <strong>Guard holding {num(g.status.total)}</strong>
      <span class="guard-indicator-action">Show the banner</span>
    </button>
  );
}
