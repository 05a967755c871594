import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookSecret } from '../../db/schema/index.ts';

/** Standard Webhooks secrets: `whsec_` and the base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_';

export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, over the exact body bytes sent. */
export function sign(secret: string, id: string, timestampSeconds: number, body: Buffer): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The secrets that still sign at `now`: the current one and, during a rotation's overlap, the old ones. */
export function activeSecrets(secrets: WebhookSecret[], now: Date): string[] {
  return secrets.filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now).map((s) => s.secret);
}

/** The three Standard Webhooks headers; during a rotation the signature header holds one entry per secret. */
export function webhookHeaders(
  secrets: string[],
  id: string,
  timestampSeconds: number,
  body: Buffer,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => sign(s, id, timestampSeconds, body)).join(' '),
  };
}
