// A conversation as chat templates take it, and the prompt a template renders from it. Shared by the
// engine (which renders and tokenizes), the worker protocol, the CLI and the host.
import type { Token } from './token';

/** One turn of a conversation, as Hugging Face's `apply_chat_template` takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A conversation rendered through the model's chat template, ready to generate from. */
export interface ChatPrompt {
  /** The rendered text, special tokens written out (`<|im_start|>user\n…`). */
  text: string;
  /** Its token ids: special tokens in the text are the model's added tokens, never split. */
  ids: number[];
  /** The same tokens with their text and UTF-16 offsets into `text` (ids[i] === tokens[i].id). */
  tokens: Token[];
}
