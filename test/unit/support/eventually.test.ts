// The polling helper every integration test waits with: it must report what it last saw, or a
// failed wait says nothing about why.
import { describe, expect, it } from 'vitest';
import { eventually } from '../../support/harness.ts';

describe('eventually', () => {
  it('returns the first truthy value, retrying through errors and falsy values', async () => {
    let calls = 0;
    const value = await eventually(
      async () => {
        calls++;
        if (calls === 1) throw new Error('not up yet');
        return calls >= 3 && { calls };
      },
      5000,
      1,
    );
    expect(value).toEqual({ calls: 3 });
  });

  it("on timeout throws the probe's last error as it is: an expect fails with its own message", async () => {
    let seen = 0;
    const failure = await eventually(
      async () => {
        expect(++seen).toBe(-1);
        return true;
      },
      30,
      5,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(new RegExp(`^expected ${seen} to be -1 .*\\(not met within 30 ms`));
    // The assertion's own values travel with it, so the runner still prints its diff.
    expect(failure).toMatchObject({ actual: seen, expected: -1 });
  });

  it('on timeout after a falsy value, shows that value', async () => {
    await expect(eventually(async () => 0, 20, 5)).rejects.toThrow('not met within 20 ms; the probe last returned 0');
    await expect(eventually(async () => null, 20, 5)).rejects.toThrow('the probe last returned null');
  });
});
