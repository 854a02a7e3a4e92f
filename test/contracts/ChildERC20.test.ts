import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer, TypedDataDomain } from "ethers";
import type { ChildERC20 } from "../../typechain-types";
import { Lane, bridgeFixture, childTokenOf, mined } from "../helpers/bridges";

/** alice holds 1,000,000 of the child token of the fixture's plain token (Test Token, TST, 6 decimals). */
async function childTokenFixture() {
  const fixture = await bridgeFixture();
  const { system, alice, token } = fixture;
  await Lane.deposits(system).relay(
    await mined(system.rootBridge.connect(alice).depositERC20(await token.getAddress(), alice.address, 1_000_000n)),
  );
  const child = await childTokenOf(system.childBridge, await token.getAddress());
  return { ...fixture, child };
}

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The token's EIP-712 domain, as it reports it (EIP-5267). */
async function domainOf(token: ChildERC20): Promise<TypedDataDomain> {
  const [, name, version, chainId, verifyingContract] = await token.eip712Domain();
  return { name, version, chainId, verifyingContract };
}

async function signPermit(
  token: ChildERC20,
  signer: Signer,
  permit: { owner: string; spender: string; value: bigint; nonce: bigint; deadline: bigint },
): Promise<{ v: number; r: string; s: string; signature: string }> {
  const signature = await signer.signTypedData(await domainOf(token), PERMIT_TYPES, permit);
  const { v, r, s } = ethers.Signature.from(signature);
  return { v, r, s, signature };
}

describe("ChildERC20", function () {
  it("carries its root token's name, symbol and decimals, its root token and its bridge", async function () {
    const { system, token, child } = await loadFixture(childTokenFixture);
    expect(await child.name()).to.equal("Test Token");
    expect(await child.symbol()).to.equal("TST");
    expect(await child.decimals()).to.equal(6n);
    expect(await child.rootToken()).to.equal(await token.getAddress());
    expect(await child.bridge()).to.equal(await system.childBridge.getAddress());
    expect(await child.version()).to.equal("0.1.0");
  });

  it("cannot be deployed by anyone but a bridge in the middle of deploying it", async function () {
    const { system } = await loadFixture(childTokenFixture);
    // From an account without code: its constructor's call for the parameters reverts.
    await expect(ethers.deployContract("ChildERC20")).to.be.reverted;
    // Nor can a bridge be made to hand out parameters outside a deployment.
    await expect(system.childBridge.childTokenParameters()).to.be.revertedWithCustomError(
      system.childBridge,
      "ChildBridgeNotDeploying",
    );
  });

  describe("mint", function () {
    it("is reserved to the bridge", async function () {
      const { system, alice, child } = await loadFixture(childTokenFixture);
      await expect(child.connect(alice).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(child, "ChildERC20OnlyBridge")
        .withArgs(alice.address);
      await expect(child.connect(system.admin).mint(system.admin.address, 1n))
        .to.be.revertedWithCustomError(child, "ChildERC20OnlyBridge")
        .withArgs(system.admin.address);
      expect(await child.totalSupply()).to.equal(1_000_000n);
    });
  });

  describe("burn", function () {
    it("is reserved to the bridge, even for the holder's own tokens", async function () {
      const { system, alice, child } = await loadFixture(childTokenFixture);
      await expect(child.connect(alice).burn(alice.address, 1n))
        .to.be.revertedWithCustomError(child, "ChildERC20OnlyBridge")
        .withArgs(alice.address);
      await expect(child.connect(system.admin).burn(alice.address, 1n))
        .to.be.revertedWithCustomError(child, "ChildERC20OnlyBridge")
        .withArgs(system.admin.address);
      expect(await child.balanceOf(alice.address)).to.equal(1_000_000n);
    });
  });

  describe("permit", function () {
    it("reports an EIP-712 domain named after the token, version 1, on this chain and address", async function () {
      const { child } = await loadFixture(childTokenFixture);
      const domain = await domainOf(child);
      expect(domain).to.deep.equal({
        name: "Test Token",
        version: "1",
        chainId: (await ethers.provider.getNetwork()).chainId,
        verifyingContract: await child.getAddress(),
      });
      expect(await child.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    });

    it("sets an allowance from the holder's signature, which the spender can then use", async function () {
      const { alice, bob, carol, child } = await loadFixture(childTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const permit = { owner: alice.address, spender: bob.address, value: 250n, nonce: 0n, deadline };
      const { v, r, s } = await signPermit(child, alice, permit);

      // Anyone may submit the signature: here carol pays the gas.
      await expect(child.connect(carol).permit(alice.address, bob.address, 250n, deadline, v, r, s))
        .to.emit(child, "Approval")
        .withArgs(alice.address, bob.address, 250n);
      expect(await child.allowance(alice.address, bob.address)).to.equal(250n);
      expect(await child.nonces(alice.address)).to.equal(1n);

      await expect(child.connect(bob).transferFrom(alice.address, carol.address, 250n)).to.changeTokenBalances(
        child,
        [alice, carol],
        [-250n, 250n],
      );
    });

    it("rejects an expired permit", async function () {
      const { alice, bob, child } = await loadFixture(childTokenFixture);
      const deadline = BigInt(await time.latest()) - 1n;
      const { v, r, s } = await signPermit(child, alice, {
        owner: alice.address,
        spender: bob.address,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      await expect(child.permit(alice.address, bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(child, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });

    it("rejects a permit signed by someone other than the owner", async function () {
      const { alice, bob, child } = await loadFixture(childTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(child, bob, {
        owner: alice.address,
        spender: bob.address,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      await expect(child.permit(alice.address, bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(child, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);
      expect(await child.allowance(alice.address, bob.address)).to.equal(0n);
    });

    it("rejects a replayed permit, whose nonce is used up", async function () {
      const { alice, bob, child } = await loadFixture(childTokenFixture);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const permit = { owner: alice.address, spender: bob.address, value: 5n, nonce: 0n, deadline };
      const { v, r, s, signature } = await signPermit(child, alice, permit);
      await child.permit(alice.address, bob.address, 5n, deadline, v, r, s);
      await child.connect(bob).transferFrom(alice.address, bob.address, 5n);

      // Under nonce 1 the same signature recovers to some unrelated address.
      const recovered = ethers.verifyTypedData(await domainOf(child), PERMIT_TYPES, { ...permit, nonce: 1n }, signature);
      await expect(child.permit(alice.address, bob.address, 5n, deadline, v, r, s))
        .to.be.revertedWithCustomError(child, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await child.allowance(alice.address, bob.address)).to.equal(0n);
    });
  });
});
