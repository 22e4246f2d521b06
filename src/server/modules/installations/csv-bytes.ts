import { DAY_MS } from '#common/time.ts';
/**
 * CSV rows written straight into bytes. An export of millions of rows made of JavaScript
 * strings leaves the collector millions of objects to sweep; here a window of rows is one
 * Buffer (off the JavaScript heap) and the only strings made are the numbers' digits.
 */

const ZERO = 48;

/** Year, month (1–12) and day of a count of days since 1970-01-01 (proleptic Gregorian). */
function civilDate(days: number): [number, number, number] {
  // H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil inverse.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return [y, m, d];
}

function two(buf: Buffer, at: number, n: number): void {
  buf[at] = ZERO + Math.floor(n / 10);
  buf[at + 1] = ZERO + (n % 10);
}

/** Longest a number may take as text (`-1.2345678901234567e-308`). */
const NUMBER_MAX = 24;

/** Writes CSV rows into a Buffer sized for them, once; `take()` hands over what was written. */
export class CsvBytes {
  private buf: Buffer;
  private at = 0;
  private day = Number.NaN;
  /** `YYYY-MM-DDT` of `day`. */
  private readonly date = Buffer.alloc(11);

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Room for `rows` rows of a prefix and `numbers` numbers each, besides the time. */
  static sizeFor(rows: number, prefixBytes: number, numbers: number): number {
    return rows * (prefixBytes + 25 + numbers * (NUMBER_MAX + 1) + 1);
  }

  bytes(prefix: Buffer): void {
    prefix.copy(this.buf, this.at);
    this.at += prefix.length;
  }

  /** A time as `Date.prototype.toISOString` writes it (UTC, milliseconds, `Z`). */
  time(t: number): void {
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) {
      const [y, m, d] = civilDate(day);
      if (y < 0 || y > 9999) {
        this.at += this.buf.write(new Date(t).toISOString(), this.at, 'latin1');
        return;
      }
      this.day = day;
      two(this.date, 0, Math.floor(y / 100));
      two(this.date, 2, y % 100);
      this.date[4] = 45;
      two(this.date, 5, m);
      this.date[7] = 45;
      two(this.date, 8, d);
      this.date[10] = 84;
    }
    const b = this.buf;
    let i = this.at;
    this.date.copy(b, i);
    i += 11;
    let ms = t - day * DAY_MS;
    const h = Math.floor(ms / 3_600_000);
    ms -= h * 3_600_000;
    const min = Math.floor(ms / 60_000);
    ms -= min * 60_000;
    const s = Math.floor(ms / 1000);
    ms -= s * 1000;
    two(b, i, h);
    b[i + 2] = 58;
    two(b, i + 3, min);
    b[i + 5] = 58;
    two(b, i + 6, s);
    b[i + 8] = 46;
    b[i + 9] = ZERO + Math.floor(ms / 100);
    two(b, i + 10, ms % 100);
    b[i + 12] = 90;
    this.at = i + 13;
  }

  /**
   * A number as JavaScript prints it (`String(v)`), after a comma. Sensor readings are short
   * decimals (21.5, 1035.75): those are written digit by digit. Turning each into a string
   * would leave millions of strings, which V8 also keeps in its number-to-string cache long
   * enough to reach the old generation, where they pile up until a full collection.
   */
  number(v: number): void {
    this.buf[this.at++] = 44;
    const abs = Math.abs(v);
    if (abs < 1e9 && (abs >= 1e-6 || v === 0)) {
      // The fewest decimals that give back exactly v are the digits String(v) prints.
      for (let k = 0, p = 1; k <= 6; k++, p *= 10) {
        const m = Math.round(abs * p);
        if (m / p !== abs) continue;
        if (v < 0) this.buf[this.at++] = 45;
        this.digits(m, k);
        return;
      }
    }
    this.at += this.buf.write(String(v), this.at, 'latin1');
  }

  /** The digits of a whole number `m`, with a decimal point `decimals` from the right. */
  private digits(m: number, decimals: number): void {
    let count = 1;
    while (count < 16 && m >= 10 ** count) count++;
    const width = Math.max(count, decimals + 1);
    const end = this.at + width + (decimals > 0 ? 1 : 0);
    let i = end - 1;
    let n = m;
    for (let d = 0; d < width; d++) {
      if (decimals > 0 && d === decimals) this.buf[i--] = 46;
      this.buf[i--] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    }
    this.at = end;
  }

  newline(): void {
    this.buf[this.at++] = 10;
  }

  /** What was written (the writer is spent: the bytes are the caller's now). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = Buffer.alloc(0);
    this.at = 0;
    return out;
  }
}
