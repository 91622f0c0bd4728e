export const REDACTED = '(sensitive)';

/**
 * Last line of defence for text the tool did not build itself (API error messages, exceptions).
 * Plans never need it: sensitive values are dropped where they enter (see plan/diff.ts). Values shorter
 * than 4 characters are not matched, since masking them would garble unrelated text.
 */
export interface Redactor {
  add(values: Iterable<string>): void;
  scrub(text: string): string;
  /** Deep copy with every string scrubbed (for log objects). */
  scrubValue<T>(value: T): T;
}

export function createRedactor(initial: Iterable<string> = []): Redactor {
  const secrets = new Set<string>();
  let pattern: RegExp | undefined;
  const redactor: Redactor = {
    add(values) {
      for (const v of values) if (v.length >= 4) secrets.add(v);
      pattern = secrets.size === 0 ? undefined : new RegExp([...secrets].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
    },
    scrub(text) {
      return pattern === undefined ? text : text.replace(pattern, () => REDACTED);
    },
    scrubValue<T>(value: T): T {
      if (typeof value === 'string') return redactor.scrub(value) as T;
      if (Array.isArray(value)) return value.map((v: unknown) => redactor.scrubValue(v)) as T;
      if (value && typeof value === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = redactor.scrubValue(v);
        return out as T;
      }
      return value;
    },
  };
  redactor.add(initial);
  return redactor;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
