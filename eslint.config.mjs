// Lint: the folder boundaries of HOUSE_STYLE.md (as GitLens enforces its own), plus typescript-eslint's
// recommended rules. `npm run lint` (part of `npm test`).
//
//   src/engine, src/analysis, src/shared  never import `vscode` (type-only imports at most)
//   src/shared, src/analysis               never import tfjs; src/shared never touches the DOM and
//                                          takes only types from src/engine
//   webview/                               imports only src/shared/ and src/analysis/ (plus its own files)
import tseslint from 'typescript-eslint';

const RULE = '@typescript-eslint/no-restricted-imports';

const vscodeTypesOnly = {
  name: 'vscode',
  allowTypeImports: true,
  message: 'engine/, analysis/ and shared/ run outside VS Code (worker, CLI, webview): import types from "vscode" at most.',
};
const noTfjs = {
  group: ['@tensorflow/*'],
  message: 'Tensors never leave src/engine/: pass typed arrays instead.',
};
const engineTypesOnly = {
  regex: '^\\.\\./engine/',
  allowTypeImports: true,
  message: 'shared/ is bundled into the webviews: take only types from engine/ (its code pulls in tfjs and Node).',
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
  boundary(['src/engine/**/*.ts'], [vscodeTypesOnly], []),
  boundary(['src/analysis/**/*.ts'], [vscodeTypesOnly], [noTfjs]),
  boundary(['src/shared/**/*.ts'], [vscodeTypesOnly], [noTfjs, engineTypesOnly]),
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
        regex: '^(\\.\\./)+src/(?!(shared|analysis)/)',
        message: 'webview/ imports only src/shared/ and src/analysis/ from the extension’s sources.',
      },
    ],
  ),
);
