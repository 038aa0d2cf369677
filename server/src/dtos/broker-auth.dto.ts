import { z } from 'zod';

/**
 * Requests an external broker (EMQX 5 HTTP authentication and authorisation) sends to Vigil.
 * The body templates to configure in EMQX are in docs/operations.md.
 */
export const brokerAuthenticateSchema = z.object({
  username: z.string().max(256).optional().default(''),
  password: z.string().max(1024).optional().default(''),
  clientid: z.string().max(256).optional(),
});

export const brokerAuthorizeSchema = z.object({
  username: z.string().max(256).optional().default(''),
  clientid: z.string().max(256).optional(),
  topic: z.string().min(1).max(65_535),
  action: z.enum(['publish', 'subscribe']),
});

/** EMQX reads `result`; `ignore` would pass the decision to its next authenticator. */
export type BrokerDecision = { result: 'allow' | 'deny'; is_superuser?: false };
