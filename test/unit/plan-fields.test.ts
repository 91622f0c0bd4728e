import { describe, expect, it } from 'vitest';

import { normaliseScopes } from '../../src/plan/fields.js';

describe('normaliseScopes', () => {
  it('turns the API string and the config list into the same sorted set', () => {
    expect(normaliseScopes('chat:write,channels:read')).toEqual(['channels:read', 'chat:write']);
    expect(normaliseScopes(['chat:write', 'channels:read'])).toEqual(['channels:read', 'chat:write']);
  });

  it('trims, drops empty entries and duplicates', () => {
    expect(normaliseScopes(' b , a,,b, ,a ')).toEqual(['a', 'b']);
    expect(normaliseScopes(['b', ' b', 'a ', ''])).toEqual(['a', 'b']);
  });

  it('reads null, undefined and "" as no scopes', () => {
    expect(normaliseScopes(null)).toEqual([]);
    expect(normaliseScopes(undefined)).toEqual([]);
    expect(normaliseScopes('')).toEqual([]);
  });

  it('does not change its input', () => {
    const input = ['b', 'a', 'b'];
    normaliseScopes(input);
    expect(input).toEqual(['b', 'a', 'b']);
  });
});
