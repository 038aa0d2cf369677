/** The kinds of home device Vigil provisions, and what each one reports. */
export const DEVICE_KINDS = {
  pulse_oximeter: { label: 'Pulse oximeter', metrics: ['spo2', 'hr'], events: [] },
  bp_cuff: { label: 'Blood pressure cuff', metrics: ['sbp', 'dbp', 'hr'], events: [] },
  thermometer: { label: 'Thermometer', metrics: ['temp'], events: [] },
  scale: { label: 'Scale', metrics: ['weight'], events: [] },
  glucometer: { label: 'Glucometer', metrics: ['glucose'], events: [] },
  wearable: { label: 'Wearable', metrics: ['hr', 'rr'], events: [] },
  oxygen_concentrator: { label: 'Oxygen concentrator', metrics: ['o2'], events: [] },
  fall_detector: { label: 'Fall detector', metrics: [], events: ['fall', 'inactivity'] },
  bed_sensor: { label: 'Bed sensor', metrics: [], events: ['bed_exit', 'bed_return'] },
  door_sensor: { label: 'Door sensor', metrics: [], events: ['door_open', 'door_close'] },
  medication_dispenser: { label: 'Medication dispenser', metrics: [], events: ['med_taken', 'med_missed'] },
  alarm_button: { label: 'Personal alarm button', metrics: [], events: ['alarm_button'] },
} as const satisfies Record<string, { label: string; metrics: readonly string[]; events: readonly string[] }>;

export type DeviceKind = keyof typeof DEVICE_KINDS;
export const DEVICE_KIND_CODES = Object.keys(DEVICE_KINDS) as DeviceKind[];

/** The telemedicine package every demo patient gets, before the welfare technology some have. */
export const DEMO_BASE_KINDS: readonly DeviceKind[] = ['pulse_oximeter', 'bp_cuff', 'thermometer', 'wearable', 'scale'];
