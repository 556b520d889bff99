// The hosting panel behind CreateAccount and the sales activation. Real deployments plug in their
// panel's API; the simulated one is what `npm start` and the tests use.

export interface PanelAccountRequest {
  /** The service being provisioned: also the idempotency key the panel de-duplicates on. */
  serviceId: string;
  orderId: string;
  productId: string;
  clientId: string;
}

export interface PanelActivationRequest {
  /** The sales order item; with the order id, the idempotency key of the activation. */
  orderItemId: string;
  orderId: string;
  productId: string;
  customerId: string;
}

export interface Provisioner {
  /** Creates (or returns the already created) account for the service. */
  createAccount(request: PanelAccountRequest): Promise<{ accountId: string }>;
  /** Activates (or returns the already made activation of) one product for a customer. */
  activateProduct(request: PanelActivationRequest): Promise<{ activationId: string }>;
}

/** A failure the panel reports for a product; retried with backoff until attempts run out. */
export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

export interface PanelRecord {
  kind: 'account' | 'activation';
  idempotencyKey: string;
  accountId: string;
  productId: string;
  ownerId: string;
}

export interface AccountStore {
  /** Returns the account id already recorded for (kind, key), or records `record` and returns its id. */
  findOrCreate(record: PanelRecord): Promise<string>;
}

export interface SimulatedProvisionerOptions {
  /** Products the panel refuses, e.g. from PROVISIONER_FAIL_PRODUCTS. Mutable: a test heals them. */
  failingProducts?: Iterable<string>;
  /** Simulated panel latency per call, to give crash tests a window. */
  latencyMs?: number;
}

/**
 * Creates accounts and activations in an {@link AccountStore}, keyed by service id (accounts) and
 * order and item id (activations), so a retried or replayed call never makes a second one. Products in
 * `failingProducts` fail, to exercise retries, the `failed` and `activation_errors` statuses and
 * admin retry.
 */
export class SimulatedProvisioner implements Provisioner {
  readonly failingProducts: Set<string>;
  private readonly latencyMs: number;

  constructor(
    private readonly accounts: AccountStore,
    options: SimulatedProvisionerOptions = {},
  ) {
    this.failingProducts = new Set(options.failingProducts ?? []);
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Makes the panel refuse (true) or accept (false) a product from now on. */
  setFailing(productId: string, failing: boolean): void {
    if (failing) this.failingProducts.add(productId);
    else this.failingProducts.delete(productId);
  }

  async createAccount(request: PanelAccountRequest): Promise<{ accountId: string }> {
    await this.callPanel(request.productId, 'create an account');
    const accountId = await this.accounts.findOrCreate({
      kind: 'account',
      idempotencyKey: request.serviceId,
      accountId: `acct-${request.serviceId}`,
      productId: request.productId,
      ownerId: request.clientId,
    });
    return { accountId };
  }

  async activateProduct(request: PanelActivationRequest): Promise<{ activationId: string }> {
    await this.callPanel(request.productId, 'activate');
    // Item ids are unique only within their order ("crm" in many orders): the key needs both.
    const key = `${request.orderId}-${request.orderItemId}`;
    const activationId = await this.accounts.findOrCreate({
      kind: 'activation',
      idempotencyKey: key,
      accountId: `actv-${key}`,
      productId: request.productId,
      ownerId: request.customerId,
    });
    return { activationId };
  }

  private async callPanel(productId: string, what: string): Promise<void> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.failingProducts.has(productId)) {
      throw new ProvisioningError(`panel refused to ${what} for product ${productId}`);
    }
  }
}

/** Comma-separated product ids (PROVISIONER_FAIL_PRODUCTS) as a list; blanks are ignored. */
export function parseProductList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
