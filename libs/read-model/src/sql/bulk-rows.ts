import type { DataSource, EntityManager, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver';

/*
 * The projections' statements, written out rather than built by TypeORM's
 * query builder and save(), which spent more time in JavaScript than SQLite
 * or PostgreSQL spent running them (bench/README.md). Columns and value
 * conversions still come from the entities' metadata, so a new column needs
 * no change here.
 */

/** SQLite allows 32,766 bound values per statement, PostgreSQL 65,535. */
const MAX_BOUND_VALUES = 30_000;

/**
 * Splits `count` rows into statements of power-of-two sizes up to `max`, so
 * only a dozen statement texts exist per table: the driver caches a prepared
 * statement per text, and one per batch size held gigabytes during a rebuild.
 */
export function statementSizes(count: number, max: number): number[] {
  let largest = 1;
  while (largest * 2 <= max) largest *= 2;
  const sizes: number[] = [];
  for (let left = count; left > 0;) {
    let size = largest;
    while (size > left) size /= 2;
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** Consecutive slices of `items` of the given sizes. */
export function slices<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  let start = 0;
  return sizes.map((size) => items.slice(start, (start += size)));
}

export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `count` placeholders from the `first`th on: ?, ?, … on SQLite, $n on PostgreSQL. */
export function placeholders(manager: EntityManager, first: number, count: number): string {
  const postgres = manager.connection.options.type === 'postgres';
  return Array.from({ length: count }, (_, i) => (postgres ? `$${first + i}` : '?')).join(', ');
}

/** Columns written on insert: all but database-generated ones (the audit trail's id). */
function writtenColumns(metadata: EntityMetadata) {
  return metadata.columns.filter((column) => !column.isGenerated);
}

export async function selectByIds<T extends ObjectLiteral>(manager: EntityManager, entity: new () => T, ids: readonly string[]): Promise<T[]> {
  if (ids.length === 0) return [];
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const [primary] = metadata.primaryColumns;
  const found: T[] = [];
  for (const chunk of slices(ids, statementSizes(ids.length, 1024))) {
    const raw: Record<string, unknown>[] = await manager.query(
      `SELECT * FROM ${quote(metadata.tableName)} WHERE ${quote(primary.databaseName)} IN (${placeholders(manager, 1, chunk.length)})`,
      chunk,
    );
    for (const record of raw) found.push(hydrated(metadata, driver, record));
  }
  return found;
}

/**
 * A row as a plain statement returned it, turned into the entity as TypeORM
 * would read it (SQLite's 0 and 1 into booleans, and so on), from the
 * entity's metadata: a new column needs no change here.
 */
export function hydratedRow<T extends ObjectLiteral>(connection: DataSource, entity: new () => T, record: Record<string, unknown>): T {
  return hydrated(connection.getMetadata(entity), connection.driver, record);
}

function hydrated<T extends ObjectLiteral>(metadata: EntityMetadata, driver: Driver, record: Record<string, unknown>): T {
  const row = {} as T;
  for (const column of metadata.columns) {
    (row as Record<string, unknown>)[column.propertyName] = driver.prepareHydratedValue(record[column.databaseName], column);
  }
  return row;
}

export async function deleteByIds(manager: EntityManager, entity: new () => object, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const metadata = manager.connection.getMetadata(entity);
  const [primary] = metadata.primaryColumns;
  for (const chunk of slices(ids, statementSizes(ids.length, 1024))) {
    await manager.query(`DELETE FROM ${quote(metadata.tableName)} WHERE ${quote(primary.databaseName)} IN (${placeholders(manager, 1, chunk.length)})`, chunk);
  }
}

/**
 * Multi-row INSERT: 'upsert' replaces the row with the same primary key,
 * 'upsert-newer-revision' only if the new row comes from a later stream
 * revision (never older state over newer, whoever wrote it), and
 * 'ignore-duplicates' keeps the one already there (a redelivered audit entry).
 */
export type OnConflict = 'upsert' | 'upsert-newer-revision' | 'ignore-duplicates';

export async function insertRows<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: new () => T,
  rows: readonly Partial<T>[],
  onConflict: OnConflict,
): Promise<void> {
  if (rows.length === 0) return;
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const columns = writtenColumns(metadata);
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_VALUES / columns.length));
  for (const chunk of slices(rows, statementSizes(rows.length, perStatement))) {
    const values = new Array<unknown>(chunk.length * columns.length);
    let i = 0;
    for (const row of chunk) {
      for (const column of columns) values[i++] = driver.preparePersistentValue(column.getEntityValue(row), column);
    }
    await manager.query(insertStatement(manager, metadata, chunk.length, onConflict), values);
  }
}

/** The statement text for `count` rows, built once per table, size and dialect: a rebuild reuses a few. */
const insertStatements = new WeakMap<EntityMetadata, Map<string, string>>();

function insertStatement(manager: EntityManager, metadata: EntityMetadata, count: number, onConflict: OnConflict): string {
  const key = `${manager.connection.options.type} ${onConflict} ${count}`;
  let cached = insertStatements.get(metadata);
  if (!cached) insertStatements.set(metadata, (cached = new Map()));
  const known = cached.get(key);
  if (known) return known;
  const columns = writtenColumns(metadata);
  const names = columns.map((column) => quote(column.databaseName));
  const keys = metadata.primaryColumns.map((column) => quote(column.databaseName));
  const update = `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${names
    .filter((n) => !keys.includes(n))
    .map((n) => `${n} = excluded.${n}`)
    .join(', ')}`;
  const revision = quote(metadata.findColumnWithPropertyName('revision')?.databaseName ?? 'revision');
  const conflict =
    onConflict === 'upsert'
      ? update
      : onConflict === 'upsert-newer-revision'
        ? `${update} WHERE excluded.${revision} > ${quote(metadata.tableName)}.${revision}`
        : 'ON CONFLICT DO NOTHING';
  const tuples = Array.from({ length: count }, (_, i) => `(${placeholders(manager, 1 + i * columns.length, columns.length)})`).join(', ');
  const statement = `INSERT INTO ${quote(metadata.tableName)} (${names.join(', ')}) VALUES ${tuples} ${conflict}`;
  cached.set(key, statement);
  return statement;
}
