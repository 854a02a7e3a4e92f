/**
 * Validator: signs EIP-712 checkpoints with its own key, but only for ranges it rebuilt from its
 * own node — every block final at its confirmation depth, every header hashing to its hash,
 * every parent link intact, and the same block root as asked. Serves the signatures over HTTP
 * (`POST /attest`) on its own port, so proposers elsewhere can collect them; several validators
 * with different keys run as separate processes.
 *
 * Equivocation guard: every block hash it signs is kept (store `signed_blocks`), and it refuses
 * any range that gives one of those heights a different hash. Overlapping ranges over the same
 * blocks (two proposers cutting differently, a re-proposal after a revert) are still signed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Wallet } from "ethers";
import { z } from "zod";

import { JsonHttpServer, sendJson } from "../api/http";
import { CHECKPOINT_TYPES, checkpointDomain } from "../chain/abi";
import { fetchBlock } from "../chain/receipts";
import { verifyBlockHeader } from "../chain/header";
import { buildCheckpointTree } from "../proof/checkpointTree";
import { CHAIN_NAMES, otherChain } from "../config";
import { RelayerError } from "../errors";
import type { RoleContext } from "./context";

/** A larger range would let any caller make us fetch unbounded blocks. */
export const MAX_ATTEST_BLOCKS = 2_048;

export class AttestationRefusedError extends RelayerError {
  readonly code = "ATTESTATION_REFUSED";
  readonly retryable = false;
  constructor(reason: string, readonly status = 422) {
    super(reason);
  }
}

const requestSchema = z.object({
  sourceChainId: z.coerce.number().int().positive(),
  destinationChainId: z.coerce.number().int().positive(),
  startBlock: z.coerce.number().int().nonnegative(),
  endBlock: z.coerce.number().int().nonnegative(),
  blockRoot: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
});

export type AttestRequest = z.infer<typeof requestSchema>;

export class Validator {
  private readonly wallet: Wallet;
  private readonly http = new JsonHttpServer((req, res) => this.handle(req, res));

  constructor(private readonly ctx: RoleContext, privateKey: string) {
    this.wallet = new Wallet(privateKey);
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Checks the range against our own node and signs it. @throws AttestationRefusedError */
  async attest(raw: unknown): Promise<{ signer: string; signature: string }> {
    const parsed = requestSchema.safeParse(raw);
    if (!parsed.success) throw new AttestationRefusedError(`bad request: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`, 400);
    const req = parsed.data;
    const source = CHAIN_NAMES.find((n) => this.ctx.config.chains[n].chainId === req.sourceChainId);
    if (source === undefined || this.ctx.config.chains[otherChain(source)].chainId !== req.destinationChainId) {
      throw new AttestationRefusedError(`unknown lane ${req.sourceChainId} -> ${req.destinationChainId}`);
    }
    const destination = otherChain(source);
    if (req.endBlock < req.startBlock || req.endBlock - req.startBlock + 1 > MAX_ATTEST_BLOCKS) {
      throw new AttestationRefusedError(`range [${req.startBlock}, ${req.endBlock}] is empty or longer than ${MAX_ATTEST_BLOCKS} blocks`);
    }
    const blockRoot = req.blockRoot.toLowerCase();
    const signer = this.wallet.address.toLowerCase();
    const known = this.ctx.store.attestations.find(source, destination, req.startBlock, req.endBlock, blockRoot, signer);
    if (known !== undefined) return { signer: this.wallet.address, signature: known.signature };

    // Only final blocks: a block above our depth may still be reorged away after we signed.
    const safe = await this.safeHead(source);
    if (req.endBlock > safe) throw new AttestationRefusedError(`block ${req.endBlock} is not final on ${source} yet (safe head ${safe})`, 409);

    const rpc = this.ctx.rpc[source];
    const blocks = [];
    let parent: string | undefined;
    for (let n = req.startBlock; n <= req.endBlock; n++) {
      const block = await fetchBlock(rpc, n);
      const { hash } = verifyBlockHeader(block);
      if (parent !== undefined && block.parentHash.toLowerCase() !== parent) throw new AttestationRefusedError(`block ${n}: broken parent link (node reorged?)`, 409);
      parent = hash;
      blocks.push({ number: n, hash, receiptsRoot: block.receiptsRoot });
    }
    const root = buildCheckpointTree(blocks).root;
    if (root !== blockRoot) throw new AttestationRefusedError(`block root ${blockRoot} differs from ${root}, rebuilt from our node`);
    // Our node could have reorged below its confirmation depth since we last signed: never vouch
    // for a second hash at a height we already signed (that pair of signatures is equivocation).
    const conflict = this.ctx.store.attestations.vouch(source, destination, signer, blocks);
    if (conflict !== undefined) {
      this.ctx.log.error({ at: "validator.equivocation", source, destination, ...conflict }, "refused to sign a block that conflicts with one we signed: our node reorged below the confirmation depth");
      throw new AttestationRefusedError(`block ${conflict.number} was signed as ${conflict.signed}; refusing to sign ${conflict.asked} (equivocation)`, 409);
    }

    const dest = this.ctx.config.chains[destination];
    const signature = await this.wallet.signTypedData(checkpointDomain(dest.chainId, dest.contracts.CheckpointManager), CHECKPOINT_TYPES, {
      sourceChainId: req.sourceChainId,
      startBlock: req.startBlock,
      endBlock: req.endBlock,
      blockRoot,
    });
    this.ctx.store.attestations.record({ source, destination, startBlock: req.startBlock, endBlock: req.endBlock, blockRoot, signer, signature });
    this.ctx.log.info({ at: "validator.attest", source, destination, startBlock: req.startBlock, endBlock: req.endBlock, blockRoot }, "signed checkpoint");
    return { signer: this.wallet.address, signature };
  }

  private async safeHead(chain: "main" | "child"): Promise<number> {
    const { confirmations } = this.ctx.config.chains[chain];
    if (confirmations === "finalized") return Number(BigInt((await fetchBlock(this.ctx.rpc[chain], "finalized")).number));
    return Number(await this.ctx.rpc[chain].blockNumber()) - confirmations;
  }

  /** Starts the HTTP server; resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const bound = await this.http.listen(host, port);
    this.ctx.log.info({ at: "validator.listen", host, port: bound, signer: this.wallet.address }, "validator listening");
    return bound;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => sendJson(res, status, body);
    try {
      if (req.method === "GET" && req.url === "/health") return send(200, { ok: true, signer: this.wallet.address });
      if (req.method !== "POST" || req.url !== "/attest") return send(404, { error: "not found" });
      let body = "";
      for await (const chunk of req) {
        body += chunk;
        if (body.length > 10_000) return send(413, { error: "request too large" });
      }
      send(200, await this.attest(JSON.parse(body)));
    } catch (error) {
      const status = error instanceof AttestationRefusedError ? error.status : error instanceof SyntaxError ? 400 : 500;
      const code = error instanceof RelayerError ? error.code : "INTERNAL";
      if (status >= 500) this.ctx.log.error({ at: "validator.attest", err: (error as Error).message }, "attestation failed");
      send(status, { error: (error as Error).message, code });
    }
  }
}
