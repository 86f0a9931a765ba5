// The `post_processor` of a tokenizer.json for one sequence: the ids a template puts before and after
// the text's tokens (Llama's "<s> $A", BERT-style "[CLS] $A [SEP]"). ByteLevel only trims offsets
// in Hugging Face's tokenizers and adds no ids. tokenizer_config.json's `add_bos_token` /
// `add_eos_token` then say whether BOS / EOS are added, as transformers' Llama tokenizers rebuild
// their template from them.

import { EngineError } from '../errors';

export interface Template {
  prefix: number[];
  suffix: number[];
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

function build(cfg: unknown, file: string, idOf: (token: string) => number | undefined): Template {
  const bad = (msg: string): EngineError => new EngineError('BAD_TOKENIZER', msg, file);
  if (cfg === null || cfg === undefined) return { prefix: [], suffix: [] };
  if (!isObject(cfg)) throw bad(`post_processor is not an object: ${JSON.stringify(cfg)}`);
  switch (cfg.type) {
    case 'ByteLevel':
      return { prefix: [], suffix: [] };
    case 'Sequence': {
      if (!Array.isArray(cfg.processors)) throw bad('post_processor Sequence has no "processors" list');
      const parts = cfg.processors.map((p) => build(p, file, idOf));
      return { prefix: parts.flatMap((p) => p.prefix), suffix: parts.flatMap((p) => p.suffix) };
    }
    case 'TemplateProcessing': {
      const single = cfg.single;
      const specials = isObject(cfg.special_tokens) ? cfg.special_tokens : {};
      if (!Array.isArray(single)) throw bad('post_processor TemplateProcessing has no "single" template');
      const out: Template = { prefix: [], suffix: [] };
      let seen = false;
      for (const item of single) {
        if (isObject(item) && isObject(item.Sequence)) {
          seen = true;
          continue;
        }
        const name = isObject(item) && isObject(item.SpecialToken) ? item.SpecialToken.id : undefined;
        if (typeof name !== 'string') throw bad(`post_processor template item ${JSON.stringify(item)} is neither a Sequence nor a SpecialToken`);
        const entry = specials[name];
        const ids = isObject(entry) && Array.isArray(entry.ids) ? entry.ids : undefined;
        if (!ids || !ids.every((x) => typeof x === 'number')) throw bad(`post_processor special token "${name}" has no ids in "special_tokens"`);
        (seen ? out.suffix : out.prefix).push(...(ids as number[]));
      }
      return out;
    }
    case 'RobertaProcessing':
    case 'BertProcessing': {
      const pick = (x: unknown, what: string): number => {
        const id = Array.isArray(x) && typeof x[1] === 'number' ? x[1] : Array.isArray(x) && typeof x[0] === 'string' ? idOf(x[0]) : undefined;
        if (id === undefined) throw bad(`post_processor ${String(cfg.type)} has no usable "${what}" token`);
        return id;
      };
      return { prefix: [pick(cfg.cls, 'cls')], suffix: [pick(cfg.sep, 'sep')] };
    }
    default:
      throw bad(`post_processor ${JSON.stringify(cfg.type)} is not supported (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)`);
  }
}

/**
 * The template for one text. `config` is tokenizer_config.json's content (if any): an explicit
 * add_bos_token / add_eos_token adds or removes BOS / EOS around the template's own ids.
 */
export function buildTemplate(
  cfg: unknown,
  file: string,
  idOf: (token: string) => number | undefined,
  config: { addBos?: boolean; addEos?: boolean; bosId?: number; eosId?: number } = {},
): Template {
  const t = build(cfg, file, idOf);
  const { addBos, addEos, bosId, eosId } = config;
  if (bosId !== undefined && addBos === true && t.prefix[0] !== bosId) t.prefix.unshift(bosId);
  if (bosId !== undefined && addBos === false && t.prefix[0] === bosId) t.prefix.shift();
  if (eosId !== undefined && addEos === true && t.suffix[t.suffix.length - 1] !== eosId) t.suffix.push(eosId);
  if (eosId !== undefined && addEos === false && t.suffix[t.suffix.length - 1] === eosId) t.suffix.pop();
  return t;
}
