import type { Problem } from '#common/api/problem.ts';

/** A failed API call: the HTTP status (0 when the server could not be reached) and its problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem> = {},
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

interface AuthHooks {
  /** The access token, when someone is logged in. */
  token(): string | undefined;
  /** Gets a new access token through the refresh cookie; false when the session is over. */
  refresh(): Promise<boolean>;
  /**
   * Called once when a call that carried a token is refused (401) and the refresh cookie gets no
   * new one: the session was revoked or has expired. The shell takes the person to log in.
   */
  ended?(): void;
}

let auth: AuthHooks = { token: () => undefined, refresh: async () => false };

/**
 * A 401 to a call sent with a token: refresh once and send again; when the refresh is refused too,
 * the session is over and the shell is told (every page inherits this: none handles 401 itself).
 */
async function withSession(send: () => Promise<Response>, useToken: boolean): Promise<Response> {
  const sentToken = useToken && auth.token() !== undefined;
  let response = await send();
  if (response.status !== 401 || !sentToken) return response;
  if (await auth.refresh()) response = await send();
  else auth.ended?.();
  return response;
}

/** The session plugs its token and refresh in here (composables/useSession.ts). */
export function configureAuth(hooks: AuthHooks): void {
  auth = hooks;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the access token and refresh it once on 401 (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

/** The value of a cookie readable by scripts (the CSRF token). */
export function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(';')) {
    const c = part.trim();
    if (c.startsWith(prefix)) return decodeURIComponent(c.slice(prefix.length));
  }
  return undefined;
}

/**
 * The query string of an API call, `?` included ('' when there is nothing to send). A list gives
 * the key once per item (`kpi=A&kpi=B`, as the API's list filters read it); undefined and null are
 * left out, while an empty string is sent: for some filters it means something (a KPI breakdown of
 * '' is the whole).
 */
export function query(params: object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    for (const item of [value].flat())
      if (item !== undefined && item !== null) search.append(key, String(item));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Calls `/api/v1${path}` and returns its JSON body (undefined for 204). Throws ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const token = options.auth === false ? undefined : auth.token();
    if (token) headers.authorization = `Bearer ${token}`;
    // A Blob (a file to upload) goes as it is, with its own content type; anything else as JSON.
    const raw = options.body instanceof Blob;
    if (options.body !== undefined && !raw) headers['content-type'] = 'application/json';
    try {
      return await fetch(`/api/v1${path}`, {
        method: options.method ?? 'GET',
        headers,
        body:
          options.body === undefined
            ? undefined
            : raw
              ? (options.body as Blob)
              : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, { title: 'network' });
    }
  };
  const response = await withSession(send, options.auth !== false);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  // A call cancelled while its body was read is cancelled, not an empty answer (a page that asked
  // again would otherwise get `undefined` from the first call as if it were data).
  const body = type.includes('json')
    ? await response.json().catch((error: Error) => {
        if (error.name === 'AbortError' || options.signal?.aborted) throw error;
        return undefined;
      })
    : undefined;
  options.signal?.throwIfAborted();
  if (!response.ok) throw new ApiError(response.status, (body as Partial<Problem>) ?? {});
  return body as T;
}

/**
 * Sends a request whose body is not JSON (a file upload as FormData) or whose answer is a file,
 * with the access token, refreshing it once on 401. Throws ApiError.
 */
async function sendRaw(
  path: string,
  init: { method?: string; body?: FormData; signal?: AbortSignal },
): Promise<Response> {
  const send = async (): Promise<Response> => {
    const headers: Record<string, string> = {};
    const token = auth.token();
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await fetch(`/api/v1${path}`, { ...init, headers, credentials: 'same-origin' });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, { title: 'network' });
    }
  };
  const response = await withSession(send, true);
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as Partial<Problem> | undefined;
    throw new ApiError(response.status, body ?? {});
  }
  return response;
}

/** Posts a form (a file upload) to `/api/v1${path}` and returns the JSON answer. */
export async function apiForm<T>(path: string, form: FormData, signal?: AbortSignal): Promise<T> {
  return (await (await sendRaw(path, { method: 'POST', body: form, signal })).json()) as T;
}

/**
 * Saves what `href` points at (a download link, an object URL) as a file, under `name` or the
 * name the server gives it, the way a click on a link with `download` does.
 */
export function saveFile(href: string, name = ''): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Downloads `/api/v1${path}` as a file: its content and the name the server gives it. */
export async function apiFile(path: string, signal?: AbortSignal): Promise<{ blob: Blob; name: string }> {
  const response = await sendRaw(path, { signal });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download';
  return { blob: await response.blob(), name };
}
