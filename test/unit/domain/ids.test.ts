import { describe, expect, it } from 'vitest';
import { isId, newId } from '../../../src/domain/ids.ts';

describe('newId', () => {
  it('is prefixed and recognised by isId', () => {
    const id = newId('code');
    expect(id).toMatch(/^code_[0-9a-z]{26}$/);
    expect(isId('code', id)).toBe(true);
    expect(isId('batch', id)).toBe(false);
    expect(isId('code', `${id}x`)).toBe(false);
    expect(isId('code', 'code_' + 'u'.repeat(26))).toBe(false);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newId('req'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('code', 1000) < newId('code', 2000)).toBe(true);
  });
});
