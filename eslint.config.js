import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

// Lint keeps the house standing: `common` imports neither side, `web` never imports `server`,
// and nobody climbs three folders up.
const noClimbing = {
  group: ['../../../*'],
  message: 'Import through a shorter path; deep climbs hide ownership.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'test-results/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js', '**/*.vue'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [noClimbing] }],
    },
  },
  {
    // The web applications run in the browser; .vue files are TypeScript inside <script setup>.
    files: ['src/web/**/*.ts', 'src/web/**/*.vue'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
    rules: {
      // Prettier owns the layout of templates.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/no-v-html': 'error',
    },
  },
  {
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noClimbing,
            { group: ['**/server/**', '**/web/**'], message: 'common imports neither server nor web.' },
            { group: ['node:*'], message: 'common is pure TypeScript: no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/web/**/*.ts', 'src/web/**/*.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [noClimbing, { group: ['**/server/**'], message: 'web never imports server.' }] },
      ],
    },
  },
  {
    files: ['src/server/db/migrations/**/*.ts', 'src/server/db/migration-kit.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
