/**
 * The order workflows continue as new when the server suggests it (Temporal's
 * limit.historyCount.suggestContinueAsNew, set low here), with no history limit of their own.
 */
import { checkoutHandsOverItsState } from './support/checkout-hand-over';
import { useWorkflowTestEnv } from './support/environment';

const t = useWorkflowTestEnv({
  temporal: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 } },
});

describe("continue-as-new at the server's suggestion", () => {
  it('a checkout waiting long hands its state to a new run when the server suggests it', async () => {
    await checkoutHandsOverItsState(t);
  });
});
