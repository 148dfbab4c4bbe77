// The JavaScript style of the web app (web/app/js, run in the browser): ESLint's recommended rules, plus the few that catch what has bitten
// single-page apps (a == that coerces, a variable shadowed or unused, a promise left floating in a
// handler). The suite runs it (ctest: WebApp.Lint); `cd web && npx eslint app/js` shows the same.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    rules: {
      eqeqeq: ['error', 'always'],
      'no-shadow': 'error',
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-implicit-globals': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['app/js/**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
  },
];
