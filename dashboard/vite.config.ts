import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// The live contract and roles are the server's own modules (types only reach the bundle).
const alias = {
  $wire: fileURLToPath(new URL('../server/src/dtos', import.meta.url)),
  $domain: fileURLToPath(new URL('../server/src/domain', import.meta.url)),
};

// In development the dashboard runs on Vite and talks to a Vigil server on :3000.
export default defineConfig({
  plugins: [svelte()],
  resolve: { alias },
  server: {
    proxy: {
      '/api': 'http://localhost:3000',
      '/fhir': 'http://localhost:3000',
      '/socket.io': { target: 'http://localhost:3000', ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The service worker is its own entry at a fixed address (/sw.js: its scope is the whole
    // app); it imports nothing the page does, so it builds as one self-contained file.
    rolldownOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), sw: fileURLToPath(new URL('src/sw/sw.ts', import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  // Two kinds of spec: most run on the server renderer (Node's Svelte); a `*.svelte.spec.ts`
  // runs Svelte's browser runtime (effects, flushSync) in Node, to count what re-runs.
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts'], exclude: ['src/**/*.svelte.spec.ts'], environment: 'node' } },
      {
        extends: true,
        resolve: { conditions: ['browser'] },
        test: { name: 'reactive', include: ['src/**/*.svelte.spec.ts'], environment: './src/test/client-environment.ts', server: { deps: { inline: ['svelte'] } } },
      },
    ],
  },
});
