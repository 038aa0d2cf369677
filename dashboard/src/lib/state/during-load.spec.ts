import { describe, expect, it } from 'vitest';
import { DuringLoad } from './during-load.js';

describe('DuringLoad', () => {
  it('returns the changes noted while one load ran, and none outside a load', () => {
    const during = new DuringLoad<string>();
    during.note('before');
    during.begin();
    during.note('a');
    expect(during.end()).toEqual(['a']);
    during.note('after');
    during.begin();
    expect(during.end()).toEqual([]);
  });

  it('keeps collecting for a later load when an earlier one ends first', () => {
    const during = new DuringLoad<string>();
    during.begin(); // the overview's fetch
    during.note('a');
    during.begin(); // the alarm bar's fetch, before the first has answered
    expect(during.end()).toEqual(['a']);
    during.note('b'); // pushed after the first answer, before the second
    expect(during.end()).toEqual(['a', 'b']);
    during.note('c');
    during.begin();
    expect(during.end()).toEqual([]);
  });
});
