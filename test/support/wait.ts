export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Probes every 50 ms until `accept` takes the value, which it returns; throws after `timeoutMs`, naming `what`. */
export async function waitFor<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value)) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await sleep(50);
    value = await probe();
  }
  return value;
}
