import { Option } from 'commander';
import { COLOR_MODES, painter, type ColorMode, type Paint } from '../render/color.js';
import { stdoutIsTerminal } from './stdio.js';

/** `--color auto|always|never` for the commands that print a plan (its variable comes from GitopsCommand). */
export function colorOption(): Option {
  return new Option('--color <when>', 'colour the text plan: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces), always or never')
    .choices(COLOR_MODES)
    .default('auto');
}

/** The painter for plan text on stdout; markdown, JSON and files are never coloured (their renderers take none). */
export function stdoutPainter(mode: ColorMode | undefined): Paint {
  return painter(mode ?? 'auto', { isTTY: stdoutIsTerminal() });
}
