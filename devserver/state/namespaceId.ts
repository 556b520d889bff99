import { createHash } from 'crypto';

/**
 * A namespace's id, in Temporal's UUID form. Temporal keeps a random one in its registry; here the
 * name is the key, so the id is derived from it: stable across restarts, nothing to journal, and
 * the same length as Temporal's (the SDK's tests splice it into a token built by Temporal).
 */
export function namespaceId(name: string): string {
  const h = createHash('sha1').update(`namespace:${name}`).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
