import { resolve } from 'node:path';
import type { StoreLocation } from '../config.js';
import { StoreNotReady } from '../store/connect.js';

/**
 * A database that did not open, as one line with the fix, for the server's start-up and the read commands: exit code 2
 * when the location or the server is wrong (the operator fixes the setting or starts PostgreSQL), 1 for anything else.
 * `setting` is where the location came from (DATABASE_URL, or a command's --database). Never the password.
 */
export function databaseProblem(location: StoreLocation, error: unknown, setting = 'DATABASE_URL'): { line: string; exitCode: 1 | 2 } {
  const where = location.dialect === 'sqlite' ? resolve(location.target) : maskedUrl(location.target);
  const { code, message } = error as { code?: unknown; message?: unknown };
  const reason = typeof message === 'string' && message !== '' ? message : String(code ?? error);
  if (error instanceof StoreNotReady) {
    if (error.reason === 'missing') return config(`no database at ${where}: start the server once (make serve) or set ${setting}`);
    if (error.reason === 'empty') return config(`no kgkit tables in the database at ${where}: start the server once (make serve) or set ${setting}`);
    return config(`${error.message.replace('the database', `the database at ${where}`)}: start this kgkit's server once (make serve) to migrate it`);
  }
  if (location.dialect === 'postgres') {
    if (typeof code === 'string' && UNREACHABLE.has(code)) return config(`cannot reach PostgreSQL at ${where} (${code}): start PostgreSQL or fix ${setting}`);
    if (/timeout/i.test(reason) && /connect/i.test(reason))
      return config(`cannot reach PostgreSQL at ${where} (no answer in time): start PostgreSQL or fix ${setting}`);
    if (code === '28P01' || code === '28000') return config(`PostgreSQL at ${where} refused the login (${reason}): fix the user or password in ${setting}`);
    if (code === '3D000') return config(`${reason} at ${where}: create it (createdb) or fix ${setting}`);
    return { line: `the database at ${where} failed: ${reason}`, exitCode: 1 };
  }
  if (typeof code === 'string' && (SQLITE_CANNOT_OPEN.has(code) || code.startsWith('E'))) {
    return config(`cannot open the SQLite database at ${where} (${reason}): fix the file or its folder, or set ${setting}`);
  }
  return { line: `the database at ${where} failed: ${reason}`, exitCode: 1 };
}

const config = (line: string) => ({ line, exitCode: 2 as const });

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
const SQLITE_CANNOT_OPEN = new Set(['SQLITE_CANTOPEN', 'SQLITE_NOTADB', 'SQLITE_PERM', 'SQLITE_READONLY', 'SQLITE_IOERR']);

/** A connection string with its password replaced, for messages. */
export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^/@:]*):[^/]*@/, '//$1:***@');
  }
}
