import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

type LuaResult = (number | string)[];
export type LuaCommand = (keys: string[], args: (string | number)[]) => Promise<LuaResult>;

/**
 * A Lua script called by its SHA1, loaded with EVAL only when Redis answers NOSCRIPT (first use, or
 * after a restart or SCRIPT FLUSH). ioredis's defineCommand resends the whole script text inside
 * every auto-pipeline (it tracks loaded scripts per socket, and each pipeline writes through a new
 * stand-in object), which made the script's text most of what intake wrote to Redis.
 */
export function luaCommand(redis: Redis, lua: string): LuaCommand {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (keys, args) => {
    try {
      return (await redis.evalsha(sha, keys.length, ...keys, ...args)) as LuaResult;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return (await redis.eval(lua, keys.length, ...keys, ...args)) as LuaResult;
    }
  };
}
