import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem, deliver } from "../helpers/fixture";

describe("round trip (smoke)", function () {
  it("deposits ETH to the child chain and withdraws it back", async function () {
    const system = await loadFixture(deploySystem);
    const [user] = system.users;
    const amount = ethers.parseEther("2");
    const deposit = await (await system.rootBridge.connect(user).depositETH(user.address, { value: amount })).wait();
    await deliver(system, system.main, system.child, deposit!);
    const childToken = await system.childBridge.childTokenOf("0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE");
    const token = await ethers.getContractAt("ChildERC20", childToken);
    expect(await token.balanceOf(user.address)).to.equal(amount);

    const withdrawal = await (await system.childBridge.connect(user).withdraw(childToken, user.address, amount)).wait();
    const before = await ethers.provider.getBalance(user.address);
    await deliver(system, system.child, system.main, withdrawal!);
    expect(await ethers.provider.getBalance(user.address)).to.equal(before + amount);
    expect(await ethers.provider.getBalance(system.rootBridge)).to.equal(0n);
  });
});
