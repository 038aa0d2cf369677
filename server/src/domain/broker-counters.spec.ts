import { describe, expect, it } from '@jest/globals';
import { brokerCounters, isBrokerCounter } from './broker-counters.js';

describe('brokerCounters', () => {
  it.each([
    ['nothing published yet', [], {}],
    [
      'Mosquitto, nothing dropped',
      [
        ['$SYS/broker/publish/messages/dropped', '0'],
        ['$SYS/broker/store/messages/count', '12'],
      ],
      { dropped: 0, stored: 12 },
    ],
    [
      'Mosquitto after a flood',
      [
        ['$SYS/broker/publish/messages/dropped', '620226'],
        ['$SYS/broker/store/messages/count', '190'],
      ],
      { dropped: 620226, stored: 190 },
    ],
    [
      'EMQX, two nodes, both counters summed',
      [
        ['$SYS/brokers/emqx@a/metrics/messages/dropped', '3'],
        ['$SYS/brokers/emqx@b/metrics/messages/dropped', '4'],
        ['$SYS/brokers/emqx@a/metrics/delivery/dropped/queue_full', '10'],
      ],
      { dropped: 17 },
    ],
    ['a value that is no count is ignored', [['$SYS/broker/publish/messages/dropped', 'n/a']], {}],
  ])('%s', (_, values, expected) => {
    expect(brokerCounters(new Map(values as Array<[string, string]>))).toEqual(expected);
  });

  it.each([
    ['$SYS/broker/publish/messages/dropped', true],
    ['$SYS/broker/store/messages/count', true],
    ['$SYS/brokers/emqx@10.0.0.1/metrics/delivery/dropped/queue_full', true],
    ['$SYS/broker/uptime', false],
    ['$SYS/brokers/a/b/metrics/messages/dropped', false],
    ['vigil/v1/devices/x/readings', false],
  ])('isBrokerCounter(%s) is %s', (topic, expected) => {
    expect(isBrokerCounter(topic)).toBe(expected);
  });
});
