/**
 * Visibility for the dev server: which search attributes exist and how their payloads decode
 * (SearchAttributeRegistry), the List Filter query language (parseVisibilityQuery), and the
 * per-run records ListWorkflowExecutions / CountWorkflowExecutions answer from (VisibilityStore).
 * Pure data in, data out: no gRPC, no I/O. Every VisibilityError maps to INVALID_ARGUMENT.
 */
export * from './errors';
export * from './record';
export * from './searchAttributes';
export * from './query';
export * from './store';
