// One typed message channel for every boundary of the extension: host ↔ attention panel, host ↔
// Layer Stepper, engine client ↔ engine worker, rank 0 ↔ tensor-parallel peers. Plain data only
// (no vscode, no Node, no DOM), so both ends of each boundary import the same file.
//
// Modelled on vscode-hexeditor's MessageHandler: every message travels in an envelope; a request
// carries an id and its answer carries `inReplyTo`, so replies may come back in any order. On top
// of that:
//   - events (fire and forget) in both directions;
//   - progress: any number of events for one request before its reply (tokens, layers);
//   - cancellation: an AbortSignal on the requesting side aborts the handler's `ctx.signal`;
//   - validation: every request and event body that arrives goes through the receiver's own
//     acceptor (a parse function: the body, checked, or undefined); what fails is reported through
//     `onProblem` and dropped, and a malformed request is answered with an error, never thrown on;
//   - closing: when the other end dies, `close(err)` rejects everything pending with `err`.
// The ports it runs over (worker threads, webviews) are in channelPorts.ts.
// Written here rather than taken from a library: the npm packages that do this (comlink,
// vscode-messenger, vscode-jsonrpc) either hide the message types behind proxies, bring their own
// transport assumptions (JSON-RPC framing, no transfer lists) or do not validate what arrives.

/** What a channel sends through and listens on: a worker port, a vscode.Webview, the webview's API. */
export interface Port {
  post(message: unknown, transfer?: readonly Transferable[]): void;
  /** Starts delivering messages to `onMessage`; returns a function that stops it. */
  listen(onMessage: (message: unknown) => void): () => void;
}

/** One request type: what is sent, what the reply carries, and what progress events carry. */
export interface RequestSpec {
  request: unknown;
  reply: unknown;
  progress?: unknown;
}

/**
 * What one side of a boundary answers and hears: its request types and its event types. A channel
 * is typed by two of these: the one it serves (Local) and the one the other end serves (Remote).
 */
export interface ProtocolSpec {
  requests: { [type: string]: RequestSpec };
  events: { [type: string]: unknown };
}

type RequestTypes<P extends ProtocolSpec> = keyof P['requests'] & string;
type EventTypes<P extends ProtocolSpec> = keyof P['events'] & string;
export type RequestOf<P extends ProtocolSpec, K extends RequestTypes<P>> = P['requests'][K]['request'];
export type ReplyOf<P extends ProtocolSpec, K extends RequestTypes<P>> = P['requests'][K]['reply'];
export type ProgressOf<P extends ProtocolSpec, K extends RequestTypes<P>> = P['requests'][K] extends { progress: infer G } ? G : never;
export type EventOf<P extends ProtocolSpec, K extends EventTypes<P>> = P['events'][K];

/** A parse function: the body, checked (and possibly normalised), or undefined when malformed. */
export type Acceptor<T> = (body: unknown) => T | undefined;

/** Accepts any body as T: for a trusted sender (the same code on the other side of a thread). */
export const trusted = <T>(body: unknown): T | undefined => body as T;

/**
 * The events of a protocol whose messages are tagged by `type` (the UI protocols): one event per
 * message type, the message itself its body.
 */
export type MessageEvents<M extends { type: string }> = { [K in M['type']]: Extract<M, { type: K }> };

/** Acceptors for MessageEvents: a body is accepted when `parse` takes it as a message of the event's type. */
export function acceptByType<M extends { type: string }>(
  types: Iterable<string>,
  parse: (x: unknown) => M | undefined,
): { [K in M['type']]: Acceptor<Extract<M, { type: K }>> } {
  const out: Record<string, Acceptor<M>> = {};
  for (const t of types) out[t] = (body) => (parse(body)?.type === t ? (body as M) : undefined);
  return out as { [K in M['type']]: Acceptor<Extract<M, { type: K }>> };
}

/** The receiver's check of every request and event body it may get. */
export interface Acceptors<P extends ProtocolSpec> {
  requests: { [K in RequestTypes<P>]: Acceptor<RequestOf<P, K>> };
  events: { [K in EventTypes<P>]: Acceptor<EventOf<P, K>> };
}

/** The wire format. `$ch` tells a channel's envelopes from anything else that reaches the port. */
export type Envelope =
  | { $ch: 'event'; type: string; body: unknown }
  | { $ch: 'request'; id: number; type: string; body: unknown }
  | { $ch: 'reply'; inReplyTo: number; body: unknown }
  | { $ch: 'error'; inReplyTo: number; error: unknown }
  | { $ch: 'progress'; inReplyTo: number; body: unknown }
  | { $ch: 'cancel'; inReplyTo: number };

/** An error that crossed a channel without an `encodeError`/`decodeError` pair of its own. */
export class ChannelError extends Error {
  constructor(
    /** 'CANCELLED', 'CLOSED', 'MALFORMED', 'UNHANDLED', or the code the remote error carried. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** A reply with a transfer list: return `transferring(value, [buffer…])` from a handler. */
export class Transferring<T> {
  constructor(
    readonly value: T,
    readonly transfer: readonly Transferable[],
  ) {}
}
export const transferring = <T>(value: T, transfer: readonly Transferable[]): Transferring<T> => new Transferring(value, transfer);

/** What a request handler gets besides the body. */
export interface RequestContext<G> {
  /** The request's id on this channel. */
  readonly id: number;
  /** Aborted when the requester cancels (or the channel closes). */
  readonly signal: AbortSignal;
  /** Sends one progress event to the requester, before the reply. */
  progress(body: G, transfer?: readonly Transferable[]): void;
}

export type RequestHandler<P extends ProtocolSpec, K extends RequestTypes<P>> = (
  body: RequestOf<P, K>,
  ctx: RequestContext<ProgressOf<P, K>>,
) => ReplyOf<P, K> | Transferring<ReplyOf<P, K>> | Promise<ReplyOf<P, K> | Transferring<ReplyOf<P, K>>>;

export interface RequestOptions<G> {
  /** Aborting it sends a cancel; the promise rejects at once with `cancelled()`. */
  signal?: AbortSignal;
  transfer?: readonly Transferable[];
  onProgress?: (body: G) => void;
}

export interface ChannelOptions<Local extends ProtocolSpec> {
  /** Names the channel in problems and errors, e.g. 'panel' or 'engine'. */
  name: string;
  accept: Acceptors<Local>;
  /** Something arrived that is not accepted (malformed, unknown) or a listener threw. */
  onProblem?: (problem: string, message: unknown) => void;
  /** A thrown error → what crosses the boundary (default: { code, message, name }). */
  encodeError?: (err: unknown) => unknown;
  /** What crossed → the error the request rejects with (default: a ChannelError). */
  decodeError?: (data: unknown) => Error;
  /** The error an aborted request rejects with (default ChannelError 'CANCELLED'). */
  cancelled?: () => Error;
  /** A reply that came for a request already cancelled here (e.g. to release what it holds). */
  onLateReply?: (type: string, body: unknown) => void;
}

interface Pending {
  type: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (body: unknown) => void;
}

interface Disposable {
  dispose(): void;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;

/** Checks the envelope itself (not the body): undefined for anything that is not one of ours. */
export function parseEnvelope(x: unknown): Envelope | undefined {
  if (!isObject(x) || typeof x.$ch !== 'string') return undefined;
  switch (x.$ch) {
    case 'event':
      return typeof x.type === 'string' ? (x as Envelope) : undefined;
    case 'request':
      return typeof x.type === 'string' && isId(x.id) ? (x as Envelope) : undefined;
    case 'reply':
    case 'error':
    case 'progress':
    case 'cancel':
      return isId(x.inReplyTo) ? (x as Envelope) : undefined;
    default:
      return undefined;
  }
}

function defaultEncodeError(err: unknown): unknown {
  if (err instanceof Error) return { name: err.name, message: err.message, code: (err as { code?: unknown }).code };
  return { name: 'Error', message: String(err) };
}

function defaultDecodeError(data: unknown): Error {
  const d = isObject(data) ? data : {};
  const code = typeof d.code === 'string' ? d.code : 'REMOTE';
  return new ChannelError(code, typeof d.message === 'string' ? d.message : 'the other side failed');
}

export class Channel<Local extends ProtocolSpec, Remote extends ProtocolSpec> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests cancelled here whose reply may still come: id → type. */
  private readonly abandoned = new Map<number, string>();
  private readonly handlers = new Map<string, RequestHandler<Local, RequestTypes<Local>>>();
  private readonly listeners = new Map<string, Set<(body: unknown) => void>>();
  /** Requests being handled here, to abort on cancel or close. */
  private readonly running = new Map<number, AbortController>();
  private closedWith: Error | undefined;
  private readonly stopListening: () => void;

  constructor(
    private readonly port: Port,
    private readonly opts: ChannelOptions<Local>,
  ) {
    this.stopListening = port.listen((m) => this.receive(m));
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Sends a request to the other end; resolves with its reply, rejects with its error. */
  request<K extends RequestTypes<Remote>>(
    type: K,
    body: RequestOf<Remote, K>,
    options: RequestOptions<ProgressOf<Remote, K>> = {},
  ): Promise<ReplyOf<Remote, K>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(this.cancelError());
    const id = this.nextId++;
    return new Promise<ReplyOf<Remote, K>>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        this.abandoned.set(id, type);
        this.send({ $ch: 'cancel', inReplyTo: id });
        reject(this.cancelError());
      };
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        type,
        resolve: (v) => (done(), resolve(v as ReplyOf<Remote, K>)),
        reject: (e) => (done(), reject(e)),
        onProgress: options.onProgress as ((body: unknown) => void) | undefined,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.send({ $ch: 'request', id, type, body }, options.transfer);
    });
  }

  /** Sends an event to the other end (dropped when the channel is closed). */
  notify<K extends EventTypes<Remote>>(type: K, body: EventOf<Remote, K>, transfer?: readonly Transferable[]): void {
    if (!this.closedWith) this.send({ $ch: 'event', type, body }, transfer);
  }

  /** Answers requests of one type (one handler a type; a second replaces the first). */
  handle<K extends RequestTypes<Local>>(type: K, handler: RequestHandler<Local, K>): Disposable {
    this.handlers.set(type, handler as unknown as RequestHandler<Local, RequestTypes<Local>>);
    return { dispose: () => void (this.handlers.get(type) === (handler as unknown) && this.handlers.delete(type)) };
  }

  /** Listens to events of one type. */
  on<K extends EventTypes<Local>>(type: K, listener: (body: EventOf<Local, K>) => void): Disposable {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const l = listener as (body: unknown) => void;
    set.add(l);
    return { dispose: () => void set.delete(l) };
  }

  /** Listens to every event type at once, one listener each (a protocol's handler table). */
  onEach(listeners: { [K in EventTypes<Local>]: (body: EventOf<Local, K>) => void | Promise<void> }): Disposable {
    const all = Object.entries(listeners).map(([type, l]) =>
      this.on(type as EventTypes<Local>, (body) => void (l as (b: unknown) => void | Promise<void>)(body)),
    );
    return { dispose: () => all.forEach((d) => d.dispose()) };
  }

  /**
   * Ends the channel: pending requests reject with `err`, later ones too, handlers in progress see
   * their signal abort, and nothing more is sent or received. For the other end's death.
   */
  close(err: Error = new ChannelError('CLOSED', `the ${this.opts.name} channel is closed`)): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.stopListening();
    for (const c of this.running.values()) c.abort();
    this.running.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.abandoned.clear();
    for (const p of pending) p.reject(err);
  }

  dispose(): void {
    this.close();
  }

  private cancelError(): Error {
    return this.opts.cancelled?.() ?? new ChannelError('CANCELLED', `the ${this.opts.name} request was cancelled`);
  }

  private send(e: Envelope, transfer?: readonly Transferable[]): void {
    this.port.post(e, transfer);
  }

  private problem(what: string, message: unknown): void {
    this.opts.onProblem?.(`${this.opts.name}: ${what}`, message);
  }

  private receive(raw: unknown): void {
    if (this.closedWith) return;
    const e = parseEnvelope(raw);
    if (!e) return this.problem('not a channel message', raw);
    switch (e.$ch) {
      case 'event':
        return this.receiveEvent(e.type, e.body, raw);
      case 'request':
        return void this.receiveRequest(e.id, e.type, e.body, raw);
      case 'cancel':
        return this.running.get(e.inReplyTo)?.abort();
      case 'progress': {
        const p = this.pending.get(e.inReplyTo);
        if (p?.onProgress) this.guard(() => p.onProgress?.(e.body), raw);
        return;
      }
      case 'reply':
      case 'error': {
        const p = this.pending.get(e.inReplyTo);
        if (!p) {
          const type = this.abandoned.get(e.inReplyTo);
          this.abandoned.delete(e.inReplyTo);
          if (type !== undefined && e.$ch === 'reply') this.guard(() => this.opts.onLateReply?.(type, e.body), raw);
          else if (type === undefined) this.problem(`a reply to unknown request ${e.inReplyTo}`, raw);
          return;
        }
        this.pending.delete(e.inReplyTo);
        if (e.$ch === 'reply') p.resolve(e.body);
        else p.reject((this.opts.decodeError ?? defaultDecodeError)(e.error));
        return;
      }
    }
  }

  private receiveEvent(type: string, body: unknown, raw: unknown): void {
    const accept = (this.opts.accept.events as Record<string, Acceptor<unknown> | undefined>)[type];
    if (!accept) return this.problem(`unknown event '${type}'`, raw);
    const ok = accept(body);
    if (ok === undefined) return this.problem(`malformed event '${type}'`, raw);
    for (const l of this.listeners.get(type) ?? []) this.guard(() => l(ok), raw);
  }

  private async receiveRequest(id: number, type: string, body: unknown, raw: unknown): Promise<void> {
    const fail = (code: string, what: string): void => {
      this.problem(what, raw);
      this.send({ $ch: 'error', inReplyTo: id, error: (this.opts.encodeError ?? defaultEncodeError)(new ChannelError(code, `${this.opts.name}: ${what}`)) });
    };
    const accept = (this.opts.accept.requests as Record<string, Acceptor<unknown> | undefined>)[type];
    if (!accept) return fail('MALFORMED', `unknown request '${type}'`);
    const ok = accept(body);
    if (ok === undefined) return fail('MALFORMED', `malformed request '${type}'`);
    const handler = this.handlers.get(type);
    if (!handler) return fail('UNHANDLED', `no handler for request '${type}'`);
    const controller = new AbortController();
    this.running.set(id, controller);
    const ctx: RequestContext<never> = {
      id,
      signal: controller.signal,
      progress: (b, transfer) => {
        if (this.running.has(id)) this.send({ $ch: 'progress', inReplyTo: id, body: b }, transfer);
      },
    };
    try {
      const result = await handler(ok as never, ctx);
      if (!this.running.delete(id) || this.closedWith) return;
      if (result instanceof Transferring) this.send({ $ch: 'reply', inReplyTo: id, body: result.value }, result.transfer);
      else this.send({ $ch: 'reply', inReplyTo: id, body: result });
    } catch (err) {
      if (!this.running.delete(id) || this.closedWith) return;
      this.send({ $ch: 'error', inReplyTo: id, error: (this.opts.encodeError ?? defaultEncodeError)(err) });
    }
  }

  private guard(f: () => void, raw: unknown): void {
    try {
      f();
    } catch (err) {
      this.problem(`a listener threw: ${err instanceof Error ? err.message : String(err)}`, raw);
    }
  }
}
