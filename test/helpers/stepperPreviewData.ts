// Dev only: the real numbers of a family fixture for the Layer Stepper's preview
// (webview/stepper/dev): every layer's capture at every position, the read-outs and the logit lens,
// from the engine run on the reference's ids, written as JSON (non-finite numbers as strings).
// Usage: npx tsx test/helpers/stepperPreviewData.ts <case> <out.json>
import { writeFileSync } from 'node:fs';
import { topKSoftmax } from '../../src/analysis/topk';
import { openFamily } from './familyStepper';

async function main(): Promise<void> {
  const [name = 'qwen3-qknorm-bf16-fullctx', out = '/tmp/stepper-preview-data.json'] = process.argv.slice(2);
  const f = await openFamily(name);
  try {
    const T = f.ids.length;
    const captures: Record<string, unknown> = {};
    const readouts: Record<number, unknown> = {};
    for (let p = 0; p < T; p++) {
      for (let l = 0; l < f.config.nLayer; l++) captures[`${l}:${p}`] = await f.run.capture(l, p);
      readouts[p] = await f.run.readout(p);
    }
    const r = await f.model.forward(f.ids, { attentions: false, residuals: true });
    const lens = [];
    for (const x of r.residuals!) {
      const logits = await f.model.unembed(x, T);
      lens.push(Array.from({ length: T }, (_, t) => topKSoftmax(logits, f.config.vocabSize, t, 5, (id) => `<${id}>`)));
    }
    const data = { facts: { ...f.facts, name: `${name} (fixture)` }, tokens: f.tokens, captures, readouts, lens };
    const json = JSON.stringify(data, (_k, v: unknown) => {
      if (v instanceof Float32Array) return Array.from(v, (x) => (Number.isFinite(x) ? x : String(x)));
      return v;
    });
    writeFileSync(out, json);
    console.log(`${out}: ${T} positions × ${f.config.nLayer} layers of ${name}`);
  } finally {
    f.dispose();
  }
}

void main();
