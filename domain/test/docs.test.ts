import { readFileSync } from 'node:fs';
import { lifecyclesDocPath, renderLifecyclesDoc } from '../../scripts/docs-lifecycles';
import { lifecycles } from '../index';

describe('docs/lifecycles.md', () => {
  it('equals the rendering of the lifecycle data (run `npm run docs:lifecycles` after a change)', async () => {
    expect(readFileSync(lifecyclesDocPath, 'utf8')).toBe(await renderLifecyclesDoc());
  });

  it('shows every status and every action of every lifecycle', async () => {
    const doc = await renderLifecyclesDoc();
    for (const lifecycle of lifecycles) {
      for (const name of [...lifecycle.statusNames, ...lifecycle.actionNames]) {
        expect(doc).toContain(`\`${name}\``);
      }
    }
  });
});
