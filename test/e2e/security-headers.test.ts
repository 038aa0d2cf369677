import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchProblems } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { startTestRedis } from '../support/redis.js';

/**
 * The strict Content-Security-Policy must not break what a browser loads from Vigil: the
 * dashboard and the API documentation render with no violation and no console error.
 */
describe('pages under the Content-Security-Policy, in a real Chromium', () => {
  let database: TestDatabase;
  let redis: Awaited<ReturnType<typeof startTestRedis>>;
  let platform: TestPlatform;
  let chrome: Awaited<ReturnType<typeof launchBrowser>>;
  let browser: Browser;

  beforeAll(async () => {
    [database, redis, chrome] = await Promise.all([createTestDatabase(), startTestRedis(), launchBrowser()]);
    browser = chrome.browser;
    platform = await startTestPlatform({ DATABASE_URL: database.url, REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await chrome?.close();
    await platform?.close();
    await Promise.all([database?.drop(), redis?.stop()]);
  });

  it('sends the policy with the dashboard', async () => {
    const response = await fetch(`${platform.baseUrl}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('renders the dashboard with no violation', async () => {
    const page = await browser.newPage();
    const problems = await watchProblems(page);
    await page.goto(`${platform.baseUrl}/`);
    await page.locator('input[autocomplete="username"]').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Vigil');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders the API documentation with no violation', async () => {
    const page = await browser.newPage();
    const problems = await watchProblems(page);
    await page.goto(`${platform.baseUrl}/api/docs`);
    await page.locator('.opblock-summary-path', { hasText: '/api/overview' }).first().waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
