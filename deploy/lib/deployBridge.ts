/**
 * Deploys the bridge on two chains and wires them, idempotently.
 *
 *   main:  ValidatorSet (child's validators), CheckpointManager (of child's blocks), Messenger,
 *          RootBridge (which creates the Lockbox), RootAssetBridge (ERC721, ERC1155)
 *   child: ValidatorSet (main's validators), CheckpointManager (of main's blocks), Messenger,
 *          ChildBridge, ChildAssetBridge (which creates the ChildLockbox)
 *   both:  LeafAvailabilityGame beside the CheckpointManager (unless the challenge period leaves
 *          no room for it), granted the manager's AVAILABILITY_ROLE by the deployer
 *   then:  Messenger.setRemoteMessenger and both bridges' setCounterpart on both chains, then the admin
 *          role handed from the deployer to the configured admin.
 *
 * Staking mode (options.staking): a StakeManager is deployed on main first; main's set is a
 * StakedValidatorSet and child's a ChildValidatorSet, both following it (recorded as "ValidatorSet",
 * see deploymentFile.ts); the wiring adds StakeManager.setLane for both lanes,
 * StakeManager.setRotation and ChildValidatorSet.setMessenger; the StakeManager and the
 * ChildValidatorSet are handed over with the messengers and bridges.
 *
 * Plain ethers, not Hardhat Ignition: Ignition deploys one network per run and cannot wire a
 * contract on chain A with an address from chain B in the same deployment.
 *
 * Every step is recorded in deploymentsDir/<network>.json as soon as it is mined, and every run
 * starts from what is recorded and still true on chain (see plan.ts). A run killed at any point
 * is finished by running it again; a complete deployment re-run sends no transaction.
 */
import { ZeroAddress, ZeroHash, getAddress } from "ethers";

import { DEFAULT_ARTIFACTS_DIR } from "./artifacts";
import { connectChain, type Chain } from "./chain";
import { OPTIONAL_CONTRACTS, contractsOf, deploymentPath, readDeployment, validatorSetContract, writeDeployment, type ChainRole, type DeploymentFile } from "./deploymentFile";
import { ChainIdMismatchError, DeployConfigError, DeployError, DeploymentFileError, NotAdminError, SameChainError, WiringConflictError } from "./errors";
import { normalizeOptions, type DeployBridgeOptions, type DeployLogger } from "./options";
import { assetBridgeOf, bridgeOf, cascadeAcrossChains, deployOrder, driftWarnings, inspectSide, inspectStakeManager, type Side } from "./plan";

export interface DeployBridgeResult {
  main: DeploymentFile;
  child: DeploymentFile;
  /** Paths of the two deployment files. */
  files: Record<ChainRole, string>;
  /** "<role>.<Contract>" deployed by this run. */
  deployed: string[];
  /** "<role>.<Contract>" kept from an earlier run. */
  reused: string[];
  /** Transactions this run sent on each chain (0 and 0 for a complete deployment re-run). */
  transactions: Record<ChainRole, number>;
  /** Reused contracts whose parameters differ from the options. */
  warnings: string[];
}

const DEFAULT_ADMIN_ROLE = ZeroHash;
const silentLogger: DeployLogger = { info: () => undefined, warn: () => undefined };

/** Deploys what is missing on both chains and wires them. @throws DeployError (see errors.ts) */
export async function deployBridge(options: DeployBridgeOptions): Promise<DeployBridgeResult> {
  const logger = options.logger ?? silentLogger;
  const settings = normalizeOptions(options);
  const connect = { rpcTimeoutMs: options.rpcTimeoutMs ?? 10_000, txTimeoutMs: options.txTimeoutMs ?? 300_000, artifactsDir: options.artifactsDir ?? DEFAULT_ARTIFACTS_DIR };

  const connected = await Promise.allSettled([connectChain("main", options.main, connect), connectChain("child", options.child, connect)]);
  const chains = connected.flatMap((c) => (c.status === "fulfilled" ? [c.value] : []));
  try {
    const failed = connected.find((c): c is PromiseRejectedResult => c.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const [main, child] = chains;
    for (const chain of [main, child]) {
      const expected = options[chain.role].expectedChainId;
      if (expected !== undefined && expected !== chain.chainId) {
        throw new ChainIdMismatchError(chain.role, expected, chain.chainId, "the configured chain id: expectedChainId, or chainId in a config file");
      }
    }
    if (main.chainId === child.chainId) throw new SameChainError(main.chainId);

    // Read before anything is deployed, so that the first checkpoint of each chain covers every
    // block in which the other side could already send a message.
    const [mainHead, childHead] = await Promise.all([main.provider.getBlockNumber(), child.provider.getBlockNumber()]);

    const sides = {
      main: { ...openSide(main, child.chainId, options, settings.main), staking: settings.staking },
      child: { ...openSide(child, main.chainId, options, settings.child), staking: settings.staking },
    };
    if (sides.main.filePath === sides.child.filePath) {
      throw new DeployConfigError(`main and child would share the deployment file ${sides.main.filePath}: give them different network names`);
    }
    if (settings.staking !== undefined) await inspectStakeManager(sides.main, sides.child, logger);
    await Promise.all([inspectSide(sides.main, child.chainId, logger), inspectSide(sides.child, main.chainId, logger)]);
    cascadeAcrossChains(sides.main, sides.child, logger);
    const warnings = [...(await driftWarnings(sides.main)), ...(await driftWarnings(sides.child))];
    for (const warning of warnings) logger.warn({ at: "deploy.drift" }, warning);
    const reused = [...reusedOf(sides.main), ...reusedOf(sides.child)];

    // Both chains' staked sets are built around the StakeManager's address: it comes first.
    if (settings.staking !== undefined) await deployStakeManager(sides.main, sides.child, logger);
    // The chains are independent until the wiring: deploy both at once, and finish the one that
    // can be finished even if the other fails (its file then records everything done).
    await settleBoth(deploySide(sides.main, BigInt(childHead) + 1n, logger), deploySide(sides.child, BigInt(mainHead) + 1n, logger));
    await settleBoth(wireSide(sides.main, sides.child, logger), wireSide(sides.child, sides.main, logger));
    await settleBoth(grantAvailabilityRole(sides.main, logger), grantAvailabilityRole(sides.child, logger));
    await settleBoth(grantBridgeGuardian(sides.main, logger), grantBridgeGuardian(sides.child, logger));
    await settleBoth(handOver(sides.main, logger), handOver(sides.child, logger));

    const staking = settings.staking !== undefined;
    const deployed = (["main", "child"] as const).flatMap((role) =>
      [...contractsOf(role, staking), ...OPTIONAL_CONTRACTS.filter((name) => sides[role].file.contracts[name] !== undefined)]
        .map((name) => `${role}.${name}`)
        .filter((name) => !reused.includes(name)),
    );
    logger.info({ at: "deploy.done", deployed, reused, transactions: { main: main.sent, child: child.sent } }, "bridge deployed and wired");
    return {
      main: sides.main.file,
      child: sides.child.file,
      files: { main: sides.main.filePath, child: sides.child.filePath },
      deployed,
      reused,
      transactions: { main: main.sent, child: child.sent },
      warnings,
    };
  } finally {
    for (const chain of chains) chain.close();
  }
}

/** Loads (or starts) the chain's deployment file and checks that it describes this chain. */
function openSide(chain: Chain, remoteChainId: number, options: DeployBridgeOptions, settings: ReturnType<typeof normalizeOptions>[ChainRole]): Side {
  const role = chain.role;
  const network = options[role].network ?? `${role}-${chain.chainId}`;
  const filePath = deploymentPath(options.deploymentsDir, network);
  const existing = readDeployment(options.deploymentsDir, network);
  if (existing !== undefined) {
    if (existing.chainId !== chain.chainId) throw new ChainIdMismatchError(role, existing.chainId, chain.chainId, `by the deployment file ${filePath}`);
    if (existing.role !== role) throw new DeploymentFileError(filePath, `is the ${existing.role} side, but is given as the ${role} chain`);
    if (existing.remoteChainId !== remoteChainId) {
      throw new DeploymentFileError(filePath, `is bridged to chain ${existing.remoteChainId}, not to chain ${remoteChainId}`);
    }
  }
  const admin = settings.admin ?? chain.deployer;
  return {
    role,
    chain,
    settings: { ...settings, admin, guardian: settings.guardian ?? admin },
    file: existing ?? { network, chainId: chain.chainId, role, remoteChainId, deployedAt: new Date().toISOString(), contracts: {} },
    dir: options.deploymentsDir,
    filePath,
    reuse: new Set(),
  };
}

/** Deploys, in order, whatever `side` does not reuse; records each contract as soon as it is mined. */
async function deploySide(side: Side, firstBlock: bigint, logger: DeployLogger): Promise<void> {
  const { chain, file, settings, role } = side;
  const save = () => writeDeployment(side.dir, file);
  // Forget what is not reused, at once, so that the file never lists a stale contract (the
  // relayer would watch it) beside fresh ones, even if this run stops before its first deployment.
  const stale = contractsOf(role, false).filter(
    (name) => file.contracts[name] !== undefined && !side.reuse.has(name) && !(name === "Lockbox" && side.reuse.has("RootBridge")),
  );
  // A StakeManager left from a staking-mode run is no part of a governance-mode deployment.
  if (side.staking === undefined && role === "main" && file.contracts.StakeManager !== undefined) stale.push("StakeManager");
  for (const name of stale) delete file.contracts[name];
  if (stale.length > 0) save();
  const address = (name: keyof DeploymentFile["contracts"]) => file.contracts[name]!.address;
  const deployer = chain.deployer;

  for (const name of deployOrder(role)) {
    if (side.reuse.has(name)) continue;
    // ValidatorSet needs no wiring: it gets the final admin right away. Messenger and the bridges
    // are wired by the deployer first, then handed over; so is the CheckpointManager when the
    // deployer must grant its availability game a role. The game itself is wired at birth.
    const setArgs = [settings.validatorSet.addresses, settings.validatorSet.powers, settings.validatorSet.threshold, settings.validatorChangeDelay];
    // The child's staked set is wired (setMessenger) by the deployer, then handed over.
    const setAdmin = side.staking !== undefined && role === "child" ? deployer : settings.admin;
    const args: unknown[] = {
      ValidatorSet: () => (side.staking === undefined ? [settings.admin, settings.guardian, ...setArgs] : [setAdmin, settings.guardian, side.stakeManager, ...setArgs]),
      CheckpointManager: () => [
        settings.availability === undefined ? settings.admin : deployer,
        settings.guardian,
        side.file.remoteChainId,
        address("ValidatorSet"),
        firstBlock,
        settings.challengePeriod,
        settings.minBond,
        settings.challengerRewardBps,
      ],
      Messenger: () => [deployer, settings.guardian, address("CheckpointManager")],
      RootBridge: () => [deployer, address("Messenger")],
      ChildBridge: () => [deployer, address("Messenger")],
      RootAssetBridge: () => [deployer, address("Messenger")],
      ChildAssetBridge: () => [deployer, address("Messenger")],
      Lockbox: () => [],
    }[name as "ValidatorSet" | "CheckpointManager" | "Messenger" | "RootBridge" | "ChildBridge" | "RootAssetBridge" | "ChildAssetBridge" | "Lockbox"]();
    const artifact = name === "ValidatorSet" ? validatorSetContract(role, side.staking !== undefined) : name;
    const { record } = await chain.deploy(name, args, artifact);
    file.contracts[name] = record;
    file.deployedAt = new Date().toISOString();
    save();
    logger.info({ at: "deploy.contract", chain: role, contract: name, address: record.address, block: record.block, txHash: record.txHash }, "deployed");
  }

  await deployAvailabilityGame(side, logger);

  if (role === "main") {
    // The Lockbox is created by RootBridge's constructor: it shares its block and transaction.
    const rootBridge = file.contracts.RootBridge!;
    const lockbox = getAddress((await chain.at("RootBridge", rootBridge.address).getFunction("lockbox")()) as string);
    if (file.contracts.Lockbox?.address !== lockbox || file.contracts.Lockbox.txHash !== rootBridge.txHash) {
      file.contracts.Lockbox = { address: lockbox, block: rootBridge.block, txHash: rootBridge.txHash, args: [] };
      save();
    }
  }
}

/**
 * Staking mode: deploys the StakeManager on the main chain unless it is reused, with the deployer
 * as admin (it wires the lanes and rotation, then hands over), and both lanes left for the wiring.
 */
async function deployStakeManager(main: Side, child: Side, logger: DeployLogger): Promise<void> {
  if (main.reuse.has("StakeManager")) return;
  const { chain, file } = main;
  const staking = main.staking!;
  const config = [
    staking.stakeToken,
    staking.epochLength,
    staking.unbondingDelay,
    staking.challengePeriod,
    staking.setChangeDelay,
    staking.minStake,
    staking.maxValidators,
    staking.thresholdBps,
    staking.slashBps,
    staking.reporterRewardBps,
  ];
  const lanes = [
    [chain.chainId, ZeroAddress],
    [child.chain.chainId, ZeroAddress],
  ];
  const { record } = await chain.deploy("StakeManager", [chain.deployer, config, lanes]);
  file.contracts.StakeManager = record;
  file.deployedAt = new Date().toISOString();
  writeDeployment(main.dir, file);
  main.stakeManager = record.address;
  child.stakeManager = record.address;
  logger.info({ at: "deploy.contract", chain: "main", contract: "StakeManager", address: record.address, block: record.block, txHash: record.txHash }, "deployed");
}

/** Sets the set-once links of `side` to `peer`'s contracts where they are not set yet. */
async function wireSide(side: Side, peer: Side, logger: DeployLogger): Promise<void> {
  if (side.staking !== undefined) await wireStaking(side, peer, logger);
  const { chain, role, file } = side;
  const links = [
    { contract: "Messenger" as const, getter: "remoteMessenger", setter: "setRemoteMessenger", target: peer.file.contracts.Messenger!.address },
    { contract: bridgeOf(role), getter: "counterpart", setter: "setCounterpart", target: peer.file.contracts[bridgeOf(peer.role)]!.address },
    { contract: assetBridgeOf(role), getter: "counterpart", setter: "setCounterpart", target: peer.file.contracts[assetBridgeOf(peer.role)]!.address },
  ];
  for (const { contract, getter, setter, target } of links) {
    const instance = chain.at(contract, file.contracts[contract]!.address);
    const current = getAddress((await instance.getFunction(getter)()) as string);
    if (current === target) continue;
    if (current !== ZeroAddress) throw new WiringConflictError(role, `${contract}.${getter}`, current, target);
    if (!((await instance.getFunction("hasRole")(DEFAULT_ADMIN_ROLE, chain.deployer)) as boolean)) {
      throw new NotAdminError(role, contract, chain.deployer, `${setter}(${target})`);
    }
    const receipt = await chain.send(`${contract}.${setter}(${target})`, (overrides) => instance.getFunction(setter)(target, overrides));
    logger.info({ at: "deploy.wire", chain: role, contract, link: getter, target, txHash: receipt.hash }, "wired");
  }
}

/**
 * Staking mode's links: on main, the StakeManager's two lanes (the CheckpointManagers validators
 * sign for) and its rotation targets (re-pointed when they differ); on child, the
 * ChildValidatorSet's Messenger (set once).
 */
async function wireStaking(side: Side, peer: Side, logger: DeployLogger): Promise<void> {
  const { chain, role } = side;
  const address = (s: Side, name: keyof DeploymentFile["contracts"]) => s.file.contracts[name]!.address;
  const requireAdmin = async (contract: "StakeManager" | "ChildValidatorSet", instance: ReturnType<Chain["at"]>, action: string) => {
    if (!((await instance.getFunction("hasRole")(DEFAULT_ADMIN_ROLE, chain.deployer)) as boolean)) throw new NotAdminError(role, contract, chain.deployer, action);
  };
  if (role === "child") {
    const set = chain.at("ChildValidatorSet", address(side, "ValidatorSet"));
    const target = address(side, "Messenger");
    const current = getAddress((await set.getFunction("messenger")()) as string);
    if (current === target) return;
    if (current !== ZeroAddress) throw new WiringConflictError(role, "ChildValidatorSet.messenger", current, target);
    await requireAdmin("ChildValidatorSet", set, `setMessenger(${target})`);
    const receipt = await chain.send(`ChildValidatorSet.setMessenger(${target})`, (overrides) => set.getFunction("setMessenger")(target, overrides));
    logger.info({ at: "deploy.wire", chain: role, contract: "ChildValidatorSet", link: "messenger", target, txHash: receipt.hash }, "wired");
    return;
  }
  const stakeManager = chain.at("StakeManager", address(side, "StakeManager"));
  const lanes = [
    { lane: 0, chainId: BigInt(chain.chainId), manager: address(side, "CheckpointManager") },
    { lane: 1, chainId: BigInt(peer.chain.chainId), manager: address(peer, "CheckpointManager") },
  ];
  for (const { lane, chainId, manager } of lanes) {
    const [currentChain, currentManager] = (await stakeManager.getFunction("laneDomain")(lane)) as [bigint, string];
    if (currentChain === chainId && getAddress(currentManager) === manager) continue;
    const action = `StakeManager.setLane(${lane}, ${chainId}, ${manager})`;
    await requireAdmin("StakeManager", stakeManager, action);
    const receipt = await chain.send(action, (overrides) => stakeManager.getFunction("setLane")(lane, chainId, manager, overrides));
    logger.info({ at: "deploy.wire", chain: role, contract: "StakeManager", link: `lane${lane}`, target: manager, txHash: receipt.hash }, "wired");
  }
  const targets = [address(side, "ValidatorSet"), address(side, "Messenger"), address(peer, "ValidatorSet")];
  const current = await Promise.all(["mainValidatorSet", "messenger", "childValidatorSet"].map(async (g) => getAddress((await stakeManager.getFunction(g)()) as string)));
  if (current.every((a, i) => a === targets[i])) return;
  const action = `StakeManager.setRotation(${targets.join(", ")})`;
  await requireAdmin("StakeManager", stakeManager, action);
  const receipt = await chain.send(action, (overrides) => stakeManager.getFunction("setRotation")(...targets, overrides));
  logger.info({ at: "deploy.wire", chain: role, contract: "StakeManager", link: "rotation", target: targets, txHash: receipt.hash }, "wired");
}

/** The game beside the CheckpointManager, when the settings want one and none is reused. */
async function deployAvailabilityGame(side: Side, logger: DeployLogger): Promise<void> {
  const { chain, file, settings, role } = side;
  const game = settings.availability;
  if (side.reuse.has("LeafAvailabilityGame")) return;
  if (file.contracts.LeafAvailabilityGame !== undefined) {
    delete file.contracts.LeafAvailabilityGame;
    writeDeployment(side.dir, file);
  }
  if (game === undefined) return;
  const args = [settings.admin, file.contracts.CheckpointManager!.address, game.responseWindow, game.resolveWindow, game.leafDemandBond, game.headerDemandBond];
  const { record } = await chain.deploy("LeafAvailabilityGame", args);
  file.contracts.LeafAvailabilityGame = record;
  file.deployedAt = new Date().toISOString();
  writeDeployment(side.dir, file);
  logger.info({ at: "deploy.contract", chain: role, contract: "LeafAvailabilityGame", address: record.address, block: record.block, txHash: record.txHash }, "deployed");
}

/**
 * Grants the game the CheckpointManager's AVAILABILITY_ROLE. A reused manager already handed to
 * another admin cannot be granted it by the deployer: governance must, and the run says so.
 */
async function grantAvailabilityRole(side: Side, logger: DeployLogger): Promise<void> {
  const { chain, role, file } = side;
  const game = file.contracts.LeafAvailabilityGame?.address;
  if (game === undefined) return;
  const manager = chain.at("CheckpointManager", file.contracts.CheckpointManager!.address);
  const availabilityRole = (await manager.getFunction("AVAILABILITY_ROLE")()) as string;
  if ((await manager.getFunction("hasRole")(availabilityRole, game)) as boolean) return;
  if (!((await manager.getFunction("hasRole")(DEFAULT_ADMIN_ROLE, chain.deployer)) as boolean)) {
    logger.warn({ at: "deploy.availability", chain: role, game }, "the deployer is not admin of the CheckpointManager: governance must grantRole(AVAILABILITY_ROLE, game) for the game to revert anything");
    return;
  }
  const receipt = await chain.send(`CheckpointManager.grantRole(AVAILABILITY_ROLE, ${game})`, (overrides) => manager.getFunction("grantRole")(availabilityRole, game, overrides));
  logger.info({ at: "deploy.wire", chain: role, contract: "CheckpointManager", link: "AVAILABILITY_ROLE", target: game, txHash: receipt.hash }, "wired");
}

/**
 * Grants the guardian GUARDIAN_ROLE on both bridges of `side` (their FlowControl): without it
 * nobody can push back a queued release that looks like the proceeds of a forgery, nor cancel a
 * loosened limit. No guardian (the zero address), nothing to grant. A reused bridge already
 * handed to another admin cannot be granted it by the deployer: governance must, and the run says so.
 */
async function grantBridgeGuardian(side: Side, logger: DeployLogger): Promise<void> {
  const { chain, role, file, settings } = side;
  if (settings.guardian === ZeroAddress) return;
  for (const contract of [bridgeOf(role), assetBridgeOf(role)]) {
    const instance = chain.at(contract, file.contracts[contract]!.address);
    const guardianRole = (await instance.getFunction("GUARDIAN_ROLE")()) as string;
    if ((await instance.getFunction("hasRole")(guardianRole, settings.guardian)) as boolean) continue;
    if (!((await instance.getFunction("hasRole")(DEFAULT_ADMIN_ROLE, chain.deployer)) as boolean)) {
      logger.warn({ at: "deploy.guardian", chain: role, contract, guardian: settings.guardian }, `the deployer is not admin of the ${contract}: governance must grantRole(GUARDIAN_ROLE, guardian) for the guardian to extend queued releases`);
      continue;
    }
    const receipt = await chain.send(`${contract}.grantRole(GUARDIAN_ROLE, ${settings.guardian})`, (overrides) => instance.getFunction("grantRole")(guardianRole, settings.guardian, overrides));
    logger.info({ at: "deploy.wire", chain: role, contract, link: "GUARDIAN_ROLE", target: settings.guardian, txHash: receipt.hash }, "wired");
  }
}

/** Gives the admin role of the wired contracts to the configured admin and drops the deployer's. */
async function handOver(side: Side, logger: DeployLogger): Promise<void> {
  const { chain, role, file, settings } = side;
  if (settings.admin === chain.deployer) return;
  const wired: (keyof DeploymentFile["contracts"])[] = ["Messenger", bridgeOf(role), assetBridgeOf(role), "CheckpointManager"];
  // Staking mode: the contracts the deployer wired beyond the messenger and bridges.
  if (side.staking !== undefined) wired.push(role === "main" ? "StakeManager" : "ValidatorSet");
  for (const contract of wired) {
    const instance = chain.at(contract === "ValidatorSet" ? "ChildValidatorSet" : contract, file.contracts[contract]!.address);
    const hasRole = async (account: string) => (await instance.getFunction("hasRole")(DEFAULT_ADMIN_ROLE, account)) as boolean;
    // Grant before renouncing: the contract must never be left without an admin.
    if (!(await hasRole(settings.admin))) {
      if (!(await hasRole(chain.deployer))) throw new NotAdminError(role, contract, chain.deployer, `grant the admin role to ${settings.admin}`);
      await chain.send(`${contract}.grantRole(admin, ${settings.admin})`, (overrides) => instance.getFunction("grantRole")(DEFAULT_ADMIN_ROLE, settings.admin, overrides));
    }
    if (await hasRole(chain.deployer)) {
      await chain.send(`${contract}.renounceRole(admin, deployer)`, (overrides) => instance.getFunction("renounceRole")(DEFAULT_ADMIN_ROLE, chain.deployer, overrides));
    }
    logger.info({ at: "deploy.handOver", chain: role, contract, admin: settings.admin }, "admin handed over");
  }
}

/** Waits for both; rethrows the first failure (a DeployError before anything else) once both settled. */
async function settleBoth(a: Promise<void>, b: Promise<void>): Promise<void> {
  const results = await Promise.allSettled([a, b]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
  if (failures.length > 0) throw failures.find((f) => f instanceof DeployError) ?? failures[0];
}

/** "<role>.<Contract>" kept; the Lockbox stays with its RootBridge. */
function reusedOf(side: Side): string[] {
  const kept = (name: string) => side.reuse.has(name as never) || (name === "Lockbox" && side.reuse.has("RootBridge"));
  return contractsOf(side.role, side.staking !== undefined).filter(kept).map((name) => `${side.role}.${name}`);
}
