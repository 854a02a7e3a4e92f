/**
 * `sidechain-kit/testing`: test an app's cross-chain messages against the real bridge contracts,
 * real checkpoints signed by test validators and real Merkle exit proofs, not a mock.
 *
 *   const bridge = await createTestBridge(hre);
 *   await app.connect(alice).sendToOtherChain(...);   // any MessageSent of either messenger
 *   const [delivered] = await bridge.relayAll();       // checkpoint, wait out, prove, relay
 *
 * A target that reverts makes relayAll throw TestBridgeRelayError with the decoded reason, unless
 * `{ allowFailures: true }`. No Hardhat import at run time: `hre` is passed in.
 */
export { createTestBridge } from "./bridge";
export { testValidators } from "./validators";
export {
  TestBridgeCheckpointMismatchError,
  TestBridgeError,
  TestBridgeRelayError,
  TestBridgeRelayLoopError,
  TestBridgeSetupError,
  TestBridgeTransactionError,
} from "./errors";
export type {
  AbiSource,
  ChildSide,
  DeliveredMessage,
  Direction,
  HardhatRuntimeLike,
  MainSide,
  PendingMessage,
  RelayOptions,
  RevealedBlock,
  Side,
  SubmitCheckpointOptions,
  SubmittedCheckpoint,
  TestBridge,
  TestBridgeOptions,
  TwoChains,
} from "./types";
