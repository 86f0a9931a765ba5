// Can the trainer learn to copy at a given size? Trains a fresh model (GPTTrain + AdamW, the
// pre-training step without the data pipeline) on sequences of random tokens repeated twice, with
// the loss on the second copy only, and prints that loss every 25 steps next to ln V (chance).
// A diagnostic for the bundled model's missing induction heads (see README, "The bundled model").
//
//   V=64 T=64 B=8 D=64 L=2 H=2 S=400 npx tsx bench/copyProbe.ts [fast|reference]
// Measured 2026-11-29: that small setting falls to 0.08 nats by step 150; the bundled model's
// size (V=4096 T=256 B=4 D=128 L=4 H=4) was still at chance (8.33 ≈ ln 4096) after 200 steps.
import { initBackend } from '../src/engine/backend';
import { Rng } from '../src/engine/sampler';
import { AdamW } from '../src/train/adamw';
import { GPTTrain } from '../src/train/gptTrain';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  await initBackend();
  const V = env('V', 64);
  const T = env('T', 64);
  const B = env('B', 8);
  const d = env('D', 64);
  const half = T / 2;
  const config = { modelType: 'gpt2' as const, vocabSize: V, nPositions: T, nEmbd: d, nLayer: env('L', 2), nHead: env('H', 2), nInner: 4 * d, layerNormEps: 1e-5, activation: 'gelu_new' as const };
  const model = GPTTrain.init(config, 1);
  model.kernels = process.argv[2] === 'reference' ? 'reference' : 'fast';
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
  const rng = new Rng(7);
  for (let step = 1; step <= env('S', 400); step++) {
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const weights = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      const seq = Array.from({ length: half }, () => Math.floor(rng.next() * V));
      for (let i = 0; i < T; i++) {
        inputs[b * T + i] = seq[i % half];
        targets[b * T + i] = seq[(i + 1) % half];
        weights[b * T + i] = i >= half ? 1 : 0; // only the second copy is predictable
      }
    }
    const r = model.lossAndGrads({ B, T, inputs, targets, weights });
    adam.step(model.params, r.grads, 3e-3, 1 / r.weightSum, 1);
    if (step % 25 === 0) console.log(`step ${step}: second-copy loss ${(r.lossSum / r.weightSum).toFixed(3)} nats (chance ln V = ${Math.log(V).toFixed(3)})`);
  }
}

void main();
