/**
 * @module A small seeded pseudo-random generator (mulberry32): the same seed draws the same numbers, so a failing
 * fault-suite run can be repeated (FAULTS_SEED) and the benchmark's fake provider draws alike from run to run.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
