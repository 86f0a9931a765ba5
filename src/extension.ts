// Entry point: registers commands, views and providers, nothing else. The engine (and tfjs) is
// loaded on first use by the ModelManager, in a worker.
import * as vscode from 'vscode';
import { SHOW_ATTENTION, showAttention } from './commands/showAttention';
import { EditorAttention } from './host/decorations';
import { ModelManager } from './host/modelManager';
import { AttentionPanel, VIEW_TYPE, type PanelDeps } from './panel/attentionPanel';
import { AttentionPanelSerializer } from './panel/panelSerializer';
import { LayerStepperProvider, STEPPER_VIEW_ID, STEP_THROUGH_LAYERS } from './views/layerStepper';

export function activate(context: vscode.ExtensionContext): { models: ModelManager } {
  const models = new ModelManager(context.extensionUri);
  const decorations = new EditorAttention();
  const deps: PanelDeps = { extensionUri: context.extensionUri, models, decorations };
  context.subscriptions.push(
    models,
    decorations,
    vscode.commands.registerCommand(SHOW_ATTENTION, () => showAttention(deps)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new AttentionPanelSerializer(deps)),
    { dispose: () => AttentionPanel.current?.dispose() },
  );
  const stepper = new LayerStepperProvider(context.extensionUri, models);
  context.subscriptions.push(
    stepper,
    vscode.window.registerWebviewViewProvider(STEPPER_VIEW_ID, stepper),
    vscode.commands.registerCommand(STEP_THROUGH_LAYERS, () => stepper.analyzeSelection()),
  );
  return { models };
}

export function deactivate(): void {
  // everything is in context.subscriptions
}
