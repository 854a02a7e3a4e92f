/**
 * deploy/lib/chain.ts turns every failed transaction into one clear TransactionFailedError. A
 * deployment that reverts without data (a constructor's bare revert, out of gas, code too large)
 * used to crash the formatter with BUFFER_OVERRUN while it tried to decode the empty revert data.
 * Against a real node (anvil): ethers turns its JSON-RPC revert into the CALL_EXCEPTION that the
 * formatter reads, which Hardhat's in-process network does not.
 */
import { expect } from "chai";
import { id } from "ethers";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { connectChain } from "../../deploy/lib/chain";
import { TransactionFailedError } from "../../deploy/lib/errors";
import { devAccount, startAnvil, stopAllNodes, type RunningNode } from "./harness";

let node: RunningNode;

/** An artifacts folder whose "ValidatorSet" is `bytecode`, so that chain.deploy deploys it. */
function artifactsWith(bytecode: string, abi: unknown[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "artifacts-"));
  const folder = join(dir, "contracts", "ValidatorSet.sol");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "ValidatorSet.json"), JSON.stringify({ contractName: "ValidatorSet", abi, bytecode }));
  return dir;
}

async function chainWith(artifactsDir: string) {
  return connectChain("main", { rpcUrl: node.url, privateKey: devAccount(0).privateKey, pollingIntervalMs: 50 }, { rpcTimeoutMs: 5_000, txTimeoutMs: 30_000, artifactsDir });
}

async function deployError(artifactsDir: string): Promise<unknown> {
  const chain = await chainWith(artifactsDir);
  try {
    await chain.deploy("ValidatorSet", []);
  } catch (error) {
    return error;
  }
  throw new Error("expected the deployment to fail");
}

describe("deploy/lib chain: failed transactions (anvil)", function () {
  this.timeout(60_000);
  before(async () => {
    node = await startAnvil({ chainId: 31337 });
  });
  after(stopAllNodes);

  it("reports a constructor that reverts without data in one clear line", async function () {
    // PUSH1 0 PUSH1 0 REVERT: init code that reverts with empty data.
    const error = await deployError(artifactsWith("0x60006000fd"));
    expect(error, String(error)).to.be.instanceOf(TransactionFailedError);
    const message = (error as Error).message;
    expect(message).to.match(/main chain: deploy ValidatorSet failed: reverted without data \(a revert without reason, out of gas, or contract code over the size limit\)/);
    expect(message).to.not.match(/BUFFER_OVERRUN/);
    expect(message.split("\n")).to.have.length(1);
  });

  it("reports a constructor that runs out of gas in one clear line", async function () {
    // JUMPDEST PUSH1 0 JUMP: init code that loops until its gas is gone.
    const error = await deployError(artifactsWith("0x5b600056"));
    expect(error, String(error)).to.be.instanceOf(TransactionFailedError);
    expect((error as Error).message).to.not.match(/BUFFER_OVERRUN/);
    expect((error as Error).message.split("\n")).to.have.length(1);
  });

  it("still names a custom error the ABI knows", async function () {
    // Reverts with the selector of Oops(): mstore the 4 bytes at 0, revert(28, 4).
    const selector = id("Oops()").slice(2, 10);
    const error = await deployError(artifactsWith(`0x63${selector}6000526004601cfd`, ["error Oops()"]));
    expect((error as Error).message).to.match(/reverted: Oops\(\)/);
  });
});
