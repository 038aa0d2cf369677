import type { WardStats } from './stats.js';

/**
 * "devices 140/140 · sent 41/s · stored 41/s · ack p50 2 ms p99 9 ms · reconnects 0 · buffered 0 · sim 14:03 ×60".
 * `ackedBy`: `stored` when Vigil's embedded broker acknowledges (after its commit), `broker`
 * when an external broker does (it took the message; whether Vigil stored it is not known here).
 */
export function wardStatusLine(stats: WardStats, simNow: () => number, speed: number, ackedBy: 'stored' | 'broker'): () => string {
  let last = { at: Date.now(), sent: stats.sent, acked: stats.acked };
  return () => {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    const sentRate = (stats.sent - last.sent) / seconds;
    const ackedRate = (stats.acked - last.acked) / seconds;
    last = { at: now, sent: stats.sent, acked: stats.acked };
    const latencies = stats.takeLatencies(); // printed in whole ms, as they are measured
    const parts = [
      `devices ${stats.connected}/${stats.devices - stats.off} connected`,
      `sent ${rate(sentRate)}/s`,
      `${ackedBy === 'stored' ? 'stored' : 'broker acked'} ${rate(ackedRate)}/s`,
      `ack p50 ${Math.round(latencies.percentile(50))} ms p99 ${Math.round(latencies.percentile(99))} ms`,
      `reconnects ${stats.reconnects}`,
      `buffered ${stats.buffered}`,
    ];
    if (stats.refused.size) parts.push(`not connected ${stats.refused.size} (${stats.refused.values().next().value})`);
    if (stats.off) parts.push(`powered off ${stats.off}`);
    parts.push(`sim ${new Date(simNow()).toISOString().slice(0, 16).replace('T', ' ')}Z${speed === 1 ? '' : ` ×${speed}`}`);
    return parts.join(' · ');
  };
}

const rate = (perSecond: number) => (perSecond >= 100 ? Math.round(perSecond).toString() : perSecond.toFixed(1));
