// The window's one confirmation dialog, in place of `window.confirm()`: a title, what happens
// in words, and a button named for the action. Any view asks with `confirmAction`; the
// dialog itself is rendered once, by the app (`ConfirmHost`).

import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";

export interface ConfirmRequest {
  title: string;
  /** What happens, and what the admin must do elsewhere because of it. */
  body: ComponentChildren;
  /** The action's button, with a specific verb: "Revoke token", not "OK". */
  action: string;
  /** Destroys or loses something: the button is red and the focus starts on Cancel, so an
   *  Enter pressed out of habit does nothing harmful. */
  destructive?: boolean;
}

interface Open extends ConfirmRequest {
  resolve: (ok: boolean) => void;
  /** What had the focus when the dialog opened; it gets it back. */
  opener: HTMLElement | null;
}

let ask: ((r: Open) => void) | null = null;

/** Asks the admin to confirm; true when they chose the action. */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  return new Promise((resolve) => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (ask) ask({ ...request, resolve, opener });
    else resolve(false);
  });
}

export function ConfirmHost() {
  const [open, setOpen] = useState<Open | null>(null);
  const current = useRef<Open | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const ok = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  ask = (r) => {
    // A second question while one is open answers the first with "no".
    current.current?.resolve(false);
    current.current = r;
    setOpen(r);
  };

  useLayoutEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open) {
      if (!d.open) d.showModal();
      (open.destructive ? cancel : ok).current?.focus();
    } else if (d.open) d.close();
  }, [open]);

  const finish = (answer: boolean) => {
    const r = current.current;
    if (!r) return;
    current.current = null;
    setOpen(null);
    // Closed at once: the page behind a modal dialog cannot take the focus back.
    if (dialog.current?.open) dialog.current.close();
    // Back where the admin was, unless the action took that control away.
    if (r.opener?.isConnected) r.opener.focus();
    r.resolve(answer);
  };

  return (
    <dialog
      ref={dialog}
      class={`confirm-dialog${open?.destructive ? " destructive" : ""}`}
      data-testid="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      // Esc cancels: handled here so no view's own Esc (closing a panel) sees it too.
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        finish(false);
      }}
      onCancel={(e) => {
        e.preventDefault();
        finish(false);
      }}
    >
      {open && (
        <>
          <h2 id="confirm-title">{open.title}</h2>
          <div id="confirm-body" class="confirm-body">
            {open.body}
          </div>
          <div class="dialog-actions">
            <button type="button" ref={ok} class={open.destructive ? "danger-solid" : ""} data-testid="confirm-ok" onClick={() => finish(true)}>
              {open.action}
            </button>
            <button type="button" ref={cancel} class="secondary" data-testid="confirm-cancel" onClick={() => finish(false)}>
              Cancel
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
