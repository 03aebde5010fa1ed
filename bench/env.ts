/** A positive integer from the environment (benchmark sizes and durations), or the fallback. */
export function positiveInt(key: string, fallback: number): number {
  const raw = process.env[key];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be a positive integer (got "${raw}")`);
  return value;
}
