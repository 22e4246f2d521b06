import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type PageOf } from '#common/api/pagination.ts';
import { badRequest } from '../plugins/errors.ts';

/**
 * Cursors are opaque to clients: base64url of the sort key of the last item served. A list
 * ordered by a unique key resumes exactly after it, so walking the pages serves every item
 * once even while items are added or removed.
 */
export function encodeCursor(key: number | string): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

/** The key a cursor carries; a cursor this API did not give out is refused (400). */
export function decodeCursor<K extends number | string>(
  cursor: string | undefined,
  kind: K extends number ? 'number' : 'string',
): K | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown }).k;
    if (typeof key === kind) return key as K;
  } catch {
    // refused below
  }
  throw badRequest('cursor: not a cursor this list gave out; start again without it.');
}

/** How many rows to ask for: one more than the page, to know whether another page follows. */
export function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE_LIMIT, 1), MAX_PAGE_LIMIT);
}

/** A page from rows fetched with `limit + 1`. */
export function pageOf<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => number | string,
  toItem: (row: R) => T,
): PageOf<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return {
    items: kept.map(toItem),
    ...(more ? { next: encodeCursor(keyOf(kept[kept.length - 1])) } : {}),
  };
}
