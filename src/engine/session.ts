// One loaded model, in process: tokenizer + weights + model, and the last few analyses kept whole
// (attentions and logits) so that the views can ask for slices. The worker wraps this; the CLI
// uses it directly.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { keptPromptTokens } from '../analysis/promptWindow';
import { logSumExp, topKSoftmax } from '../analysis/topk';
import { surprisals } from '../analysis/surprisal';
import { initBackend, type BackendOptions } from './backend';
import { captureSlice } from './capture';
import { ChatTemplate, checkMessages, readChatTemplateOrError, type ChatTemplateSource, type RenderOptions } from './chatTemplate';
import { loadCheckpoint, readConfig } from './checkpoint';
import { checkFits, storedBytesPerValue } from './memoryPlan';
import { EngineError } from './errors';
import { isEncDecFolder } from './encdec/loadEncDec';
import { generate } from './generate';
import { buildModelInfo, type ModelInfo } from './modelInfo';
import { familyOf } from './families';
import { GPTModel } from './model';
import { loadTokenizer } from './loadTokenizer';
import type { GeneratedToken, GenerationResult, SamplingOptions, Tokenizer } from './types';
import type { Token } from '../shared/token';
import { predictionsWithBytes, tokenWithBytes } from './tokenBytes';
import { warmUp } from './warmUp';
import { RunStore, type Run } from './runStore';
import { RunAttention } from './runAttention';
import { defaultMaxMemoryMB, planKeep } from './memoryBudget';
import { InterventionService, type InterventionHooks } from './interventionService';
import type { AblationRequest, AblationResult, PatchRequest, PatchResult } from '../shared/interventionTypes';
import type { ChatMessage, ChatPrompt } from '../shared/chat';
import type { AttributionRequest, AttributionResult } from '../shared/attribution';
import { Attributor } from './attribution/attributor';
import { chooseThreads } from './threadCount';
import type { AnalysisSummary, AnalyzeOptions, AttentionStream, CaptureSlice, LogitLensResult, TopPredictions } from '../shared/sessionTypes';

export interface EngineOptions extends BackendOptions {
  /** Threads to split the model over; 0 or absent: automatic (see chooseThreads). */
  threads?: number;
  /**
   * The memory budget of the kept analyses in MiB (default: defaultMaxMemoryMB, from the machine's
   * memory): past it a run keeps its attention on demand, and what it cannot keep is computed again.
   */
  maxMemoryMB?: number;
}

export { PARALLEL_MIN_PARAMS, chooseThreads } from './threadCount';

export interface GenerateHooks {
  onToken?: (token: GeneratedToken, index: number) => void;
  isCancelled?: () => boolean;
}

export { MAX_RUNS, MAX_RUN_BYTES } from './runStore';
export const DEFAULT_TOP_K = 10;

function cancelled(): EngineError {
  return new EngineError('CANCELLED', 'the analysis was cancelled');
}

/** Lets queued events (a cancel message, a timer) run between chunks of long synchronous work. */
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new EngineError('BAD_ARGUMENT', `${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
}

export class EngineSession {
  readonly info: ModelInfo;
  private readonly runs: RunStore;
  /** The memory budget of the kept runs, in bytes (EngineOptions.maxMemoryMB). */
  readonly budgetBytes: number;
  private readonly maps: RunAttention;
  private nextRunId = 1;
  private disposed = false;
  /** Compiled on first use, so that a broken template fails chat alone, not the whole model. */
  private chat: ChatTemplate | undefined;
  private readonly attribution: Attributor;
  private interventions: InterventionService | undefined;

  private constructor(
    private readonly model: GPTModel,
    readonly tokenizer: Tokenizer,
    info: ModelInfo,
    /** The folder's chat template, or why it could not be read; undefined when it has none. */
    private readonly chatSource?: ChatTemplateSource | EngineError,
    maxMemoryMB = defaultMaxMemoryMB(),
  ) {
    this.info = info;
    this.attribution = new Attributor(info.dir, model, tokenizer);
    this.budgetBytes = maxMemoryMB * 1024 * 1024;
    this.runs = new RunStore(this.budgetBytes);
    this.maps = new RunAttention(info.config, model);
  }

  /** Loads a GPT-2 folder (config.json, *.safetensors, tokenizer files). Errors name the file. */
  static async load(modelDir: string, opts: EngineOptions = {}): Promise<EngineSession> {
    if (isEncDecFolder(modelDir)) {
      const file = join(modelDir, 'config.json');
      throw new EngineError('BAD_CONFIG', `${file}: an encoder–decoder model (MarianMTModel or T5ForConditionalGeneration): load it with loadEncDec (encdecSession.ts); the CLI's translate and dump run it`, file);
    }
    // Parse and validate every file before touching TensorFlow.js: bad input fails fast and quietly.
    // A model that cannot fit is refused from its config.json alone, before any weight is read.
    const { config: planned, raw, file: configFile } = readConfig(modelDir);
    const params = familyOf(planned).countParams(planned);
    const threads = chooseThreads(opts.threads, params, planned.nHead);
    checkFits(planned, threads, storedBytesPerValue(modelDir, raw, params), { name: planned.name ?? basename(modelDir), file: configFile });
    const { config, weights, dtype } = loadCheckpoint(modelDir, { keep16: true }); // BF16 / F16 weights stay 16-bit (the Llama family packs them as stored)
    const tokenizer = loadTokenizer(modelDir);
    const chatSource = readChatTemplateOrError(modelDir);
    if (tokenizer.vocabSize > config.vocabSize) {
      const file = join(modelDir, existsSync(join(modelDir, 'tokenizer.json')) ? 'tokenizer.json' : 'vocab.json');
      throw new EngineError(
        'BAD_TOKENIZER',
        `${file}: the tokenizer has ${tokenizer.vocabSize} tokens but config.json's vocab_size (the embedding's rows) is ${config.vocabSize}`,
        file,
      );
    }
    const backend: BackendOptions = { backend: opts.backend, wasmDir: opts.wasmDir };
    await initBackend(backend);
    // release: the map is dropped below, so each weight is let go once packed
    const model = threads > 1 ? await GPTModel.createParallel(config, weights, { threads, backend, release: true }) : GPTModel.create(config, weights, { release: true });
    weights.clear(); // the tensors hold their own copies
    try {
      await warmUp(model);
    } catch (err) {
      model.dispose();
      throw err;
    }
    const info = buildModelInfo(modelDir, config, model.numParams, tokenizer, model.threads);
    info.weightsDtype = dtype;
    if (chatSource) info.chatTemplate = chatSource instanceof EngineError ? (chatSource.file ?? modelDir) : chatSource.file;
    if (opts.maxMemoryMB !== undefined && !(Number.isFinite(opts.maxMemoryMB) && opts.maxMemoryMB > 0)) {
      model.dispose();
      throw new EngineError('BAD_ARGUMENT', `the memory budget must be a positive number of MiB, got ${opts.maxMemoryMB}`);
    }
    return new EngineSession(model, tokenizer, info, chatSource, opts.maxMemoryMB);
  }

  get contextLength(): number {
    return this.info.config.nPositions;
  }

  tokenize(text: string): Token[] {
    this.checkAlive();
    return this.tokenizer.encode(text);
  }

  /**
   * Runs the model over `input` (a text, or tokens already made) once with every attention, keeps
   * the run for slicing, and returns the tokens, top-k predictions and per-token surprisal. `isCancelled` is polled between stages.
   * `stream` gets the summary before the forward and every layer's attention as it is computed.
   */
  async analyze(
    input: string | readonly Token[],
    opts: AnalyzeOptions = {},
    isCancelled: () => boolean = () => false,
    stream?: AttentionStream,
  ): Promise<AnalysisSummary> {
    this.checkAlive();
    const { nPositions, nLayer, nHead, vocabSize: V } = this.info.config;
    const k = opts.topK ?? DEFAULT_TOP_K;
    checkInt('topK', k, 1, V);
    let tokens = this.tokensOf(input);
    const totalTokens = tokens.length;
    if (totalTokens === 0) throw new EngineError('BAD_ARGUMENT', 'the text has no tokens');
    let truncated = false;
    if (totalTokens > nPositions) {
      if (!opts.truncate) {
        throw new EngineError(
          'CONTEXT_TOO_LONG',
          `the text is ${totalTokens} tokens long but the model's context is ${nPositions} tokens; shorten it or allow truncation`,
        );
      }
      tokens = tokens.slice(0, nPositions);
      truncated = true;
    }
    const ids = tokens.map((t) => t.id);
    const T = ids.length;
    if (isCancelled()) throw cancelled();
    const runId = this.nextRunId++;
    const wantAttentions = opts.attentions ?? true;
    const plan = wantAttentions ? planKeep(this.info.config, T, this.budgetBytes, opts) : { onDemand: false };
    const thumbSize = plan.onDemand ? (opts.thumbSize ?? 0) : 0;
    stream?.start({ runId, tokens, T, truncated, totalTokens, nLayer, nHead, ...(plan.onDemand ? { onDemand: true } : {}) });
    const out = await this.model.forward(
      ids,
      plan.onDemand ? { onDemand: { thumbSize, ...(plan.keepLayers ? { keepLayers: plan.keepLayers } : {}) } } : { attentions: wantAttentions },
      {
        ...(stream
          ? {
              afterLayer: (layer: number, attention: Float32Array | undefined, thumbs?: Float32Array) => {
                if (isCancelled()) throw cancelled();
                if (attention) stream.layer(layer, attention);
                if (thumbs) stream.thumbs?.(layer, thumbs, Math.min(thumbSize, T));
              },
            }
          : {}),
        shouldStop: isCancelled, // between layers, every thread of a split model together
        afterBlocks: () => {
          if (isCancelled()) throw cancelled();
        },
      },
    );
    const logits = out.logits; // [T × V]
    const attentions = out.attentions ?? []; // L × [H × T × T]
    if (isCancelled()) throw cancelled();

    const decode = (id: number): string => this.tokenizer.decode([id]);
    const predictions: TopPredictions[] = [];
    const lses: number[] = []; // logSumExp of each row, shared by top-k and surprisal
    const chunk = Math.max(1, Math.floor(4_000_000 / V)); // rows between event-loop turns
    for (let t = 0; t < T; t++) {
      lses.push(logSumExp(logits, t * V, V));
      predictions.push(predictionsWithBytes(this.tokenizer, topKSoftmax(logits, V, t, k, decode, lses[t])));
      if ((t + 1) % chunk === 0 && t + 1 < T) {
        await yieldToEventLoop();
        if (isCancelled()) throw cancelled();
      }
    }
    const actual = surprisals(logits, V, ids, lses);
    if (isCancelled()) throw cancelled();

    const qk = out.qk;
    const bytes = logits.byteLength + attentions.reduce((s, a) => s + a.byteLength, 0) + (qk ?? []).reduce((s, a) => s + (a?.byteLength ?? 0), 0);
    this.runs.add(runId, { ids, logits, attentions, ...(qk ? { qk } : {}), bytes });
    return { runId, tokens, T, truncated, totalTokens, nLayer, nHead, ...(qk ? { onDemand: true } : {}), predictions, actual };
  }

  /**
   * The tokens to analyse: `input` tokenized, or, given as tokens (ids the model already saw,
   * such as a chat prompt and its answer), those tokens as they are, their ids checked.
   */
  private tokensOf(input: string | readonly Token[]): Token[] {
    if (typeof input !== 'string') {
      if (!Array.isArray(input) || input.length === 0) throw new EngineError('BAD_ARGUMENT', 'there are no tokens to analyse');
      for (const t of input) checkInt('token id', t.id, 0, this.info.config.vocabSize - 1);
      return input.map((t) => tokenWithBytes(this.tokenizer, t));
    }
    if (input.trim() === '') throw new EngineError('BAD_ARGUMENT', 'there is no text to analyse: it is empty or only whitespace');
    return this.tokenizer.encode(input);
  }

  /** Post-softmax attention of one head [T × T]; head −1 = the mean over heads (on demand: rebuilt, from a layer kept). */
  attention(runId: number, layer: number, head: number): Float32Array {
    const run = this.run(runId);
    const { nLayer, nHead } = this.info.config;
    checkInt('layer', layer, 0, nLayer - 1);
    checkInt('head', head, -1, nHead - 1);
    return this.maps.head(runId, run, layer, head);
  }

  /** attention(), also for a layer the memory budget did not keep (the forward runs again: RunAttention.ensureLayer). */
  async attentionMap(runId: number, layer: number, head: number): Promise<Float32Array> {
    checkInt('layer', layer, 0, this.info.config.nLayer - 1);
    await this.maps.ensureLayer(this.run(runId), layer);
    return this.attention(runId, layer, head);
  }

  /** Every attention of the run, a fresh copy [L × H × T × T] (on demand: every map rebuilt, so only where they fit). */
  allAttentions(runId: number): Float32Array {
    return this.maps.all(runId, this.run(runId));
  }

  /** The run's logits, a fresh copy [T × V]. */
  logits(runId: number): Float32Array {
    return this.run(runId).logits.slice();
  }

  /** Token ids of the run. */
  ids(runId: number): number[] {
    return this.run(runId).ids.slice();
  }

  /** Re-runs the forward pass capturing one layer's internals at one query position. */
  async capture(runId: number, layer: number, position: number): Promise<CaptureSlice> {
    const run = this.run(runId);
    const { nLayer } = this.info.config;
    checkInt('layer', layer, 0, nLayer - 1);
    checkInt('position', position, 0, run.ids.length - 1);
    const out = await this.model.forward(run.ids, { attentions: false, capture: { layer, position } });
    return captureSlice(out, position, this.info.config);
  }

  /** Reads every residual stream (embeddings, then each block's output) out through the LM head. */
  async logitLens(runId: number, topK = 5): Promise<LogitLensResult> {
    const run = this.run(runId);
    const { vocabSize: V } = this.info.config;
    checkInt('topK', topK, 1, V);
    const T = run.ids.length;
    const out = await this.model.forward(run.ids, { attentions: false, residuals: true });
    const residuals = out.residuals ?? []; // (L + 1) × [T × d]
    const decode = (id: number): string => this.tokenizer.decode([id]);
    const top: TopPredictions[][] = [];
    for (const residual of residuals) {
      const logits = await this.model.unembed(residual, T); // [T × V]
      const row: TopPredictions[] = [];
      for (let t = 0; t < T; t++) row.push(predictionsWithBytes(this.tokenizer, topKSoftmax(logits, V, t, topK, decode)));
      top.push(row);
    }
    return { layers: residuals.length, T, top };
  }

  /**
   * Renders a conversation through the model's chat template (ending with the assistant's turn
   * header) and tokenizes it. The text carries its own special tokens, BOS included where the
   * template writes one, so it is tokenized as `apply_chat_template` does (add_special_tokens
   * false): the special tokens are matched as the tokenizer's added tokens and nothing is added.
   */
  chatPrompt(messages: readonly ChatMessage[], opts: RenderOptions = {}): ChatPrompt {
    this.checkAlive();
    checkMessages(messages);
    const text = this.chatTemplate().render(messages, opts);
    // The template wrote its own BOS (and every other special token): the tokenizer adds none.
    const tokens = this.tokenizer.encode(text, { addSpecialTokens: false });
    return { text, ids: tokens.map((t) => t.id), tokens };
  }

  /** How much each token of `input` up to `req.position` contributed to the prediction there (attribution/). */
  attribute(input: string | readonly Token[], req: AttributionRequest, isCancelled?: () => boolean): Promise<AttributionResult> {
    this.checkAlive();
    return this.attribution.attribute(this.tokensOf(input), req, isCancelled);
  }

  /** The forward without and with heads ablated (interventionService.ts); the ablated run is kept by its runId. */
  ablate(input: string | readonly Token[], req: AblationRequest, hooks?: InterventionHooks): Promise<AblationResult> {
    return this.experiments().ablate(this.tokensOf(input), req, hooks);
  }

  /** Activation patching from a clean text into a corrupted one of the same token length. */
  patch(req: PatchRequest, hooks?: InterventionHooks): Promise<PatchResult> {
    return this.experiments().patch(req, hooks);
  }

  private experiments(): InterventionService {
    this.checkAlive();
    const keep = (run: Run): number => (this.runs.add(this.nextRunId, run), this.nextRunId++);
    return (this.interventions ??= new InterventionService(this.model, this.tokenizer, keep));
  }

  /** How many analyses are kept for slicing (diagnostics). */
  get keptRuns(): number {
    return this.runs.size;
  }

  /** Forgets a run; unknown ids are ignored. */
  release(runId: number): void {
    this.runs.delete(runId);
  }

  /**
   * Generates from `prompt` (text or ids) with the KV cache. A prompt that leaves no room for
   * maxNewTokens slides: only its LAST max(1, nPositions − maxNewTokens) tokens are kept.
   */
  async generate(prompt: string | number[], opts: SamplingOptions, hooks: GenerateHooks = {}): Promise<GenerationResult> {
    this.checkAlive();
    const { nPositions, vocabSize } = this.info.config;
    checkInt('maxNewTokens', opts.maxNewTokens, 0, Number.MAX_SAFE_INTEGER);
    let ids = typeof prompt === 'string' ? this.tokenizer.encodeIds(prompt) : prompt.slice();
    for (const id of ids) checkInt('prompt token id', id, 0, vocabSize - 1);
    // An empty prompt starts from BOS/EOS (generate() does that).
    ids = ids.slice(ids.length - keptPromptTokens(ids.length, opts.maxNewTokens, nPositions));
    return generate(this.model, this.tokenizer, ids, opts, hooks);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runs.clear();
    this.attribution.dispose();
    this.maps.dispose();
    this.model.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new EngineError('NOT_LOADED', 'the model was unloaded');
  }

  private chatTemplate(): ChatTemplate {
    if (this.chat) return this.chat;
    const source = this.chatSource;
    if (source instanceof EngineError) throw source;
    if (!source) {
      throw new EngineError(
        'NO_CHAT_TEMPLATE',
        `${this.info.dir}: the model has no chat template (no chat_template.jinja, and tokenizer_config.json has no "chat_template"); chat needs an instruct model`,
        this.info.dir,
      );
    }
    this.chat = new ChatTemplate(source);
    return this.chat;
  }

  private run(runId: number): Run {
    this.checkAlive();
    return this.runs.get(runId);
  }
}
