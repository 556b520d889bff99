// Evaluated once per workflow thread and shared by every workflow in it (the SDK's preloadModules,
// see worker/workflow-source.ts): the libraries the workflows use that keep no state of their own.
// A module of ours rather than the package name, because the bundler drops a bare preload of a
// package marked free of side effects, as zod is.
import { z } from 'zod';

// The SDK freezes what a shared module holds once it is loaded, and zod finishes some of its own
// settings on first use. Finished here, before the freeze: the default locale, the memoizer and
// the probe for compiled parsers. Every workflow test runs with this module shared.
z.config(z.locales.en());
z.config({ memoizer: z.memoizer() });
void z.util.allowsEval.value;

// Not dead: nothing imports it, but exporting the namespace makes the bundler keep all of zod's
// API in this module's graph, so the schema classes the domain builds are loaded here, once.
// Without it only the four modules used above are shared (the bundle drops to 2.9 MB from 4.3 MB,
// and in one bench run the workflow thread took 21 ms per order instead of 15).
export { z };
