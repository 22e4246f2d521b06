import { describe, expect, it } from 'vitest';
import { mayOpen } from './access.ts';
import { APPS, catalogue, findApp } from './registry.ts';

describe('who may open what', () => {
  it('lets everyone open public things, and only the right roles the others', () => {
    expect(mayOpen([], null)).toBe(true);
    expect(mayOpen(['admin'], null)).toBe(false);
    expect(mayOpen(['admin'], { roles: ['resident'] })).toBe(false);
    expect(mayOpen(['admin', 'installer'], { roles: ['resident', 'installer'] })).toBe(true);
  });
});

describe('the application registry', () => {
  it('finds every app folder, each once, with its routes reaching its entry', () => {
    const ids = APPS.map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['portal', 'tv', 'news-admin']));
    expect(new Set(ids).size).toBe(ids.length);
    for (const app of APPS) {
      const paths = app.routes.map((r) => r.path);
      expect(paths, app.id).toContain(app.entry);
    }
  });

  it('keeps administration apps for administrators and the public ones open', () => {
    expect(findApp('news-admin')?.roles).toEqual(['admin']);
    expect(findApp('accounts-admin')?.roles).toEqual(['admin']);
    expect(findApp('accounts-admin')?.entry).toBe('/admin/users');
    expect(findApp('tv')?.roles).toEqual([]);
    expect(findApp('tv')?.fullScreen).toBe(true);
  });

  it('lists the available apps and those to come, without the portal itself', () => {
    const entries = catalogue();
    const ids = entries.map((e) => e.id);
    expect(ids).not.toContain('portal');
    expect(entries.find((e) => e.id === 'tv')?.entry).toBe('/tv');
    expect(entries.find((e) => e.id === 'installations')?.entry).toBe('/installations');
    // Every planned application exists now: no card is left "coming".
    expect(entries.filter((e) => e.entry === null).map((e) => e.id)).toEqual([]);
    // Municipal energy is here: its card opens it, once.
    expect(entries.find((e) => e.id === 'municipal-energy')?.entry).toBe('/municipal');
    expect(ids.filter((id) => id === 'municipal-energy')).toHaveLength(1);
    expect(ids).toEqual(expect.arrayContaining(['energy-planning', 'city-3d', 'home']));
    // The KPI tool is here: its card opens it, and its "coming" card is gone.
    expect(entries.find((e) => e.id === 'kpi')?.entry).toBe('/kpi');
    expect(entries.find((e) => e.id === 'electric-bus')?.entry).toBe('/bus');
    expect(ids).not.toContain('kpi-tool');
    expect(new Set(ids).size).toBe(ids.length);
  });
});
