// The PostgreSQL schema's migrations (npm run db:generate:pg); drizzle.config.ts is SQLite's.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle-pg',
});
