/**
 * Runs TypeScript from this repository without a build step: `node -r ./scripts/register.js file.ts`.
 * Each `.ts` file is transpiled on load with `typescript`'s `transpileModule` (CommonJS, decorators with
 * metadata, no type checking — `npm test` type-checks), and the package's own name resolves to its sources,
 * so examples import `llm-resilience` exactly as users do.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const selfNames = {
  'llm-resilience': path.join(root, 'index.ts'),
  'llm-resilience/testing': path.join(root, 'src/testing/index.ts'),
};

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveSelf(request, ...rest) {
  return resolve.call(this, selfNames[request] ?? request, ...rest);
};

if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
