import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileMigrationProvider, Migrator, sql } from 'kysely';
import pg from 'pg';
import { createDb, type Db } from './db.ts';

const MIGRATIONS_DIR = path.join(import.meta.dirname, '..', '..', 'migrations');
// duplicate_database, and unique_violation on pg_database when two CREATE DATABASE race.
const ALREADY_EXISTS = new Set(['42P04', '23505']);

/** Creates the database named in `databaseUrl` if it is missing; safe when several processes race. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    if (!ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) throw error;
  } finally {
    await client.end();
  }
}

function migratorFor(db: Db): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  });
}

/** Applies every pending migration (kysely's Migrator takes a lock, so concurrent starts are safe). */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migratorFor(db).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every migration in migrations/ has been applied (readiness). */
export async function isMigrated(db: Db): Promise<boolean> {
  const migrations = await migratorFor(db).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}

/** ensureDatabase + migrateToLatest with a short-lived connection: what `npm run migrate` does. */
export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const db = createDb({ databaseUrl, poolSize: 1 });
  try {
    return await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** Drops a database (test teardown), ending any connection still attached. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const db = createDb({ databaseUrl: url.toString(), poolSize: 1 });
  try {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(db);
  } finally {
    await db.destroy();
  }
}
