import { describe, expect, it } from '@jest/globals';
import { passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it.each([
    ['short1', 'at least 12'],
    ['aaaaaaaaaaaaaaaa', 'same few characters'],
    ['ababababababab', 'same few characters'],
    ['my-nurse.jensen-2026', 'e-mail name'],
    ['x'.repeat(200) + 'y'.repeat(57) + 'zw', 'at most 256'],
  ])('refuses %j (%s)', (password, problem) => {
    expect(passwordProblem(password, 'nurse.jensen@example.dk')).toContain(problem);
  });

  it.each(['correct horse battery staple', 'Vigil-demo-2026!', 'ÆØÅ æøå 12 tegn'])('accepts %j', (password) => {
    expect(passwordProblem(password, 'nurse.jensen@example.dk')).toBeUndefined();
  });
});
