// One analysis the Layer Stepper steps through, on the host side: the engine run it belongs to,
// where its text sits in the document, and what the webview asks for — one layer's capture at one
// query position, the final read-out (ln_f → logits → softmax) and the logit lens — fetched from
// the engine on demand. No vscode import: the document is described by plain values.
import { logSumExp } from '../analysis/topk';
import type { TopPredictions } from '../shared/sessionTypes';
import type { EngineClient } from '../engine/client';
import type { CaptureSlice } from '../shared/sessionTypes';
import type { LensCell, Readout, StepperRunInfo } from '../shared/stepperProtocol';
import type { Token } from '../shared/token';

/** Next tokens the stepper asks the analysis for (listed in the read-out steps). */
export const READOUT_TOP_K = 10;
/** Tokens per logit-lens cell shown on hover. */
export const LENS_TOP_K = 5;

type Engine = Pick<EngineClient, 'capture' | 'logits' | 'logitLens'>;

export interface StepperRunSource {
  /** Document URI (as a string) and the offset where the analysed text starts. */
  uri: string;
  base: number;
  /** Length of the analysed text (UTF-16 units). */
  length: number;
  label: string;
}

export class StepperRun {
  private logitsCache: Promise<Float32Array> | undefined;
  private lensCache: Promise<LensCell[][]> | undefined;

  constructor(
    private readonly engine: Engine,
    readonly runId: number,
    readonly tokens: Token[],
    readonly source: StepperRunSource,
    private readonly vocabSize: number,
    /** The analysis' own top-k next tokens per position (ids, texts, probabilities). */
    private readonly predictions: TopPredictions[],
  ) {}

  get T(): number {
    return this.tokens.length;
  }

  /** What the webview gets about the run. */
  toMessage(): StepperRunInfo {
    return {
      runId: this.runId,
      tokens: this.tokens.map((t) => ({ id: t.id, text: t.text, start: t.start, end: t.end, ...(t.bytes !== undefined ? { bytes: t.bytes } : {}) })),
      T: this.T,
      label: this.source.label,
    };
  }

  /** The engine's own capture of `layer` at query `position` (a re-run of the same forward pass). */
  capture(layer: number, position: number): Promise<CaptureSlice> {
    return this.engine.capture(this.runId, layer, position);
  }

  /**
   * ln_f → logits → softmax at `position`: the analysis' top-k next tokens with their logits (read
   * from the run's own [T × V] logits) and probabilities.
   */
  async readout(position: number): Promise<Readout> {
    const pred = this.predictions[position];
    if (!Number.isInteger(position) || position < 0 || position >= this.T || !pred) {
      throw new RangeError(`position ${position} is outside 0..${this.T - 1}`);
    }
    this.logitsCache ??= this.engine.logits(this.runId);
    const logits = await this.logitsCache; // [T × V]
    const V = this.vocabSize;
    const offset = position * V;
    return {
      position,
      ids: pred.ids.slice(),
      texts: pred.texts.slice(),
      ...(pred.bytes ? { bytes: pred.bytes.slice() } : {}),
      logits: pred.ids.map((id) => logits[offset + id]),
      probs: pred.probs.slice(),
      logSumExp: logSumExp(logits, offset, V),
    };
  }

  /** Every residual stream read out through ln_f and the unembedding: [layer][position]. */
  logitLens(): Promise<LensCell[][]> {
    this.lensCache ??= this.engine
      .logitLens(this.runId, LENS_TOP_K)
      .then((r) => r.top.map((row) => row.map((c) => ({ ids: c.ids, texts: c.texts, probs: c.probs, ...(c.bytes ? { bytes: c.bytes } : {}) }))));
    return this.lensCache;
  }
}
