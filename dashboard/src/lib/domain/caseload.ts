/**
 * How the caseload is ordered and filtered: pure, so the specs read against the rule.
 * Order (issue 14): open high-priority alerts first, then NEWS2 score, then open medium
 * alerts, then by name; a patient with more open high alerts ranks above one with fewer.
 */

export type Priority = 'high' | 'medium' | 'low';
export type Risk = 'low' | 'low-medium' | 'medium' | 'high';

export interface RankedPatient {
  id: string;
  name: string;
  teamId: string;
  news2: { score: number; risk: Risk };
  alerts: ReadonlyArray<{ priority: Priority }>;
}

function countOf(alerts: ReadonlyArray<{ priority: Priority }>, priority: Priority): number {
  let n = 0;
  for (const alert of alerts) if (alert.priority === priority) n++;
  return n;
}

export function byRisk(a: RankedPatient, b: RankedPatient): number {
  return (
    countOf(b.alerts, 'high') - countOf(a.alerts, 'high') ||
    b.news2.score - a.news2.score ||
    countOf(b.alerts, 'medium') - countOf(a.alerts, 'medium') ||
    a.name.localeCompare(b.name) ||
    a.id.localeCompare(b.id)
  );
}

/** Whether a change from `a` to `b` leaves the patient's place in the order as it was (byRisk's keys are equal). */
export function sameRank(a: RankedPatient, b: RankedPatient): boolean {
  return (
    a.news2.score === b.news2.score &&
    a.name === b.name &&
    countOf(a.alerts, 'high') === countOf(b.alerts, 'high') &&
    countOf(a.alerts, 'medium') === countOf(b.alerts, 'medium')
  );
}

/** The risk filter: "high" = an open high alert or NEWS2 high; "medium" = that or medium alerts/NEWS2 medium. */
export type RiskFilter = 'all' | 'medium' | 'high';

export function matchesRisk(patient: RankedPatient, filter: RiskFilter): boolean {
  if (filter === 'all') return true;
  const high = countOf(patient.alerts, 'high') > 0 || patient.news2.risk === 'high';
  if (filter === 'high') return high;
  return high || countOf(patient.alerts, 'medium') > 0 || patient.news2.risk === 'medium';
}

export function matchesSearch(patient: { name: string }, query: string): boolean {
  const needle = query.trim().toLocaleLowerCase();
  return needle === '' || patient.name.toLocaleLowerCase().includes(needle);
}

export function matchesTeam(patient: { teamId: string }, teamId: string): boolean {
  return teamId === 'all' || patient.teamId === teamId;
}
