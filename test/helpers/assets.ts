/**
 * The NFT bridge (RootAssetBridge / ChildAssetBridge) next to the token bridge of `bridgeFixture`,
 * on the same messengers, with an ERC721 and an ERC1155 minted to alice and approved to it, and
 * verbs to relay a message and insist that its call succeeded (the messenger records a failing
 * call as failed without reverting the relay).
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import { Lane, MessageStatus, bridgeFixture, mined, onlyMessage, type MessageFields } from "./bridges";
import type {
  BridgeMessengerStub,
  ChildAssetBridge,
  ChildERC1155,
  ChildERC721,
  RootAssetBridge,
  TestERC1155,
  TestERC721,
} from "../../typechain-types";

/** `AssetKind`. */
export const Kind = { None: 0n, ERC721: 1n, ERC1155: 2n, ERC20: 3n } as const;

export const MAX_BATCH = 20;

/** Deploys and wires the asset bridges on `system`'s messengers. */
export async function deployAssetBridges(system: Awaited<ReturnType<typeof bridgeFixture>>["system"]) {
  const admin = system.admin.address;
  const rootAssets = (await ethers.deployContract("RootAssetBridge", [admin, await system.main.messenger.getAddress()])) as unknown as RootAssetBridge;
  const childAssets = (await ethers.deployContract("ChildAssetBridge", [admin, await system.child.messenger.getAddress()])) as unknown as ChildAssetBridge;
  await rootAssets.setCounterpart(await childAssets.getAddress());
  await childAssets.setCounterpart(await rootAssets.getAddress());
  return { rootAssets, childAssets };
}

export async function assetFixture() {
  const fixture = await bridgeFixture();
  const { system, alice } = fixture;
  const { rootAssets, childAssets } = await deployAssetBridges(system);
  const nft = (await ethers.deployContract("TestERC721", ["Test Apes", "APE"])) as unknown as TestERC721;
  const items = (await ethers.deployContract("TestERC1155")) as unknown as TestERC1155;
  const bridge = await rootAssets.getAddress();
  for (let id = 1; id <= MAX_BATCH + 1; id++) await nft.mint(alice.address, id, `ipfs://apes/${id}`);
  await nft.connect(alice).setApprovalForAll(bridge, true);
  for (let id = 1; id <= MAX_BATCH + 1; id++) await items.mint(alice.address, id, 1_000n, id % 2 === 0 ? `ipfs://items/${id}` : "");
  await items.connect(alice).setApprovalForAll(bridge, true);
  return { ...fixture, rootAssets, childAssets, nft, items };
}

/** Relays the only message of `receipt` along `lane` and checks that its call succeeded. */
export async function relayOk(lane: Lane, receipt: TransactionReceipt, messenger = lane.source.messenger): Promise<ContractTransactionResponse> {
  const message = await onlyMessage(messenger, receipt);
  const tx = await lane.relay(receipt);
  expect(await lane.statusOf(message), "the message's call succeeded").to.equal(MessageStatus.Relayed);
  return tx;
}

/** Sends a transaction and relays its only message; returns both receipts and the message. */
export async function sendAndRelay(
  lane: Lane,
  tx: Promise<ContractTransactionResponse>,
): Promise<{ receipt: TransactionReceipt; relay: ContractTransactionResponse; message: MessageFields }> {
  const receipt = await mined(tx);
  const message = await onlyMessage(lane.source.messenger, receipt);
  const relay = await relayOk(lane, receipt);
  return { receipt, relay, message };
}

export async function childERC721(childAssets: ChildAssetBridge, rootToken: string): Promise<ChildERC721> {
  return ethers.getContractAt("ChildERC721", await childAssets.childTokenOf(rootToken));
}

export async function childERC1155(childAssets: ChildAssetBridge, rootToken: string): Promise<ChildERC1155> {
  return ethers.getContractAt("ChildERC1155", await childAssets.childTokenOf(rootToken));
}

/** An asset bridge of `kind` whose messenger is a stub reporting `remote` as sender, its counterpart. */
export async function assetBridgeWithStub<K extends "RootAssetBridge" | "ChildAssetBridge">(kind: K, admin: string, remote: string) {
  const stub = (await ethers.deployContract("BridgeMessengerStub")) as unknown as BridgeMessengerStub;
  const bridge = await ethers.deployContract(kind, [admin, await stub.getAddress()]);
  await (bridge as unknown as RootAssetBridge).setCounterpart(remote);
  await stub.setRemoteSender(remote);
  return { stub, bridge: bridge as unknown as K extends "RootAssetBridge" ? RootAssetBridge : ChildAssetBridge };
}

export const range = (from: number, to: number): bigint[] => [...Array(to - from + 1).keys()].map((i) => BigInt(from + i));
