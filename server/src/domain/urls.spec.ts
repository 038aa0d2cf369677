import { describe, expect, it } from '@jest/globals';
import { redactUrl } from './urls.js';

describe('redactUrl', () => {
  it.each([
    ['mqtt://vigil-server:s3cret@broker:1883', 'mqtt://vigil-server:***@broker:1883'],
    ['postgres://vigil@db:5432/vigil?password=s3cret&sslmode=require', 'postgres://vigil@db:5432/vigil?password=***&sslmode=require'],
    ['postgres://db/vigil?sslpassword=s3cret', 'postgres://db/vigil?sslpassword=***'],
    ['redis://cache:6379', 'redis://cache:6379'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrl(url)).not.toContain('s3cret');
  });
});
