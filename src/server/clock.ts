/**
 * Where the auth services read the time, epoch ms. Tests replace `now` to travel through
 * lock-outs and token lifetimes without waiting.
 */
export interface Clock {
  now(): number;
}

export function systemClock(): Clock {
  return { now: () => Date.now() };
}
