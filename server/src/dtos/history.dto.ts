import { z } from 'zod';
import { EVENT_TYPES } from '../domain/protocol.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { isoTime, jsonObject } from './common.dto.js';

/** `points` at most: a chart is never wider than this many pixels, and the answer stays small. */
export const MAX_POINTS = 5000;

const metric = z.enum(METRIC_CODES, { error: `expected one of ${METRIC_CODES.join(', ')}` });
const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected a whole number from ${min} to ${max}`).max(max, `expected a whole number from ${min} to ${max}`))
    .optional()
    .default(fallback);

/** A time range: both ends optional (the last 24 hours), `from` before `to`. */
const range = {
  from: isoTime.optional().describe('Start, inclusive (ISO 8601 with offset); default: 24 hours before `to`'),
  to: isoTime.optional().describe('End, exclusive (ISO 8601 with offset); default: now'),
};
const fromBeforeTo = (query: { from?: Date; to?: Date }, ctx: z.RefinementCtx) => {
  if (query.from && query.to && !(query.from < query.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
};

export const readingsQuery = z
  .object({ metric, ...range, points: wholeNumber(2, MAX_POINTS, 500).describe(`Most points to return (2 to ${MAX_POINTS})`) })
  .strict()
  .superRefine(fromBeforeTo);
export type ReadingsQuery = z.infer<typeof readingsQuery>;

export const readingsResponse = z.object({
  metric: z.string(),
  resolution: z.enum(['raw', '1m', '1h']).describe('Where the points come from: raw samples, or the 1-minute or 1-hour rollup'),
  bucketSeconds: z.number().describe('Width of each point’s bucket; 0 when each point is one raw sample'),
  points: z
    .array(z.object({ t: z.date(), min: z.number(), max: z.number(), avg: z.number(), count: z.number().int() }))
    .describe('Oldest first; min and max are the true extremes of the raw samples in each bucket; raw rows have min = max = avg and count 1'),
});

export const eventsQuery = z
  .object({
    ...range,
    type: z.enum(EVENT_TYPES, { error: `expected one of ${EVENT_TYPES.join(', ')}` }).optional(),
    limit: wholeNumber(1, 1000, 500).describe('Most events to return, newest first'),
  })
  .strict()
  .superRefine(fromBeforeTo);
export type EventsQuery = z.infer<typeof eventsQuery>;

export const eventsResponse = z.object({
  events: z
    .array(z.object({ t: z.date(), deviceId: z.string(), type: z.enum(EVENT_TYPES), data: jsonObject }))
    .describe('Falls, bed exits and returns, doors, doses, alarm button, inactivity; newest first'),
});
