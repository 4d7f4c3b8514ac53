/**
 * A jest transform for __tests__/fixtures/standard-decorators/: TypeScript's own transpiler with the options of
 * tsconfig.standard-decorators.json, i.e. TC39 standard decorators, as TypeScript >= 5 compiles them by default.
 * (ts-jest shares one compiler configuration between its transform entries, so it cannot compile one folder
 * with other decorator options than the rest.)
 */
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const ts = require('typescript');

const configFile = path.join(__dirname, '..', 'tsconfig.standard-decorators.json');
let options;

function compilerOptions() {
  if (options === undefined) {
    const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
    if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
    const parsed = ts.parseJsonConfigFileContent(config, ts.sys, path.dirname(configFile));
    options = { ...parsed.options, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false };
  }
  return options;
}

module.exports = {
  process(source, filename) {
    const output = ts.transpileModule(source, { fileName: filename, compilerOptions: compilerOptions() });
    return { code: output.outputText };
  },
  getCacheKey(source, filename) {
    return crypto
      .createHash('sha1')
      .update(ts.version)
      .update('\0')
      .update(JSON.stringify(compilerOptions()))
      .update('\0')
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
