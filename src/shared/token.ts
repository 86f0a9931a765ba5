// The one token shape every boundary uses: the engine's tokenizer output, the panel's and the
// Layer Stepper's token strips, the CLI's tokens.json.

export interface Token {
  /** Vocabulary id. */
  id: number;
  /** The token as text (byte-level tokens decoded; a partial UTF-8 sequence as U+FFFD). */
  text: string;
  /** UTF-16 offsets into the text that was tokenized: [start, end). */
  start: number;
  end: number;
  /**
   * The token's UTF-8 bytes in hex ("E8 87"), present only when `text` cannot hold them: the
   * token holds part of a character (see shared/tokenLabels.ts for what the views show).
   */
  bytes?: string;
}
