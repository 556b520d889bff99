import { roles, type Actor, type Role } from '../../domain';
import type { ActionSignal } from '../contract';

/** Stands for the sender of a signal whose actor could not be read. */
export const UNKNOWN_ACTOR: Actor = { role: 'system', id: 'unknown-sender' };

export type ParsedSignal =
  | { readonly ok: true; readonly signal: ActionSignal }
  | { readonly ok: false; readonly actor: Actor; readonly requestId?: string; readonly message: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Signals arrive from outside as JSON: check their shape before the domain sees them, so a
 * malformed one is refused and recorded instead of failing the workflow task.
 */
export function parseActionSignal(raw: unknown): ParsedSignal {
  if (!isRecord(raw)) return { ok: false, actor: UNKNOWN_ACTOR, message: 'the signal must be an object' };
  const requestId = typeof raw.requestId === 'string' && raw.requestId.length > 0 ? raw.requestId : undefined;
  const actor = raw.actor;
  if (
    !isRecord(actor) ||
    !(roles as readonly unknown[]).includes(actor.role) ||
    typeof actor.id !== 'string' ||
    actor.id.length === 0
  ) {
    return {
      ok: false,
      actor: UNKNOWN_ACTOR,
      requestId,
      message: `the signal needs an actor { role: one of ${roles.join(', ')}, id: non-empty string }`,
    };
  }
  const parsedActor: Actor = { role: actor.role as Role, id: actor.id };
  if (raw.requestId !== undefined && requestId === undefined) {
    return { ok: false, actor: parsedActor, message: 'requestId must be a non-empty string' };
  }
  if (raw.fields !== undefined && !isRecord(raw.fields)) {
    return { ok: false, actor: parsedActor, requestId, message: 'fields must be an object' };
  }
  return {
    ok: true,
    signal: {
      actor: parsedActor,
      ...(raw.fields !== undefined ? { fields: raw.fields } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    },
  };
}
