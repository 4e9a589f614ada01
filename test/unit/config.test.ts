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
    applyKeepAlive(server, config.httpKeepAliveTimeoutMs);
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
    expect(server.requestTimeout).toBeGreaterThan(server.headersTimeout);
  });

  it('is read from HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
    expect(loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '120000' }, ROOT).httpKeepAliveTimeoutMs).toBe(120_000);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000000' }, ROOT)).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
  });

  it("keeps Node's requestTimeout above headersTimeout for a 10-minute balancer", () => {
    const server = createServer();
    applyKeepAlive(server, 620_000);
    expect(server.headersTimeout).toBeGreaterThan(620_000);
    expect(server.requestTimeout).toBeGreaterThan(server.headersTimeout);
  });
});
