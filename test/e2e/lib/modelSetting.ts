// Points the workspace's attentionLens.modelPath at a copy of a fixture model (outside the
// workspace, so nothing the extension does can touch the fixture), with any other settings given;
// restore() puts the settings file back as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { session } from './session';

export interface ModelSetting {
  /** The copy's folder, what attentionLens.modelPath now names. */
  model: string;
  restore(): void;
}

export function useModelCopy(fixture: string, extra: Record<string, unknown> = {}): ModelSetting {
  const { server, workspace } = session();
  const settingsFile = path.join(workspace.dir, '.vscode', 'settings.json');
  const original = fs.readFileSync(settingsFile, 'utf8');
  const model = path.join(server.tmpDir, path.basename(fixture));
  fs.cpSync(fixture, model, { recursive: true });
  const settings = { ...(JSON.parse(original) as Record<string, unknown>), 'attentionLens.modelPath': model, ...extra };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  return { model, restore: () => fs.writeFileSync(settingsFile, original) };
}
