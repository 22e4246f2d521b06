/** Length of the window in which new series count, ms. */
const WINDOW_MS = 60_000;

/**
 * The series each writer (a token, or MQTT as a whole) created over the last minute on this
 * replica, so that no writer creates more than `perMinute`: a series costs memory on every
 * replica for good, and time at every start.
 */
export class NewSeriesRate {
  /** Per writer, what it created and when, oldest first. */
  private readonly created = new Map<string, { at: number; count: number }[]>();

  /** @param perMinute most series a writer may create in any minute; 0 = no limit. */
  constructor(private readonly perMinute: number) {}

  /** How many series `writer` may still create at `now` (epoch ms). */
  remaining(writer: string, now: number): number {
    if (this.perMinute === 0) return Infinity;
    return this.perMinute - this.recent(writer, now).reduce((sum, e) => sum + e.count, 0);
  }

  /**
   * Whole seconds until `writer` may create `count` series, 0 when it may now. `count` must not
   * exceed `perMinute`.
   */
  waitS(writer: string, count: number, now: number): number {
    if (this.perMinute === 0 || count === 0) return 0;
    const recent = this.recent(writer, now);
    let over = recent.reduce((sum, e) => sum + e.count, 0) + count - this.perMinute;
    if (over <= 0) return 0;
    for (const entry of recent) {
      over -= entry.count;
      if (over <= 0) return Math.max(1, Math.ceil((entry.at + WINDOW_MS - now) / 1000));
    }
    return Math.ceil(WINDOW_MS / 1000);
  }

  /** Counts `count` series as created by `writer` at `now`. */
  record(writer: string, count: number, now: number): void {
    if (this.perMinute === 0 || count === 0) return;
    const recent = this.recent(writer, now);
    recent.push({ at: now, count });
    this.created.set(writer, recent);
  }

  /** The entries of `writer` within the window, the older ones dropped. */
  private recent(writer: string, now: number): { at: number; count: number }[] {
    const entries = this.created.get(writer);
    if (entries === undefined) return [];
    const from = entries.findIndex((e) => e.at > now - WINDOW_MS);
    if (from === -1) {
      this.created.delete(writer);
      return [];
    }
    if (from > 0) entries.splice(0, from);
    return entries;
  }
}
