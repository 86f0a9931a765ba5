// `dump --attentions all|none|L:H,L:H…`: which attention maps go into attentions.f32. The syntax is
// checked before the model loads (a typo fails fast); the ranges once its shape is known.
import { CliError } from './args';

export type AttentionsSelection =
  | { kind: 'all' }
  | { kind: 'none' }
  /** [layer, head] pairs, in the order given (repeats kept). */
  | { kind: 'heads'; heads: [number, number][] };

const HEAD = /^(\d+)[:.](\d+)$/;

/** Parses the flag's value (default `all`); one CliError line for anything malformed. */
export function parseAttentionsFlag(command: string, raw: string | undefined): AttentionsSelection {
  const value = (raw ?? 'all').trim();
  if (value === 'all' || value === 'none') return { kind: value };
  if (value === '') throw new CliError(`${command}: --attentions is empty; give all, none or a list of layer:head like 5:3,11:0`);
  const heads = value.split(',').map((item): [number, number] => {
    const m = HEAD.exec(item.trim());
    if (!m) {
      throw new CliError(
        `${command}: --attentions item "${item}" is not layer:head (or layer.head), e.g. --attentions 5:3,11:0; or use all or none`,
      );
    }
    return [Number(m[1]), Number(m[2])];
  });
  return { kind: 'heads', heads };
}

/** A list of heads `L.H,L:H…` (ablate's --heads); one CliError line for anything malformed. */
export function parseHeadList(command: string, flag: string, raw: string): [number, number][] {
  if (raw.trim() === '') throw new CliError(`${command}: ${flag} is empty; give a list of layer.head like 2.1,0:3`);
  return raw.split(',').map((item): [number, number] => {
    const m = HEAD.exec(item.trim());
    if (!m) throw new CliError(`${command}: ${flag} item "${item}" is not layer.head (or layer:head), e.g. ${flag} 2.1,0:3`);
    return [Number(m[1]), Number(m[2])];
  });
}

/** Checks every [layer, head] against the model's shape; one CliError line naming the first bad one. */
export function checkHeads(command: string, heads: readonly [number, number][], nLayer: number, nHead: number, flag = '--attentions'): void {
  for (const [layer, head] of heads) {
    if (layer >= nLayer) {
      throw new CliError(`${command}: ${flag} ${layer}:${head}: there is no layer ${layer} (the model has ${nLayer} layers, 0 to ${nLayer - 1})`);
    }
    if (head >= nHead) {
      throw new CliError(`${command}: ${flag} ${layer}:${head}: there is no head ${head} (the model has ${nHead} heads per layer, 0 to ${nHead - 1})`);
    }
  }
}
