import { DataSource } from 'typeorm';

/**
 * Every row of every table the database holds, listed from its own schema
 * rather than from the entities: a table added later (or one left behind by a
 * rebuild) is read too.
 */
export async function everyTableAsText(database: DataSource): Promise<string> {
  const tables: { name: string }[] =
    database.options.type === 'postgres'
      ? await database.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
      : await database.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  expect(tables.length).toBeGreaterThan(0);
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) dump[name] = await database.query(`SELECT * FROM "${name.replace(/"/g, '""')}"`);
  return JSON.stringify(dump, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** The names that occur in `text`: a short failure message instead of a dump of every table. */
export const namesIn = (text: string, names: RegExp): string[] => [...new Set(text.match(new RegExp(names.source, 'gi')) ?? [])];
