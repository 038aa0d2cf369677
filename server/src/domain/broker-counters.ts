/**
 * The broker's own counters that tell whether it discarded device messages, read from its
 * `$SYS` topics. Sources:
 * - Mosquitto 2.0, mosquitto(8) "BROKER STATUS": `$SYS/broker/publish/messages/dropped` (PUBLISH
 *   messages dropped because a client's queue or in-flight limits were reached, since the broker
 *   started) and `$SYS/broker/store/messages/count` (messages held in the store, queued ones
 *   included); published every `sys_interval` seconds, only when the value changed, retained.
 * - EMQX, "Metrics": `messages.dropped` and `delivery.dropped.queue_full`, published per node as
 *   `$SYS/brokers/<node>/metrics/messages/dropped` and `.../metrics/delivery/dropped/queue_full`.
 *   (Not run against an EMQX here: none is installed on the test machine.)
 */
export const MOSQUITTO_COUNTER_TOPICS = ['$SYS/broker/publish/messages/dropped', '$SYS/broker/store/messages/count'] as const;
export const BROKER_COUNTER_TOPICS = [
  ...MOSQUITTO_COUNTER_TOPICS,
  '$SYS/brokers/+/metrics/messages/dropped',
  '$SYS/brokers/+/metrics/delivery/dropped/queue_full',
] as const;

export interface BrokerCounters {
  /** Messages the broker dropped since it started (over all its nodes); undefined until the broker said. */
  dropped?: number;
  /** Messages the broker holds (Mosquitto's store), undefined when it does not publish it. */
  stored?: number;
}

const MOSQUITTO_DROPPED = '$SYS/broker/publish/messages/dropped';
const MOSQUITTO_STORED = '$SYS/broker/store/messages/count';
const EMQX_DROPPED = /^\$SYS\/brokers\/[^/]+\/metrics\/(messages\/dropped|delivery\/dropped\/queue_full)$/;

/** Whether `topic` carries one of the counters above (anything else under $SYS is ignored). */
export function isBrokerCounter(topic: string): boolean {
  return topic === MOSQUITTO_DROPPED || topic === MOSQUITTO_STORED || EMQX_DROPPED.test(topic);
}

/** The counters from the last value seen on each topic (a value that is not a whole number is ignored). */
export function brokerCounters(latest: ReadonlyMap<string, string>): BrokerCounters {
  const counters: BrokerCounters = {};
  for (const [topic, text] of latest) {
    if (!/^\d+$/.test(text.trim())) continue;
    const value = Number(text);
    if (topic === MOSQUITTO_DROPPED || EMQX_DROPPED.test(topic)) counters.dropped = (counters.dropped ?? 0) + value;
    else if (topic === MOSQUITTO_STORED) counters.stored = value;
  }
  return counters;
}
