import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../src/config.js';

const KEY = { KOOGALLERY_ACCESS_KEY: 'a-real-key-123' };

describe('retention settings', () => {
  it('default to a year and a month of audit trail, four months of finished usage and jobs, a run every 10 minutes', () => {
    expect(loadConfig(KEY).retention).toEqual({ auditDays: 400, usageDays: 120, jobsDays: 120, intervalMs: 600_000 });
  });

  it('read every setting, 0 keeping rows forever', () => {
    const env = { ...KEY, RETENTION_AUDIT_DAYS: '0', RETENTION_USAGE_DAYS: '30', RETENTION_JOBS_DAYS: '1', RETENTION_INTERVAL_MS: '10000' };
    expect(loadConfig(env).retention).toEqual({ auditDays: 0, usageDays: 30, jobsDays: 1, intervalMs: 10_000 });
    expect(loadConfig({ ...KEY, RETENTION_USAGE_DAYS: '0', RETENTION_JOBS_DAYS: '0' }).retention).toMatchObject({ usageDays: 0, jobsDays: 0 });
  });

  it.each([
    ['RETENTION_AUDIT_DAYS', '-1', /RETENTION_AUDIT_DAYS must be 0 \(keep forever\) or a number of days from 1 to 36500 \(got "-1"\)/],
    ['RETENTION_AUDIT_DAYS', '1.5', /RETENTION_AUDIT_DAYS must be 0/],
    ['RETENTION_AUDIT_DAYS', 'forever', /RETENTION_AUDIT_DAYS must be 0/],
    ['RETENTION_AUDIT_DAYS', '36501', /RETENTION_AUDIT_DAYS must be 0/],
    // Records may be pushed up to 21 days late: less than 30 days of usage is refused.
    ['RETENTION_USAGE_DAYS', '21', /RETENTION_USAGE_DAYS must be 0 \(keep forever\) or a number of days from 30 to 36500 \(got "21"\)/],
    ['RETENTION_JOBS_DAYS', '-3', /RETENTION_JOBS_DAYS must be 0/],
    ['RETENTION_INTERVAL_MS', '999', /RETENTION_INTERVAL_MS must be an integer from 10000 to 86400000/],
  ])('refuse %s=%s', (name, value, message) => expect(() => loadConfig({ ...KEY, [name]: value })).toThrow(message));

  it('list every problem at once', () => {
    try {
      loadConfig({ ...KEY, RETENTION_AUDIT_DAYS: 'x', RETENTION_USAGE_DAYS: '7', RETENTION_JOBS_DAYS: 'y', RETENTION_INTERVAL_MS: '0' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems.map((problem) => problem.split(' ')[0])).toEqual([
        'RETENTION_AUDIT_DAYS',
        'RETENTION_USAGE_DAYS',
        'RETENTION_JOBS_DAYS',
        'RETENTION_INTERVAL_MS',
      ]);
    }
  });
});
