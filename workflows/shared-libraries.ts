// Evaluated once per workflow thread and shared by every workflow in it (the SDK's preloadModules,
// see worker/workflow-source.ts): the libraries the workflows use and the domain's lifecycle
// tables, none of which keeps anything of one workflow. A module of ours rather than the package
// names, because the bundler drops a bare preload of a package marked free of side effects, as
// zod is.
import { z } from 'zod';
import * as domain from '../domain';

/** The schema types zod's memoizer wraps (`memoizer.attach` in zod's core schemas). */
const MEMOIZED_CONTAINERS = new Set(['array', 'object', 'tuple', 'record', 'map', 'set']);

// The SDK freezes what a shared module holds once it is loaded, and zod finishes some of its own
// settings on first use. Finished here, before the freeze: the default locale, the memoizer and
// the probe for compiled parsers. Every workflow test runs with this module shared.
z.config(z.locales.en());
z.config({ memoizer: z.memoizer() });
void z.util.allowsEval.value;
settleLazyParts(domain);

/**
 * Does now what zod would do on a schema's first use, where it writes to the schema: on a schema
 * the SDK has frozen, those writes throw. zod keeps parts behind getters on its prototypes that,
 * once read, define the value on the schema itself, and its default memoizer replaces a
 * container's parse function on the first parse. So every container the domain holds parses once
 * (`undefined`, which each refuses before looking at its members or calling anything of ours)
 * and every schema has its inherited getters read, before the freeze. The SDK's freeze reads own
 * getters itself. Parsing is all the workflows do with the schemas: deriving a new schema from a
 * shared one (`.refine`, `.strict`, `.meta`, ...) copies its frozen definition and throws.
 */
export function settleLazyParts(root: unknown, seen = new Set<unknown>()): void {
  if (root === null || (typeof root !== 'object' && typeof root !== 'function') || seen.has(root)) return;
  seen.add(root);
  if (typeof root === 'function') return;
  if (root instanceof z.core.$ZodType) {
    if (MEMOIZED_CONTAINERS.has(root._zod.def.type)) z.safeParse(root, undefined);
    readInheritedGetters(root);
    readInheritedGetters(root._zod);
  }
  for (const key of Reflect.ownKeys(root)) {
    const descriptor = Object.getOwnPropertyDescriptor(root, key);
    settleLazyParts(descriptor && 'value' in descriptor ? descriptor.value : (root as never)[key], seen);
  }
}

function readInheritedGetters(target: object): void {
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype;) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (descriptor.get && !Object.prototype.hasOwnProperty.call(target, key)) void (target as never)[key];
    }
    proto = Object.getPrototypeOf(proto);
  }
}

// Not dead: nothing imports `z` from here, but exporting the namespace makes the bundler keep all of
// zod's API in this module's graph, so the schema classes are loaded here, once. Without it only the
// zod modules used above are shared (when zod alone was shared, the bundle dropped to 2.9 MB from
// 4.3 MB, and in one bench run the workflow thread took 21 ms per order instead of 15). The domain
// is exported for its tests (domain/test/frozen.test.ts).
export { z, domain };
