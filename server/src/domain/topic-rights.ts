import { parseTopic, SERVER_SUBSCRIPTIONS, TOPIC_ROOT, topicFor } from './protocol.js';

/**
 * Who may publish and subscribe where under device protocol v1: one set of rules, applied by
 * the embedded broker's hooks and served to an external broker (EMQX HTTP authorisation).
 * mosquitto-files.ts writes the same rules in Mosquitto's ACL syntax (`vigil mosquitto export`;
 * deploy/mosquitto/acl is that file, annotated).
 */
export type TopicAction = 'publish' | 'subscribe';

const COMMANDS = new RegExp(`^${TOPIC_ROOT.replaceAll('/', '\\/')}\\/[^/+#]+\\/commands$`);

/**
 * A device publishes readings, events and status under its own id and subscribes to its own
 * commands only, the topic the server publishes them to. `deviceId` in its canonical form (deviceIdOf).
 */
export function deviceMay(deviceId: string, action: TopicAction, topic: string): boolean {
  if (action === 'subscribe') return topic === topicFor(deviceId, 'commands');
  return parseTopic(topic)?.deviceId === deviceId;
}

/**
 * An MQTT client id a device may connect with: its own id, or its id followed by anything
 * (`<id>-backfill`), in any case. Device ids are UUIDs of one length, so no device's client
 * ids can be another's: a device holding only its own secret cannot take over (disconnect,
 * or inherit the persistent session of) another device's connection. An empty client id is
 * refused too: the broker would make one up, outside this rule.
 */
export function clientIdBelongsTo(deviceId: string, clientId: string | undefined): boolean {
  return clientId !== undefined && clientId.toLowerCase().startsWith(deviceId.toLowerCase());
}

/**
 * The Vigil server's own broker user subscribes to every device's readings, events and status
 * (plainly or in its shared-subscription group) and publishes commands to any device.
 */
export function serverMay(action: TopicAction, topic: string, shareGroup: string): boolean {
  if (action === 'publish') return COMMANDS.test(topic);
  const prefix = `$share/${shareGroup}/`;
  const filter = topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
  return SERVER_SUBSCRIPTIONS.includes(filter);
}
