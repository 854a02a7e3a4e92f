/**
 * Balances on both sides of the bridge: each chain's native currency and every token the root
 * bridge has mapped (its `TokenMapped` events, which carry symbol and decimals), with the child
 * token found through `ChildBridge.childTokenOf`.
 */
import { Contract, getAddress, type Provider } from "ethers";

import { NATIVE_TOKEN, childBridgeAbi, erc20Abi, rootBridgeAbi } from "./abi";
import { contractAddress, deploymentBlock } from "./deployments";
import type { ChainSide } from "./errors";
import type { Balances, BridgeDeployment, TokenBalance } from "./types";

/** Many public nodes cap eth_getLogs ranges at 10,000 blocks. */
const LOG_CHUNK_BLOCKS = 10_000;

export async function readBalances(providers: Record<ChainSide, Provider>, deployments: Record<ChainSide, BridgeDeployment>, owner: string): Promise<Balances> {
  const rootBridge = contractAddress(deployments.main, "RootBridge");
  const childBridge = new Contract(contractAddress(deployments.child, "ChildBridge"), childBridgeAbi, providers.child);
  const [nativeMain, nativeChild, mapped] = await Promise.all([
    providers.main.getBalance(owner),
    providers.child.getBalance(owner),
    mappedTokens(providers.main, rootBridge, deploymentBlock(deployments.main)),
  ]);
  const tokens = await Promise.all(
    mapped.map(async ({ rootToken, symbol, decimals }): Promise<TokenBalance> => {
      const childToken = (await childBridge.childTokenOf(rootToken)) as string;
      const deployed = BigInt(childToken) !== 0n;
      const [main, child] = await Promise.all([
        rootToken === NATIVE_TOKEN ? Promise.resolve(nativeMain) : (new Contract(rootToken, erc20Abi, providers.main).balanceOf(owner) as Promise<bigint>),
        deployed ? (new Contract(childToken, erc20Abi, providers.child).balanceOf(owner) as Promise<bigint>) : Promise.resolve(0n),
      ]);
      return { rootToken, childToken: deployed ? getAddress(childToken) : null, symbol, decimals, main, child };
    }),
  );
  return { address: owner, native: { main: nativeMain, child: nativeChild }, tokens };
}

async function mappedTokens(provider: Provider, rootBridge: string, fromBlock: number): Promise<{ rootToken: string; symbol: string; decimals: number }[]> {
  const topic = rootBridgeAbi.getEvent("TokenMapped")!.topicHash;
  const latest = await provider.getBlockNumber();
  const found: { rootToken: string; symbol: string; decimals: number }[] = [];
  for (let from = fromBlock; from <= latest; from += LOG_CHUNK_BLOCKS) {
    const logs = await provider.getLogs({ address: rootBridge, topics: [topic], fromBlock: from, toBlock: Math.min(latest, from + LOG_CHUNK_BLOCKS - 1) });
    for (const log of logs) {
      const event = rootBridgeAbi.parseLog(log)!;
      found.push({ rootToken: getAddress(event.args.rootToken as string), symbol: event.args.symbol as string, decimals: Number(event.args.decimals) });
    }
  }
  return found;
}
