// `dump` of an encoder–decoder model: the source's tokens and the three kinds of attention maps —
// encoder self-attention [L, H, S, S], decoder masked self-attention [L, H, T, T], cross-attention
// [L, H, T, S] — and the decoder's logits [T, V]. The target is --target-file's text, else the
// greedy translation; the decoder input is the start token then the target's ids (T of them).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEncDecTokenizer } from '../engine/encdec/encdecTokenizer';
import { loadEncDec } from '../engine/encdec/loadEncDec';
import { greedy } from '../engine/encdec/translate';
import { CliError, readTextFile } from './args';
import { f32le } from './f32le';
import { DEFAULT_TRANSLATE_TOKENS } from './translate';

/** Per-layer maps side by side → [L, …]. */
function stack(layers: Float32Array[]): Float32Array {
  const out = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of layers) {
    out.set(l, at);
    at += l.length;
  }
  return out;
}

export function encDecDump(dir: string, textFile: string, out: string, targetFile?: string): void {
  const text = readTextFile(textFile);
  const target = targetFile !== undefined ? readTextFile(targetFile) : undefined;
  const model = loadEncDec(dir);
  try {
    const c = model.config;
    const tokenizer = loadEncDecTokenizer(dir, c);
    const source = tokenizer.encode(text);
    const enc = model.encode(source.ids);
    // the target tokenized as a source is (MarianTokenizer's text_target uses the same pieces and vocab.json here)
    const targetIds = target !== undefined ? tokenizer.encode(target).ids : greedy(model, enc, DEFAULT_TRANSLATE_TOKENS);
    const decoderIds = [c.decoderStartTokenId, ...targetIds.slice(0, targetIds[targetIds.length - 1] === c.eosTokenId ? -1 : undefined)];
    const dec = model.decode(decoderIds, model.startDecoder(enc));
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new CliError(`${out}: cannot create the output folder (${(err as Error).message.split('\n')[0]})`);
    }
    const T = decoderIds.length;
    writeFileSync(join(out, 'source_tokens.json'), JSON.stringify(source.ids.map((id, i) => ({ id, text: source.tokens[i] }))));
    writeFileSync(join(out, 'target_tokens.json'), JSON.stringify(decoderIds.map((id) => ({ id, text: tokenizer.tokenText(id) }))));
    const meta = { family: c.family, encoderLayers: c.encoderLayers, decoderLayers: c.decoderLayers, nHead: c.nHead, headDim: c.headDim, dModel: c.dModel, vocabSize: c.vocabSize, S: enc.S, T, target: tokenizer.decode(targetIds) };
    writeFileSync(join(out, 'meta.json'), JSON.stringify(meta));
    writeFileSync(join(out, 'encoder_attentions.f32'), f32le(stack(enc.attentions))); // [L, H, S, S]
    writeFileSync(join(out, 'decoder_attentions.f32'), f32le(stack(dec.self))); // [L, H, T, T]
    writeFileSync(join(out, 'cross_attentions.f32'), f32le(stack(dec.cross))); // [L, H, T, S]
    writeFileSync(join(out, 'logits.f32'), f32le(dec.logits)); // [T, V]
  } finally {
    model.dispose();
  }
}
