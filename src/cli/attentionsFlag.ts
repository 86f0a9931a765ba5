// `dump --attentions all|none|L:H,L:H…`: which attention maps go into attentions.f32. The syntax is
// checked before the model loads (a typo fails fast); the ranges once its shape is known.
import { parseHeadList } from '../export/headList';
import { CliError } from './args';

export type AttentionsSelection =
  | { kind: 'all' }
  | { kind: 'none' }
  /** [layer, head] pairs, in the order given (repeats kept). */
  | { kind: 'heads'; heads: [number, number][] };

/** Parses the flag's value (default `all`); one CliError line for anything malformed. `flag`: its name (report's --heads too). */
export function parseAttentionsFlag(command: string, raw: string | undefined, flag = 'attentions'): AttentionsSelection {
  const value = (raw ?? 'all').trim();
  if (value === 'all' || value === 'none') return { kind: value };
  if (value === '') throw new CliError(`${command}: --${flag} is empty; give all, none or a list of layer:head like 5:3,11:0`);
  const list = parseHeadList(value);
  if ('bad' in list) {
    throw new CliError(`${command}: --${flag} item "${list.bad}" is not layer:head (or layer.head), e.g. --${flag} 5:3,11:0; or use all or none`);
  }
  const heads = list.heads;
  return { kind: 'heads', heads };
}

/** A list of heads `L.H,L:H…` (ablate's --heads, never all/none); one CliError line for anything malformed. */
export function parseHeadsFlag(command: string, flag: string, raw: string): [number, number][] {
  if (raw.trim() === '') throw new CliError(`${command}: --${flag} is empty; give a list of layer.head like 2.1,0:3`);
  const list = parseHeadList(raw);
  if ('bad' in list) throw new CliError(`${command}: --${flag} item "${list.bad}" is not layer.head (or layer:head), e.g. --${flag} 2.1,0:3`);
  return list.heads;
}

/** Checks every [layer, head] against the model's shape; one CliError line naming the first bad one. */
export function checkHeads(command: string, heads: readonly [number, number][], nLayer: number, nHead: number, flag = 'attentions'): void {
  for (const [layer, head] of heads) {
    if (layer >= nLayer) {
      throw new CliError(`${command}: --${flag} ${layer}:${head}: there is no layer ${layer} (the model has ${nLayer} layers, 0 to ${nLayer - 1})`);
    }
    if (head >= nHead) {
      throw new CliError(`${command}: --${flag} ${layer}:${head}: there is no head ${head} (the model has ${nHead} heads per layer, 0 to ${nHead - 1})`);
    }
  }
}
