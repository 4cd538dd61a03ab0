// Lint runs inside `npm test`, so a style error fails CI like a broken test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // .scratch/ is git-ignored scratch work (profiles, experiments).
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', '.venv/', '.vigil/', '.scratch/', 'grafana/dashboards/*.json'] },
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
    },
  },
);
