// Entry point: registers commands, views and providers, nothing else. The engine (and tfjs) is
// loaded on first use by the ModelManager, in a worker.
import * as vscode from 'vscode';
import { SHOW_ATTENTION, showAttention } from './commands/showAttention';
import { EXPORT_REPORT, exportReport } from './commands/exportReport';
import { COMPARE_ATTENTION, compareAttention } from './commands/compareAttention';
import { EditorAttention } from './host/decorations';
import { ModelManager } from './host/modelManager';
import { RunHolds } from './host/runHolds';
import { AttentionPanel, VIEW_TYPE, type PanelDeps } from './panel/attentionPanel';
import { AttentionPanelSerializer } from './panel/panelSerializer';
import { LayerStepperProvider, STEPPER_VIEW_ID, STEP_THROUGH_LAYERS } from './views/layerStepper';
import { COMPLETE, complete } from './commands/complete';
import { COMPLETE_WITH_OPTIONS, completeWithOptions } from './commands/completeWithOptions';
import { EXPLAIN_COMPLETION, explainCompletion } from './commands/explainCompletion';
import { SUGGEST_CONTINUATIONS, suggestContinuations } from './commands/suggest';
import { CompletionController } from './host/completionController';
import { InlineCompletionProvider } from './host/inlineProvider';
import { STATUS_MENU, STOP_COMPLETION, StatusBar } from './host/statusBar';
import { HubTokens } from './host/hubToken';
import { ModelPicker, SWITCH_MODEL } from './host/modelPicker';
import { SourceHighlight } from './host/sourceHighlight';
import { TRANSLATE_AND_SHOW, translateAndShow } from './commands/translateAndShow';

export function activate(context: vscode.ExtensionContext): { models: ModelManager } {
  const models = new ModelManager(context.extensionUri);
  const decorations = new EditorAttention();
  const runs = new RunHolds();
  const sourceHighlight = new SourceHighlight();
  const deps: PanelDeps = { extensionUri: context.extensionUri, models, decorations, runs };
  context.subscriptions.push(
    models,
    decorations,
    // Show Attention on an encoder–decoder model translates: its attention needs a target
    vscode.commands.registerCommand(SHOW_ATTENTION, () => (models.settingIsEncDec() ? translateAndShow(models, sourceHighlight) : showAttention(deps))),
    sourceHighlight,
    vscode.commands.registerCommand(TRANSLATE_AND_SHOW, () => translateAndShow(models, sourceHighlight)),
    vscode.commands.registerCommand(EXPORT_REPORT, () => exportReport()),
    vscode.commands.registerCommand(COMPARE_ATTENTION, (args?: unknown) => compareAttention(deps, args)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, new AttentionPanelSerializer(deps)),
    { dispose: () => AttentionPanel.current?.dispose() },
  );
  const stepper = new LayerStepperProvider(context.extensionUri, models, runs);
  context.subscriptions.push(
    stepper,
    AttentionPanel.onDidAnalyze((a) => stepper.follow(a)), // the stepper follows the panel's analysis
    vscode.window.registerWebviewViewProvider(STEPPER_VIEW_ID, stepper),
    vscode.commands.registerCommand(STEP_THROUGH_LAYERS, () => stepper.analyzeSelection()),
  );
  const status = new StatusBar(models);
  const picker = new ModelPicker(context.globalState, models, new HubTokens(context.secrets));
  const completions = new CompletionController(models, status);
  context.subscriptions.push(
    status,
    completions,
    vscode.commands.registerCommand(COMPLETE, () => complete(completions)),
    vscode.commands.registerCommand(COMPLETE_WITH_OPTIONS, () => completeWithOptions(completions)),
    vscode.commands.registerCommand(SUGGEST_CONTINUATIONS, () => suggestContinuations(completions, models)),
    vscode.commands.registerCommand(EXPLAIN_COMPLETION, () => explainCompletion(completions, deps)),
    vscode.commands.registerCommand(STOP_COMPLETION, () => completions.stop()),
    vscode.commands.registerCommand(STATUS_MENU, () => status.showMenu(completions.isRunning)),
    vscode.commands.registerCommand(SWITCH_MODEL, () => picker.show()),
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, new InlineCompletionProvider(models, status, () => completions.isRunning)),
  );
  return { models };
}

export function deactivate(): void {
  // everything is in context.subscriptions
}
