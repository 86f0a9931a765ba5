// The engine's worker thread (bundled to dist/engine-worker.js). It owns one EngineSession and
// answers EngineClient's requests one at a time, in order; Cancel is handled the moment it arrives.
// Nothing that goes wrong in a request ends the thread: every failure becomes an Error reply.
import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from './errors';
import { EngineSession, type AttentionStream } from './session';
import {
  EVENT_ATTENTIONS_MAX_BYTES,
  MessageType,
  type EngineRequest,
  type EngineResponse,
  type ReplyingType,
  type ResultMap,
  type WorkerInit,
} from './workerProtocol';

if (!parentPort) throw new Error('engine-worker.js must run in a worker thread');
const port = parentPort;
const init: WorkerInit = (workerData as WorkerInit | undefined) ?? {};

let session: EngineSession | undefined;
/** Ids of requests queued or running; a Cancel for any other id is ignored. */
const live = new Set<number>();
const cancelled = new Set<number>();
let queue: Promise<void> = Promise.resolve();

function send(msg: EngineResponse, transfer: ArrayBuffer[] = []): void {
  try {
    port.postMessage(msg, transfer);
  } catch (err) {
    // A buffer that cannot be transferred (or a value that cannot be cloned): try a plain copy,
    // then report the failure rather than leaving the request unanswered.
    try {
      port.postMessage(msg);
    } catch {
      port.postMessage({ type: MessageType.Error, id: msg.id, error: EngineError.from(err).toData() } satisfies EngineResponse);
    }
  }
}

function loaded(): EngineSession {
  if (!session) throw new EngineError('NOT_LOADED', 'no model is loaded');
  return session;
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

function cancelCheck(id: number, flag?: SharedArrayBuffer): () => boolean {
  const view = flag ? new Int32Array(flag) : undefined;
  return () => cancelled.has(id) || (view !== undefined && Atomics.load(view, 0) !== 0);
}

/** The first phase of analysis `id`, streamed to the client: the summary, then each layer (a copy). */
function attentionStream(id: number): AttentionStream {
  let streamed = false;
  return {
    start: (summary) => {
      const { nLayer, nHead, T } = summary;
      streamed = nLayer * nHead * T * T * 4 <= EVENT_ATTENTIONS_MAX_BYTES;
      send({ type: MessageType.Attentions, id, summary, streamed });
    },
    layer: (layer, a) => {
      if (!streamed) return;
      const attention = a.slice(); // the run keeps its own array
      send({ type: MessageType.AttentionsLayer, id, layer, attention }, [attention.buffer as ArrayBuffer]);
    },
  };
}

async function dispatch(msg: EngineRequest): Promise<ResultMap[ReplyingType]> {
  switch (msg.type) {
    case MessageType.Load: {
      const next = await EngineSession.load(msg.dir, init);
      session?.dispose();
      session = next;
      return next.info;
    }
    case MessageType.Analyze: {
      const id = msg.id;
      return loaded().analyze(msg.text, msg.opts, cancelCheck(id, msg.cancelFlag), msg.early ? attentionStream(id) : undefined);
    }
    case MessageType.Attention:
      return loaded().attention(msg.runId, msg.layer, msg.head);
    case MessageType.AllAttentions:
      return loaded().allAttentions(msg.runId);
    case MessageType.Logits:
      return loaded().logits(msg.runId);
    case MessageType.Capture:
      return loaded().capture(msg.runId, msg.layer, msg.position);
    case MessageType.LogitLens:
      return loaded().logitLens(msg.runId, msg.topK);
    case MessageType.Release:
      loaded().release(msg.runId);
      return null;
    case MessageType.Tokenize:
      return loaded().tokenize(msg.text);
    case MessageType.Generate: {
      const id = msg.id;
      return loaded().generate(msg.prompt, msg.opts, {
        onToken: (token, index) => send({ type: MessageType.Token, id, index, token }),
        isCancelled: cancelCheck(id, msg.cancelFlag),
      });
    }
    default:
      throw new EngineError('BAD_ARGUMENT', `unknown request type ${JSON.stringify((msg as { type: unknown }).type)}`);
  }
}

async function handle(msg: EngineRequest): Promise<void> {
  try {
    const value = await dispatch(msg);
    if (msg.type === MessageType.Analyze && cancelled.has(msg.id)) {
      // Finished before it noticed the cancel: discard the run, answer CANCELLED as promised.
      session?.release((value as ResultMap[MessageType.Analyze]).runId);
      throw new EngineError('CANCELLED', 'the analysis was cancelled');
    }
    send({ type: MessageType.Result, id: msg.id, value }, buffersOf(value));
  } catch (err) {
    const e = EngineError.from(err);
    send({ type: MessageType.Error, id: msg.id, error: e.toData() });
    if (e.code === 'WORKER_DIED') {
      // One of the model's own threads stopped (tensor parallelism): this session cannot go on.
      // Ending this thread makes the client start a fresh one and load the model again.
      setImmediate(() => process.exit(1));
    }
  } finally {
    live.delete(msg.id);
    cancelled.delete(msg.id);
  }
}

port.on('message', (msg: EngineRequest) => {
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number') return;
  if (msg.type === MessageType.Cancel) {
    if (live.has(msg.target)) cancelled.add(msg.target);
    return;
  }
  if (msg.type === MessageType.Crash) {
    setImmediate(() => {
      throw new Error('crash requested by the client (test hook)');
    });
    return;
  }
  live.add(msg.id);
  queue = queue.then(() => handle(msg));
});
