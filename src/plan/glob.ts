/** Shell-style globs on unique keys: `*` any run, `?` one character; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function matchesAny(key: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(key));
}

/** No owns globs: the config owns every key, as before owns existed. */
export function owned(key: string, owns: readonly string[] | undefined): boolean {
  return owns === undefined || owns.length === 0 || matchesAny(key, owns);
}

export function firstMatch(key: string, globs: readonly string[]): string | undefined {
  return globs.find((g) => globToRegExp(g).test(key));
}
