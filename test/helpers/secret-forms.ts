// The forms a secret can travel in when a server quotes it back (see test/emulator/echo.ts), for tests
// that check no output shows one.

function unicodeEscaped(value: string, upper: boolean): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const hex = value.charCodeAt(i).toString(16).padStart(4, '0');
    out += `\\u${upper ? hex.toUpperCase() : hex}`;
  }
  return out;
}

/** Raw, JSON-escaped (also nested, `\/`, every character as \uXXXX), percent- and form-encoded, and JSON-escaped then encoded again; both letter cases when asked. */
export function secretForms(value: string, options: { caseInsensitive?: boolean } = {}): string[] {
  const bases = options.caseInsensitive ? [value, value.toLowerCase(), value.toUpperCase()] : [value];
  const forms = new Set<string>();
  for (const v of bases) {
    const json = JSON.stringify(v).slice(1, -1);
    const percent = encodeURIComponent(v);
    for (const form of [
      v,
      json,
      json.replaceAll('/', '\\/'),
      JSON.stringify(json).slice(1, -1),
      unicodeEscaped(v, false),
      unicodeEscaped(v, true),
      percent,
      percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      new URLSearchParams({ v }).toString().slice(2),
      // The value inside a JSON body that is then quoted in another encoding.
      encodeURIComponent(json),
      new URLSearchParams({ v: json }).toString().slice(2),
      unicodeEscaped(json, true),
    ]) {
      forms.add(form);
    }
  }
  return [...forms];
}

/** Occurrences of `needle` in `text`, not overlapping. */
export function countOf(text: string, needle: string): number {
  return needle === '' ? 0 : text.split(needle).length - 1;
}

/**
 * Parts of an output that differ from run to run whatever the secrets: log times and durations, a plan
 * file's creation time, and hex digests and HMAC fingerprints (keyed by the secret key, so they cannot
 * confirm a secret).
 */
export function withoutVolatile(text: string): string {
  return text
    .replace(/"(time|ms|duration_ms)":\d+/g, '"$1":0')
    .replace(/"created_at": "[^"]*"/g, '"created_at": "<time>"')
    .replace(/(?<![0-9A-Za-z])[0-9a-f]{16,}(?![0-9A-Za-z])/g, '<hex>');
}
