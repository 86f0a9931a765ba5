// A peer thread of a tensor-parallel model (bundled as dist/engine-peer.js): its own tfjs wasm
// backend, its shard of the weights, and its own KV caches. It runs the requests of rank 0 one at a
// time, in order; a failure in one marks the shared reduce buffer failed (so rank 0 stops waiting
// for it) and is reported.
import { parentPort, workerData } from 'node:worker_threads';
import { Channel, transferring, trusted } from '../../shared/channel';
import { nodePort } from '../../shared/channelPorts';
import { initBackend } from '../backend';
import { EngineError } from '../errors';
import type { KVCache } from '../kvCache';
import { StoppedTogether } from '../communicator';
import { GPTModel, type ForwardHooks } from '../model';
import { AllReduce } from './allReduce';
import type { PeerHostProtocol, PeerInit, PeerProtocol } from './peerProtocol';

if (!parentPort) throw new Error('engine-peer.js must run in a worker thread');
const init = workerData as PeerInit;

// Rank 0 is our own code on the other side of a thread: its messages are taken as typed.
const channel = new Channel<PeerProtocol, PeerHostProtocol>(nodePort(parentPort), {
  name: `engine thread ${init.shard.rank}`,
  accept: {
    requests: { forward: trusted, step: trusted, unembed: trusted },
    events: { newCache: trusted, disposeCache: trusted },
  },
  encodeError: (err) => EngineError.from(err).toData(),
});

const own = (a: Float32Array): ArrayBuffer[] => (a.buffer instanceof ArrayBuffer ? [a.buffer] : []);

async function main(): Promise<void> {
  const comm = new AllReduce(init.reduceBuffer, init.shard.rank, init.shard.nRanks, init.reduceFloats);
  process.on('uncaughtException', (err) => {
    // Whatever it was, rank 0 must not wait for this thread any longer.
    comm.fail();
    channel.notify('failed', EngineError.from(err).toData());
    process.exit(1);
  });
  let model: GPTModel;
  try {
    await initBackend(init.backend);
    model = GPTModel.createShard(init.config, init.weights, init.shard, comm);
  } catch (err) {
    channel.notify('failed', EngineError.from(err).toData());
    return;
  }
  init.weights.clear(); // the tensors hold copies now
  const caches = new Map<number, KVCache>();

  // Everything rank 0 sends, events included, runs in the order it was sent, one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  function inTurn<T>(run: () => Promise<T> | T): Promise<T> {
    const turn = queue.then(run).catch((err: unknown) => {
      // rank 0 must not wait at the sums for a thread that gave up (one that stopped with the others is in step)
      if (!(err instanceof StoppedTogether)) comm.fail();
      throw err;
    });
    queue = turn.catch(() => undefined);
    return turn;
  }

  channel.on('newCache', ({ cacheId }) => void inTurn(() => void caches.set(cacheId, model.newCache())).catch(() => undefined));
  channel.on('disposeCache', ({ cacheId }) =>
    void inTurn(() => {
      caches.get(cacheId)?.dispose();
      caches.delete(cacheId);
    }).catch(() => undefined),
  );
  channel.handle('forward', (req, ctx) =>
    inTurn(async () => {
      // The attention maps and the logits go straight into rank 0's shared arrays: only say when.
      const hooks: ForwardHooks = {
        ...(req.streamLayers ? { afterLayer: (layer: number) => ctx.progress({ kind: 'layer', layer }) } : {}),
        ...(req.stoppable ? { shouldStop: () => false } : {}), // rank 0 decides; this thread only takes part in the agreement
        afterBlocks: (_attentions, capture) => ctx.progress({ kind: 'blocks', capture }),
      };
      await model.forward(req.ids, req.opts, hooks, req);
      return null;
    }),
  );
  channel.handle('step', ({ cacheId, ids }) =>
    inTurn(async () => {
      const cache = caches.get(cacheId);
      if (!cache) throw new EngineError('INTERNAL', `thread ${init.shard.rank} has no KV cache ${cacheId}`);
      const logits = await model.step(cache, ids);
      return transferring(logits, own(logits));
    }),
  );
  channel.handle('unembed', ({ residual, T }) =>
    inTurn(async () => {
      const logits = await model.unembed(residual, T);
      return transferring(logits, own(logits));
    }),
  );
  channel.notify('ready', {});
}

void main();
