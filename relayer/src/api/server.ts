/**
 * The relayer's HTTP API (node:http): /health (503 while a lane is degraded, ./health.ts),
 * /health/live (200 while the process serves), /metrics (Prometheus), /status, /messages/:id and
 * /proof/:txHash/:logIndex — the exit proof JSON a user passes to Messenger.relayMessage to relay
 * on their own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { errorMessage } from "../chain/provider";
import { CHAIN_NAMES } from "../config";
import type { RoleContext } from "../roles/context";
import { buildMessageProof, exitProofJson } from "../roles/proofs";
import { healthReport } from "./health";
import { JsonHttpServer, sendJson } from "./http";

export class ApiServer {
  private readonly http = new JsonHttpServer((req, res) => this.handle(req, res));
  private readonly startedAt = Date.now();

  constructor(private readonly ctx: Omit<RoleContext, "signal">) {}

  async listen(host: string, port: number): Promise<number> {
    const bound = await this.http.listen(host, port);
    this.ctx.log.info({ at: "api.listen", host, port: bound }, "api listening");
    return bound;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => sendJson(res, status, body);
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method !== "GET") return json(405, { error: "method not allowed" });
      // A liveness probe must not restart a relayer whose validators are down: that cures nothing.
      if (url.pathname === "/health/live") return json(200, { ok: true, uptimeMs: Date.now() - this.startedAt });
      if (url.pathname === "/health") {
        const report = healthReport(this.ctx);
        return json(report.ok ? 200 : 503, { ...report, uptimeMs: Date.now() - this.startedAt });
      }
      if (url.pathname === "/metrics") {
        this.ctx.metrics.refreshFromStore(this.ctx.store);
        for (const [lane, health] of Object.entries(healthReport(this.ctx).lanes)) this.ctx.metrics.laneDegraded.set({ lane }, health.status === "degraded" ? 1 : 0);
        res.writeHead(200, { "content-type": this.ctx.metrics.registry.contentType });
        res.end(await this.ctx.metrics.registry.metrics());
        return;
      }
      if (url.pathname === "/status") return json(200, this.status());
      if (parts[0] === "messages" && parts.length === 2) {
        const message = this.ctx.store.messages.get(parts[1]);
        if (message === undefined) return json(404, { error: `unknown message ${parts[1]}` });
        return json(200, message);
      }
      if (parts[0] === "proof" && parts.length === 3) {
        const logIndex = Number(parts[2]);
        const message = Number.isInteger(logIndex) ? this.ctx.store.messages.byLog(parts[1], logIndex) : undefined;
        if (message === undefined) return json(404, { error: `no MessageSent log ${parts[2]} in transaction ${parts[1]} (or not final on its chain yet)` });
        const checkpoint = this.ctx.store.checkpoints.covering(message.destination, message.blockNumber);
        if (checkpoint === undefined) return json(409, { error: "not checkpointed yet", status: message.status });
        const proof = await buildMessageProof(this.ctx, message, checkpoint);
        return json(200, { messageId: message.id, destination: message.destination, finalizesAt: checkpoint.finalizesAt, proof: exitProofJson(proof) });
      }
      json(404, { error: "not found" });
    } catch (error) {
      this.ctx.log.warn({ at: "api.error", url: req.url, err: errorMessage(error) }, "request failed");
      json(500, { error: errorMessage(error) });
    }
  }

  private status() {
    const { store, config } = this.ctx;
    const chains = Object.fromEntries(
      CHAIN_NAMES.map((name) => [name, { chainId: config.chains[name].chainId, recordedHead: store.blocks.head(name)?.number ?? null, latestCheckpoint: store.checkpoints.latest(name) ?? null }]),
    );
    const messages: Record<string, Record<string, number>> = {};
    for (const row of store.messages.countsByStatus()) {
      const lane = `${row.source}->${row.destination}`;
      (messages[lane] ??= {})[row.status] = row.count;
    }
    return { chains, messages, lanes: healthReport(this.ctx).lanes, pendingTransactions: store.txs.countPending() };
  }
}
