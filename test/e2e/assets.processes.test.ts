/**
 * An ERC721 and an ERC1155 round trip through the relayer processes (startDevnet({ processes })):
 * real nodes, the relayer and the validators as `sidechain` processes, the user on the SDK
 * (depositERC721 / depositERC1155 / withdrawERC721 / withdrawERC1155, batches), and the relayer
 * carrying the messages with no asset-specific code: they are ordinary messages of the messengers.
 */
import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";

import { startDevnet, type RunningDevnet } from "../../relayer/src/devnet";
import { BridgeClient, InsufficientBalanceError, InvalidArgumentError, UnknownTokenError } from "../../relayer/src/sdk";
import { devAccount, makeTempDir } from "./harness";
import { buildCli, cleanEnv, deployArtifact, runCli, type CliRun } from "./relayerProcess";

/** `sidechain <args>` against the devnet's relayer config, as dev account 3. */
function cli(configFile: string, args: string[]): Promise<CliRun> {
  return runCli([...args, "--config", configFile], cleanEnv({ SIDECHAIN_USER_KEY: devAccount(3).privateKey }), 90_000);
}

describe("assets through the relayer processes (ERC721, ERC1155)", function () {
  this.timeout(600_000);
  let devnet: RunningDevnet;
  let main: JsonRpcProvider;
  let child: JsonRpcProvider;
  let client: BridgeClient;

  before(async function () {
    // The compiled CLI (~0.7 s to start, ts-node ~4 s); devnet.processes.test.ts runs the default, from the sources.
    devnet = await startDevnet({ dir: makeTempDir("devnet-assets"), challengePeriod: 3, blockTimeMs: 500, processes: { cli: buildCli() } });
    main = new JsonRpcProvider(devnet.main.url, devnet.main.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    child = new JsonRpcProvider(devnet.child.url, devnet.child.chainId, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    client = new BridgeClient({ main: devAccount(3, main), child: devAccount(3, child), deployments: devnet.deployments, apiUrl: devnet.apiUrl });
  });

  after(async function () {
    client?.close();
    main?.destroy();
    child?.destroy();
    await devnet?.stop();
  });

  it("deposits an ERC721 batch and ERC1155 batch, the relayer mints them on the child chain, and withdrawals bring them back", async function () {
    const user = devAccount(3, main);
    const nft: Contract = await deployArtifact("test/AssetTestTokens.sol", "TestERC721", user, ["E2E Apes", "EAPE"]);
    const items: Contract = await deployArtifact("test/AssetTestTokens.sol", "TestERC1155", user, []);
    for (const id of [1n, 2n, 3n]) await (await nft.mint(user.address, id, `ipfs://e2e/${id}`)).wait();
    for (const id of [7n, 8n]) await (await items.mint(user.address, id, 100n, `ipfs://e2e/items/${id}`)).wait();

    // The SDK's checks, before anything is sent: batch size, ownership, balances, an unbridged token.
    const nonce = await main.getTransactionCount(user.address);
    const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
    expect(await failure(client.depositERC721(await nft.getAddress(), Array.from({ length: 21 }, (_, i) => BigInt(i + 1))))).to.be.instanceOf(InvalidArgumentError);
    expect(await failure(client.depositERC721(await nft.getAddress(), [1n, 9n]))).to.be.instanceOf(InsufficientBalanceError);
    expect(await failure(client.depositERC1155(await items.getAddress(), [7n], [101n]))).to.be.instanceOf(InsufficientBalanceError);
    expect(await failure(client.depositERC1155(await items.getAddress(), [7n, 8n], [1n]))).to.be.instanceOf(InvalidArgumentError);
    expect(await failure(client.withdrawERC721(await nft.getAddress(), 1n))).to.be.instanceOf(UnknownTokenError);
    expect(await main.getTransactionCount(user.address), "nothing sent").to.equal(nonce);

    const nftDeposit = await client.depositERC721(await nft.getAddress(), [1n, 2n, 3n]);
    const itemsDeposit = await client.depositERC1155(await items.getAddress(), [7n, 8n], [60n, 100n]);
    for (const transfer of [nftDeposit, itemsDeposit]) {
      expect(transfer.direction).to.equal("main->child");
      await client.waitForStatus(transfer.txHash, "relayed", { pollMs: 500, timeoutMs: 120_000 });
    }

    const childAssets = devnet.deployments.child.contracts.ChildAssetBridge!.address;
    const bridge = new Contract(childAssets, ["function childTokenOf(address) view returns (address)"], child);
    const childNft = new Contract(
      (await bridge.childTokenOf(await nft.getAddress())) as string,
      ["function ownerOf(uint256) view returns (address)", "function tokenURI(uint256) view returns (string)"],
      child,
    );
    const childItems = new Contract(
      (await bridge.childTokenOf(await items.getAddress())) as string,
      ["function balanceOf(address, uint256) view returns (uint256)", "function uri(uint256) view returns (string)"],
      child,
    );
    expect(await childNft.ownerOf(2n)).to.equal(user.address);
    expect(await childNft.tokenURI(3n)).to.equal("ipfs://e2e/3");
    expect(await childItems.balanceOf(user.address, 8n)).to.equal(100n);
    expect(await childItems.uri(7n)).to.equal("ipfs://e2e/items/7");

    // Withdrawals named by the root token; the relayer releases them on the main chain.
    const nftWithdrawal = await client.withdrawERC721(await nft.getAddress(), [1n, 3n]);
    const itemsWithdrawal = await client.withdrawERC1155(await items.getAddress(), 8n, 40n);
    for (const transfer of [nftWithdrawal, itemsWithdrawal]) {
      expect(transfer.direction).to.equal("child->main");
      await client.waitForStatus(transfer.txHash, "relayed", { pollMs: 500, timeoutMs: 120_000 });
    }
    const rootAssets = devnet.deployments.main.contracts.RootAssetBridge!.address;
    expect(await nft.ownerOf(1n)).to.equal(user.address);
    expect(await nft.ownerOf(3n)).to.equal(user.address);
    expect(await nft.ownerOf(2n)).to.equal(rootAssets);
    expect(await items.balanceOf(user.address, 8n)).to.equal(40n);
    expect(await items.balanceOf(rootAssets, 8n)).to.equal(60n);
    expect(await childItems.balanceOf(user.address, 8n)).to.equal(60n);

    // The same through the CLI: a bad batch is refused before any transaction, a good one is carried.
    const over = await cli(devnet.relayerConfigFile, ["deposit-erc721", "--token", await nft.getAddress(), "--ids", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21"]);
    expect(over.code, over.stderr).to.equal(2);
    expect(over.stderr).to.match(/must be 1 to 20 ids/);
    const run = await cli(devnet.relayerConfigFile, ["withdraw-erc1155", "--token", await items.getAddress(), "--ids", "7", "--amounts", "10", "--json"]);
    expect(run.code, run.stderr).to.equal(0);
    const sent = JSON.parse(run.stdout) as { txHash: string; command: string };
    expect(sent.command).to.equal("withdraw-erc1155");
    await client.waitForStatus(sent.txHash, "relayed", { pollMs: 500, timeoutMs: 120_000 });
    expect(await items.balanceOf(user.address, 7n)).to.equal(50n);
  });
});
