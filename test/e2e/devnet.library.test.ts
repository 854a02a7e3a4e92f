/**
 * startDevnet() as `sidechain-kit/devnet` offers it to apps: fixed ports, a hook that deploys the
 * app's contracts before the relayer starts, the dev accounts and addresses it returns, and a
 * failing hook or bad options that leave nothing running.
 */
import net from "node:net";
import { expect } from "chai";
import { Contract, parseEther } from "ethers";

import { DEVNET_VALIDATOR_COUNT, DevnetError, startDevnet, type RunningDevnet } from "../../relayer/src/devnet";
import { freePort } from "./harness";
import { deployArtifact } from "./relayerProcess";

/** Whether something listens on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startDevnet() as a library (sidechain-kit/devnet)", function () {
  this.timeout(120_000);

  describe("with fixed ports and a deploy hook", function () {
    let devnet: RunningDevnet;
    let ports: { main: number; child: number; api: number; validators: number[] };
    let hookSaw: { receiver: string; messenger?: string } | undefined;

    before(async function () {
      ports = { main: await freePort(), child: await freePort(), api: await freePort(), validators: [await freePort(), await freePort(), await freePort(), await freePort()] };
      devnet = await startDevnet({
        challengePeriod: 3,
        blockTimeMs: 500,
        ports,
        deploy: async ({ child, accounts }) => {
          const deployer = accounts.users[0].connect(child.provider);
          const receiver = await deployArtifact("test/MessageReceiver.sol", "MessageReceiver", deployer, [child.addresses.Messenger!]);
          hookSaw = { receiver: await receiver.getAddress(), messenger: child.addresses.Messenger };
        },
      });
    });

    after(async function () {
      await devnet?.stop();
    });

    it("listens where it was told to", async function () {
      expect(devnet.main.port).to.equal(ports.main);
      expect(devnet.child.port).to.equal(ports.child);
      expect(devnet.apiUrl).to.equal(`http://127.0.0.1:${ports.api}`);
      for (const port of ports.validators) expect(await listening(port), `validator port ${port}`).to.equal(true);
      const health = (await (await fetch(`${devnet.apiUrl}/health`)).json()) as { ok: boolean };
      expect(health.ok).to.equal(true);
    });

    it("runs the hook on the deployed bridge before the relayer starts, with its addresses", async function () {
      expect(hookSaw).to.not.equal(undefined);
      expect(hookSaw!.messenger).to.equal(devnet.child.addresses.Messenger);
      expect(await devnet.child.provider.getCode(hookSaw!.receiver)).to.not.equal("0x");
      for (const name of ["ValidatorSet", "CheckpointManager", "Messenger", "RootBridge", "Lockbox"] as const) {
        expect(devnet.main.addresses[name], `main ${name}`).to.equal(devnet.deployments.main.contracts[name]!.address);
      }
      expect(devnet.child.addresses.ChildBridge).to.equal(devnet.deployments.child.contracts.ChildBridge!.address);
    });

    it("returns dev accounts funded on both chains, and the validators' keys", async function () {
      expect(devnet.accounts.users).to.have.length(7);
      for (const user of [devnet.accounts.users[0], devnet.accounts.users[6]]) {
        expect(await devnet.main.provider.getBalance(user.address)).to.be.greaterThan(parseEther("1000"));
        expect(await devnet.child.provider.getBalance(user.address)).to.be.greaterThan(parseEther("1000"));
      }
      // 3f + 1 with f = 1: four validators, any three of which reach the threshold.
      expect(devnet.validators).to.have.length(DEVNET_VALIDATOR_COUNT);
      expect(DEVNET_VALIDATOR_COUNT).to.equal(4);
      for (const side of [devnet.main, devnet.child]) {
        const set = new Contract(side.addresses.ValidatorSet!, ["function quorum() view returns (bytes32, uint256 threshold)", "function totalPower() view returns (uint256)"], side.provider);
        expect((await set.quorum())[1], "threshold").to.equal(3n);
        expect(await set.totalPower(), "total power").to.equal(4n);
      }
      expect(new Set([devnet.accounts.deployer.address, devnet.accounts.operator.address, devnet.accounts.challenger.address, ...devnet.accounts.users.map((u) => u.address)]).size).to.equal(10);
    });
  });

  it("stops everything it started when the deploy hook throws, and passes the hook's error on", async function () {
    const ports = { main: await freePort(), child: await freePort() };
    let failure: unknown;
    try {
      await startDevnet({ ports, deploy: () => Promise.reject(new Error("app deployment failed")) });
    } catch (error) {
      failure = error;
    }
    expect((failure as Error | undefined)?.message).to.equal("app deployment failed");
    expect(await listening(ports.main)).to.equal(false);
    expect(await listening(ports.child)).to.equal(false);
  });

  it("refuses bad options before starting anything", async function () {
    for (const options of [{ challengePeriod: 0 }, { blockTimeMs: -1 }, { ports: { validators: [1, 2, 3] } }]) {
      let failure: unknown;
      try {
        await startDevnet(options);
      } catch (error) {
        failure = error;
      }
      expect(failure, JSON.stringify(options)).to.be.instanceOf(DevnetError);
    }
  });
});
