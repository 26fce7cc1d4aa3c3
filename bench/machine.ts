import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

/** The machine a table came from: CPU model, cores, memory, kernel, node, PostgreSQL when it answered. */
export function machineLine(postgresVersion?: string): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memoryGiB = (totalmem() / 2 ** 30).toFixed(1);
  const parts = [`${model}, ${availableParallelism()} cores`, `${memoryGiB} GiB RAM`, `Linux ${release()}`, `node ${process.version}`];
  if (postgresVersion) parts.push(postgresVersion);
  return parts.join(' · ');
}

/** The filesystem the SQLite file lives on: tmpfs would make fsync free and the numbers flattering. */
export function filesystemOf(path: string): string {
  try {
    return execFileSync('df', ['--output=fstype', path], { encoding: 'utf8' }).trim().split('\n').pop() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
