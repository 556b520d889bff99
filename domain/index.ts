export * from './roles';
export * from './fields';
export * from './lifecycle';
export * from './checkout';
export * from './service-order';
export * from './service-listing';
export * from './sales-order';
export * from './lifecycles';
