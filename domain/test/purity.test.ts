import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * domain/ is bundled into Temporal workflow sandboxes: it must stay deterministic and free of I/O.
 * This reads its sources and refuses imports other than zod and siblings, clocks and randomness.
 */
const domainDir = join(__dirname, '..');
const sources = readdirSync(domainDir).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));

describe('domain purity', () => {
  it('has sources to check', () => {
    expect(sources).toEqual(expect.arrayContaining(['index.ts', 'lifecycle.ts', 'roles.ts']));
  });

  it.each(sources)('%s imports only zod and domain modules, and reads no clock or randomness', (file) => {
    const text = readFileSync(join(domainDir, file), 'utf8');
    const imports = [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((match) => match[1]);
    for (const source of imports) expect(source === 'zod' || /^\.\/[\w-]+$/.test(source!)).toBe(true);
    expect(text).not.toMatch(
      /\brequire\(|\bimport\(|Date\.now|new Date\(\)|Math\.random|\bprocess\.|\bsetTimeout\b/,
    );
  });
});
