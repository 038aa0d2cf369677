import { formatNumber, t, tDynamic } from './i18n/i18n.js';
import { ageOf } from './domain/time.js';
import { decimalsOf } from './domain/vitals.js';

/** An alert's kind in words: "Threshold SpO₂", "Fall". */
export function alertTitle(alert: { kind: string; metric?: string }): string {
  const metric = alert.metric ? tDynamic(`metric.${alert.metric}`, {}, alert.metric) : '';
  return tDynamic(`alert.kind.${alert.kind}`, { metric }, alert.kind).trim();
}

export function metricName(metric: string): string {
  return tDynamic(`metric.${metric}`, {}, metric);
}

export function metricUnit(metric: string): string {
  return tDynamic(`unit.${metric}`, {}, '');
}

/** A value with its unit in the user's locale (`37,2 °C` in Danish); flags (o2, acvpu) as words. */
export function formatValue(metric: string, value: number): string {
  if (metric === 'o2' || metric === 'acvpu') return tDynamic(`value.${metric}.${value}`, {}, String(value));
  const unit = metricUnit(metric);
  const decimals = decimalsOf(metric);
  return `${formatNumber(value, decimals, decimals)}${unit ? ` ${unit}` : ''}`;
}

/** A device kind in words ("Pulse oximeter"); an unknown kind as its code. */
export function deviceKindName(kind: string): string {
  return tDynamic(`device.kind.${kind}`, {}, kind);
}

export function formatAge(then: Date, now: Date): string {
  const age = ageOf(then, now);
  return age.unit === 'now' ? t('age.now') : t(`age.${age.unit}`, { n: age.n });
}
