// Freezes the domain the way the SDK freezes a module shared by the workflows of a thread
// (worker/workflow-source.ts): imported before the domain's own tests, it makes them run on it.
import { domain } from '../../workflows/shared-libraries';

/**
 * What the SDK's reusable V8 context does to shared modules (its deepFreeze, which it does not
 * export): own properties first, read through their getters, then the object; functions are
 * frozen but not walked; what cannot be frozen is left as it is.
 */
export function freezeLikeTheSdk(value: unknown, seen = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  if (seen.has(value) || Object.isFrozen(value)) return;
  seen.add(value);
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) {
      try {
        freezeLikeTheSdk((value as Record<PropertyKey, unknown>)[key], seen);
      } catch {
        // e.g. typed arrays cannot be frozen; the SDK skips them too
      }
    }
  }
  Object.freeze(value);
}

freezeLikeTheSdk(domain);
