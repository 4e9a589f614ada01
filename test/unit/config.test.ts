import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { applyKeepAlive } from '../../src/api/server.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ROOT } from '../support/harness.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, ROOT);
    expect(config).toMatchObject({
      port: 3000,
      redisUrl: 'redis://127.0.0.1:6379',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/codes',
    });
    expect(config.workers).toBeGreaterThan(0);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the environment, WORKERS=0 meaning API only', () => {
    const config = loadConfig({ PORT: '8080', WORKERS: '0', REDIS_URL: 'redis://cache:6380' }, ROOT);
    expect(config).toMatchObject({ port: 8080, workers: 0, redisUrl: 'redis://cache:6380' });
  });

  it('names every bad variable on a line of its own', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '99999', DATABASE_URL: 'mysql://x/y', WORKERS: 'many' }, ROOT);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).lines;
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'PORT', 'WORKERS']);
  });
});

describe('HTTP keep-alive', () => {
  it('outlasts a 60 s load balancer idle timeout by default, with headersTimeout above it', () => {
    const config = loadConfig({}, ROOT);
    expect(config.httpKeepAliveTimeoutMs).toBe(65_000);
    const server = createServer();
    applyKeepAlive(server, config.httpKeepAliveTimeoutMs, config.bodyTimeoutMs);
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    // The whole request is bounded by the headers' time plus BODY_TIMEOUT_MS, not Node's 300 s default.
    expect(server.requestTimeout).toBe(server.headersTimeout + config.bodyTimeoutMs);
  });

  it('is read from HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
    expect(loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '120000' }, ROOT).httpKeepAliveTimeoutMs).toBe(120_000);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000000' }, ROOT)).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
  });

  it("keeps Node's requestTimeout above headersTimeout for a 10-minute balancer", () => {
    const server = createServer();
    applyKeepAlive(server, 620_000, 1000);
    expect(server.headersTimeout).toBeGreaterThan(620_000);
    expect(server.requestTimeout).toBeGreaterThan(server.headersTimeout);
  });
});

describe('configuration errors an operator can act on', () => {
  const linesOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, ROOT);
    } catch (error) {
      if (error instanceof ConfigError) return error.lines;
      throw error;
    }
    return [];
  };

  it('reports a URL that is not one as a line, not a TypeError, beside every other bad variable', () => {
    const lines = linesOf({ REDIS_URL: 'notaurl', DATABASE_URL: 'also not', PORT: '0', MIN_CONTRAST: 'x' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'MIN_CONTRAST', 'PORT', 'REDIS_URL']);
    expect(lines.find((l) => l.startsWith('REDIS_URL'))).toMatch(/must be a URL starting redis:\/\//);
  });

  it('never echoes a secret or a URL password', () => {
    const lines = linesOf({ SECRETS_KEY: 'short', DATABASE_URL: 'mysql://u:hunter2@db/x' });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/short"|hunter2/);
  });

  it('reads decimals (a sampling fraction, a contrast ratio)', () => {
    expect(loadConfig({ ACCESS_LOG_SAMPLE: '0.25', MIN_CONTRAST: '4.5' }, ROOT)).toMatchObject({
      accessLogSample: 0.25,
      minContrast: 4.5,
    });
  });

  describe('NODE_ENV=production', () => {
    const own = { SECRETS_KEY: 'a-secrets-key-of-our-own-0123', LINK_SIGNING_KEY: 'a-link-key-of-our-own-0123' };

    it('starts with secrets of its own', () => {
      expect(loadConfig({ NODE_ENV: 'production', ...own }, ROOT).nodeEnv).toBe('production');
    });

    it('refuses a missing, default or placeholder SECRETS_KEY or LINK_SIGNING_KEY, one line each', () => {
      expect(linesOf({ NODE_ENV: 'production' }).map((l) => l.split(':')[0])).toEqual([
        'SECRETS_KEY',
        'LINK_SIGNING_KEY',
      ]);
      expect(linesOf({ NODE_ENV: 'production', ...own, SECRETS_KEY: 'change-me-to-a-long-random-string' })).toEqual([
        expect.stringMatching(/^SECRETS_KEY: must be set/),
      ]);
      const defaults = loadConfig({}, ROOT);
      expect(linesOf({ NODE_ENV: 'production', ...own, LINK_SIGNING_KEY: defaults.linkSigningKey })).toEqual([
        expect.stringMatching(/^LINK_SIGNING_KEY: /),
      ]);
      // The same values are fine outside production (a laptop, the tests).
      expect(linesOf({ SECRETS_KEY: 'change-me-to-a-long-random-string' })).toEqual([]);
    });

    it('refuses an empty or placeholder admin password once the board is on, and a weak metrics token', () => {
      const env = { NODE_ENV: 'production', ...own };
      expect(linesOf({ ...env, ADMIN_USER: 'ops' })).toEqual([expect.stringMatching(/^ADMIN_PASSWORD: /)]);
      expect(linesOf({ ...env, ADMIN_USER: 'ops', ADMIN_PASSWORD: 'change-me' })).toEqual([
        expect.stringMatching(/^ADMIN_PASSWORD: /),
      ]);
      expect(linesOf({ ...env, METRICS_TOKEN: 'short' })).toEqual([expect.stringMatching(/^METRICS_TOKEN: /)]);
      expect(linesOf({ ...env, ADMIN_USER: 'ops', ADMIN_PASSWORD: 'a-real-admin-password-42' })).toEqual([]);
      // Board off (no ADMIN_USER): no password is needed.
      expect(linesOf(env)).toEqual([]);
    });
  });
});
