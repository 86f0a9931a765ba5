// The Layer Stepper webview: holds the current run, the chosen query token, head and step; asks
// the host (channel requests) for the capture / read-out / logit lens the step needs; redraws on
// every change.
// Keyboard: ← → steps, PageUp / PageDown layers.
import { STEPPER_TEXT, formatText, type StepperStrings } from '../../src/shared/explanations';
import {
  StepperMessageType as M,
  type CaptureReply,
  type LensCell,
  type Readout,
  type StepperModelFacts,
  type StepperRunInfo,
  type StepperToWebview,
} from '../../src/shared/stepperProtocol';
import { host, loadState, saveState, send, type StepperViewState } from './api';
import { el } from './dom';
import { renderLens } from './lens';
import { renderModel } from './model';
import { hideTip, renderBlock } from './render';
import { stepCsv, stepFileName, stepJson } from './stepExport';
import { buildStep, layerStart, moveLayer, stepAt, stepCount, stepNeeds, stepPlan, type StepPlan, type StepRef } from './steps';
import { labelsOf, shownToken, tokenDetail } from './tokenText';

type Tab = StepperViewState['tab'];

interface State {
  strings: StepperStrings;
  language: string;
  model?: StepperModelFacts;
  run?: StepperRunInfo;
  stale: boolean;
  busy?: string;
  error?: string;
  query: number;
  head: number;
  step: number;
  tab: Tab;
  captures: Map<string, CaptureReply>;
  readouts: Map<number, Readout>;
  lens?: LensCell[][];
  /** What is being fetched (a capture key, "r:<pos>" or "lens"); cleared with the run. */
  pending: Set<string>;
  /** What failed to arrive for this run: not asked again (each retry would fail and redraw at once). */
  failed: Set<string>;
}

const st: State = {
  strings: { ...STEPPER_TEXT },
  language: 'en',
  stale: false,
  query: 0,
  head: 0,
  step: 0,
  tab: 'steps',
  captures: new Map(),
  readouts: new Map(),
  pending: new Set(),
  failed: new Set(),
};
let lastHighlight = '';
const app = document.getElementById('app') as HTMLElement;

const captureKey = (layer: number, position: number): string => `${layer}:${position}`;
const nLayer = (): number => st.model?.nLayer ?? 1;
/** The model's step list (GPT-2's, the Llama family's, GPT-1's). */
const plan = (): StepPlan => stepPlan(st.model);

function persist(): void {
  if (st.run) saveState({ runId: st.run.runId, query: st.query, head: st.head, step: st.step, tab: st.tab });
}

/**
 * Fetches `what` of run `runId` once: `store` keeps the answer if the run is still shown; a
 * failure is shown as the stepper's error and not asked again for this run. Either way the view is drawn again.
 */
function fetchOnce<R extends { runId: number }>(what: string, runId: number, ask: () => Promise<R>, store: (r: R) => void): void {
  if (st.pending.has(what) || st.failed.has(what)) return;
  st.pending.add(what);
  const current = (): boolean => st.run?.runId === runId;
  ask().then(
    (r) => {
      if (!current()) return; // an older run: dropped
      st.pending.delete(what);
      if (r.runId === runId) store(r);
      update();
    },
    (err: unknown) => {
      if (!current()) return;
      st.pending.delete(what);
      st.failed.add(what);
      st.busy = undefined;
      st.error = err instanceof Error ? err.message : String(err);
      update();
    },
  );
}

/** Asks the host for whatever the current step (or tab) needs and has not arrived yet. */
function fetchNeeded(): void {
  const run = st.run;
  if (!run || !st.model || st.stale) return;
  const runId = run.runId;
  if (st.tab === 'lens') {
    if (!st.lens) fetchOnce('lens', runId, () => host.request('logitLens', { runId }), (r) => (st.lens = r.cells));
    return;
  }
  if (st.tab !== 'steps') return;
  const needs = stepNeeds(stepAt(st.step, nLayer(), plan()));
  const position = st.query;
  if (needs.capture !== undefined) {
    const layer = needs.capture;
    const key = captureKey(layer, position);
    if (!st.captures.has(key)) fetchOnce(key, runId, () => host.request('capture', { runId, layer, position }), (r) => st.captures.set(captureKey(r.capture.layer, r.capture.position), r));
  }
  if (needs.readout && !st.readouts.has(position)) {
    fetchOnce(`r:${position}`, runId, () => host.request('readout', { runId, position }), (r) => st.readouts.set(r.readout.position, r.readout));
  }
}

function go(step: number): void {
  const n = stepCount(nLayer(), plan());
  st.step = Math.max(0, Math.min(n - 1, step));
  update();
}

function setQuery(q: number): void {
  if (!st.run) return;
  st.query = Math.max(0, Math.min(st.run.T - 1, q));
  update();
}

function update(): void {
  persist();
  fetchNeeded();
  render();
}

// ---------------------------------------------------------------- rendering

function button(label: string, title: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = el('button', cls, label, { title, 'aria-label': title, type: 'button' });
  b.addEventListener('click', onClick);
  return b;
}

function renderHeader(): HTMLElement {
  const s = st.strings;
  const h = el('header', 'top');
  h.append(button(s.analyzeSelection, s.analyzeSelection, () => send({ type: M.AnalyzeSelection }), 'primary analyze'));
  if (st.run) h.append(el('span', 'run-label', `${st.run.label} · T = ${st.run.T}`));
  return h;
}

function renderTabs(): HTMLElement {
  const s = st.strings;
  const nav = el('nav', 'tabs', undefined, { role: 'tablist' });
  const tabs: [Tab, string][] = [
    ['steps', s.tabSteps],
    ['lens', s.tabLens],
    ['model', s.tabModel],
  ];
  for (const [tab, label] of tabs) {
    const b = button(label, label, () => {
      st.tab = tab;
      update();
    }, `tab ${tab}${st.tab === tab ? ' active' : ''}`);
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(st.tab === tab));
    nav.append(b);
  }
  return nav;
}

function renderQueryChips(run: StepperRunInfo): HTMLElement {
  const box = el('div', 'query');
  box.append(el('span', 'field-label', st.strings.queryToken));
  const chips = el('div', 'chips');
  run.tokens.forEach((t, i) => {
    const tip = [`${i}: ${JSON.stringify(labelsOf(run.tokens)[i].text)} (id ${t.id})`, ...tokenDetail(run.tokens, i, st.strings)].join('\n');
    const c = button(shownToken(run.tokens, i), tip, () => setQuery(i), `chip${i === st.query ? ' selected' : ''}`);
    c.dataset.index = String(i);
    chips.append(c);
  });
  box.append(chips);
  return box;
}

function renderControls(ref: StepRef): HTMLElement {
  const s = st.strings;
  const L = nLayer();
  const box = el('div', 'controls');
  const total = stepCount(L, plan());
  const nav = el('div', 'step-nav');
  const prev = button('◀', s.prevStep, () => go(st.step - 1), 'prev');
  const next = button('▶', s.nextStep, () => go(st.step + 1), 'next');
  prev.disabled = st.step === 0;
  next.disabled = st.step === total - 1;
  nav.append(prev, el('span', 'step-counter', formatText(s.stepOf, st.step + 1, total)), next);
  box.append(nav);

  const layerBox = el('label', 'layer');
  const layerValue = ref.stage === 'layer' ? ref.layer : ref.stage === 'embedding' ? 0 : L - 1;
  layerBox.append(el('span', 'field-label', `${s.layer} ${layerValue}`));
  const slider = el('input', 'layer-slider', undefined, {
    type: 'range',
    min: '0',
    max: String(L - 1),
    step: '1',
    value: String(layerValue),
    'aria-label': s.layer,
  });
  slider.addEventListener('change', () => {
    const l = Number(slider.value);
    const cur = stepAt(st.step, L, plan());
    go(cur.stage === 'layer' ? moveLayer(st.step, l - cur.layer, L, plan()) : layerStart(l, plan()));
  });
  layerBox.append(slider);
  box.append(layerBox);

  const headBox = el('label', 'head');
  headBox.append(el('span', 'field-label', s.head));
  const select = el('select', 'head-select', undefined, { 'aria-label': s.head });
  for (let h = 0; h < (st.model?.nHead ?? 1); h++) {
    const o = el('option', '', String(h), { value: String(h) });
    if (h === st.head) o.selected = true;
    select.append(o);
  }
  select.addEventListener('change', () => {
    st.head = Number(select.value);
    update();
  });
  headBox.append(select);
  box.append(headBox);
  box.append(el('span', 'hint', s.keysHint));
  return box;
}

function renderStep(run: StepperRunInfo): HTMLElement {
  const s = st.strings;
  const L = nLayer();
  const ref = stepAt(st.step, L, plan());
  const box = el('section', 'steps');
  box.append(renderQueryChips(run), renderControls(ref));
  const stage = ref.stage === 'embedding' ? s.stageEmbedding : ref.stage === 'layer' ? formatText(s.stageLayer, ref.layer) : s.stageOutput;
  const cap = stepNeeds(ref).capture;
  const c = cap !== undefined ? st.captures.get(captureKey(cap, st.query)) : undefined;
  const view = buildStep(ref, {
    model: st.model!,
    tokens: run.tokens,
    position: st.query,
    head: st.head,
    capture: c?.capture,
    tokenEmbedding: c?.tokenEmbedding,
    positionEmbedding: c?.positionEmbedding,
    finalLn: c?.finalLn,
    finalNormRms: c?.finalNormRms,
    finalNormWeight: c?.finalNormWeight,
    invFreq: c?.invFreq,
    readout: st.readouts.get(st.query),
    strings: s,
  });
  const card = el('article', 'step', undefined, { 'data-kind': ref.kind, 'data-layer': String(ref.layer), 'data-step': String(st.step) });
  card.append(el('div', 'stage', stage));
  if (!view) {
    card.append(el('p', 'muted busy', s.computing));
    box.append(card);
    return box;
  }
  card.append(el('h2', 'step-title', view.title));
  const body = el('div', 'step-body');
  const side = el('aside', 'explain', view.explanation);
  const main = el('div', 'step-main');
  const formula = el('div', 'formula');
  formula.append(el('span', 'field-label', s.formula), el('code', '', view.formula));
  const shape = el('div', 'shape');
  shape.append(el('span', 'field-label', s.shape), el('code', '', view.shape));
  const save = (format: 'csv' | 'json'): void =>
    send({ type: M.SaveExport, format, fileName: stepFileName(view, st.query, format), data: format === 'csv' ? stepCsv(view) : stepJson(view, run.tokens, st.query) });
  const exports = el('div', 'step-export');
  exports.append(button(s.exportCsv, formatText(s.exportStepTitle, 'CSV'), () => save('csv'), 'secondary export-csv'), button(s.exportJson, formatText(s.exportStepTitle, 'JSON'), () => save('json'), 'secondary export-json'));
  main.append(formula, shape, exports);
  for (const b of view.blocks) main.append(renderBlock(b, s, { query: st.query, head: st.head }));
  if (view.note) main.append(el('p', 'note', view.note));
  body.append(main, side);
  card.append(body);
  box.append(card);
  highlight(run.runId, view.highlight.query, view.highlight.context);
  return box;
}

function highlight(runId: number, query: number, context: number[]): void {
  const key = `${runId}|${query}|${context.join(',')}`;
  if (key === lastHighlight || st.stale) return;
  lastHighlight = key;
  send({ type: M.Highlight, runId, query, context });
}

function render(): void {
  hideTip();
  const s = st.strings;
  const focused = document.activeElement?.className ?? '';
  app.replaceChildren();
  app.removeAttribute('aria-busy');
  app.append(renderHeader());
  if (st.busy) app.append(el('p', 'banner busy', st.busy));
  if (st.error) app.append(el('p', 'banner error', st.error));
  if (st.stale) app.append(el('p', 'banner stale', s.stale));
  if (!st.run || !st.model) {
    if (!st.busy) app.append(el('p', 'muted empty', s.noRun));
    if (st.model) app.append(renderModel(st.model, s, st.language));
    return;
  }
  app.append(renderTabs());
  if (st.tab === 'steps') app.append(renderStep(st.run));
  else if (st.tab === 'lens') {
    if (st.lens) app.append(renderLens(st.lens, st.run.tokens, s, st.query, (j) => setQuery(j), st.model));
    else app.append(el('p', 'muted busy', s.lensComputing));
  } else app.append(renderModel(st.model, s, st.language));
  // Keep the keyboard where it was (a redraw replaces the focused control).
  if (focused) {
    const again = app.querySelector<HTMLElement>(`[class="${CSS.escape(focused)}"]`);
    again?.focus();
  }
}

// ---------------------------------------------------------------- messages

function onMessage(m: StepperToWebview): void {
  switch (m.type) {
    case M.Init:
      st.strings = m.strings;
      st.language = m.language;
      document.documentElement.lang = m.language;
      break;
    case M.Model:
      st.model = m.model;
      break;
    case M.Run: {
      const saved = loadState();
      const same = saved && saved.runId === m.run.runId;
      st.run = m.run;
      st.stale = false;
      st.busy = undefined;
      st.error = undefined;
      st.captures.clear();
      st.readouts.clear();
      st.lens = undefined;
      st.pending.clear();
      st.failed.clear();
      lastHighlight = '';
      st.query = same ? Math.min(saved.query, m.run.T - 1) : (m.query ?? m.run.T - 1);
      st.head = same ? saved.head : 0;
      st.step = same ? saved.step : 0;
      st.tab = same ? saved.tab : 'steps';
      break;
    }
    case M.Busy:
      st.busy = m.detail;
      st.error = undefined;
      break;
    case M.Stale:
      if (st.run && m.runId === st.run.runId) st.stale = true;
      break;
    case M.ShowError:
      st.busy = undefined;
      st.error = m.message;
      break;
  }
  update();
}

for (const t of [M.Init, M.Model, M.Run, M.Busy, M.Stale, M.ShowError] as const) host.on(t, (m) => onMessage(m));

document.addEventListener('keydown', (e) => {
  if (!st.run || st.tab !== 'steps') return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  const L = nLayer();
  let to: number | undefined;
  if (e.key === 'ArrowRight') to = st.step + 1;
  else if (e.key === 'ArrowLeft') to = st.step - 1;
  else if (e.key === 'PageDown') to = moveLayer(st.step, +1, L, plan());
  else if (e.key === 'PageUp') to = moveLayer(st.step, -1, L, plan());
  if (to === undefined) return;
  e.preventDefault();
  go(to);
});

document.body.classList.add('layer-stepper');
render();
send({ type: M.Ready });
