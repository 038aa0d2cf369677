import { api, type ApiError, apiError } from '../api/client.js';
import type { TeamResults } from '../domain/results.js';

/** A team's results for the `days` before now; the server checks that the user is in the team. */
export async function getTeamResults(teamId: string, days: number, now = new Date()): Promise<{ results: TeamResults } | { error: ApiError }> {
  const from = new Date(now.getTime() - days * 86_400_000).toISOString();
  const { data, error, response } = await api.GET('/api/teams/{id}/alert-stats', { params: { path: { id: teamId }, query: { from, to: now.toISOString() } } });
  return data ? { results: data } : { error: apiError(response, error) };
}

/** Offers `text` as a file download (the CSV export). */
export function download(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
