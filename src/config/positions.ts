// Where each value of a parsed file sits. Conversion records only source offsets, per container, in one
// flat array; a JSON Pointer is resolved and an offset turned into line:column only when a diagnostic (or
// a plan's source reference) asks. An error-free file of 10,000 integrations used to build ~300,000
// pointer strings and position objects that nothing read.
import { pointerSegments } from './pointer.js';

export interface Position {
  line: number;
  column: number;
}

/** Where a value sits, and for a mapping entry where its key sits (unknown-field errors point there). */
export interface NodePositions {
  value: Position;
  key?: Position;
}

/** A list's first slot, or a mapping's slot per key. */
type Slots = number | Map<string, number>;

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/** Keyed by JSON Pointer, the same addresses ajv reports as `instancePath`; read-only once conversion is done. */
export class SourcePositions {
  /** Two numbers per child: the offset of its value, and the offset of its key + 1 (0: a list item). */
  private readonly slots: number[] = [];
  private readonly children = new WeakMap<object, Slots>();
  private root: unknown = null;
  private rootOffset = 0;

  /** `linePos`: yaml's LineCounter, which maps an offset to a 1-based line and column. */
  constructor(private readonly linePos: (offset: number) => { line: number; col: number }) {}

  /** Room for `count` children of one container; returns the first slot. */
  reserve(count: number): number {
    const first = this.slots.length >> 1;
    for (let i = 0; i < count; i++) this.slots.push(0, 0);
    return first;
  }

  set(slot: number, valueOffset: number, keyOffset?: number): void {
    this.slots[slot * 2] = valueOffset;
    this.slots[slot * 2 + 1] = keyOffset === undefined ? 0 : keyOffset + 1;
  }

  /** `slots`: the list's first slot (items in order), or each key's slot (the last one of a repeated key). */
  attach(container: object, slots: Slots): void {
    this.children.set(container, slots);
  }

  setRoot(value: unknown, offset: number): void {
    this.root = value;
    this.rootOffset = offset;
  }

  get(pointer: string): NodePositions | undefined {
    if (pointer === '') return { value: this.position(this.rootOffset) };
    let container = this.root;
    let slot: number | undefined;
    for (const segment of pointerSegments(pointer)) {
      if (container === null || typeof container !== 'object') return undefined;
      const slots = this.children.get(container);
      if (slots === undefined) return undefined;
      if (typeof slots === 'number') {
        const items = container as unknown[];
        if (!INDEX.test(segment) || Number(segment) >= items.length) return undefined;
        slot = slots + Number(segment);
        container = items[Number(segment)];
      } else {
        slot = slots.get(segment);
        if (slot === undefined) return undefined;
        // An own property, even one named __proto__ (the converter defines them).
        container = (container as Record<string, unknown>)[segment];
      }
    }
    if (slot === undefined) return undefined;
    const key = this.slots[slot * 2 + 1]!;
    return { value: this.position(this.slots[slot * 2]!), ...(key > 0 ? { key: this.position(key - 1) } : {}) };
  }

  has(pointer: string): boolean {
    return this.get(pointer) !== undefined;
  }

  private position(offset: number): Position {
    const { line, col } = this.linePos(offset);
    return { line, column: col };
  }
}
