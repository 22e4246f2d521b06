import { dayPeriod } from './kpi-periods.ts';

/** The most response times kept per day; beyond it a uniform sample of the day is kept. */
const SAMPLE_SIZE = 20_000;
/** Days kept in memory (today and the two before). */
const DAYS_KEPT = 3;

interface Day {
  start: number;
  end: number;
  seen: number;
  samples: Float64Array;
}

/**
 * The API's response times, in memory, per local day: every time while a day has fewer than
 * 20,000 requests, then a uniform random sample of them (reservoir sampling, Vitter's algorithm
 * R), so that the day's percentiles stay unbiased at a fixed cost per request.
 */
export class ResponseTimes {
  private readonly days: Day[] = [];

  constructor(
    private readonly zone: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** Records one response time, ms, at `at` (epoch ms). */
  record(ms: number, at = Date.now()): void {
    let day = this.days[this.days.length - 1];
    if (!day || at >= day.end || at < day.start) {
      day = this.days.find((d) => at >= d.start && at < d.end) ?? this.open(at);
    }
    const n = day.seen++;
    if (n < SAMPLE_SIZE) day.samples[n] = ms;
    else {
      const k = Math.floor(this.random() * (n + 1));
      if (k < SAMPLE_SIZE) day.samples[k] = ms;
    }
  }

  private open(at: number): Day {
    const { start, end } = dayPeriod(at, this.zone);
    const day = { start, end, seen: 0, samples: new Float64Array(SAMPLE_SIZE) };
    this.days.push(day);
    this.days.sort((a, b) => a.start - b.start);
    while (this.days.length > DAYS_KEPT) this.days.shift();
    return day;
  }

  /**
   * The p-th percentiles (0–100, nearest rank) of the day starting at `dayStart`, ms, with how
   * many requests there were; undefined when none was recorded.
   */
  percentiles(dayStart: number, ps: number[]): { requests: number; values: number[] } | undefined {
    const day = this.days.find((d) => d.start === dayStart);
    if (!day || day.seen === 0) return undefined;
    const sorted = day.samples.slice(0, Math.min(day.seen, SAMPLE_SIZE)).sort();
    const values = ps.map(
      (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))],
    );
    return { requests: day.seen, values };
  }
}
