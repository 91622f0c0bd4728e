// Colour for terminals, decided here and only here (the CLI's plan text and the demo share it). Node's
// util.styleText can decide by itself, but that check changed across releases (it arrived in 20.18 and
// 22.8; before, every stream was coloured) and it reads FORCE_COLOR="" as "force": so the decision is
// ours, and styleText is called with validateStream: false once it has been taken.
import { styleText } from 'node:util';

export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/** What a plan line is about: Terraform's colours (create green, update yellow, destroy red, refused bold red). */
export type Style = 'create' | 'update' | 'delete' | 'blocked' | 'bold';

/** Styles text that is already escaped: colour is added after escapeControls, so no value can carry or break a code. */
export type Paint = (style: Style, text: string) => string;

export const plain: Paint = (_style, text) => text;

const FORMATS: Record<Style, Array<Parameters<typeof styleText>[0]>> = {
  create: ['green'],
  update: ['yellow'],
  delete: ['red'],
  blocked: ['red', 'bold'],
  bold: ['bold'],
};

/** Nested styleText calls, not an array of formats: Node 20.19's styleText takes one format at a time. */
export const ansi: Paint = (style, text) => (text === '' ? text : FORMATS[style].reduce((t, f) => styleText(f, t, { validateStream: false }), text));

/**
 * always/never are the user's word. auto: FORCE_COLOR (any value but empty, 0 or false) colours even a
 * pipe; else NO_COLOR (any value but empty, https://no-color.org) turns colour off; else colour only a
 * terminal that is not TERM=dumb. FORCE_COLOR wins over NO_COLOR as in Node: it is the more specific ask.
 */
export function shouldColor(mode: ColorMode, stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (mode !== 'auto') return mode === 'always';
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The painter for output written to `stream`. */
export function painter(mode: ColorMode, stream: { isTTY?: boolean }, env?: Readonly<Record<string, string | undefined>>): Paint {
  return shouldColor(mode, stream, env) ? ansi : plain;
}
