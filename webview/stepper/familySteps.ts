// The steps only some families have, with the engine's numbers: the Llama family's RMSNorm, q/k/v
// before RoPE, Qwen3's q/k norm, RoPE (q and k before and after, the angle per dimension pair),
// the key/value head a query head reads (grouped-query attention), SwiGLU and the final RMSNorm;
// GPT-1's norms after each residual add and its head without a final norm. The only numbers made
// here are display values: the angle p · θ_i from the engine's inv_freq, and the unscaled
// frequencies from rope_theta beside the scaled ones.
import { formatText } from '../../src/shared/explanations';
import type { StepRef } from './stepPlan';
import { need, readoutBlock, stepContext, type Block, type GridBlock, type StepInput, type StepView } from './stepView';

/** A number as the formulas show it. */
const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x));

export function buildFamilyStep(ref: StepRef, inp: StepInput): StepView {
  const c = stepContext(ref, inp);
  const { s, m, H, hd, d, p, h, upTo, withContext, view, vec, cap, headSlice, headLabel, keyStrips } = c;
  const eps = m.layerNormEps;
  /** RMSNorm's root mean square as a one-row grid (the engine's value). */
  const rmsGrid = (rms: number): GridBlock => ({
    kind: 'grid',
    name: 'rms',
    label: s.rmsValue,
    shape: '[1]',
    header: ['rms(x)', 'ε'],
    rows: [{ cells: [rms, String(eps)] }],
  });
  const rmsFormula = (x: string, rms: number): string => `RMSNorm(${x}) = ${x} / rms(${x}) · w,   rms(${x}) = √(mean(${x}²) + ε) = ${num(rms)}`;
  /** The key of the query token itself, from a per-query-head [H × (p+1) × hd] capture. */
  const ownKey = (a: Float32Array): Float32Array => a.subarray((h * (p + 1) + p) * hd, (h * (p + 1) + p + 1) * hd);

  switch (ref.kind) {
    case 'embedInput':
      return view('x₀ = embed_tokens[id]   (+ 0: positions enter through RoPE)', `[${d}]`, [
        vec(formatText(s.tokenEmbedding, 'embed_tokens'), need(inp.tokenEmbedding, 'tokenEmbedding')),
        vec(s.residualStream, cap().residualIn),
      ]);
    case 'rmsNorm1': {
      const x = cap();
      const rms = need(x.ln1Rms, 'ln1Rms')[0];
      return view(rmsFormula('x', rms), `[${d}] → [${d}]`, [
        vec(s.inputVector, x.residualIn),
        rmsGrid(rms),
        vec(`${s.normWeight} (input_layernorm)`, need(x.ln1Weight, 'ln1Weight')),
        vec(s.outputVector, x.ln1.subarray(p * d, (p + 1) * d)),
      ]);
    }
    case 'rmsNorm2': {
      const x = cap();
      const rms = need(x.ln2Rms, 'ln2Rms')[0];
      return view(rmsFormula("x'", rms), `[${d}] → [${d}]`, [
        vec(s.inputVector, x.residualMid),
        rmsGrid(rms),
        vec(`${s.normWeight} (post_attention_layernorm)`, need(x.ln2Weight, 'ln2Weight')),
        vec(s.outputVector, x.ln2),
      ]);
    }
    case 'qkv': {
      const x = cap();
      const b = m.qkvBias ? ' + b' : '';
      const Hkv = m.nKvHead;
      return view(
        `q = RMSNorm(x) · W_qᵀ${b},  k = RMSNorm(x) · W_kᵀ${b},  v = RMSNorm(x) · W_vᵀ${b}`,
        `[${d}] → q: [${H} × ${hd}],  k, v: [${Hkv} × ${hd}]`,
        [
          vec(headLabel(s.queryProjected), headSlice(need(x.qProjected, 'qProjected'), hd, h)),
          keyStrips(s.keysProjected, need(x.kProjected, 'kProjected')),
          keyStrips(s.valueVectors, x.v),
        ],
        withContext,
      );
    }
    case 'qkNorm': {
      const x = cap();
      const qn = need(x.qNormed, 'qNormed');
      const kn = need(x.kNormed, 'kNormed');
      return view(
        `q_h ← q_h / √(mean(q_h²) + ε) · w_q,   k_h ← k_h / √(mean(k_h²) + ε) · w_k   (mean over the ${hd} values of head h)`,
        `[${H} × ${hd}] → [${H} × ${hd}],  [${m.nKvHead} × ${hd}] → [${m.nKvHead} × ${hd}]`,
        [
          vec(headLabel(s.queryProjected), headSlice(need(x.qProjected, 'qProjected'), hd, h)),
          vec(s.qNormWeight, need(x.qNormWeight, 'qNormWeight')),
          vec(headLabel(s.queryNormed), headSlice(qn, hd, h)),
          vec(headLabel(s.keyProjectedAtQuery), ownKey(need(x.kProjected, 'kProjected'))),
          vec(s.kNormWeight, need(x.kNormWeight, 'kNormWeight')),
          vec(headLabel(s.keyNormed), ownKey(kn)),
        ],
      );
    }
    case 'rope':
      return ropeStep(c, inp);
    case 'kvGroup': {
      const x = cap();
      const G = H / m.nKvHead; // query heads per kv head
      const g = Math.floor(h / G);
      const grid: GridBlock = {
        kind: 'grid',
        name: 'kvGroups',
        label: s.kvGroupTable,
        shape: `${m.nKvHead} × ${G}`,
        header: [s.kvHeadColumn, s.queryHeadsColumn],
        rows: upTo(m.nKvHead).map((j) => ({ cells: [String(j), `${j * G}–${(j + 1) * G - 1}`], selected: j === g })),
      };
      const strips = (label: string, a: Float32Array): Block => ({ ...keyStrips('', a), label: formatText(label, g) });
      return view(
        `kv head = ⌊h / (H / H_kv)⌋ = ⌊${h} / ${G}⌋ = ${g}`,
        `K, V: [${m.nKvHead} × ${p + 1} × ${hd}]  →  ${H} query heads`,
        [grid, strips(s.kvKeys, x.k), strips(s.kvValues, x.v)],
        withContext,
        formatText(s.kvGroupNote, g * G, (g + 1) * G - 1, g),
      );
    }
    case 'swiglu': {
      const x = cap();
      return view(
        "f = down_proj(silu(gate_proj(x')) ⊙ up_proj(x')),   silu(g) = g · σ(g)",
        `[${d}] → 2 × [${m.nInner}] → [${m.nInner}] → [${d}]`,
        [
          vec(s.swigluGate, x.ffnPre),
          vec(s.swigluSilu, need(x.ffnGateAct, 'ffnGateAct')),
          vec(s.swigluUp, need(x.ffnUp, 'ffnUp')),
          vec(s.swigluProduct, x.ffnAct),
          vec(s.ffnOutput, x.ffnOut),
        ],
      );
    }
    case 'postLn1': {
      const x = cap();
      return view("x' = LN_1(x + a) = (x + a − μ) / √(σ² + ε) · γ + β", `[${d}] → [${d}]`, [
        vec(s.inputVector, need(x.attnSum, 'attnSum')),
        vec(s.outputVector, x.residualMid),
      ]);
    }
    case 'postLn2': {
      const x = cap();
      return view("x_out = LN_2(x' + f) = (x' + f − μ) / √(σ² + ε) · γ + β", `[${d}] → [${d}]`, [
        vec(s.inputVector, need(x.ffnSum, 'ffnSum')),
        vec(s.outputVector, x.residualOut),
      ]);
    }
    case 'finalRmsNorm': {
      const x = cap();
      const r = need(inp.readout, 'readout');
      const rms = need(inp.finalNormRms, 'finalNormRms');
      const head = m.tiedHead ? 'embed_tokensᵀ' : 'lm_headᵀ';
      return view(`logits = RMSNorm(x_L) · ${head},   rms(x_L) = ${num(rms)}`, `[${d}] → RMSNorm → [${d}] · [${d} × ${m.vocabSize}] → [${m.vocabSize}]`, [
        vec(`${s.residualStream} x_L`, x.residualOut),
        rmsGrid(rms),
        vec(`${s.normWeight} (model.norm)`, need(inp.finalNormWeight, 'finalNormWeight')),
        vec(`${s.outputVector} RMSNorm(x_L)`, need(inp.finalLn, 'finalLn')),
        readoutBlock(r, false, inp.tokens, inp.strings),
      ]);
    }
    case 'headOnly': {
      const x = cap();
      const r = need(inp.readout, 'readout');
      return view('logits = x_L · tokens_embedᵀ', `[${d}] · [${d} × ${m.vocabSize}] → [${m.vocabSize}]`, [
        vec(`${s.residualStream} x_L`, x.residualOut),
        readoutBlock(r, false, inp.tokens, inp.strings),
      ]);
    }
    default:
      throw new Error(`the Layer Stepper has no step "${ref.kind}" for the ${m.family} family`);
  }
}

/** RoPE: q and k of the selected head before and after, and the angle of every dimension pair. */
function ropeStep(c: ReturnType<typeof stepContext>, inp: StepInput): StepView {
  const { s, m, hd, p, h, withContext, view, vec, cap, headSlice, headLabel, keyStrips } = c;
  const x = cap();
  const rope = need(m.rope, 'rope');
  const invFreq = need(inp.invFreq, 'invFreq');
  const half = rope.rotaryDim / 2;
  const qIn = need(x.qNormed ?? x.qProjected, 'qProjected'); // RoPE's input: after q/k norm where the model has one
  const kIn = need(x.kNormed ?? x.kProjected, 'kProjected');
  const before = headSlice(qIn, hd, h);
  const after = headSlice(x.q, hd, h);
  const scaled = rope.scaling !== undefined && rope.scaling.type !== 'dynamic';
  const header = [s.ropePair, s.ropeDims, ...(scaled ? [s.ropeUnscaled] : []), 'θ_i', s.ropeAngle, 'q_i', `q_{i+${half}}`, "q'_i", `q'_{i+${half}}`];
  const rows = Array.from({ length: half }, (_, i) => ({
    cells: [
      String(i), // an index: no decimals
      `${i}, ${i + half}`,
      ...(scaled ? [Math.pow(rope.theta, (-2 * i) / rope.rotaryDim)] : []),
      invFreq[i],
      p * invFreq[i],
      before[i],
      before[i + half],
      after[i],
      after[i + half],
    ],
  }));
  const notes: string[] = [];
  if (rope.scaling) notes.push(formatText(scaled ? s.ropeScalingNote : s.ropeDynamicNote, rope.scaling.type, rope.scaling.factor));
  if (rope.rotaryDim < hd) notes.push(formatText(s.partialRotaryNote, rope.rotaryDim, hd));
  const blocks: Block[] = [
    vec(headLabel(s.queryBeforeRope), before),
    vec(headLabel(s.queryAfterRope), after),
    { kind: 'grid', name: 'rope', label: formatText(s.ropeTable, h, p), shape: `[${half}]`, header, rows },
    keyStrips(s.keysBeforeRope, kIn),
    keyStrips(s.keysAfterRope, x.k),
  ];
  return view(
    `q'_i = q_i·cos(p·θ_i) − q_{i+${half}}·sin(p·θ_i),   q'_{i+${half}} = q_{i+${half}}·cos(p·θ_i) + q_i·sin(p·θ_i),   θ_i = ${num(rope.theta)}^(−2i/${rope.rotaryDim}),   p = ${p}`,
    `[${hd}] → [${hd}]: ${half} ${s.ropePairs}`,
    blocks,
    withContext,
    notes.length > 0 ? notes.join(' ') : undefined,
  );
}
