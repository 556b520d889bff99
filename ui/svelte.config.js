// A static single-page build: the UI server (start/ui/) serves build/ with index.html as the
// fallback for every deep link, and the browser does all the rendering.
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({
      pages: process.env.UI_BUILD_DIR || 'build',
      assets: process.env.UI_BUILD_DIR || 'build',
      fallback: 'index.html',
    }),
    // Nothing is prerendered: every page needs the API.
    prerender: { entries: [] },
  },
};
