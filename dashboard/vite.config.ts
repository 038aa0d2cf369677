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
  build: { outDir: 'dist', emptyOutDir: true },
  test: { include: ['src/**/*.spec.ts'], environment: 'node' },
});
