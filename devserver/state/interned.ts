/**
 * One shared copy of the strings that thousands of runs repeat (namespace, workflow type, task
 * queue, sticky queue, worker identity): strings decoded from requests are new copies each time,
 * often ropes of pieces. The table is bounded; when full it starts over (sharing is an
 * optimisation, never needed for correctness).
 */
const MAX_ENTRIES = 4096;
const table = new Map<string, string>();

export function interned(s: string): string {
  const shared = table.get(s);
  if (shared !== undefined) return shared;
  if (table.size >= MAX_ENTRIES) table.clear();
  // A flat copy: the decoded string may be a rope that would keep its pieces alive.
  const flat = Buffer.from(s).toString();
  table.set(flat, flat);
  return flat;
}
