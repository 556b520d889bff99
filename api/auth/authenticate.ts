import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { aOrAn, type Actor, type Role } from '../../domain';
import type { PrismaClient } from '../../generated/prisma/client';
import { forbidden, unauthorized } from '../problem';
import { findPrincipalByKey, type Principal } from './keys';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

/** `Authorization: Bearer <key>` -> req.principal, or 401. */
export function authenticate(prisma: PrismaClient): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw unauthorized('an API key is required: Authorization: Bearer <key>');
    }
    const match = BEARER.exec(header);
    const principal = match ? await findPrincipalByKey(prisma, match[1]!) : null;
    if (!principal) throw unauthorized('the API key is not valid');
    req.principal = principal;
    next();
  };
}

export function principalOf(req: Request): Principal {
  const principal = req.principal;
  if (!principal) throw unauthorized('an API key is required');
  return principal;
}

/** The domain actor a principal acts as: its subject, or the principal itself for admin and system keys. */
export function actorOf(principal: Principal): Actor {
  return { role: principal.role, id: principal.subjectId ?? principal.id };
}

export function requireRole(req: Request, ...roles: Role[]): Principal {
  const principal = principalOf(req);
  if (!roles.includes(principal.role)) {
    throw forbidden(`this needs the role ${roles.join(' or ')}; the key is ${aOrAn(principal.role)}'s`);
  }
  return principal;
}
