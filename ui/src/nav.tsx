// Moving between views from inside one: a finding's "Show user" opens Users on that user, its
// "Show the request" opens Activity on that entry. The app owns the current view (main.tsx);
// views reach it through this context, with parameters typed per view.

import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** The views of the sidebar, in its order. */
export const VIEW_NAMES = ["onboarding", "users", "groups", "activity", "health", "simulator", "tokens", "roles", "settings", "connections"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** What a view can be opened on. Every field is optional: the sidebar opens each view bare. */
export interface ViewParams {
  onboarding: Record<string, never>;
  /** `user`: a userName, searched for and opened in the user's panel. */
  users: { user?: string };
  /** `group`: the id of a group, whose page is opened. */
  groups: { group?: string };
  /** `event`: an entry of the log, opened and scrolled to; the filters: what the list starts with
   *  (`user`: part of a userName, as typed in the User filter). */
  activity: { event?: number; errorsOnly?: boolean; hideSimulated?: boolean; user?: string };
  health: Record<string, never>;
  simulator: Record<string, never>;
  tokens: Record<string, never>;
  roles: Record<string, never>;
  /** `section`: the card scrolled to. */
  settings: { section?: "guard" | "policy" };
  connections: Record<string, never>;
}

export type Navigate = <V extends ViewName>(view: V, params?: ViewParams[V]) => void;

export interface Nav {
  /** Opens a view; with parameters, a fresh one (the view's own state starts over). */
  navigate: Navigate;
  /** Shows the deprovisioning guard's held requests: the banner when it holds, else its settings. */
  showGuard: () => void;
}

export const NavContext = createContext<Nav>({ navigate: () => undefined, showGuard: () => undefined });

export function useNav(): Nav {
  return useContext(NavContext);
}
