// The bridge:* tasks live in the kit's Hardhat plugin (relayer/src/hardhat, `sidechain-kit/hardhat`).
import "../relayer/src/hardhat";
