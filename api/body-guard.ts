// Checks on a parsed JSON body that no schema states: how deep it nests and which characters its
// strings hold. Both run before any handler (and before the request hash, which recurses), so a
// refused body changes nothing.
import type { NextFunction, Request, Response } from 'express';
import { badRequest } from './problem';

/** The deepest body a route needs is about 4 levels; 32 leaves room without risking the stack. */
export const MAX_BODY_DEPTH = 32;

import { unstorableText } from '../domain';

function describe(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the body' : path.map(String).join('.');
}

/** The first problem in the value, walking no deeper than MAX_BODY_DEPTH levels. */
function firstFault(value: unknown): string | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (unstorableText(current)) {
        return `${describe(path)} contains a NUL byte or an unpaired UTF-16 surrogate`;
      }
    } else if (current !== null && typeof current === 'object') {
      if (path.length >= MAX_BODY_DEPTH) {
        return `the body nests deeper than ${MAX_BODY_DEPTH} levels`;
      }
      const entries: [string | number, unknown][] = Array.isArray(current)
        ? current.map((v, i) => [i, v])
        : Object.entries(current);
      for (const [key, child] of entries) {
        if (typeof key === 'string' && unstorableText(key)) {
          return `a member name in ${describe(path)} contains a NUL byte or an unpaired UTF-16 surrogate`;
        }
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** After express.json: refuses (400) a body too deep or with text no database can store. */
export function guardBody(req: Request, _res: Response, next: NextFunction): void {
  const fault = firstFault(req.body);
  if (fault !== undefined) throw badRequest(fault);
  next();
}
