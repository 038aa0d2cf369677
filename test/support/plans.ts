import type { DatabaseRepository } from '../../server/src/repositories/database.repository.js';

/** A node of a PostgreSQL plan, as `EXPLAIN (FORMAT JSON)` gives it (the fields the tests read). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/**
 * The plan of the last statement `call` sends through the repository it builds on the database
 * given to it: each statement is explained instead of run (with ANALYZE, it also runs, so never
 * with a statement that writes), and the repository sees no rows.
 */
export async function planOf(db: DatabaseRepository, call: (explaining: DatabaseRepository) => Promise<unknown>, analyze = false): Promise<PlanNode> {
  let plan: PlanNode | undefined;
  const explaining = {
    dialect: db.dialect,
    query: async (sql: string, params?: unknown[]) => {
      const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) ${sql}`,
        params,
      );
      plan = rows[0]['QUERY PLAN'][0].Plan;
      return { rows: [], rowCount: 0 };
    },
  };
  await call(explaining as unknown as DatabaseRepository);
  if (!plan) throw new Error('the call sent no statement');
  return plan;
}

/** The node and all nodes under it. */
export const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

/** Rows the scans of the relations `of` accepts returned or threw away, over all their loops (EXPLAIN ANALYZE). */
export function rowsTouched(plan: PlanNode, of: (relation: string) => boolean): number {
  return planNodes(plan)
    .filter((node) => node['Relation Name'] !== undefined && of(node['Relation Name']))
    .reduce(
      (sum, node) => sum + (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'],
      0,
    );
}

/** Database pages the plan found in shared buffers or read, over the whole statement (EXPLAIN (ANALYZE, BUFFERS)). */
export const blocksRead = (plan: PlanNode): number => (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
