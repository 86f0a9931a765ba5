// Lint: the folder boundaries of HOUSE_STYLE.md (as GitLens enforces its own), plus typescript-eslint's
// recommended rules. `npm run lint` (part of `npm test`).
//
//   src/engine, src/analysis, src/shared  never import `vscode` (type-only imports at most)
//   src/shared, src/analysis               never import tfjs; src/shared never touches the DOM
//   webview/                               imports only src/shared/, src/analysis/ and src/export/ (plus its own files)
//   src/export                             (the exports' pure writers) only shared/, analysis/, export/; no vscode
//   src/engine                             nothing from host/, panel/, views/, commands/, train/, cli/, hub/
//   src/hub                                (the Hugging Face cache and Hub) only engine/ and hub/; no vscode
//   src/analysis                           only src/shared/ and src/analysis/
//   src/shared                             only src/shared/ (it owns the data the engine hands out: engineData, token)
//   src/panel, src/views                   not each other
//   src/                                   nothing from bench/ or test/
//   src/, webview/                         no import cycles (import-x/no-cycle)
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const RULE = '@typescript-eslint/no-restricted-imports';

const vscodeTypesOnly = {
  name: 'vscode',
  allowTypeImports: true,
  message: 'engine/, analysis/, shared/ and hub/ run outside VS Code (worker, CLI, webview): import types from "vscode" at most.',
};
const noTfjs = {
  group: ['@tensorflow/*'],
  message: 'Tensors never leave src/engine/: pass typed arrays instead.',
};

const noBenchOrTest = {
  regex: '^(\\.\\./)+(bench|test)/',
  message: 'Product code never imports benchmarks or tests: move what both need into src/.',
};
const engineUpward = {
  regex: '^(\\.\\./)+(host|panel|views|commands|train|cli|hub)/',
  message: 'engine/ is the bottom layer (worker, CLI, trainer use it): it imports nothing from host/, panel/, views/, commands/, train/, cli/ or hub/.',
};
const hubOnly = {
  regex: '^\\.\\./(?!(engine|hub)/)',
  message: 'hub/ (the Hugging Face cache and downloads) runs in the CLI and the extension host alike: it imports only engine/ and hub/.',
};
const analysisOnly = {
  regex: '^\\.\\./(?!(shared|analysis)/)',
  message: 'analysis/ is pure functions over plain arrays: it imports only shared/ and analysis/.',
};
const exportOnly = {
  regex: '^\\.\\./(?!(shared|analysis|export)/)',
  message: 'export/ is pure writers (SVG, CSV, NPY, the report) used by the host, the CLI and the webviews: it imports only shared/, analysis/ and export/.',
};
const sharedOnly = {
  regex: '^\\.\\./',
  message: 'shared/ is imported by host, engine and webviews alike: it imports only shared/ (define what it needs of the engine here).',
};
const panelNotViews = {
  regex: '^\\.\\./views/',
  message: 'The panel and the side views are siblings: put what both need in shared/, analysis/ or host/.',
};
const viewsNotPanel = {
  regex: '^\\.\\./panel/',
  message: 'The side views and the panel are siblings: put what both need in shared/, analysis/ or host/.',
};

/** One folder's import boundary (flat config: the last matching object's options win, so each folder lists all of its own). */
function boundary(files, paths, patterns) {
  return { files, rules: { [RULE]: ['error', { paths, patterns }] } };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.vscode-test/**',
      'test-artifacts/**',
      'corpus-build/**',
      '.train-runs/**',
      'media/**',
      'tmp/**',
      '**/node_modules/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
  },
  {
    // Import cycles. Our imports are all relative (no path aliases), so import-x's own node resolver
    // with .ts added finds every file: no TypeScript resolver needed. Type-only imports are not
    // followed (they vanish from the build; a cycle through one was checked not to be reported).
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  boundary(['src/**/*.ts'], [], [noBenchOrTest]),
  boundary(['src/engine/**/*.ts'], [vscodeTypesOnly], [noBenchOrTest, engineUpward]),
  boundary(['src/analysis/**/*.ts'], [vscodeTypesOnly], [noBenchOrTest, noTfjs, analysisOnly]),
  boundary(['src/shared/**/*.ts'], [vscodeTypesOnly], [noBenchOrTest, noTfjs, sharedOnly]),
  boundary(['src/export/**/*.ts'], [vscodeTypesOnly], [noBenchOrTest, noTfjs, exportOnly]),
  boundary(['src/hub/**/*.ts'], [vscodeTypesOnly], [noBenchOrTest, noTfjs, hubOnly]),
  boundary(['src/panel/**/*.ts'], [], [noBenchOrTest, panelNotViews]),
  boundary(['src/views/**/*.ts'], [], [noBenchOrTest, viewsNotPanel]),
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'self', 'localStorage', 'requestAnimationFrame'].map((name) => ({
          name,
          message: 'shared/ is plain data used by the host too: no DOM.',
        })),
      ],
    },
  },
  boundary(
    ['webview/**/*.ts'],
    [{ name: 'vscode', message: 'A webview has no vscode API: talk to the host through the message protocol in src/shared/.' }],
    [
      noTfjs,
      { group: ['node:*'], message: 'A webview runs in the browser: no Node modules.' },
      {
        regex: '^(\\.\\./)+src/(?!(shared|analysis|export)/)',
        message: 'webview/ imports only src/shared/, src/analysis/ and src/export/ from the extension’s sources.',
      },
    ],
  ),
);
