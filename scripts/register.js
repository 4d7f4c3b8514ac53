/**
 * Runs TypeScript from this repository without a build step: `node -r ./scripts/register.js file.ts`
 * (`npm start`, `npm run bench`, child processes of tests). Each `.ts` file is transpiled on load with
 * `typescript`'s `transpileModule` (CommonJS, decorators with metadata, no type checking — `npm test`
 * type-checks). Output is cached under the OS temp dir, keyed by the source's content hash, so sibling
 * processes and later runs skip the compiler (typescript itself loads only on a cache miss). The package's
 * own name resolves to its sources, so examples import `llm-resilience` exactly as users do.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const selfNames = {
  'llm-resilience': path.join(root, 'index.ts'),
  'llm-resilience/testing': path.join(root, 'src/testing/index.ts'),
};

const CACHE_DIR = path.join(os.tmpdir(), 'llm-resilience-ts-cache');
/** Bump when the options below change. */
const OPTIONS_VERSION = '1';

let ts;
let compilerOptions;

function compile(source, filename) {
  if (ts === undefined) {
    ts = require('typescript');
    compilerOptions = {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      inlineSourceMap: true,
    };
  }
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

function cached(source, filename) {
  const hash = crypto.createHash('sha1').update(OPTIONS_VERSION).update('\0').update(filename).update('\0').update(source).digest('hex');
  const file = path.join(CACHE_DIR, `${hash}.js`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    // miss
  }
  const output = compile(source, filename);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, output);
    fs.renameSync(temp, file); // atomic: concurrent processes never read a half-written file
  } catch {
    // caching is best effort
  }
  return output;
}

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  module._compile(cached(fs.readFileSync(filename, 'utf8'), filename), filename);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveSelf(request, ...rest) {
  return resolve.call(this, selfNames[request] ?? request, ...rest);
};

// Stack traces point into the TypeScript sources.
if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
