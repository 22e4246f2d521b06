/** Whether two lists hold the same items, in any order (lists without repeats). */
export const sameItems = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));
