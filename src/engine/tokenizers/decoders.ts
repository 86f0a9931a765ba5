// The `decoder` of a tokenizer.json, two ways:
//  - `decodeChain`: Hugging Face's decode of a whole id list (tokenizers' Tokenizer::decode), with
//    the position rules (Strip and Metaspace drop the space that encoding added at the start, the
//    BPE decoder's last word has no trailing space);
//  - `tokenBytes`: the UTF-8 bytes one token adds in the middle of a text (no start-of-text rules),
//    which is what streaming generation and our continuation `decode` concatenate.
// Supported: ByteLevel, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip, Replace and Sequence.

import { EngineError } from '../errors';
import { CHAR_TO_BYTE } from '../byteLevel';
import { escapeRegExp } from './regex';

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const encoder = new TextEncoder();
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One decoder step over the token strings (chain), and over one token's value (bytes so far or a string). */
interface Step {
  chain(tokens: string[]): string[];
  one(v: string | Uint8Array): string | Uint8Array;
}

/** "<0xNN>" → NN, else undefined. */
function fallbackByte(t: string): number | undefined {
  if (t.length !== 6 || !t.startsWith('<0x') || !t.endsWith('>')) return undefined;
  const v = Number.parseInt(t.slice(3, 5), 16);
  return /^[0-9a-fA-F]{2}$/.test(t.slice(3, 5)) ? v : undefined;
}

/** The token's bytes through GPT-2's byte table; a token with any other character stays as its UTF-8. */
function byteLevelBytes(t: string): Uint8Array {
  const out = new Uint8Array(t.length);
  let n = 0;
  for (const c of t) {
    const b = CHAR_TO_BYTE.get(c);
    if (b === undefined) return encoder.encode(t);
    out[n++] = b;
  }
  return out.subarray(0, n);
}

const perToken = (f: (t: string) => string): Step => ({
  chain: (ts) => ts.map(f),
  one: (v) => (typeof v === 'string' ? f(v) : v),
});

function build(cfg: unknown, file: string): Step[] {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (!isObject(cfg)) throw bad(`decoder is not an object: ${JSON.stringify(cfg)}`);
  switch (cfg.type) {
    case 'Sequence':
      if (!Array.isArray(cfg.decoders)) throw bad('decoder Sequence has no "decoders" list');
      return cfg.decoders.flatMap((d) => build(d, file));
    case 'ByteLevel':
      return [{
        chain: (ts) => {
          const parts = ts.map(byteLevelBytes);
          const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
          let at = 0;
          for (const p of parts) {
            all.set(p, at);
            at += p.length;
          }
          return [lossy.decode(all)];
        },
        one: (v) => (typeof v === 'string' ? byteLevelBytes(v) : v),
      }];
    case 'ByteFallback':
      return [{
        chain: (ts) => {
          const out: string[] = [];
          let bytes: number[] = [];
          const flush = (): void => {
            if (bytes.length === 0) return;
            try {
              out.push(strict.decode(Uint8Array.from(bytes)));
            } catch {
              for (let i = 0; i < bytes.length; i++) out.push('\ufffd');
            }
            bytes = [];
          };
          for (const t of ts) {
            const b = fallbackByte(t);
            if (b !== undefined) bytes.push(b);
            else {
              flush();
              out.push(t);
            }
          }
          flush();
          return out;
        },
        one: (v) => {
          const b = typeof v === 'string' ? fallbackByte(v) : undefined;
          return b === undefined ? v : Uint8Array.of(b);
        },
      }];
    case 'Fuse':
      return [{ chain: (ts) => [ts.join('')], one: (v) => v }];
    case 'Strip': {
      const c = typeof cfg.content === 'string' ? cfg.content : ' ';
      const start = typeof cfg.start === 'number' ? cfg.start : 0;
      const stop = typeof cfg.stop === 'number' ? cfg.stop : 0;
      const stripOne = (t: string): string => {
        const chars = [...t];
        let a = 0;
        let b = chars.length;
        while (a < start && a < b && chars[a] === c) a++;
        while (chars.length - b < stop && b > a && chars[b - 1] === c) b--;
        return chars.slice(a, b).join('');
      };
      return [{ chain: (ts) => ts.map(stripOne), one: (v) => v }];
    }
    case 'Replace': {
      const p = cfg.pattern;
      const content = typeof cfg.content === 'string' ? cfg.content : '';
      if (!isObject(p) || typeof p.String !== 'string') throw bad(`decoder Replace supports String patterns only: ${JSON.stringify(p)}`);
      const re = new RegExp(escapeRegExp(p.String), 'gu');
      return [perToken((t) => t.replace(re, content))];
    }
    case 'Metaspace': {
      const rep = typeof cfg.replacement === 'string' ? cfg.replacement : '▁';
      const scheme = typeof cfg.prepend_scheme === 'string' ? cfg.prepend_scheme : cfg.add_prefix_space === false ? 'never' : 'always';
      const re = new RegExp(escapeRegExp(rep), 'gu');
      return [{
        // tokenizers drops every replacement character of the first token when it prepends one
        chain: (ts) => ts.map((t, i) => t.replace(re, i === 0 && scheme !== 'never' ? '' : ' ')),
        one: (v) => (typeof v === 'string' ? v.replace(re, ' ') : v),
      }];
    }
    case 'BPEDecoder': {
      const suffix = typeof cfg.suffix === 'string' ? cfg.suffix : '</w>';
      const re = new RegExp(escapeRegExp(suffix), 'gu');
      return [{
        chain: (ts) => ts.map((t, i) => t.replace(re, i === ts.length - 1 ? '' : ' ')),
        one: (v) => (typeof v === 'string' ? v.replace(re, ' ') : v),
      }];
    }
    default:
      throw bad(`decoder ${JSON.stringify(cfg.type)} is not supported (supported: ByteLevel, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence)`);
  }
}

export class Decoder {
  private readonly steps: Step[];

  /** `cfg` null: tokens are joined as they are. */
  constructor(cfg: unknown, file: string) {
    this.steps = cfg === null || cfg === undefined ? [] : build(cfg, file);
  }

  /** Hugging Face's decode of these token strings. */
  decodeChain(tokens: string[]): string {
    return this.steps.reduce((ts, s) => s.chain(ts), tokens).join('');
  }

  /** The UTF-8 bytes one token adds in the middle of a text. */
  tokenBytes(token: string): Uint8Array {
    const v = this.steps.reduce<string | Uint8Array>((x, s) => s.one(x), token);
    return typeof v === 'string' ? encoder.encode(v) : v;
  }
}
