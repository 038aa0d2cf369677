import { describe, expect, it } from '@jest/globals';
import { redactRequestUrl, redactUrl, serviceAddress } from './urls.js';

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

describe('serviceAddress', () => {
  it.each([
    ['mqtt://vigil-server:s3cret@broker:1883', 'mqtt://broker:1883'],
    ['mqtts://vigil-server@broker.example.org:8883/x?clientId=a', 'mqtts://broker.example.org:8883'],
    ['mqtt://127.0.0.1:1884', 'mqtt://127.0.0.1:1884'],
  ])('%s → %s', (url, shown) => {
    expect(serviceAddress(url)).toBe(shown);
  });
});

describe('redactRequestUrl', () => {
  it.each([
    ['/api/patients?access_token=eyJ.s3cret.sig', '/api/patients?access_token=***'],
    ['/socket.io/?EIO=4&transport=polling&token=s3cret', '/socket.io/?EIO=4&transport=polling&token=***'],
    ['/api/x?Password=s3cret&password=s3cret', '/api/x?Password=***&password=***'],
    ['/api/x?mfaToken=s3cret&refresh_token=s3cret&code=s3cret&api_key=s3cret', '/api/x?mfaToken=***&refresh_token=***&code=***&api_key=***'],
    ['/api/admin/audit?action=auth.login&limit=5', '/api/admin/audit?action=auth.login&limit=5'],
    ['/api/patients/3f0c?', '/api/patients/3f0c?'],
    ['/api/health', '/api/health'],
  ])('%s → %s', (url, shown) => {
    expect(redactRequestUrl(url)).toBe(shown);
    expect(redactRequestUrl(url)).not.toContain('s3cret');
  });
});
