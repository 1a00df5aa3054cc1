// Which identity provider a page is about: Okta or Microsoft Entra ID. The Connect guide and
// the simulator each offer both, with the choice kept across restarts.

import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";

export type Idp = "okta" | "entra";
export const IDPS: Idp[] = ["okta", "entra"];
export const IDP_NAMES: Record<Idp, string> = { okta: "Okta", entra: "Microsoft Entra ID" };

function stored(key: string): Idp {
  try {
    const v = localStorage.getItem(key);
    return v === "entra" ? "entra" : "okta";
  } catch {
    return "okta";
  }
}

/** The identity provider chosen under `key` in localStorage (Okta until one is chosen). */
export function useStoredIdp(key: string): [Idp, (idp: Idp) => void] {
  const [idp, setIdp] = useState<Idp>(() => stored(key));
  const choose = (to: Idp) => {
    setIdp(to);
    try {
      localStorage.setItem(key, to);
    } catch {
      // Not kept across restarts then; the choice itself still works.
    }
  };
  return [idp, choose];
}

/** Two tabs as a segmented control: one Tab stop, the arrow keys (and Home, End) switch. The
 *  content they switch is the tab panel `panel` (see `IdpPanel`). */
export function IdpChoice(props: {
  value: Idp;
  onChange: (idp: Idp) => void;
  /** What is chosen, for screen readers: "Identity provider to connect". */
  label: string;
  /** The ids' prefix, and the test ids' (`guide` → `guide-okta`, `guide-entra`). */
  prefix: string;
}) {
  const list = useRef<HTMLDivElement>(null);
  const i = IDPS.indexOf(props.value);
  const go = (to: Idp) => {
    props.onChange(to);
    list.current?.querySelector<HTMLElement>(`#${props.prefix}-tab-${to}`)?.focus();
  };
  return (
    <div
      class="idp-choice"
      role="tablist"
      aria-label={props.label}
      ref={list}
      onKeyDown={(e) => {
        const to: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: IDPS.length - 1 };
        if (!(e.key in to)) return;
        e.preventDefault();
        go(IDPS[(to[e.key] + IDPS.length) % IDPS.length]);
      }}
    >
      {IDPS.map((p) => (
        <button
          type="button"
          role="tab"
          id={`${props.prefix}-tab-${p}`}
          aria-selected={props.value === p}
          aria-controls={`${props.prefix}-panel`}
          tabIndex={props.value === p ? 0 : -1}
          class={props.value === p ? "active" : ""}
          data-testid={`${props.prefix}-${p}`}
          onClick={() => props.onChange(p)}
        >
          {IDP_NAMES[p]}
        </button>
      ))}
    </div>
  );
}

/** What the choice switches. */
export function IdpPanel(props: { value: Idp; prefix: string; class?: string; children: ComponentChildren }) {
  return (
    <div class={props.class} role="tabpanel" id={`${props.prefix}-panel`} aria-labelledby={`${props.prefix}-tab-${props.value}`}>
      {props.children}
    </div>
  );
}
