import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { freshCode, type TestUser } from './auth.js';
import { ROOT } from './process.js';

/** Where e2e screenshots go (the test output folder; current ones are copied to docs/screenshots/). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Signs in through the dashboard's own form: e-mail and password, then a computed one-time code. */
export async function signInThroughForm(page: Page, baseUrl: string, user: TestUser, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.locator('input[autocomplete="username"]').fill(user.email);
  await page.locator('input[autocomplete="current-password"]').fill(user.password);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('input[autocomplete="one-time-code"]').fill(await freshCode(user.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
