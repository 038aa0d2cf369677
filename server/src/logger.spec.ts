import { describe, expect, it } from '@jest/globals';
import { logFormat } from './logger.js';

describe('logFormat', () => {
  it.each<['auto' | 'json' | 'pretty', boolean, boolean, 'json' | 'pretty']>([
    ['auto', false, true, 'pretty'], // a person at a terminal
    ['auto', false, false, 'json'], // piped, or under a process manager
    ['auto', true, true, 'json'], // production stays machine-readable
    ['json', false, true, 'json'],
    ['pretty', true, false, 'pretty'], // asked for explicitly
  ])('%s with production=%p and a terminal=%p gives %s', (choice, production, isTTY, format) => {
    expect(logFormat(choice, production, isTTY)).toBe(format);
  });
});
