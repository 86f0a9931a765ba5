// "Download from the Hugging Face Hub…": the pull (src/hub/pull.ts) in a cancellable progress
// notification (file and total bytes, speed, time left), a modal question before a large download
// or one that will not run here, the token (hubToken.ts), and the Hub's refusals as messages with
// what to do: a gated repo links to its page and offers to enter a token; a 404 says whether the
// repo, the revision or a file is missing. At the end the model is loaded and remembered.
import * as vscode from 'vscode';
import { hubEndpoint, isOffline } from '../hub/cachePaths';
import { HubError } from '../hub/errors';
import { pull, type PullPlan, type PullResult } from '../hub/pull';
import { parseRepoRef, repoPage } from '../hub/repoRef';
import { DownloadMeter, planQuestion } from './downloadProgress';
import type { HubTokens } from './hubToken';
import { repoSetting } from './modelSource';

export interface DownloadDeps {
  tokens: HubTokens;
  /** Loads the downloaded model (Switch Model's path: the current one stays if it fails). */
  use: (setting: string) => Promise<void>;
  output: vscode.LogOutputChannel;
}

const EXAMPLE_REPO = 'HuggingFaceTB/SmolLM2-135M';

/** Asks for `org/name[@rev]`, checked as it is typed; undefined when the user cancels. */
export async function askRepoId(): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Download from the Hugging Face Hub'),
    prompt: vscode.l10n.t('A model repo id, optionally with a revision: org/name or org/name@revision'),
    placeHolder: EXAMPLE_REPO,
    ignoreFocusOut: true,
    validateInput: (v) => {
      if (!v.trim()) return undefined;
      try {
        const ref = parseRepoRef(v);
        return ref.repo.includes('/') ? undefined : vscode.l10n.t('Give the organisation too: org/name');
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  return value?.trim() || undefined;
}

/** Asks before a large download or one that will not run here; true to go on. */
async function confirmPlan(plan: PullPlan): Promise<boolean> {
  const question = planQuestion(plan, vscode.l10n);
  if (question === undefined) return true;
  const go = vscode.l10n.t('Download');
  const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Download {0}?', plan.repo), { modal: true, detail: question }, go);
  return answer === go;
}

/** One pull in a cancellable notification; rejects with the pull's HubError (CANCELLED, `seen.declined` set, when the user said no to the plan). */
function pullWithProgress(repoId: string, token: string | undefined, output: vscode.LogOutputChannel, seen: { declined: boolean; plan?: PullPlan }): Thenable<PullResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', repoId), cancellable: true },
    async (progress, cancel) => {
      const abort = new AbortController();
      const sub = cancel.onCancellationRequested(() => abort.abort());
      const meter = new DownloadMeter(vscode.l10n);
      progress.report({ message: vscode.l10n.t('asking the Hub what to fetch…') });
      try {
        return await pull(repoId, {
          token,
          signal: abort.signal,
          onPlan: async (plan) => {
            output.info(`Download ${plan.repo}@${plan.revision} (${plan.commit}): ${plan.files.length} files, ${plan.toDownload} bytes to fetch, ${plan.freeBytes} free`);
            seen.plan = plan;
            const go = await confirmPlan(plan);
            seen.declined = !go;
            return go;
          },
          onProgress: (p) => {
            const step = meter.update(p);
            if (step) progress.report(step);
          },
          onWait: (file) => progress.report({ message: vscode.l10n.t('{0}: another download of this file is running; waiting for it…', file) }),
        });
      } finally {
        sub.dispose();
      }
    },
  );
}

/** Shows a refusal from the Hub with what the user can do about it; resolves to a token to retry with. */
async function explain(err: HubError, repo: string, hadToken: boolean): Promise<'retry' | undefined> {
  const access = err.code === 'GATED' || err.code === 'UNAUTHORIZED' || (err.code === 'REPO_NOT_FOUND' && !hadToken);
  if (!access) {
    await vscode.window.showErrorMessage(err.message);
    return undefined;
  }
  const open = vscode.l10n.t('Open {0}', repo);
  const enter = vscode.l10n.t('Enter a Token…');
  const pick = await vscode.window.showErrorMessage(err.message, open, enter);
  if (pick === open) await vscode.env.openExternal(vscode.Uri.parse(repoPage(hubEndpoint(), repo)));
  return pick === enter ? 'retry' : undefined;
}

/** Downloads `repoId` into the Hugging Face cache, then loads it; false when it did not happen. */
export async function downloadModel(repoId: string, deps: DownloadDeps): Promise<boolean> {
  if (isOffline()) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot download {0}: HF_HUB_OFFLINE is set, so Attention Lens stays off the network. Models already in the cache can still be used.', repoId));
    return false;
  }
  const ref = parseRepoRef(repoId);
  const source = await deps.tokens.current();
  if (source) deps.output.info(`Hub token: from ${source.from === 'stored' ? 'VS Code secret storage' : source.where}`);
  let token = source?.token;
  for (;;) {
    let result: PullResult;
    const seen: { declined: boolean; plan?: PullPlan } = { declined: false };
    try {
      result = await pullWithProgress(repoId, token, deps.output, seen);
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      deps.output.error(`Download of ${repoId} failed: ${err.message} [${err.code}]`);
      if (err.code === 'CANCELLED') {
        if (seen.declined) return false;
        void vscode.window.showInformationMessage(vscode.l10n.t('Download cancelled. What arrived is kept: downloading {0} again resumes it.', repoId));
        return false;
      }
      const next = await explain(err, ref.repo, token !== undefined);
      if (next !== 'retry') return false;
      token = await deps.tokens.ask(ref.repo);
      if (!token) return false;
      continue;
    }
    deps.output.info(`Downloaded ${result.repo}@${result.revision} (${result.commit}) to ${result.path}`);
    if (seen.plan && !seen.plan.supported) {
      // Downloaded on purpose (the user was told), for Python perhaps: nothing to load here.
      void vscode.window.showInformationMessage(vscode.l10n.t('Downloaded {0} into the Hugging Face cache. Attention Lens cannot run it: {1}', repoId, seen.plan.reason ?? seen.plan.architecture ?? '?'));
      return false;
    }
    await deps.use(repoSetting({ repo: result.repo, revision: result.revision }));
    return true;
  }
}
