import { hkdfSync } from 'node:crypto';
import type { AppConfig } from '@app/config';

/**
 * A key for one purpose derived from JWT_SECRET with HKDF-SHA256, so a deployment with a JWT secret
 * gets working share links and webhook signatures without more settings; null without a JWT secret.
 */
export function deriveKey(config: AppConfig, purpose: 'share-links' | 'webhooks'): Buffer | null {
  if (!config.JWT_SECRET) return null;
  return Buffer.from(hkdfSync('sha256', config.JWT_SECRET, 'video-gateway', `videogw ${purpose}`, 32));
}

export function shareLinkSecret(config: AppConfig): Buffer | null {
  return config.SHARE_LINK_SECRET ? Buffer.from(config.SHARE_LINK_SECRET, 'utf8') : deriveKey(config, 'share-links');
}

/** WEBHOOK_SECRET (whsec_ + base64), else one derived from JWT_SECRET; null when webhooks cannot be signed. */
export function webhookSecret(config: AppConfig): string | null {
  if (config.WEBHOOK_SECRET) return config.WEBHOOK_SECRET;
  const derived = deriveKey(config, 'webhooks');
  return derived ? `whsec_${derived.toString('base64')}` : null;
}
