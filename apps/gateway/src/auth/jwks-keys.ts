import { createPublicKey, type KeyObject } from 'node:crypto';
import { JwksClient } from 'jwks-rsa';

const MAX_KEY_OBJECTS = 64;

/**
 * Public keys from a JWKS endpoint (Keycloak, Spring Authorization Server, Auth0...), by `kid`.
 * jwks-rsa caches each kid for `cacheMaxAgeMs` and fetches the set again for an unknown kid, at most
 * 10 times a minute: a rotated-in key works on its first token, and random kids cannot flood the IdP.
 * A retired key keeps verifying until its cache entry ages out. Keys are handed out as KeyObjects
 * (parsed once), so jsonwebtoken refuses them for HS* algorithms whatever the token header says.
 */
export class JwksKeys {
  private readonly client: JwksClient;
  private readonly parsed = new Map<string, KeyObject>();

  constructor(jwksUri: string, cacheMaxAgeMs: number) {
    this.client = new JwksClient({
      jwksUri,
      cache: cacheMaxAgeMs > 0,
      cacheMaxAge: cacheMaxAgeMs,
      rateLimit: true,
      jwksRequestsPerMinute: 10,
      timeout: 5_000,
    });
  }

  async keyFor(kid: string | undefined): Promise<KeyObject> {
    const pem = (await this.client.getSigningKey(kid)).getPublicKey();
    let key = this.parsed.get(pem);
    if (!key) {
      if (this.parsed.size >= MAX_KEY_OBJECTS) this.parsed.clear();
      key = createPublicKey(pem);
      this.parsed.set(pem, key);
    }
    return key;
  }
}
