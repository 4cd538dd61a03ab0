// Lint runs inside `npm test`, so a style error fails CI like a broken test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (README "Where things are"). Shared layers hold what more than one deployable needs;
 * the deployables (agent, functions, models, infra, grafana) import shared layers only, never each
 * other, so each one's bundle holds only what it runs. Entry points (bin, cli, cost, local, bench,
 * test, scripts) put the pieces together. Each folder may import itself and the folders listed.
 */
const SHARED = ['core', 'features', 'model-store', 'simulate', 'alerting'];
const ENTRY_POINTS = ['bin', 'cli', 'cost', 'local', 'bench', 'test', 'scripts'];
const TOP_FOLDERS = [...SHARED, 'agent', 'functions', 'models', 'infra', 'grafana', ...ENTRY_POINTS, 'types'];
const MAY_IMPORT = {
  core: [],
  features: ['core'],
  'model-store': ['core'],
  simulate: ['core', 'features'],
  agent: ['core', 'features'],
  functions: ['core', 'model-store'],
  models: ['core', 'features', 'model-store', 'simulate'],
  alerting: ['core'],
  infra: ['core', 'alerting'],
  grafana: ['core', 'alerting'],
  cost: ['core', 'features', 'model-store', 'simulate', 'models', 'alerting'],
  cli: ['core', 'features', 'model-store', 'simulate', 'models', 'functions', 'infra', 'grafana', 'cost', 'alerting'],
};
/** `import { z } from 'zod'` is zod's namespace object whole: every locale (about 260 KB) lands in the Lambda bundle. */
const ZOD_NAMESPACE_IMPORT = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message:
    "write `import * as z from 'zod'`: the bundler then keeps only what is used (the named `z` export keeps every locale, about 260 KB, in the score function's bundle)",
};
/** Folder depth of the deepest source file; relative imports are matched with exactly as many `../` as the file is deep. */
const MAX_DEPTH = 4;

function layerRules() {
  return Object.entries(MAY_IMPORT).flatMap(([folder, allowed]) => {
    const forbidden = TOP_FOLDERS.filter((f) => f !== folder && f !== 'types' && !allowed.includes(f));
    return Array.from({ length: MAX_DEPTH }, (_, depth) => ({
      files: [`${folder}/${'*/'.repeat(depth)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^${'\\.\\./'.repeat(depth + 1)}(${forbidden.join('|')})/`,
                message: `${folder}/ imports ${allowed.length ? allowed.join(', ') : 'nothing outside itself'} only (layers in eslint.config.js): move what both need into a shared layer`,
              },
            ],
          },
        ],
      },
    }));
  });
}

export default tseslint.config(
  // .scratch/ is git-ignored scratch work (profiles, experiments).
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.venv/', '.localstack/', '.vigil/', '.scratch/', 'grafana/dashboards*/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      'no-restricted-syntax': ['error', ZOD_NAMESPACE_IMPORT],
    },
  },
  ...layerRules(),
);
