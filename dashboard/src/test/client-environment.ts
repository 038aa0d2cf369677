import type { Environment } from 'vitest/environments';

/**
 * Node, with modules transformed and resolved as for the browser: Svelte's client runtime, so a
 * spec (`*.svelte.spec.ts`, runes compiled) can run effects and count what re-runs. Chosen per
 * file with `// @vitest-environment ./src/test/client-environment.ts`.
 */
export default {
  name: 'svelte-client',
  viteEnvironment: 'client',
  setup: () => ({ teardown: () => undefined }),
} satisfies Environment;
