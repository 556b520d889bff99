import type { ProductResource } from '../resources';
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate';
import type { ApiDeps } from '../deps';
import { readSettings } from '../orders/create-order';
import { conflict, parseWith } from '../problem';
import { createProductBody, listProductsQuery, settingsBody } from '../schemas';

const productOut = (p: {
  id: string;
  name: string;
  description: string | null;
  type: string;
  priceCents: number;
  currency: string;
  billingCycle: string;
  active: boolean;
  createdAt: Date;
}): ProductResource => ({
  id: p.id,
  name: p.name,
  description: p.description,
  type: p.type,
  priceCents: p.priceCents,
  currency: p.currency,
  billingCycle: p.billingCycle,
  active: p.active,
  createdAt: p.createdAt.toISOString(),
});

/** The product catalog and the checkout settings (snapshotted into each new checkout order). */
export function catalogRouter(deps: ApiDeps): Router {
  const router = Router();

  router.get('/products', async (req, res) => {
    const principal = principalOf(req);
    const query = parseWith(listProductsQuery, req.query, 'query', 400);
    const all = principal.role === 'admin' && query.includeInactive === true;
    const products = await deps.prisma.product.findMany({
      where: all ? {} : { active: true },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
      take: 1000,
    });
    res.json({ data: products.map(productOut) });
  });

  router.post('/products', async (req, res) => {
    requireRole(req, 'admin');
    const body = parseWith(createProductBody, req.body, 'product');
    if (body.id !== undefined) {
      const taken = await deps.prisma.product.findUnique({ where: { id: body.id }, select: { id: true } });
      if (taken) throw conflict(`a product ${body.id} exists already`);
    }
    try {
      const product = await deps.prisma.product.create({ data: body });
      res
        .status(201)
        .location(`/products/${encodeURIComponent(product.id)}`)
        .json(productOut(product));
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002')
        throw conflict(`a product ${body.id} exists already`);
      throw error;
    }
  });

  router.get('/settings', async (req, res) => {
    requireRole(req, 'admin');
    res.json(await readSettings(deps.prisma));
  });

  router.put('/settings', async (req, res) => {
    requireRole(req, 'admin');
    const body = parseWith(settingsBody, req.body, 'settings');
    await deps.prisma.settings.upsert({ where: { id: 1 }, create: { id: 1, ...body }, update: body });
    res.json(await readSettings(deps.prisma));
  });

  return router;
}
