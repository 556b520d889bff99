// Prisma 7 reads the connection string here, not from schema.prisma. DATABASE_URL is optional:
// `prisma generate` needs no database, and without it the application uses its embedded Postgres
// (database/), whose URL `npm run db:migrate` passes to `prisma migrate deploy` itself.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL },
});
