import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms, or undefined for no expiry. */
  expiresAt: number | undefined;
}

/**
 * One server's oidc-provider storage, in memory. Unlike oidc-provider's quick-start adapter (module-wide,
 * an LRU of 1000 entries), it belongs to one server, never evicts a live entry (benchmarks issue many
 * tokens) and outlives a provider stop/start. Expiry is checked on read; there are no timers.
 */
export class TokenStore {
  readonly #models = new Map<string, Map<string, Entry>>();

  #model(name: string): Map<string, Entry> {
    let model = this.#models.get(name);
    if (!model) {
      model = new Map();
      this.#models.set(name, model);
    }
    return model;
  }

  #live(name: string, id: string): Entry | undefined {
    const model = this.#model(name);
    const entry = model.get(id);
    if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      model.delete(id);
      return undefined;
    }
    return entry;
  }

  /** The adapter oidc-provider asks for, one per model name. */
  adapter(name: string): Adapter {
    // oidc-provider reads an expired device code to answer `expired_token` (not `invalid_grant`): kept a while.
    const grace = name === 'DeviceCode' ? 600_000 : 0;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.#sweep();
        this.#model(name).set(id, {
          payload: structuredClone(payload),
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + grace : undefined,
        });
      },
      find: async (id) => {
        const entry = this.#live(name, id);
        return entry ? structuredClone(entry.payload) : undefined;
      },
      findByUid: async (uid) => {
        for (const [id, entry] of this.#model(name)) {
          if (entry.payload.uid === uid) return this.#live(name, id)?.payload;
        }
        return undefined;
      },
      findByUserCode: async (userCode) => {
        for (const [id, entry] of this.#model(name)) {
          if (entry.payload.userCode === userCode) return this.#live(name, id)?.payload;
        }
        return undefined;
      },
      consume: async (id) => {
        const entry = this.#live(name, id);
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#model(name).delete(id);
      },
      revokeByGrantId: async (grantId) => {
        this.revokeGrant(grantId, name);
      },
    };
  }

  /** Deletes every entry of one model (or of all models) that belongs to a grant. */
  revokeGrant(grantId: string, only?: string): void {
    for (const [name, model] of this.#models) {
      if (only !== undefined && name !== only) continue;
      for (const [id, entry] of model) {
        if (entry.payload.grantId === grantId) model.delete(id);
      }
    }
  }

  /** The ids (`jti`) of every live entry of a model. */
  ids(name: string): string[] {
    return [...this.#model(name).keys()].filter((id) => this.#live(name, id));
  }

  /** Deletes every entry of a model. */
  clear(name: string): void {
    this.#model(name).clear();
  }

  #sweepCounter = 0;
  /** Drops expired entries now and then, so a long benchmark does not grow the maps forever. */
  #sweep(): void {
    this.#sweepCounter += 1;
    if (this.#sweepCounter % 500 !== 0) return;
    const now = Date.now();
    for (const model of this.#models.values()) {
      for (const [id, entry] of model) {
        if (entry.expiresAt !== undefined && entry.expiresAt <= now) model.delete(id);
      }
    }
  }
}
