// The learner's steps: for one step the formula, the shapes and the values to show — all taken
// from the engine's capture (LayerCapture) and read-out, never recomputed. The steps every family
// shares (GPT-2's) are here; the Llama family's and GPT-1's own are in familySteps.ts, the step
// list per family in stepPlan.ts. No DOM here: the renderer draws what this returns, and the unit
// tests check it against the engine.
import { formatText } from '../../src/shared/explanations';
import { buildFamilyStep } from './familySteps';
import type { StepRef } from './stepPlan';
import { MissingData, need, readoutBlock, stepContext, type StepInput, type StepView } from './stepView';

export * from './stepPlan';
export * from './stepView';

/** Builds the view of one step, or undefined while its capture / read-out has not arrived. */
export function buildStep(ref: StepRef, input: StepInput): StepView | undefined {
  try {
    return build(ref, input);
  } catch (err) {
    if (err instanceof MissingData) return undefined;
    throw err;
  }
}

function build(ref: StepRef, inp: StepInput): StepView {
  const c = stepContext(ref, inp);
  const { s, m, H, hd, d, p, T, h, upTo, onlyQuery, withContext, view, vec, cap, headSlice, table } = c;
  const { nInner, vocabSize: V, activation } = m;
  const rope = m.rope !== undefined;
  const names = embeddingNames(m.family);
  switch (ref.kind) {
    case 'tokens':
      return view(
        '"text" → tokens → ids',
        `T = ${T}`,
        [{ kind: 'tokens', rows: inp.tokens.map((t, i) => ({ index: i, text: c.tokText(i), id: t.id })) }],
        { query: p, context: upTo(T).filter((j) => j !== p) },
      );
    case 'tokenEmbedding':
      return view(`e_tok = ${names.tok}[${inp.tokens[p]?.id}]`, `${names.tok}: [${V} × ${d}] → [${d}]`, [
        vec(formatText(s.tokenEmbedding, names.tok), need(inp.tokenEmbedding, 'tokenEmbedding')),
      ]);
    case 'positionEmbedding':
      return view(`e_pos = ${names.pos}[${p}]`, `${names.pos}: [context × ${d}] → [${d}]`, [
        vec(formatText(s.positionEmbedding, names.pos), need(inp.positionEmbedding, 'positionEmbedding')),
      ]);
    case 'input':
      return view(`x₀ = ${names.tok}[${inp.tokens[p]?.id}] + ${names.pos}[${p}]`, `[${d}] + [${d}] → [${d}]`, [
        vec(formatText(s.tokenEmbedding, names.tok), need(inp.tokenEmbedding, 'tokenEmbedding')),
        vec(formatText(s.positionEmbedding, names.pos), need(inp.positionEmbedding, 'positionEmbedding')),
        vec(s.residualStream, cap().residualIn),
      ]);
    case 'ln1': {
      const x = cap();
      return view('LN(x) = (x − μ) / √(σ² + ε) · γ + β', `[${d}] → [${d}]`, [
        vec(s.inputVector, x.residualIn),
        vec(s.outputVector, x.ln1.subarray(p * d, (p + 1) * d)),
      ]);
    }
    case 'qkv': {
      const x = cap();
      if (rope) return buildFamilyStep(ref, inp);
      // GPT-1 reads the block's input itself (post-LN); GPT-2 its ln_1.
      const from = m.normPlacement === 'post' ? 'x' : 'LN(x)';
      return view(
        `[q | k | v] = ${from} · W_attn + b_attn,  split into heads`,
        `[${d}] · [${d} × ${3 * H * hd}] → 3 × [${H} × ${hd}]`,
        [
          vec(c.headLabel(s.queryVector), headSlice(x.q, hd, h)),
          c.keyStrips(s.keyVectors, x.k),
          c.keyStrips(s.valueVectors, x.v),
        ],
        withContext,
      );
    }
    case 'scores':
      return view('s_j = q · k_j', `[${H} × ${hd}] · [${H} × ${hd} × ${p + 1}] → [${H} × ${p + 1}]`, [
        table('scores', s.titleScores, cap().rawScores, false, false),
      ], withContext);
    case 'scale':
      return view(`s_j / √d_k = s_j / √${hd} = s_j / ${Math.sqrt(hd).toPrecision(6)}`, `[${H} × ${p + 1}]`, [
        table('scaled', s.titleScale, cap().scaledScores, false, false),
      ], withContext);
    case 'mask': {
      const w = m.slidingWindow && ref.layer >= m.slidingWindow.fromLayer ? m.slidingWindow.size : undefined;
      const formula = w === undefined ? 's_j + (j ≤ i ? 0 : −∞)' : `s_j + (j ≤ i and i − j < ${w} ? 0 : −∞)`;
      const note = w === undefined ? undefined : formatText(s.slidingWindowNote, w);
      return view(formula, `[${H} × ${T}]`, [table('masked', s.titleMask, cap().maskedScores, true, false)], withContext, note);
    }
    case 'softmax':
      return view('w_j = exp(s_j) / Σ_i exp(s_i),   Σ_j w_j = 1', `[${H} × ${T}]`, [
        table('weights', s.titleSoftmax, cap().weights, true, true),
      ], withContext);
    case 'weightedSum': {
      const x = cap();
      return view('o = Σ_j w_j · v_j', `[${H} × ${p + 1}] · [${H} × ${p + 1} × ${hd}] → [${H} × ${hd}]`, [
        {
          kind: 'strips',
          label: s.titleWeightedSum,
          shape: `[${H} × ${hd}]`,
          rows: upTo(H).map((head) => ({ label: formatText(s.headOutput, head), values: headSlice(x.headOutputs, hd, head) })),
        },
      ], withContext);
    }
    case 'projection': {
      const x = cap();
      const bias = m.family === 'gpt2' || m.family === 'openai-gpt' ? ' + b_O' : '';
      return view(`a = concat(o_1, …, o_H) · W_O${bias}`, `[${H} × ${hd}] → [${H * hd}] · [${H * hd} × ${d}] → [${d}]`, [
        vec(s.concatenated, x.concat),
        vec(s.attentionOutput, x.attnOut),
      ]);
    }
    case 'residual1': {
      const x = cap();
      // Post-LN (GPT-1): the sum is what ln_1 normalises next.
      const sum = m.normPlacement === 'post' ? need(x.attnSum, 'attnSum') : x.residualMid;
      return view("x' = x + a", `[${d}] + [${d}] → [${d}]`, [vec(s.residualStream, x.residualIn), vec(s.attentionOutput, x.attnOut), vec(s.outputVector, sum)]);
    }
    case 'ln2': {
      const x = cap();
      return view("LN(x') = (x' − μ) / √(σ² + ε) · γ + β", `[${d}] → [${d}]`, [vec(s.inputVector, x.residualMid), vec(s.outputVector, x.ln2)]);
    }
    case 'ffn': {
      const x = cap();
      const from = m.normPlacement === 'post' ? "x'" : "LN(x')";
      return view(`f = ${activation}(${from} · W_fc + b_fc) · W_proj + b_proj`, `[${d}] → [${nInner}] → [${d}]`, [
        vec(s.hiddenBefore, x.ffnPre),
        vec(formatText(s.hiddenAfter, activation), x.ffnAct),
        vec(s.ffnOutput, x.ffnOut),
      ]);
    }
    case 'residual2': {
      const x = cap();
      const sum = m.normPlacement === 'post' ? need(x.ffnSum, 'ffnSum') : x.residualOut;
      return view("x_out = x' + f", `[${d}] + [${d}] → [${d}]`, [vec(s.residualStream, x.residualMid), vec(s.ffnOutput, x.ffnOut), vec(s.outputVector, sum)]);
    }
    case 'finalLn': {
      const x = cap();
      const r = need(inp.readout, 'readout');
      return view(`logits = LN_f(x_L) · ${names.tok}ᵀ`, `[${d}] → LN_f → [${d}] · [${d} × ${V}] → [${V}]`, [
        vec(`${s.residualStream} x_L`, x.residualOut),
        vec(`${s.outputVector} LN_f(x_L)`, need(inp.finalLn, 'finalLn')),
        readoutBlock(r, false, inp.tokens, inp.strings),
      ]);
    }
    case 'softmaxOut': {
      const r = need(inp.readout, 'readout');
      const best = readoutBlock(r, true, inp.tokens, inp.strings).rows[0];
      const note = best ? formatText(s.predicted, `“${best.text}”`, best.prob.toFixed(4)) : undefined;
      return view(`P(next = i) = exp(logit_i) / Σ_j exp(logit_j)   (log Σ = ${r.logSumExp.toFixed(4)})`, `[${V}] → [${V}]`, [
        readoutBlock(r, true, inp.tokens, inp.strings),
      ], onlyQuery, note);
    }
    default:
      return buildFamilyStep(ref, inp);
  }
}

/** The checkpoint's names of the token and position tables. */
export function embeddingNames(family: string): { tok: string; pos: string } {
  if (family === 'gpt2') return { tok: 'wte', pos: 'wpe' };
  if (family === 'openai-gpt') return { tok: 'tokens_embed', pos: 'positions_embed' };
  return { tok: 'embed_tokens', pos: '' };
}
