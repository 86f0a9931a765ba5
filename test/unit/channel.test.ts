// The typed channel (src/shared/channel.ts) over a real worker_threads MessageChannel: requests and
// replies (also out of order), progress, events, cancellation both ways, validation of what
// arrives, errors crossing, a dead peer (close), transfer lists, and the webview port adapter.
import * as assert from 'assert';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Channel, ChannelError, parseEnvelope, transferring, trusted, type Acceptors, type Port } from '../../src/shared/channel';
import { nodePort, webviewPort } from '../../src/shared/channelPorts';

/** What the "server" end answers and hears. */
interface ServerSpec {
  requests: {
    add: { request: { a: number; b: number }; reply: number };
    wait: { request: { ms: number; tag: string }; reply: string };
    count: { request: { to: number }; reply: 'done'; progress: number };
    fail: { request: null; reply: never };
    hang: { request: null; reply: never };
    bytes: { request: { n: number }; reply: Float32Array };
  };
  events: { hello: { name: string } };
}
/** What the "client" end hears. */
interface ClientSpec {
  requests: Record<never, never>;
  events: { tick: number };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

const serverAccept: Acceptors<ServerSpec> = {
  requests: {
    add: (b) => (isObj(b) && isNum(b.a) && isNum(b.b) ? { a: b.a, b: b.b } : undefined),
    wait: (b) => (isObj(b) && isNum(b.ms) && typeof b.tag === 'string' ? { ms: b.ms, tag: b.tag } : undefined),
    count: (b) => (isObj(b) && isNum(b.to) ? { to: b.to } : undefined),
    fail: () => null,
    hang: () => null,
    bytes: (b) => (isObj(b) && isNum(b.n) ? { n: b.n } : undefined),
  },
  events: { hello: (b) => (isObj(b) && typeof b.name === 'string' ? { name: b.name } : undefined) },
};
const clientAccept: Acceptors<ClientSpec> = { requests: {}, events: { tick: trusted<number> } };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Channel', function () {
  let ports: MessagePort[];
  let server: Channel<ServerSpec, ClientSpec>;
  let client: Channel<ClientSpec, ServerSpec>;
  let serverProblems: string[];
  let clientProblems: string[];
  let hangAborted: boolean;

  beforeEach(function () {
    const mc = new MessageChannel();
    ports = [mc.port1, mc.port2];
    serverProblems = [];
    clientProblems = [];
    hangAborted = false;
    server = new Channel<ServerSpec, ClientSpec>(nodePort(mc.port1), { name: 'server', accept: serverAccept, onProblem: (p) => serverProblems.push(p) });
    client = new Channel<ClientSpec, ServerSpec>(nodePort(mc.port2), { name: 'client', accept: clientAccept, onProblem: (p) => clientProblems.push(p) });
    server.handle('add', ({ a, b }) => a + b);
    server.handle('wait', async ({ ms, tag }) => (await sleep(ms), tag));
    server.handle('count', async ({ to }, ctx) => {
      for (let i = 1; i <= to; i++) ctx.progress(i);
      return 'done' as const;
    });
    server.handle('fail', () => {
      throw Object.assign(new Error('it broke'), { code: 'BROKEN' });
    });
    server.handle('hang', (_b, ctx) => new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => ((hangAborted = true), reject(new Error('aborted'))))));
    server.handle('bytes', ({ n }) => {
      const a = new Float32Array(n).fill(1.5);
      return transferring(a, [a.buffer]);
    });
  });

  afterEach(function () {
    server.close();
    client.close();
    for (const p of ports) p.close();
  });

  it('answers a request with its reply', async function () {
    assert.strictEqual(await client.request('add', { a: 2, b: 3 }), 5);
  });

  it('matches replies that come back out of order to their requests', async function () {
    const slow = client.request('wait', { ms: 60, tag: 'slow' });
    const fast = client.request('wait', { ms: 5, tag: 'fast' });
    const order: string[] = [];
    await Promise.all([slow.then((t) => order.push(t)), fast.then((t) => order.push(t))]);
    assert.deepStrictEqual(order, ['fast', 'slow']);
  });

  it('delivers progress in order before the reply', async function () {
    const seen: number[] = [];
    const r = await client.request('count', { to: 5 }, { onProgress: (i) => seen.push(i) });
    assert.strictEqual(r, 'done');
    assert.deepStrictEqual(seen, [1, 2, 3, 4, 5]);
  });

  it('rejects with the handler’s error, code and message crossing', async function () {
    await assert.rejects(client.request('fail', null), (e: unknown) => e instanceof ChannelError && e.code === 'BROKEN' && e.message === 'it broke');
  });

  it('uses the given error codec', async function () {
    const mc = new MessageChannel();
    const s = new Channel<ServerSpec, ClientSpec>(nodePort(mc.port1), { name: 's', accept: serverAccept, encodeError: () => ({ mine: 42 }) });
    const c = new Channel<ClientSpec, ServerSpec>(nodePort(mc.port2), {
      name: 'c',
      accept: clientAccept,
      decodeError: (d) => new RangeError(`decoded ${JSON.stringify(d)}`),
    });
    s.handle('fail', () => {
      throw new Error('x');
    });
    await assert.rejects(c.request('fail', null), (e: unknown) => e instanceof RangeError && e.message === 'decoded {"mine":42}');
    s.close();
    c.close();
    mc.port1.close();
  });

  it('cancels: the request rejects at once and the handler’s signal aborts', async function () {
    const ac = new AbortController();
    const p = client.request('hang', null, { signal: ac.signal });
    await sleep(10);
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof ChannelError && e.code === 'CANCELLED');
    await sleep(20);
    assert.ok(hangAborted, 'the handler saw the abort');
    assert.deepStrictEqual(clientProblems, [], 'the error the aborted handler answers with is not a problem');
  });

  it('rejects a request whose signal is already aborted without sending it', async function () {
    let handled = false;
    server.handle('add', () => ((handled = true), 0));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(client.request('add', { a: 1, b: 1 }, { signal: ac.signal }), /cancelled/);
    await sleep(20);
    assert.strictEqual(handled, false);
  });

  it('hands a reply that comes after a cancel to onLateReply', async function () {
    const mc = new MessageChannel();
    const late: unknown[] = [];
    const s = new Channel<ServerSpec, ClientSpec>(nodePort(mc.port1), { name: 's', accept: serverAccept });
    const c = new Channel<ClientSpec, ServerSpec>(nodePort(mc.port2), { name: 'c', accept: clientAccept, onLateReply: (type, body) => late.push([type, body]) });
    // A handler that ignores the abort and answers anyway (as a worker busy in synchronous code does).
    s.handle('wait', async ({ ms, tag }) => (await sleep(ms), tag));
    const ac = new AbortController();
    const p = c.request('wait', { ms: 30, tag: 'kept' }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, /cancelled/);
    await sleep(60);
    // The handler saw its signal abort but answered anyway: the answer reaches onLateReply, so
    // whatever it holds (an engine run) can be let go.
    assert.deepStrictEqual(late, [['wait', 'kept']]);
    s.close();
    c.close();
    mc.port1.close();
  });

  it('passes a late reply on when the other end answered before it saw the cancel', async function () {
    // A raw port plays the other end: it answers request 1 after the cancel went out.
    const sent: unknown[] = [];
    let deliver: (m: unknown) => void = () => undefined;
    const port: Port = { post: (m) => void sent.push(m), listen: (cb) => ((deliver = cb), () => undefined) };
    const late: unknown[] = [];
    const c = new Channel<ClientSpec, ServerSpec>(port, { name: 'c', accept: clientAccept, onLateReply: (type, body) => late.push([type, body]) });
    const ac = new AbortController();
    const p = c.request('add', { a: 1, b: 2 }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, /cancelled/);
    assert.deepStrictEqual(sent, [
      { $ch: 'request', id: 1, type: 'add', body: { a: 1, b: 2 } },
      { $ch: 'cancel', inReplyTo: 1 },
    ]);
    deliver({ $ch: 'reply', inReplyTo: 1, body: 3 });
    assert.deepStrictEqual(late, [['add', 3]]);
    deliver({ $ch: 'reply', inReplyTo: 1, body: 3 });
    assert.strictEqual(late.length, 1, 'a second reply to the same id is not late, it is unknown');
    c.close();
  });

  it('answers a malformed request with a MALFORMED error and reports it', async function () {
    // Typed callers cannot send this: cast to reach the wire as a hostile webview would.
    const bad = client.request('add', { a: 1, b: 'two' } as unknown as { a: number; b: number });
    await assert.rejects(bad, (e: unknown) => e instanceof ChannelError && e.code === 'MALFORMED');
    assert.match(serverProblems.join('\n'), /malformed request 'add'/);
  });

  it('answers an unknown request type with an error, and a known one with no handler with UNHANDLED', async function () {
    const unknownType = (client as unknown as Channel<ClientSpec, { requests: { nope: { request: null; reply: null } }; events: Record<never, never> }>).request('nope', null);
    await assert.rejects(unknownType, (e: unknown) => e instanceof ChannelError && e.code === 'MALFORMED');
    const mc = new MessageChannel();
    const s = new Channel<ServerSpec, ClientSpec>(nodePort(mc.port1), { name: 's', accept: serverAccept });
    const c = new Channel<ClientSpec, ServerSpec>(nodePort(mc.port2), { name: 'c', accept: clientAccept });
    await assert.rejects(c.request('add', { a: 1, b: 1 }), (e: unknown) => e instanceof ChannelError && e.code === 'UNHANDLED');
    s.close();
    c.close();
    mc.port1.close();
  });

  it('drops what is not an envelope, and malformed or unknown events, reporting each', async function () {
    const heard: string[] = [];
    server.on('hello', (b) => heard.push(b.name));
    ports[1].postMessage('just a string');
    ports[1].postMessage({ $ch: 'request', id: -3, type: 'add', body: {} });
    ports[1].postMessage({ $ch: 'event', type: 'hello', body: { name: 7 } });
    ports[1].postMessage({ $ch: 'event', type: 'shout', body: {} });
    client.notify('hello', { name: 'ok' });
    await sleep(20);
    assert.deepStrictEqual(heard, ['ok']);
    assert.deepStrictEqual(serverProblems, [
      'server: not a channel message',
      'server: not a channel message',
      "server: malformed event 'hello'",
      "server: unknown event 'shout'",
    ]);
  });

  it('delivers events both ways, to every listener, until disposed', async function () {
    const a: number[] = [];
    const b: number[] = [];
    const da = client.on('tick', (n) => a.push(n));
    client.on('tick', (n) => b.push(n));
    server.notify('tick', 1);
    await sleep(10);
    da.dispose();
    server.notify('tick', 2);
    await sleep(10);
    assert.deepStrictEqual(a, [1]);
    assert.deepStrictEqual(b, [1, 2]);
  });

  it('reports a listener that throws and keeps delivering', async function () {
    const b: number[] = [];
    client.on('tick', () => {
      throw new Error('oops');
    });
    client.on('tick', (n) => b.push(n));
    server.notify('tick', 1);
    server.notify('tick', 2);
    await sleep(10);
    assert.deepStrictEqual(b, [1, 2]);
    assert.deepStrictEqual(clientProblems, ['client: a listener threw: oops', 'client: a listener threw: oops']);
  });

  it('close() (a dead peer) rejects what is pending with the given error, and every later request', async function () {
    const died = new ChannelError('WORKER_DIED', 'the engine stopped');
    const p1 = client.request('hang', null);
    const p2 = client.request('wait', { ms: 1000, tag: 'x' });
    await sleep(10);
    client.close(died);
    await assert.rejects(p1, (e) => e === died);
    await assert.rejects(p2, (e) => e === died);
    await assert.rejects(client.request('add', { a: 1, b: 1 }), (e) => e === died);
    assert.strictEqual(client.closed, true);
  });

  it('closing the serving end aborts its running handlers and sends no reply', async function () {
    const p = client.request('hang', null);
    await sleep(10);
    server.close();
    await sleep(10);
    assert.ok(hangAborted);
    const raced = await Promise.race([p.then(() => 'settled', () => 'settled'), sleep(50).then(() => 'pending')]);
    assert.strictEqual(raced, 'pending', 'nothing answers after close: the client learns of the death from its own close()');
    client.close();
    await assert.rejects(p, /closed/);
  });

  it('moves a transferred reply’s buffer instead of copying it', async function () {
    let sentBuffer: ArrayBuffer | undefined;
    server.handle('bytes', ({ n }) => {
      const a = new Float32Array(n).fill(1.5);
      sentBuffer = a.buffer;
      return transferring(a, [a.buffer]);
    });
    const a = await client.request('bytes', { n: 1000 });
    assert.ok(a instanceof Float32Array);
    assert.strictEqual(a.length, 1000);
    assert.strictEqual(a[999], 1.5);
    assert.strictEqual(sentBuffer?.byteLength, 0, 'the sender’s buffer was detached');
  });

  it('a reply to a request nobody sent is reported, not thrown', async function () {
    ports[0].postMessage({ $ch: 'reply', inReplyTo: 999, body: 1 });
    await sleep(10);
    assert.deepStrictEqual(clientProblems, ['client: a reply to unknown request 999']);
  });
});

describe('parseEnvelope', function () {
  it('takes the six kinds and refuses everything else', function () {
    assert.ok(parseEnvelope({ $ch: 'event', type: 'x', body: 1 }));
    assert.ok(parseEnvelope({ $ch: 'request', id: 1, type: 'x', body: 1 }));
    for (const k of ['reply', 'error', 'progress', 'cancel']) assert.ok(parseEnvelope({ $ch: k, inReplyTo: 4 }), k);
    for (const bad of [null, 3, 'x', {}, { $ch: 'event' }, { $ch: 'request', id: 0, type: 'x' }, { $ch: 'request', id: 1.5, type: 'x' }, { $ch: 'reply' }, { $ch: 'shout', inReplyTo: 1 }])
      assert.strictEqual(parseEnvelope(bad), undefined, JSON.stringify(bad));
  });
});

describe('webviewPort', function () {
  it('posts through postMessage, listens through onDidReceiveMessage, and swallows a gone webview’s rejection', async function () {
    const posted: unknown[] = [];
    let listener: ((m: unknown) => void) | undefined;
    let disposed = false;
    const port = webviewPort({
      postMessage: (m) => (posted.push(m), Promise.reject(new Error('Webview is disposed'))),
      onDidReceiveMessage: (l) => ((listener = l), { dispose: () => void (disposed = true) }),
    });
    const got: unknown[] = [];
    const stop = port.listen((m) => got.push(m));
    port.post({ a: 1 });
    listener?.({ b: 2 });
    stop();
    await sleep(5);
    assert.deepStrictEqual(posted, [{ a: 1 }]);
    assert.deepStrictEqual(got, [{ b: 2 }]);
    assert.ok(disposed);
  });
});
