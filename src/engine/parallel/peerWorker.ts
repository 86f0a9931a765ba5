// A peer thread of a tensor-parallel model (bundled as dist/engine-peer.js): its own tfjs wasm
// backend, its shard of the weights, and its own KV caches. It runs the requests of rank 0 one at a
// time, in order; a failure in one marks the shared reduce buffer failed (so rank 0 stops waiting
// for it) and is reported.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend';
import { EngineError } from '../errors';
import type { KVCache } from '../kvCache';
import { GPTModel, type ForwardHooks } from '../model';
import { AllReduce } from './allReduce';
import type { PeerInit, PeerReply, PeerRequest } from './peerProtocol';

if (!parentPort) throw new Error('engine-peer.js must run in a worker thread');
const port = parentPort;
const init = workerData as PeerInit;

function send(msg: PeerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

const own = (a: Float32Array): ArrayBuffer[] => (a.buffer instanceof ArrayBuffer ? [a.buffer] : []);

async function main(): Promise<void> {
  const comm = new AllReduce(init.reduceBuffer, init.shard.rank, init.shard.nRanks, init.reduceFloats);
  process.on('uncaughtException', (err) => {
    // Whatever it was, rank 0 must not wait for this thread any longer.
    comm.fail();
    send({ kind: 'error', error: EngineError.from(err).toData() });
    process.exit(1);
  });
  let model: GPTModel;
  try {
    await initBackend(init.backend);
    model = GPTModel.createShard(init.config, init.weights, init.shard, comm);
  } catch (err) {
    send({ kind: 'error', error: EngineError.from(err).toData() });
    return;
  }
  init.weights.clear(); // the tensors hold copies now
  const caches = new Map<number, KVCache>();

  async function handle(msg: PeerRequest): Promise<void> {
    switch (msg.op) {
      case 'newCache':
        caches.set(msg.cacheId, model.newCache());
        return;
      case 'disposeCache':
        caches.get(msg.cacheId)?.dispose();
        caches.delete(msg.cacheId);
        return;
      case 'forward': {
        const id = msg.id;
        // The attention maps and the logits go straight into rank 0's shared arrays: only say when.
        const hooks: ForwardHooks = {
          ...(msg.streamLayers ? { afterLayer: (layer: number) => send({ kind: 'layer', id, layer }) } : {}),
          afterBlocks: (_attentions, capture) => send({ kind: 'blocks', id, capture }),
        };
        await model.forward(msg.ids, msg.opts, hooks, msg.logitsOut, msg.attentionsOut);
        send({ kind: 'done', id, logits: new Float32Array(0) });
        return;
      }
      case 'step': {
        const cache = caches.get(msg.cacheId);
        if (!cache) throw new EngineError('INTERNAL', `thread ${init.shard.rank} has no KV cache ${msg.cacheId}`);
        const logits = await model.step(cache, msg.ids);
        send({ kind: 'done', id: msg.id, logits }, own(logits));
        return;
      }
      case 'unembed': {
        const logits = await model.unembed(msg.residual, msg.T);
        send({ kind: 'done', id: msg.id, logits }, own(logits));
        return;
      }
    }
  }

  let queue = Promise.resolve();
  port.on('message', (msg: PeerRequest) => {
    queue = queue.then(async () => {
      try {
        await handle(msg);
      } catch (err) {
        comm.fail();
        send({ kind: 'error', id: 'id' in msg ? msg.id : undefined, error: EngineError.from(err).toData() });
      }
    });
  });
  send({ kind: 'ready' });
}

void main();
