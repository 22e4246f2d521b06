/** Parts of the registry's list queries that every entity's store shares. */

/** A text made safe for a LIKE pattern (with `escape '\'`). */
export function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where a list resumes: after the item whose sort key is `after`, at most `limit` items. */
export interface PageRequest<K = number> {
  after?: K;
  limit: number;
}
