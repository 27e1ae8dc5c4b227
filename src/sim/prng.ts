/**
 * Seeded randomness without state: every draw is a hash of (seed, keys…), so a meter's value at
 * interval k is the same whatever order or how often it is asked for. No Math.random anywhere.
 */

function mix32(h: number): number {
  // murmur3 fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a seed and integer keys (keys up to 2^53 are folded in as two 32-bit words). */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul((a >>> 0) ^ 0x27d4eb2f, 0x165667b1));
  h = mix32(h ^ Math.floor(a / 4294967296));
  h = mix32(h ^ Math.imul((b >>> 0) ^ 0x61c88647, 0x27d4eb2d));
  h = mix32(h ^ Math.floor(b / 4294967296));
  h = mix32(h ^ Math.imul((c >>> 0) ^ 0x3c6ef372, 0x85ebca77));
  return h;
}

/** Uniform in [0, 1) for (seed, keys…). */
export function uniform(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / 4294967296;
}

/** Uniform in [-1, 1) for (seed, keys…). */
export function centered(seed: number, a: number, b = 0, c = 0): number {
  return 2 * uniform(seed, a, b, c) - 1;
}

/** Smooth value noise in [0, 1): seeded knots at integer x, smoothstep between them. */
export function valueNoise(seed: number, stream: number, x: number): number {
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  const a = uniform(seed, stream, i, 0x51);
  const b = uniform(seed, stream, i + 1, 0x51);
  return a + (b - a) * s;
}

/** mulberry32: a tiny sequential PRNG for callers that want a stream (tests, benches). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
