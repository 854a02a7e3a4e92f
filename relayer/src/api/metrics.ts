/** Prometheus metrics (prom-client), one registry per service instance so tests can run several. */
import { Counter, Gauge, Registry } from "prom-client";

import type { Store } from "../store";
import { MESSAGE_STATUSES } from "../store/messages";

export class Metrics {
  readonly registry = new Registry();
  readonly chainHeight = new Gauge({ name: "sidechain_chain_height", help: "Block heights per chain (kind: head, safe, recorded)", labelNames: ["chain", "kind"], registers: [this.registry] });
  readonly checkpointLag = new Gauge({ name: "sidechain_checkpoint_lag_blocks", help: "Safe source blocks not yet checkpointed on the destination", labelNames: ["lane"], registers: [this.registry] });
  readonly messages = new Gauge({ name: "sidechain_messages", help: "Messages by lane and status (pending = sent|checkpointed|final)", labelNames: ["lane", "status"], registers: [this.registry] });
  readonly checkpointsSubmitted = new Counter({ name: "sidechain_checkpoints_submitted_total", help: "Checkpoints this relayer submitted", labelNames: ["lane"], registers: [this.registry] });
  readonly challenges = new Counter({ name: "sidechain_challenges_total", help: "Challenges observed (CheckpointsReverted) or submitted", labelNames: ["chain"], registers: [this.registry] });
  readonly bondBalance = new Gauge({ name: "sidechain_bond_balance_wei", help: "Proposer bond per checkpoint manager (wei, as a float)", labelNames: ["chain"], registers: [this.registry] });
  readonly rpcErrors = new Counter({ name: "sidechain_rpc_errors_total", help: "Failed JSON-RPC attempts", labelNames: ["chain", "code"], registers: [this.registry] });
  readonly reorgs = new Counter({ name: "sidechain_reorgs_total", help: "Reorgs detected by the watchers", labelNames: ["chain"], registers: [this.registry] });
  readonly relayed = new Counter({ name: "sidechain_relays_total", help: "Relay transactions by outcome", labelNames: ["lane", "outcome"], registers: [this.registry] });
  readonly validatorMissed = new Counter({ name: "sidechain_validator_missed_total", help: "Signature rounds in which a validator of the set gave no valid signature", labelNames: ["lane", "validator"], registers: [this.registry] });
  readonly laneDegraded = new Gauge({ name: "sidechain_lane_degraded", help: "1 while a lane cannot reach the quorum or its messages wait too long for a checkpoint (see /health)", labelNames: ["lane"], registers: [this.registry] });

  /** Message counts come from the store at scrape time, so they survive restarts. */
  refreshFromStore(store: Store): void {
    this.messages.reset();
    for (const lane of ["main->child", "child->main"]) for (const status of [...MESSAGE_STATUSES, "pending"]) this.messages.set({ lane, status }, 0);
    for (const row of store.messages.countsByStatus()) {
      const lane = `${row.source}->${row.destination}`;
      this.messages.inc({ lane, status: row.status }, row.count);
      if (row.status === "sent" || row.status === "checkpointed" || row.status === "final") this.messages.inc({ lane, status: "pending" }, row.count);
    }
  }
}
