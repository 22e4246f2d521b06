import { describe, expect, it } from 'vitest';
import { newPanel, nudge, panelCsv } from './board.ts';
import { intervalFor, rangeOf } from './range.ts';

describe('the dashboard grid', () => {
  it('places a new panel below the others, with an id of its own', () => {
    const first = newPanel('timeseries', []);
    const second = newPanel('stat', [first]);
    expect(second).toMatchObject({ id: 'p2', y: first.y + first.h, x: 0, w: 3 });
    expect(newPanel('bar', [first, { ...second, id: 'p3' }]).id).toBe('p4');
  });

  it('moves and resizes within the 12 columns', () => {
    const p = { ...newPanel('timeseries', []), x: 5, w: 6 };
    expect(nudge(p, { dx: 1 })).toMatchObject({ x: 6, w: 6 });
    expect(nudge(p, { dx: 3 }).x).toBe(6);
    expect(nudge(p, { dx: -9 }).x).toBe(0);
    expect(nudge(p, { dy: -1 }).y).toBe(0);
    expect(nudge(p, { dw: 4 })).toMatchObject({ x: 2, w: 10 });
    expect(nudge(p, { dw: -9 }).w).toBe(1);
  });

  it('writes a panel’s series as CSV, one row per time', () => {
    const csv = panelCsv([
      {
        interval: 'hour',
        unit: '°C',
        series: [
          {
            name: 'a, inside',
            buildingId: 1,
            points: [
              [0, 20],
              [3_600_000, null],
            ],
          },
        ],
      },
      { interval: 'hour', unit: '', series: [{ name: 'PMV', buildingId: 1, points: [[3_600_000, -0.5]] }] },
    ]);
    expect(
      csv
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\n'),
    ).toEqual([
      'time,"a, inside (°C)",PMV',
      '1970-01-01T00:00:00.000Z,20,',
      '1970-01-01T01:00:00.000Z,,-0.5',
    ]);
  });
});

describe('the ranges', () => {
  it('ends at the current hour and picks hours up to 31 days, days beyond', () => {
    const now = Date.UTC(2026, 11, 7, 10, 20);
    const week = rangeOf('7d', now);
    expect(week.to).toBe(Date.UTC(2026, 11, 7, 11) - 1);
    expect(week.to + 1 - week.from).toBe(7 * 86_400_000);
    expect(intervalFor(week)).toBe('hour');
    expect(intervalFor(rangeOf('year', now))).toBe('day');
    const season = rangeOf('season', now);
    expect(new Date(season.from).getMonth()).toBe(9);
  });
});
