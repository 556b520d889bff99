import { Router } from 'express';
import { aOrAn } from '../../domain';
import { issueApiKey } from '../auth/keys';
import { requireRole } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { conflict, parseWith, unprocessable } from '../problem';
import { createPrincipalBody } from '../schemas';

/** Roles that act as a party and so need a subject id (admin and system keys may name none). */
const PARTY_ROLES = new Set(['client', 'isv', 'merchant', 'salesperson', 'customer']);

export function principalsRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/principals', async (req, res) => {
    requireRole(req, 'admin');
    const body = parseWith(createPrincipalBody, req.body, 'principal');
    if (PARTY_ROLES.has(body.role) && body.subjectId === undefined) {
      throw unprocessable(`${aOrAn(body.role)} key needs the subjectId of the party it acts as`, {
        issues: [{ path: 'subjectId', message: 'required for this role' }],
      });
    }
    if (body.role === 'system' && body.subjectId !== undefined) {
      throw unprocessable('a system key acts as the platform and names no subject', {
        issues: [{ path: 'subjectId', message: 'not allowed for the system role' }],
      });
    }
    if (body.subjectId !== undefined) {
      const subjectId = body.subjectId;
      const party = await deps.prisma.party.findUnique({ where: { id: subjectId } });
      if (party && party.kind !== body.role) {
        throw conflict(`subject ${subjectId} is ${aOrAn(party.kind)}, not ${aOrAn(body.role)}`);
      }
      if (!party) {
        await deps.prisma.party.createMany({
          data: [
            {
              id: subjectId,
              kind: body.role,
              name: body.name ?? subjectId,
              email: body.email ?? `${subjectId}@example.invalid`,
            },
          ],
          skipDuplicates: true,
        });
      } else if (body.name !== undefined || body.email !== undefined) {
        await deps.prisma.party.update({
          where: { id: subjectId },
          data: { ...(body.name ? { name: body.name } : {}), ...(body.email ? { email: body.email } : {}) },
        });
      }
    }
    const { key, principal } = await issueApiKey(deps.prisma, {
      role: body.role,
      subjectId: body.subjectId ?? null,
      label: body.label ?? null,
    });
    // The key is shown this once; only its hash is stored.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({
      key,
      principal: {
        id: principal.id,
        role: principal.role,
        subjectId: principal.subjectId,
        label: principal.label,
        createdAt: principal.createdAt.toISOString(),
      },
    });
  });
  return router;
}
