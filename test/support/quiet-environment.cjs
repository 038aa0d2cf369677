// The jest environment of every tier: the app's log lines of a test (the server's pino logger,
// Nest's logger) are held, and written out only when that test or a hook fails, so a green
// run prints the test report alone. Log lines of beforeAll go with the first test after it.
const { TestEnvironment } = require('jest-environment-node');

class QuietEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.held = [];
    this.global.__vigilTestLog = (line) => this.held.push(String(line));
  }

  async handleTestEvent(event) {
    if (event.name === 'hook_failure' || (event.name === 'test_done' && event.test.errors.length > 0)) {
      const where = event.name === 'test_done' ? event.test.name : `a ${event.hook.type} hook`;
      if (this.held.length) process.stderr.write(`\n--- the app's log during "${where}" (failed) ---\n${this.held.join('').trimEnd()}\n---\n`);
      this.held = [];
    } else if (event.name === 'test_done') {
      this.held = [];
    }
  }
}

module.exports = QuietEnvironment;
