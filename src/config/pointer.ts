// JSON Pointers (RFC 6901) are the one address scheme shared by the YAML loader, interpolation and
// ajv's `instancePath`, so a schema error can be mapped back to a line without any translation table.

export function childPointer(parent: string, segment: string | number): string {
  if (typeof segment === 'number') return `${parent}/${segment}`;
  const escaped = segment.includes('~') || segment.includes('/') ? segment.replaceAll('~', '~0').replaceAll('/', '~1') : segment;
  return `${parent}/${escaped}`;
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  const segments = pointer.slice(1).split('/');
  return pointer.includes('~') ? segments.map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')) : segments;
}

export function parentPointer(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

const INTEGRATION_ITEM = /^\/integrations\/(\d+)(?=\/|$)/;

/**
 * The dotted path users see: relative to the integration for anything inside one
 * (`credentials.scopes[1]`), relative to the document otherwise (`settings.max_deletes`).
 */
export function displayPath(pointer: string): string | undefined {
  const inItem = INTEGRATION_ITEM.exec(pointer);
  const segments = pointerSegments(inItem ? pointer.slice(inItem[0].length) : pointer);
  if (segments.length === 0) {
    return inItem ? `integrations[${pointerSegments(inItem[0])[1]}]` : undefined;
  }
  let out = '';
  for (const s of segments) {
    if (/^\d+$/.test(s) && out !== '') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** `/integrations/3/credentials/scopes/0` → 3; undefined outside the integrations list. */
export function integrationIndex(pointer: string): number | undefined {
  const m = INTEGRATION_ITEM.exec(pointer);
  return m ? Number(m[1]) : undefined;
}
