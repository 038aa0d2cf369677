import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { RedisRepository } from './redis.repository.js';

/**
 * The state between the password step and the code step of a sign-in, kept in Redis under a
 * digest of the mfaToken (so any instance can finish the sign-in, and the token itself is
 * stored nowhere). `pendingSecret` is a TOTP secret offered for enrolment, not yet confirmed.
 */
const challengeSchema = z.object({
  userId: z.uuid(),
  pendingSecret: z.string().optional(),
});
export type MfaChallenge = z.infer<typeof challengeSchema>;

const key = (tokenHash: string) => `vigil:mfa:${tokenHash}`;

@Injectable()
export class MfaChallengeRepository {
  constructor(private readonly redis: RedisRepository) {}

  async save(tokenHash: string, challenge: MfaChallenge, ttlSeconds: number): Promise<void> {
    await this.redis.client.set(key(tokenHash), JSON.stringify(challenge), 'EX', ttlSeconds);
  }

  /** Keeps the remaining lifetime (the enrolment step must not extend it). */
  async update(tokenHash: string, challenge: MfaChallenge): Promise<void> {
    await this.redis.client.set(key(tokenHash), JSON.stringify(challenge), 'KEEPTTL', 'XX');
  }

  async get(tokenHash: string): Promise<MfaChallenge | undefined> {
    const raw = await this.redis.client.get(key(tokenHash));
    if (!raw) return undefined;
    const parsed = challengeSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** True only for the one caller that removed it: a challenge completes a sign-in once. */
  async take(tokenHash: string): Promise<boolean> {
    return (await this.redis.client.del(key(tokenHash))) === 1;
  }
}
