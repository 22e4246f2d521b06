import { computed, reactive, readonly } from 'vue';
import type { AccessGrant, AuthUser } from '#common/api/auth.ts';
import * as auth from '../api/auth.ts';
import { configureAuth } from '../api/http.ts';

interface SessionState {
  user: AuthUser | null;
  /** Kept in memory only: a page reload gets a new one through the refresh cookie. */
  accessToken: string | null;
  /** False until the session has been restored on load. */
  restored: boolean;
}

const state = reactive<SessionState>({ user: null, accessToken: null, restored: false });

let refreshing: Promise<boolean> | undefined;

function accept(answer: AccessGrant): void {
  endNoticed = false;
  state.user = answer.user;
  state.accessToken = answer.accessToken;
}

function clear(): void {
  state.user = null;
  state.accessToken = null;
}

/** Gets a new access token through the refresh cookie; one request however many callers ask. */
function refreshSession(): Promise<boolean> {
  refreshing ??= auth
    .refresh()
    .then((answer) => {
      accept(answer);
      return true;
    })
    .catch(() => {
      clear();
      return false;
    })
    .finally(() => {
      refreshing = undefined;
    });
  return refreshing;
}

let endedHandler: (() => void) | undefined;
let endNoticed = false;

/** What the shell does when the session ends under a page (router.ts: go to log in). */
export function onSessionEnded(handler: () => void): void {
  endedHandler = handler;
}

configureAuth({
  token: () => state.accessToken ?? undefined,
  refresh: refreshSession,
  // Several calls of a page fail together: the person is sent to log in once.
  ended: () => {
    clear();
    if (endNoticed) return;
    endNoticed = true;
    endedHandler?.();
  },
});

let restoring: Promise<void> | undefined;

/** Restores the session on load (when the browser holds a session cookie); resolves once known. */
export function restoreSession(): Promise<void> {
  restoring ??= (auth.hasSessionCookie() ? refreshSession() : Promise.resolve(false)).then(() => {
    state.restored = true;
  });
  return restoring;
}

/** The logged-in person and what they can do. */
export function useSession() {
  return {
    state: readonly(state),
    user: computed(() => state.user),
    loggedIn: computed(() => state.user !== null),
    async login(email: string, password: string): Promise<AuthUser> {
      const answer = await auth.login(email, password);
      accept(answer);
      return answer.user;
    },
    async logout(): Promise<void> {
      try {
        await auth.logout();
      } finally {
        clear();
      }
    },
  };
}

/** The session's current user, outside components (router guards). */
export const currentUser = () => state.user;
