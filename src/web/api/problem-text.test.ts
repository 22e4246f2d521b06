import { describe, expect, it } from 'vitest';
import { ApiError } from './http.ts';
import { problemText, type Translate } from './problem-text.ts';

const t = ((key: string) => `<${key}>`) as Translate;

describe('problemText', () => {
  it('says the server cannot be reached, whatever the page would say otherwise', () => {
    expect(problemText(t, new ApiError(0, { title: 'network' }), { failed: 'x', status: { 0: 'y' } })).toBe(
      '<state.offline>',
    );
  });

  it("gives the server's detail, unless the page has its own words for the status", () => {
    const refused = new ApiError(400, { detail: 'name: must not be empty' });
    expect(problemText(t, refused)).toBe('name: must not be empty');
    expect(problemText(t, refused, { status: { 401: 'wrong password' } })).toBe('name: must not be empty');
    expect(
      problemText(t, new ApiError(401, { detail: 'Unauthorized' }), { status: { 401: 'wrong password' } }),
    ).toBe('wrong password');
  });

  it("falls back to the page's words, or the shell's, without a detail or for any other error", () => {
    expect(problemText(t, new ApiError(500, {}))).toBe('<state.failed>');
    expect(problemText(t, new ApiError(500, {}), { failed: 'The export failed.' })).toBe(
      'The export failed.',
    );
    expect(problemText(t, new TypeError('boom'), { failed: 'The export failed.' })).toBe(
      'The export failed.',
    );
  });
});
