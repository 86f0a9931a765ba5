// The engine's worker thread (bundled to dist/engine-worker.js). It owns one EngineSession and
// answers EngineClient's requests (workerProtocol, over the shared channel) one at a time, in
// order; a cancel reaches the request it names the moment it arrives, queued or running.
// Nothing that goes wrong in a request ends the thread: every failure becomes an error reply.
import { parentPort, workerData } from 'node:worker_threads';
import { Channel, transferring, trusted, type RequestContext } from '../shared/channel';
import { nodePort } from '../shared/channelPorts';
import { readDiagnostics } from './diagnostics';
import { EngineError } from './errors';
import { EngineSession } from './session';
import { EncDecSession } from './encdecSession';
import type { AttentionStream } from '../shared/sessionTypes';
import {
  EVENT_ATTENTIONS_MAX_BYTES,
  type AnalyzeProgress,
  type CancelFlag,
  type EngineClientProtocol,
  type EngineWorkerProtocol,
  type WorkerInit,
} from './workerProtocol';

if (!parentPort) throw new Error('engine-worker.js must run in a worker thread');
const init: WorkerInit = (workerData as WorkerInit | undefined) ?? {};

type Requests = EngineWorkerProtocol['requests'];
type Type = keyof Requests;

const channel = new Channel<EngineWorkerProtocol, EngineClientProtocol>(nodePort(parentPort), {
  name: 'engine',
  // The client is our own code on the other side of a thread: its messages are taken as typed.
  accept: {
    requests: {
      load: trusted,
      analyze: trusted,
      attention: trusted,
      allAttentions: trusted,
      logits: trusted,
      capture: trusted,
      logitLens: trusted,
      attribute: trusted,
      ablate: trusted,
      patch: trusted,
      release: trusted,
      tokenize: trusted,
      chatPrompt: trusted,
      generate: trusted,
      diagnostics: trusted,
      loadEncDec: trusted,
      translate: trusted,
      analyzeEncDec: trusted,
    },
    events: { crash: trusted },
  },
  encodeError: (err) => EngineError.from(err).toData(),
});

let session: EngineSession | undefined;
/** The encoder–decoder model loaded instead of `session` (one model at a time). */
let encdec: EncDecSession | undefined;
let queue: Promise<unknown> = Promise.resolve();

function loaded(): EngineSession {
  if (!session) throw new EngineError('NOT_LOADED', encdec ? `${encdec.info.name} is an encoder–decoder model: translate or analyzeEncDec` : 'no model is loaded');
  return session;
}

function loadedEncDec(): EncDecSession {
  if (!encdec) throw new EngineError('NOT_LOADED', session ? `${session.info.name} is not an encoder–decoder model` : 'no model is loaded');
  return encdec;
}

/** Every distinct ArrayBuffer under `value` (typed arrays in plain objects and arrays). */
function buffersOf(value: unknown, out = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const v of value) buffersOf(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) buffersOf(v, out);
  }
  return [...out];
}

function cancelCheck(signal: AbortSignal, { cancelFlag }: CancelFlag): () => boolean {
  const view = cancelFlag ? new Int32Array(cancelFlag) : undefined;
  return () => signal.aborted || (view !== undefined && Atomics.load(view, 0) !== 0);
}

/** The first phase of an analysis, sent as its progress: the summary, then each layer (a copy). */
function attentionStream(ctx: RequestContext<AnalyzeProgress>): AttentionStream {
  let streamed = false;
  return {
    start: (summary) => {
      const { nLayer, nHead, T } = summary;
      streamed = !summary.onDemand && nLayer * nHead * T * T * 4 <= EVENT_ATTENTIONS_MAX_BYTES;
      ctx.progress({ kind: 'start', summary, streamed });
    },
    layer: (layer, a) => {
      if (!streamed) return;
      const attention = a.slice(); // the run keeps its own array
      ctx.progress({ kind: 'layer', layer, attention }, [attention.buffer as ArrayBuffer]);
    },
    thumbs: (layer, t, size) => {
      const thumbs = t.slice(); // the run's array may be shared memory
      ctx.progress({ kind: 'thumbs', layer, size, thumbs }, [thumbs.buffer as ArrayBuffer]);
    },
  };
}

type Progress<K extends Type> = Requests[K] extends { progress: infer G } ? G : never;

/** Serves requests of one type through the one queue; the reply's typed arrays are transferred. */
function serve<K extends Type>(
  type: K,
  run: (body: Requests[K]['request'], ctx: RequestContext<Progress<K>>) => Promise<Requests[K]['reply']> | Requests[K]['reply'],
): void {
  channel.handle(type, (body, ctx) => {
    const turn = queue.then(async () => {
      const value = await run(body, ctx as RequestContext<Progress<K>>);
      return transferring(value, buffersOf(value));
    });
    queue = turn.catch(() => undefined);
    return turn.catch((err: unknown) => {
      const e = EngineError.from(err);
      if (e.code === 'WORKER_DIED') {
        // One of the model's own threads stopped (tensor parallelism): this session cannot go on.
        // Ending this thread (after the error reply, sent in this turn) makes the client start a
        // fresh one and load the model again.
        setImmediate(() => process.exit(1));
      }
      throw e;
    });
  });
}

serve('load', async ({ dir }) => {
  const next = await EngineSession.load(dir, init);
  session?.dispose();
  encdec?.dispose();
  encdec = undefined;
  session = next;
  return next.info;
});

serve('loadEncDec', ({ dir }) => {
  const next = EncDecSession.load(dir);
  session?.dispose();
  session = undefined;
  encdec?.dispose();
  encdec = next;
  return next.info;
});

serve('translate', ({ text, opts, cancelFlag }, ctx) => {
  const s = loadedEncDec();
  return s.translate(text, opts, {
    onStep: (step, ids) => ctx.progress({ step, ids: [...ids], text: s.decode(ids) }),
    isCancelled: cancelCheck(ctx.signal, { cancelFlag }),
  });
});

serve('analyzeEncDec', ({ source, target, maxNewTokens }) => loadedEncDec().analyze(source, target, maxNewTokens));

serve('analyze', async (body, ctx) => {
  const early = body.early ? attentionStream(ctx) : undefined;
  const summary = await loaded().analyze(body.text, body.opts, cancelCheck(ctx.signal, body), early);
  if (ctx.signal.aborted) {
    // Finished before it noticed the cancel: discard the run, answer CANCELLED as promised.
    session?.release(summary.runId);
    throw new EngineError('CANCELLED', 'the analysis was cancelled');
  }
  return summary;
});

serve('chatPrompt', ({ messages }) => loaded().chatPrompt(messages));
serve('attention', ({ runId, layer, head }) => loaded().attentionMap(runId, layer, head));
serve('allAttentions', ({ runId }) => loaded().allAttentions(runId));
serve('logits', ({ runId }) => loaded().logits(runId));
serve('capture', ({ runId, layer, position }) => loaded().capture(runId, layer, position));
serve('logitLens', ({ runId, topK }) => loaded().logitLens(runId, topK));
serve('attribute', (body, ctx) => loaded().attribute(body.text, body.req, cancelCheck(ctx.signal, body)));
serve('ablate', (body, ctx) => loaded().ablate(body.text, body.req, { isCancelled: cancelCheck(ctx.signal, body) }));
serve('patch', (body, ctx) => loaded().patch(body.req, { isCancelled: cancelCheck(ctx.signal, body), onProgress: (p) => ctx.progress(p) }));
serve('release', ({ runId }) => {
  loaded().release(runId);
  return null;
});
serve('tokenize', ({ text }) => loaded().tokenize(text));
serve('generate', (body, ctx) =>
  loaded().generate(body.prompt, body.opts, {
    onToken: (token, index) => ctx.progress({ index, token }),
    isCancelled: cancelCheck(ctx.signal, body),
  }),
);

serve('diagnostics', ({ gc }) => {
  if (gc) (globalThis as { gc?: () => void }).gc?.(); // only where node runs with --expose-gc
  return readDiagnostics(session?.keptRuns ?? 0);
});

channel.on('crash', ({ how = 'throw' }) => {
  setImmediate(() => {
    if (how === 'exit') process.exit(3);
    if (how === 'oom') {
      // Live objects until the heap limit: V8 ends the thread (ERR_WORKER_OUT_OF_MEMORY).
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
    }
    throw new Error('crash requested by the client (test hook)');
  });
});
