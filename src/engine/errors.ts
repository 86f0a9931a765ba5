// Typed errors: every failure the engine reports carries a code and one plain-language line that
// names the file and the problem. They cross the worker boundary as { code, message, file }.

export type EngineErrorCode =
  | 'FILE_NOT_FOUND'
  | 'BAD_JSON'
  | 'BAD_CONFIG'
  | 'BAD_SAFETENSORS'
  | 'UNKNOWN_DTYPE'
  | 'BAD_WEIGHTS'
  | 'BAD_TOKENIZER'
  | 'BAD_CHAT_TEMPLATE'
  | 'NO_CHAT_TEMPLATE'
  | 'CONTEXT_TOO_LONG'
  | 'BAD_ARGUMENT'
  | 'NOT_LOADED'
  | 'CANCELLED'
  | 'WORKER_DIED'
  | 'OUT_OF_MEMORY'
  | 'MODEL_TOO_LARGE'
  | 'INTERNAL';

export interface EngineErrorData {
  code: EngineErrorCode;
  message: string;
  file?: string;
}

/** Messages are cut here (the file's name comes first, so it always stays). */
const MAX_MESSAGE = 1000;

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly file?: string;

  constructor(code: EngineErrorCode, message: string, file?: string) {
    const full = file && !message.includes(file) ? `${file}: ${message}` : message;
    // One line for a person: a hostile file can put megabytes where a name or a number goes, and
    // messages quote what they found.
    super(full.length > MAX_MESSAGE ? `${full.slice(0, MAX_MESSAGE)}… (${full.length - MAX_MESSAGE} more characters)` : full);
    this.name = 'EngineError';
    this.code = code;
    this.file = file;
  }

  toData(): EngineErrorData {
    return { code: this.code, message: this.message, file: this.file };
  }

  static fromData(d: EngineErrorData): EngineError {
    const e = new EngineError(d.code, d.message);
    (e as { file?: string }).file = d.file;
    return e;
  }

  /** Wraps anything thrown into an EngineError, keeping typed ones as they are. */
  static from(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new EngineError('INTERNAL', msg);
  }
}
