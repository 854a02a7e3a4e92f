/**
 * Carrying a message across by hand, without the relayer service: what the relayer's proposer
 * and executor do, spelt out with plain ethers on the two nodes' providers and the relayer
 * library's proof functions. The end-to-end tests use it to show that a fresh deployment works
 * before any relayer runs, and it is the reference the relayer's behaviour can be compared with.
 */
import { Contract, concat, getAddress, hexlify, type JsonRpcProvider, type TransactionReceipt, type Wallet } from "ethers";

import { loadArtifact, type DeployableContract, type DeploymentFile } from "../../deploy/lib";
import { buildCheckpointTree, fetchBlock, proveLog, type ExitProof } from "../../relayer/src";
import { CHECKPOINT_TYPES, checkpointDomain } from "../../relayer/src/chain/abi";

/** A contract of a deployment file, connected to `runner`. */
export function deployed(file: DeploymentFile, name: DeployableContract, runner: Wallet | JsonRpcProvider): Contract {
  const record = file.contracts[name];
  if (record === undefined) throw new Error(`${file.network}.json records no ${name}`);
  return new Contract(record.address, loadArtifact(name).abi, runner);
}

export interface ChainEnd {
  provider: JsonRpcProvider;
  chainId: number;
  deployment: DeploymentFile;
}

export interface SubmittedCheckpoint {
  id: bigint;
  startBlock: bigint;
  endBlock: bigint;
  blockRoot: string;
}

/**
 * Checkpoints the source chain's blocks from the destination's next start block through
 * `endBlock`, signed by every validator, and submits it on the destination with `proposer`
 * (who bonds first if needed).
 */
export async function submitCheckpoint(args: {
  source: ChainEnd;
  destination: ChainEnd;
  validators: Wallet[];
  proposer: Wallet;
  endBlock: bigint;
}): Promise<SubmittedCheckpoint> {
  const { source, destination, validators, proposer } = args;
  const manager = deployed(destination.deployment, "CheckpointManager", proposer);
  const validatorSet = deployed(destination.deployment, "ValidatorSet", proposer);

  const [id, startBlock, previousBlockRoot] = (await manager.head()) as [bigint, bigint, string];
  const blocks = [];
  for (let n = startBlock; n <= args.endBlock; n++) blocks.push(await fetchBlock(source.provider, n));
  const tree = buildCheckpointTree(blocks.map((b) => ({ number: b.number, hash: b.hash, receiptsRoot: b.receiptsRoot })));
  const checkpoint = { startBlock, endBlock: args.endBlock, blockRoot: tree.root };

  // Signer indices follow the on-chain set's order, whatever order the wallets come in.
  // Copied: ethers results are read-only, and encoding them back as arguments writes into them.
  const packed = [...((await validatorSet.packedValidators()) as string[])];
  const order = packed.map((entry) => getAddress(`0x${entry.slice(2, 42)}`));
  const signing = validators
    .map((wallet) => ({ wallet, index: order.indexOf(wallet.address) }))
    .filter((s) => s.index >= 0)
    .sort((a, b) => a.index - b.index);
  const domain = checkpointDomain(destination.chainId, await manager.getAddress());
  const value = { sourceChainId: source.chainId, ...checkpoint };
  const signatures = await Promise.all(signing.map((s) => s.wallet.signTypedData(domain, CHECKPOINT_TYPES, value)));

  const [required] = (await manager.submissionBond(proposer.address)) as [bigint, bigint];
  const [bond] = (await manager.bondOf(proposer.address)) as [bigint, bigint];
  if (bond < required) await (await manager.depositBond({ value: required - bond })).wait();

  const signers = hexlify(Uint8Array.from(signing.map((s) => s.index)));
  await (await manager.submitCheckpoint(checkpoint, previousBlockRoot, packed, signers, concat(signatures))).wait();
  return { id, ...checkpoint };
}

/** Moves the destination's clock past the challenge period and mines a block with that time. */
export async function passChallengePeriod(destination: ChainEnd): Promise<void> {
  const manager = deployed(destination.deployment, "CheckpointManager", destination.provider);
  const period = (await manager.challengePeriod()) as bigint;
  await destination.provider.send("evm_increaseTime", [Number(period) + 1]);
  await destination.provider.send("evm_mine", []);
}

/** Exit proofs of every MessageSent log that the source Messenger emitted in `receipt`. */
export async function proveMessages(source: ChainEnd, receipt: TransactionReceipt, checkpoint: SubmittedCheckpoint): Promise<ExitProof[]> {
  const messenger = deployed(source.deployment, "Messenger", source.provider);
  const topic = messenger.interface.getEvent("MessageSent")!.topicHash;
  const address = (await messenger.getAddress()).toLowerCase();
  const logs = receipt.logs.filter((l) => l.address.toLowerCase() === address && l.topics[0] === topic);
  if (logs.length === 0) throw new Error(`transaction ${receipt.hash} sent no message`);
  return Promise.all(logs.map((log) => proveLog(source.provider, { txHash: receipt.hash, logIndex: log.index, checkpoint })));
}

/**
 * Carries the messages of `receipt` from source to destination: checkpoint through its block,
 * challenge period, proofs, relay. Returns the relay receipts.
 */
export async function carryMessages(args: {
  source: ChainEnd;
  destination: ChainEnd;
  receipt: TransactionReceipt;
  validators: Wallet[];
  proposer: Wallet;
  relayer: Wallet;
}): Promise<TransactionReceipt[]> {
  const checkpoint = await submitCheckpoint({ ...args, endBlock: BigInt(args.receipt.blockNumber) });
  await passChallengePeriod(args.destination);
  const proofs = await proveMessages(args.source, args.receipt, checkpoint);
  const messenger = deployed(args.destination.deployment, "Messenger", args.relayer);
  const receipts: TransactionReceipt[] = [];
  for (const proof of proofs) receipts.push((await (await messenger.relayMessage(proof)).wait())!);
  return receipts;
}
