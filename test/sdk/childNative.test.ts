/**
 * The SDK's child-native token flows and asset claims on the test kit (createTestBridge(hre): both
 * sides on the in-process network, real checkpoints and proofs): a dapp's ERC20, ERC721 and
 * ERC1155 registered by their owner, exited to the main chain (MainMintable token at the predicted
 * address), returned, each message followed with getMessageStatus; the ERC721 guard (an exited id
 * stays locked, so it can be neither minted again nor exited twice); releases that a refusing
 * receiver got credited, claimed with claimERC721 / claimERC1155 / claimReturn; and the typed
 * errors, thrown before anything is sent. The `sidechain` commands for them run in this process
 * against the same network served over JSON-RPC (no devnet, no child process).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Contract, Signer } from "ethers";

import {
  BridgeClient,
  ChildNativeAlreadyRegisteredError,
  ChildNativeNotRegisteredError,
  InsufficientBalanceError,
  InsufficientCreditError,
  InvalidArgumentError,
  NotTokenOwnerError,
  RelayerError,
  ReleaseNotDueError,
  UnknownTokenError,
  type BridgeTransfer,
} from "../../relayer/src";
import { main as sidechain } from "../../relayer/src/cli";
import { createTestBridge, type TestBridge } from "../../relayer/src/testing";
import { makeTempDir } from "../../relayer/src/devnet/localChains";
import { expectRejection } from "../relayer/helpers/assertions";

async function fixture() {
  const bridge = await createTestBridge(hre);
  const [, alice, bob] = await ethers.getSigners();
  // The kit describes its contracts as deployment files do: the SDK runs on its chains as on real ones.
  const deployments = bridge.deployments;
  const clientOf = (signer: Signer) => new BridgeClient({ main: signer, child: signer, deployments });
  // The dapp's own tokens, created on the child chain; alice owns the contracts.
  const gold = (await ethers.deployContract("DappERC20", [], alice)) as unknown as Contract;
  const swords = (await ethers.deployContract("DappERC721", [], alice)) as unknown as Contract;
  const potions = (await ethers.deployContract("DappERC1155", [], alice)) as unknown as Contract;
  await gold.mint(alice.address, 1_000n);
  for (const id of [1n, 2n, 3n]) await swords.mint(alice.address, id, `ipfs://swords/${id}`);
  await potions.mint(alice.address, 7n, 50n);
  await potions.mint(alice.address, 8n, 20n);
  // A contract that refuses NFTs (mode 1): releases to it are credited instead.
  const refuser = (await ethers.deployContract("AssetReceiverHazard", [await bridge.main.rootAssetBridge.getAddress()])) as unknown as Contract;
  await refuser.setMode(1);
  return { bridge, alice, bob, client: clientOf(alice), bobClient: clientOf(bob), clientOf, gold, swords, potions, refuser };
}

async function expectStatus(client: BridgeClient, transfer: BridgeTransfer, status: string): Promise<void> {
  const read = await client.getMessageStatus(transfer.txHash);
  expect(read.messageId).to.equal(transfer.messageId);
  expect(read.status).to.equal(status);
}

/** Relays everything pending and checks that `transfer`'s message went through as "relayed". */
async function relay(bridge: TestBridge, client: BridgeClient, transfer: BridgeTransfer): Promise<void> {
  await expectStatus(client, transfer, "sent");
  const delivered = await bridge.relayAll();
  expect(delivered.find((d) => d.messageId === transfer.messageId)?.success).to.equal(true);
  await expectStatus(client, transfer, "relayed");
}

/** A signer for a contract address (the refusing receiver claims its credit), on the in-process network. */
async function actAs(address: string): Promise<Signer> {
  await ethers.provider.send("hardhat_impersonateAccount", [address]);
  await ethers.provider.send("hardhat_setBalance", [address, "0xDE0B6B3A7640000"]);
  return ethers.getSigner(address);
}

function expectCode(error: RelayerError, code: string): void {
  expect(error).to.be.instanceOf(RelayerError);
  expect(error.code).to.equal(code);
  expect(error.retryable).to.equal(false);
}

describe("SDK: tokens created on the child chain, and asset claims", function () {
  it("refuses unregistered tokens, strangers, wrong kinds and unknown tokens with typed errors, sending nothing", async function () {
    const { client, bobClient, alice, bob, gold, swords, bridge } = await loadFixture(fixture);
    const nonces = [await ethers.provider.getTransactionCount(alice.address), await ethers.provider.getTransactionCount(bob.address)];
    const goldAddress = await gold.getAddress();

    const notRegistered = await expectRejection(client.exitERC20(goldAddress, 10n), ChildNativeNotRegisteredError, /not registered for exit/);
    expectCode(notRegistered, "CHILD_NATIVE_NOT_REGISTERED");
    expect(notRegistered.token).to.equal(goldAddress);
    expectCode(await expectRejection(client.getMainToken(goldAddress), ChildNativeNotRegisteredError), "CHILD_NATIVE_NOT_REGISTERED");
    const stranger = await expectRejection(bobClient.registerChildNative(goldAddress, "ERC20"), NotTokenOwnerError, /is not the owner/);
    expectCode(stranger, "NOT_TOKEN_OWNER");
    expect(stranger.owner).to.equal(alice.address);
    // Registration is final: an ERC20 is not registered as an ERC721 by mistake.
    expectCode(await expectRejection(client.registerChildNative(goldAddress, "ERC721"), InvalidArgumentError, /does not implement ERC721/), "INVALID_ARGUMENT");
    // The kit's relayer-side contracts are no dapp token: the messenger has no owner().
    expectCode(await expectRejection(client.registerChildNative(await bridge.child.messenger.getAddress(), "ERC20"), NotTokenOwnerError, /has no owner/), "NOT_TOKEN_OWNER");
    expectCode(await expectRejection(client.exitERC721(ethers.Wallet.createRandom().address, 1n), UnknownTokenError, /no contract/), "UNKNOWN_TOKEN");
    expectCode(await expectRejection(client.returnERC20(goldAddress, 1n), UnknownTokenError, /no MainMintable token/), "UNKNOWN_TOKEN");
    await expectRejection(client.withdrawERC721(await swords.getAddress(), 1n), UnknownTokenError);

    expect([await ethers.provider.getTransactionCount(alice.address), await ethers.provider.getTransactionCount(bob.address)]).to.deep.equal(nonces);

    await client.registerChildNative(goldAddress, "ERC20");
    expectCode(await expectRejection(client.registerChildNative(goldAddress, "ERC20"), ChildNativeAlreadyRegisteredError, /registered as an ERC20 already/), "CHILD_NATIVE_ALREADY_REGISTERED");
    expectCode(await expectRejection(client.exitERC721(goldAddress, 1n), ChildNativeNotRegisteredError, /registered for exit as an ERC20, not an ERC721/), "CHILD_NATIVE_NOT_REGISTERED");
  });

  it("exits a child-chain ERC20 to its predicted MainMintable token and returns part of it", async function () {
    const { bridge, client, bobClient, alice, bob, gold } = await loadFixture(fixture);
    const goldAddress = await gold.getAddress();
    await client.registerChildNative(goldAddress, "ERC20");
    const predicted = await client.getMainToken(goldAddress);
    expect(predicted).to.deep.include({ childToken: goldAddress, kind: "ERC20", deployed: false });

    await expectRejection(client.exitERC20(goldAddress, 1_001n), InsufficientBalanceError, / GOLD < .* GOLD/);
    const exit = await client.exitERC20(goldAddress, 600n, { to: bob.address });
    expect(exit.direction).to.equal("child->main");
    await relay(bridge, client, exit);

    expect(await client.getMainToken(goldAddress)).to.deep.equal({ ...predicted, deployed: true });
    const mainGold = await ethers.getContractAt("MainMintableERC20", predicted.mainToken);
    expect([await mainGold.balanceOf(bob.address), await mainGold.symbol(), await mainGold.decimals()]).to.deep.equal([600n, "GOLD", 18n]);
    const lockbox = await bridge.child.childAssetBridge.childLockbox();
    expect(await gold.balanceOf(lockbox)).to.equal(600n);

    // Named by its child token: the SDK finds the MainMintable token.
    const back = await bobClient.returnERC20(goldAddress, 250n, { to: alice.address });
    expect(back.direction).to.equal("main->child");
    await relay(bridge, client, back);
    expect(await gold.balanceOf(alice.address)).to.equal(650n);
    // Supply on main + nothing in flight = what the lockbox holds.
    expect(await mainGold.totalSupply()).to.equal(await gold.balanceOf(lockbox));
  });

  it("reports an exit minted over the asset bridge's inbound limit as queued, and executes it once due", async function () {
    const { bridge, client, bob, gold } = await loadFixture(fixture);
    const goldAddress = await gold.getAddress();
    await client.registerChildNative(goldAddress, "ERC20");
    // Child-chain tokens are limited under their child token's address on the main asset bridge too.
    const INBOUND = 1;
    await bridge.main.rootAssetBridge.setRateLimit(goldAddress, INBOUND, { capacity: 1_000n, ratePerSecond: 1n, maxTransfer: 100n, largeTransferDelay: 3_600n });
    const limit = await client.getRateLimit(goldAddress, "main", "Inbound", { assets: true });
    expect([limit.enabled, limit.limit.maxTransfer, limit.limit.largeTransferDelay]).to.deep.equal([true, 100n, 3_600]);
    expect((await client.getRateLimit(goldAddress, "main", "Inbound")).enabled).to.equal(false);

    const exit = await client.exitERC20(goldAddress, 150n, { to: bob.address });
    await bridge.relayAll();
    const status = await client.getMessageStatus(exit.txHash);
    if (status.status !== "queued") expect.fail(`expected queued, got ${status.status}`);
    const mainGold = await ethers.getContractAt("MainMintableERC20", (await client.getMainToken(goldAddress)).mainToken);
    expect(await mainGold.balanceOf(bob.address)).to.equal(0n);

    const early = await expectRejection(client.executeQueuedRelease(exit.txHash), ReleaseNotDueError);
    expect(early.releasableAt).to.equal(status.releasableAt);
    await time.increaseTo(status.releasableAt);
    expect((await client.executeQueuedRelease(exit.txHash)).outcome).to.equal("executed");
    expect(await mainGold.balanceOf(bob.address)).to.equal(150n);
    await expectStatus(client, exit, "relayed");
  });

  it("exits ERC721 ids, keeps each locked while it lives on the main chain, and returns one", async function () {
    const { bridge, client, alice, swords } = await loadFixture(fixture);
    const swordsAddress = await swords.getAddress();
    await client.registerChildNative(swordsAddress, "ERC721");
    const exit = await client.exitERC721(swordsAddress, [1n, 2n]);
    await relay(bridge, client, exit);

    const { mainToken, deployed } = await client.getMainToken(swordsAddress);
    expect(deployed).to.equal(true);
    const mainSwords = await ethers.getContractAt("MainMintableERC721", mainToken);
    expect([await mainSwords.ownerOf(1n), await mainSwords.tokenURI(1n)]).to.deep.equal([alice.address, "ipfs://swords/1"]);
    // The guard: the id exists on the child chain, in the lockbox, so the dapp cannot mint it
    // again and nobody can exit it a second time while it is on the main chain.
    const lockbox = await bridge.child.childAssetBridge.childLockbox();
    expect(await swords.ownerOf(1n)).to.equal(lockbox);
    await expect(swords.mint(alice.address, 1n, "ipfs://forged")).to.be.revertedWithCustomError(swords, "ERC721InvalidSender");
    await expectRejection(client.exitERC721(swordsAddress, 1n), InsufficientBalanceError, /#1/);
    expect(await bridge.child.childAssetBridge.lockedAmount(swordsAddress, 1n)).to.equal(1n);

    const back = await client.returnERC721(mainToken, 1n);
    await relay(bridge, client, back);
    expect(await swords.ownerOf(1n)).to.equal(alice.address);
    expect(await bridge.child.childAssetBridge.lockedAmount(swordsAddress, 1n)).to.equal(0n);
    await expect(mainSwords.ownerOf(1n)).to.be.revertedWithCustomError(mainSwords, "ERC721NonexistentToken");
    expect(await mainSwords.ownerOf(2n)).to.equal(alice.address);
  });

  it("exits an ERC1155 batch and returns part of one id", async function () {
    const { bridge, client, alice, potions } = await loadFixture(fixture);
    const potionsAddress = await potions.getAddress();
    await client.registerChildNative(potionsAddress, "ERC1155");
    await expectRejection(client.exitERC1155(potionsAddress, [7n, 8n], [50n, 21n]), InsufficientBalanceError, /id 8/);
    const exit = await client.exitERC1155(potionsAddress, [7n, 8n], [30n, 20n]);
    await relay(bridge, client, exit);

    const { mainToken } = await client.getMainToken(potionsAddress);
    const mainPotions = await ethers.getContractAt("MainMintableERC1155", mainToken);
    expect(await mainPotions.balanceOfBatch([alice.address, alice.address], [7n, 8n])).to.deep.equal([30n, 20n]);

    const back = await client.returnERC1155(potionsAddress, 8n, 5n);
    await relay(bridge, client, back);
    expect(await potions.balanceOfBatch([alice.address, alice.address], [7n, 8n])).to.deep.equal([20n, 5n]);
    const lockbox = await bridge.child.childAssetBridge.childLockbox();
    expect(await potions.balanceOfBatch([lockbox, lockbox], [7n, 8n])).to.deep.equal([30n, 15n]);
  });

  it("claims an ERC721, an ERC1155 and a child-native return that a refusing receiver got credited", async function () {
    const { bridge, client, clientOf, alice, swords, refuser } = await loadFixture(fixture);
    const receiver = await refuser.getAddress();
    const nft = (await ethers.deployContract("TestERC721", ["Main Apes", "MAPE"])) as unknown as Contract;
    const items = (await ethers.deployContract("TestERC1155")) as unknown as Contract;
    await nft.mint(alice.address, 5n, "ipfs://apes/5");
    await nft.mint(alice.address, 6n, "ipfs://apes/6");
    await items.mint(alice.address, 9n, 40n, "ipfs://items/9");
    const nftAddress = await nft.getAddress();
    const itemsAddress = await items.getAddress();
    // Two ids: depositERC721Batch; the ERC1155 withdrawal below has a gas floor: withdrawERC1155Batch.
    await relay(bridge, client, await client.depositERC721(nftAddress, [5n, 6n]));
    await relay(bridge, client, await client.depositERC1155(itemsAddress, 9n, 40n));

    // The releases fail at the receiver: the withdrawals are relayed, their tokens credited to it.
    const nftWithdrawal = await client.withdrawERC721(nftAddress, 5n, { to: receiver });
    await relay(bridge, client, nftWithdrawal);
    await relay(bridge, client, await client.withdrawERC1155(itemsAddress, 9n, 40n, { to: receiver, gasLimit: 400_000n }));
    const roots = bridge.main.rootAssetBridge;
    expect(await roots.erc721CreditOf(nftAddress, 5n)).to.equal(receiver);
    expect(await (await ethers.getContractAt("ChildERC721", await bridge.child.childAssetBridge.childTokenOf(nftAddress))).ownerOf(6n)).to.equal(alice.address);
    expect(await roots.erc1155Credit(itemsAddress, 9n, receiver)).to.equal(40n);

    // Only the credit holder claims.
    const none = await expectRejection(client.claimERC721(nftAddress, 5n), InsufficientCreditError, /has 0 of .* #5 credited by the root asset bridge: nothing to claim/);
    expectCode(none, "INSUFFICIENT_CREDIT");
    await expectRejection(client.claimERC1155(itemsAddress, 9n), InsufficientCreditError);

    const holder = clientOf(await actAs(receiver));
    const claimed = await holder.claimERC721(nftAddress, 5n, { to: alice.address });
    expect(claimed).to.deep.include({ token: nftAddress, to: alice.address, ids: [5n] });
    expect(await nft.ownerOf(5n)).to.equal(alice.address);
    await expectRejection(holder.claimERC1155(itemsAddress, 9n, { amount: 41n }), InsufficientCreditError, /has 40 of .* #9 .*less than the 41 claimed/);
    expect((await holder.claimERC1155(itemsAddress, 9n, { amount: 15n, to: alice.address })).amounts).to.deep.equal([15n]);
    expect((await holder.claimERC1155(itemsAddress, 9n, { to: alice.address })).amounts).to.deep.equal([25n]);
    expect(await items.balanceOf(alice.address, 9n)).to.equal(40n);
    expect(await roots.erc1155Credit(itemsAddress, 9n, receiver)).to.equal(0n);

    // A child-native return to the refusing receiver is credited on the child chain.
    const swordsAddress = await swords.getAddress();
    await client.registerChildNative(swordsAddress, "ERC721");
    await relay(bridge, client, await client.exitERC721(swordsAddress, 3n));
    const back = await client.returnERC721(swordsAddress, 3n, { to: receiver });
    await relay(bridge, client, back);
    const lockbox = await bridge.child.childAssetBridge.childLockbox();
    expect(await swords.ownerOf(3n)).to.equal(lockbox);
    await expectRejection(client.claimReturn(back.txHash), InsufficientCreditError, /credited to its receiver/);
    await expectRejection(holder.claimReturn(nftWithdrawal.txHash), InvalidArgumentError, /not the return of a child-chain token/);
    const released = await holder.claimReturn(back.txHash, { to: alice.address });
    expect(released).to.deep.include({ token: swordsAddress, to: alice.address, ids: [3n], amounts: [] });
    expect(await swords.ownerOf(3n)).to.equal(alice.address);
    await expectRejection(holder.claimReturn(back.txHash), InsufficientCreditError);
  });
});

/** `sidechain …` in this process: its exit code and what it printed. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await sidechain(["node", "sidechain", ...args]);
    return { code, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

describe("sidechain commands for child-chain tokens and claims (in process)", function () {
  let server: JsonRpcServer;
  let connection: string[];

  before(async function () {
    server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    const url = `http://127.0.0.1:${port}`;
    connection = ["--main-rpc", url, "--child-rpc", url];
  });
  after(async function () {
    await server?.close();
  });

  it("registers, exits and returns a child-chain ERC20, reads its main token, and refuses bad input with exit code 2", async function () {
    const { bridge, alice, gold } = await loadFixture(fixture);
    const dir = makeTempDir("cli-assets");
    const deployments = bridge.deployments;
    const files = (["main", "child"] as const).map((role) => {
      const file = path.join(dir, `${role}.json`);
      writeFileSync(file, JSON.stringify({ network: role, ...deployments[role] }));
      return file;
    });
    const key = ethers.HDNodeWallet.fromPhrase("test test test test test test test test test test test junk", undefined, "m/44'/60'/0'/0/1");
    expect(key.address).to.equal(alice.address);
    const cli = (...args: string[]) => runCli([...args, "--main-deployment", files[0], "--child-deployment", files[1], ...connection, "--key", key.privateKey, "--json"]);
    const json = async (...args: string[]) => {
      const run = await cli(...args);
      expect(run.code, run.stderr).to.equal(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const goldAddress = await gold.getAddress();

    const unregistered = await cli("exit-erc20", "--token", goldAddress, "--amount", "0.0000000000000001");
    expect(unregistered.code).to.equal(2);
    expect(unregistered.stderr).to.match(/^sidechain: .* is not registered for exit/);

    const registered = await json("register-child-token", "--token", goldAddress, "--kind", "erc20");
    expect(registered).to.include({ command: "register-child-token", token: goldAddress, kind: "ERC20" });
    expect(await json("main-token", "--token", goldAddress)).to.include({ mainToken: registered.mainToken, deployed: false });

    const exit = await json("exit-erc20", "--token", goldAddress, "--amount", "0.0000000000000001");
    expect(exit).to.include({ command: "exit-erc20", direction: "child->main", from: alice.address, to: alice.address });
    expect(exit.amounts).to.deep.equal(["100"]);
    await bridge.relayAll();
    expect(await json("status", exit.txHash as string)).to.include({ status: "relayed", messageId: exit.messageId });
    expect(await json("main-token", "--token", goldAddress)).to.include({ deployed: true });

    const back = await json("return-erc20", "--token", registered.mainToken as string, "--amount", "0.00000000000000004");
    expect(back).to.include({ command: "return-erc20", direction: "main->child" });
    await bridge.relayAll();
    expect(await gold.balanceOf(alice.address)).to.equal(1_000n - 100n + 40n);

    const wrongKind = await cli("exit-erc721", "--token", goldAddress, "--ids", "1");
    expect([wrongKind.code, wrongKind.stderr]).to.deep.equal([2, `sidechain: ${goldAddress} is registered for exit as an ERC20, not an ERC721\n`]);
    const noCredit = await cli("claim-erc721", "--token", goldAddress, "--id", "1");
    expect(noCredit.code).to.equal(2);
    expect(noCredit.stderr).to.match(/credited by the root asset bridge: nothing to claim/);
    const badKind = await cli("register-child-token", "--token", goldAddress, "--kind", "ERC777");
    expect([badKind.code, badKind.stderr]).to.deep.equal([2, "sidechain: --kind ERC777 is not ERC20, ERC721 or ERC1155\n"]);
  });
});
