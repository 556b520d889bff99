// A minimal Prisma generator (the JSON-RPC protocol the Prisma CLI speaks to generators: requests
// on stdin, responses on stderr, one JSON object per line) that writes the DMMF datamodel Prisma
// derived from a schema to the generator's output path. prisma-dmmf.ts runs it so the schema test
// compares the database against Prisma's own reading of schema.prisma.
const { writeFileSync } = require('node:fs');
const readline = require('node:readline');

const reply = (id, result) => process.stderr.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n');

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === 'getManifest') {
    reply(message.id, { manifest: { prettyName: 'DMMF dump', defaultOutput: 'dmmf.json' } });
  } else if (message.method === 'generate') {
    const { dmmf, generator } = message.params;
    writeFileSync(generator.output.value, JSON.stringify(dmmf.datamodel, null, 2));
    reply(message.id, null);
  }
});
