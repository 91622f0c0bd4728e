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

export function firstMatch(key: string, globs: readonly string[]): string | undefined {
  return globs.find((g) => globToRegExp(g).test(key));
}
