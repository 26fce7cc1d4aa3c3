import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { preparedOnce } from '../../src/store/sqlite-statements.js';

describe('preparedOnce', () => {
  it('prepares a SQL text once, and again only after it was the least recently used beyond capacity', () => {
    const database = new SQLite(':memory:');
    const prepared: string[] = [];
    const prepare = database.prepare.bind(database);
    database.prepare = ((sql: string) => (prepared.push(sql), prepare(sql))) as typeof database.prepare;
    const cached = preparedOnce(database, 2);

    const a = cached.prepare('select 1 as a');
    expect(cached.prepare('select 1 as a')).toBe(a);
    cached.prepare('select 2 as b');
    cached.prepare('select 1 as a'); // used again: now the most recent
    cached.prepare('select 3 as c'); // evicts b, not a
    expect(cached.prepare('select 1 as a')).toBe(a);
    cached.prepare('select 2 as b');
    expect(prepared).toEqual(['select 1 as a', 'select 2 as b', 'select 3 as c', 'select 2 as b']);
    expect(a.all([])).toEqual([{ a: 1 }]);
    cached.close();
    expect(database.open).toBe(false);
  });
});
