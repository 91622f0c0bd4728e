// Request paths are built from segments that cannot change the path: a unique key `..` must reach
// `/integrations/%2E%2E`, never `/`. Only RFC 3986 unreserved characters other than `.` stay as they are:
// `.` and `..` are dot segments that URL parsers, proxies and servers resolve, and WHATWG URL resolves
// `%2E` the same way, so the path is also sent verbatim, never through a URL parser.

const RESERVED_IN_COMPONENT = /[.!'()*]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Segments that encode to themselves, as most unique keys do: checked first, it skips two regex passes. */
const UNRESERVED_ONLY = /^[A-Za-z0-9_~-]*$/;

/** Percent-encodes everything but `A-Z a-z 0-9 - _ ~`; Express decodes it back per segment. */
export function encodePathSegment(segment: string): string {
  if (UNRESERVED_ONLY.test(segment)) return segment;
  // No UTF-8 form exists for it, and replacing it would name another key.
  if (LONE_SURROGATE.test(segment)) throw new Error('a unique key that is not valid Unicode (a lone surrogate) cannot be sent in a URL');
  return encodeURIComponent(segment).replace(RESERVED_IN_COMPONENT, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/a/b` from raw segments, each encoded. */
export function pathOf(...segments: string[]): string {
  return segments.map((s) => `/${encodePathSegment(s)}`).join('');
}
