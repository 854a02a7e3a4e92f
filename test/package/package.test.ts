/**
 * The kit as a user gets it: `npm pack` (which builds through `prepack`), the tarball installed
 * into a fresh project outside this repository (a copy of examples/checkout, whose package.json
 * depends on the packed kit), and there: Solidity imports of the kit's contracts, a type-check of
 * every entry point, the `sidechain` bin, the Hardhat plugin, the artifacts, and the example's
 * own test suite (the test kit in one process, the devnet on two chains).
 *
 * Slow (a real `npm install`, better-sqlite3 built from source): it runs once, here.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";

import { REPO_ROOT, devAccount, makeTempDir, startHardhatNode, type RunningNode } from "../e2e/harness";

const EXAMPLE = path.join(REPO_ROOT, "examples", "checkout");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (never through a shell), with the npm settings of `npm test` removed. */
function run(command: string, args: string[], cwd: string, timeoutMs = 10 * 60_000): Promise<Run> {
  return runWithEnv(command, args, cwd, {}, timeoutMs);
}

function runWithEnv(command: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  // `npm test` passes its own npm_* settings (the kit's package name, lifecycle event…) down.
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  Object.assign(env, extra);
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

function expectSuccess(result: Run, what: string): void {
  if (result.code !== 0) {
    const tail = (text: string) => text.split("\n").slice(-60).join("\n");
    expect.fail(`${what} exited ${result.code}\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`);
  }
}

describe("sidechain-kit as an installed package", function () {
  this.timeout(20 * 60_000);
  let project: string;
  let tarball: string;

  before(async function () {
    const packs = makeTempDir("pack");
    const packed = await run(NPM, ["pack", "--pack-destination", packs, "--json"], REPO_ROOT);
    expectSuccess(packed, "npm pack");
    // npm prints the prepack script's output before its JSON report.
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(packs, report[0].filename);
    const files = report[0].files.map((f) => f.path);
    expect(files).to.include.members([
      "dist/relayer/src/index.js",
      "dist/relayer/src/index.d.ts",
      "dist/relayer/src/cli.js",
      "dist/relayer/src/testing/index.d.ts",
      "dist/relayer/src/devnet/index.d.ts",
      "dist/relayer/src/devnet/hardhat.node.config.js",
      "dist/relayer/src/hardhat/index.js",
      "contracts/apps/CrossChainApp.sol",
      "artifacts/contracts/common/Messenger.sol/Messenger.json",
      "deploy/config.example.json",
    ]);
    // Test doubles and compiler debug files are not the product.
    expect(files.filter((f) => f.startsWith("contracts/test/") || f.endsWith(".dbg.json") || f.includes("build-info"))).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);

    project = path.join(makeTempDir("consumer"), "checkout");
    cpSync(EXAMPLE, project, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|artifacts|cache|typechain-types)([\\/]|$)/.test(path.relative(EXAMPLE, source)),
    });
    // The example names the tarball `npm pack` leaves at the repository root; here it is elsewhere.
    const manifestFile = path.join(project, "package.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const section = manifest.dependencies?.["sidechain-kit"] !== undefined ? manifest.dependencies : manifest.devDependencies;
    expect(section?.["sidechain-kit"], "the example depends on sidechain-kit").to.be.a("string");
    section!["sidechain-kit"] = `file:${tarball}`;
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const installed = await run(NPM, ["install", "--prefer-offline", "--no-audit", "--no-fund"], project, 15 * 60_000);
    expectSuccess(installed, "npm install in the fresh project");
  });

  it("is installed with OpenZeppelin Contracts at the version its contracts need, which the app did not ask for", function () {
    const manifest = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    expect({ ...manifest.dependencies, ...manifest.devDependencies }).not.to.have.property("@openzeppelin/contracts");
    const kit = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const resolved = require.resolve("@openzeppelin/contracts/package.json", { paths: [path.join(project, "node_modules", "sidechain-kit")] });
    const oz = JSON.parse(readFileSync(resolved, "utf8")) as { version: string };
    expect(oz.version).to.equal(kit.dependencies["@openzeppelin/contracts"]);
  });

  it("compiles an app contract importing sidechain-kit/contracts/apps/CrossChainApp.sol", async function () {
    writeFileSync(
      path.join(project, "contracts", "PackageProbe.sol"),
      [
        "// SPDX-License-Identifier: MIT",
        "pragma solidity ^0.8.30;",
        'import {CrossChainApp} from "sidechain-kit/contracts/apps/CrossChainApp.sol";',
        'import {IMessenger} from "sidechain-kit/contracts/interfaces/IMessenger.sol";',
        "contract PackageProbe is CrossChainApp {",
        "    constructor(IMessenger messenger) CrossChainApp(messenger) {}",
        "    function ping(address target) external returns (bytes32) {",
        '        return _sendCrossChain(target, abi.encodeWithSignature("pong()"), 100_000);',
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    expectSuccess(await run("npx", ["hardhat", "compile"], project), "hardhat compile");
    expect(existsSync(path.join(project, "artifacts", "contracts", "PackageProbe.sol", "PackageProbe.json"))).to.equal(true);
  });

  it("type-checks an import of every entry point with tsc, under both of TypeScript's module resolutions", async function () {
    writeFileSync(
      path.join(project, "entrypoints.ts"),
      [
        'import { BridgeClient, CHECKPOINT_TYPES, checkpointDomain, buildCheckpointTree, proveLog, type BridgeMessageStatus, type contracts } from "sidechain-kit";',
        'import { createTestBridge, type TestBridge } from "sidechain-kit/testing";',
        'import { startDevnet, type RunningDevnet } from "sidechain-kit/devnet";',
        'import "sidechain-kit/hardhat";',
        "export type Used = [typeof BridgeClient, typeof proveLog, typeof buildCheckpointTree, BridgeMessageStatus, contracts.Messenger, TestBridge, RunningDevnet];",
        "export const used = [createTestBridge, startDevnet] as const;",
        "export const domain = checkpointDomain(31337n, \"0x0000000000000000000000000000000000000001\");",
        "export const fields: readonly string[] = CHECKPOINT_TYPES.Checkpoint.map((field) => field.name);",
        "",
      ].join("\n"),
    );
    for (const resolution of [{ module: "commonjs", moduleResolution: "node10" }, { module: "node16", moduleResolution: "node16" }]) {
      const config = `tsconfig.entrypoints.${resolution.moduleResolution}.json`;
      writeFileSync(
        path.join(project, config),
        JSON.stringify({ compilerOptions: { ...resolution, target: "es2022", strict: true, noEmit: true, esModuleInterop: true, types: ["node"] }, files: ["entrypoints.ts"] }),
      );
      expectSuccess(await run("npx", ["tsc", "-p", config], project), `tsc with moduleResolution ${resolution.moduleResolution}`);
    }
  });

  it("runs the sidechain CLI from node_modules/.bin without a build step", async function () {
    const help = await run("npx", ["sidechain", "--help"], project);
    expectSuccess(help, "sidechain --help");
    for (const command of ["relayer", "validator", "proof", "deposit", "withdraw", "deposit-erc721", "deposit-erc1155", "withdraw-erc721", "withdraw-erc1155", "register-child-token", "main-token", "exit-erc20", "exit-erc721", "exit-erc1155", "return-erc20", "return-erc721", "return-erc1155", "claim-erc721", "claim-erc1155", "claim-return", "status", "relay", "claim", "execute-release", "balances", "stake", "deploy", "relayer-config"]) {
      expect(help.stdout).to.match(new RegExp(`^\\s+${command}\\b`, "m"));
    }
  });

  it("adds the bridge:* tasks to the app's Hardhat through require(\"sidechain-kit/hardhat\")", async function () {
    const help = await run("npx", ["hardhat", "--help"], project);
    expectSuccess(help, "hardhat --help");
    for (const name of ["bridge:deposit", "bridge:withdraw", "bridge:deposit-erc721", "bridge:deposit-erc1155", "bridge:withdraw-erc721", "bridge:withdraw-erc1155", "bridge:register-child-token", "bridge:main-token", "bridge:exit-erc20", "bridge:exit-erc721", "bridge:exit-erc1155", "bridge:return-erc20", "bridge:return-erc721", "bridge:return-erc1155", "bridge:claim-erc721", "bridge:claim-erc1155", "bridge:claim-return", "bridge:status", "bridge:relay", "bridge:claim", "bridge:execute-release", "bridge:balances"]) expect(help.stdout).to.contain(name);
  });

  it("ships ABIs and bytecode under sidechain-kit/artifacts for apps that deploy the bridge themselves", async function () {
    const script = 'const a = require("sidechain-kit/artifacts/contracts/common/Messenger.sol/Messenger.json"); console.log(a.contractName, a.bytecode.length > 2, a.abi.length > 0)';
    const result = await run(process.execPath, ["-e", script], project);
    expectSuccess(result, "require of an artifact");
    expect(result.stdout.trim()).to.equal("Messenger true true");
  });

  it("deploys the bridge onto two chains with `sidechain deploy` from the installed package, and writes a relayer config", async function () {
    const nodes: RunningNode[] = await Promise.all([startHardhatNode({ chainId: 31337 }), startHardhatNode({ chainId: 31338 })]);
    try {
      const [main, child] = nodes;
      const example = JSON.parse(readFileSync(path.join(project, "node_modules", "sidechain-kit", "deploy", "config.example.json"), "utf8")) as Record<string, Record<string, unknown>>;
      example.main.rpcUrl = main.url;
      example.child.rpcUrl = child.url;
      writeFileSync(path.join(project, "bridge.json"), JSON.stringify(example));
      const key = devAccount(0).privateKey;
      const deployed = await runWithEnv("npx", ["sidechain", "deploy", "--config", "bridge.json", "--out", "deployments"], project, { MAIN_DEPLOYER_KEY: key, CHILD_DEPLOYER_KEY: key });
      expectSuccess(deployed, "sidechain deploy");
      const summary = JSON.parse(deployed.stdout) as { files: Record<string, string>; deployed: unknown[] };
      expect(summary.deployed.length).to.be.greaterThan(0);
      const mainFile = JSON.parse(readFileSync(path.join(project, "deployments", "localhost-main.json"), "utf8")) as { contracts: Record<string, { address: string }> };
      expect(await main.provider.getCode(mainFile.contracts.RootBridge.address)).to.not.equal("0x");
      const config = await run("npx", ["sidechain", "relayer-config", "--main-deployment", "deployments/localhost-main.json", "--child-deployment", "deployments/localhost-child.json", "--main-rpc", main.url, "--child-rpc", child.url], project);
      expectSuccess(config, "sidechain relayer-config");
      expect(config.stdout).to.contain(`rpcUrl: ${main.url}`);
      expect(config.stdout).to.contain("deployment: deployments/localhost-child.json");
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });

  it("passes the example app's own tests (test kit in one process, devnet on two chains)", async function () {
    const result = await run("npx", ["hardhat", "test"], project, 15 * 60_000);
    expectSuccess(result, "the example's npx hardhat test");
    expect(result.stdout).to.match(/\d+ passing/);
    expect(result.stdout).not.to.match(/\d+ (failing|pending)/);
  });
});
