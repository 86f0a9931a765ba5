// The Hugging Face token for downloads: HF_TOKEN, else the token file `huggingface-cli login`
// writes (HF_HOME/token), else one the user typed once, kept in VS Code's SecretStorage (never in
// the settings, which sync and show in plain text). The order itself is hubTokenSource's.
import * as vscode from 'vscode';
import { hubTokenSource, type TokenSource } from '../hub/cachePaths';

const SECRET_KEY = 'attentionLens.huggingFaceToken';
const TOKEN_SHAPE = 'hf_…';

export class HubTokens {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** The token a download sends, and where it came from; undefined when there is none. */
  async current(env: NodeJS.ProcessEnv = process.env): Promise<TokenSource | undefined> {
    return hubTokenSource(env, await this.secrets.get(SECRET_KEY));
  }

  /** Asks for a token (masked) and stores it; undefined when the user cancels. */
  async ask(repo: string): Promise<string | undefined> {
    const token = await vscode.window.showInputBox({
      title: vscode.l10n.t('Hugging Face token'),
      prompt: vscode.l10n.t('A token with read access to {0} (huggingface.co/settings/tokens). It is kept in VS Code\'s secret storage.', repo),
      placeHolder: TOKEN_SHAPE,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (/^\S+$/.test(v.trim()) ? undefined : vscode.l10n.t('A token is one word without spaces.')),
    });
    const t = token?.trim();
    if (!t) return undefined;
    await this.secrets.store(SECRET_KEY, t);
    return t;
  }
}
