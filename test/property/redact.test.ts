// The redactor against random secrets quoted back in random stacks of encodings (JSON in JSON, JSON
// then percent-encoded, every character as \uXXXX, ...): none survives, and the text around it does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_MASKED_LENGTH, REDACTED, createRedactor } from '../../src/redact.js';
import { secretForms } from '../helpers/secret-forms.js';
import { SEED } from './arbitraries.js';

type Encoder = (text: string) => string;

const ENCODERS: Record<string, Encoder> = {
  json: (t) => JSON.stringify(t).slice(1, -1),
  'json \\/': (t) => JSON.stringify(t).slice(1, -1).replaceAll('/', '\\/'),
  'every character \\u': (t) => Array.from({ length: t.length }, (_, i) => `\\u${t.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`).join(''),
  percent: (t) => encodeURIComponent(t),
  'lower-case percent': (t) => encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  form: (t) => new URLSearchParams({ v: t }).toString().slice(2),
};

const METACHARACTERS = [...'"\\\n\t$&.*()[]?+^|/%\'`{} é😀aZ0'];
const secret = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...METACHARACTERS), minLength: MIN_MASKED_LENGTH, maxLength: 20 }),
    fc.string({ unit: 'grapheme', minLength: MIN_MASKED_LENGTH, maxLength: 20 }),
  )
  .filter((s) => !s.includes('<') && !s.includes('>'));

describe('redactor (property)', () => {
  it('masks a long secret under any stack of encodings and keeps the text around it', () => {
    fc.assert(
      fc.property(secret, fc.array(fc.constantFrom(...Object.keys(ENCODERS)), { maxLength: 3 }), fc.boolean(), (value, stack, caseInsensitive) => {
        const r = createRedactor();
        r.add([value], { caseInsensitive });
        const encoded = stack.reduce((text, name) => ENCODERS[name]!(text), value);
        const shown = r.scrub(`<<error: ${encoded} ; again ${encoded}>>`);
        expect(shown.startsWith('<<error: ')).toBe(true);
        expect(shown.endsWith('>>')).toBe(true);
        expect(shown).toContain(REDACTED);
        expect(shown).not.toContain(encoded);
        for (const form of secretForms(value)) expect(shown).not.toContain(form);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
