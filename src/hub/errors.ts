// What goes wrong between us and the Hugging Face Hub or its cache: a code and one plain line that
// names the repository (and the file or revision when it is about one). The CLI prints the line;
// the model picker shows it.

export type HubErrorCode =
  | 'BAD_REPO_ID'
  | 'GATED'
  | 'UNAUTHORIZED'
  | 'REPO_NOT_FOUND'
  | 'REVISION_NOT_FOUND'
  | 'FILE_NOT_FOUND'
  | 'NO_SAFETENSORS'
  | 'BAD_FILENAME'
  | 'BAD_INDEX'
  | 'SIZE_MISMATCH'
  | 'SHA_MISMATCH'
  | 'NOT_CACHED'
  | 'NO_DISK_SPACE'
  | 'NETWORK'
  | 'SERVER_ERROR'
  | 'CANCELLED';

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}
