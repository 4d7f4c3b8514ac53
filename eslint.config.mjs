// ESLint flat config: type-aware typescript-eslint (strict + stylistic) for every .ts file, the import
// layering of the project's folders, and reasons required on every eslint-disable comment.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders below src/ that a layer must not reach, as no-restricted-imports patterns (type-only imports included). */
const forbid = (...folders) =>
  folders.map((folder) => ({
    group: [`**/${folder}`, `**/${folder}/**`],
    message: `The layering forbids this folder to import src/${folder}/.`,
  }));

/** Nothing under src/ imports a decorator: decorators sit on top of src/policy/. */
const noDecorators = {
  group: ['**/decorators', '**/decorators/**'],
  message: 'src/ must not import decorators/: decorators depend on src/policy/, never the other way round.',
};

/** One no-restricted-imports setting per folder (a later matching block replaces the rule's options, so each lists all of its patterns). */
const layer = (files, ...folders) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [...forbid(...folders), noDecorators] }] },
});

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'node_modules/', 'bench/results/', '.redis-test/', '.scratch/']),

  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // Every eslint-disable names its rule, says why (`-- reason`), is used and is paired.
  comments.recommended,
  {
    rules: {
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/no-unused-disable': 'error',
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: false }],
    },
  },

  // TypeScript: index.ts, src, decorators, bin, __tests__, examples, bench (all in tsconfig.json).
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: true },
      ],
      // `Array<{ … }>` for object and union element types, `T[]` for simple ones: the style the code already uses.
      '@typescript-eslint/array-type': ['error', { default: 'array-simple' }],
      // `(handle) => clearTimeout(handle)` where a void-returning callback is expected is idiomatic, not confusing;
      // a void value used where a value is expected is still reported.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreVoidReturningFunctions: true }],
      // Numbers and booleans in template literals are the common case in messages and log lines; objects,
      // nullish values and `any` stay forbidden.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowAny: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      // A parameter a signature requires but the body does not use (a decorated method's `signal` option, a
      // fixture's arguments) says so with a leading underscore.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },

  // Layering: decorators → policy; providers and tokens import no runtime, limits, retry, policy or observability;
  // limits know nothing of retry, runtime or policy; retry nothing of runtime, policy or limits; policy never imports
  // the runtime; nothing in src/ imports a decorator. Type-only imports count: the rule does not tell them apart.
  {
    files: ['decorators/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Relative imports leave decorators/ only to reach a module of src/policy/.
              regex: String.raw`^\.\./(?!src/policy/[^/]+$)`,
              message: 'decorators/ may import only ../src/policy/* (and packages).',
            },
            {
              group: ['llm-resilience', 'llm-resilience/**'],
              message: 'decorators/ may import only ../src/policy/* (and packages).',
            },
          ],
        },
      ],
    },
  },
  layer(['src/**/*.ts'] /* only the decorators ban */),
  layer(['src/providers/**/*.ts', 'src/tokens/**/*.ts'], 'runtime', 'limits', 'retry', 'policy', 'observability'),
  layer(['src/limits/**/*.ts'], 'retry', 'runtime', 'policy', 'observability'),
  layer(['src/retry/**/*.ts'], 'runtime', 'policy', 'limits', 'observability'),
  layer(['src/policy/**/*.ts'], 'runtime', 'observability'),

  // Tests: the same rules, relaxed only where idiomatic jest code would be noise.
  // Benchmarks: measuring code, not shipped.
  {
    files: ['bench/**/*.ts'],
    rules: {
      // Decorated methods under measurement are `async` and await nothing: that is what is measured.
      '@typescript-eslint/require-await': 'off',
      // Indexing sample arrays and result maps the benchmark itself filled: a wrong guess fails the run loudly.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['__tests__/**/*.ts'],
    rules: {
      // `map.get(key)!` / `calls[0]!` after the test has established the value exists: a wrong guess fails the test loudly.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Services under test are `async` methods (the decorators wrap promise-returning methods) that often await nothing.
      '@typescript-eslint/require-await': 'off',
      // Decorator targets such as `async method(): Promise<void> {}` are empty on purpose.
      '@typescript-eslint/no-empty-function': 'off',
      // jest's asymmetric matchers (`expect.any(Number)`, `expect.objectContaining(…)`) are typed `any` by @types/jest.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // Polling loops on a flag a promise callback sets (`while (!done) await clock.advance(…)`): TypeScript's
      // narrowing does not see the callback, so the rule reports the loop condition as always true.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },

  // CommonJS JavaScript run by node directly (no type information): JS recommended rules only.
  {
    files: ['scripts/**/*.js', '*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },

  // This file.
  {
    files: ['eslint.config.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
