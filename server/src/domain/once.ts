/**
 * `fn`, callable once: later calls do nothing. For acknowledgements, which more than one path
 * may answer (the commit, a refusal, an error met on the way) and which a transport must see
 * only once.
 */
export function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return (...args) => {
    if (called) return;
    called = true;
    fn(...args);
  };
}
