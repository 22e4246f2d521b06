/** Time spent by each step of an invoice import, ms by step, in the order the steps ran. */
export type ImportProfile = Map<string, number>;

/** Adds the time since `started` (a `performance.now()`) to a step of a profile; answers now. */
export function lap(profile: ImportProfile | undefined, step: string, started: number): number {
  const now = performance.now();
  if (profile) profile.set(step, (profile.get(step) ?? 0) + now - started);
  return now;
}
