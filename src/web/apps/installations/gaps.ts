/** A run of consecutive days of a sensor with readings missing. */
export interface GapRange {
  /** Index of its first and last day in the coverage. */
  first: number;
  last: number;
  /** How many days it holds. */
  days: number;
  /** Share of the expected readings received over the run, 0–1. */
  share: number;
}

/**
 * The days of a sensor with readings missing (share below 1), consecutive days without any
 * reading joined into one range: a gateway dead for three months is one entry, not ninety buttons.
 * A day with some readings stays a day of its own (its readings are worth opening).
 */
export function gapRanges(days: readonly { share: number }[]): GapRange[] {
  const out: GapRange[] = [];
  let open: { first: number; last: number; sum: number } | undefined;
  const close = () => {
    if (!open) return;
    const n = open.last - open.first + 1;
    out.push({ first: open.first, last: open.last, days: n, share: open.sum / n });
    open = undefined;
  };
  days.forEach((d, i) => {
    if (d.share >= 1) return close();
    if (open && open.last === i - 1 && d.share === 0 && open.sum === 0) {
      open.last = i;
      open.sum += d.share;
    } else {
      close();
      open = { first: i, last: i, sum: d.share };
    }
  });
  close();
  return out;
}
