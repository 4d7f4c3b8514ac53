/**
 * `npm run build` (and `prepack`, so `npm pack` / `npm publish` always ship a fresh build): compiles the package
 * into dist/ with tsconfig.build.json (JavaScript and declarations, no source maps), then removes what the package
 * must not ship: declarations of the command line and its demo (programs, not API).
 */
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

/** Deletes the `.d.ts` files under `dir`. */
function removeDeclarations(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) removeDeclarations(file);
    else if (entry.name.endsWith('.d.ts')) fs.rmSync(file);
  }
}

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('build: TypeScript is not installed; run `npm ci` first (npm pack builds the package)\n');
  process.exit(1);
}
fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
removeDeclarations(path.join(dist, 'bin'));
removeDeclarations(path.join(dist, 'examples'));
fs.chmodSync(path.join(dist, 'bin', 'cli.js'), 0o755);
