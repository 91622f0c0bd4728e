// One environment's view of a parsed file: integrations not in it left out, its overrides merged over
// the shared fields, its settings over the top-level ones. Built from the values as written, before
// interpolation, so that resolving an environment reads only the variables that environment uses.
import type { Positions } from './document.js';
import { assign, OVERRIDE_FIELDS, type EnvironmentsBlock } from './environments.js';
import type { NodePositions, ParsedFile } from './load.js';
import { childPointer, pointerSegments } from './pointer.js';

export interface EnvironmentView {
  file: ParsedFile['file'];
  value: unknown;
  positions: Positions;
  /**
   * Integrations not in this environment. They stay in the list as null, so every other integration
   * keeps its index (its messages say `integrations[N]` as in the file); checks skip these pointers.
   */
  excluded: string[];
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** An override over a shared value: mappings merge key by key, anything else (lists, scalars) replaces. */
export function mergeOverride(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  const b = record(base);
  const o = record(over);
  if (!b || !o) return over;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) assign(out, k, v);
  for (const [k, v] of Object.entries(o)) assign(out, k, mergeOverride(b[k], v));
  return out;
}

/** Where the values under a pointer prefix came from, when it was not the shared place. */
interface Redirect {
  /** The pointer in the file the values were taken from. */
  from: string;
  /** Top-level keys taken from there; undefined = the whole value was. */
  keys?: ReadonlySet<string>;
}

const ITEM_PREFIX = '/integrations/';

/** The parsed file's positions, except that values an environment overrides point at the override. */
class ViewPositions implements Positions {
  constructor(
    private readonly base: Pick<ReadonlyMap<string, NodePositions>, 'get' | 'has'>,
    private readonly items: ReadonlyMap<number, Redirect>,
    private readonly settings: Redirect | undefined,
  ) {}

  get(pointer: string): NodePositions | undefined {
    const to = this.redirect(pointer);
    return (to === undefined ? undefined : this.base.get(to)) ?? this.base.get(pointer);
  }

  private redirect(pointer: string): string | undefined {
    if (pointer.startsWith(ITEM_PREFIX)) {
      const slash = pointer.indexOf('/', ITEM_PREFIX.length);
      if (slash === -1) return undefined;
      const r = this.items.get(Number(pointer.slice(ITEM_PREFIX.length, slash)));
      return r ? follow(r, pointer.slice(slash)) : undefined;
    }
    if (this.settings && pointer.startsWith('/settings')) {
      const rest = pointer.slice('/settings'.length);
      if (rest === '') return this.base.has('/settings') && this.settings.keys ? undefined : this.settings.from;
      if (rest.startsWith('/')) return follow(this.settings, rest);
    }
    return undefined;
  }
}

function follow(r: Redirect, rest: string): string | undefined {
  if (!r.keys) return r.from + rest;
  const first = pointerSegments(rest)[0];
  return first !== undefined && r.keys.has(first) ? r.from + rest : undefined;
}

type ItemView = { value: unknown; redirect?: Redirect } | 'excluded';

function viewItem(item: unknown, pointer: string, environment: string): ItemView {
  const v = record(item);
  if (!v || !Object.hasOwn(v, 'environments')) return { value: item };
  const where = v['environments'];
  const shared: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) if (k !== 'environments') assign(shared, k, value);
  if (Array.isArray(where)) return where.includes(environment) ? { value: shared } : 'excluded';
  const overrides = record(where);
  // A malformed key is reported once (environments.ts); the shared fields are still checked.
  if (!overrides) return { value: shared };
  if (!Object.hasOwn(overrides, environment)) return 'excluded';
  const override = record(overrides[environment]);
  if (!override) return { value: shared };
  // Fields that may not differ were reported once; they are not taken, so the shared ones stay checked.
  const taken = Object.keys(override).filter((k) => OVERRIDE_FIELDS.has(k));
  for (const k of taken) assign(shared, k, mergeOverride(shared[k], override[k]));
  const from = childPointer(childPointer(pointer, 'environments'), environment);
  return { value: shared, ...(taken.length > 0 ? { redirect: { from, keys: new Set(taken) } } : {}) };
}

/** The file as `environment` sees it; `block` is the config's environments block. */
export function environmentView(parsed: ParsedFile, environment: string, block: EnvironmentsBlock): EnvironmentView {
  const root = record(parsed.value);
  // Not a mapping: the check of the top level (environments.ts) has reported it.
  if (!root) return { file: parsed.file, value: null, positions: parsed.positions, excluded: [] };
  const out: Record<string, unknown> = {};
  const excluded: string[] = [];
  const redirects = new Map<number, Redirect>();
  let settingsRedirect: Redirect | undefined;

  const entry = parsed === block.file ? block.entries.get(environment) : undefined;
  const own = entry && Object.hasOwn(entry.value, 'settings') ? entry.value['settings'] : undefined;
  if (root['settings'] !== undefined || own !== undefined) {
    assign(out, 'settings', mergeOverride(root['settings'], own));
    if (entry && own !== undefined) {
      const ownFields = record(own);
      const from = childPointer(entry.pointer, 'settings');
      settingsRedirect = ownFields && record(root['settings']) ? { from, keys: new Set(Object.keys(ownFields)) } : { from };
    }
  }

  if (Object.hasOwn(root, 'integrations')) {
    const list = root['integrations'];
    if (Array.isArray(list)) {
      assign(
        out,
        'integrations',
        list.map((item, i) => {
          const pointer = childPointer('/integrations', i);
          const view = viewItem(item, pointer, environment);
          if (view === 'excluded') {
            excluded.push(pointer);
            return null;
          }
          if (view.redirect) redirects.set(i, view.redirect);
          return view.value;
        }),
      );
    } else {
      assign(out, 'integrations', list);
    }
  }

  const positions = redirects.size > 0 || settingsRedirect ? new ViewPositions(parsed.positions, redirects, settingsRedirect) : parsed.positions;
  return { file: parsed.file, value: out, positions, excluded };
}
