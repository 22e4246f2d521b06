import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

// Lint keeps the house standing: `common` imports neither side, `web` never imports `server`,
// `db` and `plugins` never reach into a feature module, and nobody climbs three folders up.
// The fences match an import as written: `#server/…` and `#web/…` subpaths, and relative paths
// with a `server`, `web` or `modules` segment (no folder of that name lies inside the fenced
// folders, so such a segment can only lead out of them).

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const noClimbing = {
  regex: String.raw`(^|/)\.\.(/\.\.){2,}(/|$)`,
  message: 'Import through a shorter path; deep climbs hide ownership.',
};
const notServer = {
  regex: String.raw`^(#server|\.{1,2}/(.*/)?server)(/|$)`,
  message: 'Only the server imports src/server: share through src/common.',
};
const notWeb = {
  regex: String.raw`^(#web|\.{1,2}/(.*/)?web)(/|$)`,
  message: 'common imports neither server nor web.',
};
const notNode = {
  regex: `^(node:|(${builtinModules.map(escapeRegex).join('|')})(/|$))`,
  message: 'common is pure TypeScript: no Node modules.',
};
const notBrowser = {
  regex: String.raw`^(@vue/|(vue|vue-router|vue-i18n|maplibre-gl|happy-dom)(/|$))|\.vue$`,
  message: 'common runs on the server too: no browser-only packages.',
};
const modulesPath = String.raw`(#server/modules|\.{1,2}/(.*/)?modules)(/|$)`;
const notModules = {
  regex: `^${modulesPath}`,
  message:
    'The shared server folders serve every feature: a module hands them what they need, they never import it.',
};
// A module reaches another only through the services it is handed (types aside): `../<other>/…`
// from inside a module folder, or `#server/modules/…`.
const notOtherModule = {
  regex: String.raw`^(#server/modules/|\.\./(?!\.)[^/]+/)`,
  allowTypeImports: true,
  message: 'A module reaches another only through the services it is handed (modules/index.ts order).',
};
/** The server's shared folders (beside modules/): none of them imports a feature module. */
const SHARED = [
  'db',
  'plugins',
  'access',
  'audit',
  'mail',
  'uploads',
  'pagination',
  'spreadsheets',
  'settings',
  'timeseries',
  'web',
];
const restrictImports = (...patterns) => ['error', { patterns: [noClimbing, ...patterns] }];

// Globals a browser has and Node 20 (package.json's engines) lacks: common must run in both.
// `globals.node` describes the newest Node, which added the `afterNode20` ones.
const afterNode20 = ['localStorage', 'sessionStorage', 'Storage', 'navigator', 'Navigator', 'WebSocket'];
const nodeOrLanguage = new Set([...Object.keys(globals.node), ...Object.keys(globals.builtin)]);
const browserOnlyGlobals = Object.keys(globals.browser).filter(
  (name) => !nodeOrLanguage.has(name) || afterNode20.includes(name),
);

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
      'no-restricted-imports': restrictImports(),
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
    files: ['src/common/**'],
    rules: {
      'no-restricted-imports': restrictImports(notServer, notWeb, notNode, notBrowser),
      'no-restricted-globals': [
        'error',
        {
          globals: browserOnlyGlobals.map((name) => ({
            name,
            message: 'common runs on the server too: no browser-only globals.',
          })),
          checkGlobalObject: true,
        },
      ],
    },
  },
  {
    files: ['src/web/**'],
    rules: { 'no-restricted-imports': restrictImports(notServer) },
  },
  {
    // The shared parts serve every feature: a module hands them what they need. Their tests open
    // the whole platform, module list included.
    files: SHARED.map((folder) => `src/server/${folder}/**`),
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': restrictImports(notModules) },
  },
  {
    files: ['src/server/modules/*/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': restrictImports(notOtherModule),
    },
  },
  {
    files: ['src/server/db/migrations/**/*.ts', 'src/server/db/migration-kit.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
