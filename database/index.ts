export { openDatabase, type Database, type OpenDatabaseOptions } from './open-database';
export { createPrismaClient, PrismaClient } from './prisma-client';
// the generated client's namespace: error classes (Prisma.PrismaClientKnownRequestError), input types
export { Prisma } from '../generated/prisma/client';
export { isEmbeddedUrl, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
