import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // @temporalio/ui reads VITE_API for the API's origin; empty: the page's own origin, where the
  // UI server answers /api/v1 (see start/ui/).
  define: {
    'import.meta.env.VITE_API': JSON.stringify(''),
  },
  optimizeDeps: { include: ['date-fns', 'date-fns-tz'] },
  build: {
    // The UI's library is large (Monaco and CodeMirror); its chunk sizes are not ours to fix.
    chunkSizeWarningLimit: 10_000,
  },
});
