import { type AppConfig, ConfigError, loadConfig } from './app.config.js';

/**
 * The configuration of the operator tools (the `vigil` CLI, the simulators), apart from the
 * session code so a tool can read it without loading Nest.
 */

/** A configuration problem the user must fix (exit code 2). */
export class UsageError extends Error {}

/** The configuration the operator commands run with; a bad variable is the user's to fix (one line each). */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('\n'));
    throw error;
  }
}
