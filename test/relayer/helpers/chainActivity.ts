/**
 * Real blocks for the relayer tests, mined by Hardhat's in-process network: every transaction
 * type Hardhat mines (legacy, EIP-2930, EIP-1559, EIP-7702), contract creations, reverted
 * transactions, logs, an empty block, a one-transaction block and a block of 100+ transactions.
 *
 * The contracts are a few bytes of hand-written EVM code rather than Solidity so these tests do
 * not depend on contracts/ compiling.
 */
import { ethers, network } from "hardhat";
import type { BaseWallet, TransactionRequest } from "ethers";

/** Runtime: LOG2(calldata, topic0 = 0xaa, topic1 = caller), then LOG0(calldata). */
const LOGGER_RUNTIME = "365f5f373360aa365fa2365fa000";
/** Constructor: LOG1(topic0 = 0xbb), then return LOGGER_RUNTIME (14 bytes, copied from offset 14). */
export const LOGGER_INIT_CODE = `0x60bb5f5fa1600e80600e5f395ff3${LOGGER_RUNTIME}`;
/** Runtime `REVERT(0, 0)`: every call to it fails with status 0. */
const REVERTER_INIT_CODE = "0x60038060095f395ff35f5ffd";
/** A constructor that reverts: a failed contract creation. */
const FAILING_CONSTRUCTOR_INIT_CODE = "0x5f5ffd";

export const LOGGER_TOPIC = ethers.zeroPadValue("0xaa", 32);

export interface MinedChain {
  /** First and last block mined by the fixture (earlier blocks may come from other test files). */
  firstBlock: number;
  lastBlock: number;
  /** Block numbers worth looking at, by what they contain. */
  blocks: {
    deployments: number;
    legacy: number;
    accessList: number;
    dynamicFee: number;
    setCode: number;
    reverted: number;
    mixed: number;
    single: number;
    empty: number;
    large: number;
  };
  loggerAddress: string;
  /** Transactions of `blocks.mixed`, in sending order: each emits logs, so the block has many. */
  mixedTxHashes: string[];
}

/** Mines the chain once; use with `loadFixture(mineTestChain)`. */
export async function mineTestChain(): Promise<MinedChain> {
  const firstBlock = (await ethers.provider.getBlockNumber()) + 1;
  const [funder] = await ethers.getSigners();
  const wallets = Array.from({ length: 6 }, () => ethers.Wallet.createRandom().connect(ethers.provider));
  for (const wallet of wallets) await funder.sendTransaction({ to: wallet.address, value: ethers.parseEther("100") });
  const nonces = new Map<string, number>(wallets.map((w) => [w.address, 0]));
  const { chainId } = await ethers.provider.getNetwork();
  const feeData = await ethers.provider.getFeeData();
  const gasPrice = (feeData.gasPrice ?? 10n ** 9n) * 2n;

  // Wallets sign locally (eth_sendRawTransaction), so the type is the one asked for: Hardhat's
  // own signer re-derives it and turns type 0/1 requests into type 2.
  const send = async (wallet: BaseWallet, tx: TransactionRequest): Promise<string> => {
    const nonce = nonces.get(wallet.address)!;
    nonces.set(wallet.address, nonce + 1);
    const typed: TransactionRequest =
      tx.type === 0 || tx.type === 1
        ? { gasPrice, ...tx }
        : { maxFeePerGas: gasPrice, maxPriorityFeePerGas: 10n ** 8n, ...tx };
    const response = await wallet.sendTransaction({ chainId, nonce, gasLimit: 300_000, ...typed });
    return response.hash;
  };
  const mineBlock = async (sends: () => Promise<unknown>): Promise<number> => {
    await network.provider.send("evm_setAutomine", [false]);
    try {
      await sends();
      await network.provider.send("evm_mine", []);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
    return Number(await ethers.provider.getBlockNumber());
  };
  const [alice, bob, carol, dave, erin, frank] = wallets;

  let loggerAddress = "";
  let reverterAddress = "";
  const deployments = await mineBlock(async () => {
    loggerAddress = ethers.getCreateAddress({ from: alice.address, nonce: nonces.get(alice.address)! });
    await send(alice, { type: 2, data: LOGGER_INIT_CODE });
    reverterAddress = ethers.getCreateAddress({ from: alice.address, nonce: nonces.get(alice.address)! });
    await send(alice, { type: 0, data: REVERTER_INIT_CODE });
    await send(bob, { type: 2, data: FAILING_CONSTRUCTOR_INIT_CODE });
  });
  const legacy = await mineBlock(() => send(alice, { type: 0, to: loggerAddress, data: "0x01" }));
  const accessList = await mineBlock(() =>
    send(bob, { type: 1, to: loggerAddress, data: "0x0202", accessList: [{ address: loggerAddress, storageKeys: [ethers.ZeroHash] }] }),
  );
  const dynamicFee = await mineBlock(() => send(carol, { type: 2, to: loggerAddress, data: "0x030303" }));
  const setCode = await mineBlock(async () => {
    const authorization = await dave.authorize({ address: loggerAddress, nonce: nonces.get(dave.address)! + 1 });
    await send(dave, { type: 4, to: dave.address, data: "0x04", authorizationList: [authorization] });
    // A self-sponsored authorization bumps the sender's nonce once more.
    nonces.set(dave.address, nonces.get(dave.address)! + 1);
  });
  const reverted = await mineBlock(async () => {
    await send(erin, { type: 2, to: reverterAddress, data: "0x05" });
    await send(erin, { type: 0, to: reverterAddress });
  });

  const mixedTxHashes: string[] = [];
  const mixed = await mineBlock(async () => {
    for (const [i, wallet] of [alice, bob, carol, alice, erin].entries()) {
      mixedTxHashes.push(await send(wallet, { type: i % 3, to: loggerAddress, data: ethers.toBeHex(i + 1, 4) }));
    }
  });
  const single = await mineBlock(() => send(frank, { type: 2, to: frank.address, value: 1n }));
  const empty = await mineBlock(async () => undefined);

  const large = await mineBlock(async () => {
    for (let i = 0; i < 130; i++) {
      const wallet = wallets[i % wallets.length];
      const type = i % 3;
      // Every 10th call reverts, every other one logs, the rest are plain transfers.
      const tx: TransactionRequest =
        i % 10 === 9
          ? { type, to: reverterAddress }
          : i % 2 === 0
            ? { type, to: loggerAddress, data: ethers.toBeHex(i, 2) }
            : { type, to: funder.address, value: BigInt(i) };
      await send(wallet, tx);
    }
  });

  return {
    firstBlock,
    lastBlock: large,
    blocks: { deployments, legacy, accessList, dynamicFee, setCode, reverted, mixed, single, empty, large },
    loggerAddress,
    mixedTxHashes,
  };
}

/** Raw `eth_getBlockByNumber` of every block from genesis to the latest. */
export async function allRawBlocks(): Promise<Record<string, unknown>[]> {
  const latest = Number(await ethers.provider.getBlockNumber());
  const blocks: Record<string, unknown>[] = [];
  for (let n = 0; n <= latest; n++) {
    blocks.push(await network.provider.send("eth_getBlockByNumber", [ethers.toQuantity(n), false]));
  }
  return blocks;
}
