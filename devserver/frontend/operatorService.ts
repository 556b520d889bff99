import { invalidArgument } from '../grpc/errors';
import type { OperatorServiceHandlers } from '../grpc/messages';
import type { Handlers } from '../grpc/server';
import type { DevServer } from '../server';

/** OperatorService: the search-attribute calls (the rest answers UNIMPLEMENTED). */
export function operatorServiceHandlers(server: DevServer): OperatorServiceHandlers {
  return {
    ListSearchAttributes: () => ({
      customAttributes: server.searchAttributes.indexedValueTypes(['custom']),
      systemAttributes: server.searchAttributes.indexedValueTypes(['system', 'predefined']),
      storageSchema: {},
    }),
    AddSearchAttributes: (req) => {
      const attrs: Record<string, number> = req.searchAttributes ?? {};
      if (!Object.keys(attrs).length) throw invalidArgument('SearchAttributes are not set on request.');
      try {
        for (const [name, type] of Object.entries(attrs)) server.searchAttributes.register(name, type);
      } catch (err) {
        throw invalidArgument((err as Error).message);
      } finally {
        server.searchAttributesChanged();
      }
      return {};
    },
  };
}

/** grpc.health.v1.Health: always SERVING while the process listens. */
export function healthHandlers(): Handlers {
  return { Check: () => ({ status: 1 }) };
}
