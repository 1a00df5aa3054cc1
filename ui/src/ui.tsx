// Small building blocks shared by the views.

import { Fragment, type ComponentChildren } from "preact";
import { useEffect, useId, useState } from "preact/hooks";
import { asError } from "./api";
import type { CommandError } from "./types";

/** A count as the window shows it: with thousands separators, always in the same (English)
 *  style, whatever the system's locale, so "1,234" never reads as a decimal. */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 user", "1,234 users". */
export function plural(n: number, one: string, many: string): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** A URL that wraps only after a slash, never inside the host or the port. */
export function BreakAfterSlashes(props: { text: string }) {
  const parts = props.text.match(/[^/]*\/+|[^/]+$/g) ?? [props.text];
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}

/** Whether a key press is typing into a field (where `/` and Esc belong to the field). */
export function typingIn(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  if (t.isContentEditable || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return true;
  return t instanceof HTMLInputElement && !["checkbox", "radio", "button", "submit", "reset"].includes(t.type);
}

/** A key press on the page for a view's own shortcuts; none while a dialog is open (its keys
 *  are its own) or when something already handled it. */
export function useKeyDown(handler: (e: KeyboardEvent) => void, deps: unknown[]) {
  useEffect(() => {
    const f = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector("dialog[open]")) return;
      handler(e);
    };
    document.addEventListener("keydown", f);
    return () => document.removeEventListener("keydown", f);
  }, deps);
}

/** Copies text; falls back to a hidden text area where the clipboard API is unavailable. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    if (!ok) throw new Error("The clipboard is not available; select the text and copy it by hand.");
  }
}

/** A token secret as lists show it: its prefix, then dots. */
export function masked(secret: string): string {
  return `${secret.slice(0, 9)}${"•".repeat(24)}`;
}

/** An expiry typed in days: `null` when left empty; throws a `CommandError` when not a whole number ≥ 1. */
export function expiryDays(text: string): number | null {
  const days = text.trim() ? Number(text) : null;
  if (days !== null && (!Number.isInteger(days) || days < 1))
    throw { code: "invalid_value", message: "The expiry must be a whole number of days, at least 1." } satisfies CommandError;
  return days;
}

/** A text box bound to a string: `onValue` on every keystroke, or only when the edit is
 *  committed (Enter or leaving the box) with `onCommit`. */
export function TextInput(props: {
  name: string;
  value: string;
  onValue: (value: string) => void;
  onCommit?: boolean;
  type?: "text" | "search";
  placeholder?: string;
  class?: string;
  /** The accessible name, for a box without a visible label. */
  label?: string;
  /** The view's search box: `/` focuses it. */
  search?: boolean;
  /** The value is wrong (said in the element `describedBy` names). */
  invalid?: boolean;
  /** The id of what describes the box (its error, a hint). */
  describedBy?: string;
}) {
  const handler = (e: Event) => props.onValue((e.target as HTMLInputElement).value);
  return (
    <input
      type={props.type ?? "text"}
      name={props.name}
      class={props.class}
      placeholder={props.placeholder}
      aria-label={props.label}
      aria-keyshortcuts={props.search ? "/" : undefined}
      aria-invalid={props.invalid ? true : undefined}
      aria-describedby={props.describedBy}
      value={props.value}
      {...(props.onCommit ? { onChange: handler } : { onInput: handler })}
    />
  );
}

/** A Copy button. `label` names what it copies for scripts (`data-copy`); `what` for people
 *  where several Copy buttons are near ("Copy request body"); `text` replaces the word "Copy". */
export function CopyButton(props: { value: string; label?: string; what?: string; text?: string; onCopied?: () => void }) {
  const [state, setState] = useState<"idle" | "done" | "failed">("idle");
  return (
    <button
      type="button"
      class={`copy ${state}`}
      data-copy={props.label ?? "value"}
      aria-label={props.what && state === "idle" ? `${props.text ?? "Copy"} (${props.what})` : undefined}
      onClick={async () => {
        try {
          await copyText(props.value);
          setState("done");
          props.onCopied?.();
        } catch {
          setState("failed");
        }
        setTimeout(() => setState("idle"), 1500);
      }}
    >
      {state === "done" ? "Copied" : state === "failed" ? "Copy failed" : (props.text ?? "Copy")}
    </button>
  );
}

/** A label, a value in monospace and a copy button: one Okta field. */
export function Field(props: { label: string; value: string; hint?: string }) {
  return (
    <div class="field" data-field={props.label}>
      <div class="field-label">{props.label}</div>
      <div class="field-value">
        <code>{props.value}</code>
        <CopyButton value={props.value} label={props.label} />
      </div>
      {props.hint && <div class="hint">{props.hint}</div>}
    </div>
  );
}

export function ErrorBox(props: { error: CommandError | null; onClose?: () => void }) {
  if (!props.error) return null;
  return (
    <div class="error-box" role="alert" data-code={props.error.code}>
      <span>{props.error.message}</span>
      {props.onClose && (
        <button type="button" class="link" onClick={props.onClose}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/** The errors of one form: an `invalid_value` about one of its fields is shown beside that
 *  field (see `FieldError`), anything else in the form's banner. */
export function useFormErrors<F extends string>() {
  const prefix = useId();
  const [state, setState] = useState<{ error: CommandError; field: F | null } | null>(null);
  const id = (f: F) => `${prefix}-${f}-error`;
  const at = (f: F) => (state?.field === f ? state.error : null);
  return {
    /** What the banner shows. */
    banner: state && state.field === null ? state.error : null,
    /** The field's error, if it has one. */
    at,
    /** For the field's input: invalid, and described by its message, while it has an error
     *  (and always by `hint`, the id of a hint it has). */
    input: (f: F, hint?: string) => ({
      "aria-invalid": at(f) ? (true as const) : undefined,
      "aria-describedby": [at(f) ? id(f) : null, hint].filter(Boolean).join(" ") || undefined,
    }),
    /** The message beside field `f`. */
    message: (f: F) => <FieldError id={id(f)} error={at(f)} />,
    /** Shows `e` beside `field` when it is a wrong value, in the banner otherwise. */
    fail: (e: unknown, field: F | null) => {
      const error = asError(e);
      setState({ error, field: error.code === "invalid_value" ? field : null });
    },
    clear: () => setState(null),
  };
}

/** What is wrong with one field's value, next to it. */
export function FieldError(props: { id: string; error: CommandError | null }) {
  if (!props.error) return null;
  return (
    <span class="field-error" id={props.id} role="alert" data-code={props.error.code}>
      {props.error.message}
    </span>
  );
}

export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

/** What the *Simulated* label means, wherever it is shown. */
export const SIMULATED_MEANING =
  "Sent by the simulator in this console with its own token, not by Okta or Entra ID. Simulated requests never verify a step of the Connect Okta or Connect Microsoft Entra ID guide.";

/** The label of a request the console's Okta simulator sent. */
export function SimulatedBadge() {
  return (
    <span class="badge badge-sim" title={SIMULATED_MEANING} data-simulated-label>
      Simulated
    </span>
  );
}

/** "3 min ago" for recent times, a local date and time otherwise. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const t = new Date(iso);
  const s = (Date.now() - t.getTime()) / 1000;
  if (s < 0) return t.toLocaleString();
  if (s < 10) return "just now";
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return t.toLocaleString();
}

// One timer for every relative time on screen.
const ticking = new Set<() => void>();
let ticker: number | undefined;

/** Renders the caller again every 15 s, so relative times move on. */
export function useTick() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const f = () => setTick((n) => n + 1);
    ticking.add(f);
    ticker ??= window.setInterval(() => ticking.forEach((t) => t()), 15000);
    return () => {
      ticking.delete(f);
      if (ticking.size === 0) {
        window.clearInterval(ticker);
        ticker = undefined;
      }
    };
  }, []);
}

/** A relative time that ticks, with the local date and time on hover. */
export function Time(props: { at: string | null | undefined }) {
  useTick();
  if (!props.at) return <span>—</span>;
  return (
    <time dateTime={props.at} title={new Date(props.at).toLocaleString()}>
      {when(props.at)}
    </time>
  );
}

// Dates as the window shows them: the local date and time in the system's words, and how long
// ago. Formatters made once: the users table formats two dates a row at every tick.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
const DATE_TIME_LONG = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const DAY_MONTH = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const DAY_MONTH_YEAR = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });

/** "2 Dec 2026, 14:03" (in the system's locale and time zone); `seconds`: with the weekday and
 *  the seconds, for tooltips. */
export function absolute(iso: string, seconds = false): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : (seconds ? DATE_TIME_LONG : DATE_TIME).format(t);
}

/** How long ago: "just now", "40 s ago", "3 min ago", "3 h ago", "2 d ago", "5 wk ago",
 *  "4 mo ago", "2 yr ago". */
export function ago(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = (now - t) / 1000;
  // A clock a little ahead of this one is "just now"; further ahead, it is said so.
  if (s < -60) return "in the future";
  if (s < 10) return "just now";
  if (s < 60) return `${Math.floor(s)} s ago`;
  const m = s / 60;
  if (m < 60) return `${Math.floor(m)} min ago`;
  const h = m / 60;
  if (h < 24) return `${Math.floor(h)} h ago`;
  const d = h / 24;
  if (d < 14) return `${Math.floor(d)} d ago`;
  if (d < 61) return `${Math.floor(d / 7)} wk ago`;
  if (d < 365) return `${Math.floor(d / 30.44)} mo ago`;
  return `${Math.floor(d / 365.25)} yr ago`;
}

/** Narrow: how long ago within a week, the date after that ("12 Mar", "12 Mar 2024"). */
export function shortWhen(iso: string, now = Date.now()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  if (now - t.getTime() < 7 * 86400000) return ago(iso, now);
  return (t.getFullYear() === new Date(now).getFullYear() ? DAY_MONTH : DAY_MONTH_YEAR).format(t);
}

/** "2 Dec 2026, 14:03 · 3 h ago". */
export function fullWhen(iso: string, now = Date.now()): string {
  return `${absolute(iso)} · ${ago(iso, now)}`;
}

/** A date that ticks: `full`, the local date and time and how long ago; otherwise the narrow
 *  form (`shortWhen`). The tooltip has both, to the second. `empty`: what no date reads as. */
export function When(props: { at: string | null | undefined; full?: boolean; empty?: string }) {
  useTick();
  if (!props.at) return <span class="muted">{props.empty ?? "—"}</span>;
  const now = Date.now();
  return (
    <time dateTime={props.at} title={`${absolute(props.at, true)} · ${ago(props.at, now)}`}>
      {props.full ? fullWhen(props.at, now) : shortWhen(props.at, now)}
    </time>
  );
}

export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      {/* Focusable from script: a view opened from a button of another takes the focus here. */}
      <h1 tabIndex={-1}>{props.title}</h1>
      <div class="page-actions">{props.children}</div>
    </header>
  );
}
