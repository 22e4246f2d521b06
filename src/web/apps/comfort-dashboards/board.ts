import {
  DASHBOARD_LIMITS,
  type DashboardDefinition,
  type Panel,
  type PanelQuery,
  type PanelType,
  type QueryResult,
} from '#common/api/dashboards.ts';

/** A new panel of a type, placed below the others, with a query that fits it. */
export function newPanel(type: PanelType, panels: readonly Panel[]): Panel {
  const y = panels.reduce((m, p) => Math.max(m, p.y + p.h), 0);
  const query: PanelQuery =
    type === 'heatmap' || type === 'stat' || type === 'gauge'
      ? { source: 'comfort', metric: 'pmv', scope: { building: '$building' } }
      : { source: 'readings', medium: 'temperature', scope: { building: '$building' } };
  let n = panels.length + 1;
  while (panels.some((p) => p.id === `p${n}`)) n++;
  return {
    id: `p${n}`,
    type,
    title: '',
    x: 0,
    y,
    w: type === 'stat' || type === 'gauge' ? 3 : 6,
    h: type === 'stat' ? 2 : 4,
    queries: [query],
  };
}

/** A panel moved by (dx, dy) or resized by (dw, dh), kept inside the grid. */
export function nudge(p: Panel, move: { dx?: number; dy?: number; dw?: number; dh?: number }): Panel {
  const cols = DASHBOARD_LIMITS.columns;
  const w = Math.min(cols, Math.max(1, p.w + (move.dw ?? 0)));
  const h = Math.min(20, Math.max(1, p.h + (move.dh ?? 0)));
  const x = Math.min(cols - w, Math.max(0, p.x + (move.dx ?? 0)));
  const y = Math.max(0, p.y + (move.dy ?? 0));
  return { ...p, x, y, w, h };
}

/** A dashboard to start from: the building's comfort and temperature. */
export function starterDefinition(building: number | null): DashboardDefinition {
  return {
    variables: { building, dwelling: null },
    annotations: { retrofit: true, incidents: true },
    panels: [
      {
        ...newPanel('timeseries', []),
        title: 'PMV',
        queries: [{ source: 'comfort', metric: 'pmv', scope: { building: '$building' } }],
      },
    ],
  };
}

/** A panel's results as CSV (one row per time, one column per series), with a byte-order mark for spreadsheets. */
export function panelCsv(results: readonly QueryResult[]): string {
  const columns = results.flatMap((r) =>
    r.series.map((s) => ({ name: `${s.name}${r.unit ? ` (${r.unit})` : ''}`, points: s.points })),
  );
  const times = [...new Set(columns.flatMap((c) => c.points.map((p) => p[0] as number)))].sort(
    (a, b) => a - b,
  );
  const index = columns.map((c) => new Map(c.points.map((p) => [p[0] as number, p[1]])));
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [['time', ...columns.map((c) => c.name)].map(quote).join(',')];
  for (const t of times)
    lines.push(
      [
        new Date(t).toISOString(),
        ...index.map((m) => {
          const v = m.get(t);
          return v === null || v === undefined ? '' : String(v);
        }),
      ].join(','),
    );
  return `\uFEFF${lines.join('\n')}\n`;
}

/** Offers a text as a file to download. */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
