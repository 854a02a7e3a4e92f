/**
 * The relayer's HTTP API (node:http): the operator console at / (./console), /health (503 while a
 * lane is degraded, ./health.ts), /health/live (200 while the process serves), /metrics
 * (Prometheus), /status, /messages/:id, /console/state and /console/lookup (the console's data),
 * and /proof/:txHash/:logIndex — the exit proof JSON a user passes to Messenger.relayMessage to
 * relay on their own. Read-only: no route changes anything. With SIDECHAIN_API_TOKEN set
 * (required off loopback), every route but /health/live needs it (./auth.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { errorMessage } from "../chain/provider";
import { CHAIN_NAMES } from "../config";
import type { RoleContext } from "../roles/context";
import { buildMessageProof, exitProofJson } from "../roles/proofs";
import { ApiAuth } from "./auth";
import { LookupError, MessageLookup } from "./console/lookup";
import { CONSOLE_CSS, CONSOLE_HTML } from "./console/page";
import { CONSOLE_SCRIPT } from "./console/script";
import { consoleState, type ConsoleMonitor } from "./console/state";
import { healthReport } from "./health";
import { JsonHttpServer, sendJson } from "./http";

/** The console's assets: same origin only, no inline code, never framed. */
const ASSET_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};
const ASSETS: Record<string, { type: string; body: string }> = {
  "/": { type: "text/html; charset=utf-8", body: CONSOLE_HTML },
  "/console/app.js": { type: "text/javascript; charset=utf-8", body: CONSOLE_SCRIPT },
  "/console/app.css": { type: "text/css; charset=utf-8", body: CONSOLE_CSS },
};

export class ApiServer {
  private readonly http = new JsonHttpServer((req, res) => this.handle(req, res));
  private readonly startedAt = Date.now();
  private readonly auth: ApiAuth;
  private readonly lookup: MessageLookup;

  /** `monitor`: the chain readings the console shows (balances, validator sets, clocks); the service passes its own. */
  constructor(
    private readonly ctx: Omit<RoleContext, "signal">,
    private readonly monitor?: ConsoleMonitor,
  ) {
    this.auth = new ApiAuth(ctx.config.api.token);
    this.lookup = new MessageLookup(ctx.config, ctx.store);
  }

  async listen(host: string, port: number): Promise<number> {
    const bound = await this.http.listen(host, port);
    this.ctx.log.info({ at: "api.listen", host, port: bound }, "api listening");
    return bound;
  }

  async close(): Promise<void> {
    await this.http.close();
    this.lookup.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => sendJson(res, status, body);
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method !== "GET" && req.method !== "HEAD") return json(405, { error: "method not allowed: the API is read-only" });
      if (!this.auth.check(req, res, url.pathname)) return;
      // A liveness probe must not restart a relayer whose validators are down: that cures nothing.
      if (url.pathname === "/health/live") return json(200, { ok: true, uptimeMs: Date.now() - this.startedAt });
      // Browsers ask for it on every page: no icon, and no 404 in the console's log.
      if (url.pathname === "/favicon.ico") {
        res.writeHead(204, ASSET_HEADERS);
        res.end();
        return;
      }
      const asset = ASSETS[url.pathname];
      if (asset !== undefined) {
        res.writeHead(200, { ...ASSET_HEADERS, "content-type": asset.type });
        res.end(req.method === "HEAD" ? undefined : asset.body);
        return;
      }
      if (url.pathname === "/console/state") return json(200, await consoleState(this.ctx, this.monitor, this.startedAt));
      if (url.pathname === "/console/lookup") {
        try {
          return json(200, await this.lookup.lookup(url.searchParams.get("q") ?? ""));
        } catch (error) {
          if (error instanceof LookupError) return json(error.httpStatus, { error: error.message, code: error.code });
          throw error;
        }
      }
      if (url.pathname === "/health") {
        const report = healthReport(this.ctx);
        return json(report.ok ? 200 : 503, { ...report, uptimeMs: Date.now() - this.startedAt });
      }
      if (url.pathname === "/metrics") {
        this.ctx.metrics.refresh(this.ctx);
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
