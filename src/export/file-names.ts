// File names for `export --split`: one `<key>.yaml` per integration.

/**
 * Keys may hold spaces and `~ : @`, which are awkward or invalid in file names on some systems. A leading
 * "." would hide the file from the config loader (it skips dot files, like ConfigMap's `..data`).
 */
export function sanitiseFileStem(uniqueKey: string): string {
  const stem = uniqueKey.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
  return stem === '' ? '_' : stem;
}

/**
 * One name per key, unique even on case-insensitive file systems (macOS, Windows), where
 * `Slack.yaml` and `slack.yaml` are the same file. Keys must come in a stable order. `reserved`: names
 * already taken by other files of the output (`environments.yaml`).
 */
export function createFileNamer(reserved: Iterable<string> = []): (uniqueKey: string) => string {
  const used = new Set<string>([...reserved].map((n) => n.toLowerCase()));
  return (uniqueKey) => {
    const stem = sanitiseFileStem(uniqueKey);
    let name = `${stem}.yaml`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${stem}-${n}.yaml`;
    used.add(name.toLowerCase());
    return name;
  };
}
