import { expect, it } from 'vitest';
import { planRenderJobs, renderGroupId } from '../../../src/queue/producer.ts';

const codes = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `code_${String(i).padStart(3, '0')}` }));

it('cuts codes into jobs of at most perJob, in order, each code in exactly one', () => {
  const planned = planRenderJobs(codes(37), 16);
  const jobs = Map.groupBy(planned, (code) => code.render_job ?? code.id);
  expect([...jobs.values()].map((members) => members.length)).toEqual([16, 16, 5]);
  expect([...jobs.keys()]).toEqual([renderGroupId('code_000'), renderGroupId('code_016'), renderGroupId('code_032')]);
  expect(planned.map((code) => code.id)).toEqual(codes(37).map((code) => code.id));
});

it('a code alone in its job keeps a job of its own (render_job null, the job id is the code id)', () => {
  expect(planRenderJobs(codes(1), 16)).toEqual([{ id: 'code_000', render_job: null }]);
  expect(planRenderJobs(codes(17), 16).at(-1)).toEqual({ id: 'code_016', render_job: null });
  expect(planRenderJobs(codes(3), 1).every((code) => code.render_job === null)).toBe(true);
});

it("a shared job's id is never a code's own id", () => {
  const planned = planRenderJobs(codes(40), 4);
  const ids = new Set(planned.map((code) => code.id));
  expect(planned.some((code) => code.render_job !== null && ids.has(code.render_job!))).toBe(false);
});

it("a job holds one account's codes: callers that arrive together never share one", () => {
  const mixed = codes(10).map((code, i) => ({ ...code, account_id: i % 3 === 0 ? 'acct_a' : 'acct_b' }));
  const planned = planRenderJobs(mixed, 4);
  expect(planned.map((code) => code.id)).toEqual(mixed.map((code) => code.id));
  const jobs = Map.groupBy(planned, (code) => code.render_job ?? code.id);
  for (const members of jobs.values()) expect(new Set(members.map((m) => m.account_id)).size).toBe(1);
  // acct_a has codes 0, 3, 6, 9 (one job of 4); acct_b the other six (jobs of 4 and 2), each in arrival order.
  expect([...jobs.values()].map((members) => members.map((m) => m.id.slice(-1)).join(''))).toEqual([
    '0369',
    '1245',
    '78',
  ]);
});
