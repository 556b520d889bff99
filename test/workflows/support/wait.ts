/**
 * Queries until the predicate holds: for states reached by activities that run in real time
 * (provisioning, the projection, emails), where no timer can be skipped to.
 */
export async function statusWhen<V>(
  query: () => Promise<V>,
  predicate: (view: V) => boolean,
  timeoutMs = 20_000,
): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await query();
    if (predicate(view)) return view;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
