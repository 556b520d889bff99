// Jest transform for the generated Prisma client only. The client loads its query compiler with
// `import()`, which jest's sandbox refuses without --experimental-vm-modules; compiled as plain
// CommonJS (TypeScript's transpileModule) the import becomes require(). A second ts-jest entry
// with another tsconfig cannot do this: ts-jest caches one configuration per jest project.
const crypto = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
  inlineSources: true,
};

module.exports = {
  process(source, filename) {
    return { code: ts.transpileModule(source, { fileName: filename, compilerOptions }).outputText };
  },
  getCacheKey(source, filename) {
    return crypto
      .createHash('sha256')
      .update(`${ts.version}\0commonjs-transform-1\0${filename}\0${source}`)
      .digest('hex');
  },
};
