// The GPT-2 decoder (nanoGPT's GPT): wte + wpe → h[0..L) blocks → ln_f → tied LM head. Exposes
// what it computes: per-layer attention maps, the residual stream after every block, and one
// layer's internals at one position (the learner's stepper) — all read from the same pass.
import { tf } from './backend';
import { layerNorm, runBlock, type BlockTensors } from './block';
import { EngineError } from './errors';
import { KVCache } from './kvCache';
import { allTensors, buildModelTensors, type ModelTensors } from './modelWeights';
import type { CaptureRequest, ForwardOptions, ForwardResult, GPTConfig, LayerCapture, WeightMap } from './types';

type CaptureKey = Exclude<keyof LayerCapture, 'layer' | 'position' | 'headDim'>;
type CaptureTensors = Record<CaptureKey, tf.Tensor>;

/** One layer's internals sliced at query position p (see LayerCapture for the shapes). */
function captureSlices(r: BlockTensors, p: number): CaptureTensors {
  const H = r.part('rawScores').shape[0];
  const hd = r.part('q').shape[2];
  const d = r.residualIn.shape[1];
  const row = (t: tf.Tensor2D) => tf.slice(t, [p, 0], [1, t.shape[1]]); // [1, width]
  const atQuery = (t: tf.Tensor3D) => tf.slice(t, [0, p, 0], [H, 1, t.shape[2]]); // [H, 1, width]
  const upTo = (t: tf.Tensor3D) => tf.slice(t, [0, 0, 0], [H, p + 1, hd]); // [H, p+1, hd]
  return {
    residualIn: row(r.residualIn), // [1, d]
    ln1: tf.slice(r.ln1, [0, 0], [p + 1, d]), // [p+1, d]
    q: atQuery(r.part('q')), // [H, 1, hd]
    k: upTo(r.part('k')), // [H, p+1, hd]
    v: upTo(r.part('v')), // [H, p+1, hd]
    rawScores: atQuery(r.part('rawScores')), // [H, 1, T]
    scaledScores: atQuery(r.part('scaledScores')), // [H, 1, T]
    maskedScores: atQuery(r.part('maskedScores')), // [H, 1, T]
    weights: atQuery(r.part('weights')), // [H, 1, T]
    headOutputs: atQuery(r.part('headOutputs')), // [H, 1, hd]
    concat: row(r.concat), // [1, d]
    attnOut: row(r.attnOut), // [1, d]
    residualMid: row(r.residualMid), // [1, d]
    ln2: row(r.ln2), // [1, d]
    ffnPre: row(r.ffnPre), // [1, nInner]
    ffnAct: row(r.ffnAct), // [1, nInner]
    ffnOut: row(r.ffnOut), // [1, d]
    residualOut: row(r.residualOut), // [1, d]
  };
}

/** Called during forward(), between the blocks and the LM head. */
export interface ForwardHooks {
  /**
   * Every layer's attention [H × T × T] (the same arrays the result will carry), as soon as the
   * last block has run and before ln_f + the LM head; awaited before the head runs.
   */
  afterBlocks?: (attentions: Float32Array[]) => void | Promise<void>;
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

export class GPTModel {
  readonly config: GPTConfig;
  readonly numParams: number;
  private readonly w: ModelTensors;
  private disposed = false;

  private constructor(config: GPTConfig, w: ModelTensors) {
    this.config = config;
    this.w = w;
    this.numParams = w.numParams;
  }

  /** Copies the weights into tensors (checking every shape); the WeightMap can be dropped after. */
  static create(config: GPTConfig, weights: WeightMap): GPTModel {
    if (config.nEmbd % config.nHead !== 0) {
      throw new EngineError('BAD_CONFIG', `n_embd (${config.nEmbd}) must be divisible by n_head (${config.nHead})`);
    }
    return new GPTModel(config, buildModelTensors(config, weights));
  }

  /** A full forward pass over `ids` from position 0. */
  async forward(ids: number[], opts: ForwardOptions = {}, hooks: ForwardHooks = {}): Promise<ForwardResult> {
    this.checkAlive();
    this.checkIds(ids, 0);
    const { nLayer, nEmbd: d } = this.config;
    const T = ids.length;
    const wantAttentions = opts.attentions ?? true;
    const cap = opts.capture;
    if (cap) this.checkCapture(cap, T);

    const result: ForwardResult = { T, logits: new Float32Array(0) };
    const attentions: Float32Array[] = [];
    const residuals: Float32Array[] = [];
    const emb = tf.tidy(() => {
      const tok = tf.gather(this.w.wte, tf.tensor1d(ids, 'int32')) as tf.Tensor2D; // [T, d]
      const pos = tf.slice(this.w.wpe, [0, 0], [T, d]) as tf.Tensor2D; // [T, d]
      return { tok, pos, x: tf.add(tok, pos) as tf.Tensor2D }; // [T, d]
    });
    let x = emb.x; // [T, d]
    try {
      if (cap) {
        result.tokenEmbeddings = await read(emb.tok);
        result.positionEmbeddings = await read(emb.pos);
      }
      emb.tok.dispose();
      emb.pos.dispose();
      if (opts.residuals) residuals.push(await read(x));

      for (let l = 0; l < nLayer; l++) {
        const out = tf.tidy(() => {
          const r = runBlock(x, this.w.h[l], this.config, { pos0: 0 });
          return {
            next: r.residualOut, // [T, d]
            att: wantAttentions ? r.part('weights') : undefined, // [H, T, T]
            cap: cap && cap.layer === l ? captureSlices(r, cap.position) : undefined,
          };
        });
        x.dispose();
        x = out.next;
        try {
          if (out.att) attentions.push(await read(out.att));
          if (out.cap && cap) result.capture = await this.readCapture(out.cap, cap);
          if (opts.residuals) residuals.push(await read(x));
        } finally {
          out.att?.dispose();
          if (out.cap) for (const t of Object.values(out.cap)) t.dispose();
        }
      }

      if (hooks.afterBlocks) await hooks.afterBlocks(attentions);
      if (cap) {
        const lnF = tf.tidy(() => layerNorm(tf.slice(x, [cap.position, 0], [1, d]) as tf.Tensor2D, this.w.ln_f, this.config.layerNormEps)); // [1, d]
        try {
          result.finalLn = await read(lnF);
        } finally {
          lnF.dispose();
        }
      }
      const logits = tf.tidy(() => this.head(x)); // [T, V]
      try {
        result.logits = await read(logits);
      } finally {
        logits.dispose();
      }
    } finally {
      x.dispose();
    }
    if (wantAttentions) result.attentions = attentions;
    if (opts.residuals) result.residuals = residuals;
    return result;
  }

  /** An empty KV cache for this model; the caller disposes it. */
  newCache(): KVCache {
    this.checkAlive();
    return new KVCache(this.config.nLayer, this.config.nPositions);
  }

  /** Appends `ids` to the cache (one pass over all of them) and returns the last position's logits [V]. */
  async step(cache: KVCache, ids: number[]): Promise<Float32Array> {
    this.checkAlive();
    if (cache.isDisposed || cache.nLayer !== this.config.nLayer) {
      throw new EngineError('BAD_ARGUMENT', 'step() needs a live KV cache made by this model');
    }
    const pos0 = cache.length;
    this.checkIds(ids, pos0);
    const { nLayer, nEmbd: d } = this.config;
    const T = ids.length;
    let x = tf.tidy(() => {
      const tok = tf.gather(this.w.wte, tf.tensor1d(ids, 'int32')); // [T, d]
      const pos = tf.slice(this.w.wpe, [pos0, 0], [T, d]); // [T, d]
      return tf.add(tok, pos) as tf.Tensor2D; // [T, d]
    });
    try {
      for (let l = 0; l < nLayer; l++) {
        const past = cache.get(l);
        const out = tf.tidy(() => {
          const r = runBlock(x, this.w.h[l], this.config, { kT: past.kT, v: past.v, pos0 });
          return { next: r.residualOut, kT: r.part('kT'), v: r.part('v') }; // [T, d], [H, hd, pos0+T], [H, pos0+T, hd]
        });
        cache.set(l, out.kT, out.v);
        x.dispose();
        x = out.next;
      }
      cache.advance(T);
      const logits = tf.tidy(() => this.head(tf.slice(x, [T - 1, 0], [1, d]) as tf.Tensor2D)); // [1, V]
      try {
        return await read(logits);
      } finally {
        logits.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /** ln_f then the tied LM head on a residual stream [T × d] → logits [T × V] (the logit lens). */
  async unembed(residual: Float32Array, T: number): Promise<Float32Array> {
    this.checkAlive();
    const d = this.config.nEmbd;
    if (!Number.isInteger(T) || T < 1 || residual.length !== T * d) {
      throw new EngineError('BAD_ARGUMENT', `unembed needs T × n_embd = ${T} × ${d} values, got ${residual.length}`);
    }
    const logits = tf.tidy(() => this.head(tf.tensor2d(residual, [T, d]))); // [T, V]
    try {
      return await read(logits);
    } finally {
      logits.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of allTensors(this.w)) t.dispose();
  }

  /** ln_f, then x @ wteᵀ with the pre-transposed head, block by block. */
  private head(x: tf.Tensor2D): tf.Tensor2D {
    const xf = layerNorm(x, this.w.ln_f, this.config.layerNormEps); // [T, d]
    const blocks = this.w.headChunks.map((c) => tf.matMul(xf, c) as tf.Tensor2D); // each [T, ≤ HEAD_CHUNK]
    return blocks.length === 1 ? blocks[0] : (tf.concat(blocks, 1) as tf.Tensor2D); // [T, V]
  }

  private async readCapture(t: CaptureTensors, req: CaptureRequest): Promise<LayerCapture> {
    const out: Partial<LayerCapture> = {
      layer: req.layer,
      position: req.position,
      headDim: this.config.nEmbd / this.config.nHead,
    };
    for (const key of Object.keys(t) as CaptureKey[]) out[key] = await read(t[key]);
    return out as LayerCapture;
  }

  private checkIds(ids: number[], pos0: number): void {
    const { vocabSize: V, nPositions: P } = this.config;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw new EngineError('BAD_ARGUMENT', 'the model needs at least one token id');
    }
    if (pos0 + ids.length > P) {
      throw new EngineError(
        'CONTEXT_TOO_LONG',
        pos0 === 0
          ? `${ids.length} tokens exceed the model's context length of ${P} (n_positions)`
          : `${pos0} cached + ${ids.length} new tokens exceed the model's context length of ${P} (n_positions)`,
      );
    }
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new EngineError('BAD_ARGUMENT', `token id ${id} at index ${i} is not an integer in [0, ${V}) (vocab_size ${V})`);
      }
    }
  }

  private checkCapture(cap: CaptureRequest, T: number): void {
    const { nLayer } = this.config;
    if (!Number.isInteger(cap.layer) || cap.layer < 0 || cap.layer >= nLayer) {
      throw new EngineError('BAD_ARGUMENT', `capture layer ${cap.layer} is not in [0, ${nLayer})`);
    }
    if (!Number.isInteger(cap.position) || cap.position < 0 || cap.position >= T) {
      throw new EngineError('BAD_ARGUMENT', `capture position ${cap.position} is not in [0, ${T})`);
    }
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('NOT_LOADED', 'the model has been disposed');
  }
}
