// Zoom with Ctrl+= / Ctrl++ (in), Ctrl+- (out) and Ctrl+0 (back to 100%), as in a browser:
// the webview does not do it by itself. The level is kept across restarts, and shown on
// <html> as `data-zoom` (a percentage).

import { useEffect, useRef, useState } from "preact/hooks";

/** The levels browsers step through, in per cent. */
const LEVELS = [50, 67, 75, 80, 90, 100, 110, 125, 150, 175, 200];
const KEY = "scim-console.zoom";

function stored(): number {
  try {
    const n = Number(localStorage.getItem(KEY));
    return LEVELS.includes(n) ? n : 100;
  } catch {
    return 100;
  }
}

function apply(level: number) {
  const html = document.documentElement;
  html.style.setProperty("zoom", level === 100 ? "" : String(level / 100));
  html.dataset.zoom = String(level);
}

// Before the first render, so a zoomed window never flashes at 100%.
apply(stored());

/** What a key press asks of the zoom: a step in or out, back to 100%, or nothing. */
function zoomKey(e: KeyboardEvent): "in" | "out" | "reset" | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  // By the character where the layout has it, by the key's place otherwise (Ctrl+Shift+=
  // types "+" on a US layout; the numeric keypad has its own keys).
  if (e.key === "=" || e.key === "+" || e.code === "NumpadAdd") return "in";
  if (e.key === "-" || e.key === "_" || e.code === "NumpadSubtract") return "out";
  if (e.key === "0" || e.code === "Numpad0" || e.code === "Digit0") return "reset";
  return null;
}

/** Listens for the zoom keys; shows the new level for a moment after a change. */
export function ZoomKeys() {
  const level = useRef(stored());
  const [shown, setShown] = useState<number | null>(null);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = zoomKey(e);
      if (!k) return;
      e.preventDefault();
      const i = LEVELS.indexOf(level.current);
      const next = k === "reset" ? 100 : LEVELS[Math.max(0, Math.min(LEVELS.length - 1, i + (k === "in" ? 1 : -1)))];
      level.current = next;
      apply(next);
      try {
        localStorage.setItem(KEY, String(next));
      } catch {
        // Not kept across restarts then; the zoom itself still works.
      }
      setShown(next);
      clearTimeout(timer.current);
      timer.current = window.setTimeout(() => setShown(null), 1500);
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      clearTimeout(timer.current);
    };
  }, []);
  return (
    <div class={`zoom-level${shown === null ? "" : " shown"}`} role="status" data-testid="zoom-level">
      {shown === null ? "" : `Zoom ${shown}%`}
    </div>
  );
}
