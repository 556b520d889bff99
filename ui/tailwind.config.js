// The package exports the theme for ESM imports only; Tailwind loads this file with require().
import temporal, { textStyles } from './node_modules/@temporalio/ui/dist/theme/plugin.js';
import defaultTheme from 'tailwindcss/defaultTheme';

/** @type {import('tailwindcss').Config} */
export default {
  // The library's components carry their classes: scan them as well as our routes.
  content: ['./src/**/*.{html,js,svelte,ts}', './node_modules/@temporalio/ui/dist/**/*.{js,svelte}'],
  darkMode: ['selector', '[data-theme="dark"]'],
  theme: {
    fontFamily: {
      sans: ['Inter', ...defaultTheme.fontFamily.sans],
      mono: ['Noto Sans Mono', ...defaultTheme.fontFamily.mono],
    },
    extend: {
      animation: { 'spin-slow': 'spin 3s linear infinite' },
      zIndex: { 100: '100' },
    },
  },
  plugins: [temporal, textStyles],
};
