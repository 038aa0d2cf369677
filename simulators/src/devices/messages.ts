import { MAX_PAYLOAD_BYTES, MAX_SAMPLES_PER_MESSAGE, type Sample } from '@vigil/server/domain/protocol.js';

/** Room left in a message for the array's brackets and a margin for the broker's own framing. */
const MARGIN = 1024;

/**
 * Packs samples into JSON arrays that stay within the protocol's limits (≤ 1,000 samples and
 * ≤ 64 KiB per message, docs/architecture.md "Rejected"), in order. Each message says how many samples it holds.
 */
export function packSamples(
  samples: readonly Sample[],
  limits = { bytes: MAX_PAYLOAD_BYTES - MARGIN, count: MAX_SAMPLES_PER_MESSAGE },
): Array<{ payload: string; samples: number }> {
  const messages: Array<{ payload: string; samples: number }> = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (parts.length) messages.push({ payload: `[${parts.join(',')}]`, samples: parts.length });
    parts = [];
    bytes = 2;
  };
  for (const sample of samples) {
    const json = JSON.stringify(sample);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length && (parts.length >= limits.count || bytes + size > limits.bytes)) flush();
    parts.push(json);
    bytes += size;
  }
  flush();
  return messages;
}
