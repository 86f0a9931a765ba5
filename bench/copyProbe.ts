// Can the trainer learn to copy at a given size? Trains a model (GPTTrain + AdamW, the pre-training
// step without the data pipeline) on rows of random tokens that repeat with a period P, the loss on
// the repeats only, and prints that loss every 25 steps next to ln V (chance), with the loss on the
// eval's own induction test (128 random ids of the full vocabulary, repeated) where it would copy.
// A diagnostic for the bundled model's missing induction heads (see README, "The bundled model").
//
//   V=64 T=64 B=8 D=64 L=2 H=2 S=400 npx tsx bench/copyProbe.ts [fast|reference]
//   INIT=.train-runs/bundled/train-state.safetensors V=4096 T=256 B=4 D=128 L=4 H=4 LO=256 HI=1024 PMIN=8 PMAX=64 npx tsx bench/copyProbe.ts
// Options: INIT starts from a training state instead of random weights; ids are drawn from [LO, HI);
// the period P is uniform in [PMIN, PMAX] per row (default T/2); NPOS, the model's context, may be
// longer than the rows (T); WORKERS=2 uses both cores; LR.
// Measured 2026-11-29 (from scratch, P = T/2, ids over all of V): V=64 T=64 D=64 L=2 falls to 0.08
// nats by step 150; the bundled size (V=4096 T=256 D=128 L=4 H=4) stayed at chance until step ~1200.
import { initBackend } from '../src/engine/backend';
import { makeRepeatedRandomTokens } from '../src/analysis/headStats';
import { AdamW } from '../src/train/adamw';
import { GPTTrain, type TokenBatch } from '../src/train/gptTrain';
import { copyTaskBatch } from '../src/train/data';
import { DataParallel } from '../src/train/dataParallel';
import { loadTrainState } from '../src/train/trainState';
import '../test/helpers/sourceWorkers';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  await initBackend({ backend: 'wasm' });
  const V = env('V', 64);
  const T = env('T', 64);
  const B = env('B', 8);
  const d = env('D', 64);
  const lo = env('LO', 0);
  const hi = env('HI', V);
  const pMin = env('PMIN', T / 2);
  const pMax = env('PMAX', T / 2);
  const lr = env('LR', 3e-3);
  const nPos = env('NPOS', T); // the model's context; training rows may be shorter (T)
  const config = { modelType: 'gpt2' as const, vocabSize: V, nPositions: nPos, nEmbd: d, nLayer: env('L', 2), nHead: env('H', 2), nKvHead: env('H', 2), headDim: d / env('H', 2), nInner: 4 * d, layerNormEps: 1e-5, activation: 'gelu_new' as const };
  const model = GPTTrain.init(config, 1);
  model.kernels = process.argv[2] === 'reference' ? 'reference' : 'fast';
  const adam = new AdamW(model.params.map((p) => p.length), model.specs.map((s) => s.decay), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
  if (process.env.INIT) {
    const s = loadTrainState(process.env.INIT, model.specs);
    s.params.forEach((p, i) => model.params[i].set(p));
    console.log(`from ${process.env.INIT} (step ${s.meta.step}); fresh optimizer state`);
  }
  const dp = env('WORKERS', 1) > 1 ? await DataParallel.start(config, model.params.map((p) => p.length), { threads: 2 }) : undefined;
  // The eval's test: n = NPOS/2 distinct ids of the whole vocabulary, then the same ids again.
  const N = nPos;
  const test: TokenBatch = { B: 4, T: N, inputs: new Int32Array(4 * N), targets: new Int32Array(4 * N), weights: new Float32Array(4 * N) };
  for (let b = 0; b < 4; b++) {
    const ids = makeRepeatedRandomTokens(N / 2, V, 1000 + b, [V - 1]);
    for (let i = 0; i < N; i++) {
      test.inputs[b * N + i] = ids[i];
      test.targets[b * N + i] = ids[(i + 1) % N];
      test.weights![b * N + i] = i >= N / 2 && i < N - 1 ? 1 : 0;
    }
  }
  const t0 = Date.now();
  for (let step = 1; step <= env('S', 400); step++) {
    // The trainer's copy task (only the repeats carry loss), seeded by step.
    const batch = copyTaskBatch({ rows: B, length: T, periodMin: pMin, periodMax: pMax, idsFrom: lo, idsTo: hi }, 7, step);
    const r = dp ? await dp.lossAndGrads(model, batch) : model.lossAndGrads(batch);
    adam.step(model.params, r.grads, lr, 1 / r.weightSum, 1);
    if (step % 25 === 0) {
      const e = model.loss(test);
      console.log(
        `step ${step}: repeat loss ${(r.lossSum / r.weightSum).toFixed(3)} nats (chance ln ${hi - lo} = ${Math.log(hi - lo).toFixed(3)}); ` +
          `induction test ${(e.lossSum / e.weightSum).toFixed(3)} (chance ${Math.log(V).toFixed(3)}); ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
  await dp?.close();
}

void main();
