import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { TokenBridge } from "../../typechain-types";
import type { System } from "../helpers/fixture";
import { bridgeFixture } from "../helpers/bridges";

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;

/** What both bridges inherit from TokenBridge, exercised on each side with its own messenger. */
const sides = [
  { bridge: "RootBridge", messenger: (system: System) => system.main.messenger, remote: (system: System) => system.childBridge },
  { bridge: "ChildBridge", messenger: (system: System) => system.child.messenger, remote: (system: System) => system.rootBridge },
] as const;

for (const side of sides) {
  describe(`${side.bridge} as a TokenBridge`, function () {
    async function freshBridge() {
      const fixture = await loadFixture(bridgeFixture);
      const { system } = fixture;
      const bridge = (await ethers.deployContract(side.bridge, [
        system.admin.address,
        await side.messenger(system).getAddress(),
      ])) as unknown as TokenBridge;
      return { ...fixture, bridge, remote: await side.remote(system).getAddress() };
    }

    describe("deployment", function () {
      it("rejects a zero admin", async function () {
        const { system } = await loadFixture(bridgeFixture);
        const factory = await ethers.getContractFactory(side.bridge);
        await expect(
          factory.deploy(ethers.ZeroAddress, await side.messenger(system).getAddress()),
        ).to.be.revertedWithCustomError(factory, "TokenBridgeZeroAddress");
      });

      it("rejects a zero messenger", async function () {
        const { system } = await loadFixture(bridgeFixture);
        const factory = await ethers.getContractFactory(side.bridge);
        await expect(factory.deploy(system.admin.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
          factory,
          "TokenBridgeZeroAddress",
        );
      });
    });

    describe("setCounterpart", function () {
      it("wires the other side's bridge once and emits CounterpartSet", async function () {
        const { system, bridge, remote } = await freshBridge();
        await expect(bridge.setCounterpart(remote)).to.emit(bridge, "CounterpartSet").withArgs(remote);
        expect(await bridge.counterpart()).to.equal(remote);
        await expect(bridge.setCounterpart(system.users[5].address))
          .to.be.revertedWithCustomError(bridge, "TokenBridgeCounterpartAlreadySet")
          .withArgs(remote);
        expect(await bridge.counterpart()).to.equal(remote);
      });

      it("rejects the zero address", async function () {
        const { bridge } = await freshBridge();
        await expect(bridge.setCounterpart(ethers.ZeroAddress)).to.be.revertedWithCustomError(bridge, "TokenBridgeZeroAddress");
        expect(await bridge.counterpart()).to.equal(ethers.ZeroAddress);
      });

      it("is reserved to the admin", async function () {
        const { bridge, alice } = await freshBridge();
        await expect(bridge.connect(alice).setCounterpart(alice.address))
          .to.be.revertedWithCustomError(bridge, "AccessControlUnauthorizedAccount")
          .withArgs(alice.address, DEFAULT_ADMIN_ROLE);
        expect(await bridge.counterpart()).to.equal(ethers.ZeroAddress);
      });
    });
  });
}
