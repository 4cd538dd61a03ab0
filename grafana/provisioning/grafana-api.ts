/**
 * The few calls of Grafana's HTTP API that publishing uses, with errors that say what is wrong and
 * what to fix: an unreachable or wrong GRAFANA_URL, a rejected GRAFANA_TOKEN, a missing permission.
 */

export class GrafanaApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GrafanaApiError';
  }
}

export class GrafanaApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** GET /api/health: is this a Grafana at all? (Needs no token.) */
  async health(): Promise<{ version?: string }> {
    const response = await this.fetch('GET', '/api/health', undefined, false);
    const body = await this.json(response);
    if (!response.ok || typeof body !== 'object' || body === null || !('database' in body)) {
      throw new GrafanaApiError(
        `${this.baseUrl} does not answer as Grafana (GET /api/health gave ${response.status} ${response.statusText}, ${response.headers.get('content-type') ?? 'no content type'}). ` +
          'Check GRAFANA_URL: the workspace root URL, without a path, e.g. https://g-abc123def4.grafana-workspace.us-east-1.amazonaws.com',
        response.status,
      );
    }
    return body as { version?: string };
  }

  /** The resource at `path`, or undefined when Grafana answers 404. */
  async get<T>(path: string): Promise<T | undefined> {
    const response = await this.fetch('GET', path);
    if (response.status === 404) return undefined;
    return this.expectOk<T>(response, 'GET', path);
  }

  async send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
    return this.expectOk<T>(await this.fetch(method, path, body), method, path);
  }

  private async fetch(method: string, path: string, body?: unknown, authorised = true): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    try {
      return await fetch(url, {
        method,
        headers: {
          Accept: 'application/json',
          ...(authorised ? { Authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new GrafanaApiError(
        `could not reach Grafana at ${this.baseUrl} (${method} ${path}: ${why}). Check GRAFANA_URL and that this machine can reach the workspace.`,
        undefined,
        { cause: error },
      );
    }
  }

  private async expectOk<T>(response: Response, method: string, path: string): Promise<T> {
    const body = await this.json(response);
    if (response.ok) return body as T;
    const said = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : response.statusText;
    if (response.status === 401) {
      throw new GrafanaApiError(
        `Grafana at ${this.baseUrl} rejected the token (${method} ${path}: 401 ${said}). Check GRAFANA_TOKEN: a service account token of this workspace that has not expired.`,
        401,
      );
    }
    if (response.status === 403) {
      throw new GrafanaApiError(
        `Grafana at ${this.baseUrl} refused ${method} ${path} (403 ${said}). Give the token's service account the Admin role (data sources need it).`,
        403,
      );
    }
    throw new GrafanaApiError(`Grafana at ${this.baseUrl} answered ${method} ${path} with ${response.status}: ${said}`, response.status);
  }

  private async json(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return text;
    }
  }
}
